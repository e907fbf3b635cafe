//! The docs stay true: every catalogue field and every error code the compiler can emit is documented.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn every_field_is_in_the_rule_format_doc() {
    let doc = read("docs/rule-format.md");
    for info in tokenward::catalogue::CATALOGUE {
        assert!(
            doc.contains(&format!("| `{}` |", info.name)),
            "{} is not documented",
            info.name
        );
    }
}

#[test]
fn every_error_code_is_in_the_rule_format_doc() {
    let doc = read("docs/rule-format.md");
    let mut codes = BTreeSet::new();
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for (i, _) in text.match_indices("\"E0") {
                codes.insert(text[i + 1..i + 5].to_string());
            }
        }
    }
    assert!(codes.len() > 15, "{codes:?}");
    for code in codes {
        assert!(
            doc.contains(&format!("| {code} |")),
            "{code} is not in docs/rule-format.md"
        );
    }
}

/// The README's command-line synopsis lists every subcommand `tokenward --help` knows, and no other,
/// and each has its own section or paragraph below.
#[test]
fn the_readme_lists_every_subcommand() {
    let readme = read("README.md");
    let help = crate::common::tokenward(&["--help"]);
    assert_eq!(help.code, 0);
    let commands: Vec<&str> = help
        .stdout
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 11, "{commands:?}");
    let synopsis = readme
        .split("## Command line\n\n```\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let listed: BTreeSet<&str> = synopsis
        .lines()
        .filter_map(|l| l.strip_prefix("tokenward "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let known: BTreeSet<&str> = commands.iter().copied().collect();
    assert_eq!(listed, known, "README synopsis vs `tokenward --help`");
    for c in &commands {
        assert!(
            readme.contains(&format!("### {c}")) || readme.contains(&format!(" and {c}\n")),
            "no README section for `{c}`"
        );
    }
}
