//! CI in one line: the pre-commit hooks' commands run as pre-commit runs them, and every subcommand's
//! `--format github` output is GitHub's workflow-command syntax, escaping included
//! (docs.github.com/actions/reference/workflow-commands-for-github-actions).

use std::path::Path;

use serde_json::Value;

use crate::common::{root, tokenward_in, Run};

/// One annotation line as GitHub documents it: `::error file=F,line=L,endLine=E,col=C,endColumn=N,title=T::message`,
/// properties optional; in a property `%`, CR, LF, `:` and `,` are escaped (`%25`, `%0D`, `%0A`, `%3A`,
/// `%2C`), in the message `%`, CR and LF.
fn check_annotation(line: &str) {
    let re = regex::Regex::new(
        r"^::(error|warning|notice)(?: ((?:file|line|endLine|col|endColumn|title)=[^,:\r\n]*(?:,(?:file|line|endLine|col|endColumn|title)=[^,:\r\n]*)*))?::([^\r\n]*)$",
    )
    .unwrap();
    let caps = re
        .captures(line)
        .unwrap_or_else(|| panic!("not a workflow command: {line:?}"));
    let escaped = regex::Regex::new(r"%(?:25|0D|0A|3A|2C)").unwrap();
    let bare_percent = |s: &str| escaped.replace_all(s, "").contains('%');
    if let Some(props) = caps.get(2) {
        let mut seen = Vec::new();
        for p in props.as_str().split(',') {
            let (k, v) = p.split_once('=').unwrap();
            assert!(!seen.contains(&k), "{k} twice in {line}");
            seen.push(k);
            if matches!(k, "line" | "endLine" | "col" | "endColumn") {
                assert!(v.parse::<u32>().is_ok_and(|n| n >= 1), "{k}={v} in {line}");
            }
            assert!(!bare_percent(v), "unescaped % in {k} of {line}");
        }
        if seen.contains(&"line") || seen.contains(&"col") {
            assert!(seen.contains(&"file"), "a position without a file: {line}");
        }
    }
    let message = &caps[3];
    assert!(!message.is_empty(), "{line}");
    let msg_escaped = regex::Regex::new(r"%(?:25|0D|0A)").unwrap();
    assert!(
        !msg_escaped.replace_all(message, "").contains('%'),
        "unescaped % in the message of {line}"
    );
}

/// Every non-empty line of the run's output is an annotation; returns them.
fn annotations(run: &Run) -> Vec<String> {
    let lines: Vec<String> = run
        .stdout
        .lines()
        .chain(run.stderr.lines())
        .filter(|l| l.starts_with("::"))
        .map(str::to_string)
        .collect();
    for l in &lines {
        check_annotation(l);
    }
    lines
}

#[test]
fn the_checker_itself_can_fail() {
    for bad in [
        "::error file=a,b,line=1::m",
        "::error file=a:b::m",
        "::error line=x,file=a::m",
        "::error file=a::50% done",
        "::error title=x::",
        "error::m",
        "::error file=a,line=1::two\nlines",
    ] {
        let r = std::panic::catch_unwind(|| check_annotation(bad));
        assert!(r.is_err(), "accepted {bad:?}");
    }
    check_annotation("::warning file=rules/a%2Cb.yaml,line=3,col=1,title=E003 unknown-key::100%25 sure%0Ahelp: x");
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn every_diagnosing_subcommand_speaks_github_annotations() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path();
    assert_eq!(tokenward_in(ws, &["init", "repo"]).code, 0);
    let repo = ws.join("repo");
    // A rule with an unknown key, in a file whose name needs escaping (`,`), and a message with `%`.
    let good = std::fs::read_to_string(repo.join("rules/session-impossible-travel.yaml")).unwrap();
    write(
        &repo,
        "bad/x,y.yaml",
        &good.replace("  window: 60m", "  window: 60m\n  windw: 60m"),
    );
    write(&repo, "q.kql", "SigninLogs\n| join (AADNonInteractiveUserSignInLogs) on SessionId\n| where ResultType == 0\n");

    let build = tokenward_in(&repo, &["build", "bad", "--format", "github"]);
    assert_eq!(build.code, 1);
    let a = annotations(&build);
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(
        a[0].starts_with("::error file=bad/x%2Cy.yaml,line=19,col=3,"),
        "{}",
        a[0]
    );
    assert!(
        a[0].contains(
            ",title=E003 unknown-key::unknown key `windw`%0Ahelp: did you mean `window`?"
        ),
        "{}",
        a[0]
    );

    let lint = tokenward_in(
        &repo,
        &["lint", "q.kql", "--format", "github", "--deny-warnings"],
    );
    assert_eq!(lint.code, 1, "{}", lint.stdout);
    let a = annotations(&lint);
    assert_eq!(a.len(), 4, "{a:?}");
    assert!(
        a.iter()
            .any(|l| l.starts_with("::warning file=q.kql,line=2,col=3,")
                && l.contains("title=KQL003")),
        "{a:?}"
    );
    assert!(
        a.iter()
            .any(|l| l.starts_with("::warning file=q.kql,line=3,col=9,")
                && l.contains("title=KQL010")),
        "{a:?}"
    );

    // test: a failing case.
    let rule = repo.join("rules/mfa-from-hosting-infrastructure.yaml");
    let text = std::fs::read_to_string(&rule).unwrap();
    std::fs::write(&rule, text.replacen("expect: alert", "expect: no_alert", 1)).unwrap();
    let test = tokenward_in(&repo, &["test", "--format", "github"]);
    assert_eq!(test.code, 1);
    let a = annotations(&test);
    assert!(!a.is_empty(), "{}{}", test.stdout, test.stderr);
    assert!(
        a.iter()
            .all(|l| l.contains("file=rules/mfa-from-hosting-infrastructure.yaml")),
        "{a:?}"
    );
    std::fs::write(&rule, &text).unwrap();

    // check-fields: Log Analytics rows read as Splunk events.
    let cf = tokenward_in(
        &repo,
        &[
            "check-fields",
            "--target",
            "splunk",
            "--format",
            "github",
            "rules/tests/mfa-from-hosting-infrastructure/kit-proxy-mfa.sentinel.json",
        ],
    );
    assert_eq!(cf.code, 1);
    let a = annotations(&cf);
    assert!(
        a.iter()
            .any(|l| l
                .starts_with("::error title=check-fields missing field::splunk: field session_id")),
        "{a:?}"
    );
    assert!(
        a.iter()
            .any(|l| l.starts_with("::notice ") && l.contains("pass --target sentinel")),
        "{a:?}"
    );

    // diff and report: their rule errors.
    let diff = tokenward_in(&repo, &["diff", "rules", "bad", "--format", "github"]);
    assert_eq!(diff.code, 1);
    assert_eq!(annotations(&diff).len(), 1, "{}", diff.stderr);
    let report = tokenward_in(
        &repo,
        &["report", "bad", "--format", "github", "--out", "r"],
    );
    assert_eq!(report.code, 1);
    assert_eq!(annotations(&report).len(), 1, "{}", report.stderr);
    // new: a refused id.
    let new = tokenward_in(&repo, &["new", "rule", "Bad_Id", "--format", "github"]);
    assert_eq!(new.code, 1);
    assert_eq!(annotations(&new).len(), 1, "{}", new.stderr);
}

/// The files pre-commit would pass a hook: the repository's files its `files` pattern matches.
fn matching(repo: &Path, pattern: &str) -> Vec<String> {
    let re = regex::Regex::new(pattern).unwrap();
    let mut out: Vec<String> = crate::common::read_tree(repo)
        .into_keys()
        .filter(|p| re.is_match(p))
        .collect();
    out.sort();
    out
}

/// Runs every hook of .pre-commit-hooks.yaml in `repo` the way pre-commit does: `entry`, then the
/// matching files unless `pass_filenames: false`. Returns (hook id, run).
fn run_hooks(repo: &Path) -> Vec<(String, Run)> {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Value = serde_saphyr::from_str(&text).unwrap();
    let mut out = Vec::new();
    for h in hooks.as_array().unwrap() {
        let id = h["id"].as_str().unwrap().to_string();
        assert_eq!(h["language"], "python", "{id}: installed from the wheel");
        let entry: Vec<&str> = h["entry"].as_str().unwrap().split_whitespace().collect();
        assert_eq!(entry[0], "tokenward", "{id}");
        let mut args: Vec<String> = entry[1..].iter().map(|s| s.to_string()).collect();
        let files = matching(repo, h["files"].as_str().unwrap());
        assert!(
            !files.is_empty(),
            "{id}: the pattern matches nothing in a starter repository"
        );
        if h["pass_filenames"] != Value::Bool(false) {
            args.extend(files);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        out.push((id, tokenward_in(repo, &args)));
    }
    out
}

#[test]
fn pre_commit_hooks_run_clean_on_a_starter_repository_and_catch_mistakes() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(tokenward_in(tmp.path(), &["init", "repo"]).code, 0);
    let repo = tmp.path().join("repo");
    assert_eq!(tokenward_in(&repo, &["build"]).code, 0);
    let ids: Vec<String> = run_hooks(&repo)
        .into_iter()
        .map(|(id, run)| {
            assert_eq!(run.code, 0, "{id}: {}{}", run.stdout, run.stderr);
            id
        })
        .collect();
    assert_eq!(
        ids,
        ["tokenward-lint", "tokenward-build-check", "tokenward-test"]
    );
    // The starter's pre-commit config names exactly these hooks.
    let config: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(repo.join(".pre-commit-config.yaml")).unwrap(),
    )
    .unwrap();
    let used: Vec<&str> = config["repos"][0]["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(used, ids);

    // A rule edited without rebuilding, and a rule with a typo: each hook says no.
    let rule = repo.join("rules/session-impossible-travel.yaml");
    let text = std::fs::read_to_string(&rule).unwrap();
    std::fs::write(&rule, text.replace("  window: 60m", "  window: 45m")).unwrap();
    let runs = run_hooks(&repo);
    let by = |id: &str| &runs.iter().find(|(i, _)| i == id).unwrap().1;
    assert_eq!(by("tokenward-build-check").code, 1);
    assert!(by("tokenward-build-check")
        .stdout
        .contains("+let window = 45m;"));
    assert_eq!(by("tokenward-lint").code, 0);
    std::fs::write(&rule, text.replace("  window: 60m", "  windw: 60m")).unwrap();
    let runs = run_hooks(&repo);
    let by = |id: &str| &runs.iter().find(|(i, _)| i == id).unwrap().1;
    for id in ["tokenward-lint", "tokenward-build-check", "tokenward-test"] {
        assert_ne!(by(id).code, 0, "{id} passed a broken rule");
    }
    let lint = by("tokenward-lint");
    assert!(
        format!("{}{}", lint.stdout, lint.stderr).contains("rules/session-impossible-travel.yaml:"),
        "{}{}",
        lint.stdout,
        lint.stderr
    );
}

#[test]
fn sarif_carries_help_uri_fingerprints_and_security_severity() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("q.kql"),
        "SigninLogs\n| join (AADNonInteractiveUserSignInLogs) on SessionId\n| where ResultType == 0\n",
    )
    .unwrap();
    let run = tokenward_in(tmp.path(), &["lint", "q.kql", "--format", "sarif"]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let sarif_run = &v["runs"][0];
    let rules = sarif_run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for r in rules {
        assert!(
            r["helpUri"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://")),
            "{r}"
        );
        let sev = r["properties"]["security-severity"]
            .as_str()
            .unwrap_or_else(|| panic!("no security-severity: {r}"));
        assert!(
            sev.parse::<f64>().is_ok_and(|s| (0.0..=10.0).contains(&s)),
            "{sev}"
        );
    }
    let results = sarif_run["results"].as_array().unwrap();
    assert!(results.len() >= 2);
    for r in results {
        let fp = r["partialFingerprints"].as_object().unwrap();
        assert!(!fp.is_empty(), "{r}");
    }
}
