//! KQL004: only the first authenticationDetails step is read.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::{self, kql as k};

pub static LINT: Lint = Lint {
    code: "KQL004",
    name: "first-auth-step-only",
    language: Language::Kql,
    level: Setting::Warning,
    summary: "only the first AuthenticationDetails step is read (`[0]`)",
    doc: Doc {
        what: "Finds `[0]` applied to AuthenticationDetails (directly, or to `parse_json`/`todynamic` of it).",
        why: "A sign-in records one step per factor: password, then MFA, or a reused claim. Reading `[0]` sees the password step and never the MFA result, so a query meant to check how MFA was satisfied checks the wrong step, and misses the replay whose second step says `MFA requirement satisfied by claim in the token`.",
        example: "SigninLogs\n| extend Method = tostring(parse_json(AuthenticationDetails)[0].authenticationMethod)",
        fix: "Read every step: `mv-expand Step = todynamic(AuthenticationDetails)` (or `mv-apply`) and test each step, or collect them with `extract_all` / `make_set`.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src
        .tree
        .filter(|_| src.text.contains("AuthenticationDetails"))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for n in tree.descendants().filter(|n| n.kind == kinds::POSTFIX) {
        // postfix: the operand, then member and index accesses in order.
        let Some(first) = n.children.first() else {
            continue;
        };
        if !first.text.contains("AuthenticationDetails") {
            continue;
        }
        if let Some(idx) = n.children.iter().skip(1).find(|c| c.kind == k::INDEX) {
            if idx
                .text
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
                == "0"
            {
                out.push(
                    Finding::at(idx, "only the first authentication step is read").help(
                        "expand every step: mv-expand Step = todynamic(AuthenticationDetails)",
                    ),
                );
            }
        }
    }
    out
}
