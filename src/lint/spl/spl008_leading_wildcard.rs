//! SPL008: a search term that starts with a wildcard.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::{self, spl as k};
use crate::syntax::Node;

pub static LINT: Lint = Lint {
    code: "SPL008",
    name: "leading-wildcard",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "the only terms that could narrow a search's index read start with `*`",
    doc: Doc {
        what: "Finds a search that reads the index (the first command of the search or of a subsearch) whose only positive terms begin with a wildcard (`*python*`, `userAgent=*curl`): no macro and no exact value the index could use first (`index=`, `sourcetype=` and friends only choose which events are scanned). A later `| search` filters events already read, and a negated term never uses the index, so neither counts.",
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
    // Only the search that reads the index: the first command of the search and of each subsearch.
    // A later `| search` filters events already read, and a negated term never uses the index.
    for pipeline in tree.find_all(k::PIPELINE) {
        let Some(first) = pipeline.children.first() else {
            continue;
        };
        if !matches!(first.kind, k::BASE_SEARCH | k::SEARCH_CMD) {
            continue;
        }
        let (wild, anchored) = terms(first);
        // Another term, a macro or an index picks the events first: the wildcard then only filters them.
        if anchored {
            continue;
        }
        out.extend(wild.into_iter().map(|n| {
            Finding::at(
                n,
                format!(
                    "`{}` starts with a wildcard and is the only way this search narrows the index",
                    n.text
                ),
            )
            .help("add a term the index can use (an exact value such as EventCode=4688), or drop the leading *")
        }));
    }
    out.sort_by_key(|f| f.start);
    out
}

/// The positive terms of a search that start with a wildcard, and whether any positive term, macro
/// or time modifier aside could use the index instead.
fn terms<'a, 'i>(search: &'a Node<'i>) -> (Vec<&'a Node<'i>>, bool) {
    let mut wild = Vec::new();
    let mut anchored = false;
    let mut stack: Vec<&Node<'_>> = vec![search];
    while let Some(n) = stack.pop() {
        let value = match n.kind {
            k::SUBSEARCH => continue,
            k::MACRO_CALL => {
                anchored = true;
                continue;
            }
            kinds::UNARY if n.children.first().is_some_and(|c| c.kind == k::KW_NOT) => continue,
            k::FIELD_CMP => {
                let field = n
                    .child(k::S_FIELD)
                    .map_or("", |f| f.text)
                    .to_ascii_lowercase();
                let op = n.child(k::S_CMP).map_or("", |c| c.text);
                if op == "!=" || matches!(field.as_str(), "earliest" | "latest") {
                    continue;
                }
                let v = n.children.last().map_or("", |v| v.text.trim_matches('"'));
                // index=, sourcetype=… pick the events to scan; only another term narrows them.
                let scope = matches!(
                    field.as_str(),
                    "index" | "sourcetype" | "source" | "host" | "eventtype" | "tag"
                );
                if op == "=" && !scope && (v.is_empty() || !v.starts_with('*')) {
                    anchored = true;
                    continue;
                }
                if scope {
                    continue;
                }
                stack.extend(n.children.iter().rev());
                continue;
            }
            k::VALUE_WORD | k::S_WORD => n.text,
            k::STRING => n.text.trim_matches('"'),
            _ => {
                stack.extend(n.children.iter().rev());
                continue;
            }
        };
        if value.starts_with('*') {
            if !value.trim_start_matches('*').is_empty() {
                wild.push(n);
            }
        } else if n.kind != k::VALUE_WORD {
            anchored = true;
        }
    }
    (wild, anchored)
}
