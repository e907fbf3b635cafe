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
        what: "Counts the characters of the query. A query tokenward generated (its header says so) is measured as tokenward deploys it, without full-line comments and indentation; the build refuses one over the limit (E081).",
        why: "Sentinel refuses to save a scheduled analytic rule whose query exceeds 10,000 characters; the deployment fails, usually in CI, after review.",
        example: "let hosting = dynamic([14061, 16276, /* … thousands of values … */]);",
        fix: "Move long lists to a watchlist (`_GetWatchlist('name')`) or a function, and keep the rule's query short.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let deployed;
    let (text, how) = if crate::limits::is_generated(src.text) {
        deployed = crate::limits::deployed_kql(src.text);
        (
            deployed.as_str(),
            " as tokenward deploys it (comments and indentation stripped)",
        )
    } else {
        (src.text, "")
    };
    let chars = text.chars().count();
    if chars <= LIMIT {
        return Vec::new();
    }
    let at = if how.is_empty() {
        src.text.char_indices().nth(LIMIT).map_or(0, |(i, _)| i)
    } else {
        0
    };
    vec![Finding::new(
        at,
        at + 1,
        format!("the query is {chars} characters{how}, over Sentinel's {LIMIT}-character limit"),
    )
    .help("move long lists into a watchlist and read it with _GetWatchlist()")]
}
