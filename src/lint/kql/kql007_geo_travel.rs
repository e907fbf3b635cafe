//! KQL007: impossible travel on geography alone, with no session correlation.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::kql as k;

pub static LINT: Lint = Lint {
    code: "KQL007",
    name: "geo-only-impossible-travel",
    language: Language::Kql,
    level: Setting::Warning,
    summary: "impossible travel computed on geography alone, without session correlation",
    doc: Doc {
        what: "Finds queries that compare sign-in locations (geo_distance_2points, geoCoordinates, or several countries/cities per user) without ever correlating on SessionId.",
        why: "Per-user impossible travel is mostly noise: VPNs, mobile carriers, SASE egress and cloud proxies move a user across the map every day. The replay of a stolen cookie is visible as one session used from two places, not as a user in two places.",
        example: "SigninLogs\n| summarize Countries = dcount(Location) by UserPrincipalName, bin(TimeGenerated, 1h)\n| where Countries > 1",
        fix: "Correlate on SessionId (`summarize … by SessionId`) and require the session, not just the user, to move; see the bundled session-impossible-travel rule.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    // Cheap text checks first: most queries have nothing geographic.
    let geo = [
        "geo_",
        "geoCoordinates",
        "latitude",
        "longitude",
        "Location",
        "countryOrRegion",
        "City",
    ];
    if !geo.iter().any(|w| src.text.contains(w)) || src.mentions("SessionId") {
        return Vec::new();
    }
    let geo_call = tree
        .find_all(k::CALL)
        .find(|c| super::call_name(c).starts_with("geo_distance"));
    let geo_member = tree.descendants().find(|n| {
        n.kind == k::MEMBER_NAME && matches!(n.text, "geoCoordinates" | "latitude" | "longitude")
    });
    let per_user_places = tree.find_all(k::SUMMARIZE_OP).find(|s| {
        let t = s.text;
        (t.contains("dcount(Location")
            || t.contains("countryOrRegion")
            || t.contains("dcount(City"))
            && (t.contains("UserPrincipalName") || t.contains("UserId"))
    });
    geo_call
        .or(geo_member)
        .or(per_user_places)
        .map(|n| {
            vec![Finding::at(
                n,
                "impossible travel on geography alone: no SessionId correlation",
            )
            .help("correlate on SessionId so that one session, not one user, must move")]
        })
        .unwrap_or_default()
}
