//! The acceptance targets on real content (tests/corpus/real, see its NOTICE): production SPL searches
//! with no syntax error, KQL accepted and rejected as Microsoft's Kusto.Language does (the corpus files
//! and their labelled mutants), no default error on a query the SIEM would run as is, and the firing
//! rates docs/lints.md shows (docs/lint-rates.json) in step with the lints.
//! `TOKENWARD_UPDATE_DOCS=1 cargo test --test it corpus_real` rewrites docs/lint-rates.json and the
//! generated section of docs/grammars.md.

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

    let update = std::env::var_os("TOKENWARD_UPDATE_DOCS").is_some();
    let path = root().join("docs/lint-rates.json");
    let expected = serde_json::to_string_pretty(&s).expect("serialisable") + "\n";
    if update {
        std::fs::write(&path, &expected).expect("writable docs/");
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/lint-rates.json is stale: run TOKENWARD_UPDATE_DOCS=1 cargo test --test it corpus_real, then lint"
    );

    let path = root().join("docs/grammars.md");
    let doc = std::fs::read_to_string(&path).expect("docs/grammars.md");
    let (begin, end) = ("<!-- real-corpus:begin -->\n", "<!-- real-corpus:end -->");
    let (Some(a), Some(b)) = (doc.find(begin), doc.find(end)) else {
        panic!("docs/grammars.md has no {begin:?} … {end:?} section");
    };
    let fresh = format!("{}{begin}{}{}", &doc[..a], section(&s, &dir), &doc[b..]);
    if update {
        std::fs::write(&path, &fresh).expect("writable docs/");
    }
    assert!(
        update || doc == fresh,
        "the real-corpus section of docs/grammars.md is stale: run TOKENWARD_UPDATE_DOCS=1 cargo test --test it corpus_real"
    );
}

/// The generated part of docs/grammars.md: acceptance both ways, default errors, the corpus sources.
fn section(s: &survey::Survey, dir: &std::path::Path) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "| measure | result |\n|---|---|\n\
         | SPL: production searches with no syntax error | {} of {} ({:.2}%) |\n\
         | KQL: files Kusto.Language accepts that tokenward accepts | {} of {} ({:.2}%) |\n\
         | KQL: files Kusto.Language rejects that tokenward rejects | {} of {} ({:.2}%) |\n\
         | KQL mutants Kusto.Language rejects that tokenward rejects | {} of {} ({:.2}%) |\n\
         | KQL mutants Kusto.Language accepts that tokenward accepts | {} of {} ({:.2}%) |\n\
         | default errors other than syntax on queries the SIEM runs | {} |\n\n",
        s.spl_parsed,
        s.spl_files,
        s.spl_percent(),
        s.kql_both_accepted,
        s.kql_kusto_accepted,
        s.kql_accept_percent(),
        s.kql_both_rejected,
        s.kql_kusto_rejected,
        s.kql_reject_percent(),
        s.mutants_both_rejected,
        s.mutants_kusto_rejected,
        s.mutant_reject_percent(),
        s.mutants_both_accepted,
        s.mutants_kusto_accepted,
        s.mutant_accept_percent(),
        if s.error_files.is_empty() {
            "none".to_string()
        } else {
            format!("{:?}", s.error_files)
        }
    ));
    o.push_str("Firing rate of every lint at its default level (files of its language it reports on):\n\n| code | level | files | findings |\n|---|---|---|---|\n");
    for l in tokenward::lint::registry::LINTS {
        let r = &s.rates[l.code];
        o.push_str(&format!(
            "| {} | {} | {:.1}% ({} of {}) | {} |\n",
            l.code,
            format!("{:?}", l.level).to_lowercase(),
            r.percent(),
            r.fired,
            r.files,
            r.findings
        ));
    }
    o.push_str("\nThe syntax errors left, and the mutants where tokenward and Kusto.Language disagree:\n\n");
    let mut misses: Vec<&(String, String)> = s.misses.iter().collect();
    misses.sort();
    for (name, what) in misses {
        o.push_str(&format!("- `{name}`: {what}\n"));
    }
    o.push_str("\nSources (tests/corpus/real/MANIFEST.tsv gives the path and commit of every file; licences in LICENSES/, attribution in NOTICE):\n\n| repository | files | commit | licence |\n|---|---|---|---|\n");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut repos: std::collections::BTreeMap<
        (&str, &str),
        (usize, std::collections::BTreeSet<&str>),
    > = std::collections::BTreeMap::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if let [_, repo, _, commit, licence] = cols[..] {
            let e = repos.entry((repo, licence)).or_default();
            e.0 += 1;
            e.1.insert(commit);
        }
    }
    for ((repo, licence), (files, commits)) in repos {
        let commit = match commits.len() {
            1 => format!("`{}`", commits.iter().next().copied().unwrap_or_default()),
            n => format!("{n} commits (each file's in the manifest)"),
        };
        o.push_str(&format!("| {repo} | {files} | {commit} | {licence} |\n"));
    }
    o
}
