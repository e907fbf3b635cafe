//! Helpers shared by the end-to-end tests: run the binary, read an output folder, find the oracle.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `tokenward ARGS` in the crate root (paths in messages stay relative and stable).
pub fn tokenward(args: &[&str]) -> Run {
    tokenward_in(&root(), args)
}

pub fn tokenward_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tokenward"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file under `dir`, keyed by its path relative to `dir` (with `/`).
pub fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let bytes = std::fs::read(&p).unwrap();
                let text =
                    String::from_utf8(bytes.clone()).unwrap_or_else(|_| binary_summary(&bytes));
                out.insert(rel, text);
            }
        }
    }
    out
}

/// A binary file in a tree listing: its size and a checksum, so equality is still byte equality.
pub fn binary_summary(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("<binary: {} bytes, fnv1a {h:016x}>", bytes.len())
}

/// Says that a test skipped a check, on the real standard error: libtest captures `eprintln!` of a
/// passing test, and a skip must show in `cargo test`'s output, not pass as `ok` unseen.
pub fn skip(test: &str, reason: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {reason}");
}

/// Microsoft's Kusto.Language oracle, when ../shared is beside the checkout and node is installed.
/// Set TOKENWARD_SKIP_ORACLE=1 to skip it. When it is missing, says so (visibly) for `test`.
pub fn kql_oracle_for(test: &str) -> Option<PathBuf> {
    let p = root().join("../shared/oracles/kql/kql-check");
    if std::env::var_os("TOKENWARD_SKIP_ORACLE").is_some() {
        skip(
            test,
            "TOKENWARD_SKIP_ORACLE is set: the Kusto.Language check did not run",
        );
        return None;
    }
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !p.is_file() {
        skip(test, "../shared/oracles/kql/kql-check is not beside the checkout: the Kusto.Language check did not run");
        return None;
    }
    if !node {
        skip(
            test,
            "node is not installed: the Kusto.Language check did not run",
        );
        return None;
    }
    Some(p)
}

/// The oracle's workspace: its two sign-in tables plus the tables tokenward ships a schema for
/// (schemas/sentinel/*.json, e.g. AADUserRiskEvents, which the risk escalation reads in a fuzzy union).
pub fn oracle_schema(oracle: &Path) -> PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let shared = oracle.parent().unwrap().join("schema");
        for src in [shared, root().join("schemas/sentinel")] {
            for e in std::fs::read_dir(src).unwrap().flatten() {
                if e.path().extension().is_some_and(|x| x == "json") {
                    std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
                }
            }
        }
        dir
    })
    .path()
    .to_path_buf()
}

/// Runs the oracle with --warnings-as-errors on the files; returns its JSON lines.
pub fn kql_check(oracle: &Path, files: &[PathBuf]) -> (bool, String) {
    let out = Command::new("bash")
        .arg(oracle)
        .arg("--warnings-as-errors")
        .arg("--schema")
        .arg(oracle_schema(oracle))
        .args(files)
        .output()
        .expect("kql-check runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Decodes the KQL string literals on a line (the test side of the KQL escaping).
pub fn kql_strings(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some('r') => s.push('\r'),
                    Some('t') => s.push('\t'),
                    Some('u') => {
                        let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                        s.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    }
                    Some(other) => s.push(other),
                    None => panic!("dangling escape"),
                },
                c => s.push(c),
            }
        }
        out.push(s);
    }
    out
}

/// A condition-language string literal for `s` (the test side of the condition grammar's escapes).
pub fn expr_literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
