//! Every lint rule, listed once. Codes are stable: a retired code is never reused.

use super::{kql, spl, Language, Level, Lint};

pub const LINTS: &[&Lint] = &[
    &kql::kql001_syntax::LINT,
    &kql::kql002_unknown_column::LINT,
    &kql::kql003_join_kind::LINT,
    &kql::kql004_first_auth_step::LINT,
    &kql::kql005_interactive_only::LINT,
    &kql::kql006_no_time_filter::LINT,
    &kql::kql007_geo_travel::LINT,
    &kql::kql008_self_join_on_user::LINT,
    &kql::kql009_rule_length::LINT,
    &kql::kql010_string_vs_number::LINT,
    &spl::spl001_syntax::LINT,
    &spl::spl002_unknown_command::LINT,
    &spl::spl003_transaction::LINT,
    &spl::spl004_subsearch_limits::LINT,
    &spl::spl005_unscoped_search::LINT,
    &spl::spl006_unquoted_field::LINT,
    &spl::spl007_mvindex_auth_details::LINT,
    &spl::spl008_leading_wildcard::LINT,
    &spl::spl009_no_time_range::LINT,
    &spl::spl010_unknown_field::LINT,
    &spl::spl011_graph_sourcetype::LINT,
];

/// The doc of one lint in Markdown, with the fixed headings.
pub fn markdown(l: &Lint) -> String {
    let fence = match l.language {
        Language::Kql => "kql",
        Language::Spl => "spl",
    };
    let level = match l.level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Off => "off",
    };
    format!(
        "## {} {}\n\n{} · default level: {level}\n\n### What it does\n{}\n\n### Why it matters\n{}\n\n### Example\n```{fence}\n{}\n```\n\n### Fix\n{}\n",
        l.code,
        l.name,
        l.language.name(),
        l.doc.what,
        l.doc.why,
        l.doc.example.trim_end(),
        l.doc.fix
    )
}

/// docs/lints.md, generated from the registry (a test keeps the file in step).
pub fn lints_md() -> String {
    let mut out = String::from(
        "# Lint rules\n\nGenerated from the lint registry (`src/lint/registry.rs`); `tokenward rule CODE` prints one.\n\
         Levels can be changed per code in `tokenward.yaml` (`lints: { KQL006: error, SPL008: off }`).\n\n\
         | code | name | language | level | fires when |\n|---|---|---|---|---|\n",
    );
    for l in LINTS {
        out.push_str(&format!(
            "| [{}](#{}-{}) | {} | {} | {} | {} |\n",
            l.code,
            l.code.to_lowercase(),
            l.name,
            l.name,
            l.language.name(),
            match l.level {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Off => "off",
            },
            l.summary
        ));
    }
    for l in LINTS {
        out.push('\n');
        out.push_str(&markdown(l));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for l in LINTS {
            assert!(seen.insert(l.code), "{} twice", l.code);
            let prefix = match l.language {
                Language::Kql => "KQL",
                Language::Spl => "SPL",
            };
            assert!(
                l.code.starts_with(prefix) && l.code.len() == 6,
                "{}",
                l.code
            );
            assert!(crate::check::is_kebab(l.name), "{}", l.name);
            for s in [l.summary, l.doc.what, l.doc.why, l.doc.example, l.doc.fix] {
                assert!(!s.trim().is_empty(), "{} has an empty doc section", l.code);
            }
        }
    }
}
