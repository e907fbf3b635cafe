//! `tokenward test`: run each rule's test cases through the reference evaluator, per event shape.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::backend::Backends;
use crate::catalogue::Field;
use crate::diag::Diagnostic;
use crate::eval;
use crate::ir::TestCase;
use crate::plan::Plan;

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub rule: String,
    /// The rule file, for annotations.
    pub source: String,
    pub case: String,
    pub shape: &'static str,
    pub file: String,
    pub expect_alert: bool,
    pub alerted_sessions: Vec<String>,
    pub events: usize,
    /// Fields the rule reads that some events lack, with how many lack them.
    pub absent: BTreeMap<&'static str, usize>,
    pub passed: bool,
    pub detail: String,
    /// For a failing case: the evaluator's trace of the events (`explain`, human format).
    #[serde(skip)]
    pub trace: Option<String>,
}

/// A failing case's trace is cut after this many lines (the rest: `tokenward explain`).
const TRACE_LINES: usize = 300;

/// Runs every test case of every detection; reading an events file can fail (E050).
pub fn run(plans: &[Plan], backends: &Backends) -> Result<Vec<Outcome>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    backends.each_case_file(plans, |d, case, file, shape, events| {
        out.push(judge(d, case, file, shape, events));
    })?;
    Ok(out)
}

/// The `require_alert_and_no_alert` gate of tokenward.yaml: every rule has at least one `alert` and one
/// `no_alert` test case (E061), reported at the rule's `tests:` key, or its `id:` when it has none.
pub fn missing_cases(plans: &[Plan]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for d in plans {
        let alert = d.tests.iter().any(|c| c.expect_alert);
        let quiet = d.tests.iter().any(|c| !c.expect_alert);
        let lacking: Vec<&str> = [(alert, "`alert`"), (quiet, "`no_alert`")]
            .iter()
            .filter(|(has, _)| !has)
            .map(|(_, what)| *what)
            .collect();
        if lacking.is_empty() {
            continue;
        }
        let mut diag = Diagnostic::error(
            "E061",
            format!(
                "rule `{}` has no {} test case",
                d.meta.id,
                lacking.join(" and no ")
            ),
        )
        .help("add a case under `tests:` with events in both shapes (docs/rule-format.md#tests); tokenward.yaml's gates.tests.require_alert_and_no_alert asks for both kinds");
        diag = match crate::model::read_source(Path::new(&d.meta.source)) {
            Ok(file) => {
                let key = ["\ntests:", "\nid:"]
                    .iter()
                    .find_map(|k| file.text.find(k).map(|i| i + 1))
                    .or_else(|| file.text.starts_with("id:").then_some(0));
                match key {
                    Some(at) => {
                        let end = file.text[at..].find(':').map_or(at + 1, |i| at + i);
                        diag.at(crate::diag::Span::new(&file, at, end))
                    }
                    None => diag.in_file(Path::new(&d.meta.source)),
                }
            }
            Err(_) => diag.in_file(Path::new(&d.meta.source)),
        };
        out.push(diag);
    }
    out
}

fn judge(
    d: &Plan,
    case: &TestCase,
    file: &str,
    shape: crate::ir::EventShape,
    events: &[crate::events::Event],
) -> Outcome {
    // What the deployed rule emits: consecutive scheduled runs over the events, each seeing only what
    // was ingested by then, within its lookback, and emitting what its new slice completes.
    let everything = eval::evaluate(d, events);
    let mut problems = Vec::new();
    let emitted: Vec<eval::Alert> = match eval::simulate(d, events) {
        Some(runs) => runs.into_iter().flat_map(|(_, a)| a).collect(),
        None => {
            problems.push(format!(
                "the events span more than {} scheduled runs, or would have the runs read more than {} \
                 events in all; split the file",
                eval::MAX_RUNS,
                eval::MAX_RUN_WORK
            ));
            everything.clone()
        }
    };
    // Exactly once: every pair the logic finds is emitted by one run, none twice.
    let identity = |a: &eval::Alert| (a.session_id.clone(), a.time, a.issuance_time);
    let mut counts: BTreeMap<_, usize> = everything.iter().map(|a| (identity(a), 0)).collect();
    for a in &emitted {
        *counts.entry(identity(a)).or_insert(0) += 1;
    }
    for ((session, time, _), n) in &counts {
        if *n != 1 {
            problems.push(format!(
                "the pair of session {session} at {time} is emitted {n} times by the scheduled runs, not once"
            ));
        }
    }
    let alerts = emitted;
    let alerted: BTreeSet<String> = alerts.iter().map(|a| a.session_id.clone()).collect();
    let expected: BTreeSet<String> = case.sessions.iter().cloned().collect();
    let needed: BTreeSet<Field> = d
        .fields
        .iter()
        .copied()
        .filter(|f| !f.is_derived())
        .collect();
    let mut absent = BTreeMap::new();
    for e in events {
        for f in e.missing.intersection(&needed) {
            *absent.entry(f.name()).or_insert(0) += 1;
        }
    }
    if case.expect_alert && alerted != expected {
        problems.push(format!(
            "expected alerts for {} but got {}",
            list(&expected),
            if alerted.is_empty() {
                "none".into()
            } else {
                list(&alerted)
            }
        ));
    }
    if !case.expect_alert && !alerted.is_empty() {
        let a = &alerts[0];
        problems.push(format!(
            "expected no alert but {} alerted (signals: {}{})",
            list(&alerted),
            a.signals.join(", "),
            a.labels
                .get("later_asn_category")
                .map(|c| format!("; later ASN in {c}"))
                .unwrap_or_default()
        ));
    }
    if case.expect_alert {
        for a in &alerts {
            if let Some(want) = case.severity {
                if a.severity != want {
                    problems.push(format!(
                        "expected severity {} but the alert of session {} at {} has {}",
                        want.name(),
                        a.session_id,
                        a.time,
                        a.severity.name()
                    ));
                }
            }
            if let Some(want) = &case.signals {
                let mut got = a.signals.clone();
                got.sort();
                if &got != want {
                    problems.push(format!(
                        "expected signals [{}] but the alert of session {} at {} shows [{}]",
                        want.join(", "),
                        a.session_id,
                        a.time,
                        got.join(", ")
                    ));
                }
            }
        }
    }
    for f in &case.missing_fields {
        if !absent.contains_key(f.name()) && !events.iter().any(|e| e.missing.contains(f)) {
            problems.push(format!(
                "expected `{}` to be reported absent, but every event has it",
                f.name()
            ));
        }
    }
    let passed = problems.is_empty();
    let trace = (!passed)
        .then(|| crate::explain::human(&crate::explain::of_case(d, case, file, shape, events)));
    let detail = if passed {
        case.reason.clone()
    } else {
        problems.join("; ")
    };
    Outcome {
        rule: d.meta.id.clone(),
        source: d.meta.source.clone(),
        case: case.name.clone(),
        shape: shape.name(),
        file: file.to_string(),
        expect_alert: case.expect_alert,
        alerted_sessions: alerted.into_iter().collect(),
        events: events.len(),
        absent,
        passed,
        detail,
        trace,
    }
}

fn list(s: &BTreeSet<String>) -> String {
    s.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// The pass/fail table.
pub fn render_table(outcomes: &[Outcome]) -> String {
    let rows: Vec<[String; 6]> = outcomes
        .iter()
        .map(|o| {
            let got = match o.alerted_sessions.len() {
                0 => "no alert".to_string(),
                1 => "1 alert".to_string(),
                n => format!("{n} alerts"),
            };
            [
                o.rule.clone(),
                o.case.clone(),
                o.shape.to_string(),
                if o.expect_alert { "alert" } else { "no alert" }.to_string(),
                got,
                if o.passed { "pass" } else { "FAIL" }.to_string(),
            ]
        })
        .collect();
    let header = ["RULE", "TEST", "SHAPE", "EXPECTED", "GOT", "RESULT"];
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: &[&str], out: &mut String| {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(&header, &mut out);
    for (r, o) in rows.iter().zip(outcomes) {
        line(&r.iter().map(String::as_str).collect::<Vec<_>>(), &mut out);
        if !o.passed {
            let _ = writeln!(out, "    {} ({})", o.detail, o.file);
            if let Some(trace) = &o.trace {
                let _ = writeln!(out, "    trace:");
                let lines: Vec<&str> = trace.lines().collect();
                for line in lines.iter().take(TRACE_LINES) {
                    let _ = writeln!(out, "    | {line}");
                }
                if lines.len() > TRACE_LINES {
                    let _ = writeln!(
                        out,
                        "    | … {} more line(s): tokenward explain {} {}",
                        lines.len() - TRACE_LINES,
                        o.rule,
                        o.file
                    );
                }
            }
        }
        if !o.absent.is_empty() {
            let absent: Vec<String> = o
                .absent
                .iter()
                .map(|(f, n)| format!("{f} in {n}/{}", o.events))
                .collect();
            let _ = writeln!(out, "    absent from the events: {}", absent.join(", "));
        }
    }
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    let _ = writeln!(out, "\n{} passed, {failed} failed", outcomes.len() - failed);
    out
}

/// JUnit XML (quick-junit), one suite per rule and one test case per rule test and event shape.
pub fn render_junit(outcomes: &[Outcome]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("tokenward");
    let mut by_rule: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
    for o in outcomes {
        by_rule.entry(&o.rule).or_default().push(o);
    }
    for (rule, cases) in by_rule {
        let mut suite = TestSuite::new(rule);
        for o in cases {
            let status = if o.passed {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(o.detail.as_str());
                s.set_description(o.file.as_str());
                s
            };
            let mut case = TestCase::new(format!("{} [{}]", o.case, o.shape), status);
            case.set_classname(rule);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_default()
}

/// GitHub Actions annotations: one `::error` per failing case, on the rule file.
pub fn render_github(outcomes: &[Outcome]) -> String {
    let esc = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| esc(s).replace(':', "%3A").replace(',', "%2C");
    outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| {
            format!(
                "::error file={},title={}::{} ({})\n",
                prop(&o.source),
                prop(&format!(
                    "tokenward test {} {} [{}]",
                    o.rule, o.case, o.shape
                )),
                esc(&o.detail),
                esc(&o.file)
            )
        })
        .collect()
}
