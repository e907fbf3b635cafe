//! End to end: `tokenward build` on the bundled rules, its output, its exit codes and its errors.

use crate::common::{copy_dir, kql_check, kql_oracle_for, read_tree, root, tokenward};

fn build_bundled(out: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let run = tokenward(&["build", "rules", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    read_tree(out)
}

#[test]
fn bundled_rules_compile_to_both_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let files = build_bundled(&out);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".tokenward-manifest",
            "sentinel/_health/sign-in-health.kql",
            "sentinel/aitm-session-replay.kql",
            "sentinel/analytic-rules/aitm-session-replay.yaml",
            "sentinel/analytic-rules/cookie-reuse-mfa-bypass.yaml",
            "sentinel/analytic-rules/mfa-from-hosting-infrastructure.yaml",
            "sentinel/analytic-rules/session-impossible-travel.yaml",
            "sentinel/arm/_health-sign-ins.json",
            "sentinel/arm/aitm-session-replay.json",
            // Single-event rules also ship as near-real-time rules.
            "sentinel/arm/cookie-reuse-mfa-bypass-nrt.json",
            "sentinel/arm/cookie-reuse-mfa-bypass.json",
            "sentinel/arm/mfa-from-hosting-infrastructure-nrt.json",
            "sentinel/arm/mfa-from-hosting-infrastructure.json",
            "sentinel/arm/session-impossible-travel.json",
            "sentinel/cookie-reuse-mfa-bypass.kql",
            "sentinel/mfa-from-hosting-infrastructure.kql",
            "sentinel/session-impossible-travel.kql",
            // Lists moved to watchlists to keep the deployed queries under Sentinel's limit.
            "sentinel/watchlists/tokenward_first_party_mobile_apps.csv",
            "sentinel/watchlists/tokenward_first_party_mobile_apps.json",
            "sentinel/watchlists/tokenward_mfa_performed_results.csv",
            "sentinel/watchlists/tokenward_mfa_performed_results.json",
            "sentinel/watchlists/tokenward_previously_satisfied_results.csv",
            "sentinel/watchlists/tokenward_previously_satisfied_results.json",
            "splunk/_health/sign-in-health.spl",
            "splunk/aitm-session-replay.spl",
            "splunk/app/tokenward_detections/README.txt",
            "splunk/app/tokenward_detections/default/app.conf",
            "splunk/app/tokenward_detections/default/macros.conf",
            "splunk/app/tokenward_detections/default/savedsearches.conf",
            "splunk/app/tokenward_detections/metadata/default.meta",
            "splunk/cookie-reuse-mfa-bypass.spl",
            "splunk/macros.conf",
            "splunk/mfa-from-hosting-infrastructure.spl",
            "splunk/session-impossible-travel.spl",
            "splunk/tokenward_detections.tgz",
        ]
    );
    // The committed dist/ is the one golden copy of the bundled output (reviewed in pull requests and
    // checked by `build --check` in CI); the build must reproduce it byte for byte.
    let golden = read_tree(&root().join("dist"));
    assert_eq!(
        files, golden,
        "the bundled rules no longer build dist/: run `tokenward build` and review the diff"
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let a = build_bundled(&tmp.path().join("a"));
    let b = build_bundled(&tmp.path().join("b"));
    assert_eq!(a, b);
}

#[test]
fn correlation_is_one_aggregation_per_session_never_a_join() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build_bundled(&tmp.path().join("dist"));
    for (name, text) in files.iter().filter(|(n, _)| {
        (n.contains("replay") || n.contains("travel"))
            && (n.ends_with(".kql") || n.ends_with(".spl"))
    }) {
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//") && !l.trim_start().starts_with("```"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(!code.contains("join"), "{name} joins");
        // The run's slice of ingestion time sits on the schedule's grid (exactly once); the window
        // itself is never bucketed.
        let code = code.replace("bin(now(), every)", "");
        assert!(!code.contains("bin("), "{name} buckets time");
        assert!(!code.contains("span="), "{name} buckets time");
        // The query body is the last statement: `let` statements before it read lists, watchlists
        // and the risk-detections table, never the sign-ins per session.
        let body = code.rsplit(";\n").next().unwrap_or(&code);
        let aggregations = body.matches("| summarize").count() + body.matches("| stats ").count();
        assert_eq!(
            aggregations, 1,
            "{name} has {aggregations} aggregation passes"
        );
        if name.ends_with(".kql") {
            assert!(code.contains("by SessionId"), "{name}");
            assert!(code.contains("AADNonInteractiveUserSignInLogs"), "{name}");
        } else {
            assert!(code.contains("BY tw_session_id"), "{name}");
        }
    }
}

#[test]
fn ir_is_what_the_compiler_understood() {
    let run = tokenward(&["build", "rules", "--emit", "ir"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("bundled_ir", run.stdout);
}

#[test]
fn plan_is_what_every_target_renders() {
    let run = tokenward(&["build", "rules", "--emit", "plan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("bundled_plan", run.stdout);
}

#[test]
fn every_generated_kql_passes_kusto_language() {
    let Some(oracle) = kql_oracle_for("every_generated_kql_passes_kusto_language") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let files = build_bundled(&out);
    let kql: Vec<_> = files
        .keys()
        .filter(|k| k.ends_with(".kql"))
        .map(|k| out.join(k))
        .collect();
    let (ok, report) = kql_check(&oracle, &kql);
    assert!(ok, "{report}");
}

#[test]
fn a_failed_build_leaves_the_output_exactly_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let before = build_bundled(&out);
    let run = tokenward(&[
        "build",
        "tests/fixtures/bad/unknown_key.yaml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("nothing was written"));
    assert_eq!(read_tree(&out), before);
    // No staging folders are left behind (the lock file stays: the OS lock on it is what counts).
    let mut leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    leftovers.sort();
    assert_eq!(leftovers, [".dist.tokenward-lock", "dist"]);
}

#[test]
fn a_folder_tokenward_did_not_write_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mine");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "keep me").unwrap();
    let run = tokenward(&["build", "rules", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("E040"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn target_selects_one_siem() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let run = tokenward(&[
        "build",
        "rules",
        "--target",
        "splunk",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = read_tree(&out);
    assert!(files.keys().all(|k| !k.starts_with("sentinel/")));
    assert!(files.contains_key("splunk/aitm-session-replay.spl"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(tokenward(&["build", "--target", "qradar"]).code, 2);
    assert_eq!(tokenward(&["frobnicate"]).code, 2);
}

#[test]
fn missing_paths_are_rule_errors() {
    let run = tokenward(&["build", "no/such/rules", "--out", "/nonexistent/x"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("error[E001]: no such file or folder\n--> no/such/rules"),
        "{}",
        run.stderr
    );
}

/// Each bad input gives one located error with a hint, exit 1, and no panic.
#[test]
fn bad_inputs_get_clear_errors() {
    let cases = [
        ("malformed", "E005"),
        ("unknown_key", "E003"),
        ("wrong_type", "E005"),
        ("bad_duration", "E014"),
        ("zero_window", "E015"),
        ("window_too_long", "E015"),
        ("unknown_field", "E021"),
        ("unknown_list", "E023"),
        ("type_mismatch", "E022"),
        ("syntax", "E020"),
        ("empty_list", "E024"),
        ("bad_list_value", "E024"),
        ("severity", "E012"),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    for (case, code) in cases {
        let path = format!("tests/fixtures/bad/{case}.yaml");
        let run = tokenward(&["build", &path, "--out", out.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{case}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("error[{code}]")),
            "{case}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("= help:"),
            "{case} has no hint: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{case}");
        assert!(!out.exists(), "{case} wrote output");
        insta::assert_snapshot!(format!("error_{case}"), run.stderr);
    }
}

#[test]
fn duplicate_ids_across_files() {
    let run = tokenward(&["build", "tests/fixtures/dup", "--out", "/nonexistent/x"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("error_duplicate_id", run.stderr);
}

#[test]
fn unreadable_file() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("binary.yaml");
    std::fs::write(&p, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let run = tokenward(&["build", p.to_str().unwrap(), "--out", "/nonexistent/x"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error[E001]: file is not UTF-8 text"),
        "{}",
        run.stderr
    );
}

#[test]
fn json_diagnostics() {
    let run = tokenward(&[
        "build",
        "tests/fixtures/bad/unknown_list.yaml",
        "--format",
        "json",
        "--out",
        "/nonexistent/x",
    ]);
    assert_eq!(run.code, 1);
    let v: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E023");
    assert_eq!(d["line"], 14);
    assert_eq!(d["column"], 24);
    assert_eq!(d["file"], "tests/fixtures/bad/unknown_list.yaml");
    // Byte offsets of the same span, for editors.
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/bad/unknown_list.yaml")).unwrap();
    let start = d["start"].as_u64().unwrap() as usize;
    assert_eq!(text[..start].lines().count(), 14);
}

#[test]
fn default_paths_build_rules_into_dist() {
    // `tokenward build` with no arguments, in a copy of the bundled rules.
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), &tmp.path().join("rules"));
    let run = crate::common::tokenward_in(tmp.path(), &["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(tmp
        .path()
        .join("dist/sentinel/aitm-session-replay.kql")
        .is_file());
    assert!(tmp
        .path()
        .join("dist/splunk/aitm-session-replay.spl")
        .is_file());
}

#[test]
fn every_operator_and_external_lists_compile_and_pass_kusto_language() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let run = tokenward(&[
        "build",
        "tests/fixtures/good",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = read_tree(&out);
    for name in [
        "sentinel/every-operator.kql",
        "splunk/every-operator.spl",
        "sentinel/minimal-replay.kql",
        "splunk/minimal-replay.spl",
    ] {
        insta::assert_snapshot!(format!("good__{}", name.replace('/', "__")), files[name]);
    }
    let kql = &files["sentinel/every-operator.kql"];
    assert!(kql.contains("watchlist_v4(\"CorpVpnRanges\")"), "{kql}");
    assert!(
        kql.contains("let watchlist_v4 = (alias: string) { toscalar(_GetWatchlist(alias)"),
        "{kql}"
    );
    let spl = &files["splunk/every-operator.spl"];
    assert!(spl
        .contains("| lookup tokenward_corp_vpn cidr AS later_ip OUTPUTNEW cidr AS tw_hit_supp1_1"));
    if let Some(oracle) =
        kql_oracle_for("every_operator_and_external_lists_compile_and_pass_kusto_language")
    {
        let paths: Vec<_> = ["every-operator", "minimal-replay"]
            .iter()
            .map(|n| out.join(format!("sentinel/{n}.kql")))
            .collect();
        let (ok, report) = kql_check(&oracle, &paths);
        assert!(ok, "{report}");
    }
}

#[test]
fn files_tokenward_did_not_write_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let o = out.to_str().unwrap();
    assert_eq!(tokenward(&["build", "rules", "--out", o]).code, 0);
    std::fs::write(out.join("NOTES.md"), "ours").unwrap();
    std::fs::write(out.join("sentinel/extra.kql"), "SigninLogs | take 1\n").unwrap();
    assert_eq!(tokenward(&["build", "rules", "--out", o]).code, 0);
    assert_eq!(
        std::fs::read_to_string(out.join("NOTES.md")).unwrap(),
        "ours"
    );
    assert!(out.join("sentinel/extra.kql").is_file());
    // A foreign file where tokenward wants to write is an error, not an overwrite.
    std::fs::write(out.join("NOTES.md"), "ours").unwrap();
    let manifest = std::fs::read_to_string(out.join(".tokenward-manifest")).unwrap();
    std::fs::write(
        out.join(".tokenward-manifest"),
        manifest.replace("sentinel/aitm-session-replay.kql\n", ""),
    )
    .unwrap();
    let run = tokenward(&["build", "rules", "--out", o]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("was not written by tokenward and would be overwritten"),
        "{}",
        run.stderr
    );
}

#[test]
fn concurrent_builds_into_one_folder_do_not_interleave() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let o = out.to_str().unwrap().to_string();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let o = o.clone();
            std::thread::spawn(move || tokenward(&["build", "rules", "--out", &o]).code)
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 0);
    }
    let reference = tmp.path().join("ref");
    let files = read_tree(&out);
    assert_eq!(files, build_bundled(&reference));
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && !n.ends_with(".tokenward-lock"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn guard_rails_have_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    // A rule file over 1 MiB.
    let big = tmp.path().join("big.yaml");
    std::fs::write(&big, format!("id: big\n# {}\n", "x".repeat(1 << 20))).unwrap();
    let run = tokenward(&["build", big.to_str().unwrap(), "--out", "/nonexistent/x"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error[E001]: file is") && run.stderr.contains("limit"),
        "{}",
        run.stderr
    );
    // A list over 10,000 values.
    let values: Vec<String> = (0..10_001).map(|i| i.to_string()).collect();
    let long = tmp.path().join("long.yaml");
    std::fs::write(
        &long,
        format!(
            "id: long\ntitle: t\ndescription: d\nseverity: low\nstatus: test\nlists:\n  many:\n    kind: asn\n    values: [{}]\nmatch:\n  when: asn in many\n",
            values.join(", ")
        ),
    )
    .unwrap();
    let run = tokenward(&["build", long.to_str().unwrap(), "--out", "/nonexistent/x"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("has 10001 values, more than 10000"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("external"), "{}", run.stderr);
    // A condition nested past the limit.
    let deep = tmp.path().join("deep.yaml");
    std::fs::write(
        &deep,
        format!(
            "id: deep\ntitle: t\ndescription: d\nseverity: low\nstatus: test\nmatch:\n  when: '{}result == \"0\"{}'\n",
            "(".repeat(200),
            ")".repeat(200)
        ),
    )
    .unwrap();
    let run = tokenward(&["build", deep.to_str().unwrap(), "--out", "/nonexistent/x"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("nests deeper than 64 levels"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_profile_for_the_wrong_target_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let wrong = std::fs::read_to_string(root().join("profiles/sentinel.yaml"))
        .unwrap()
        .replace("target: sentinel", "target: splunk");
    std::fs::write(tmp.path().join("sentinel.yaml"), wrong).unwrap();
    let run = tokenward(&[
        "build",
        "rules",
        "--profiles",
        tmp.path().to_str().unwrap(),
        "--out",
        "/nonexistent/x",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("error[E030]: profile target is `splunk`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the sentinel profile has `target: sentinel`"),
        "{}",
        run.stderr
    );
    // A profiles folder that does not exist is an error, not a silent fall-back to the bundled ones.
    let run = tokenward(&[
        "build",
        "rules",
        "--profiles",
        "no/such/profiles",
        "--out",
        "/nonexistent/x",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("error[E030]: no such profiles folder\n--> no/such/profiles"),
        "{}",
        run.stderr
    );
}

/// Splunk stops automatic JSON extraction at `[spath] extraction_cutoff` (5,000 bytes) and `[kv]
/// maxchars`: in a sign-in with many Conditional Access policies the fields after them vanish. Every
/// `properties.*` field a detection reads falls back to `spath(_raw, …)`.
#[test]
fn every_splunk_field_a_detection_reads_falls_back_to_the_raw_event() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build_bundled(&tmp.path().join("dist"));
    let mut checked = 0;
    for (name, text) in files
        .iter()
        .filter(|(n, _)| n.ends_with(".spl") && !n.contains("_health"))
    {
        let mut rest = text.as_str();
        while let Some(i) = rest.find("'properties.") {
            let tail = &rest[i + 1..];
            let end = tail.find('\'').unwrap();
            let path = &tail[..end];
            let guarded = format!("if(isnull('{path}'), spath(_raw, \"{path}\"), '{path}')");
            assert!(
                text.contains(&guarded),
                "{name}: `{path}` is read without the _raw fallback"
            );
            checked += 1;
            rest = &tail[end + 1..];
        }
        // No bare read either: every occurrence of the field is inside the guard.
        let bare = text.matches("'properties.").count();
        let guards = text.matches("if(isnull('properties.").count();
        assert_eq!(
            bare,
            guards * 2,
            "{name}: a properties.* field is read outside the guard"
        );
    }
    assert!(checked > 50, "{checked}");
}

/// `author` and `references` of a rule reach both targets' headers, one line each, and a hostile value
/// stays inside its comment.
#[test]
fn author_and_references_are_in_the_query_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build_bundled(&tmp.path().join("dist"));
    let kql = &files["sentinel/aitm-session-replay.kql"];
    let spl = &files["splunk/aitm-session-replay.spl"];
    assert!(kql.contains("\n// Author: tokenward\n"), "{kql}");
    assert!(spl.contains("\n``` Author: tokenward ```\n"), "{spl}");
    let refs = "https://learn.microsoft.com/entra/identity/authentication/how-to-authentication-track-linkable-identifiers";
    assert!(kql.contains(&format!("\n// Reference: {refs}\n")), "{kql}");
    assert!(
        spl.contains(&format!("\n``` Reference: {refs} ```\n")),
        "{spl}"
    );
    // The header ends before the first statement, author and references included.
    let header_end = kql.find("\nlet ").unwrap();
    assert!(kql[..header_end].lines().all(|l| l.starts_with("//")));

    // A rule without them has neither line.
    let travel = &files["sentinel/session-impossible-travel.kql"];
    assert!(!travel.contains("// Reference:"));

    // Newlines or comment closers in the values cannot leave the comment.
    let rules = tmp.path().join("rules");
    copy_dir(&root().join("rules"), &rules);
    let rule = rules.join("cookie-reuse-mfa-bypass.yaml");
    let text = std::fs::read_to_string(&rule).unwrap().replace(
        "author: tokenward",
        "author: \"a\\nSigninLogs | take 1 ``` | delete\"",
    );
    std::fs::write(&rule, text).unwrap();
    let out = tmp.path().join("hostile");
    let run = tokenward(&[
        "build",
        rules.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = read_tree(&out);
    let kql = &files["sentinel/cookie-reuse-mfa-bypass.kql"];
    let header_end = kql.find("\nlet ").unwrap();
    assert!(
        kql[..header_end].lines().all(|l| l.starts_with("//")),
        "{kql}"
    );
    assert!(
        kql.contains("\n// Author: a SigninLogs | take 1 ``` | delete\n"),
        "{kql}"
    );
    let spl = &files["splunk/cookie-reuse-mfa-bypass.spl"];
    let author = spl.lines().find(|l| l.contains("Author:")).unwrap();
    assert!(
        author.starts_with("``` Author: ") && author.ends_with(" ```"),
        "{author}"
    );
    assert_eq!(author.matches("```").count(), 2, "{author}");
}
