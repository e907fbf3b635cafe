//! Times parsing and linting a folder of queries: `cargo run --release --example parse_bench -- DIR`.
fn main() {
    let dir = std::env::args().nth(1).expect("a folder");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let texts: Vec<(std::path::PathBuf, String)> = files
        .iter()
        .map(|p| (p.clone(), std::fs::read_to_string(p).unwrap()))
        .collect();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let t = std::time::Instant::now();
    for (p, text) in &texts {
        let ok = if p.extension().unwrap() == "kql" {
            tokenward::syntax::kql::parse_tree(text).is_ok()
        } else {
            tokenward::syntax::spl::parse_tree(text).is_ok()
        };
        assert!(ok);
    }
    let parse = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    for (p, text) in &texts {
        let ok = if p.extension().unwrap() == "kql" {
            tokenward::syntax::kql::parse(text).is_ok()
        } else {
            tokenward::syntax::spl::parse(text).is_ok()
        };
        assert!(ok);
    }
    let check = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    for (p, text) in &texts {
        let _ = tokenward::lint::lint_generated(p, text);
    }
    let lint = t.elapsed().as_secs_f64();
    let mb = bytes as f64 / 1e6;
    if std::env::var_os("TOKENWARD_LINT_PROFILE").is_some() {
        profile(&texts);
    }
    println!(
        "{mb:.2} MB: parse_tree {:.1} MB/s, parse {:.1} MB/s, lint {:.1} MB/s",
        mb / parse,
        mb / check,
        mb / lint
    );
}

/// Per-lint cost over the corpus (printed when TOKENWARD_LINT_PROFILE is set).
fn profile(texts: &[(std::path::PathBuf, String)]) {
    use tokenward::lint::{registry::LINTS, Language, Source};
    let schemas = tokenward::lint::kql::schema::Schemas::bundled();
    let fields = tokenward::lint::spl::fields::Catalogue::bundled();
    for lint in LINTS {
        let t = std::time::Instant::now();
        for (p, text) in texts {
            let lang = Language::of(p).unwrap();
            if lang != lint.language {
                continue;
            }
            let tree = match lang {
                Language::Kql => tokenward::syntax::kql::parse_tree(text),
                Language::Spl => tokenward::syntax::spl::parse_tree(text),
            };
            let tree = tree.unwrap();
            let src = Source::new(text, Some(&tree), None, &schemas, &fields);
            let _ = (lint.check)(&src);
        }
        println!(
            "{} {:.3}s (incl. parse)",
            lint.code,
            t.elapsed().as_secs_f64()
        );
    }
}
