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
