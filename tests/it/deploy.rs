//! Deployment defects (issue 13) as a SOC would meet them: a workspace without a table, ASNs past 2^31,
//! big tenants, triage output, near-real-time variants. Exactly-once emission, the Splunk extraction
//! cutoff and the health checks have their own tests (tests/it/eval.rs, rule_tests.rs, build.rs,
//! health.rs).

use std::process::Command;

use crate::common::{kql_oracle_for, read_tree, root, tokenward};

fn built() -> (
    tempfile::TempDir,
    std::collections::BTreeMap<String, String>,
) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let run = tokenward(&["build", "rules", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = read_tree(&out);
    (tmp, files)
}

fn deployed(files: &std::collections::BTreeMap<String, String>, arm: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(&files[arm]).unwrap();
    v["resources"][0]["properties"]["query"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A workspace without AADNonInteractiveUserSignInLogs or AADUserRiskEvents must still accept the rule:
/// Kusto.Language, given only SigninLogs, reports no error on any deployed query (a fuzzy leg that
/// resolves to nothing is a warning, KS205).
#[test]
fn deployed_queries_validate_in_a_workspace_with_only_signinlogs() {
    let Some(oracle) =
        kql_oracle_for("deployed_queries_validate_in_a_workspace_with_only_signinlogs")
    else {
        return;
    };
    let (tmp, files) = built();
    let schema = tmp.path().join("schema");
    std::fs::create_dir(&schema).unwrap();
    std::fs::copy(
        oracle.parent().unwrap().join("schema/SigninLogs.json"),
        schema.join("SigninLogs.json"),
    )
    .unwrap();
    let mut paths = Vec::new();
    for name in files.keys().filter(|n| n.starts_with("sentinel/arm/")) {
        let p = tmp.path().join(name.replace('/', "_") + ".kql");
        std::fs::write(&p, deployed(&files, name)).unwrap();
        paths.push(p);
    }
    let out = Command::new("bash")
        .arg(&oracle)
        .arg("--schema")
        .arg(&schema)
        .args(&paths)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["errors"], 0, "{line}");
    }
    assert!(
        text.contains("KS205"),
        "the missing tables are named as warnings: {text}"
    );
}

#[test]
fn every_query_reads_its_tables_fuzzily_and_asns_as_64_bit() {
    let (_tmp, files) = built();
    for (name, text) in files
        .iter()
        .filter(|(n, _)| n.starts_with("sentinel/") && n.ends_with(".kql"))
    {
        for line in text
            .lines()
            .filter(|l| l.contains("SigninLogs") && l.contains("union"))
        {
            assert!(line.contains("isfuzzy=true"), "{name}: {line}");
        }
        assert!(!text.contains("toint(AutonomousSystemNumber)"), "{name}");
        if text.contains("AutonomousSystemNumber") {
            assert!(text.contains("tolong(AutonomousSystemNumber)"), "{name}");
        }
    }
}

/// Big tenants: later events are read only for sessions with an issuance, authenticationDetails is
/// parsed for `Issued` only after the cheap prefilter, the per-session sets are capped and say so.
#[test]
fn the_correlation_reads_issued_sessions_only_and_caps_what_it_packs() {
    let (_tmp, files) = built();
    let kql = &files["sentinel/aitm-session-replay.kql"];
    let issued = &kql[kql.find("let Issued = SignIns").unwrap()..];
    let issued = &issued[..issued.find("| distinct SessionId").unwrap()];
    let prefilter = issued.find("| where IsInteractive == true").unwrap();
    let parse = issued.find("extract_all").unwrap();
    assert!(
        prefilter < parse,
        "the steps are parsed before the prefilter:\n{issued}"
    );
    assert!(kql.contains("| where SessionId in (Issued)"));
    assert!(kql.contains("make_set_if(pack_all(), IsIssuance, 64)"));
    assert!(kql.contains("make_set_if(pack_all(), IsLater, 1024)"));
    assert!(
        kql.contains("Truncated = array_length(Issuances) >= 64 or array_length(Laters) >= 1024")
    );
    let spl = &files["splunk/aitm-session-replay.spl"];
    assert!(spl.contains(
        "tw_issuances=mvindex(tw_issuances, -64, -1), tw_laters=mvindex(tw_laters, 0, 1023)"
    ));
    let stats = spl.find("| stats values(tw_issuance)").unwrap();
    assert!(
        spl.find("| fields - _raw").unwrap() < stats,
        "_raw reaches the aggregation"
    );
    assert!(
        !spl.contains("| eventstats values(tw_detected_risk)"),
        "an event-level eventstats"
    );
}

/// Triage: what an analyst needs is in the alert; Sentinel's entity and detail limits hold; Splunk
/// searches take their range from dispatch only and carry ES 8 entities.
#[test]
fn alerts_carry_triage_context_within_the_siems_limits() {
    let (_tmp, files) = built();
    let arm: serde_json::Value =
        serde_json::from_str(&files["sentinel/arm/aitm-session-replay.json"]).unwrap();
    let p = &arm["resources"][0]["properties"];
    let entities = p["entityMappings"].as_array().unwrap();
    assert!(entities.len() <= 10);
    let ids: Vec<String> = entities
        .iter()
        .flat_map(|e| e["fieldMappings"].as_array().unwrap().iter())
        .map(|m| format!("{}={}", m["identifier"], m["columnName"]))
        .collect();
    for want in [
        "\"AadUserId\"=\"UserId\"",
        "\"FullName\"=\"UserPrincipalName\"",
        "\"Address\"=\"LaterIp\"",
        "\"Address\"=\"FirstIp\"",
    ] {
        assert!(ids.iter().any(|i| i == want), "{want} in {ids:?}");
    }
    let details = p["customDetails"].as_object().unwrap();
    assert!(details.len() <= 20, "{}", details.len());
    for key in [
        "FirstUserAgent",
        "LaterUserAgent",
        "FirstAppName",
        "LaterAppName",
        "FirstCorrelationId",
        "LaterCorrelationId",
        "FirstTokenId",
        "LaterTokenId",
        "FirstAsn",
        "LaterAsn",
        "Signals",
    ] {
        assert!(details.contains_key(key), "{key}");
    }
    let conf = &files["splunk/app/tokenward_detections/default/savedsearches.conf"];
    assert!(conf.contains("action.notable.param._entities = [{\"risk_object_field\":\"user\""));
    for (name, spl) in files
        .iter()
        .filter(|(n, _)| n.starts_with("splunk/") && n.ends_with(".spl"))
    {
        assert!(
            !spl.contains("earliest="),
            "{name} overrides dispatch.earliest_time"
        );
    }
    let spl = &files["splunk/aitm-session-replay.spl"];
    let table = spl.lines().last().unwrap();
    for col in [
        "first_user_agent",
        "later_user_agent",
        "user_id",
        "first_correlation_id",
        "later_token_id",
        "signals",
        "truncated",
    ] {
        assert!(table.contains(col), "{col}: {table}");
    }
}

/// Near-real-time: single-event rules get an NRT variant (the logic without the run's slice); rules
/// that pair events over an hour do not.
#[test]
fn nrt_variants_exist_exactly_for_single_event_rules() {
    let (_tmp, files) = built();
    let rules = tokenward::pipeline::find_rules(&[root().join("rules")]).unwrap();
    let detections = tokenward::check::check_all(&rules, std::path::Path::new("")).unwrap();
    for d in &detections {
        let nrt = format!("sentinel/arm/{}-nrt.json", d.meta.id);
        let single = matches!(d.logic, tokenward::ir::Logic::Single { .. });
        assert_eq!(files.contains_key(&nrt), single, "{}", d.meta.id);
        if single {
            let v: serde_json::Value = serde_json::from_str(&files[&nrt]).unwrap();
            assert_eq!(v["resources"][0]["kind"], "NRT");
            let q = deployed(&files, &nrt);
            assert!(!q.contains("bin(now(), every)"), "{q}");
            assert!(
                deployed(&files, &format!("sentinel/arm/{}.json", d.meta.id))
                    .contains("bin(now(), every)")
            );
        }
    }
}
