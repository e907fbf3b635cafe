//! The evaluator keeps time as the engines do: exact instants at the target's precision (Kusto: 100 ns
//! ticks, Splunk: microseconds), so the window's edge falls where the query's does.

use tokenward::backend::{Backends, Target};
use tokenward::events::parse_time;

use crate::common::root;

fn plan() -> tokenward::plan::Plan {
    let files = tokenward::pipeline::find_rules(&[root().join("tests/fixtures/good/minimal.yaml")])
        .unwrap();
    let d = tokenward::check::check_all(&files, std::path::Path::new("")).unwrap();
    tokenward::plan::lower(&d[0])
}

/// An issuance at `t0` and a later event `offset_ns` after the 30m window closes, in one shape.
fn alerts_at(target: Target, offset_ns: i128) -> usize {
    let t0 = parse_time("2026-11-03T09:00:00Z").unwrap();
    let later = tokenward::events::Timestamp::from_nanosecond(
        t0.as_nanosecond() + 30 * 60 * 1_000_000_000 + offset_ns,
    )
    .unwrap();
    let rows = match target {
        Target::Sentinel => {
            let row = |t: String, interactive: bool, asn: &str, dev: &str| {
                // The sign-in's own time decides the window; TimeGenerated is when it was published.
                serde_json::json!({"CreatedDateTime": t, "TimeGenerated": "2026-11-03T10:00:00Z",
                    "SessionId": "s1", "UserPrincipalName": "u@x",
                    "IPAddress": "192.0.2.1", "AutonomousSystemNumber": asn, "AppId": "a",
                    "IsInteractive": interactive, "DeviceDetail": {"deviceId": dev}})
            };
            // Kusto prints 7 fractional digits.
            let fmt = |t: tokenward::events::Timestamp| {
                format!("{}", t.strftime("%Y-%m-%dT%H:%M:%S%.7fZ"))
            };
            vec![
                row(fmt(t0), true, "7922", "d1"),
                row(fmt(later), false, "14061", ""),
            ]
        }
        Target::Splunk => {
            let row = |t: String, interactive: bool, asn: i64, dev: &str| {
                serde_json::json!({"_time": "1762164000", "properties.createdDateTime": t,
                    "properties.sessionId": "s1",
                    "properties.userPrincipalName": "u@x", "properties.ipAddress": "192.0.2.1",
                    "properties.autonomousSystemNumber": asn, "properties.appId": "a",
                    "properties.isInteractive": interactive, "properties.deviceDetail.deviceId": dev})
            };
            // The add-on's createdDateTime keeps 7 digits; the search reads 6 (microseconds).
            let fmt = |t: tokenward::events::Timestamp| {
                format!("{}", t.strftime("%Y-%m-%dT%H:%M:%S%.7fZ"))
            };
            vec![
                row(fmt(t0), true, 7922, "d1"),
                row(fmt(later), false, 14061, ""),
            ]
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("events.json");
    std::fs::write(&path, serde_json::to_string(&rows).unwrap()).unwrap();
    let backends = Backends::load(None).unwrap();
    let events: Vec<_> = backends
        .get(target)
        .read_events(&path)
        .unwrap()
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    tokenward::eval::evaluate(&plan(), &events).len()
}

#[test]
fn the_window_edge_is_exact_to_one_tick() {
    // Sentinel: 100 ns ticks.
    assert_eq!(alerts_at(Target::Sentinel, 0), 1, "at the edge pairs");
    assert_eq!(alerts_at(Target::Sentinel, -100), 1, "a tick inside pairs");
    assert_eq!(alerts_at(Target::Sentinel, 100), 0, "a tick past does not");
    // Splunk: microseconds.
    assert_eq!(alerts_at(Target::Splunk, 0), 1);
    assert_eq!(alerts_at(Target::Splunk, -1_000), 1);
    assert_eq!(alerts_at(Target::Splunk, 1_000), 0);
}

/// A scheduled run reads only rows whose SIEM stamp is inside its lookback and already ingested: with
/// "now" pinned, a replay that arrives late pairs while its issuance is still inside the lookback, and
/// not once the issuance has aged out of it, though the logic alone pairs them either way.
#[test]
fn a_run_applies_the_lookback_on_the_publication_time() {
    let plan = plan();
    let lookback = plan.schedule.lookback.seconds as i64;
    let every = plan.schedule.every.seconds as i64;
    let at = |s: i64| tokenward::events::Timestamp::from_second(s).unwrap();
    let t0 = parse_time("2026-11-03T09:00:00Z").unwrap().as_second();
    let fmt = |s: i64| format!("{}", at(s).strftime("%Y-%m-%dT%H:%M:%SZ"));
    // The replay happened 20 minutes after the MFA sign-in and was ingested `delay` seconds after it.
    let events = |delay: i64| {
        let rows = vec![
            serde_json::json!({"CreatedDateTime": fmt(t0), "TimeGenerated": fmt(t0 + 60),
                "IngestionTime": fmt(t0 + 120), "SessionId": "s1", "UserPrincipalName": "u@x",
                "IPAddress": "192.0.2.1", "AutonomousSystemNumber": "7922", "AppId": "a",
                "IsInteractive": true, "DeviceDetail": {"deviceId": "d1"}}),
            serde_json::json!({"CreatedDateTime": fmt(t0 + 1200), "TimeGenerated": fmt(t0 + 1260),
                "IngestionTime": fmt(t0 + 1200 + delay), "SessionId": "s1", "UserPrincipalName": "u@x",
                "IPAddress": "192.0.2.1", "AutonomousSystemNumber": "14061", "AppId": "a",
                "IsInteractive": false, "DeviceDetail": {"deviceId": ""}}),
        ];
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("events.json");
        std::fs::write(&path, serde_json::to_string(&rows).unwrap()).unwrap();
        let backends = Backends::load(None).unwrap();
        backends
            .get(Target::Sentinel)
            .read_events(&path)
            .unwrap()
            .into_iter()
            .map(|(e, _)| e)
            .collect::<Vec<_>>()
    };
    // The run whose slice holds the late row: the first grid point at or after its ingestion.
    let run_for = |ingested: i64| at((ingested + every - 1).div_euclid(every) * every);
    let in_time = events(lookback - 1200 - 600);
    assert_eq!(tokenward::eval::evaluate(&plan, &in_time).len(), 1);
    let now = run_for(t0 + 1200 + lookback - 1200 - 600);
    assert_eq!(
        tokenward::eval::evaluate_run(&plan, &in_time, now).len(),
        1,
        "inside the lookback"
    );
    let too_late = events(lookback + 600);
    assert_eq!(
        tokenward::eval::evaluate(&plan, &too_late).len(),
        1,
        "the logic alone pairs them"
    );
    let now = run_for(t0 + 1200 + lookback + 600);
    assert_eq!(
        tokenward::eval::evaluate_run(&plan, &too_late, now).len(),
        0,
        "the issuance was published before the run's lookback"
    );
    let runs = tokenward::eval::simulate(&plan, &in_time).unwrap();
    assert_eq!(
        runs.iter().map(|(_, a)| a.len()).sum::<usize>(),
        1,
        "simulated runs emit it once"
    );
}
