//! KQL003: `join` without `kind=`.

use crate::lint::fix::Fix;
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::kql as k;

pub static LINT: Lint = Lint {
    code: "KQL003",
    name: "join-without-kind",
    language: Language::Kql,
    level: Setting::Warning,
    summary: "`join` without `kind=` silently de-duplicates the left side",
    doc: Doc {
        what: "Finds `join` operators that do not say which kind of join they are.",
        why: "Without `kind=`, Kusto uses `innerunique`: it keeps one row per join key from the left table before joining. A detection that joins sign-ins on a user or session loses every left row but one per key, usually without anyone noticing.",
        example: "SigninLogs\n| join (AADNonInteractiveUserSignInLogs) on UserPrincipalName",
        fix: "Say the kind you mean: `join kind=inner`, `kind=leftouter`, `kind=leftanti` …; better, replace a self-join by one `summarize … by SessionId`. `tokenward lint --fix` writes `kind=inner` (every matching pair, which is what a detection joining sign-ins means; write `kind=innerunique` instead to keep the old result).",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    tree.find_all(k::JOIN_OP)
        .filter(|j| {
            !j.children
                .iter()
                .any(|c| c.kind == k::OP_PARAM && c.text.trim_start().starts_with("kind"))
        })
        .map(|j| {
            let kw = j.child(k::KW_JOIN).unwrap_or(j);
            Finding::at(
                kw,
                "`join` without `kind=` (the default, innerunique, drops duplicate left keys)",
            )
            .help("write the kind: join kind=inner (or leftouter, leftanti, …)")
            .fix(Fix::insert("add kind=inner", kw.end, " kind=inner"))
        })
        .collect()
}
