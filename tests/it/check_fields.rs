//! `tokenward check-fields`: field shares and mangled authenticationDetails, by name.

use crate::common::{root, tokenward};
use serde_json::json;

fn splunk_event(auth: serde_json::Value) -> serde_json::Value {
    splunk_event_of("SignInLogs", auth)
}

fn splunk_event_of(category: &str, auth: serde_json::Value) -> serde_json::Value {
    json!({
        "time": "2026-11-03T09:12:04.1234567Z",
        "category": category,
        "operationName": "Sign-in activity",
        "properties": {
            "createdDateTime": "2026-11-03T09:12:03.9876543Z",
            "correlationId": "5f1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b",
            "uniqueTokenIdentifier": "q1w2e3r4t5y6u7i8o9p0aa",
            "appDisplayName": "OfficeHome",
            "sessionId": "0b7c6a52-5c1e-4f1e-9b43-2d6a8f1c9e01",
            "userPrincipalName": "adele.vance@contoso.com",
            "userId": "5d7c2f3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f",
            "ipAddress": "73.162.41.18",
            "autonomousSystemNumber": 7922,
            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "appId": "4765445b-32c6-49b0-83e6-1d93765276ca",
            "deviceDetail": {"deviceId": "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"},
            "isInteractive": true,
            "authenticationRequirement": "multiFactorAuthentication",
            "authenticationDetails": auth,
            "riskEventTypes_v2": [],
            "status": {"errorCode": 0},
            "location": {"countryOrRegion": "US"}
        }
    })
}

fn steps() -> serde_json::Value {
    json!([
        {"authenticationMethod": "Password", "succeeded": true, "authenticationStepResultDetail": "Correct password"},
        {"authenticationMethod": "Mobile app notification", "succeeded": true, "authenticationStepResultDetail": "MFA successfully completed"}
    ])
}

fn check(events: &[serde_json::Value], extra: &[&str]) -> crate::common::Run {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("events.splunk.json");
    std::fs::write(&p, serde_json::to_string(events).unwrap()).unwrap();
    let mut args = vec![
        "check-fields",
        "--target",
        "splunk",
        "--rule",
        "aitm-session-replay",
    ];
    args.extend_from_slice(extra);
    args.push(p.to_str().unwrap());
    let run = tokenward(&args);
    drop(tmp);
    run
}

#[test]
fn healthy_events_report_every_field_present() {
    let run = check(
        &[
            splunk_event(steps()),
            splunk_event_of("NonInteractiveUserSignInLogs", steps()),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("health checks (splunk query over these events)\n  none fires"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("authenticationDetails: present in 2/2"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("MISSING"), "{}", run.stdout);
    assert!(!run.stdout.contains("missing"), "{}", run.stdout);
}

#[test]
fn a_field_shown_only_for_triage_is_reported_apart_and_does_not_fail() {
    let strip = |mut e: serde_json::Value| {
        e["properties"]
            .as_object_mut()
            .unwrap()
            .remove("uniqueTokenIdentifier");
        e
    };
    let run = check(
        &[
            strip(splunk_event(steps())),
            strip(splunk_event_of("NonInteractiveUserSignInLogs", steps())),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.lines().any(|l| l.contains("token_id")
            && l.ends_with("missing (output only: the alert loses triage context)")),
        "{}",
        run.stdout
    );
}

#[test]
fn an_array_delivered_as_a_string_is_named() {
    let mangled = splunk_event(serde_json::Value::String(steps().to_string()));
    let run = check(&[mangled, splunk_event(steps())], &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        report["auth_details"]["the array arrived as one JSON string ({} paths not extracted)"],
        1
    );
    let fields = &report["rules"][0]["fields"];
    let results = fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "auth_step_results")
        .unwrap();
    assert_eq!(results["present"], 1);
    assert_eq!(results["ok"], false);
}

#[test]
fn flattened_fields_missing_but_raw_present_is_named() {
    // A search export whose automatic extraction stopped before authenticationDetails.
    let raw = splunk_event(steps());
    let export = json!({
        "_time": "2026-11-03T09:12:04.123+00:00",
        "_raw": raw.to_string(),
        "properties.sessionId": "0b7c6a52-5c1e-4f1e-9b43-2d6a8f1c9e01",
        "properties.userPrincipalName": "adele.vance@contoso.com"
    });
    let run = check(&[export], &[]);
    assert!(
        run.stdout
            .contains("in the raw event, but the flattened {} fields are missing in 1/1"),
        "{}",
        run.stdout
    );
    // The generated search falls back to spath(_raw), so the field still counts as present.
    assert!(run.stdout.contains("auth_step_results"), "{}", run.stdout);
}

#[test]
fn the_shared_sample_lacks_the_session_id() {
    let sample = root().join("../shared/samples/splunk/azure-monitor-aad-signin.json");
    if !sample.is_file() {
        crate::common::skip(
            "the_shared_sample_lacks_the_session_id",
            "../shared/samples not available",
        );
        return;
    }
    let run = tokenward(&[
        "check-fields",
        "--target",
        "splunk",
        sample.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("authenticationDetails: present in 1/1"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("session_id") && l.ends_with("MISSING")),
        "{}",
        run.stdout
    );
}

#[test]
fn raw_azure_monitor_time_is_named_and_a_wrong_target_is_hinted() {
    let tmp = tempfile::tempdir().unwrap();
    // Raw Azure Monitor records carry the envelope's `time`, not Splunk's `_time`: the report says so.
    let both = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = vec![
            splunk_event(steps()),
            splunk_event_of("NonInteractiveUserSignInLogs", steps()),
        ];
        v.iter_mut().for_each(edit);
        serde_json::to_string(&v).unwrap()
    };
    let raw = tmp.path().join("raw.json");
    std::fs::write(&raw, both(&|_| {})).unwrap();
    let run = tokenward(&["check-fields", "--target", "splunk", raw.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let log_time = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("log_time "))
        .unwrap();
    assert!(log_time.contains(" time "), "{log_time}");
    assert!(!log_time.contains(" _time "), "{log_time}");
    // A Splunk export with `_time` keeps the profile's name.
    let export = tmp.path().join("export.json");
    std::fs::write(
        &export,
        both(&|e| {
            let obj = e.as_object_mut().unwrap();
            obj.remove("time");
            obj.insert("_time".into(), json!("2026-11-03T09:12:04.123+00:00"));
        }),
    )
    .unwrap();
    let run = tokenward(&[
        "check-fields",
        "--target",
        "splunk",
        export.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let log_time = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("log_time "))
        .unwrap();
    assert!(log_time.contains(" _time "), "{log_time}");

    // Splunk events checked as Sentinel rows: every field missing, a hint, and FAILED names them.
    let wrong = tokenward(&[
        "check-fields",
        "--target",
        "sentinel",
        raw.to_str().unwrap(),
    ]);
    assert_eq!(wrong.code, 1);
    assert!(
        wrong
            .stdout
            .contains("--target is probably wrong; pass --target splunk"),
        "{}",
        wrong.stdout
    );
    let failed = wrong.stdout.lines().last().unwrap();
    assert!(failed.starts_with("FAILED: "), "{failed}");
    assert!(
        failed.contains("session_id (aitm-session-replay"),
        "{failed}"
    );
    // The right target: no hint.
    let right = tokenward(&["check-fields", "--target", "splunk", raw.to_str().unwrap()]);
    assert!(!right.stdout.contains("hint:"), "{}", right.stdout);
    // One field missing: the FAILED line names that field alone.
    let one = tmp.path().join("one.json");
    std::fs::write(
        &one,
        both(&|e| {
            e["properties"].as_object_mut().unwrap().remove("sessionId");
        }),
    )
    .unwrap();
    let run = tokenward(&["check-fields", "--target", "splunk", one.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    let failed = run.stdout.lines().last().unwrap();
    assert!(
        failed.starts_with("FAILED: session_id (aitm-session-replay, "),
        "{failed}"
    );
    // The one field, and the health check that fires on the same cause, each named once.
    assert_eq!(
        failed.split("; ").skip(1).collect::<Vec<_>>(),
        ["health check session-id-empty"],
        "{failed}"
    );
    assert!(!run.stdout.contains("hint:"), "{}", run.stdout);
}
