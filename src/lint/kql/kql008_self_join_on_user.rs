//! KQL008: a sign-in table joined with itself on the user.

use super::{INTERACTIVE, NON_INTERACTIVE};
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::kql as k;

pub static LINT: Lint = Lint {
    code: "KQL008",
    name: "self-join-on-user",
    language: Language::Kql,
    level: Setting::Warning,
    summary: "sign-ins joined with sign-ins on the user, where one summarize by session does the job",
    doc: Doc {
        what: "Finds a `join` of sign-in tables with sign-in tables whose `on` clause is the user (UserPrincipalName, UserId).",
        why: "A self-join on the user pairs every sign-in of a user with every other one: the cost grows with the square of each user's sign-ins, it times out on busy tenants, and it correlates the wrong thing — two sessions of one user are not a replay. One `summarize … by SessionId` pass correlates what matters in linear time.",
        example: "SigninLogs\n| join kind=inner (AADNonInteractiveUserSignInLogs) on UserPrincipalName",
        fix: "Union the tables and aggregate once per session: `summarize make_set_if(…, IsInteractive), make_set_if(…, not(IsInteractive)) by SessionId`.",
    },
    check,
};

fn is_signin(text: &str) -> bool {
    text.contains(INTERACTIVE) || text.contains(NON_INTERACTIVE)
}

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    if !is_signin(tree.text) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for pipe in tree.find_all(k::PIPE_EXPR) {
        for (i, op) in pipe.children.iter().enumerate() {
            if op.kind != k::JOIN_OP {
                continue;
            }
            let left: String = pipe.children[..i].iter().map(|c| c.text).collect();
            let on = op.child(k::JOIN_ON).map_or("", |n| n.text);
            let right_len = op.text.len() - on.len();
            let right = &op.text[..right_len];
            let on_user = on.contains("UserPrincipalName") || on.contains("UserId");
            if is_signin(&left) && is_signin(right) && on_user {
                let at = op.child(k::KW_JOIN).unwrap_or(op);
                out.push(
                    Finding::at(at, "sign-ins joined with sign-ins on the user")
                        .help("aggregate once per session instead: summarize … by SessionId"),
                );
            }
        }
    }
    out
}
