//! Injection-proof generation: arbitrary strings in every list and string literal a rule can hold come
//! out of both backends as data. Each generated KQL must parse with tokenward's grammar and pass
//! Kusto.Language with the values intact; each SPL must parse with tokenward's SPL grammar with every value
//! inside its literal. `TOKENWARD_SOAK_CASES` raises the number of cases (bench/run.py --soak).

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

use crate::common::{expr_literal, kql_check, kql_oracle_for, kql_strings};

/// Strings built from the pieces that break naive quoting.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("\\".to_string()),
        Just("|".to_string()),
        Just("]".to_string()),
        Just("[".to_string()),
        Just("`".to_string()),
        Just("```".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\t".to_string()),
        Just("//".to_string()),
        Just("\"\"\"".to_string()),
        Just("$left".to_string()),
        Just(" | where 1 == 1 ".to_string()),
        Just("union *".to_string()),
        Just("| delete".to_string()),
        Just("ü✓😀".to_string()),
        Just("{}".to_string()),
        Just("%".to_string()),
        Just("*".to_string()),
        "[a-zA-Z0-9 ]{0,6}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 1..6).prop_map(|v| v.concat())
}

fn rule(n: usize, values: &[String]) -> String {
    let yaml: Vec<String> = values
        .iter()
        .map(|v| tokenward::render::yaml_string(v))
        .collect();
    let contains: Vec<String> = values
        .iter()
        .map(|v| format!("user_agent contains {}", expr_literal(v)))
        .collect();
    let when = format!("app_name in hostile or {}", contains.join(" or "));
    format!(
        "id: hostile-{n}\ntitle: t\ndescription: d\nseverity: low\nstatus: test\nlists:\n  hostile:\n    kind: string\n    values: [{}]\nmatch:\n  when: {}\n",
        yaml.join(", "),
        tokenward::render::yaml_string(&when)
    )
}

/// The SPL string literals in `in(tw_app_name, …)`, decoded.
fn spl_in_values(spl: &str) -> Vec<String> {
    let start = spl.find("in(tw_app_name, ").expect("the in() test") + "in(tw_app_name, ".len();
    let mut out = Vec::new();
    let mut chars = spl[start..].chars();
    loop {
        match chars.next() {
            Some('"') => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => s.push(chars.next().expect("escape")),
                        Some('"') => break,
                        Some(c) => s.push(c),
                        None => panic!("unterminated"),
                    }
                }
                out.push(s);
            }
            Some(',') | Some(' ') => {}
            _ => break,
        }
    }
    out
}

#[test]
fn arbitrary_values_stay_data_in_both_targets() {
    let cases: usize = std::env::var("TOKENWARD_SOAK_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let mut runner = TestRunner::new(Config::default());
    let strategy = prop::collection::btree_set(hostile(), 1..5);
    let tmp = tempfile::tempdir().unwrap();
    let backends = tokenward::backend::Backends::load(None).unwrap();
    let mut kql_files = Vec::new();
    let mut refused = 0;
    for n in 0..cases {
        let values: Vec<String> = strategy
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .into_iter()
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            continue;
        }
        let path = tmp.path().join(format!("hostile-{n}.yaml"));
        std::fs::write(&path, rule(n, &values)).unwrap();
        let files = tokenward::pipeline::find_rules(&[path]).unwrap();
        let checked = tokenward::check::check_all(&files, std::path::Path::new(""));
        // A value no target can carry as data is refused where it is written, never emitted.
        if values
            .iter()
            .any(|v| tokenward::ir::refused_char(v).is_some())
        {
            let errs = checked
                .err()
                .unwrap_or_else(|| panic!("{values:?} was accepted"));
            for e in &errs {
                let j = e.to_json();
                assert!(
                    j.line.is_some(),
                    "{values:?}: unlocated {}",
                    e.render_human()
                );
                assert!(matches!(j.code, "E024" | "E020"), "{}", e.render_human());
            }
            refused += 1;
            continue;
        }
        let detections = checked.unwrap_or_else(|e| panic!("{values:?}: {}", e[0].render_human()));
        let d = tokenward::plan::lower(&detections[0]);
        let kql = backends
            .get(tokenward::backend::Target::Sentinel)
            .render(&d)
            .unwrap();
        let spl = backends
            .get(tokenward::backend::Target::Splunk)
            .render(&d)
            .unwrap();

        let let_line = kql
            .contents
            .lines()
            .find(|l| l.starts_with("let hostile = "))
            .unwrap();
        let mut sorted = values.clone();
        sorted.sort();
        assert_eq!(kql_strings(let_line), sorted, "KQL list for {values:?}");
        tokenward::syntax::kql::parse(&kql.contents)
            .unwrap_or_else(|e| panic!("our KQL grammar rejects the query for {values:?}: {e}"));
        tokenward::syntax::spl::parse(&spl.contents).unwrap_or_else(|e| {
            panic!(
                "our SPL grammar rejects the search for {values:?}: {e}\n{}",
                spl.contents
            )
        });
        assert_eq!(
            spl_in_values(&spl.contents),
            sorted,
            "SPL list for {values:?}"
        );
        // Splunk expands `macros` before it parses: the only backticks are the base macro's and the
        // comments' own fences.
        for line in spl.contents.lines().filter(|l| !l.starts_with("```")) {
            let stripped = line.replace("`tokenward_entra_signin`", "");
            let code = match (stripped.find("```"), stripped.rfind("```")) {
                (Some(a), Some(b)) if a < b => format!("{}{}", &stripped[..a], &stripped[b + 3..]),
                _ => stripped.clone(),
            };
            assert!(
                !code.contains('`'),
                "a backtick reaches the search for {values:?}: {line}"
            );
        }
        // savedsearches.conf: the search spans lines with a trailing `\`; read back as Splunk reads
        // it, it is the generated search.
        let artifacts = tokenward::pipeline::compile(
            std::slice::from_ref(&d),
            &[tokenward::backend::Target::Splunk],
            &backends,
        )
        .unwrap_or_else(|e| panic!("{values:?}: {}", e[0].render_human()));
        let conf = artifacts
            .iter()
            .find(|a| a.path.ends_with("default/savedsearches.conf"))
            .unwrap();
        let stanza = format!("[tokenward - hostile-{n} - Rule]");
        let body = &conf.contents[conf.contents.find(&stanza).unwrap()..];
        let mut search = String::new();
        let mut lines = body.lines().skip_while(|l| !l.starts_with("search = "));
        let mut line = lines
            .next()
            .unwrap()
            .trim_start_matches("search = ")
            .to_string();
        loop {
            match line.strip_suffix('\\') {
                Some(head) => {
                    search.push_str(head);
                    search.push('\n');
                    line = lines.next().unwrap().to_string();
                }
                None => {
                    search.push_str(&line);
                    break;
                }
            }
        }
        let expected: Vec<&str> = spl
            .contents
            .lines()
            .skip_while(|l| l.starts_with("```"))
            .collect();
        assert_eq!(
            search,
            expected.join("\n"),
            ".conf continuation for {values:?}"
        );
        let f = tmp.path().join(format!("hostile-{n}.kql"));
        std::fs::write(&f, &kql.contents).unwrap();
        kql_files.push(f);
    }
    assert!(
        refused > 0 && kql_files.len() > refused / 4,
        "{refused} refused of {cases}"
    );
    if let Some(oracle) = kql_oracle_for("arbitrary_values_stay_data_in_both_targets") {
        let (ok, report) = kql_check(&oracle, &kql_files);
        assert!(ok, "{report}");
    }
}
