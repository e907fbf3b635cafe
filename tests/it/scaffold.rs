//! `tokenward init` and `tokenward new rule`: what they write builds, tests and lints as written, and
//! they never overwrite a file.

use crate::common::{read_tree, root, tokenward_in};

#[test]
fn init_writes_a_starter_repository_that_builds_and_tests_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tokenward_in(tmp.path(), &["init", "starter"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let repo = tmp.path().join("starter");
    let files = read_tree(&repo);
    for want in [
        "tokenward.yaml",
        "rules/aitm-session-replay.yaml",
        "rules/lists/hosting_asns.yaml",
        "rules/tests/aitm-session-replay/expected.yaml",
        "profiles/sentinel.yaml",
        "profiles/splunk.yaml",
        "schemas/json/rule.json",
        "schemas/json/config.json",
        ".github/workflows/tokenward.yml",
        ".pre-commit-config.yaml",
        ".gitignore",
    ] {
        assert!(
            files.contains_key(want),
            "{want} not written: {:?}",
            files.keys()
        );
    }
    assert!(!files.contains_key("rules/tests/generate.py"));
    // The rules are the bundled ones, byte for byte, and their modelines resolve in the new repository.
    for (rel, text) in &files {
        if let Some(bundled) = rel.strip_prefix("rules/") {
            let orig = std::fs::read_to_string(root().join("rules").join(bundled)).unwrap();
            assert_eq!(text, &orig, "{rel}");
        }
        if let Some(target) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# yaml-language-server: $schema="))
        {
            let at = repo.join(rel).parent().unwrap().join(target);
            assert!(at.is_file(), "{rel}: {target} does not resolve");
        }
    }

    // The README's commands, run there with no argument.
    let build = tokenward_in(&repo, &["build"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    let check = tokenward_in(&repo, &["build", "--check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let test = tokenward_in(&repo, &["test"]);
    assert_eq!(test.code, 0, "{}{}", test.stdout, test.stderr);
    assert!(test.stdout.contains(" 0 failed"), "{}", test.stdout);
    let lint = tokenward_in(&repo, &["lint", "dist", "--deny-warnings"]);
    assert_eq!(lint.code, 0, "{}{}", lint.stdout, lint.stderr);
    // The generated queries are the repository's own.
    let ours = read_tree(&root().join("dist/sentinel"));
    let theirs = read_tree(&repo.join("dist/sentinel"));
    assert!(ours.contains_key("aitm-session-replay.kql"));
    assert!(
        ours.get("aitm-session-replay.kql") == theirs.get("aitm-session-replay.kql"),
        "the starter's aitm-session-replay.kql differs from the committed dist/ (run `cargo run -- build`)"
    );

    // A second init into the same folder refuses, names the folder, and changes nothing.
    let again = tokenward_in(tmp.path(), &["init", "starter"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("starter"), "{}", again.stderr);
    // With --force into a folder that has some of the files: still never overwrites one.
    std::fs::write(repo.join("tokenward.yaml"), "lints: {}\n").unwrap();
    let forced = tokenward_in(tmp.path(), &["init", "starter", "--force"]);
    assert_eq!(forced.code, 1, "{}", forced.stderr);
    assert!(forced.stderr.contains("error[E040]"), "{}", forced.stderr);
    assert_eq!(
        std::fs::read_to_string(repo.join("tokenward.yaml")).unwrap(),
        "lints: {}\n"
    );
}

#[test]
fn new_rule_writes_a_skeleton_that_builds_and_tests_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    let run = tokenward_in(tmp.path(), &["new", "rule", "token-theft-from-vps"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = read_tree(&rules);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "tests/token-theft-from-vps/listed-network.sentinel.json",
            "tests/token-theft-from-vps/listed-network.splunk.json",
            "tests/token-theft-from-vps/other-network.sentinel.json",
            "tests/token-theft-from-vps/other-network.splunk.json",
            "token-theft-from-vps.yaml",
        ]
    );
    let rule = &files["token-theft-from-vps.yaml"];
    assert!(
        rule.starts_with("# yaml-language-server: $schema=../schemas/json/rule.json\n"),
        "{rule}"
    );
    assert!(rule.contains("expect: alert") && rule.contains("expect: no_alert"));

    let build = tokenward_in(
        tmp.path(),
        &["build", "rules", "--out", "dist", "--format", "json"],
    );
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert!(tmp
        .path()
        .join("dist/sentinel/token-theft-from-vps.kql")
        .is_file());
    let test = tokenward_in(tmp.path(), &["test", "rules"]);
    assert_eq!(test.code, 0, "{}{}", test.stdout, test.stderr);
    // Both cases ran on both shapes.
    assert!(
        test.stdout.contains("4 passed, 0 failed"),
        "{}",
        test.stdout
    );
    // The tests can fail: the alert case's events no longer in the list.
    let rule_path = rules.join("token-theft-from-vps.yaml");
    std::fs::write(
        &rule_path,
        rule.replace("values: [64496]", "values: [64499]"),
    )
    .unwrap();
    let failing = tokenward_in(tmp.path(), &["test", "rules"]);
    assert_eq!(failing.code, 1, "{}", failing.stdout);
    assert!(
        failing.stdout.contains("2 passed, 2 failed"),
        "{}",
        failing.stdout
    );
    std::fs::write(&rule_path, rule).unwrap();

    // And the gate in tokenward.yaml is satisfied: one alert and one no_alert case.
    std::fs::write(
        tmp.path().join("tokenward.yaml"),
        "gates:\n  tests:\n    require_alert_and_no_alert: true\n",
    )
    .unwrap();
    let gated = tokenward_in(tmp.path(), &["test", "rules"]);
    assert_eq!(gated.code, 0, "{}{}", gated.stdout, gated.stderr);

    // The same id again: refused, the rule left as it was.
    let again = tokenward_in(tmp.path(), &["new", "rule", "token-theft-from-vps"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("error[E040]"), "{}", again.stderr);
    assert_eq!(&std::fs::read_to_string(&rule_path).unwrap(), rule);
    // Not an id: refused before anything is written.
    let bad = tokenward_in(tmp.path(), &["new", "rule", "../Escape"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("error[E010]"), "{}", bad.stderr);
    assert!(!tmp.path().join("Escape.yaml").exists());
}
