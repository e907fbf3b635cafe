//! KQL001: the query does not parse.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};

pub static LINT: Lint = Lint {
    code: "KQL001",
    name: "syntax-error",
    language: Language::Kql,
    level: Setting::Error,
    summary: "the query does not parse",
    doc: Doc {
        what: "Parses the query with tokenward's KQL grammar (grammar/kql.pest) and reports the first place it cannot continue, with what was expected there.",
        why: "Sentinel rejects an analytic rule whose query does not parse, and a hunting query with a syntax error returns nothing; either way the detection is not running.",
        example: "SigninLogs\n| where ResultType == \"0\" and\n| project UserPrincipalName",
        fix: "Correct the syntax at the reported line and column.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    crate::lint::syntax_finding(src)
}
