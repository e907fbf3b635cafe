//! Every file under tests/*_corpus/valid must parse and every file under invalid/ must fail.
//! The KQL files are also checked against Microsoft's Kusto.Language by tools/verify-kql-corpus.sh.

use std::path::{Path, PathBuf};

use tokenward::syntax::{kql, spl, ParseError};

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/syntax")
        .join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    out
}

fn check(
    dir: &str,
    ext: &str,
    parse: fn(&str) -> Result<(), ParseError>,
    want_ok: bool,
    min: usize,
) {
    let paths = files(dir, ext);
    assert!(
        paths.len() >= min,
        "{dir}: {} files, want at least {min}",
        paths.len()
    );
    let mut wrong = Vec::new();
    for path in &paths {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        match (parse(&text), want_ok) {
            (Ok(()), true) | (Err(_), false) => {}
            (Err(e), true) => wrong.push(format!("{}: rejected: {e}", path.display())),
            (Ok(()), false) => wrong.push(format!("{}: accepted", path.display())),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} files wrong:\n{}",
        wrong.len(),
        paths.len(),
        wrong.join("\n")
    );
}

#[test]
fn kql_valid_corpus_parses() {
    check("kql_corpus/valid", "kql", kql::parse, true, 30);
}

#[test]
fn kql_invalid_corpus_fails() {
    check("kql_corpus/invalid", "kql", kql::parse, false, 30);
}

#[test]
fn spl_valid_corpus_parses() {
    check("spl_corpus/valid", "spl", spl::parse, true, 30);
}

#[test]
fn spl_invalid_corpus_fails() {
    check("spl_corpus/invalid", "spl", spl::parse, false, 20);
}

#[test]
fn parse_tree_agrees_with_parse_on_the_corpus() {
    for (dir, ext) in [("kql_corpus/valid", "kql"), ("kql_corpus/invalid", "kql")] {
        for path in files(dir, ext) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(
                kql::parse(&text).is_ok(),
                kql::parse_tree(&text).is_ok(),
                "{}",
                path.display()
            );
        }
    }
    for (dir, ext) in [("spl_corpus/valid", "spl"), ("spl_corpus/invalid", "spl")] {
        for path in files(dir, ext) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(
                spl::parse(&text).is_ok(),
                spl::parse_tree(&text).is_ok(),
                "{}",
                path.display()
            );
        }
    }
}

/// The compiler's current output, read in place so a change to the templates is caught at once.
fn dist_files(sub: &str, ext: &str) -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist").join(sub);
    if !root.is_dir() {
        crate::common::skip("dist_files", &format!("{} not present", root.display()));
        return None;
    }
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    Some(out)
}

#[test]
fn generated_sentinel_queries_parse() {
    let Some(paths) = dist_files("sentinel", "kql") else {
        return;
    };
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if let Err(e) = kql::parse(&text) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn generated_splunk_searches_parse() {
    let Some(paths) = dist_files("splunk", "spl") else {
        return;
    };
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if let Err(e) = spl::parse(&text) {
            panic!("{}: {e}", path.display());
        }
    }
}

/// The corpus labels themselves are checked against Microsoft's parser, both ways: every valid file
/// parses with Kusto.Language, every invalid file has a syntax error there.
#[test]
fn kql_corpus_agrees_with_kusto_language() {
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/oracles/kql/kql-check");
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !oracle.is_file() || !node || std::env::var_os("TOKENWARD_SKIP_ORACLE").is_some() {
        crate::common::skip(
            "kql_corpus_agrees_with_kusto_language",
            "the Kusto.Language oracle is not available",
        );
        return;
    }
    for (dir, valid) in [("kql_corpus/valid", true), ("kql_corpus/invalid", false)] {
        let paths = files(dir, "kql");
        let out = std::process::Command::new("bash")
            .arg(&oracle)
            .arg("--syntax-only")
            .args(&paths)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.lines().count(), paths.len(), "{text}");
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let errors = v["errors"].as_u64().unwrap();
            assert_eq!(
                errors == 0,
                valid,
                "Kusto.Language disagrees with the corpus label: {line}"
            );
        }
    }
}
