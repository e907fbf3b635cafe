//! docs/errors.md: every error code with an example input and the message a user sees, produced by running
//! the same inputs the tests run. `TOKENWARD_UPDATE_DOCS=1 cargo test --test it errors_doc` rewrites it.

use std::fmt::Write as _;

use crate::common::{root, tokenward, tokenward_in};

/// (code, meaning, how to reproduce: a fixture path, or a command with its input file).
/// Codes raised by profiles, output folders, events, configs and publishing are in `SCENARIOS`.
const CASES: &[(&str, &str, &[&str])] = &[
    (
        "E001",
        "a file cannot be read or a path does not exist",
        &["build", "tests/fixtures/no-such-rule.yaml"],
    ),
    (
        "E002",
        "malformed YAML or a duplicate key",
        &["fixture", "tests/fixtures/bad/unclosed_quote.yaml"],
    ),
    (
        "E003",
        "unknown key",
        &["fixture", "tests/fixtures/bad/unknown_key.yaml"],
    ),
    (
        "E004",
        "missing required key",
        &["fixture", "tests/fixtures/bad/missing_key.yaml"],
    ),
    (
        "E005",
        "wrong type",
        &["fixture", "tests/fixtures/bad/wrong_type.yaml"],
    ),
    (
        "E010",
        "bad id, empty title or description, multi-line title",
        &["fixture", "tests/fixtures/bad/severity.yaml"],
    ),
    (
        "E011",
        "duplicate rule id across files",
        &["build", "tests/fixtures/dup"],
    ),
    (
        "E012",
        "unknown severity or status",
        &["fixture", "tests/fixtures/bad/severity.yaml"],
    ),
    (
        "E013",
        "bad ATT&CK or NIST 800-53 id",
        &["fixture", "tests/fixtures/bad/attack_id.yaml"],
    ),
    (
        "E014",
        "bad duration",
        &["fixture", "tests/fixtures/bad/bad_duration.yaml"],
    ),
    (
        "E015",
        "window zero, lookback beyond 14 days, or `every` out of range",
        &["fixture", "tests/fixtures/bad/window_too_long.yaml"],
    ),
    (
        "E016",
        "rule shape",
        &["fixture", "tests/fixtures/bad/both_kinds.yaml"],
    ),
    (
        "E017",
        "signals",
        &["fixture", "tests/fixtures/bad/no_signals.yaml"],
    ),
    (
        "E020",
        "syntax error in a condition",
        &["fixture", "tests/fixtures/bad/syntax.yaml"],
    ),
    (
        "E021",
        "unknown field",
        &["fixture", "tests/fixtures/bad/unknown_field.yaml"],
    ),
    (
        "E022",
        "type mismatch",
        &["fixture", "tests/fixtures/bad/type_mismatch.yaml"],
    ),
    (
        "E023",
        "unknown list",
        &["fixture", "tests/fixtures/bad/unknown_list.yaml"],
    ),
    (
        "E024",
        "bad list",
        &["fixture", "tests/fixtures/bad/bad_list_value.yaml"],
    ),
    (
        "E026",
        "`first.`/`later.` missing, misplaced or unknown",
        &["fixture", "tests/fixtures/bad/unqualified.yaml"],
    ),
    (
        "E060",
        "malformed rule test",
        &["fixture", "tests/fixtures/bad/bad_test.yaml"],
    ),
];

/// What a scenario file holds: literal text, or a repository file with one piece of text replaced.
enum Content {
    Text(&'static str),
    /// Too long to show: described in words, made by a function.
    Generated {
        describe: &'static str,
        make: fn() -> String,
    },
    Edited {
        from: &'static str,
        replace: &'static str,
        with: &'static str,
    },
}

struct Scenario {
    code: &'static str,
    meaning: &'static str,
    /// Files written into an empty folder, which is also where the command runs.
    files: &'static [(&'static str, Content)],
    args: &'static [&'static str],
    exit: i32,
}

const MINIMAL: &str = "tests/fixtures/good/minimal.yaml";

const SCENARIOS: &[Scenario] = &[
    Scenario {
        code: "E025",
        meaning: "bad user-agent family table, or none found",
        files: &[(
            "rules/python-clients.yaml",
            Content::Text(
                "id: python-clients\ntitle: Python clients\ndescription: Sign-ins from a Python HTTP client.\n\
                 severity: low\nstatus: test\nmatch:\n  when: ua_family == \"python\"\n",
            ),
        )],
        args: &["build", "rules", "--out", "dist"],
        exit: 1,
    },
    Scenario {
        code: "E030",
        meaning: "bad target profile",
        files: &[
            (
                "profiles/sentinel.yaml",
                Content::Edited {
                    from: "profiles/sentinel.yaml",
                    replace: "T1539: [CredentialAccess]",
                    with: "T1539: [CredentialAcess]",
                },
            ),
            ("rules/minimal.yaml", Content::Edited { from: MINIMAL, replace: "", with: "" }),
        ],
        args: &["build", "rules", "--target", "sentinel", "--profiles", "profiles", "--out", "dist"],
        exit: 1,
    },
    Scenario {
        code: "E031",
        meaning: "the profile does not map a field the rule needs",
        files: &[
            (
                "profiles/sentinel.yaml",
                Content::Edited {
                    from: "profiles/sentinel.yaml",
                    replace: "  asn: { column: AutonomousSystemNumber }\n",
                    with: "",
                },
            ),
            ("rules/minimal.yaml", Content::Edited { from: MINIMAL, replace: "", with: "" }),
        ],
        args: &["build", "rules", "--target", "sentinel", "--profiles", "profiles", "--out", "dist"],
        exit: 1,
    },
    Scenario {
        code: "E040",
        meaning: "the output folder cannot be written or was not written by tokenward",
        files: &[
            ("dist/notes.txt", Content::Text("my notes\n")),
            ("rules/minimal.yaml", Content::Edited { from: MINIMAL, replace: "", with: "" }),
        ],
        args: &["build", "rules", "--out", "dist"],
        exit: 1,
    },
    Scenario {
        code: "E050",
        meaning: "an events file cannot be read or is not JSON",
        files: &[
            ("export.json", Content::Text("{ \"TimeGenerated\": \"2026-11-24T10:55:00Z\",\n")),
            ("rules/minimal.yaml", Content::Edited { from: MINIMAL, replace: "", with: "" }),
        ],
        args: &["check-fields", "--target", "sentinel", "export.json"],
        exit: 1,
    },
    Scenario {
        code: "E070",
        meaning: "bad project config (`tokenward.yaml`)",
        files: &[
            ("tokenward.yaml", Content::Text("lints:\n  KQL099: warning\n")),
            ("hunt.kql", Content::Text("SigninLogs\n| where TimeGenerated > ago(1h)\n")),
        ],
        args: &["lint", "--config", "tokenward.yaml", "hunt.kql"],
        exit: 2,
    },
    Scenario {
        code: "E080",
        meaning: "a rule's ATT&CK technique has no Sentinel tactics in the profile",
        files: &[(
            "rules/minimal.yaml",
            Content::Edited {
                from: MINIMAL,
                replace: "status: test\n",
                with: "status: test\nattack: [T1650]\n",
            },
        )],
        args: &["build", "rules", "--target", "sentinel", "--out", "dist"],
        exit: 1,
    },
    Scenario {
        code: "E081",
        meaning: "a rule's Sentinel query exceeds the 10,000-character analytic-rule limit",
        files: &[(
            "rules/long-list.yaml",
            Content::Generated {
                describe: "a `match` rule whose inline `app_id` list holds 400 application ids",
                make: long_list_rule,
            },
        )],
        args: &["build", "rules", "--target", "sentinel", "--out", "dist"],
        exit: 1,
    },
    Scenario {
        code: "E082",
        meaning: "a rule cannot be scheduled in Splunk",
        files: &[(
            "rules/minimal.yaml",
            Content::Edited {
                from: MINIMAL,
                replace: "signals:",
                with: "schedule:\n  every: 45m\nsignals:",
            },
        )],
        args: &["build", "rules", "--target", "splunk", "--out", "dist"],
        exit: 1,
    },
];

fn long_list_rule() -> String {
    let ids: Vec<String> = (0..400)
        .map(|i| format!("\"{i:08x}-0000-4000-8000-{i:012x}\""))
        .collect();
    format!(
        "id: long-list\ntitle: Long list\ndescription: Too many inline values.\nseverity: low\nstatus: test\n\
         attack: [T1539]\nlists:\n  apps:\n    kind: app_id\n    values: [{}]\nmatch:\n  when: app_id in apps\n",
        ids.join(", ")
    )
}

fn content(c: &Content) -> String {
    match c {
        Content::Text(t) => (*t).to_string(),
        Content::Generated { make, .. } => make(),
        Content::Edited {
            from,
            replace,
            with,
        } => {
            let text = std::fs::read_to_string(root().join(from)).unwrap();
            assert!(text.contains(replace), "{from} lacks {replace:?}");
            text.replacen(replace, with, 1)
        }
    }
}

/// Runs a scenario in a fresh folder; returns the Markdown for it.
fn scenario(s: &Scenario) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let mut doc = format!("\n## {}: {}\n\n", s.code, s.meaning);
    for (path, c) in s.files {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content(c)).unwrap();
        let _ = match c {
            Content::Text(t) => write!(doc, "`{path}`:\n\n{}\n", fence(lang_of(path), t)),
            Content::Generated { describe, .. } => write!(doc, "`{path}`: {describe}.\n\n"),
            Content::Edited {
                from, replace: "", ..
            } => {
                write!(doc, "`{path}`: a copy of `{from}`.\n\n")
            }
            Content::Edited {
                from,
                replace,
                with: "",
            } => write!(
                doc,
                "`{path}`: `{from}` without the line `{}`.\n\n",
                replace.trim()
            ),
            Content::Edited {
                from,
                replace,
                with,
            } => write!(
                doc,
                "`{path}`: `{from}` with `{}` changed to `{}`.\n\n",
                replace.trim_end().replace('\n', "⏎"),
                with.trim_end().replace('\n', "⏎")
            ),
        };
    }
    let run = tokenward_in(tmp.path(), s.args);
    assert_eq!(run.code, s.exit, "{}: {}", s.code, run.stderr);
    let _ = write!(doc, "`tokenward {}`\n\n", s.args.join(" "));
    let _ = write!(
        doc,
        "prints:\n\n{}",
        fence("text", &shown(&run.stderr, s.code))
    );
    doc
}

fn lang_of(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("yaml") => "yaml",
        Some("json") => "json",
        Some("kql") => "kql",
        _ => "text",
    }
}

/// Only this code's diagnostics, as printed.
fn shown(stderr: &str, code: &str) -> String {
    assert!(
        stderr.contains(&format!("error[{code}]")),
        "{code} not produced: {stderr}"
    );
    stderr
        .split("\n\n")
        .filter(|block| block.contains(&format!("error[{code}]")))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn fence(lang: &str, text: &str) -> String {
    format!("```{lang}\n{}\n```\n", text.trim_end())
}

#[test]
fn docs_errors_md_is_generated_from_the_error_fixtures() {
    let mut doc = String::from(
        "# Error catalogue\n\nEvery error code of tokenward with an example input and the message it prints.\n\
         Generated by tests/errors_doc.rs, which runs each example (a fixture, or files written into an empty\n\
         folder and a command run there) and checks the code appears; the short list is in docs/rule-format.md.\n",
    );
    let mut sections: Vec<(&str, String)> = Vec::new();
    for (code, meaning, how) in CASES {
        let (args, input): (Vec<&str>, Option<&str>) = match how {
            ["fixture", path] => (vec!["build", path, "--out", "/nonexistent/out"], Some(path)),
            other => {
                let mut a = other.to_vec();
                a.extend(["--out", "/nonexistent/out"]);
                (a, None)
            }
        };
        let run = tokenward(&args);
        assert_eq!(run.code, 1, "{code}: {}", run.stderr);
        let mut section = format!("\n## {code}: {meaning}\n\n");
        let _ = match input {
            Some(path) => {
                let text = std::fs::read_to_string(root().join(path)).unwrap();
                write!(section, "`{path}`:\n\n{}\n", fence("yaml", &text))
            }
            None => write!(
                section,
                "`tokenward {}`\n\n",
                args[..args.len() - 2].join(" ")
            ),
        };
        let _ = write!(
            section,
            "prints:\n\n{}",
            fence("text", &shown(&run.stderr, code))
        );
        sections.push((code, section));
    }
    for s in SCENARIOS {
        sections.push((s.code, scenario(s)));
    }
    sections.sort_by_key(|(code, _)| *code);
    for (_, section) in sections {
        doc.push_str(&section);
    }
    let path = root().join("docs/errors.md");
    if std::env::var_os("TOKENWARD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == doc,
        "docs/errors.md is stale: run TOKENWARD_UPDATE_DOCS=1 cargo test --test it errors_doc"
    );
}
