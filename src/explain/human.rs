//! The explanation as text for a terminal: one block per session, each event with its role and why,
//! each use with its pairing, signals, score, suppressions, severity and the run that emits it, and
//! the counterfactuals. Every value is printed quoted and escaped, so none reaches the terminal raw.

use std::fmt::Write as _;

use super::{EventView, Explanation, MatchView, PairVerdict, PairView, SessionView, Verdict};

pub fn render(x: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", x.rule, x.title);
    let _ = writeln!(out, "events: {} ({} shape)", x.file, x.shape);
    if let Some(c) = &x.case {
        let _ = writeln!(
            out,
            "test case: {} (expects {})",
            c.name,
            c.expect.replace('_', " ")
        );
    }
    let s = &x.schedule;
    let _ = write!(
        out,
        "schedule: every {}, lookback {} (ingestion delay {})",
        s.every, s.lookback, s.ingestion_delay
    );
    if let (Some(w), Some(a), Some(m)) = (&s.window, s.anchor, s.min_score) {
        let _ = write!(out, "; window {w}, anchor {a}, min_score {m}");
    }
    out.push('\n');
    let r = &x.runs;
    match (&r.first, &r.last, r.simulated) {
        (Some(f), Some(l), true) => {
            let _ = writeln!(
                out,
                "scheduled runs: {} from {f} to {l}; {} alert(s) emitted",
                r.count, r.alerts
            );
        }
        (_, _, false) => {
            let _ = writeln!(
                out,
                "scheduled runs: too many to simulate; verdicts from the complete view"
            );
        }
        _ => {
            let _ = writeln!(out, "scheduled runs: none (no event has an ingestion time)");
        }
    }
    for n in &x.notes {
        let _ = writeln!(out, "note: {n}");
    }
    for d in &x.detections {
        out.push('\n');
        event(&mut out, d, "");
    }
    for s in &x.sessions {
        out.push('\n');
        session(&mut out, s, x.searched);
    }
    out
}

/// One session's block, without counterfactuals.
pub fn session_text(s: &SessionView) -> String {
    let mut out = String::new();
    session(&mut out, s, false);
    out
}

fn session(out: &mut String, s: &SessionView, searched: bool) {
    let id = if s.session_id.is_empty() {
        "(no session id)".to_string()
    } else {
        s.session_id.clone()
    };
    let _ = writeln!(
        out,
        "session {id}{}: {}",
        if s.user.is_empty() {
            String::new()
        } else {
            format!(" ({})", s.user)
        },
        match s.verdict {
            Verdict::Alert => "ALERT",
            Verdict::Quiet => "quiet",
        }
    );
    for n in &s.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    let _ = writeln!(out, "  events");
    for e in &s.events {
        event(out, e, "    ");
    }
    if !s.pairs.is_empty() {
        let _ = writeln!(out, "  uses");
        for p in &s.pairs {
            pair(out, p);
        }
    }
    if !s.matches.is_empty() {
        let _ = writeln!(out, "  matches");
        for m in &s.matches {
            single(out, m);
        }
    }
    if searched {
        let what = match s.verdict {
            Verdict::Alert => "what would clear it",
            Verdict::Quiet => "the smallest change that makes it alert",
        };
        if s.counterfactuals.is_empty() && s.notes.iter().any(|n| n == super::build::BUDGET_NOTE) {
            let _ = writeln!(
                out,
                "  {what}: not searched to the end (see the note above)"
            );
        } else if s.counterfactuals.is_empty() {
            let _ = writeln!(out, "  {what}: none found among single and paired changes");
        } else {
            let _ = writeln!(out, "  {what}");
            for c in &s.counterfactuals {
                let _ = writeln!(out, "    - {}", c.change);
                let _ = writeln!(out, "      verified: {}", c.verified);
            }
        }
    }
}

fn event(out: &mut String, e: &EventView, pad: &str) {
    let _ = writeln!(
        out,
        "{pad}#{} {} {}{}",
        e.n,
        e.time.as_deref().unwrap_or("(no time)"),
        e.source
            .as_deref()
            .map(quote)
            .unwrap_or_else(|| match e.interactive {
                Some(true) => "interactive".into(),
                Some(false) => "non-interactive".into(),
                None => "(no table)".into(),
            }),
        format_args!(": {}", e.role.name())
    );
    let mut times = Vec::new();
    if let Some(t) = &e.log_time {
        times.push(format!("stamped {t}"));
    }
    if let Some(t) = &e.ingestion_time {
        times.push(format!("ingested {t}"));
    }
    if let Some(r) = &e.read_by_runs {
        times.push(if r.first == r.last {
            format!("read by the run at {}", r.first)
        } else {
            format!("read by the runs at {} to {}", r.first, r.last)
        });
    }
    if !times.is_empty() {
        let _ = writeln!(out, "{pad}    {}", times.join("; "));
    }
    if !e.values.is_empty() {
        let values: Vec<String> = e.values.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = writeln!(out, "{pad}    {}", values.join(", "));
    }
    for w in &e.why {
        let _ = writeln!(out, "{pad}    {w}");
    }
}

fn pair(out: &mut String, p: &PairView) {
    match (p.issuance, &p.gap) {
        (Some(i), Some(gap)) => {
            let _ = writeln!(
                out,
                "    use #{} paired with issuance #{i} ({gap} earlier)",
                p.use_event
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "    use #{}: no issuance in the window before it",
                p.use_event
            );
        }
    }
    for c in p.candidates.iter().filter(|c| c.fate != "chosen") {
        let _ = writeln!(out, "      passed over #{}: {}", c.event, c.why);
    }
    if p.issuance.is_none() {
        let _ = writeln!(out, "      verdict: {}", p.verdict.name());
        return;
    }
    for s in &p.signals {
        let values: Vec<String> = s
            .values
            .iter()
            .map(|v| {
                let side = |x: &serde_json::Value, lists: &[String]| {
                    if lists.is_empty() {
                        x.to_string()
                    } else {
                        format!("{x} (in {})", lists.join(", "))
                    }
                };
                format!(
                    "{} {} vs {}",
                    v.field,
                    side(&v.first, &v.first_in),
                    side(&v.later, &v.later_in)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "      signal {} (+{}): {}; {}",
            s.name,
            s.weight,
            if s.fired { "holds" } else { "does not hold" },
            values.join("; ")
        );
        for b in &s.because {
            let _ = writeln!(out, "        {b}");
        }
    }
    if let Some(score) = p.score {
        let _ = writeln!(
            out,
            "      score {score} {} min_score {}{}",
            if score >= p.min_score { ">=" } else { "<" },
            p.min_score,
            if score < p.min_score {
                format!(" (short by {})", p.min_score - score)
            } else {
                String::new()
            }
        );
    }
    if let Some(w) = &p.pair_filter {
        let _ = writeln!(
            out,
            "      where {}: {}",
            if w.holds { "holds" } else { "fails" },
            w.because.join("; ")
        );
    }
    suppressions(out, &p.suppressions);
    for r in &p.risk {
        let _ = writeln!(out, "      risk {}: {}", r.risk, r.found_on.join("; "));
    }
    if let Some(sev) = &p.severity {
        if p.verdict == PairVerdict::Alert {
            let reasons = if p.severity_reasons.is_empty() {
                "the rule's own".to_string()
            } else {
                p.severity_reasons.join("; ")
            };
            let _ = writeln!(out, "      severity {sev}: {reasons}");
        }
    }
    let _ = writeln!(
        out,
        "      verdict: {}{}",
        p.verdict.name(),
        emitted(&p.emitted_by)
    );
    if let Some(n) = &p.note {
        let _ = writeln!(out, "      note: {n}");
    }
}

fn emitted(runs: &[String]) -> String {
    match runs {
        [] => String::new(),
        [one] => format!(", emitted by the run at {one}"),
        many => format!(", emitted by the runs at {}", many.join(", ")),
    }
}

fn single(out: &mut String, m: &MatchView) {
    let _ = writeln!(
        out,
        "    #{}: match {}",
        m.event,
        if m.matched.holds { "holds" } else { "fails" }
    );
    for b in &m.matched.because {
        let _ = writeln!(out, "        {b}");
    }
    suppressions(out, &m.suppressions);
    let _ = writeln!(
        out,
        "      verdict: {}{}{}",
        m.verdict.replace('_', " "),
        m.severity
            .as_ref()
            .map(|s| format!(", severity {s}"))
            .unwrap_or_default(),
        emitted(&m.emitted_by)
    );
    if let Some(n) = &m.note {
        let _ = writeln!(out, "      note: {n}");
    }
}

fn quote(s: &str) -> String {
    super::text::quote(s)
}

/// Each suppression's verdict and the leaves that decided it.
fn suppressions(out: &mut String, tests: &[super::TestView]) {
    for s in tests {
        let _ = writeln!(
            out,
            "      suppression {}: {}",
            s.name,
            if s.holds { "MATCHES" } else { "no" }
        );
        for b in &s.because {
            let _ = writeln!(out, "        {b}");
        }
    }
}
