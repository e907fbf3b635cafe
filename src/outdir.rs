//! The output folder: written whole into a fresh sibling and swapped in, so a failed build leaves the
//! previous output exactly as it was; files and links tokenward did not write are kept as they are
//! (links are never followed or replaced by copies); one build at a time, under an OS lock that dies
//! with the process.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::target::Artifact;

/// Written into every output folder; a folder without it is never replaced.
pub const MANIFEST: &str = ".tokenward-manifest";

/// How long a build waits for another build of the same folder.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

fn io(what: &str, p: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error("E040", format!("{what}: {e}")).in_file(p)
}

/// Writes the artifacts to `out`: into a fresh sibling folder first, then swapped in, so a failure
/// leaves the previous output exactly as it was.
/// Refuses an output folder inside (or equal to) a folder of rules: the next build would read its own
/// output (analytic-rule YAML) as rules.
pub fn refuse_inside_inputs(out: &Path, inputs: &[PathBuf]) -> Result<(), Diagnostic> {
    let out_abs = absolute(out);
    for input in inputs.iter().filter(|p| p.is_dir()) {
        let input_abs = absolute(input);
        if out_abs.starts_with(&input_abs) {
            return Err(Diagnostic::error(
                "E040",
                format!(
                    "the output folder {} is inside the rule folder {}",
                    out.display(),
                    input.display()
                ),
            )
            .in_file(out)
            .help("write the output beside the rules (e.g. --out dist): the next build would read it as rules"));
        }
    }
    Ok(())
}

/// The path made absolute and resolved through the links of its existing part (the rest may not exist yet).
fn absolute(p: &Path) -> PathBuf {
    let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut existing = p.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut out = fs::canonicalize(existing).unwrap_or_else(|_| existing.to_path_buf());
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    out
}

pub fn write(out: &Path, artifacts: &[Artifact]) -> Result<(), Diagnostic> {
    if fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(
            Diagnostic::error("E040", "the output folder is a symbolic link")
                .in_file(out)
                .help("pass the real folder: tokenward does not replace links"),
        );
    }
    if out.exists() {
        let empty = fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !out.join(MANIFEST).is_file() && !empty {
            return Err(Diagnostic::error(
                "E040",
                "the output folder exists and was not written by tokenward",
            )
            .in_file(out)
            .help(format!("choose another --out, or empty it (tokenward only replaces folders holding {MANIFEST})")));
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| io("cannot create folder", &parent, e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dist".into());
    // One build at a time per output folder: concurrent runs queue instead of interleaving.
    let _lock = lock(&parent.join(format!(".{name}.tokenward-lock")))?;
    let foreign = foreign_entries(out)?;
    let ours: BTreeSet<String> = artifacts.iter().map(|a| rel(&a.path)).collect();
    if let Some(clash) = foreign.iter().find(|f| ours.contains(&f.rel)) {
        return Err(Diagnostic::error(
            "E040",
            format!(
                "{} in the output folder was not written by tokenward and would be overwritten",
                clash.rel
            ),
        )
        .in_file(out)
        .help("move that file away, or list it in the manifest if tokenward should own it"));
    }
    // Removed on every path out of this function unless kept below.
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.tokenward-new-"))
        .tempdir_in(&parent)
        .map_err(|e| io("cannot create a staging folder", &parent, e))?;
    let mut manifest = String::from(
        "# Files written by tokenward build. It replaces these on each build and keeps any other file.\n",
    );
    for f in &foreign {
        f.carry_over(out, staging.path())?;
    }
    let mut made = BTreeSet::new();
    for a in artifacts {
        let p = staging.path().join(&a.path);
        if let Some(dir) = p.parent().filter(|d| !made.contains(*d)) {
            fs::create_dir_all(dir).map_err(|e| io("cannot create folder", dir, e))?;
            made.insert(dir.to_path_buf());
        }
        fs::write(&p, a.bytes()).map_err(|e| io("cannot write", &p, e))?;
        manifest.push_str(&rel(&a.path));
        manifest.push('\n');
    }
    fs::write(staging.path().join(MANIFEST), manifest)
        .map_err(|e| io("cannot write", staging.path(), e))?;
    let old = tempfile::Builder::new()
        .prefix(&format!(".{name}.tokenward-old-"))
        .tempdir_in(&parent)
        .map_err(|e| io("cannot create a staging folder", &parent, e))?;
    let aside = old.path().join("previous");
    if out.exists() {
        fs::rename(out, &aside).map_err(|e| io("cannot move the previous output aside", out, e))?;
    }
    let staged = staging.keep();
    if let Err(e) = fs::rename(&staged, out) {
        let _ = fs::rename(&aside, out);
        let _ = fs::remove_dir_all(&staged);
        return Err(io("cannot move the new output in place", out, e));
    }
    Ok(())
}

fn rel(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// A file or link someone else put in the output folder.
struct Foreign {
    rel: String,
    link: Option<PathBuf>,
}

impl Foreign {
    /// Into the staging folder as it was: a link stays a link to the same target, never a copy.
    fn carry_over(&self, out: &Path, staging: &Path) -> Result<(), Diagnostic> {
        let (from, to) = (out.join(&self.rel), staging.join(&self.rel));
        if let Some(dir) = to.parent() {
            fs::create_dir_all(dir).map_err(|e| io("cannot create folder", dir, e))?;
        }
        match &self.link {
            Some(target) => {
                make_link(target, &to).map_err(|e| io("cannot keep the link", &from, e))
            }
            None => fs::copy(&from, &to)
                .map(|_| ())
                .map_err(|e| io("cannot keep", &from, e)),
        }
    }
}

#[cfg(unix)]
fn make_link(target: &Path, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, at)
}

#[cfg(not(unix))]
fn make_link(_target: &Path, at: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other(format!(
        "cannot recreate the link {}",
        at.display()
    )))
}

/// Files and links in an existing output folder that its manifest does not list. Links are listed, not
/// followed, so a link to a folder (or a loop) is carried over as one entry.
fn foreign_entries(out: &Path) -> Result<Vec<Foreign>, Diagnostic> {
    let Ok(manifest) = fs::read_to_string(out.join(MANIFEST)) else {
        return Ok(Vec::new());
    };
    let listed: BTreeSet<&str> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(out)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| {
            Diagnostic::error("E040", format!("cannot read the output folder: {e}")).in_file(out)
        })?;
        let is_link = entry.path_is_symlink();
        if entry.file_type().is_dir() && !is_link {
            continue;
        }
        let Ok(r) = entry.path().strip_prefix(out) else {
            continue;
        };
        let r = rel(r);
        if r == MANIFEST || listed.contains(r.as_str()) && !is_link {
            continue;
        }
        let link = if is_link {
            Some(
                fs::read_link(entry.path())
                    .map_err(|e| io("cannot read the link", entry.path(), e))?,
            )
        } else {
            None
        };
        found.push(Foreign { rel: r, link });
    }
    Ok(found)
}

/// Holds the output folder's lock until dropped. The lock is the operating system's: a build that is
/// killed releases it, so no stale lock is ever guessed at.
struct Lock(#[allow(dead_code)] fs::File);

fn lock(path: &Path) -> Result<Lock, Diagnostic> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| io("cannot open the lock file", path, e))?;
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Lock(file)),
            Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Diagnostic::error(
                    "E040",
                    "another build has held the output folder's lock for 10 minutes",
                )
                .in_file(path)
                .help("wait for that build to finish"))
            }
            Err(fs::TryLockError::Error(e)) => return Err(io("cannot lock", path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::{ArtifactKind, Target};

    fn artifact(path: &str, text: &str) -> Artifact {
        Artifact::of_rule(
            Target::Sentinel,
            ArtifactKind::Query,
            "x",
            path,
            text.to_string(),
        )
    }

    #[cfg(unix)]
    #[test]
    fn links_in_the_output_are_kept_as_links() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("dist");
        write(&out, &[artifact("sentinel/x.kql", "q1")]).unwrap();
        std::fs::write(tmp.path().join("elsewhere"), "mine").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("elsewhere"), out.join("link")).unwrap();
        std::os::unix::fs::symlink(&out, out.join("sentinel/loop")).unwrap();
        write(&out, &[artifact("sentinel/x.kql", "q2")]).unwrap();
        let link = out.join("link");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            tmp.path().join("elsewhere")
        );
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("elsewhere")).unwrap(),
            "mine"
        );
        assert!(std::fs::symlink_metadata(out.join("sentinel/loop"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(out.join("sentinel/x.kql")).unwrap(),
            "q2"
        );
        // Nothing left beside the output.
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("tokenward-new") || n.contains("tokenward-old"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn a_held_lock_is_released_when_its_holder_goes() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join(".lock");
        let held = lock(&p).unwrap();
        let f = fs::OpenOptions::new().write(true).open(&p).unwrap();
        assert!(matches!(f.try_lock(), Err(fs::TryLockError::WouldBlock)));
        drop(held);
        assert!(f.try_lock().is_ok());
    }
}
