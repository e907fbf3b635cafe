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
    &kql::kql011_fixed_bucket_window::LINT,
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
    &spl::spl012_fixed_bucket_window::LINT,
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

#[cfg(test)]
mod kinds_are_constants {
    /// Lints match node kinds through the generated constants (crate::syntax::kinds), never through
    /// string literals, so renaming a grammar rule breaks the build instead of silently disabling a
    /// lint. schema.rs is left out: it parses type names (`long`, `real`), which are words, not kinds.
    /// A word that is a kind's name but used as something else is listed here with the file.
    const NOT_KINDS: &[(&str, &str)] = &[
        ("mod.rs", "spl"),                       // the file extension
        ("survey.rs", "spl"),                    // the corpus folder
        ("columns.rs", "materialize"),           // the function name
        ("spl002_unknown_command.rs", "rename"), // the command name
    ];

    #[test]
    fn no_lint_names_a_node_kind_in_a_string() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let kinds = std::fs::read_to_string(root.join("src/syntax/kinds.rs")).expect("kinds.rs");
        // The kinds of each language (a KQL kind may be an ordinary word in SPL, and the reverse).
        let mut names: Vec<(&str, &str)> = Vec::new();
        let mut module = "";
        for line in kinds.lines() {
            if let Some(m) = line.strip_prefix("pub mod ") {
                module = m.trim_end_matches(" {");
            }
            if let Some(v) = line
                .split_once(": &str = \"")
                .and_then(|(_, v)| v.strip_suffix("\";"))
            {
                names.push((module, v));
            }
        }
        let mut found = Vec::new();
        let mut stack = vec![root.join("src/lint")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("src/lint").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.file_name().is_some_and(|n| n == "schema.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                // Test modules may spell kinds out.
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                for (n, line) in code.lines().enumerate() {
                    if line.trim_start().starts_with("//") {
                        continue;
                    }
                    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
                    let lang = path
                        .components()
                        .rev()
                        .nth(1)
                        .and_then(|c| c.as_os_str().to_str())
                        .unwrap_or("");
                    for (module, name) in &names {
                        let applies =
                            module.is_empty() || *module == lang || !matches!(lang, "kql" | "spl");
                        if !applies || NOT_KINDS.contains(&(file, *name)) {
                            continue;
                        }
                        if line.contains(&format!("\"{name}\"")) {
                            found.push(format!("{}:{}: \"{name}\"", path.display(), n + 1));
                        }
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "use crate::syntax::kinds:\n{}",
            found.join("\n")
        );
    }
}
