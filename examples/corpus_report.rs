//! Measures tokenward's linter on a corpus of real queries (layout in src/lint/survey.rs):
//!
//! `cargo run --release --example corpus_report -- CORPUS [--misses] [--speed] [--write FILE]
//!  [--label-mutants KQL_CHECK] [--show-mutant NAME]`
//!
//! Prints SPL acceptance, KQL acceptance both ways against Kusto.Language's labels (the corpus files
//! and their mutants), the files where a default error fires on a query the SIEM would run, and every
//! lint's firing rate. `--misses` lists each wrong verdict, `--speed` times the lint in process on one
//! thread, `--write` saves the survey as JSON (docs/lint-rates.json feeds the firing-rate column of
//! docs/lints.md). `--label-mutants` first writes CORPUS/kql-mutants.tsv with Kusto.Language's verdict
//! on every mutant (`../shared/oracles/kql/kql-check`; needs node).
use std::path::PathBuf;
use std::time::Instant;

use tokenward::lint::survey;
use tokenward::lint::Language;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let (mut misses, mut speed, mut write, mut oracle, mut show) = (false, false, None, None, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--misses" => misses = true,
            "--speed" => speed = true,
            "--write" => write = args.next().map(PathBuf::from),
            "--label-mutants" => oracle = args.next().map(PathBuf::from),
            "--show-mutant" => show = args.next(),
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
    if let Some(name) = show {
        let mutants = survey::kql_mutants(&entries, survey::MUTANTS_PER_FILE);
        for m in mutants.iter().filter(|m| m.name == name) {
            print!("{}", m.text);
        }
        return;
    }
    if let Some(oracle) = oracle {
        label_mutants(&root, &entries, &oracle);
    }
    let mut s = survey::survey(&entries);
    if let Err(e) = survey::survey_mutants(&root, &entries, &mut s) {
        eprintln!("{e}");
        std::process::exit(1);
    }
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
        "KQL mutants: {} of {} Kusto.Language rejects are rejected ({:.2}%); {} of {} it accepts are accepted ({:.2}%)",
        s.mutants_both_rejected,
        s.mutants_kusto_rejected,
        s.mutant_reject_percent(),
        s.mutants_both_accepted,
        s.mutants_kusto_accepted,
        s.mutant_accept_percent()
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

/// Writes CORPUS/kql-mutants.tsv: each mutant's name, hash and Kusto.Language's syntax-only verdict.
fn label_mutants(root: &std::path::Path, entries: &[survey::Entry], oracle: &std::path::Path) {
    let mutants = survey::kql_mutants(entries, survey::MUTANTS_PER_FILE);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let paths: Vec<PathBuf> = mutants
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let p = dir.path().join(format!("{i:05}.kql"));
            std::fs::write(&p, &m.text).expect("writable");
            p
        })
        .collect();
    let mut verdict = vec![None; mutants.len()];
    for chunk in paths.chunks(200) {
        let out = std::process::Command::new("bash")
            .arg(oracle)
            .arg("--syntax-only")
            .args(chunk)
            .output()
            .expect("kql-check runs");
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let file = v["file"].as_str().unwrap_or("");
            let Some(i) = std::path::Path::new(file)
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<usize>().ok())
            else {
                continue;
            };
            verdict[i] = Some(v["errors"].as_u64() == Some(0));
        }
    }
    let mut tsv = String::from("mutant\thash\taccepted\n");
    for (m, v) in mutants.iter().zip(verdict) {
        let Some(ok) = v else {
            eprintln!("no verdict for {}", m.name);
            std::process::exit(1);
        };
        tsv.push_str(&format!(
            "{}\t{:016x}\t{}\n",
            m.name,
            survey::fnv(m.text.as_bytes()),
            if ok { "yes" } else { "no" }
        ));
    }
    std::fs::write(root.join("kql-mutants.tsv"), tsv).expect("writable corpus");
}
