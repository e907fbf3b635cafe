//! KQL006: a table scanned without a time filter.

use super::with_parents;
use crate::lint::{Doc, Finding, Language, Level, Lint, Source};
use crate::syntax::Node;

pub static LINT: Lint = Lint {
    code: "KQL006",
    name: "no-time-filter",
    language: Language::Kql,
    level: Level::Warning,
    summary: "a table is scanned without a time filter",
    doc: Doc {
        what: "Finds references to a known table (the bundled sign-in schemas and any the project adds) in a pipeline that never filters on time (`TimeGenerated`, `ago()`, `between`).",
        why: "Without a time filter a hunting query reads the workspace's whole retention, which is slow, costly and often times out; in a scheduled rule the query period bounds it, but the intent is invisible to reviewers and the query cannot be reused safely.",
        example: "SigninLogs\n| where ResultType == \"0\"\n| summarize count() by UserPrincipalName",
        fix: "Filter first: `| where TimeGenerated > ago(1d)` right after the table.",
    },
    check,
};

fn has_time_filter(pipe: &Node<'_>) -> bool {
    pipe.children.iter().any(|op| {
        op.kind == "where_op"
            && (op.text.contains("TimeGenerated")
                || op.text.contains("ago(")
                || op.text.contains("between"))
    })
}

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    let pairs = with_parents(tree);
    let parent = |n: &Node<'_>| {
        pairs
            .iter()
            .find(|(_, c)| std::ptr::eq(*c, n))
            .map(|(p, _)| *p)
    };
    let mut out = Vec::new();
    for n in tree
        .descendants()
        .filter(|n| n.kind == "name_ref" && src.schemas.tables.contains_key(n.text))
    {
        // Walk up through the enclosing pipelines; any of them filtering on time covers the reference.
        let mut covered = false;
        let mut in_let_alias = false;
        let mut cur = parent(n);
        while let Some(p) = cur {
            if p.kind == "pipe_expr" && has_time_filter(p) {
                covered = true;
                break;
            }
            if p.kind == "let_stmt" {
                // `let t = SigninLogs;` names the table; its users filter it.
                in_let_alias = true;
                break;
            }
            cur = parent(p);
        }
        if !covered && !in_let_alias {
            out.push(
                Finding::at(n, format!("`{}` is read without a time filter", n.text))
                    .help("add `| where TimeGenerated > ago(…)` right after the table"),
            );
        }
    }
    out
}
