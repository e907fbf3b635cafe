//! SPL001: the search does not parse.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};

pub static LINT: Lint = Lint {
    code: "SPL001",
    name: "syntax-error",
    language: Language::Spl,
    level: Setting::Error,
    summary: "the search does not parse (unbalanced quotes, brackets, subsearch or macro)",
    doc: Doc {
        what: "Parses the search with tokenward's SPL grammar (grammar/spl.pest). There is no offline SPL validator from Splunk, so this is the syntax check: unbalanced quotes, parentheses, subsearch brackets or macro backticks, and malformed eval expressions.",
        why: "A saved search that does not parse is scheduled and then fails at every run; the alert is silently dead.",
        example: "`azure_monitor_aad` category=SignInLogs\n| eval ok=if(status.errorCode==0, \"yes\", \"no\"\n| table user ok",
        fix: "Correct the syntax at the reported line and column.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    crate::lint::syntax_finding(src)
}
