//! Compares the hand-written parsers with the pest grammars on every .kql/.spl file under the given
//! folders (for corpora too large for `cargo test`):
//! `cargo run --release --example differential -- DIR...`. Exits 1 and prints the first few files
//! where the two differ.
use tokenward::syntax::{kql, spl};

fn main() {
    let mut stack: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let (mut files, mut differ, mut bytes) = (0usize, 0usize, 0usize);
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let (fast, reference) = match p.extension().and_then(|e| e.to_str()) {
            Some("kql") => (
                kql::parse_tree_fast(&text).map(|n| n.to_sexp()),
                kql::parse_tree_reference(&text).ok().map(|n| n.to_sexp()),
            ),
            Some("spl") => (
                spl::parse_tree_fast(&text).map(|n| n.to_sexp()),
                spl::parse_tree_reference(&text).ok().map(|n| n.to_sexp()),
            ),
            _ => continue,
        };
        files += 1;
        bytes += text.len();
        if fast != reference {
            differ += 1;
            if differ <= 5 {
                println!(
                    "DIFF {}: hand-written {:?}\n  grammar {:?}",
                    p.display(),
                    fast.as_deref().map(|s| &s[..s.len().min(300)]),
                    reference.as_deref().map(|s| &s[..s.len().min(300)])
                );
            }
        }
    }
    println!("{files} files, {bytes} bytes, {differ} differ");
    std::process::exit(i32::from(differ > 0));
}
