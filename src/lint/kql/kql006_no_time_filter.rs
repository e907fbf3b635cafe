//! KQL006: a table scanned without a time filter.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::kql as k;
use crate::syntax::Node;

pub static LINT: Lint = Lint {
    code: "KQL006",
    name: "no-time-filter",
    language: Language::Kql,
    level: Setting::Warning,
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
        op.kind == k::WHERE_OP
            && (op.text.contains("TimeGenerated")
                || op.text.contains("ago(")
                || op.text.contains("between"))
    })
}

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // One walk, carrying for each node whether an enclosing pipeline filters on time or a `let` names it.
    let mut stack: Vec<(&Node<'_>, bool)> = vec![(tree, false)];
    while let Some((n, covered)) = stack.pop() {
        if n.kind == k::NAME_REF && src.schemas.tables.contains_key(n.text) && !covered {
            out.push(
                Finding::at(n, format!("`{}` is read without a time filter", n.text))
                    .help("add `| where TimeGenerated > ago(…)` right after the table"),
            );
        }
        // `let t = SigninLogs;` names the table; its users filter it.
        let covered =
            covered || (n.kind == k::PIPE_EXPR && has_time_filter(n)) || n.kind == k::LET_STMT;
        stack.extend(n.children.iter().rev().map(|c| (c, covered)));
    }
    out.sort_by_key(|f| f.start);
    out
}
