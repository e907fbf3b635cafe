//! Hostile list values and literals: they must reach the query as data, never as syntax. (Values no
//! target can carry as data, a backtick or a carriage return, are refused where they are written:
//! tests/it/security.rs.)

use crate::common::{expr_literal, kql_check, kql_oracle_for, kql_strings, read_tree, tokenward};

const HOSTILE: &[&str] = &[
    r#"a"b"#,
    r"back\slash",
    r"trailing\",
    "pipe | where 1 == 1",
    "] | delete [",
    "'macro' and \"\"\"comment\"\"\"",
    "new\nline",
    "tab\there",
    "// not a comment",
    r#"""" triple"#,
    "it's",
    "union SigninLogs | take 10",
    "ünïcødé ✓ 😀",
    "$left.x == $right.y",
    "* wildcard *",
];

fn hostile_rule(values: &[&str]) -> String {
    let list: Vec<String> = values
        .iter()
        .map(|v| serde_json::to_string(v).unwrap())
        .collect();
    let contains: Vec<String> = values
        .iter()
        .map(|v| format!("user_agent contains {}", expr_literal(v)))
        .collect();
    let when = format!("app_name in hostile or ({})", contains.join(" or "));
    format!(
        "id: hostile-values\ntitle: {title}\ndescription: {description}\nseverity: low\nstatus: test\n\
         lists:\n  hostile:\n    kind: string\n    values: [{}]\nmatch:\n  when: {}\n",
        list.join(", "),
        serde_json::to_string(&when).unwrap(),
        title = serde_json::to_string("title with `backticks` // and ``` fences").unwrap(),
        description = serde_json::to_string("two\nlines | take 1").unwrap(),
    )
}

fn build(
    values: &[&str],
) -> (
    tempfile::TempDir,
    std::collections::BTreeMap<String, String>,
) {
    let tmp = tempfile::tempdir().unwrap();
    let rule = tmp.path().join("hostile.yaml");
    std::fs::write(&rule, hostile_rule(values)).unwrap();
    let out = tmp.path().join("dist");
    let run = tokenward(&[
        "build",
        rule.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = read_tree(&out);
    (tmp, files)
}

/// SPL outside quoted strings and comments: what the search parser treats as syntax.
fn spl_syntax(text: &str) -> String {
    let mut out = String::new();
    let b: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(&['`', '`', '`']) {
            let rest: String = b[i + 3..].iter().collect();
            let end = rest.find("```").expect("comment closed");
            i += 3 + rest[..end].chars().count() + 3;
            continue;
        }
        if b[i] == '"' || b[i] == '\'' {
            let q = b[i];
            i += 1;
            while i < b.len() && b[i] != q {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            assert!(i < b.len(), "unterminated quote");
            i += 1;
            out.push('S');
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[test]
fn hostile_values_stay_inside_their_literals() {
    let (_tmp, files) = build(HOSTILE);
    let kql = &files["sentinel/hostile-values.kql"];
    let line = kql
        .lines()
        .find(|l| l.starts_with("let hostile = "))
        .unwrap();
    let mut expected: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(kql_strings(line), expected);
    // Comments stay single-line.
    assert!(kql.lines().next().unwrap().starts_with("// title with"));
    assert!(kql
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("// id: hostile-values"));

    // SPL: the syntax outside strings is exactly that of a build with harmless values.
    let spl = &files["splunk/hostile-values.spl"];
    let benign: Vec<String> = (0..HOSTILE.len()).map(|i| format!("value{i}")).collect();
    let benign: Vec<&str> = benign.iter().map(String::as_str).collect();
    let (_tmp2, plain) = build(&benign);
    assert_eq!(
        spl_syntax(spl),
        spl_syntax(&plain["splunk/hostile-values.spl"])
    );
    assert_eq!(
        spl_syntax(&kql_as_spl_free(kql)),
        spl_syntax(&kql_as_spl_free(&plain["sentinel/hostile-values.kql"]))
    );
}

/// KQL without its `//` comment lines, so the same quote scanner can compare KQL structure too.
fn kql_as_spl_free(kql: &str) -> String {
    kql.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn hostile_kql_passes_kusto_language() {
    let Some(oracle) = kql_oracle_for("hostile_kql_passes_kusto_language") else {
        return;
    };
    let (tmp, _) = build(HOSTILE);
    let (ok, report) = kql_check(
        &oracle,
        &[tmp.path().join("dist/sentinel/hostile-values.kql")],
    );
    assert!(ok, "{report}");
}
