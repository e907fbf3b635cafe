//! SPL003: `transaction` where `stats` does the job.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::spl as k;

pub static LINT: Lint = Lint {
    code: "SPL003",
    name: "transaction-instead-of-stats",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "`transaction` groups events where `stats … by` does the job",
    doc: Doc {
        what: "Finds the `transaction` command.",
        why: "`transaction` runs on the search head, keeps whole events in memory, silently evicts open transactions past its limits (maxopentxn, maxevents) and is many times slower than `stats`. Grouping sign-ins by session is an aggregation: `stats values(…) min(_time) max(_time) by session` does it in one distributable pass.",
        example: "`azure_monitor_aad`\n| transaction properties.sessionId maxspan=1h",
        fix: "Use `stats … by <key>` (with `min(_time)`/`max(_time)` for the span), or `streamstats` for ordered pairs.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    tree.descendants()
        .filter(|n| n.kind == k::GENERIC_CMD)
        .filter_map(|c| c.child(k::CMD_NAME))
        .filter(|n| n.text.eq_ignore_ascii_case("transaction"))
        .map(|n| {
            Finding::at(n, "`transaction` where `stats … by` does the job")
                .help("stats values(…) min(_time) max(_time) by <key>")
        })
        .collect()
}
