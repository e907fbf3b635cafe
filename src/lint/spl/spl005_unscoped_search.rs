//! SPL005: a base search with no index, sourcetype or macro.

use super::commands;
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::spl as k;

pub static LINT: Lint = Lint {
    code: "SPL005",
    name: "unscoped-base-search",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "the base search names no index, sourcetype, eventtype or macro",
    doc: Doc {
        what: "Checks that the first command of the search scopes the data it reads: `index=`, `sourcetype=`, `eventtype=`, `tag=`, a macro, or a generating command (`tstats`, `inputlookup`, `datamodel`, `from`, `makeresults`, `rest`).",
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

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    let Some(first) = commands(tree).into_iter().next() else {
        return Vec::new();
    };
    let name = super::command_name(first);
    if GENERATING.contains(&name.as_str())
        || first.kind == k::MACRO_CMD
        || first.kind == k::TSTATS_CMD
    {
        return Vec::new();
    }
    let text = first.text.to_ascii_lowercase();
    let scoped = text.contains('`')
        || [
            "index=",
            "index =",
            "sourcetype=",
            "sourcetype =",
            "eventtype=",
            "tag=",
        ]
        .iter()
        .any(|k| text.contains(k));
    if scoped {
        return Vec::new();
    }
    vec![
        Finding::at(first, "the base search reads every default index")
            .help("start with a macro (`azure_monitor_aad`) or index=… sourcetype=…"),
    ]
}
