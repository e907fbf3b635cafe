//! docs/errors.md: every error code with an example input and the message a user sees, produced by running
//! the same inputs the tests run. `TOKENWARD_UPDATE_DOCS=1 cargo test --test it errors_doc` rewrites it.

use std::fmt::Write as _;

use crate::common::{root, tokenward, tokenward_in};

/// (code, how to reproduce: a fixture path, or a command with its input file). The words come from
/// the code registry (src/codes.rs).
/// Codes raised by profiles, output folders, events, configs and publishing are in `SCENARIOS`.
const CASES: &[(&str, &[&str])] = &[
    ("E001", &["build", "tests/fixtures/no-such-rule.yaml"]),
    (
        "E002",
        &["fixture", "tests/fixtures/bad/unclosed_quote.yaml"],
    ),
    ("E003", &["fixture", "tests/fixtures/bad/unknown_key.yaml"]),
    ("E004", &["fixture", "tests/fixtures/bad/missing_key.yaml"]),
    ("E005", &["fixture", "tests/fixtures/bad/wrong_type.yaml"]),
    ("E010", &["fixture", "tests/fixtures/bad/severity.yaml"]),
    ("E011", &["build", "tests/fixtures/dup"]),
    ("E012", &["fixture", "tests/fixtures/bad/severity.yaml"]),
    ("E013", &["fixture", "tests/fixtures/bad/attack_id.yaml"]),
    ("E014", &["fixture", "tests/fixtures/bad/bad_duration.yaml"]),
    (
        "E015",
        &["fixture", "tests/fixtures/bad/window_too_long.yaml"],
    ),
    ("E016", &["fixture", "tests/fixtures/bad/both_kinds.yaml"]),
    ("E017", &["fixture", "tests/fixtures/bad/no_signals.yaml"]),
    ("E020", &["fixture", "tests/fixtures/bad/syntax.yaml"]),
    (
        "E021",
        &["fixture", "tests/fixtures/bad/unknown_field.yaml"],
    ),
    (
        "E022",
        &["fixture", "tests/fixtures/bad/type_mismatch.yaml"],
    ),
    ("E023", &["fixture", "tests/fixtures/bad/unknown_list.yaml"]),
    (
        "E024",
        &["fixture", "tests/fixtures/bad/bad_list_value.yaml"],
    ),
    ("E026", &["fixture", "tests/fixtures/bad/unqualified.yaml"]),
    ("E060", &["fixture", "tests/fixtures/bad/bad_test.yaml"]),
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
    /// Files written into an empty folder, which is also where the command runs.
    files: &'static [(&'static str, Content)],
    args: &'static [&'static str],
    exit: i32,
}

const MINIMAL: &str = "tests/fixtures/good/minimal.yaml";

const SCENARIOS: &[Scenario] = &[
    Scenario {
        code: "E025",
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
        files: &[
            ("dist/notes.txt", Content::Text("my notes\n")),
            ("rules/minimal.yaml", Content::Edited { from: MINIMAL, replace: "", with: "" }),
        ],
        args: &["build", "rules", "--out", "dist"],
        exit: 1,
    },
    Scenario {
        code: "E050",
        files: &[
            ("export.json", Content::Text("{ \"TimeGenerated\": \"2026-11-24T10:55:00Z\",\n")),
            ("rules/minimal.yaml", Content::Edited { from: MINIMAL, replace: "", with: "" }),
        ],
        args: &["check-fields", "--target", "sentinel", "export.json"],
        exit: 1,
    },
    Scenario {
        code: "E051",
        files: &[
            ("export.json", Content::Text("[]\n")),
            ("rules/minimal.yaml", Content::Edited { from: MINIMAL, replace: "", with: "" }),
        ],
        args: &["explain", "minimal-replay", "export.json"],
        exit: 2,
    },
    Scenario {
        code: "E061",
        files: &[
            (
                "tokenward.yaml",
                Content::Text("gates:\n  tests:\n    require_alert_and_no_alert: true\n"),
            ),
            (
                "rules/minimal.yaml",
                Content::Edited {
                    from: MINIMAL,
                    replace: "status: test\n",
                    with: "status: stable\n",
                },
            ),
        ],
        args: &["test", "rules"],
        exit: 1,
    },
    Scenario {
        code: "E062",
        files: &[(
            "rules/minimal.yaml",
            Content::Edited {
                from: MINIMAL,
                replace: "status: test\n",
                with: "status: test\nattack: [T1550.004]\n",
            },
        )],
        args: &["report", "rules", "--require", "T1550.004", "--out", "report"],
        exit: 1,
    },
    Scenario {
        code: "E070",
        files: &[
            ("tokenward.yaml", Content::Text("lints:\n  KQL099: warning\n")),
            ("hunt.kql", Content::Text("SigninLogs\n| where TimeGenerated > ago(1h)\n")),
        ],
        args: &["lint", "--config", "tokenward.yaml", "hunt.kql"],
        exit: 2,
    },
    Scenario {
        code: "E080",
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
        files: &[(
            "rules/long-list.yaml",
            Content::Generated {
                describe: "a `match` rule whose condition holds 400 application ids inline (a named list would move to a watchlist)",
                make: long_list_rule,
            },
        )],
        args: &["build", "rules", "--target", "sentinel", "--out", "dist"],
        exit: 1,
    },
    Scenario {
        code: "W001",
        files: &[(
            "rules/minimal.yaml",
            Content::Edited {
                from: MINIMAL,
                replace: "signals:",
                with: "suppressions:\n  - name: everything\n    when: later.asn in [1] or not later.asn in [1]\nsignals:",
            },
        )],
        args: &["build", "rules", "--target", "sentinel", "--out", "dist"],
        exit: 0,
    },
    Scenario {
        code: "W002",
        files: &[(
            "rules/minimal.yaml",
            Content::Edited {
                from: MINIMAL,
                replace: "signals:",
                with: "suppressions:\n  - name: refreshes\n    when: not later.is_interactive\nsignals:",
            },
        )],
        args: &["build", "rules", "--target", "sentinel", "--out", "dist"],
        exit: 0,
    },
    Scenario {
        code: "E082",
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
         attack: [T1539]\nmatch:\n  when: app_id in [{}]\n",
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
    let mut doc = heading(s.code);
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

/// A code's heading and its words from the registry; the heading's anchor is the code's `help_uri`.
fn heading(code: &str) -> String {
    let e = tokenward::codes::find(code).unwrap_or_else(|| panic!("{code} is not in the registry"));
    format!(
        "\n## {} {}\n\n{}.\n\n{}\n\nFix: {}\n\n",
        e.code, e.name, e.summary, e.explanation, e.fix
    )
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
    let tag = if code.starts_with('W') {
        format!("warning[{code}]")
    } else {
        format!("error[{code}]")
    };
    assert!(stderr.contains(&tag), "{code} not produced: {stderr}");
    stderr
        .split("\n\n")
        .filter(|block| block.contains(&tag))
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
    for (code, how) in CASES {
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
        let mut section = heading(code);
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
    // Every compiler code has its example (E090 is a bug report, with nothing to reproduce).
    for e in tokenward::codes::COMPILER {
        assert!(
            e.code == "E090" || sections.iter().any(|(c, _)| *c == e.code),
            "{} has no example in docs/errors.md",
            e.code
        );
    }
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
