//! KQL010: a string column compared with a number.

use super::schema::ColType;
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::{self, kql as k};

pub static LINT: Lint = Lint {
    code: "KQL010",
    name: "string-compared-with-number",
    language: Language::Kql,
    level: Setting::Error,
    summary: "a string column is compared with a number (`ResultType == 0`)",
    doc: Doc {
        what: "Finds comparisons between a column that the table schemas declare as string and a numeric literal.",
        why: "`ResultType` and `AutonomousSystemNumber` are strings in the sign-in tables. Kusto.Language accepts `ResultType == 0` without a word, but the comparison does not do what it says: successful sign-ins are `\"0\"`, and a detection that filters on `== 0` quietly matches nothing or everything.",
        example: "SigninLogs\n| where ResultType == 0",
        fix: "Compare with a string (`ResultType == \"0\"`) or convert explicitly (`toint(AutonomousSystemNumber) == 14061`).",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    let string_col = |name: &str| {
        src.schemas
            .tables
            .iter()
            .filter(|(t, _)| {
                tree.descendants()
                    .any(|n| n.kind == k::NAME_REF && n.text == t.as_str())
            })
            .any(|(_, cols)| cols.get(name) == Some(&ColType::String))
    };
    let mut out = Vec::new();
    for b in tree.find_all(kinds::BINARY) {
        // binary: operand, operator, operand, … (one chain of equal precedence).
        for w in b.children.windows(3) {
            let [l, op, r] = w else { continue };
            if !matches!(op.kind, k::EQ_OP | k::REL_OP) {
                continue;
            }
            let number = |n: &crate::syntax::Node<'_>| matches!(n.kind, k::LONG | k::REAL);
            let (col, lit) = if l.kind == k::NAME_REF && number(r) {
                (l, r)
            } else if r.kind == k::NAME_REF && number(l) {
                (r, l)
            } else {
                continue;
            };
            if string_col(col.text) {
                out.push(
                    Finding::new(
                        l.start,
                        r.end,
                        format!(
                            "`{}` is a string column compared with the number {}",
                            col.text, lit.text
                        ),
                    )
                    .help(format!(
                        "compare with a string: {} {} \"{}\"",
                        col.text, op.text, lit.text
                    )),
                );
            }
        }
    }
    out
}
