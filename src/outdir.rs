//! The output folder: written whole into a fresh sibling and swapped in, so a failed build leaves the
//! previous output exactly as it was; files tokenward did not write are kept; one build at a time.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::target::Artifact;

/// Written into every output folder; a folder without it is never replaced.
pub const MANIFEST: &str = ".tokenward-manifest";

/// Writes the artifacts to `out`: into a fresh sibling folder first, then swapped in, so a failure
/// leaves the previous output exactly as it was.
pub fn write(out: &Path, artifacts: &[Artifact]) -> Result<(), Diagnostic> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Diagnostic::error("E040", format!("{what}: {e}")).in_file(p)
    };
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
    let _lock = Lock::acquire(&parent.join(format!(".{name}.tokenward-lock")))?;
    let staging = parent.join(format!(".{name}.tokenward-new-{}", std::process::id()));
    let old = parent.join(format!(".{name}.tokenward-old-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    // Files someone else put in the folder are carried over, never deleted.
    let foreign = foreign_files(out);
    let ours: std::collections::BTreeSet<String> = artifacts
        .iter()
        .map(|a| a.path.to_string_lossy().replace('\\', "/"))
        .collect();
    if let Some(clash) = foreign.iter().find(|f| ours.contains(*f)) {
        return Err(Diagnostic::error(
            "E040",
            format!("{clash} in the output folder was not written by tokenward and would be overwritten"),
        )
        .in_file(out)
        .help("move that file away, or list it in the manifest if tokenward should own it"));
    }
    let result = (|| {
        let mut manifest = String::from(
            "# Files written by tokenward build. It replaces these on each build and keeps any other file.\n",
        );
        for f in &foreign {
            let (from, to) = (out.join(f), staging.join(f));
            if let Some(dir) = to.parent() {
                fs::create_dir_all(dir).map_err(|e| io("cannot create folder", dir, e))?;
            }
            fs::copy(&from, &to).map_err(|e| io("cannot keep", &from, e))?;
        }
        let mut made = std::collections::BTreeSet::new();
        for a in artifacts {
            let p = staging.join(&a.path);
            if let Some(dir) = p.parent().filter(|d| !made.contains(*d)) {
                fs::create_dir_all(dir).map_err(|e| io("cannot create folder", dir, e))?;
                made.insert(dir.to_path_buf());
            }
            fs::write(&p, a.bytes()).map_err(|e| io("cannot write", &p, e))?;
            manifest.push_str(&a.path.to_string_lossy().replace('\\', "/"));
            manifest.push('\n');
        }
        fs::write(staging.join(MANIFEST), manifest).map_err(|e| io("cannot write", &staging, e))?;
        if out.exists() {
            fs::rename(out, &old)
                .map_err(|e| io("cannot move the previous output aside", out, e))?;
        }
        if let Err(e) = fs::rename(&staging, out) {
            let _ = fs::rename(&old, out);
            return Err(io("cannot move the new output in place", out, e));
        }
        let _ = fs::remove_dir_all(&old);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// Files in an existing output folder that its manifest does not list (someone else's).
fn foreign_files(out: &Path) -> Vec<String> {
    let Ok(manifest) = fs::read_to_string(out.join(MANIFEST)) else {
        return Vec::new();
    };
    let listed: std::collections::BTreeSet<&str> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let mut found = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(out) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if rel != MANIFEST && !listed.contains(rel.as_str()) {
                    found.push(rel);
                }
            }
        }
    }
    found.sort();
    found
}

/// An exclusive lock file, removed on drop. A lock older than ten minutes is stale (a killed build).
struct Lock(PathBuf);

impl Lock {
    fn acquire(path: &Path) -> Result<Lock, Diagnostic> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(mut f) => {
                    use std::io::Write as _;
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(Lock(path.to_path_buf()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > std::time::Duration::from_secs(600));
                    if stale {
                        let _ = fs::remove_file(path);
                        continue;
                    }
                    if std::time::Instant::now() > deadline {
                        return Err(Diagnostic::error(
                            "E040",
                            "another build holds the output folder's lock",
                        )
                        .in_file(path)
                        .help(
                            "wait for it to finish, or remove the lock file if no build is running",
                        ));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => {
                    return Err(Diagnostic::error(
                        "E040",
                        format!("cannot create the lock file: {e}"),
                    )
                    .in_file(path))
                }
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}
