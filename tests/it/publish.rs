//! Deployment artifacts: Sentinel ARM and analytic-rule YAML, watchlists, the Splunk app and package.

use crate::common::{kql_check, kql_oracle_for, read_tree, root, tokenward};

fn build(src: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let run = tokenward(&["build", src, "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (tmp, out)
}

#[test]
fn arm_templates_match_the_alert_rule_schema_and_carry_the_query_verbatim() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/scheduled-alert-rule.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for src in ["rules", "tests/fixtures/good"] {
        let (_tmp, out) = build(src);
        let files = read_tree(&out);
        let mut queries = Vec::new();
        for (name, text) in files.iter().filter(|(n, _)| n.starts_with("sentinel/arm/")) {
            let arm: serde_json::Value = serde_json::from_str(text).unwrap();
            let resource = &arm["resources"][0];
            if !name.ends_with("-nrt.json") {
                let errors: Vec<String> = validator
                    .iter_errors(resource)
                    .map(|e| format!("{e} at {}", e.instance_path))
                    .collect();
                assert!(errors.is_empty(), "{name}: {errors:#?}");
            }
            let query = resource["properties"]["query"].as_str().unwrap();
            let kql_name = if name.contains("_health") {
                "sentinel/_health/sign-in-health.kql".to_string()
            } else {
                name.replace("sentinel/arm/", "sentinel/")
                    .replace("-nrt.json", ".json")
                    .replace(".json", ".kql")
            };
            if name.ends_with("-nrt.json") {
                // The near-real-time variant: the same logic without the scheduled slice.
                assert_eq!(resource["kind"], "NRT", "{name}");
                assert!(!query.contains("bin(now(), every)"), "{name}");
            } else {
                assert_eq!(
                    query,
                    tokenward::limits::deployed_kql(&files[&kql_name]),
                    "{name}"
                );
            }
            assert!(query.chars().count() <= 10_000, "{name}");
            assert!(
                !query.starts_with('['),
                "ARM would read {name}'s query as an expression"
            );
            let p = out.join(format!("{name}.query.kql"));
            std::fs::write(&p, query).unwrap();
            queries.push(p);
        }
        if let Some(oracle) =
            kql_oracle_for("arm_templates_match_the_alert_rule_schema_and_carry_the_query_verbatim")
        {
            let (ok, report) = kql_check(&oracle, &queries);
            assert!(ok, "{report}");
        }
    }
}

#[test]
fn analytic_rule_yaml_has_what_the_sentinel_repository_requires() {
    let (_tmp, out) = build("rules");
    let files = read_tree(&out);
    let yaml = &files["sentinel/analytic-rules/aitm-session-replay.yaml"];
    let v: serde_json::Value = serde_saphyr::from_str(yaml).unwrap();
    for key in [
        "id",
        "name",
        "description",
        "severity",
        "requiredDataConnectors",
        "queryFrequency",
        "queryPeriod",
        "triggerOperator",
        "triggerThreshold",
        "tactics",
        "relevantTechniques",
        "query",
        "entityMappings",
        "version",
        "kind",
    ] {
        assert!(!v[key].is_null(), "missing {key}");
    }
    assert_eq!(v["id"], "9b5a9716-553f-5047-bb34-7ff6b2631817");
    assert_eq!(v["severity"], "Medium");
    assert_eq!(v["queryFrequency"], "15m");
    assert_eq!(v["queryPeriod"], "90m");
    assert_eq!(
        v["query"].as_str().unwrap(),
        tokenward::limits::deployed_kql(&files["sentinel/aitm-session-replay.kql"])
    );
    assert!(
        !v["query"].as_str().unwrap().contains("//"),
        "comments stay out of the deployed query"
    );
    let tactics: Vec<&str> = v["tactics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        tactics,
        [
            "DefenseEvasion",
            "CredentialAccess",
            "LateralMovement",
            "Collection"
        ]
    );
}

#[test]
fn external_lists_become_watchlists_and_lookups() {
    let (_tmp, out) = build("tests/fixtures/good");
    let files = read_tree(&out);
    assert_eq!(
        files["sentinel/watchlists/RiskyApps.csv"],
        "SearchKey\n04b07795-8ddb-461a-bbee-02f9e1bf7b46\n"
    );
    let arm: serde_json::Value =
        serde_json::from_str(&files["sentinel/watchlists/CorpVpnRanges.json"]).unwrap();
    assert_eq!(
        arm["resources"][0]["properties"]["itemsSearchKey"],
        "SearchKey"
    );
    let transforms = &files["splunk/app/tokenward_detections/default/transforms.conf"];
    assert!(transforms.contains(
        "[tokenward_corp_vpn]\nfilename = tokenward_corp_vpn.csv\nmatch_type = CIDR(cidr)\n"
    ));
    assert_eq!(
        files["splunk/app/tokenward_detections/lookups/tokenward_risky_apps.csv"],
        "value\n04b07795-8ddb-461a-bbee-02f9e1bf7b46\n"
    );
}

#[test]
fn the_splunk_package_is_byte_stable_and_holds_the_app() {
    let (_a, one) = build("rules");
    let (_b, two) = build("rules");
    let p1 = std::fs::read(one.join("splunk/tokenward_detections.tgz")).unwrap();
    let p2 = std::fs::read(two.join("splunk/tokenward_detections.tgz")).unwrap();
    assert_eq!(p1, p2);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(p1.as_slice()));
    let mut names = Vec::new();
    for e in archive.entries().unwrap() {
        let e = e.unwrap();
        let h = e.header();
        assert_eq!(
            (h.uid().unwrap(), h.gid().unwrap(), h.mtime().unwrap()),
            (0, 0, 0)
        );
        names.push(e.path().unwrap().to_string_lossy().into_owned());
    }
    assert!(
        names.contains(&"tokenward_detections/default/savedsearches.conf".to_string()),
        "{names:?}"
    );
    assert!(names
        .iter()
        .all(|n| !n.rsplit('/').next().unwrap_or("").starts_with('.')));
}

#[test]
fn saved_searches_carry_the_generated_search() {
    let (_tmp, out) = build("rules");
    let files = read_tree(&out);
    let conf = &files["splunk/app/tokenward_detections/default/savedsearches.conf"];
    let spl = &files["splunk/aitm-session-replay.spl"];
    let body: Vec<&str> = spl.lines().skip_while(|l| l.starts_with("```")).collect();
    assert!(conf.contains(&format!("search = {}\n", body.join("\\\n"))));
    for key in [
        "[tokenward - aitm-session-replay - Rule]",
        "cron_schedule = */15 * * * *",
        "dispatch.earliest_time = -90m@m",
        "alert.suppress.fields = session_id",
        "action.correlationsearch.annotations = {\"mitre_attack\":[\"T1550.004\",\"T1557\",\"T1539\"],",
        "[tokenward - health - sign-ins]",
    ] {
        assert!(conf.contains(key), "{key}");
    }
}

#[test]
fn a_long_named_list_becomes_a_watchlist_and_the_query_stays_within_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let values: Vec<String> = (0..2500)
        .map(|i| format!("\"{:08x}-0000-4000-8000-000000000000\"", i))
        .collect();
    let rule = format!(
        "id: long-list\ntitle: t\ndescription: d\nseverity: low\nstatus: test\nattack: [T1539]\nlists:\n  apps:\n    kind: app_id\n    values: [{}]\nmatch:\n  when: app_id in apps\n",
        values.join(", ")
    );
    let p = tmp.path().join("long.yaml");
    std::fs::write(&p, rule).unwrap();
    let out = tmp.path().join("dist");
    let run = tokenward(&["build", p.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = read_tree(&out);
    let csv = &files["sentinel/watchlists/tokenward_apps.csv"];
    assert_eq!(csv.lines().count(), 2501);
    let arm: serde_json::Value =
        serde_json::from_str(&files["sentinel/arm/long-list.json"]).unwrap();
    let query = arm["resources"][0]["properties"]["query"].as_str().unwrap();
    assert!(query.contains("watchlist(\"tokenward_apps\")"), "{query}");
    assert!(query.chars().count() < 10_000);
    // Splunk reads the same list inline: its search has no such limit.
    assert!(files["splunk/long-list.spl"].contains("00000000-0000-4000-8000-000000000000"));
}

#[test]
fn a_query_over_the_sentinel_limit_fails_the_build_with_a_hint() {
    // Inline values cannot move to a watchlist: 300 GUIDs written into the condition itself.
    let tmp = tempfile::tempdir().unwrap();
    let values: Vec<String> = (0..300)
        .map(|i| format!("\"{:08x}-0000-4000-8000-000000000000\"", i))
        .collect();
    let rule = format!(
        "id: long-inline\ntitle: t\ndescription: d\nseverity: low\nstatus: test\nattack: [T1539]\nmatch:\n  when: app_id in [{}]\n",
        values.join(", ")
    );
    let p = tmp.path().join("long.yaml");
    std::fs::write(&p, rule).unwrap();
    let run = tokenward(&[
        "build",
        p.to_str().unwrap(),
        "--out",
        tmp.path().join("dist").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("E081"), "{}", run.stderr);
    assert!(run.stderr.contains("move inline"), "{}", run.stderr);
    assert!(!tmp.path().join("dist").exists(), "no partial output");
}
