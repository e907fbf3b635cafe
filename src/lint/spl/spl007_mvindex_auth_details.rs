//! SPL007: `mvindex(…, 0)` or positional zipping of authenticationDetails fields.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::spl as k;

pub static LINT: Lint = Lint {
    code: "SPL007",
    name: "auth-details-by-position",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "authenticationDetails{} values read by position (`mvindex(…, 0)`, `mvzip`)",
    doc: Doc {
        what: "Finds `mvindex` and `mvzip` applied to the flattened `authenticationDetails{}` fields.",
        why: "Automatic JSON extraction turns each key of the steps into its own multivalue field, holding only the steps that have that key. When a step lacks `authenticationMethod` (as the MFA-required step often does), `…{}.authenticationMethod` and `…{}.succeeded` no longer line up: index 0 of one is not index 0 of the other, and `mvindex(…, 0)` reads the first step only. The detection pairs the wrong method with the wrong result.",
        example: "`azure_monitor_aad`\n| eval method=mvindex('properties.authenticationDetails{}.authenticationMethod', 0)",
        fix: "Expand the steps as objects: `spath path=properties.authenticationDetails{} output=step | mvexpand step | spath input=step`, or test any value with `mvfind`.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    tree.descendants()
        .filter(|n| n.kind == k::E_CALL)
        .filter(|c| {
            let name = c.child(k::FN_NAME).map_or("", |n| n.text).to_ascii_lowercase();
            (name == "mvindex" || name == "mvzip") && c.text.contains("authenticationDetails{}")
        })
        .map(|c| {
            Finding::at(c, "authenticationDetails{} fields do not line up by position")
                .help("spath path=properties.authenticationDetails{} output=step | mvexpand step | spath input=step")
        })
        .collect()
}
