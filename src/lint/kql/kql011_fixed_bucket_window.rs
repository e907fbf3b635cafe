//! KQL011: a correlation window made of fixed time buckets per user or session.

use super::{call_name, is_identity};
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::kql as k;
use crate::syntax::Node;

pub static LINT: Lint = Lint {
    code: "KQL011",
    name: "fixed-bucket-correlation-window",
    language: Language::Kql,
    level: Setting::Warning,
    summary: "`summarize … by bin(TimeGenerated, 1h), user/session`: events a minute apart across a bucket boundary are never correlated",
    doc: Doc {
        what: "Finds a `summarize` whose `by` puts a time column into fixed buckets (`bin()`, `bin_at()`, `floor()`) next to a per-user or per-session key (a column naming a user, account, principal, identity or session), when a later `where` of the same pipeline tests what was aggregated (a threshold or a correlation, not just a listing).",
        why: "A fixed bucket is not a window: with `bin(TimeGenerated, 1h)`, a token issued at 10:59 and replayed at 11:01 land in different buckets, so a detection that counts or pairs events per user or session inside one bucket misses exactly the sessions that cross the hour. The miss is systematic (any pair straddling a boundary), not random, and an attacker's timing does not have to be clever to hit it.",
        example: "SigninLogs\n| where TimeGenerated > ago(1d)\n| summarize Countries = dcount(Location) by UserPrincipalName, bin(TimeGenerated, 1h)\n| where Countries > 1",
        fix: "Correlate on a sliding window: pair events per key and compare their times (`join kind=inner … on SessionId | where abs(datetime_diff('minute', T1, T2)) <= 60`), or aggregate per key over the look-back and test the spread (`max(TimeGenerated) - min(TimeGenerated) < 1h`), or use `row_window_session()` after sorting.",
    },
    check,
};

/// `bin(T, span)` and friends over a time column.
fn is_time_bucket(e: &Node<'_>) -> bool {
    let [call] = e.children.as_slice() else {
        return false;
    };
    call.kind == k::CALL
        && matches!(call_name(call), "bin" | "bin_at" | "floor")
        && call
            .children
            .iter()
            .find(|c| c.kind == k::EXPR)
            .is_some_and(|a| {
                matches!(a.children.as_slice(), [n] if n.kind == k::NAME_REF
                    && (n.text.ends_with("Time") || n.text.ends_with("Generated")
                        || n.text.ends_with("Timestamp") || n.text.eq_ignore_ascii_case("timestamp")))
            })
}

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree.filter(|_| {
        ["bin(", "bin_at(", "floor("]
            .iter()
            .any(|w| src.text.contains(w))
    }) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for pipe in tree.find_all(k::PIPE_EXPR) {
        for (i, s) in pipe.children.iter().enumerate() {
            if s.kind == k::SUMMARIZE_OP {
                if let Some(f) = bucketed(s, &pipe.children[i + 1..]) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// The finding for a bucketed per-identity `summarize` whose aggregate a later `where` tests.
fn bucketed(s: &Node<'_>, after: &[Node<'_>]) -> Option<Finding> {
    {
        let list = s.child(k::BY_CLAUSE)?.child(k::ASSIGN_LIST)?;
        let keys: Vec<&Node<'_>> = list
            .children
            .iter()
            .filter(|a| a.kind == k::ASSIGN)
            .filter_map(|a| a.child(k::EXPR))
            .collect();
        let bucket = keys.iter().find(|e| is_time_bucket(e));
        let identity = keys.iter().any(|e| {
            matches!(e.children.as_slice(), [n] if n.kind == k::NAME_REF && is_identity(n.text))
        });
        let b = bucket.filter(|_| identity)?;
        // The by keys are no aggregate: a `where` on anything else tests what was aggregated.
        let key_names: Vec<&str> = keys
            .iter()
            .flat_map(|e| e.find_all(k::NAME_REF).map(|n| n.text))
            .collect();
        let tested = after
            .iter()
            .take_while(|op| op.kind != k::SUMMARIZE_OP)
            .filter(|op| op.kind == k::WHERE_OP)
            .any(|w| {
                w.find_all(k::NAME_REF)
                    .any(|n| !key_names.contains(&n.text))
            });
        tested.then(|| {
            Finding::at(
                b,
                "a fixed time bucket per user or session: events that cross a bucket boundary are never correlated",
            )
            .help("compare event times per key instead (max(TimeGenerated) - min(TimeGenerated) < window)")
        })
    }
}
