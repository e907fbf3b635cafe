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
                serde_json::json!({"TimeGenerated": t, "SessionId": "s1", "UserPrincipalName": "u@x",
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
                serde_json::json!({"_time": t, "properties.sessionId": "s1",
                    "properties.userPrincipalName": "u@x", "properties.ipAddress": "192.0.2.1",
                    "properties.autonomousSystemNumber": asn, "properties.appId": "a",
                    "properties.isInteractive": interactive, "properties.deviceDetail.deviceId": dev})
            };
            let fmt = |t: tokenward::events::Timestamp| {
                let ns = t.as_nanosecond();
                format!("{}.{:06}", ns / 1_000_000_000, (ns % 1_000_000_000) / 1_000)
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
