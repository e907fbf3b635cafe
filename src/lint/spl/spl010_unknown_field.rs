//! SPL010: a `properties.*` field that Entra sign-in events do not have.

use crate::diag::did_you_mean;
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::spl as k;

pub static LINT: Lint = Lint {
    code: "SPL010",
    name: "unknown-field",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "a `properties.*` field that azure:monitor:aad sign-in events do not have",
    doc: Doc {
        what: "In searches over Entra sign-ins (`sourcetype=azure:monitor:aad` or its macros), checks every `properties.*` field against the field catalogue in schemas/splunk/azure_monitor_aad.yaml.",
        why: "A misspelt field (`properties.ipAdress`, `properties.authenticationDetail{}.succeeded`) is simply null in Splunk: the comparison is false for every event and the detection never fires, with no error anywhere.",
        example: "`azure_monitor_aad`\n| where 'properties.autonomousSystemNum'=14061",
        fix: "Use the field's real name (the hint suggests the closest); add fields your add-on version produces to the catalogue.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    if !src.splunk_fields.applies_to(src.text) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for n in tree.descendants() {
        let name = match n.kind {
            k::SQ_FIELD => n.text.trim_matches('\''),
            k::S_NAME | k::FIELD_PAT | k::TARGET_NAME => n.text,
            _ => continue,
        };
        if !name.starts_with("properties.") || name.contains('*') {
            continue;
        }
        if !src.splunk_fields.fields.contains(name) {
            let help = match did_you_mean(name, src.splunk_fields.fields.iter().map(String::as_str))
            {
                Some(s) => format!("did you mean `{s}`?"),
                None => "see schemas/splunk/azure_monitor_aad.yaml".into(),
            };
            out.push(
                Finding::at(
                    n,
                    format!("`{name}` is not a field of Entra sign-in events"),
                )
                .help(help),
            );
        }
    }
    out
}
