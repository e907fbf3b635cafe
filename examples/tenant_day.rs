//! A synthetic benign tenant day (src/synth.rs) through the evaluator: alerts per 10,000 sessions for
//! each rule, and what a run costs (rows read, rows packed, time, peak memory).
//!
//! ```text
//! cargo run --release --example tenant_day -- [--sessions 2000] [--users 800] [--seed 1]
//!     [--refreshes 30] [--rules rules] [--write day.sentinel.json] [--cost] [--run-at HOUR]
//! ```
//!
//! `--run-at 13` keeps only what one scheduled run at 13:00 UTC reads (rows stamped inside the AiTM rule's
//! lookback) and runs that one run: how a tenant too big to hold a whole day in memory is measured.
//!
//! `--write` also saves the rows as a Sentinel export, so another build of tokenward (an older commit,
//! for a before/after figure) can run its own `tokenward test` over exactly the same day.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use tokenward::backend::{Backends, Target};
use tokenward::catalogue::Field;
use tokenward::synth;

fn main() {
    let mut cfg = synth::Config::default();
    let mut rules = PathBuf::from("rules");
    let mut write: Option<PathBuf> = None;
    let mut cost = false;
    let mut run_at: Option<i64> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |what: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{what} needs a number"))
        };
        match a.as_str() {
            "--sessions" => cfg.sessions = num("--sessions") as usize,
            "--users" => cfg.users = num("--users") as usize,
            "--seed" => cfg.seed = num("--seed"),
            "--refreshes" => cfg.refreshes_per_session = num("--refreshes") as u32,
            "--rules" => rules = PathBuf::from(args.next().expect("--rules needs a path")),
            "--write" => write = Some(PathBuf::from(args.next().expect("--write needs a file"))),
            "--cost" => cost = true,
            "--run-at" => run_at = Some(num("--run-at") as i64),
            other => panic!("unknown argument {other}"),
        }
    }
    let files = tokenward::pipeline::find_rules(&[rules]).expect("rules");
    let detections = tokenward::check::check_all(&files, std::path::Path::new(""))
        .unwrap_or_else(|e| panic!("{} error(s) in the rules", e.len()));
    let plans: Vec<_> = detections.iter().map(tokenward::plan::lower).collect();
    let backends = Backends::load(None).unwrap_or_else(|_| panic!("profiles"));
    let sentinel = backends.get(Target::Sentinel);

    // 2026-11-02, the day src/synth.rs generates.
    let now = run_at.map(|h| {
        tokenward::events::Timestamp::from_second(1_793_577_600 + h * 3600).expect("--run-at")
    });
    let lookback = plans
        .iter()
        .find(|p| p.meta.id == "aitm-session-replay")
        .map_or(5400, |p| p.schedule.lookback.seconds as i64);
    let started = Instant::now();
    let mut events = Vec::new();
    let mut interactive = 0usize;
    let mut writer = write.as_ref().map(|p| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(p).expect("--write file"));
        std::io::Write::write_all(&mut f, b"[\n").unwrap();
        (f, true)
    });
    let mix = synth::stream(cfg, &mut |row| {
        if let Some((f, first)) = writer.as_mut() {
            if !*first {
                std::io::Write::write_all(f, b",\n").unwrap();
            }
            *first = false;
            serde_json::to_writer(&mut *f, &row).unwrap();
        }
        let (e, _) = sentinel.read_event(&row);
        if let Some(now) = now {
            let stamped = e.timestamp(Field::LogTime).map(|t| t.as_second());
            if !stamped.is_some_and(|t| t > now.as_second() - lookback && t <= now.as_second()) {
                return;
            }
        }
        interactive += usize::from(matches!(
            e.values.get(&Field::IsInteractive),
            Some(tokenward::events::Val::Bool(true))
        ));
        events.push(e);
    });
    if let Some((mut f, _)) = writer {
        std::io::Write::write_all(&mut f, b"\n]\n").unwrap();
    }
    let generated = started.elapsed();
    let sessions = cfg.sessions as f64;
    if let Some(now) = now {
        println!("one run at {now}: the rows stamped in its {lookback} s lookback");
    }
    println!(
        "tenant day: seed {}, {} sessions of {} users, {} rows ({} interactive, {} non-interactive), generated and read in {:.2} s",
        cfg.seed,
        cfg.sessions,
        cfg.users,
        events.len(),
        interactive,
        events.len() - interactive,
        generated.as_secs_f64()
    );
    println!("\n| session kind | sessions |\n|---|---|");
    for (k, n) in &mix {
        println!("| {} | {n} |", k.describe());
    }
    println!("\n| rule | alerting sessions | per 10,000 sessions | pairs or events | evaluated in |\n|---|---|---|---|---|");
    for p in &plans {
        let t = Instant::now();
        let alerts = match now {
            Some(now) => tokenward::eval::evaluate_run(p, &events, now),
            None => tokenward::eval::evaluate(p, &events),
        };
        let took = t.elapsed();
        let alerting: BTreeSet<&str> = alerts.iter().map(|a| a.session_id.as_str()).collect();
        println!(
            "| {} | {} | {:.1} | {} | {:.2} s |",
            p.meta.id,
            alerting.len(),
            alerting.len() as f64 * 10_000.0 / sessions,
            alerts.len(),
            took.as_secs_f64()
        );
    }
    if cost {
        let issued: BTreeSet<&str> = events
            .iter()
            .filter(|e| {
                matches!(
                    e.values.get(&Field::IsInteractive),
                    Some(tokenward::events::Val::Bool(true))
                ) && e
                    .list(Field::AuthStepResults)
                    .iter()
                    .any(|r| r == "MFA successfully completed")
            })
            .map(|e| e.str(Field::SessionId))
            .collect();
        let packed = events
            .iter()
            .filter(|e| issued.contains(e.str(Field::SessionId)))
            .count();
        println!(
            "\ncost: {} rows read, {} sessions with an issuance, {} rows in them (packed by the aggregation), peak memory {} MiB",
            events.len(),
            issued.len(),
            packed,
            peak_rss_mib()
        );
    }
}

/// Peak resident memory of this process (Linux), in MiB; 0 where unknown.
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .map_or(0, |kb| kb / 1024)
}
