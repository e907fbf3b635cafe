//! `tokenward lint`: one fixture per lint rule, the cookie-theft write-up, SARIF, config, docs.

use std::collections::BTreeSet;

use crate::common::{read_tree, root, tokenward, tokenward_in};

fn codes(json: &str) -> Vec<(String, u64, u64)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// Ruff's layout: tests/lint/<lang>/<CODE>_<name>.<ext> must fire its own code and no other, and
/// tests/lint/<lang>/<CODE>_<name>_ok.<ext> must fire nothing; every lint has both. The lints that
/// are off by default are switched on (tests/data/lint-all-on.yaml).
#[test]
fn every_lint_has_fixtures_that_fire_it_alone_and_that_must_not_fire() {
    let mut fires = BTreeSet::new();
    let mut quiet = BTreeSet::new();
    for lang in ["kql", "spl"] {
        let dir = root().join("tests/lint").join(lang);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let code = &name[..6];
            let ok = f.file_stem().unwrap().to_string_lossy().ends_with("_ok");
            let rel = format!("tests/lint/{lang}/{name}");
            let args = [
                "lint",
                &rel,
                "--config",
                "tests/data/lint-all-on.yaml",
                "--format",
                "json",
            ];
            let run = tokenward(&args);
            let found: BTreeSet<String> =
                codes(&run.stdout).into_iter().map(|(c, _, _)| c).collect();
            if ok {
                assert!(found.is_empty(), "{name} must fire nothing: {}", run.stdout);
                quiet.insert(code.to_string());
                continue;
            }
            assert_eq!(
                found,
                BTreeSet::from([code.to_string()]),
                "{name}: {}",
                run.stdout
            );
            fires.insert(code.to_string());
            let human = tokenward(&["lint", &rel, "--config", "tests/data/lint-all-on.yaml"]);
            insta::assert_snapshot!(format!("lint_{}", name.replace('.', "_")), human.stdout);
        }
    }
    let all: BTreeSet<String> = tokenward::lint::registry::LINTS
        .iter()
        .map(|l| l.code.to_string())
        .collect();
    assert_eq!(fires, all, "lint rules without a fixture that fires");
    assert_eq!(
        quiet, all,
        "lint rules without a fixture that must not fire"
    );
}

/// The public cookie-theft hunting query: SigninLogs only, `[0]` on AuthenticationDetails,
/// `ResultType == 0`, a join on UserPrincipalName.
#[test]
fn the_cookie_theft_write_up_gets_every_finding_at_its_place() {
    let run = tokenward(&[
        "lint",
        "tests/lint/cookie_theft_writeup.kql",
        "--format",
        "json",
    ]);
    // Sentinel runs this query: every finding is a detection-logic pitfall, a warning.
    assert_eq!(run.code, 0, "{}", run.stdout);
    let found = codes(&run.stdout);
    for expected in [
        ("KQL005", 2, 1),
        ("KQL010", 3, 9),
        ("KQL004", 4, 65),
        ("KQL003", 6, 3),
        ("KQL008", 6, 3),
        ("KQL010", 6, 28),
    ] {
        let e = (expected.0.to_string(), expected.1, expected.2);
        assert!(found.contains(&e), "missing {e:?} in {found:?}");
    }
}

#[test]
fn generated_queries_lint_clean() {
    let tmp = tempfile::tempdir().unwrap();
    for (src, out) in [("rules", "a"), ("tests/fixtures/good", "b")] {
        let out = tmp.path().join(out);
        let run = tokenward(&["build", src, "--out", out.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let lint = tokenward(&["lint", out.to_str().unwrap(), "--deny-warnings"]);
        assert_eq!(lint.code, 0, "{}", lint.stdout);
        assert!(
            lint.stdout.ends_with("0 error(s), 0 warning(s)\n"),
            "{}",
            lint.stdout
        );
    }
}

#[test]
fn build_fails_when_its_own_output_has_a_lint_error() {
    // A profile that maps `result` to a column that does not exist makes the generated KQL wrong.
    let tmp = tempfile::tempdir().unwrap();
    let profiles = tmp.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    let sentinel = std::fs::read_to_string(root().join("profiles/sentinel.yaml"))
        .unwrap()
        .replace(
            "result: { column: ResultType }",
            "result: { column: ResultTyp }",
        );
    std::fs::write(profiles.join("sentinel.yaml"), sentinel).unwrap();
    let out = tmp.path().join("dist");
    let run = tokenward(&[
        "build",
        "rules",
        "--profiles",
        profiles.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error[KQL002]: unknown column `ResultTyp`"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let run = tokenward(&["lint", "tests/lint", "--format", "sarif"]);
    assert_eq!(run.code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/sarif-2.1.0-rtm.5.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules
        .iter()
        .any(|r| r["id"] == "KQL003" && r["defaultConfiguration"]["level"] == "warning"));
    let result = &sarif["runs"][0]["results"][0];
    assert!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            >= 1
    );
}

#[test]
fn levels_come_from_the_project_config() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("tokenward.yaml"),
        "lints:\n  KQL003: error\n  KQL006: off\n",
    )
    .unwrap();
    std::fs::copy(
        root().join("tests/lint/kql/KQL003_join_kind.kql"),
        tmp.path().join("q.kql"),
    )
    .unwrap();
    std::fs::write(tmp.path().join("scan.kql"), "SigninLogs | take 10\n").unwrap();
    let run = tokenward_in(
        tmp.path(),
        &["lint", "q.kql", "scan.kql", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["code"], "KQL003");
    assert_eq!(diags[0]["severity"], "error");

    std::fs::write(
        tmp.path().join("tokenward.yaml"),
        "lints:\n  KQL03: error\n",
    )
    .unwrap();
    let bad = tokenward_in(tmp.path(), &["lint", "q.kql"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("did you mean `KQL003`?"),
        "{}",
        bad.stderr
    );
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let f = "tests/lint/kql/KQL003_join_kind.kql";
    assert_eq!(tokenward(&["lint", f]).code, 0);
    assert_eq!(tokenward(&["lint", f, "--deny-warnings"]).code, 1);
}

#[test]
fn rule_prints_the_doc() {
    let run = tokenward(&["rule", "kql003"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("## KQL003 join-without-kind\n"));
    for h in [
        "### What it does",
        "### Why it matters",
        "### Example",
        "### Fix",
    ] {
        assert!(run.stdout.contains(h), "{h}");
    }
    assert_eq!(tokenward(&["rule", "KQL999"]).code, 2);
    // Compiler codes are documented the same way.
    let e = tokenward(&["rule", "e022"]);
    assert_eq!(e.code, 0);
    assert!(
        e.stdout.starts_with("## E022 type-mismatch\n"),
        "{}",
        e.stdout
    );
    let list = tokenward(&["rule", "--list"]);
    assert_eq!(list.stdout.lines().count(), tokenward::codes::all().len());
    assert!(list.stdout.lines().any(|l| l.starts_with("E011 ")));
}

#[test]
fn docs_lints_md_is_generated_from_the_registry() {
    let path = root().join("docs/lints.md");
    let expected = tokenward::codes::lints_md();
    if std::env::var_os("TOKENWARD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/lints.md is stale: run TOKENWARD_UPDATE_DOCS=1 cargo test --test it lint"
    );
}

#[test]
fn rule_files_are_validated_by_lint() {
    let run = tokenward(&[
        "lint",
        "tests/fixtures/bad/unknown_list.yaml",
        "--format",
        "sarif",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("\"ruleId\": \"E023\""),
        "{}",
        run.stdout
    );
    let _ = read_tree;
}

fn lint_json(dir: &std::path::Path, args: &[&str]) -> (i32, Vec<String>) {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let run = tokenward_in(dir, &all);
    let found = codes(&run.stdout).into_iter().map(|(c, _, _)| c).collect();
    (run.code, found)
}

#[test]
fn inline_comments_suppress_a_code_on_their_line_or_the_next() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("q.kql"),
        "SigninLogs\n| where TimeGenerated > ago(1d)\n| where ResultType == 0 // tokenward-ignore: KQL010 numeric here\n// tokenward-ignore: KQL003 innerunique on purpose\n| join (AADNonInteractiveUserSignInLogs | where TimeGenerated > ago(1d)) on SessionId\n| where AutonomousSystemNumber == 1\n",
    )
    .unwrap();
    let (_, found) = lint_json(tmp.path(), &["q.kql"]);
    assert_eq!(
        found,
        ["KQL010"],
        "only the unsuppressed comparison is left"
    );
    std::fs::write(
        tmp.path().join("s.spl"),
        "``` tokenward-ignore: SPL005 the index comes from the app's default ```\nuser=* earliest=-1d\n| stats count by user\n",
    )
    .unwrap();
    let (_, found) = lint_json(tmp.path(), &["s.spl"]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_baseline_accepts_known_findings_and_fails_on_new_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let q = tmp.path().join("q.kql");
    std::fs::write(&q, "SigninLogs\n| where ResultType == 0\n").unwrap();
    let write = tokenward_in(
        tmp.path(),
        &[
            "lint",
            "q.kql",
            "--baseline",
            "lint-baseline.json",
            "--update-baseline",
        ],
    );
    assert_eq!(write.code, 0, "{}", write.stderr);
    let base: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("lint-baseline.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(base["findings"].as_array().unwrap().len(), 2, "{base}");
    let strict = [
        "q.kql",
        "--baseline",
        "lint-baseline.json",
        "--deny-warnings",
    ];
    assert_eq!(lint_json(tmp.path(), &strict), (0, Vec::new()));
    // Lines added above keep the fingerprints.
    std::fs::write(&q, "// hunting\n\nSigninLogs\n| where ResultType == 0\n").unwrap();
    assert_eq!(lint_json(tmp.path(), &strict), (0, Vec::new()));
    // A new finding fails, and only it is shown.
    std::fs::write(
        &q,
        "// hunting\n\nSigninLogs\n| where ResultType == 0\n| where AutonomousSystemNumber == 1\n",
    )
    .unwrap();
    assert_eq!(
        lint_json(tmp.path(), &strict),
        (1, vec!["KQL010".to_string()])
    );
    let missing = tokenward_in(tmp.path(), &["lint", "q.kql", "--baseline", "nope.json"]);
    assert_eq!(missing.code, 2);
}

#[test]
fn fix_quotes_numbers_and_adds_join_kinds_atomically_and_idempotently() {
    let tmp = tempfile::tempdir().unwrap();
    let q = tmp.path().join("q.kql");
    let before = "SigninLogs\n| where TimeGenerated > ago(1d)\n| where ResultType == 0 and ResultType != 50126\n| where AutonomousSystemNumber > 100\n| join (AADNonInteractiveUserSignInLogs | where TimeGenerated > ago(1d)) on SessionId\n";
    std::fs::write(&q, before).unwrap();
    let run = tokenward_in(tmp.path(), &["lint", "q.kql", "--fix", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("fixed 3 finding(s)"), "{}", run.stderr);
    let after = std::fs::read_to_string(&q).unwrap();
    assert_eq!(
        after,
        before
            .replace(
                "== 0 and ResultType != 50126",
                "== \"0\" and ResultType != \"50126\""
            )
            .replace("| join (", "| join kind=inner (")
    );
    // `>` on a string column is not quoted: only an explicit conversion keeps its meaning.
    let left: Vec<String> = codes(&run.stdout).into_iter().map(|(c, _, _)| c).collect();
    assert_eq!(left, ["KQL010"]);
    assert!(tokenward::syntax::kql::parse(&after).is_ok());
    let again = tokenward_in(tmp.path(), &["lint", "q.kql", "--fix"]);
    assert!(!again.stderr.contains("fixed"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&q).unwrap(), after);
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, ["q.kql"], "no temporary file is left behind");
}

/// KQL002 against Microsoft's Kusto.Language with the bundled sign-in schemas: on every file of
/// tests/lint/columns, the unknown columns tokenward reports are the ones Kusto.Language reports
/// (KS142). Skipped when node or the oracle is missing.
#[test]
fn unknown_columns_agree_with_kusto_language() {
    let oracle = root().join("../shared/oracles/kql/kql-check");
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !oracle.is_file() || !node || std::env::var_os("TOKENWARD_SKIP_ORACLE").is_some() {
        crate::common::skip(
            "unknown_columns_agree_with_kusto_language",
            "the Kusto.Language oracle is not available",
        );
        return;
    }
    let dir = root().join("tests/lint/columns");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let out = std::process::Command::new("bash")
        .arg(&oracle)
        .arg("--schema")
        .arg(oracle.parent().unwrap().join("schema"))
        .args(&files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), files.len(), "{text}");
    for (line, f) in text.lines().zip(&files) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let mut kusto: Vec<String> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "KS142")
            .map(|d| {
                d["message"]
                    .as_str()
                    .unwrap()
                    .split('\'')
                    .nth(1)
                    .unwrap()
                    .to_string()
            })
            .collect();
        kusto.sort();
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let run = tokenward(&["lint", &rel, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let mut ours: Vec<String> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "KQL002")
            .map(|d| {
                d["message"]
                    .as_str()
                    .unwrap()
                    .split('`')
                    .nth(1)
                    .unwrap()
                    .to_string()
            })
            .collect();
        ours.sort();
        assert_eq!(ours, kusto, "{rel}");
    }
}
