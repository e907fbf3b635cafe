//! SPL008: a search term that starts with a wildcard.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::spl as k;

pub static LINT: Lint = Lint {
    code: "SPL008",
    name: "leading-wildcard",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "a search term starts with `*`",
    doc: Doc {
        what: "Finds search terms and field values that begin with a wildcard (`*python*`, `userAgent=*curl`).",
        why: "Splunk's index is searched by term prefix; a leading wildcard cannot use it and scans every event in the time range. On sign-in data that is slow enough to time out scheduled searches.",
        example: "`azure_monitor_aad` properties.userAgent=*python*",
        fix: "Match on a term without the leading wildcard, or filter after extraction: `| where match('properties.userAgent', \"(?i)python\")`.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for s in tree
        .descendants()
        .filter(|n| matches!(n.kind, k::BASE_SEARCH | k::SEARCH_CMD))
    {
        for n in s.descendants() {
            let value = match n.kind {
                k::VALUE_WORD | k::S_WORD => n.text,
                k::STRING if n.text.starts_with("\"*") => &n.text[1..],
                _ => continue,
            };
            if value.starts_with('*') && value.len() > 1 {
                out.push(
                    Finding::at(
                        n,
                        format!(
                            "`{}` starts with a wildcard and cannot use the index",
                            n.text
                        ),
                    )
                    .help("drop the leading *, or filter later with where match(…)"),
                );
            }
        }
    }
    out
}
