//! KQL010: a string column compared with a number.

use super::schema::ColType;
use crate::lint::fix::Fix;
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::kql as k;

pub static LINT: Lint = Lint {
    code: "KQL010",
    name: "string-compared-with-number",
    language: Language::Kql,
    level: Setting::Warning,
    summary: "a string column is compared with a number (`ResultType == 0`)",
    doc: Doc {
        what: "Finds comparisons of a numeric literal with a column that is a string at that point of the query (the column and type model: schema types, carried through extend, project, summarize and union; a column converted with `toint()` is a number again, a `let` is no column).",
        why: "`ResultType` and `AutonomousSystemNumber` are strings in the sign-in tables. Kusto accepts `ResultType == 0` and converts, so the query runs, but the conversion is invisible: the rule reads as if the column were a number, an ordering comparison (`ResultType > 50000`) depends on a conversion the author did not write, and the same text compared with a string column elsewhere behaves differently. A warning, since Sentinel runs the query.",
        example: "SigninLogs\n| where ResultType == 0",
        fix: "Compare with a string (`ResultType == \"0\"`; `tokenward lint --fix` quotes the number of an `==`/`!=` comparison) or convert explicitly (`toint(AutonomousSystemNumber) > 14061`).",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(model) = src.kql_model() else {
        return Vec::new();
    };
    model
        .comparisons
        .iter()
        .filter(|c| c.ty == ColType::String)
        .map(|c| {
            let f = Finding::new(
                c.start,
                c.end,
                format!(
                    "`{}` is a string column compared with the number {}",
                    c.column, c.literal
                ),
            );
            if c.op_kind == k::EQ_OP {
                // Equality with the number and with its digits as a string select the same rows.
                f.help(format!(
                    "compare with a string: {} {} \"{}\"",
                    c.column, c.op, c.literal
                ))
                .fix(Fix::replace(
                    "quote the number",
                    c.literal_start,
                    c.literal_end,
                    format!("\"{}\"", c.literal),
                ))
            } else {
                // `<` on strings compares text: only an explicit conversion keeps the meaning.
                f.help(format!(
                    "convert explicitly: toint({}) {} {}",
                    c.column, c.op, c.literal
                ))
            }
        })
        .collect()
}
