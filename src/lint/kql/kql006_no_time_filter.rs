//! KQL006: a table scanned without a time filter.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};

pub static LINT: Lint = Lint {
    code: "KQL006",
    name: "no-time-filter",
    language: Language::Kql,
    level: Setting::Warning,
    summary: "a table is scanned without a time filter",
    doc: Doc {
        what: "Finds reads of a known table (the bundled sign-in schemas and any the project adds) whose pipeline, and every pipeline around it, never filters on time: a `where` on a datetime column of the schemas, a time function (`ago()`, `now()`, `startofday()`, …), a datetime literal or `between`. A table that is the value of a `let` is filtered by its users. It reads the column and type model KQL002 and KQL010 share.",
        why: "Without a time filter a hunting query reads the workspace's whole retention, which is slow, costly and often times out; in a scheduled rule the query period bounds it, but the intent is invisible to reviewers and the query cannot be reused safely.",
        example: "SigninLogs\n| where ResultType == \"0\"\n| summarize count() by UserPrincipalName",
        fix: "Filter first: `| where TimeGenerated > ago(1d)` right after the table.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(model) = src.kql_model() else {
        return Vec::new();
    };
    let mut out: Vec<Finding> = model
        .reads
        .iter()
        .filter(|r| !r.time_filtered)
        .map(|r| {
            Finding::new(
                r.start,
                r.end,
                format!("`{}` is read without a time filter", r.table),
            )
            .help("add `| where TimeGenerated > ago(…)` right after the table")
        })
        .collect();
    out.sort_by_key(|f| f.start);
    out
}
