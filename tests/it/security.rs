//! Hostile inputs (issue 15; docs/security.md): each class an untrusted pull request can bring, and
//! what tokenward must do with it. One test per numbered item.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::common::{copy_dir, root, tokenward, tokenward_in};

const BIN: &str = env!("CARGO_BIN_EXE_tokenward");

fn rule(id: &str, body: &str) -> String {
    format!("id: {id}\ntitle: t\ndescription: d\nseverity: low\nstatus: test\n{body}")
}

fn no_panic(run: &crate::common::Run) {
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("overflow"),
        "{}",
        run.stderr
    );
    assert!(
        run.code == 0 || run.code == 1 || run.code == 2,
        "exit {}: {}",
        run.code,
        run.stderr
    );
}

/// 1. A revision that looks like an option never reaches git as one.
#[test]
fn a_revision_starting_with_a_dash_is_refused_and_touches_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("clobbered");
    std::fs::write(&target, "keep me").unwrap();
    let arg = format!("--output={}", target.display());
    let run = tokenward(&["diff", "--", &arg, "HEAD"]);
    no_panic(&run);
    assert_ne!(run.code, 0);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    let created = tmp.path().join("created");
    let arg = format!("--output={}", created.display());
    let _ = tokenward(&["diff", "--", &arg, "HEAD"]);
    assert!(!created.exists());
}

/// 2. A rule that is a link out of the folder (here to the process environment) is refused, and no
///    byte of its target is printed.
#[cfg(unix)]
#[test]
fn a_rule_linked_to_the_environment_is_refused_without_echoing_it() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", rules.join("evil.yaml")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", rules.join("lists.yaml")).unwrap();
    let out = Command::new(BIN)
        .args(["build", "rules", "--out", "dist"])
        .current_dir(tmp.path())
        .env("TOKENWARD_TEST_SECRET", "hunter2-do-not-print")
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("points outside the folder given"), "{all}");
    assert!(!all.contains("hunter2"), "{all}");
    assert!(!all.contains("root:"), "{all}");
    assert!(!tmp.path().join("dist").exists());
}

/// 2. Snippets show one line, capped, with control and bidirectional characters escaped.
#[test]
fn error_snippets_show_one_capped_line_with_hidden_characters_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "x".repeat(5_000);
    let text = rule(
        "snip",
        &format!("match:\n  when: app_name == \"a\u{202e}b{long}\" and\nsecret: line-after\n"),
    );
    let p = tmp.path().join("snip.yaml");
    std::fs::write(&p, text).unwrap();
    let run = tokenward(&[
        "build",
        p.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(!run.stderr.contains('\u{202e}'), "{}", run.stderr);
    assert!(
        !run.stderr.contains("line-after") || run.stderr.contains("secret"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.lines().all(|l| l.chars().count() < 400),
        "a line of the snippet is not capped"
    );
}

/// 3. Links a user put in the output folder are carried over as links, never replaced by copies of
///    their targets; a link loop there does not break the build.
#[cfg(unix)]
#[test]
fn links_in_the_output_folder_stay_links() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let first = tokenward(&["build", "rules", "--out", out.to_str().unwrap()]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let outside = tmp.path().join("outside.txt");
    std::fs::write(&outside, "mine").unwrap();
    std::os::unix::fs::symlink(&outside, out.join("notes.txt")).unwrap();
    std::os::unix::fs::symlink("loop-b", out.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", out.join("loop-b")).unwrap();
    let again = tokenward(&["build", "rules", "--out", out.to_str().unwrap()]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let meta = std::fs::symlink_metadata(out.join("notes.txt")).unwrap();
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "mine");
    assert!(std::fs::symlink_metadata(out.join("loop-a"))
        .unwrap()
        .file_type()
        .is_symlink());
}

/// 4. A backtick (macro expansion), CR or NUL in a value is refused where it is written.
#[test]
fn values_splunk_would_read_as_syntax_are_refused_with_their_place() {
    let tmp = tempfile::tempdir().unwrap();
    for (value, what) in [
        ("\"a`macro`b\"", "backtick"),
        ("\"a\\rb\"", "carriage return"),
        ("\"a\\u0000b\"", "NUL"),
    ] {
        let p = tmp.path().join("v.yaml");
        std::fs::write(
            &p,
            rule("v", &format!("lists:\n  l:\n    kind: string\n    values: [{value}]\nmatch:\n  when: app_name in l\n")),
        )
        .unwrap();
        let run = tokenward(&[
            "build",
            p.to_str().unwrap(),
            "--out",
            tmp.path().join("o").to_str().unwrap(),
        ]);
        assert_eq!(run.code, 1, "{value}: {}", run.stderr);
        assert!(
            run.stderr.contains("E024") && run.stderr.contains(what),
            "{value}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("v.yaml:9:"), "{value}: {}", run.stderr);
    }
}

/// 5. A flat chain ten times the cap is an error in build, test and lint, never a stack overflow.
#[test]
fn a_chain_of_thousands_of_terms_is_an_error_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let terms: Vec<String> = (0..10 * tokenward::expr::MAX_TERMS)
        .map(|i| format!("app_id == \"{i}\""))
        .collect();
    let p = tmp.path().join("chain.yaml");
    std::fs::write(
        &p,
        rule(
            "chain",
            &format!("match:\n  when: {}\n", terms.join(" or ")),
        ),
    )
    .unwrap();
    for args in [
        vec!["build", p.to_str().unwrap(), "--out", "/nonexistent-out"],
        vec!["test", p.to_str().unwrap()],
        vec!["lint", p.to_str().unwrap()],
    ] {
        let run = tokenward(&args);
        no_panic(&run);
        assert_ne!(run.code, 0, "{args:?}");
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains("at most 512 terms"), "{args:?}: {all}");
    }
}

/// 6. Durations that would wrap when the lookback adds them up are refused where they are written.
#[test]
fn durations_that_would_wrap_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("wrap.yaml");
    std::fs::write(
        &p,
        rule(
            "wrap",
            "correlation:\n  window: 18446744073709551615s\n  issuance: { when: is_interactive }\n  later: { when: not is_interactive }\nsignals: { asn: true, min_score: 1 }\n",
        ),
    )
    .unwrap();
    let run = tokenward(&[
        "build",
        p.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    no_panic(&run);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("E014") && run.stderr.contains("wrap.yaml:7:"),
        "{}",
        run.stderr
    );
}

/// 7. Link loops in a built or linted folder end, and each file is read once.
#[cfg(unix)]
#[test]
fn link_loops_end_and_files_are_read_once() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), &tmp.path().join("rules"));
    std::os::unix::fs::symlink(".", tmp.path().join("rules/again")).unwrap();
    std::fs::create_dir(tmp.path().join("q")).unwrap();
    std::fs::write(
        tmp.path().join("q/a.kql"),
        "SigninLogs | join (AADNonInteractiveUserSignInLogs) on SessionId\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("..", tmp.path().join("q/up")).unwrap();
    let build = tokenward_in(tmp.path(), &["build", "rules", "--out", "dist"]);
    no_panic(&build);
    assert!(
        build.stderr.contains("loop") || build.code == 0,
        "{}",
        build.stderr
    );
    let lint = tokenward_in(tmp.path(), &["lint", "q", "--format", "json"]);
    no_panic(&lint);
    let v: serde_json::Value =
        serde_json::from_str(&lint.stdout).unwrap_or(serde_json::Value::Null);
    if let Some(diags) = v["diagnostics"].as_array() {
        let kql003 = diags.iter().filter(|d| d["code"] == "KQL003").count();
        assert!(kql003 <= 1, "the same file was linted {kql003} times");
    }
}

/// 8. A lock file left by a build that was killed does not hold the next one.
#[test]
fn a_lock_left_by_a_killed_build_does_not_block_the_next() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    std::fs::write(tmp.path().join(".dist.tokenward-lock"), "12345\n").unwrap();
    let mut child = Command::new(BIN)
        .args(["build", "rules", "--out", out.to_str().unwrap()])
        .current_dir(root())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A hang guard, not a speed target: a build takes a second; a stale-lock wait took 120 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the build waits on a dead lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// 9. A reader that goes away ends the process quietly (like other Unix tools), never a panic.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = Command::new(BIN)
        .args(["test", "--format", "json"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut one = [0u8; 1];
    child.stdout.as_mut().unwrap().read_exact(&mut one).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    use std::os::unix::process::ExitStatusExt;
    assert!(
        out.status.success() || out.status.signal() == Some(13),
        "{:?}: {err}",
        out.status
    );
}

/// 10. Thousands of findings print a bounded report.
#[test]
fn thousands_of_findings_print_a_bounded_report() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("many.spl");
    let cmds: Vec<String> = (0..3_000).map(|i| format!("| transaction f{i}")).collect();
    std::fs::write(&p, format!("`tokenward_entra_signin` {}\n", cmds.join(" "))).unwrap();
    let run = tokenward(&["lint", p.to_str().unwrap()]);
    no_panic(&run);
    assert!(run.stdout.len() < 64 * 1024, "{} bytes", run.stdout.len());
    assert!(
        run.stdout
            .contains("more finding(s) in this file not shown"),
        "{}",
        run.stdout
    );
}

/// 11. An output folder inside a rule folder is refused: the next build would read it as rules.
#[test]
fn an_output_folder_inside_the_rules_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), &tmp.path().join("rules"));
    let run = tokenward_in(tmp.path(), &["build", "rules", "--out", "rules/out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("inside the rule folder"),
        "{}",
        run.stderr
    );
    assert!(!tmp.path().join("rules/out").exists());
}

/// 12. Lint says what it cannot lint; a folder's unrelated YAML is not a rule.
#[test]
fn lint_refuses_unknown_inputs_and_skips_yaml_that_is_not_a_rule() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("x.txt"), "hello").unwrap();
    let run = tokenward(&["lint", tmp.path().join("x.txt").to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("not a file tokenward lints"),
        "{}",
        run.stderr
    );
    std::fs::write(tmp.path().join("Q.KQL"), "SigninLogs | take 1\n").unwrap();
    let upper = tokenward(&[
        "lint",
        tmp.path().join("Q.KQL").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        upper.stdout.contains("KQL006") || upper.code == 0,
        "{}",
        upper.stdout
    );
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let run = tokenward(&["lint", empty.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nothing to lint"), "{}", run.stderr);
    let compose = tmp.path().join("compose");
    std::fs::create_dir(&compose).unwrap();
    std::fs::write(
        compose.join("docker-compose.yaml"),
        "version: \"3\"\nservices: {}\n",
    )
    .unwrap();
    std::fs::write(
        compose.join("q.kql"),
        "SigninLogs | where TimeGenerated > ago(1h)\n",
    )
    .unwrap();
    let run = tokenward(&["lint", compose.to_str().unwrap()]);
    assert!(!run.stdout.contains("E003"), "{}", run.stdout);
}

/// 13. Lists beside a rule are found when the rule is named `./rule.yaml` from its own folder.
#[test]
fn lists_are_found_for_a_rule_named_from_its_own_folder() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules/lists"), &tmp.path().join("lists"));
    // Its test cases' events, which are named relative to the rule file too.
    copy_dir(
        &root().join("rules/tests/cookie-reuse-mfa-bypass"),
        &tmp.path().join("tests/cookie-reuse-mfa-bypass"),
    );
    std::fs::copy(
        root().join("rules/cookie-reuse-mfa-bypass.yaml"),
        tmp.path().join("base.yaml"),
    )
    .unwrap();
    let run = tokenward_in(tmp.path(), &["build", "./base.yaml", "--out", "dist"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// 14. Events files are streamed: errors name the line, a BOM is fine, a non-object is named; memory
///     stays flat as the file grows (peak RSS of the child, from the kernel).
#[test]
fn events_files_are_streamed_and_their_errors_located() {
    let tmp = tempfile::tempdir().unwrap();
    let good = r#"{"category":"SignInLogs","time":"2026-11-03T09:00:00Z","properties":{"sessionId":"s","createdDateTime":"2026-11-03T09:00:00Z"}}"#;
    let p = tmp.path().join("e.splunk.json");
    std::fs::write(&p, format!("\u{feff}{good}\n{good}\n{{\"broken\": \n")).unwrap();
    let run = tokenward(&["check-fields", "--target", "splunk", p.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("line 3"), "{}", run.stderr);
    std::fs::write(&p, format!("{good}\n[1, 2]\n")).unwrap();
    let run = tokenward(&["check-fields", "--target", "splunk", p.to_str().unwrap()]);
    assert!(
        run.stderr.contains("event 2 (line 2) is not a JSON object"),
        "{}",
        run.stderr
    );
    std::fs::write(&p, format!("\u{feff}[{good}, {good}]")).unwrap();
    let run = tokenward(&[
        "check-fields",
        "--target",
        "splunk",
        "--format",
        "json",
        p.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["events"], 2);
}

/// 14. Memory stays flat as the file grows: 100 MB of JSON lines (the old reader held the text and
///     every parsed event: over a gigabyte) are checked under a 300 MB address-space limit.
#[cfg(target_os = "linux")]
#[test]
fn check_fields_runs_a_hundred_megabytes_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let row = r#"{"category":"NonInteractiveUserSignInLogs","time":"2026-11-03T09:00:00Z","properties":{"sessionId":"0b7c6a52-5c1e-4f1e-9b43-2d6a8f1c9e01","userPrincipalName":"adele.vance@contoso.com","ipAddress":"73.162.41.18","autonomousSystemNumber":7922,"createdDateTime":"2026-11-03T09:00:00Z","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0","authenticationDetails":[{"authenticationMethod":"Previously satisfied","authenticationStepResultDetail":"MFA requirement satisfied by claim in the token"}]}}"#;
    let p = tmp.path().join("big.splunk.json");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        let lines = 100 * 1024 * 1024 / (row.len() + 1);
        for _ in 0..lines {
            writeln!(f, "{row}").unwrap();
        }
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 307200 && exec {BIN} check-fields --target splunk --format json {}",
            p.display()
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("memory allocation") && !err.contains("panicked"),
        "{err}"
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert!(v["events"].as_u64().unwrap() > 150_000, "{v}");
}

/// 15. Messages say what the user wrote wrong, never a library's internals.
#[test]
fn yaml_mistakes_get_messages_about_the_yaml() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        (
            "lists:\n  a:\n    kind: asn\n    values: [01]\nmatch:\n  when: asn in a\n",
            "leading zero",
            "values: [01]",
        ),
        (
            "lists:\n  a:\n    kind: asn\n    values: [1.5]\nmatch:\n  when: asn in a\n",
            "decimal number",
            "1.5",
        ),
        (
            "severity: high\nmatch:\n  when: is_interactive\n",
            "duplicate key `severity`",
            "severity: high",
        ),
        (
            "match:\n  when: is_interactive\n---\nid: second\n",
            "several YAML documents",
            "---",
        ),
        (
            "match:\n\twhen: is_interactive\n",
            "tabs are not allowed for indentation",
            "when",
        ),
    ];
    for (body, says, _) in cases {
        let p = tmp.path().join("m.yaml");
        std::fs::write(&p, rule("m", body)).unwrap();
        let run = tokenward(&[
            "build",
            p.to_str().unwrap(),
            "--out",
            tmp.path().join("o").to_str().unwrap(),
        ]);
        assert_eq!(run.code, 1, "{body}");
        assert!(run.stderr.contains(says), "{body}: {}", run.stderr);
        for internal in [
            "untagged enum",
            "DuplicateKeyPolicy",
            "from_str_multiple",
            "Options",
        ] {
            assert!(!run.stderr.contains(internal), "{body}: {}", run.stderr);
        }
    }
}

/// 16. Invisible characters in ids are shown escaped; a long id says it is too long.
#[test]
fn ids_with_hidden_characters_or_too_long_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("i.yaml");
    std::fs::write(
        &p,
        rule("\"ab\\u202ecd\\u200b\"", "match:\n  when: is_interactive\n"),
    )
    .unwrap();
    let run = tokenward(&[
        "build",
        p.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert!(
        run.stderr.contains("\\u{202e}") && !run.stderr.contains('\u{202e}'),
        "{}",
        run.stderr
    );
    std::fs::write(
        &p,
        rule(&"a".repeat(65), "match:\n  when: is_interactive\n"),
    )
    .unwrap();
    let run = tokenward(&[
        "build",
        p.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert!(
        run.stderr.contains("65 characters long, over 64"),
        "{}",
        run.stderr
    );
}

/// 17. A suppression that can never be false, or that every later event meets, warns; an unused
///     local list is still checked; a query over the limit points at the rule line behind it.
#[test]
fn pointless_suppressions_warn_unused_lists_are_checked_long_queries_are_located() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("s.yaml");
    std::fs::write(
        &p,
        rule(
            "s",
            "correlation:\n  window: 30m\n  issuance: { when: is_interactive }\n  later: { when: not is_interactive }\nsignals: { asn: true, min_score: 1 }\nsuppressions:\n  - name: everything\n    when: later.asn in [1] or not later.asn in [1]\n  - name: refreshes\n    when: not later.is_interactive\n",
        ),
    )
    .unwrap();
    let run = tokenward(&[
        "build",
        p.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("W001") && run.stderr.contains("s.yaml:13:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("W002") && run.stderr.contains("s.yaml:15:"),
        "{}",
        run.stderr
    );
    std::fs::write(&p, rule("u", "lists:\n  unused:\n    kind: asn\n    values: [\"AS1\"]\nmatch:\n  when: is_interactive\n")).unwrap();
    let run = tokenward(&[
        "build",
        p.to_str().unwrap(),
        "--out",
        tmp.path().join("o2").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("E024") && run.stderr.contains("s.yaml:9:"),
        "{}",
        run.stderr
    );
    let ids: Vec<String> = (0..400)
        .map(|i| format!("\"{i:08x}-0000-4000-8000-000000000000\""))
        .collect();
    std::fs::write(
        &p,
        rule(
            "long",
            &format!("match:\n  when: app_id in [{}]\n", ids.join(", ")),
        ),
    )
    .unwrap();
    let run = tokenward(&[
        "build",
        p.to_str().unwrap(),
        "--target",
        "sentinel",
        "--out",
        tmp.path().join("o3").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("E081") && run.stderr.contains("s.yaml:7:"),
        "{}",
        run.stderr
    );
}

/// 18. A config or profile with several mistakes reports each, at its own place.
#[test]
fn configs_and_profiles_report_every_problem() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("tokenward.yaml"),
        "lints:\n  KQL999: error\n  KQL003: loud\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("q.kql"), "SigninLogs | take 1\n").unwrap();
    let run = tokenward_in(tmp.path(), &["lint", "q.kql"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("tokenward.yaml:2:") && run.stderr.contains("tokenward.yaml:3:"),
        "{}",
        run.stderr
    );
    let profiles = tmp.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    let sentinel = std::fs::read_to_string(root().join("profiles/sentinel.yaml"))
        .unwrap()
        .replace(
            "  session_id: { column: SessionId }",
            "  session_idd: { column: SessionId }",
        )
        .replace(
            "  user: { column: UserPrincipalName }",
            "  user: { column: \"User Name\" }",
        );
    std::fs::write(profiles.join("sentinel.yaml"), sentinel).unwrap();
    let run = tokenward(&[
        "build",
        "rules",
        "--profiles",
        profiles.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("session_idd") && run.stderr.contains("`user`"),
        "{}",
        run.stderr
    );
}
