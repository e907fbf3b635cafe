//! SPL005: a base search with no index, sourcetype or macro.

use super::commands;
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::spl as k;
use crate::syntax::Node;

pub static LINT: Lint = Lint {
    code: "SPL005",
    name: "unscoped-base-search",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "a base search or subsearch names no index, sourcetype, eventtype or macro",
    doc: Doc {
        what: "Checks that the first command of the search, and of every subsearch (`join`, `append`, `multisearch`, filter subsearches), scopes the data it reads: `index=`, `sourcetype=`, `source=`, `eventtype=`, `tag=`, a macro, or a generating command (`tstats`, `inputlookup`, `datamodel`, `from`, `makeresults`, `rest`).",
        why: "An unscoped search reads every default index: slow, costly, and it depends on the searching user's default indexes, so the same saved search finds different things for different owners. A macro lets each site point the detection at its own index.",
        example: "properties.isInteractive=false\n| stats count by properties.sessionId",
        fix: "Start with a macro each site defines (`` `azure_monitor_aad` ``) or with `index=… sourcetype=…`.",
    },
    check,
};

const GENERATING: &[&str] = &[
    "tstats",
    "inputlookup",
    "datamodel",
    "from",
    "makeresults",
    "rest",
    "metadata",
    "inputcsv",
    "mstats",
    "loadjob",
    "savedsearch",
    "dbinspect",
    "eventcount",
    "gentimes",
    "multisearch",
    "union",
    "pivot",
];

/// Whether the first command of a pipeline scopes what it reads.
fn scoped(first: &Node<'_>) -> bool {
    let name = super::command_name(first);
    if GENERATING.contains(&name.as_str()) || matches!(first.kind, k::MACRO_CMD | k::TSTATS_CMD) {
        return true;
    }
    if !matches!(first.kind, k::BASE_SEARCH | k::SEARCH_CMD) {
        return true;
    }
    let text = first.text.to_ascii_lowercase();
    text.contains('`')
        || [
            "index=",
            "index =",
            "index!=",
            "sourcetype=",
            "sourcetype =",
            "source=",
            "eventtype=",
            "tag=",
        ]
        .iter()
        .any(|k| text.contains(k))
}

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(first) = commands(tree).into_iter().next() {
        if !scoped(first) {
            out.push(
                Finding::at(first, "the base search reads every default index")
                    .help("start with a macro (`azure_monitor_aad`) or index=… sourcetype=…"),
            );
        }
    }
    // Subsearches (join, append, multisearch, filters) run their own search.
    for sub in tree.find_all(k::SUBSEARCH) {
        let first = sub.child(k::PIPELINE).and_then(|p| p.children.first());
        if let Some(first) = first {
            if !scoped(first) {
                out.push(
                    Finding::at(first, "the subsearch reads every default index")
                        .help("scope it like a base search: a macro, or index=… sourcetype=…"),
                );
            }
        }
    }
    out
}
