//! SPL011: a session detection over the Graph API sourcetype, which has interactive sign-ins only.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};

pub static LINT: Lint = Lint {
    code: "SPL011",
    name: "interactive-only-sourcetype",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "the search reads only sourcetype azure:aad:signin, which has no non-interactive sign-ins",
    doc: Doc {
        what: "Finds searches over `sourcetype=azure:aad:signin` (the Microsoft Azure Add-on's Graph API input) that do not also read `azure:monitor:aad`.",
        why: "The Graph API input collects interactive sign-ins only. A replayed session cookie appears as a non-interactive sign-in, so a session-replay search over this sourcetype cannot see it.",
        example: "sourcetype=azure:aad:signin\n| stats dc(ipAddress) by sessionId",
        fix: "Collect Entra diagnostic logs through Event Hub (Splunk Add-on for Microsoft Cloud Services, `sourcetype=azure:monitor:aad`) with both SignInLogs and NonInteractiveUserSignInLogs categories.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let lower = src.text.to_ascii_lowercase();
    if lower.contains("azure:monitor:aad") || src.splunk_fields.applies_to(src.text) {
        return Vec::new();
    }
    lower
        .find("azure:aad:signin")
        .map(|at| {
            vec![Finding::new(at, at + "azure:aad:signin".len(), "azure:aad:signin holds interactive sign-ins only: a replay is invisible")
                .help("read sourcetype=azure:monitor:aad with category SignInLogs and NonInteractiveUserSignInLogs")]
        })
        .unwrap_or_default()
}
