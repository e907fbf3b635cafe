//! `tokenward explain`, its counterfactuals, the timeline pages and `diff --events`.
//!
//! Every bundled test case is explained in the three formats and its JSON trace is snapshotted; every
//! counterfactual is applied to a copy and re-run through the evaluator here, independently of the
//! search that found it; the timeline is rendered in headless Chromium and the drawn elements are
//! checked against the trace.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tokenward::explain::{self, Explanation, Goal, Request, Verdict};
use tokenward::plan::Plan;

use crate::common::{copy_dir, root, tokenward, tokenward_in};

/// The bundled rules, planned, and the bundled backends. Paths stay relative to the repository (the
/// test's working folder), so the snapshots do not depend on where the checkout is.
fn bundled() -> (tokenward::backend::Backends, Vec<Plan>) {
    let (backends, detections) =
        tokenward::pipeline::load(&[PathBuf::from("rules")], None).expect("the bundled rules load");
    (backends, tokenward::pipeline::plan_all(&detections))
}

fn alerting(x: &Explanation) -> BTreeSet<String> {
    x.sessions
        .iter()
        .filter(|s| matches!(s.verdict, Verdict::Alert))
        .map(|s| s.session_id.clone())
        .collect()
}

/// Every test case of every bundled rule, in both shapes: the explanation agrees with the test's
/// expectation, renders as text and as a page with one timeline per session, and its JSON is the
/// snapshot.
#[test]
fn every_bundled_case_explains_in_every_format() {
    let (backends, plans) = bundled();
    let mut explained = 0;
    for plan in &plans {
        let xs = explain::cases(plan, &backends).expect("the fixtures read");
        let files: usize = plan.tests.iter().map(|c| c.events.len()).sum();
        assert_eq!(
            xs.len(),
            files,
            "{}: one explanation per events file",
            plan.meta.id
        );
        for x in &xs {
            let case = x
                .case
                .as_ref()
                .expect("a case's explanation names its case");
            let tc = plan.tests.iter().find(|c| c.name == case.name).unwrap();
            let alerted = alerting(x);
            assert_eq!(
                !alerted.is_empty(),
                tc.expect_alert,
                "{} {}: explain's verdict disagrees with the test's expectation",
                x.rule,
                x.file
            );
            if !tc.sessions.is_empty() {
                let want: BTreeSet<String> = tc.sessions.iter().cloned().collect();
                assert_eq!(alerted, want, "{} {}: alerting sessions", x.rule, x.file);
            }
            let text = explain::human(x);
            for s in &x.sessions {
                let word = if matches!(s.verdict, Verdict::Alert) {
                    "ALERT"
                } else {
                    "quiet"
                };
                assert!(
                    text.contains(&format!("{}: {word}", s.user))
                        || text.contains(&format!(": {word}\n")),
                    "{} {}: the text gives session {} its verdict {word}:\n{text}",
                    x.rule,
                    x.file,
                    s.session_id
                );
            }
            let page = explain::page(&x.rule, &x.title, std::slice::from_ref(x));
            assert_eq!(
                page.matches("<svg ").count(),
                x.sessions.len(),
                "{} {}: one timeline per session",
                x.rule,
                x.file
            );
            assert!(
                !page.contains("src=\"http") && !page.contains("href=\"http"),
                "no external assets"
            );
            let json = serde_json::to_string_pretty(x).unwrap();
            let name = format!("{}__{}__{}", x.rule, case.name, x.shape);
            insta::assert_snapshot!(name, json);
            explained += 1;
        }
    }
    assert!(explained >= 50, "only {explained} fixtures explained");
}

/// Each counterfactual, applied to a copy of the plan and events and re-run through the evaluator, makes
/// a quiet session alert or clears an alerting one; every quiet fixture session has one that makes it
/// alert and every alerting one has one that clears it.
#[test]
fn every_counterfactual_flips_its_session_when_applied() {
    let (backends, plans) = bundled();
    let mut verified = 0;
    for plan in &plans {
        for x in explain::cases(plan, &backends).unwrap() {
            let shape = tokenward::ir::EventShape::of_file(&x.file).unwrap();
            let events: Vec<_> = backends
                .for_shape(shape)
                .unwrap()
                .read_events(Path::new(&x.file))
                .unwrap()
                .into_iter()
                .map(|(e, _)| e)
                .collect();
            for s in &x.sessions {
                let want = match s.verdict {
                    Verdict::Alert => Goal::Clear,
                    Verdict::Quiet => Goal::Alert,
                };
                let ours: Vec<_> = s
                    .counterfactuals
                    .iter()
                    .filter(|c| c.goal == want)
                    .collect();
                assert!(
                    !ours.is_empty(),
                    "{} {} session {:?}: no counterfactual to {want:?}",
                    x.rule,
                    x.file,
                    s.session_id
                );
                for c in ours {
                    let (p2, e2) = explain::apply(&c.edits, plan, &events).unwrap_or_else(|e| {
                        panic!("{} {}: {} does not apply: {e}", x.rule, x.file, c.change)
                    });
                    let again = explain::explain(&Request {
                        plan: &p2,
                        events: &e2,
                        file: &x.file,
                        shape: &x.shape,
                        session: None,
                        case: None,
                        counterfactuals: false,
                    });
                    // A counterfactual may give the events a session id; the flipped session is then
                    // the one the edited events name.
                    let renamed: Option<String> = c.edits.iter().find_map(|e| match e {
                        explain::Edit::SetField { field, value, .. } if field == "session_id" => {
                            value.as_str().map(str::to_string)
                        }
                        _ => None,
                    });
                    let sid = renamed.unwrap_or_else(|| s.session_id.clone());
                    let now = again.sessions.iter().find(|t| t.session_id == sid);
                    let alerts = now.is_some_and(|t| matches!(t.verdict, Verdict::Alert));
                    assert_eq!(
                        alerts,
                        want == Goal::Alert,
                        "{} {} session {:?}: `{}` does not flip it",
                        x.rule,
                        x.file,
                        sid,
                        c.change
                    );
                    verified += 1;
                }
            }
        }
    }
    assert!(verified >= 100, "only {verified} counterfactuals verified");
}

/// A made-up counterfactual is caught: the check above can fail.
#[test]
fn a_wrong_counterfactual_does_not_flip() {
    let (backends, plans) = bundled();
    let plan = plans
        .iter()
        .find(|p| p.meta.id == "aitm-session-replay")
        .unwrap();
    let file = "rules/tests/aitm-session-replay/teams-via-tenant-sase.sentinel.json";
    let events: Vec<_> = backends
        .for_shape(tokenward::ir::EventShape::of_file(file).unwrap())
        .unwrap()
        .read_events(Path::new(file))
        .unwrap()
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    // Disabling a suppression that does not match changes nothing.
    let edits = vec![explain::Edit::DisableSuppression {
        suppression: "corporate-egress".into(),
    }];
    let (p2, e2) = explain::apply(&edits, plan, &events).unwrap();
    let again = explain::explain(&Request {
        plan: &p2,
        events: &e2,
        file,
        shape: "sentinel",
        session: None,
        case: None,
        counterfactuals: false,
    });
    assert!(alerting(&again).is_empty());
    // And an edit naming what is not there is refused, not ignored.
    let bad = vec![explain::Edit::DisableSuppression {
        suppression: "no-such-suppression".into(),
    }];
    assert!(explain::apply(&bad, plan, &events).is_err());
}

#[test]
fn explain_cli_formats_and_session_filter() {
    let file = "rules/tests/aitm-session-replay/three-devices-one-user.splunk.json";
    let human = tokenward(&["explain", "aitm-session-replay", file]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert_eq!(
        human.stdout.matches("\nsession ").count(),
        3,
        "{}",
        human.stdout
    );
    assert!(human
        .stdout
        .contains("the smallest change that makes it alert"));

    let json = tokenward(&["explain", "aitm-session-replay", file, "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    let sessions = v[0]["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    let one = sessions[1]["session_id"].as_str().unwrap().to_string();

    let only = tokenward(&[
        "explain",
        "aitm-session-replay",
        file,
        "--session",
        &one,
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&only.stdout).unwrap();
    assert_eq!(v[0]["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(v[0]["sessions"][0]["session_id"], one.as_str());

    let html = tokenward(&["explain", "aitm-session-replay", file, "--format", "html"]);
    assert_eq!(html.code, 0, "{}", html.stderr);
    assert!(html.stdout.starts_with("<!doctype html>"));
    assert_eq!(html.stdout.matches("<svg ").count(), 3);

    // Asked for what is not there: a usage error naming the nearest rule, and the sessions held.
    let typo = tokenward(&["explain", "aitm-sesion-replay", file]);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("E051") && typo.stderr.contains("aitm-session-replay"),
        "{}",
        typo.stderr
    );
    let none = tokenward(&["explain", "aitm-session-replay", file, "--session", "nope"]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("E051"), "{}", none.stderr);
    let sarif = tokenward(&["explain", "aitm-session-replay", file, "--format", "sarif"]);
    assert_eq!(sarif.code, 2, "{}", sarif.stderr);
}

/// `tokenward test` prints the trace of a failing case, so the failure says why.
#[test]
fn a_failing_test_prints_its_trace() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), &tmp.path().join("rules"));
    let rule = tmp.path().join("rules/aitm-session-replay.yaml");
    let text = std::fs::read_to_string(&rule).unwrap();
    // The Teams-through-the-tenant's-SASE case now claims an alert; it stays quiet.
    let edited = text.replacen(
        "      - tests/aitm-session-replay/teams-via-tenant-sase.splunk.json\n    expect: no_alert",
        "      - tests/aitm-session-replay/teams-via-tenant-sase.splunk.json\n    expect: alert\n    sessions: [\"9dd1cfea-363e-5d6d-8757-c274b98b43a1\"]",
        1,
    );
    assert_ne!(text, edited, "the edit applies");
    std::fs::write(&rule, edited).unwrap();
    let run = tokenward_in(tmp.path(), &["test"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("    trace:"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("|       suppression tenant-sase-egress: MATCHES"),
        "the trace shows the suppression that kept it quiet:\n{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("|     - \"198.51.100.0/24\" not in tenant_sase_cidrs"),
        "{}",
        run.stdout
    );
    // A passing case prints no trace.
    assert_eq!(
        run.stdout.matches("    trace:").count(),
        2,
        "one per shape of the failing case"
    );
}

/// `diff OLD NEW --events DIR`: the sessions that change verdict when a suppression is removed, with
/// the trace lines that differ; the other rules' sessions do not move.
#[test]
fn diff_events_shows_the_sessions_that_change_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), &tmp.path().join("new"));
    let rule = tmp.path().join("new/aitm-session-replay.yaml");
    let text = std::fs::read_to_string(&rule).unwrap();
    let edited = text.replacen(
        "  - name: tenant-sase-egress\n    description: The egress addresses the SASE vendor dedicates to this tenant, never the vendor's shared ASN.\n    when: later.ip in_cidr tenant_sase_cidrs\n",
        "",
        1,
    );
    assert_ne!(text, edited);
    std::fs::write(&rule, edited).unwrap();
    let new = tmp.path().join("new");
    let run = tokenward(&[
        "diff",
        "rules",
        new.to_str().unwrap(),
        "--events",
        "rules/tests",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let verdicts = run
        .stdout
        .split("verdicts over")
        .nth(1)
        .expect("a verdicts section");
    assert!(
        verdicts.contains("rule aitm-session-replay: 2 session(s) change verdict"),
        "{verdicts}"
    );
    for shape in ["sentinel", "splunk"] {
        assert!(
            verdicts.contains(&format!(
                "rules/tests/aitm-session-replay/teams-via-tenant-sase.{shape}.json (test teams-via-tenant-sase)"
            )),
            "{verdicts}"
        );
    }
    assert!(verdicts.contains("quiet -> ALERT (medium)"), "{verdicts}");
    // Under the use each line belongs to.
    assert!(
        verdicts.contains(
            "      @ use #3 paired with issuance #1 (17m38.24s earlier)\n      - suppression tenant-sase-egress: MATCHES\n"
        ),
        "{verdicts}"
    );
    assert!(
        verdicts.contains("- suppression tenant-sase-egress: MATCHES"),
        "{verdicts}"
    );
    assert!(
        verdicts.contains("+ verdict: ALERT, emitted by the run at"),
        "{verdicts}"
    );
    assert!(verdicts.contains("rule mfa-from-hosting-infrastructure: no session changes verdict"));

    // Unchanged rules: no session moves; a missing folder is a usage error.
    let same = tokenward(&["diff", "rules", "rules", "--events", "rules/tests"]);
    assert!(
        !same.stdout.contains("change verdict\n  "),
        "{}",
        same.stdout
    );
    let missing = tokenward(&["diff", "rules", "rules", "--events", "no/such/folder"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stderr.contains("E051"), "{}", missing.stderr);
}

/// `report` writes one timeline page per rule with tests, linked from the coverage matrix.
#[test]
fn report_links_a_timeline_page_per_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let run = tokenward(&["report", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let coverage = std::fs::read_to_string(out.join("coverage.html")).unwrap();
    let (_, plans) = bundled();
    for p in plans.iter().filter(|p| !p.tests.is_empty()) {
        let href = format!("href=\"rules/{}.html\"", p.meta.id);
        assert!(coverage.contains(&href), "coverage.html links {href}");
        let page = std::fs::read_to_string(out.join(format!("rules/{}.html", p.meta.id))).unwrap();
        for c in &p.tests {
            assert!(
                page.contains(&format!("id=\"{}", c.name)) || page.contains(&c.name),
                "{} on the page",
                c.name
            );
        }
        assert!(page.matches("<svg ").count() >= p.tests.len());
    }
}

// ---------------------------------------------------------------------------------------------
// The timeline in a real browser.

/// Headless Chromium, when installed (Debian's `chromium`, or TOKENWARD_CHROMIUM).
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TOKENWARD_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
    .map(PathBuf::from)
}

/// What the browser laid out, measured by a script in the page after rendering.
const PROBE: &str = r#"<script>
addEventListener('load', () => {
  const box = el => { const b = el.getBoundingClientRect(); return [b.width, b.height]; };
  const out = [...document.querySelectorAll('svg.timeline')].map(svg => ({
    session: svg.dataset.session,
    events: [...svg.querySelectorAll('circle.event')].map(c => ({
      n: +c.dataset.event, role: c.dataset.role,
      cx: c.cx.baseVal.value, cy: c.cy.baseVal.value, size: box(c) })),
    windows: [...svg.querySelectorAll('rect.window')].map(r => ({
      issuance: +r.dataset.issuance, x: r.x.baseVal.value, width: r.width.baseVal.value, size: box(r) })),
    pairs: [...svg.querySelectorAll('line.pair')].map(l => ({
      use: +l.dataset.use, issuance: +l.dataset.issuance, verdict: l.dataset.verdict,
      x1: l.x1.baseVal.value, y1: l.y1.baseVal.value, x2: l.x2.baseVal.value, y2: l.y2.baseVal.value,
      length: l.getTotalLength(), stroke: getComputedStyle(l).stroke, size: box(l) })),
  }));
  const pre = document.createElement('pre');
  pre.id = 'tw-probe';
  const mark = 'TW' + 'PROBE';
  pre.textContent = mark + btoa(JSON.stringify(out)) + mark;
  document.body.appendChild(pre);
});
</script>"#;

/// Renders `explain --format html` of a few fixtures in headless Chromium and checks what it drew
/// against the JSON trace of the same events: one marker per timed event with its role, one window
/// band per issuance starting at it, one pair line per use from its issuance to it, coloured by verdict,
/// and a use inside the band exactly when the trace paired it inside the window.
#[test]
fn the_timeline_renders_in_chromium_as_the_trace_says() {
    let Some(browser) = chromium() else {
        let msg = "headless Chromium is not installed (apt-get install chromium, or set TOKENWARD_CHROMIUM): \
                   the timeline was not rendered";
        if std::env::var_os("CI").is_some() {
            panic!("{msg}; .ci/run installs it");
        }
        crate::common::skip("the_timeline_renders_in_chromium_as_the_trace_says", msg);
        return;
    };
    let files = [
        "rules/tests/aitm-session-replay/aitm-hosting-replay.sentinel.json",
        "rules/tests/aitm-session-replay/replay-after-window.splunk.json",
        "rules/tests/aitm-session-replay/teams-via-tenant-sase.sentinel.json",
        "rules/tests/aitm-session-replay/three-devices-one-user.sentinel.json",
    ];
    let mut args = vec!["explain", "aitm-session-replay"];
    args.extend(files);
    let html = tokenward(&[args.as_slice(), &["--format", "html"]].concat());
    assert_eq!(html.code, 0, "{}", html.stderr);
    let json = tokenward(&[args.as_slice(), &["--format", "json"]].concat());
    let trace: Vec<Value> = serde_json::from_str(&json.stdout).unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("timeline.html");
    let probed = html
        .stdout
        .replacen("</body>", &format!("{PROBE}</body>"), 1);
    assert_ne!(probed, html.stdout, "the page has a body to probe");
    std::fs::write(&page, probed).unwrap();
    let out = Command::new("timeout")
        .arg("120")
        .arg(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--virtual-time-budget=5000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            tmp.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .env("HOME", tmp.path())
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let encoded = dom.split("TWPROBE").nth(1).unwrap_or_else(|| {
        panic!(
            "the probe did not run; chromium said:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let decoded = base64_decode(encoded);
    let drawn: Vec<Value> = serde_json::from_slice(&decoded).unwrap();

    let sessions: Vec<&Value> = trace
        .iter()
        .flat_map(|x| x["sessions"].as_array().unwrap())
        .collect();
    assert_eq!(drawn.len(), sessions.len(), "one timeline per session");
    let colours: BTreeMap<&str, &str> = [
        ("alert", "rgb(211, 47, 47)"),
        ("suppressed", "rgb(25, 118, 210)"),
        ("below_score", "rgb(158, 158, 158)"),
        ("outside_window", "rgb(239, 108, 0)"),
    ]
    .into();
    let mut checked_pairs = 0;
    for (svg, s) in drawn.iter().zip(&sessions) {
        let sid = s["session_id"].as_str().unwrap();
        assert_eq!(svg["session"], sid);
        let rendered = |v: &Value| {
            v["size"][0].as_f64().unwrap() > 0.0 && v["size"][1].as_f64().unwrap() >= 0.0
        };
        // Events.
        let events = s["events"].as_array().unwrap();
        let timed: Vec<&Value> = events.iter().filter(|e| e["time"].is_string()).collect();
        let marks = svg["events"].as_array().unwrap();
        assert_eq!(
            marks.len(),
            timed.len(),
            "{sid}: one marker per timed event"
        );
        let cx: BTreeMap<u64, (f64, f64)> = marks
            .iter()
            .map(|m| {
                (
                    m["n"].as_u64().unwrap(),
                    (m["cx"].as_f64().unwrap(), m["cy"].as_f64().unwrap()),
                )
            })
            .collect();
        for (m, e) in marks.iter().zip(&timed) {
            assert_eq!(m["n"], e["n"]);
            assert!(rendered(m), "{sid}: event #{} is drawn", m["n"]);
            let role = e["role"].as_str().unwrap();
            assert_eq!(m["role"].as_str().unwrap(), role, "{sid}: #{} role", m["n"]);
        }
        // Later in time, further right.
        let mut by_time: Vec<(&str, f64)> = timed
            .iter()
            .map(|e| (e["time"].as_str().unwrap(), cx[&e["n"].as_u64().unwrap()].0))
            .collect();
        by_time.sort_by(|a, b| a.0.cmp(b.0));
        assert!(
            by_time.windows(2).all(|w| w[0].1 <= w[1].1),
            "{sid}: the axis runs forwards"
        );
        // Window bands: one per issuance, starting at it.
        let issuing: BTreeSet<u64> = timed
            .iter()
            .filter(|e| matches!(e["role"].as_str(), Some("issuance") | Some("both")))
            .map(|e| e["n"].as_u64().unwrap())
            .collect();
        let bands = svg["windows"].as_array().unwrap();
        let band_of: BTreeMap<u64, (f64, f64)> = bands
            .iter()
            .map(|b| {
                (
                    b["issuance"].as_u64().unwrap(),
                    (b["x"].as_f64().unwrap(), b["width"].as_f64().unwrap()),
                )
            })
            .collect();
        assert_eq!(
            band_of.keys().copied().collect::<BTreeSet<_>>(),
            issuing,
            "{sid}: window bands"
        );
        for b in bands {
            assert!(rendered(b), "{sid}: the band is drawn");
            let n = b["issuance"].as_u64().unwrap();
            assert!(
                (b["x"].as_f64().unwrap() - cx[&n].0).abs() < 0.5,
                "{sid}: band of #{n} starts at it"
            );
        }
        // Pair lines: one per use with an issuance (or the one just outside the window).
        let pairs = s["pairs"].as_array().map(Vec::as_slice).unwrap_or_default();
        let mut want: BTreeSet<(u64, u64, String)> = BTreeSet::new();
        for p in pairs {
            let verdict = p["verdict"].as_str().unwrap();
            let to = p["issuance"].as_u64().or_else(|| {
                p["candidates"]
                    .as_array()
                    .and_then(|c| c.iter().rev().find(|c| c["fate"] == "outside_window"))
                    .and_then(|c| c["event"].as_u64())
            });
            if let Some(i) = to {
                let v = if verdict == "no_issuance" {
                    "outside_window"
                } else {
                    verdict
                };
                want.insert((p["use"].as_u64().unwrap(), i, v.to_string()));
            }
        }
        let lines = svg["pairs"].as_array().unwrap();
        let got: BTreeSet<(u64, u64, String)> = lines
            .iter()
            .map(|l| {
                (
                    l["use"].as_u64().unwrap(),
                    l["issuance"].as_u64().unwrap(),
                    l["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got, want, "{sid}: pair lines");
        for l in lines {
            let (u, i) = (l["use"].as_u64().unwrap(), l["issuance"].as_u64().unwrap());
            let verdict = l["verdict"].as_str().unwrap();
            assert!(
                rendered(l) && l["length"].as_f64().unwrap() > 0.0,
                "{sid}: pair #{u} is drawn"
            );
            let near = |a: f64, b: f64| (a - b).abs() < 0.5;
            assert!(
                near(l["x1"].as_f64().unwrap(), cx[&i].0)
                    && near(l["y1"].as_f64().unwrap(), cx[&i].1)
            );
            assert!(
                near(l["x2"].as_f64().unwrap(), cx[&u].0)
                    && near(l["y2"].as_f64().unwrap(), cx[&u].1)
            );
            if let Some(c) = colours.get(verdict) {
                assert_eq!(
                    l["stroke"].as_str().unwrap(),
                    *c,
                    "{sid}: pair #{u} is coloured {verdict}"
                );
            }
            // Inside the band exactly when the trace paired it inside the window.
            if let Some(&(x, w)) = band_of.get(&i) {
                let inside = cx[&u].0 <= x + w + 0.01;
                assert_eq!(
                    inside,
                    verdict != "outside_window",
                    "{sid}: use #{u} against the band of #{i}"
                );
            }
            checked_pairs += 1;
        }
    }
    assert!(
        checked_pairs >= 6,
        "only {checked_pairs} pair lines checked"
    );
    // The cases chosen cover an alert, a suppression, a use outside the window.
    let all: String = drawn.iter().map(|d| d.to_string()).collect();
    for v in ["\"alert\"", "\"suppressed\"", "\"outside_window\""] {
        assert!(all.contains(v), "the rendered pages show a {v} pair");
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        let v = A.iter().position(|a| *a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Counterfactuals cost a re-run each, so they are searched for a bounded number of sessions: a large
/// events file (a failing test's fixture from an untrusted pull request, say) is explained without
/// them, says so, and `--session` asks for one.
#[test]
fn counterfactuals_are_bounded_on_large_files() {
    let src = "rules/tests/aitm-session-replay/replay-after-window.sentinel.json";
    let rows: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    let mut many = Vec::new();
    for k in 0..150 {
        for r in &rows {
            let mut r = r.clone();
            r["SessionId"] = Value::String(format!("bulk-session-{k:03}"));
            many.push(r);
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bulk.sentinel.json");
    std::fs::write(&file, serde_json::to_string(&many).unwrap()).unwrap();
    let f = file.to_str().unwrap();
    let all = tokenward(&["explain", "aitm-session-replay", f, "--format", "json"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let v: Value = serde_json::from_str(&all.stdout).unwrap();
    assert_eq!(v[0]["sessions"].as_array().unwrap().len(), 150);
    assert!(
        v[0]["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("counterfactuals not searched: 150 sessions"),
        "{}",
        v[0]["notes"]
    );
    assert!(v[0]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["counterfactuals"].as_array().unwrap().is_empty()));
    let one = tokenward(&[
        "explain",
        "aitm-session-replay",
        f,
        "--session",
        "bulk-session-007",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&one.stdout).unwrap();
    assert!(v[0]["notes"].is_null());
    assert!(!v[0]["sessions"][0]["counterfactuals"]
        .as_array()
        .unwrap()
        .is_empty());
    let human = tokenward(&["explain", "aitm-session-replay", f]);
    assert!(
        human
            .stdout
            .contains("note: counterfactuals not searched: 150 sessions"),
        "{}",
        &human.stdout[..400]
    );
}

/// A file crafted so each re-run is expensive (sessions whose rows are ingested months apart, so every
/// re-run simulates thousands of scheduled runs) stops the counterfactual search at its budget, says
/// so, and still explains every session.
#[test]
fn the_counterfactual_search_stops_at_its_budget() {
    let src = "rules/tests/aitm-session-replay/replay-after-window.sentinel.json";
    let rows: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    let mut many = Vec::new();
    for k in 0..10 {
        for j in 0..20 {
            for r in &rows {
                let mut r = r.clone();
                r["SessionId"] = Value::String(format!("slow-session-{k:03}"));
                if j == 19 {
                    r["IngestionTime"] = Value::String("2027-11-01T00:00:00Z".into());
                }
                many.push(r);
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("slow.sentinel.json");
    std::fs::write(&file, serde_json::to_string(&many).unwrap()).unwrap();
    let run = tokenward(&[
        "explain",
        "aitm-session-replay",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let sessions = v[0]["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 10);
    assert!(sessions
        .iter()
        .all(|s| !s["pairs"].as_array().unwrap().is_empty()));
    assert!(
        v[0]["notes"]
            .to_string()
            .contains("the counterfactual search stopped at its budget"),
        "{}",
        v[0]["notes"]
    );
    let cut = sessions
        .iter()
        .filter(|s| {
            s["notes"]
                .to_string()
                .contains("stopped at the explanation's budget")
        })
        .count();
    assert!(cut > 0, "the budget cut no session");
    let human = tokenward(&["explain", "aitm-session-replay", file.to_str().unwrap()]);
    assert!(
        human
            .stdout
            .contains("not searched to the end (see the note above)"),
        "{}",
        human.stdout
    );
}
