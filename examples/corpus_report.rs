//! Measures tokenward's linter on a corpus of real queries (layout in src/lint/survey.rs):
//!
//! `cargo run --release --example corpus_report -- CORPUS [--misses] [--speed] [--write FILE]`
//!
//! Prints SPL acceptance, KQL acceptance both ways against Kusto.Language's labels, the files where a
//! default error fires on a query the SIEM would run, and every lint's firing rate. `--misses` lists
//! each wrong verdict, `--speed` times the lint in process on one thread, `--write` saves the survey as
//! JSON (docs/lint-rates.json feeds the firing-rate column of docs/lints.md).
use std::path::PathBuf;
use std::time::Instant;

use tokenward::lint::survey;
use tokenward::lint::Language;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let (mut misses, mut speed, mut write) = (false, false, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--misses" => misses = true,
            "--speed" => speed = true,
            "--write" => write = args.next().map(PathBuf::from),
            _ => root = Some(PathBuf::from(a)),
        }
    }
    let root = root.unwrap_or_else(|| {
        eprintln!("usage: corpus_report CORPUS [--misses] [--speed] [--write FILE]");
        std::process::exit(2)
    });
    let entries = survey::read(&root).unwrap_or_else(|e| {
        eprintln!("{}: {e}", root.display());
        std::process::exit(2)
    });
    let s = survey::survey(&entries);
    println!(
        "SPL: {} of {} production searches have no syntax error ({:.2}%)",
        s.spl_parsed,
        s.spl_files,
        s.spl_percent()
    );
    println!(
        "KQL: {} of {} files Kusto.Language accepts are accepted ({:.2}%); {} of {} it rejects are rejected ({:.2}%)",
        s.kql_both_accepted,
        s.kql_kusto_accepted,
        s.kql_accept_percent(),
        s.kql_both_rejected,
        s.kql_kusto_rejected,
        s.kql_reject_percent()
    );
    println!(
        "default errors (other than syntax) on files the SIEM runs: {:?}",
        s.error_files
    );
    println!("\n| code | level | files fired | % | findings |\n|---|---|---|---|---|");
    for l in tokenward::lint::registry::LINTS {
        let r = &s.rates[l.code];
        println!(
            "| {} | {:?} | {} / {} | {:.1}% | {} |",
            l.code,
            l.level,
            r.fired,
            r.files,
            r.percent(),
            r.findings
        );
    }
    if misses {
        println!();
        for (name, what) in &s.misses {
            println!("MISS {name}: {what}");
        }
    }
    if speed {
        for lang in [Language::Spl, Language::Kql] {
            let files: Vec<&survey::Entry> =
                entries.iter().filter(|e| e.language == lang).collect();
            let bytes: usize = files.iter().map(|e| e.text.len()).sum();
            let mut best = f64::MAX;
            for _ in 0..5 {
                let t = Instant::now();
                for e in &files {
                    let p = PathBuf::from(&e.name);
                    std::hint::black_box(tokenward::lint::lint_generated(&p, &e.text));
                }
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!(
                "speed {}: {} files, {:.2} MB in {:.3} s: {:.1} MB/s (best of 5, one thread)",
                lang.name(),
                files.len(),
                bytes as f64 / 1e6,
                best,
                bytes as f64 / 1e6 / best
            );
        }
    }
    if let Some(path) = write {
        let json = serde_json::to_string_pretty(&s).expect("serialisable");
        std::fs::write(&path, json + "\n").unwrap_or_else(|e| {
            eprintln!("{}: {e}", path.display());
            std::process::exit(2)
        });
    }
}
