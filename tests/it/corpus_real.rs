//! The acceptance targets on real content (tests/corpus/real, see its NOTICE): production SPL searches
//! with no syntax error, KQL accepted and rejected as Microsoft's Kusto.Language does (the corpus files
//! and their labelled mutants), no default error on a query the SIEM would run as is, and the firing
//! rates docs/lints.md shows (docs/lint-rates.json) in step with the lints.
//! `TOKENWARD_UPDATE_DOCS=1 cargo test --test it corpus_real` rewrites docs/lint-rates.json.

use tokenward::lint::survey;

use crate::common::root;

/// Default errors that may fire on a file the SIEM runs, with the reason they stay errors there
/// (docs/lints.md says the same).
const JUSTIFIED_ERRORS: &[(&str, &str)] = &[];

#[test]
fn real_content_meets_the_acceptance_targets() {
    let dir = root().join("tests/corpus/real");
    let entries = survey::read(&dir).expect("the corpus is readable");
    let mut s = survey::survey(&entries);
    survey::survey_mutants(&dir, &entries, &mut s).expect("kql-mutants.tsv matches the mutants");
    let misses: Vec<String> = s.misses.iter().map(|(n, w)| format!("{n}: {w}")).collect();
    assert!(s.spl_files >= 800, "{} SPL files", s.spl_files);
    assert!(
        s.spl_percent() >= 99.5,
        "SPL {:.2}%:\n{}",
        s.spl_percent(),
        misses.join("\n")
    );
    assert!(s.kql_kusto_accepted >= 600 && s.kql_kusto_rejected >= 3);
    assert!(
        s.kql_accept_percent() >= 99.5,
        "KQL accepted {:.2}%:\n{}",
        s.kql_accept_percent(),
        misses.join("\n")
    );
    assert!(
        s.kql_reject_percent() >= 95.0,
        "KQL rejected {:.2}%",
        s.kql_reject_percent()
    );
    assert!(s.mutants_kusto_rejected >= 1000 && s.mutants_kusto_accepted >= 500);
    assert!(
        s.mutant_reject_percent() >= 95.0,
        "KQL mutants rejected {:.2}%:\n{}",
        s.mutant_reject_percent(),
        misses.join("\n")
    );
    assert!(
        s.mutant_accept_percent() >= 99.0,
        "KQL mutants accepted {:.2}%:\n{}",
        s.mutant_accept_percent(),
        misses.join("\n")
    );
    for (code, files) in &s.error_files {
        assert!(
            JUSTIFIED_ERRORS.iter().any(|(c, _)| c == code),
            "{code} is a default error and fires on {files} file(s) the SIEM runs as is"
        );
    }

    let path = root().join("docs/lint-rates.json");
    let expected = serde_json::to_string_pretty(&s).expect("serialisable") + "\n";
    if std::env::var_os("TOKENWARD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).expect("writable docs/");
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/lint-rates.json is stale: run TOKENWARD_UPDATE_DOCS=1 cargo test --test it corpus_real, then lint"
    );
}
