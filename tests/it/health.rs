//! The health checks, one fixture each in both event shapes: `check-fields` evaluates the health plan
//! the companion queries are rendered from, over exported events, and names what would fire.

use crate::common::tokenward;
use serde_json::{json, Value};

/// What a sign-in carries in these fixtures; each test spoils one thing.
#[derive(Clone)]
struct Row {
    interactive: bool,
    session: &'static str,
    details: Option<Value>,
    created: bool,
}

fn healthy(interactive: bool) -> Row {
    Row {
        interactive,
        session: "0b7c6a52-5c1e-4f1e-9b43-2d6a8f1c9e01",
        details: Some(json!([
            {"authenticationMethod": "Password", "succeeded": true, "authenticationStepResultDetail": "Correct password"}
        ])),
        created: true,
    }
}

fn sentinel(r: &Row) -> Value {
    let mut v = json!({
        "Type": if r.interactive { "SigninLogs" } else { "AADNonInteractiveUserSignInLogs" },
        "TimeGenerated": "2026-11-03T09:14:00.0000000Z",
        "SessionId": r.session,
        "UserPrincipalName": "adele.vance@contoso.com",
        "IsInteractive": r.interactive,
        "ResultType": "0",
    });
    if let Some(d) = &r.details {
        v["AuthenticationDetails"] = Value::String(d.to_string());
    }
    if r.created {
        v["CreatedDateTime"] = json!("2026-11-03T09:12:04.1834417Z");
    }
    v
}

fn splunk(r: &Row) -> Value {
    let mut props = json!({
        "sessionId": r.session,
        "userPrincipalName": "adele.vance@contoso.com",
        "isInteractive": r.interactive,
        "status": {"errorCode": 0},
    });
    if let Some(d) = &r.details {
        props["authenticationDetails"] = d.clone();
    }
    if r.created {
        props["createdDateTime"] = json!("2026-11-03T09:12:04.1834417Z");
    }
    json!({
        "time": "2026-11-03T09:14:00.0000000Z",
        "category": if r.interactive { "SignInLogs" } else { "NonInteractiveUserSignInLogs" },
        "properties": props,
    })
}

/// The health findings `check-fields` reports for these rows, as (check, source) pairs.
fn fires(target: &str, rows: &[Row]) -> Vec<(String, String)> {
    let tmp = tempfile::tempdir().unwrap();
    let shape: fn(&Row) -> Value = if target == "sentinel" {
        sentinel
    } else {
        splunk
    };
    let p = tmp.path().join(format!("events.{target}.json"));
    let events: Vec<Value> = rows.iter().map(shape).collect();
    std::fs::write(&p, serde_json::to_string(&events).unwrap()).unwrap();
    let run = tokenward(&[
        "check-fields",
        "--target",
        target,
        "--format",
        "json",
        p.to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    let found: Vec<(String, String)> = report["health"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    if !found.is_empty() {
        assert_eq!(run.code, 1, "a firing health check fails check-fields");
    }
    found
}

fn both_sources(n: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    for _ in 0..n {
        rows.push(healthy(true));
        rows.push(healthy(false));
    }
    rows
}

const SOURCES: [(&str, &str, &str); 2] = [
    ("sentinel", "SigninLogs", "AADNonInteractiveUserSignInLogs"),
    ("splunk", "SignInLogs", "NonInteractiveUserSignInLogs"),
];

#[test]
fn healthy_sources_fire_nothing() {
    for (target, _, _) in SOURCES {
        assert_eq!(fires(target, &both_sources(3)), vec![], "{target}");
    }
}

#[test]
fn a_silent_non_interactive_source_fires_source_silent() {
    for (target, _, non) in SOURCES {
        let rows: Vec<Row> = (0..5).map(|_| healthy(true)).collect();
        assert_eq!(
            fires(target, &rows),
            vec![("source-silent".to_string(), non.to_string())],
            "{target}"
        );
    }
}

#[test]
fn events_of_another_kind_only_fire_no_events() {
    // A macro without the sign-in index returns other events (here: audit logs) or none.
    for (target, _, _) in SOURCES {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join(format!("events.{target}.json"));
        let other = if target == "sentinel" {
            json!([{"Type": "AuditLogs", "TimeGenerated": "2026-11-03T09:14:00Z"}])
        } else {
            json!([{"time": "2026-11-03T09:14:00Z", "category": "AuditLogs", "properties": {}}])
        };
        std::fs::write(&p, other.to_string()).unwrap();
        let run = tokenward(&[
            "check-fields",
            "--target",
            target,
            "--format",
            "json",
            p.to_str().unwrap(),
        ]);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            report["health"][0]["check"], "no-events",
            "{target}: {}",
            run.stdout
        );
        assert_eq!(run.code, 1);
    }
}

#[test]
fn empty_session_ids_fire_session_id_empty() {
    for (target, inter, _) in SOURCES {
        let mut rows = both_sources(3);
        // 2 of the 5 interactive sign-ins without a session id: 0.4 > 0.2.
        for _ in 0..2 {
            rows.push(Row {
                session: "",
                ..healthy(true)
            });
        }
        assert_eq!(
            fires(target, &rows),
            vec![("session-id-empty".to_string(), inter.to_string())],
            "{target}"
        );
    }
}

#[test]
fn empty_authentication_arrays_fire_auth_steps_empty() {
    for (target, _, non) in SOURCES {
        let mut rows = vec![healthy(true), healthy(false)];
        for _ in 0..3 {
            rows.push(Row {
                details: Some(json!([])),
                ..healthy(false)
            });
        }
        assert_eq!(
            fires(target, &rows),
            vec![("auth-steps-empty".to_string(), non.to_string())],
            "{target}"
        );
    }
}

#[test]
fn sign_ins_without_their_own_time_fire_event_time_missing() {
    for (target, inter, _) in SOURCES {
        let mut rows = both_sources(20);
        rows.push(Row {
            created: false,
            ..healthy(true)
        });
        assert_eq!(
            fires(target, &rows),
            vec![("event-time-missing".to_string(), inter.to_string())],
            "{target}"
        );
    }
}

#[test]
fn steps_without_method_and_result_fire_auth_details_missing_from_min_events_on() {
    for (target, inter, _) in SOURCES {
        // Steps that lost their fields (the truncated-extraction picture): judged from 100 events on.
        let stripped = Row {
            details: Some(json!([{"succeeded": true}])),
            ..healthy(true)
        };
        let mut few = both_sources(1);
        few.extend(std::iter::repeat_n(stripped.clone(), 98));
        assert_eq!(
            fires(target, &few),
            vec![],
            "{target}: 99 events are not judged"
        );
        let mut many = both_sources(1);
        many.extend(std::iter::repeat_n(stripped, 99));
        assert_eq!(
            fires(target, &many),
            vec![("auth-details-missing".to_string(), inter.to_string())],
            "{target}"
        );
    }
}
