//! The hand-written parsers (src/syntax/kql_rd.rs, spl_rd.rs) against the pest grammars they implement:
//! on every KQL and SPL file in the repository (corpora, lint fixtures, generated queries), every prefix
//! of them cut at a line end or a token boundary, and the same texts with each bracket, quote or pipe
//! removed, the two must build the same tree or both reject. Random and mutated inputs are in
//! tests/syntax_fuzz.rs.

use std::path::{Path, PathBuf};

use tokenward::syntax::{kql, spl};

fn files(ext: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = ["tests/syntax", "tests/lint", "dist", "tests/fixtures"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(
                std::fs::read_dir(&p)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            );
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The text itself, its prefixes ending at each line end and before each `|`, and the text with one
/// bracket, quote, pipe, comma or operator character removed (at most `per_file` variants each).
fn variants(text: &str, per_file: usize) -> Vec<String> {
    let mut out = vec![text.to_string()];
    let cuts: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| matches!(c, '\n' | '|' | '(' | ','))
        .map(|(i, _)| i)
        .collect();
    let step = (cuts.len() / per_file).max(1);
    for &i in cuts.iter().step_by(step) {
        out.push(text[..i].to_string());
    }
    let drops: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| "()[]{}\"'`|,=<>!.:;@".contains(*c))
        .map(|(i, _)| i)
        .collect();
    let step = (drops.len() / per_file).max(1);
    for &i in drops.iter().step_by(step) {
        let mut t = text.to_string();
        t.remove(i);
        out.push(t);
    }
    out
}

fn check<F, R>(ext: &str, fast: F, reference: R) -> usize
where
    F: Fn(&str) -> Option<String>,
    R: Fn(&str) -> Option<String>,
{
    let files = files(ext);
    assert!(!files.is_empty(), "no .{ext} files found");
    let mut failures = Vec::new();
    let mut cases = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for v in variants(&text, 40) {
            cases += 1;
            let (a, b) = (fast(&v), reference(&v));
            if a != b {
                failures.push(format!(
                    "{} ({} bytes): hand-written {}, grammar {}\n--- text\n{v}\n--- hand-written\n{}\n--- grammar\n{}",
                    f.display(),
                    v.len(),
                    if a.is_some() { "accepts" } else { "rejects" },
                    if b.is_some() { "accepts" } else { "rejects" },
                    a.unwrap_or_default(),
                    b.unwrap_or_default()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases differ; first:\n{}",
        failures.len(),
        failures[0]
    );
    cases
}

#[test]
fn kql_hand_written_parser_builds_the_grammars_trees() {
    let n = check(
        "kql",
        |t| kql::parse_tree_fast(t).map(|n| format!("{n:#?}")),
        |t| kql::parse_tree_reference(t).ok().map(|n| format!("{n:#?}")),
    );
    assert!(n > 1000, "{n} cases");
}

#[test]
fn spl_hand_written_parser_builds_the_grammars_trees() {
    let n = check(
        "spl",
        |t| spl::parse_tree_fast(t).map(|n| format!("{n:#?}")),
        |t| spl::parse_tree_reference(t).ok().map(|n| format!("{n:#?}")),
    );
    assert!(n > 200, "{n} cases");
}

/// The real-content corpus (tests/corpus/real) and its labelled KQL mutants, whole texts only: the
/// two parsers build the same tree or both reject, on production queries and on the mutants that sit
/// right at the edge of the language.
#[test]
fn both_parsers_agree_on_real_content_and_its_mutants() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/real");
    let entries = tokenward::lint::survey::read(&dir).expect("the corpus is readable");
    let mutants =
        tokenward::lint::survey::kql_mutants(&entries, tokenward::lint::survey::MUTANTS_PER_FILE);
    let mut differ = Vec::new();
    let texts = entries
        .iter()
        .map(|e| (e.name.as_str(), e.text.as_str(), e.name.ends_with(".kql")))
        .chain(
            mutants
                .iter()
                .map(|m| (m.name.as_str(), m.text.as_str(), true)),
        );
    let mut cases = 0;
    for (name, text, is_kql) in texts {
        cases += 1;
        let same = if is_kql {
            kql::parse_tree_fast(text) == kql::parse_tree_reference(text).ok()
        } else {
            spl::parse_tree_fast(text) == spl::parse_tree_reference(text).ok()
        };
        if !same {
            differ.push(name.to_string());
        }
    }
    assert!(cases > 4000, "{cases} cases");
    assert!(differ.is_empty(), "{} differ: {:?}", differ.len(), differ);
}
