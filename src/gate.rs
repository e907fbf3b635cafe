//! Pull-request gates: `build --check` (is the committed output what the rules generate?) and
//! `diff OLD NEW` (what changed, per rule and target, between two rule sets or git revisions).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::backend::{Artifact, ArtifactKind, Target};
use crate::diag::Diagnostic;
use crate::outdir::MANIFEST;

/// The files of a folder, relative paths to bytes (a missing folder is empty).
fn read_dir_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let files = crate::walk::files(dir, &|_| false).unwrap_or_default();
    files
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            Some((rel, bytes))
        })
        .collect()
}

fn artifact_tree<'a>(
    artifacts: impl IntoIterator<Item = &'a Artifact>,
) -> BTreeMap<String, Vec<u8>> {
    artifacts
        .into_iter()
        .map(|a| {
            (
                a.path.to_string_lossy().replace('\\', "/"),
                a.bytes().to_vec(),
            )
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
enum Side {
    Folder(PathBuf),
    Revision(String),
}

impl Side {
    fn parse(arg: &str) -> Side {
        if Path::new(arg).exists() {
            Side::Folder(PathBuf::from(arg))
        } else {
            Side::Revision(arg.to_string())
        }
    }

    /// The folder to build from and the rules path inside it, extracting a git revision into
    /// `scratch` when needed. Both sides build `rules/…` relative to their root, so only real changes
    /// show in the diff.
    fn materialize(&self, rules: &Path, scratch: &Path) -> Result<(PathBuf, PathBuf), Diagnostic> {
        match self {
            Side::Folder(p) => {
                // Copied to `<scratch>/<rules>` so that both sides name their files alike: the headers
                // say `rules/x.yaml` whatever folder each side was read from.
                copy_rules(p, &scratch.join(rules))?;
                Ok((scratch.to_path_buf(), rules.to_path_buf()))
            }
            Side::Revision(rev) => {
                let commit = resolve_revision(rev, rules)?;
                std::fs::create_dir_all(scratch).map_err(|e| {
                    Diagnostic::error("E040", format!("cannot create a scratch folder: {e}"))
                })?;
                let archive = std::process::Command::new("git")
                    .args(["archive", "--format=tar", &commit, "--"])
                    .arg(rules)
                    .output()
                    .map_err(|e| Diagnostic::error("E090", format!("cannot run git: {e}")))?;
                if !archive.status.success() {
                    return Err(Diagnostic::error(
                        "E001",
                        format!(
                            "revision `{rev}` has no {}: {}",
                            rules.display(),
                            String::from_utf8_lossy(&archive.stderr).trim()
                        ),
                    )
                    .help("pass --rules with the rules folder inside the revision"));
                }
                tar::Archive::new(archive.stdout.as_slice())
                    .unpack(scratch)
                    .map_err(|e| Diagnostic::error("E040", format!("cannot unpack {rev}: {e}")))?;
                Ok((scratch.to_path_buf(), rules.to_path_buf()))
            }
        }
    }
}

/// Copies a folder of rules (its YAML and JSON files, links confined by the walker) into `dest`.
fn copy_rules(from: &Path, dest: &Path) -> Result<(), Diagnostic> {
    let files = crate::walk::files(from, &|_| false).map_err(|d| {
        d.into_iter()
            .next()
            .unwrap_or_else(|| Diagnostic::error("E001", "cannot read the folder").in_file(from))
    })?;
    for f in files {
        let rel = f.strip_prefix(from).unwrap_or(&f);
        let to = dest.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Diagnostic::error("E040", format!("cannot create a scratch folder: {e}"))
            })?;
        }
        std::fs::copy(&f, &to).map_err(|e| {
            Diagnostic::error("E001", format!("cannot read the file: {e}")).in_file(&f)
        })?;
    }
    Ok(())
}

/// True when a `diff` report says a rule or a shared artifact changed (`diff --exit-code`).
pub fn has_changes(report: &str) -> bool {
    report.lines().any(|l| {
        (l.starts_with("rule ")
            && (l.ends_with(": added") || l.ends_with(": removed") || l.ends_with(": changed")))
            || l.starts_with("shared artifacts changed")
    })
}

/// A git revision as a commit id. Whatever the text (`--output=x`, `-p`), git reads it as a revision,
/// never as an option, and only a commit id reaches `git archive`.
fn resolve_revision(rev: &str, rules: &Path) -> Result<String, Diagnostic> {
    let not_found = |why: String| {
        Diagnostic::error(
            "E001",
            format!(
                "`{rev}` is neither a folder nor a git revision with {}{why}",
                rules.display()
            ),
        )
        .help("pass two folders of rules, or two git revisions (e.g. origin/main HEAD)")
    };
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
        .arg(format!("{rev}^{{commit}}"))
        .output()
        .map_err(|e| Diagnostic::error("E090", format!("cannot run git: {e}")))?;
    let sha = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let is_sha = (sha.len() == 40 || sha.len() == 64) && sha.bytes().all(|b| b.is_ascii_hexdigit());
    if !out.status.success() || !is_sha {
        return Err(not_found(String::new()));
    }
    Ok(sha)
}

/// Why `diff` could not compare.
pub enum DiffError {
    /// A side is neither a folder nor a revision (a usage error).
    Usage(Diagnostic),
    /// A side's rules do not build.
    Rules(Vec<Diagnostic>),
}

/// `diff OLD NEW`: builds both sides for every target and says what changed per rule. Neither side
/// changes the working directory; the scratch folder is removed on every path.
pub fn diff_sides(
    old: &str,
    new: &str,
    rules: &Path,
    profiles: Option<&Path>,
    events: Option<&Path>,
) -> Result<String, DiffError> {
    let scratch = tempfile::Builder::new()
        .prefix("tokenward-diff-")
        .tempdir()
        .map_err(|e| {
            DiffError::Usage(Diagnostic::error(
                "E040",
                format!("cannot create a scratch folder: {e}"),
            ))
        })?;
    let backends = crate::backend::Backends::load(profiles).map_err(DiffError::Rules)?;
    let mut sides = Vec::new();
    for (i, arg) in [old, new].into_iter().enumerate() {
        let side = Side::parse(arg);
        let (root, rel) = side
            .materialize(rules, &scratch.path().join(i.to_string()))
            .map_err(DiffError::Usage)?;
        let detections = crate::pipeline::check_at(&root, &[rel]).map_err(DiffError::Rules)?;
        let plans = crate::pipeline::plan_all(&detections);
        let artifacts =
            crate::pipeline::compile(&plans, &Target::ALL, &backends).map_err(DiffError::Rules)?;
        let ids: Vec<String> = plans.iter().map(|p| p.meta.id.clone()).collect();
        sides.push((ids, artifacts, plans));
    }
    let mut out = diff(&sides[0].1, &sides[1].1, &sides[0].0, &sides[1].0);
    if let Some(dir) = events {
        let files = crate::explain::verdicts::events_files(dir).map_err(|mut d| {
            if d.len() == 1 {
                DiffError::Usage(d.remove(0))
            } else {
                DiffError::Rules(d)
            }
        })?;
        let verdicts = crate::explain::verdicts::diff(&sides[0].2, &sides[1].2, &backends, &files)
            .map_err(DiffError::Rules)?;
        out.push('\n');
        out.push_str(&verdicts);
    }
    Ok(out)
}

/// What changed between two builds, per rule and target.
pub fn diff(old: &[Artifact], new: &[Artifact], old_ids: &[String], new_ids: &[String]) -> String {
    let mut out = String::new();
    let ids: BTreeSet<&String> = old_ids.iter().chain(new_ids).collect();
    let of_rule = |set: &[Artifact], id: &str| -> Vec<Artifact> {
        set.iter()
            .filter(|a| a.rule.as_deref() == Some(id))
            .cloned()
            .collect()
    };
    for id in &ids {
        let (oa, ob) = (of_rule(old, id), of_rule(new, id));
        let status = match (old_ids.contains(id), new_ids.contains(id)) {
            (false, true) => "added",
            (true, false) => "removed",
            _ if artifact_tree(&oa) == artifact_tree(&ob) => "unchanged",
            _ => "changed",
        };
        let _ = writeln!(out, "rule {id}: {status}");
        if status == "unchanged" {
            continue;
        }
        for target in Target::ALL {
            let queries = |set: &[Artifact]| {
                artifact_tree(
                    set.iter()
                        .filter(|a| a.target == target && a.kind == ArtifactKind::Query),
                )
            };
            let d = diff_trees(&queries(&oa), &queries(&ob), "a", "b");
            if d.is_empty() {
                let _ = writeln!(out, "  {}: query unchanged", target.name());
            } else {
                let _ = writeln!(out, "  {}: query changed", target.name());
                for line in d.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
    }
    // Files no rule owns: health queries, the Splunk app and package, watchlists.
    let shared = |set: &[Artifact]| artifact_tree(set.iter().filter(|a| a.rule.is_none()));
    let d = diff_trees(&shared(old), &shared(new), "a", "b");
    let changed: Vec<&str> = d
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
