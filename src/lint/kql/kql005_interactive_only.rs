//! KQL005: a session or token detection that reads only interactive sign-ins.

use super::{refs, INTERACTIVE, NON_INTERACTIVE};
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};

pub static LINT: Lint = Lint {
    code: "KQL005",
    name: "interactive-sign-ins-only",
    language: Language::Kql,
    level: Setting::Warning,
    summary: "a session/token detection reads SigninLogs but not AADNonInteractiveUserSignInLogs",
    doc: Doc {
        what: "Finds queries that read `SigninLogs`, work on sessions or tokens (SessionId, authentication steps, token identifiers, IsInteractive), and never read `AADNonInteractiveUserSignInLogs`.",
        why: "A stolen session cookie or refresh token is replayed silently: Entra logs the replay as a non-interactive sign-in. A query over `SigninLogs` alone sees the victim's MFA sign-in and never the attacker's use of it.",
        example: "SigninLogs\n| summarize dcount(IPAddress) by SessionId",
        fix: "Read both tables: `union (SigninLogs | extend DeviceDetail = todynamic(DeviceDetail)), (AADNonInteractiveUserSignInLogs | extend DeviceDetail = todynamic(DeviceDetail))`.",
    },
    check,
};

const SESSION_COLUMNS: &[&str] = &[
    "SessionId",
    "AuthenticationDetails",
    "UniqueTokenIdentifier",
    "IncomingTokenType",
    "TokenIssuerType",
    "IsInteractive",
];

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    if src.mentions(NON_INTERACTIVE) || !SESSION_COLUMNS.iter().any(|c| src.mentions(c)) {
        return Vec::new();
    }
    refs(tree, INTERACTIVE)
        .take(1)
        .map(|n| {
            Finding::at(n, "reads interactive sign-ins only: a replayed session shows up in AADNonInteractiveUserSignInLogs")
                .help("union SigninLogs with AADNonInteractiveUserSignInLogs (converting the dynamic columns first)")
        })
        .collect()
}
