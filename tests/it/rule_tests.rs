//! `tokenward test` on the bundled rules and fixtures, and proof that the fixtures can fail.

use crate::common::{copy_dir, root, tokenward, tokenward_in};

/// A copy of the bundled rules with `edit` applied to the AiTM rule; returns the `test` run.
fn run_edited(edit: impl Fn(&str) -> String) -> crate::common::Run {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), &tmp.path().join("rules"));
    let rule = tmp.path().join("rules/aitm-session-replay.yaml");
    let text = std::fs::read_to_string(&rule).unwrap();
    let edited = edit(&text);
    assert_ne!(text, edited, "the edit changed nothing");
    std::fs::write(&rule, edited).unwrap();
    tokenward_in(tmp.path(), &["test", "--format", "json"])
}

fn failing(run: &crate::common::Run) -> Vec<(String, String)> {
    let outcomes: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    outcomes
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["passed"] == false)
        .map(|o| {
            (
                o["case"].as_str().unwrap().to_string(),
                o["shape"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn bundled_rule_tests_pass() {
    let run = tokenward(&["test"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("\n20 passed, 0 failed\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("absent from the events: auth_step_results in 1/2"),
        "{}",
        run.stdout
    );
}

#[test]
fn widening_the_window_makes_the_late_replay_alert() {
    let run = run_edited(|t| t.replace("  window: 60m", "  window: 2h"));
    assert_eq!(run.code, 1);
    assert_eq!(
        failing(&run),
        [
            ("replay-after-window".to_string(), "sentinel".to_string()),
            ("replay-after-window".to_string(), "splunk".to_string())
        ]
    );
}

#[test]
fn removing_a_suppression_makes_its_fixture_alert() {
    for (suppression, fixture) in [
        ("first-party-mobile-on-carrier", "outlook-mobile-carrier"),
        ("sase-egress", "sase-egress"),
        ("corporate-egress", "split-tunnel-vpn"),
        ("microsoft-service-egress", "microsoft-service-refresh"),
    ] {
        let run = run_edited(|t| {
            let start = t.find(&format!("  - name: {suppression}\n")).unwrap();
            let end = start + t[start..].find("    when:").unwrap();
            let end = end + t[end..].find('\n').unwrap() + 1;
            format!("{}{}", &t[..start], &t[end..])
        });
        assert_eq!(run.code, 1, "{suppression}");
        let failed = failing(&run);
        assert_eq!(failed.len(), 2, "{suppression}: {failed:?}");
        assert!(
            failed.iter().all(|(case, _)| case == fixture),
            "{suppression}: {failed:?}"
        );
    }
}

#[test]
fn scoping_the_mobile_suppression_to_carrier_asns_alone_would_hide_the_proxy() {
    // The wrong suppression a tired engineer might write: carrier ASN without the app id.
    let run = run_edited(|t| {
        t.replace(
            "when: later.app_id in first_party_mobile_apps and later.asn in carrier_asns",
            "when: later.asn in carrier_asns",
        )
    });
    assert_eq!(
        failing(&run),
        [
            (
                "residential-proxy-on-carrier".to_string(),
                "sentinel".to_string()
            ),
            (
                "residential-proxy-on-carrier".to_string(),
                "splunk".to_string()
            )
        ]
    );
}

#[test]
fn both_shapes_give_the_same_alerts() {
    use tokenward::backend::{Backends, Target};
    let backends = Backends::load(None).unwrap();
    let files =
        tokenward::pipeline::find_rules(&[root().join("rules/aitm-session-replay.yaml")]).unwrap();
    let detections = tokenward::check::check_all(&files, std::path::Path::new("")).unwrap();
    let d = &tokenward::plan::lower(&detections[0]);
    let dir = root().join("rules/tests/aitm-session-replay");
    let mut scenarios = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".sentinel.json") else {
            continue;
        };
        let events = |shape, file: &str| -> Vec<_> {
            backends
                .get(shape)
                .read_events(&dir.join(file))
                .unwrap()
                .into_iter()
                .map(|(e, _)| e)
                .collect()
        };
        // The shapes keep time at their engine's precision (100 ns and 1 µs): compare at 1 µs.
        let at_micros = |mut alerts: Vec<tokenward::eval::Alert>| {
            use tokenward::events::Precision::Micros;
            for a in &mut alerts {
                a.time = Micros.truncate(a.time);
                a.issuance_time = a.issuance_time.map(|t| Micros.truncate(t));
            }
            alerts
        };
        let sentinel = at_micros(tokenward::eval::evaluate(
            d,
            &events(Target::Sentinel, &name),
        ));
        let splunk = at_micros(tokenward::eval::evaluate(
            d,
            &events(Target::Splunk, &format!("{stem}.splunk.json")),
        ));
        assert_eq!(sentinel, splunk, "{stem}");
        scenarios += 1;
    }
    assert_eq!(scenarios, 10);
}

#[test]
fn junit_output() {
    let run = tokenward(&["test", "--format", "junit"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tokenward\" tests=\"20\" skipped=\"0\" failures=\"0\" errors=\"0\">"), "{}", run.stdout);
    assert_eq!(run.stdout.matches("<testcase ").count(), 20);
    assert!(run.stdout.contains(
        "<testcase name=\"auth-details-missing [splunk]\" classname=\"aitm-session-replay\"/>"
    ));
}

#[test]
fn junit_reports_failures() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), &tmp.path().join("rules"));
    let rule = tmp.path().join("rules/aitm-session-replay.yaml");
    let text = std::fs::read_to_string(&rule)
        .unwrap()
        .replace("  window: 60m", "  window: 2h");
    std::fs::write(&rule, text).unwrap();
    let run = tokenward_in(tmp.path(), &["test", "--format", "junit"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("failures=\"2\""), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "<failure message=\"expected no alert but 982b2c49-af56-56c0-a196-998574b70689 alerted"
        ),
        "{}",
        run.stdout
    );
}
