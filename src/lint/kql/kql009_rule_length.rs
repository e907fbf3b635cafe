//! KQL009: longer than Sentinel's analytic-rule query limit.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};

use crate::limits::SENTINEL_QUERY_CHARS as LIMIT;

pub static LINT: Lint = Lint {
    code: "KQL009",
    name: "analytic-rule-too-long",
    language: Language::Kql,
    level: Setting::Error,
    summary: "the query is longer than Sentinel's 10,000-character analytic-rule limit",
    doc: Doc {
        what: "Counts the characters of the query.",
        why: "Sentinel refuses to save a scheduled analytic rule whose query exceeds 10,000 characters; the deployment fails, usually in CI, after review.",
        example: "let hosting = dynamic([14061, 16276, /* … thousands of values … */]);",
        fix: "Move long lists to a watchlist (`_GetWatchlist('name')`) or a function, and keep the rule's query short.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let chars = src.text.chars().count();
    if chars <= LIMIT {
        return Vec::new();
    }
    let at = src.text.char_indices().nth(LIMIT).map_or(0, |(i, _)| i);
    vec![Finding::new(
        at,
        at + 1,
        format!("the query is {chars} characters, over Sentinel's {LIMIT}-character limit"),
    )
    .help("move long lists into a watchlist and read it with _GetWatchlist()")]
}
