//! SPL004: `join` / `append` subsearches are truncated silently.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::spl as k;

pub static LINT: Lint = Lint {
    code: "SPL004",
    name: "subsearch-limits",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "`join`/`append` subsearch results are truncated at 50,000 rows and 60 seconds",
    doc: Doc {
        what: "Finds `join`, `append` and `appendcols` commands, whose right side is a subsearch. A subsearch that only generates rows (`[| makeresults …]`, e.g. to give every expected category a zero row) reads no events and cannot be cut short, so it is not reported.",
        why: "Subsearches stop at their result limit (50,000 rows for join by default) and their time limit (60 seconds); Splunk then uses what it has, with at most a message in the job inspector. A detection that joins sign-ins misses whatever fell past the limit, on the busiest days.",
        example: "`azure_monitor_aad` category=SignInLogs\n| join type=inner properties.sessionId [search `azure_monitor_aad` category=NonInteractiveUserSignInLogs]",
        fix: "Search both sides at once and aggregate: `(category=SignInLogs OR category=NonInteractiveUserSignInLogs) | stats … by properties.sessionId`.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    tree.descendants()
        .filter(|n| n.kind == k::GENERIC_CMD)
        .filter(|c| !generates_only(c))
        .filter_map(|c| c.child(k::CMD_NAME))
        .filter(|n| {
            matches!(
                n.text.to_ascii_lowercase().as_str(),
                "join" | "append" | "appendcols"
            )
        })
        .map(|n| {
            Finding::at(
                n,
                format!(
                    "`{}` truncates its subsearch silently (50,000 rows / 60 s by default)",
                    n.text
                ),
            )
            .help("search both sides together and aggregate with stats … by <key>")
        })
        .collect()
}

/// Whether every subsearch of the command starts with `makeresults` (rows made, no events read).
fn generates_only(cmd: &crate::syntax::Node<'_>) -> bool {
    let subs: Vec<_> = cmd
        .children
        .iter()
        .filter(|n| n.kind == k::SUBSEARCH)
        .collect();
    !subs.is_empty()
        && subs.iter().all(|s| {
            s.text
                .trim_start_matches('[')
                .trim_start()
                .trim_start_matches('|')
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("makeresults")
        })
}
