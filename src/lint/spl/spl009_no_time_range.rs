//! SPL009: no earliest/latest in the search.

use super::has_time_range;
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::spl as k;

pub static LINT: Lint = Lint {
    code: "SPL009",
    name: "no-time-range",
    language: Language::Spl,
    level: Setting::Off,
    summary: "the search sets no time range (earliest/latest)",
    doc: Doc {
        what: "Finds searches whose text sets neither `earliest=` nor `latest=`. A search tokenward generated (its header says so) is exempt: tokenward deploys it with `dispatch.earliest_time` / `dispatch.latest_time`, which an inline range would silently override for Enterprise Security users. Off by default: a saved search takes its range from its schedule, and on production content it fired on 89% of the searches; switch it on (`lints: { SPL009: warning }`) for ad-hoc and hunting searches run by hand.",
        why: "A scheduled search without a time range depends on its dispatch settings; copied to another app or run by hand it reads all time. A correlation window also needs a look-back longer than the window: a 60-minute window run every 15 minutes needs window + interval + ingestion lag, e.g. earliest=-90m.",
        example: "`azure_monitor_aad`\n| stats count by user",
        fix: "Put the range in the search (`earliest=-90m@m latest=now`) and keep `dispatch.earliest_time` in savedsearches.conf in step.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    if crate::limits::is_generated(src.text) {
        return Vec::new();
    }
    let modifier = tree.descendants().any(|n| {
        n.kind == k::FIELD_CMP
            && n.children.first().is_some_and(|f| {
                matches!(
                    f.text.to_ascii_lowercase().as_str(),
                    "earliest" | "latest" | "starttime" | "endtime"
                )
            })
    });
    if modifier
        || tree
            .descendants()
            .any(|n| n.kind == k::OPTION && has_time_range(n.text))
    {
        return Vec::new();
    }
    let first = super::commands(tree).into_iter().next();
    first
        .map(|c| {
            vec![Finding::at(
                c,
                "no earliest/latest: the search reads whatever range it is dispatched with",
            )
            .help("add earliest=-90m@m latest=now")]
        })
        .unwrap_or_default()
}
