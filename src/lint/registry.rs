//! Every lint rule, listed once. Codes are stable: a retired code is never reused.

use super::{kql, spl, Lint};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Language;

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
