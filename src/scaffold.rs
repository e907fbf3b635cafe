//! `tokenward init` (a starter repository) and `tokenward new rule` (a rule skeleton with its tests),
//! written from copies embedded in the binary (build.rs), only ever inside the folder given, and whole
//! or not at all.

use std::path::{Component, Path, PathBuf};

use crate::diag::Diagnostic;

include!(concat!(env!("OUT_DIR"), "/starter.rs"));

/// The starter repository: (path inside it, contents), in a stable order.
pub fn starter_files() -> &'static [(&'static str, &'static [u8])] {
    STARTER
}

const EVENT_SENTINEL: &str = include_str!("../templates/new/event.sentinel.json");
const EVENT_SPLUNK: &str = include_str!("../templates/new/event.splunk.json");

/// The ASN the skeleton's list holds and the one its quiet case signs in from (documentation ASNs,
/// RFC 5398).
const LISTED_ASN: &str = "64496";
const OTHER_ASN: &str = "64511";

/// Writes the starter repository into `dir`. A folder that exists and holds anything is refused unless
/// `force`; even then no existing file is overwritten. Returns the files written.
pub fn init(dir: &Path, force: bool) -> Result<Vec<PathBuf>, Diagnostic> {
    if dir.is_dir() && !force {
        let mut entries = std::fs::read_dir(dir).map_err(|e| {
            Diagnostic::error("E040", format!("cannot read the folder: {e}")).in_file(dir)
        })?;
        if entries.next().is_some() {
            return Err(Diagnostic::error(
                "E040",
                "the folder is not empty: `tokenward init` writes a new repository",
            )
            .in_file(dir)
            .help("pass an empty or new folder, or --force to add the starter files beside what is there (no file is overwritten)"));
        }
    }
    let files: Vec<(PathBuf, Vec<u8>)> = starter_files()
        .iter()
        .map(|(p, b)| (PathBuf::from(p), b.to_vec()))
        .collect();
    write_all(dir, &files)
}

/// Writes a rule skeleton `<dir>/<id>.yaml` with one `alert` and one `no_alert` test case, and their
/// events in both shapes under `<dir>/tests/<id>/`; it builds and its tests pass as written.
pub fn new_rule(id: &str, dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    if !crate::check::is_kebab(id) || id.len() > 64 {
        return Err(Diagnostic::error("E010", format!("`{id}` is not a rule id"))
            .help("use kebab-case: lower-case letters, digits and `-`, starting with a letter (at most 64)"));
    }
    let session = |n: u8| format!("00000000-0000-4000-8000-{n:012}");
    let event = |template: &str, asn: &str, n: u8| {
        template
            .replace("__ASN__", asn)
            .replace("__SESSION__", &session(n))
    };
    let tests = format!("tests/{id}");
    let files = vec![
        (
            PathBuf::from(format!("{id}.yaml")),
            rule_skeleton(id, &session(1)).into_bytes(),
        ),
        (
            PathBuf::from(format!("{tests}/listed-network.sentinel.json")),
            event(EVENT_SENTINEL, LISTED_ASN, 1).into_bytes(),
        ),
        (
            PathBuf::from(format!("{tests}/listed-network.splunk.json")),
            event(EVENT_SPLUNK, LISTED_ASN, 1).into_bytes(),
        ),
        (
            PathBuf::from(format!("{tests}/other-network.sentinel.json")),
            event(EVENT_SENTINEL, OTHER_ASN, 2).into_bytes(),
        ),
        (
            PathBuf::from(format!("{tests}/other-network.splunk.json")),
            event(EVENT_SPLUNK, OTHER_ASN, 2).into_bytes(),
        ),
    ];
    write_all(dir, &files)
}

fn rule_skeleton(id: &str, alert_session: &str) -> String {
    format!(
        r#"# yaml-language-server: $schema=../schemas/json/rule.json
# Written by `tokenward new rule {id}`. It builds and its tests pass as written: change the condition,
# the list and the events together, then run `tokenward build` and `tokenward test`.
id: {id}
title: Successful sign-in from a listed network
description: >
  Describe what the rule detects, why it matters and what a responder does with an alert. This
  skeleton alerts on every successful sign-in from an AS number in example_asns.
severity: low
status: experimental
author: your-team
attack: [T1078.004]
controls: [SI-4]
references:
  - https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-ins

lists:
  example_asns:
    kind: asn
    description: The networks this rule is about (64496 is a documentation ASN, RFC 5398).
    values: [{LISTED_ASN}]

match:
  when: result == "0" and asn in example_asns

tests:
  - name: listed-network
    events:
      - tests/{id}/listed-network.sentinel.json
      - tests/{id}/listed-network.splunk.json
    expect: alert
    sessions: ["{alert_session}"]
    reason: A successful sign-in from AS{LISTED_ASN}, which example_asns lists.
  - name: other-network
    events:
      - tests/{id}/other-network.sentinel.json
      - tests/{id}/other-network.splunk.json
    expect: no_alert
    reason: The same sign-in from AS{OTHER_ASN}, which example_asns does not list.
"#
    )
}

/// A path made only of plain names: nothing absolute, no `..`, so it stays under the folder.
fn is_plain(rel: &Path) -> bool {
    rel.components().all(|c| matches!(c, Component::Normal(_)))
}

/// Every file under `dir`, refusing existing files and linked folders before writing anything, and
/// removing what it wrote when a write fails.
fn write_all(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<Vec<PathBuf>, Diagnostic> {
    for (rel, _) in files {
        debug_assert!(is_plain(rel));
        let dest = dir.join(rel);
        if std::fs::symlink_metadata(&dest).is_ok() {
            return Err(Diagnostic::error("E040", "the file exists; nothing was written")
                .in_file(&dest)
                .help("move it away or pick another folder: tokenward never overwrites a file here"));
        }
        // A linked folder on the way could lead outside `dir`.
        let mut at = dir.to_path_buf();
        for c in rel.parent().into_iter().flat_map(Path::components) {
            at.push(c);
            if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(Diagnostic::error(
                    "E040",
                    "a folder on the way is a symbolic link; nothing was written",
                )
                .in_file(&at)
                .help("tokenward writes only inside the folder it is given"));
            }
        }
    }
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    let mut written: Vec<PathBuf> = Vec::new();
    let result = (|| -> Result<(), Diagnostic> {
        for (rel, bytes) in files {
            let dest = dir.join(rel);
            if let Some(parent) = dest.parent() {
                let mut missing = Vec::new();
                let mut p = parent;
                while !p.as_os_str().is_empty() && !p.exists() {
                    missing.push(p.to_path_buf());
                    match p.parent() {
                        Some(q) => p = q,
                        None => break,
                    }
                }
                std::fs::create_dir_all(parent).map_err(|e| {
                    Diagnostic::error("E040", format!("cannot create the folder: {e}"))
                        .in_file(parent)
                })?;
                created_dirs.extend(missing.into_iter().rev());
            }
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&dest)
                .map_err(|e| {
                    Diagnostic::error("E040", format!("cannot write the file: {e}")).in_file(&dest)
                })?;
            written.push(dest.clone());
            std::io::Write::write_all(&mut f, bytes).map_err(|e| {
                Diagnostic::error("E040", format!("cannot write the file: {e}")).in_file(&dest)
            })?;
        }
        Ok(())
    })();
    if let Err(d) = result {
        for f in written.iter().rev() {
            let _ = std::fs::remove_file(f);
        }
        for d in created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
        return Err(d);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_paths_stay_inside_the_folder() {
        assert!(!starter_files().is_empty());
        for (p, _) in starter_files() {
            assert!(is_plain(Path::new(p)), "{p}");
        }
        let names: Vec<&str> = starter_files().iter().map(|(p, _)| *p).collect();
        for wanted in [
            "rules/aitm-session-replay.yaml",
            "rules/lists/hosting_asns.yaml",
            "profiles/sentinel.yaml",
            "schemas/json/rule.json",
            "tokenward.yaml",
            ".github/workflows/tokenward.yml",
            ".pre-commit-config.yaml",
        ] {
            assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
        }
    }

    #[test]
    fn a_refused_write_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("tests/x")).unwrap();
        std::fs::write(tmp.path().join("tests/x/other-network.splunk.json"), "keep").unwrap();
        let e = new_rule("x", tmp.path()).unwrap_err();
        assert_eq!(e.code, "E040");
        assert!(!tmp.path().join("x.yaml").exists());
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("tests/x/other-network.splunk.json")).unwrap(),
            "keep"
        );
    }
}
