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
    println!(
        "{mb:.2} MB: parse_tree {:.1} MB/s, parse {:.1} MB/s, lint {:.1} MB/s",
        mb / parse,
        mb / check,
        mb / lint
    );
}
