//! Pull-request gates: `build --check` (is the committed output what the rules generate?) and
//! `diff OLD NEW` (what changed, per rule and target, between two rule sets or git revisions).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::backend::Artifact;
use crate::build::MANIFEST;
use crate::diag::Diagnostic;

/// The files of a folder, relative paths to bytes.
fn read_dir_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, bytes);
            }
        }
    }
    out
}

fn artifact_tree(artifacts: &[Artifact]) -> BTreeMap<String, Vec<u8>> {
    artifacts
        .iter()
        .map(|a| {
            let bytes = a
                .binary
                .clone()
                .unwrap_or_else(|| a.contents.as_bytes().to_vec());
            (a.path.to_string_lossy().replace('\\', "/"), bytes)
        })
        .collect()
}

/// A unified diff of two file sets; empty when they are equal.
fn diff_trees(
    old: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, Vec<u8>>,
    old_label: &str,
    new_label: &str,
) -> String {
    let mut out = String::new();
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for name in names {
        if name == MANIFEST {
            continue;
        }
        match (old.get(name), new.get(name)) {
            (Some(a), Some(b)) if a == b => {}
            (a, b) => {
                let (ta, tb) = (
                    a.map(|x| String::from_utf8_lossy(x)),
                    b.map(|x| String::from_utf8_lossy(x)),
                );
                let binary = [a, b]
                    .iter()
                    .flatten()
                    .any(|x| std::str::from_utf8(x).is_err());
                if binary {
                    let _ = writeln!(
                        out,
                        "Binary files {old_label}/{name} and {new_label}/{name} differ"
                    );
                    continue;
                }
                let (ta, tb) = (ta.unwrap_or_default(), tb.unwrap_or_default());
                let old_name = if a.is_some() {
                    format!("{old_label}/{name}")
                } else {
                    "/dev/null".into()
                };
                let new_name = if b.is_some() {
                    format!("{new_label}/{name}")
                } else {
                    "/dev/null".into()
                };
                let d = TextDiff::from_lines(ta.as_ref(), tb.as_ref());
                let _ = write!(
                    out,
                    "{}",
                    d.unified_diff()
                        .context_radius(3)
                        .header(&old_name, &new_name)
                );
            }
        }
    }
    out
}

/// `build --check`: compares the output folder with what the rules generate now.
pub fn check(out: &Path, artifacts: &[Artifact]) -> String {
    let committed = read_dir_tree(out);
    let fresh = artifact_tree(artifacts);
    let label = out.display().to_string();
    diff_trees(&committed, &fresh, &label, &format!("{label} (generated)"))
}

/// Where a side of `diff` comes from: a folder of rules, or a git revision of the rules folder.
pub enum Side {
    Folder(PathBuf),
    Revision(String),
}

impl Side {
    pub fn parse(arg: &str) -> Side {
        if Path::new(arg).exists() {
            Side::Folder(PathBuf::from(arg))
        } else {
            Side::Revision(arg.to_string())
        }
    }

    /// The rules folder of this side, extracting a git revision into `scratch` when needed.
    pub fn materialize(&self, rules: &Path, scratch: &Path) -> Result<PathBuf, Diagnostic> {
        match self {
            Side::Folder(p) => Ok(p.clone()),
            Side::Revision(rev) => {
                std::fs::create_dir_all(scratch).map_err(|e| {
                    Diagnostic::error("E040", format!("cannot create a scratch folder: {e}"))
                })?;
                let archive = std::process::Command::new("git")
                    .args(["archive", "--format=tar", rev, "--"])
                    .arg(rules)
                    .output()
                    .map_err(|e| Diagnostic::error("E090", format!("cannot run git: {e}")))?;
                if !archive.status.success() {
                    return Err(Diagnostic::error(
                        "E001",
                        format!(
                            "`{rev}` is neither a folder nor a git revision with {}: {}",
                            rules.display(),
                            String::from_utf8_lossy(&archive.stderr).trim()
                        ),
                    )
                    .help(
                        "pass two folders of rules, or two git revisions (e.g. origin/main HEAD)",
                    ));
                }
                tar::Archive::new(archive.stdout.as_slice())
                    .unpack(scratch)
                    .map_err(|e| Diagnostic::error("E040", format!("cannot unpack {rev}: {e}")))?;
                Ok(scratch.join(rules))
            }
        }
    }
}

/// What changed between two builds, per rule and target.
pub fn diff(old: &[Artifact], new: &[Artifact], old_ids: &[String], new_ids: &[String]) -> String {
    let (a, b) = (artifact_tree(old), artifact_tree(new));
    let mut out = String::new();
    let ids: BTreeSet<&String> = old_ids.iter().chain(new_ids).collect();
    let mut claimed = BTreeSet::new();
    for id in &ids {
        let owned = |t: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
            t.iter()
                .filter(|(k, _)| belongs(k, id))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let (oa, ob) = (owned(&a), owned(&b));
        claimed.extend(oa.keys().cloned());
        claimed.extend(ob.keys().cloned());
        let status = match (old_ids.contains(id), new_ids.contains(id)) {
            (false, true) => "added",
            (true, false) => "removed",
            _ if oa == ob => "unchanged",
            _ => "changed",
        };
        let _ = writeln!(out, "rule {id}: {status}");
        if status == "unchanged" {
            continue;
        }
        for target in ["sentinel", "splunk"] {
            let pick = |t: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
                t.iter()
                    .filter(|(k, _)| {
                        k.starts_with(target) && (k.ends_with(".kql") || k.ends_with(".spl"))
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            let d = diff_trees(&pick(&oa), &pick(&ob), "a", "b");
            if d.is_empty() {
                let _ = writeln!(out, "  {target}: query unchanged");
            } else {
                let _ = writeln!(out, "  {target}: query changed");
                for line in d.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
    }
    // Files no rule owns: health queries, the Splunk app and package, watchlists.
    let rest = |t: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        t.iter()
            .filter(|(k, _)| !claimed.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let shared = diff_trees(&rest(&a), &rest(&b), "a", "b");
    let changed: Vec<&str> = shared
        .lines()
        .filter_map(|l| {
            l.strip_prefix("+++ b/").or_else(|| {
                l.strip_prefix("Binary files a/")
                    .map(|s| s.split(' ').next().unwrap_or(s))
            })
        })
        .collect();
    if changed.is_empty() {
        let _ = writeln!(out, "shared artifacts: unchanged");
    } else {
        let _ = writeln!(out, "shared artifacts changed: {}", changed.join(", "));
    }
    out
}

/// Whether an output path belongs to a rule: its query and its per-rule deployment files.
fn belongs(path: &str, id: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split('.').next() == Some(id)
}
