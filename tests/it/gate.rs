//! Pull-request gates and the coverage report: build --check, diff, report.

use crate::common::{copy_dir, root, tokenward, tokenward_in};

#[test]
fn check_passes_on_a_fresh_build_and_fails_on_a_hand_edit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let o = out.to_str().unwrap();
    assert_eq!(tokenward(&["build", "rules", "--out", o]).code, 0);
    let ok = tokenward(&["build", "rules", "--out", o, "--check"]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.is_empty());

    let kql = out.join("sentinel/aitm-session-replay.kql");
    let text = std::fs::read_to_string(&kql)
        .unwrap()
        .replace("let window = 1h;", "let window = 2h;");
    std::fs::write(&kql, text).unwrap();
    std::fs::remove_file(out.join("splunk/macros.conf")).unwrap();
    let bad = tokenward(&["build", "rules", "--out", o, "--check"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stdout
            .contains("-let window = 2h;\n+let window = 1h;\n"),
        "{}",
        bad.stdout
    );
    assert!(bad.stdout.contains("--- /dev/null"), "{}", bad.stdout);
    assert!(bad.stderr.contains("differs from what the rules generate"));
    // --check writes nothing.
    assert!(!out.join("splunk/macros.conf").exists());
}

#[test]
fn diff_between_two_rule_folders_names_the_changed_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("old/rules"), tmp.path().join("new/rules"));
    copy_dir(&root().join("rules"), &old);
    copy_dir(&root().join("rules"), &new);
    let rule = new.join("aitm-session-replay.yaml");
    let text = std::fs::read_to_string(&rule)
        .unwrap()
        .replace("  window: 60m", "  window: 45m");
    std::fs::write(&rule, text).unwrap();
    let run = tokenward_in(tmp.path(), &["diff", "old/rules", "new/rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("rule aitm-session-replay: changed\n  sentinel: query changed\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("+let window = 45m;"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("rule cookie-reuse-mfa-bypass: unchanged"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "shared artifacts changed: splunk/app/tokenward_detections/default/savedsearches.conf"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn diff_against_a_git_revision() {
    let inside_git = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root())
        .output()
        .is_ok_and(|o| o.status.success());
    if !inside_git {
        crate::common::skip("diff_against_a_git_revision", "not a git checkout");
        return;
    }
    let run = tokenward(&["diff", "HEAD", "rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("rule aitm-session-replay:"),
        "{}",
        run.stdout
    );
    let bad = tokenward(&["diff", "no-such-revision-xyz", "rules"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("neither a folder nor a git revision"),
        "{}",
        bad.stderr
    );
}

#[test]
fn report_writes_the_coverage_matrix() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let run = tokenward(&["report", "rules", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = std::fs::read_to_string(out.join("coverage.md")).unwrap();
    assert!(md.contains("| rule | T1539 | T1550.004 | T1557 |"), "{md}");
    assert!(md.contains("| `aitm-session-replay` | ✓ | ✓ | ✓ |"), "{md}");
    assert!(md.contains("AC-2(12)"), "{md}");
    let html = std::fs::read_to_string(out.join("coverage.html")).unwrap();
    assert!(html.starts_with("<!doctype html>") && html.contains("<th>SC-23</th>"));
    insta::assert_snapshot!("coverage_md", md);
}

#[test]
fn diff_of_folders_with_different_paths_and_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("elsewhere/my-rules");
    copy_dir(&root().join("rules"), &copy);
    let c = copy.to_str().unwrap();
    // Untouched rules read from two differently named folders are unchanged.
    let same = tokenward(&["diff", "rules", c, "--exit-code"]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(!same.stdout.contains(": changed"), "{}", same.stdout);
    assert_eq!(
        same.stdout.matches(": unchanged").count(),
        5,
        "{}",
        same.stdout
    );
    // Without --exit-code a change still exits 0; with it, 1 (like git diff --exit-code).
    let rule = copy.join("cookie-reuse-mfa-bypass.yaml");
    let text = std::fs::read_to_string(&rule)
        .unwrap()
        .replace("severity: medium", "severity: high");
    std::fs::write(&rule, text).unwrap();
    let plain = tokenward(&["diff", "rules", c]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let changed = tokenward(&["diff", "rules", c, "--exit-code"]);
    assert_eq!(changed.code, 1, "{}", changed.stderr);
    assert!(changed
        .stdout
        .contains("rule cookie-reuse-mfa-bypass: changed"));
    assert!(changed
        .stdout
        .contains("rule aitm-session-replay: unchanged"));
    // A broken side is an error (2 with --exit-code, so it is told apart from a difference).
    std::fs::write(copy.join("broken.yaml"), "id: [\n").unwrap();
    let broken = tokenward(&["diff", "rules", c, "--exit-code"]);
    assert_eq!(broken.code, 2, "{}", broken.stderr);
    assert!(broken.stderr.contains("broken.yaml:"), "{}", broken.stderr);
}
