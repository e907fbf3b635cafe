//! The module graph points one way: no cycles between the crate's modules, and the layers the
//! architecture names never import a layer above them. Read from the `crate::` paths in src/.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The module a source file belongs to: `backend/sentinel/query.rs` → `backend`; `syntax/fold.rs` →
/// `syntax::fold` (syntax's files are checked among themselves too).
fn module_of(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [m] => m.clone(),
        [s, f, ..] if s == "syntax" => format!("syntax::{f}"),
        [m, ..] => m.clone(),
        [] => String::new(),
    }
}

/// Every `crate::a::b` a file names, as the module it lands in (`crate::syntax::tree::Node` →
/// `syntax::tree`).
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + 7..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        match segs.as_slice() {
            ["syntax", sub, ..] => out.insert(format!("syntax::{sub}")),
            [m, ..] => out.insert((*m).to_string()),
            [] => false,
        };
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&src).unwrap();
                if rel == Path::new("main.rs") || rel == Path::new("lib.rs") {
                    continue;
                }
                let from = module_of(rel);
                let text = std::fs::read_to_string(&p).unwrap();
                let to = imports(&text);
                g.entry(from.clone())
                    .or_default()
                    .extend(to.into_iter().filter(|m| *m != from));
            }
        }
    }
    g
}

fn reaches(g: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> Option<Vec<String>> {
    let mut stack = vec![(from.to_string(), vec![from.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((m, path)) = stack.pop() {
        for next in g.get(&m).into_iter().flatten() {
            let mut p = path.clone();
            p.push(next.clone());
            if next == to {
                return Some(p);
            }
            if seen.insert(next.clone()) {
                stack.push((next.clone(), p));
            }
        }
    }
    None
}

#[test]
fn the_module_graph_has_no_cycle() {
    let g = graph();
    assert!(g.contains_key("backend") && g.contains_key("syntax::tree"));
    for m in g.keys() {
        if let Some(path) = reaches(&g, m, m) {
            panic!("module cycle: {}", path.join(" → "));
        }
    }
}

#[test]
fn lower_layers_never_import_higher_ones() {
    let g = graph();
    // (module, modules it must not reach, directly or through others)
    let rules: &[(&str, &[&str])] = &[
        ("ir", &["backend", "plan", "pipeline", "lint", "eval"]),
        ("plan", &["backend", "pipeline", "lint", "eval"]),
        ("check", &["backend", "plan", "pipeline", "lint"]),
        ("backend", &["pipeline", "lint", "eval", "testing", "gate"]),
        ("lint", &["pipeline", "backend", "plan", "gate"]),
        ("outdir", &["backend", "pipeline"]),
        ("target", &["backend"]),
        ("render", &["backend"]),
        ("eval", &["backend", "pipeline", "explain", "testing"]),
        (
            "diag",
            &["lint", "check", "backend", "syntax::kql", "syntax::spl"],
        ),
        ("syntax::tree", &["syntax::fold"]),
    ];
    for (m, banned) in rules {
        for b in *banned {
            if let Some(path) = reaches(&g, m, b) {
                panic!("`{m}` reaches `{b}`: {}", path.join(" → "));
            }
        }
    }
}

#[test]
fn only_the_backend_folder_matches_on_the_target() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src.clone()];
    let mut found = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&src).unwrap().to_path_buf();
                let text = std::fs::read_to_string(&p).unwrap();
                // Unit tests may name a target to build an artifact.
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for (n, line) in code.lines().enumerate() {
                    let arm = line.contains("Target::Sentinel") || line.contains("Target::Splunk");
                    // src/target.rs names the targets; src/backend gives each its code.
                    if arm && !rel.starts_with("backend") && rel != Path::new("target.rs") {
                        found.push(format!("{}:{}: {}", rel.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "targets named outside src/backend:\n{}",
        found.join("\n")
    );
    // Inside the backend folder, one `match` on the target: Target::backend.
    let backend = std::fs::read_to_string(src.join("backend/mod.rs")).unwrap();
    assert_eq!(backend.matches("match self {").count(), 1, "{backend}");
}
