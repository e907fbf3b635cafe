//! The build: find rule files, check them all, compile every target, write the output folder atomically.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::backend::{self, Artifact, Profiles, Target};
use crate::check;
use crate::diag::{Diagnostic, Span};
use crate::ir::Detection;
use crate::lists::ListStore;

/// Written into every output folder; a folder without it is never replaced.
pub const MANIFEST: &str = ".tokenward-manifest";
/// More rule files than this in one build is refused.
pub const MAX_RULES: usize = 10_000;

/// Rule files under the given paths (folders are walked; `lists/` folders are skipped), sorted.
pub fn find_rules(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out, &mut errs);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            errs.push(
                Diagnostic::error("E001", "no such file or folder")
                    .in_file(p)
                    .help("pass rule files or folders of rules"),
            );
        }
    }
    out.sort();
    out.dedup();
    if out.len() > MAX_RULES {
        errs.push(
            Diagnostic::error(
                "E001",
                format!(
                    "{} rule files, more than the {MAX_RULES} one build takes",
                    out.len()
                ),
            )
            .help("build the content repository in parts"),
        );
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, errs: &mut Vec<Diagnostic>) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errs.push(Diagnostic::error("E001", format!("cannot read folder: {e}")).in_file(dir));
            return;
        }
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            if name != "lists" && name != "tests" {
                walk(&p, out, errs);
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(p);
        }
    }
}

/// Checks every rule file; all errors are collected, including duplicate ids across files.
pub fn check_all(files: &[PathBuf]) -> Result<Vec<Detection>, Vec<Diagnostic>> {
    let mut store = ListStore::default();
    let mut errs = Vec::new();
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    let mut detections = Vec::new();
    for f in files {
        match check::check_file(f, &mut store) {
            Ok((d, id_span)) => {
                if let Some(first) = seen.get(&d.id) {
                    let (line, col) = first.line_col();
                    errs.push(
                        Diagnostic::error("E011", format!("duplicate rule id `{}`", d.id))
                            .at(id_span)
                            .help(format!(
                                "already used at {}:{line}:{col}; ids must be unique across the rule set",
                                first.file.path.display()
                            )),
                    );
                } else {
                    seen.insert(d.id.clone(), id_span);
                    detections.push(d);
                }
            }
            Err(e) => errs.extend(e),
        }
    }
    if errs.is_empty() {
        Ok(detections)
    } else {
        Err(errs)
    }
}

/// Every artifact of the build, in a stable order.
pub fn compile_all(
    detections: &[Detection],
    targets: &[Target],
    profiles: &Profiles,
) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for &t in targets {
        let companions = match backend::companions(t, profiles) {
            Ok(a) => a,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let mut compiled = Vec::new();
        for d in detections {
            match backend::compile(d, t, profiles) {
                Ok(a) => compiled.push((d, a)),
                Err(e) => errs.push(e),
            }
        }
        if errs.is_empty() {
            let pairs: Vec<(&Detection, &Artifact)> =
                compiled.iter().map(|(d, a)| (*d, a)).collect();
            match backend::publish(t, profiles, &pairs, &companions) {
                Ok(a) => out.extend(a),
                Err(e) => errs.extend(e),
            }
        }
        out.extend(companions);
        out.extend(compiled.into_iter().map(|(_, a)| a));
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    // Every build lints its own output; a generated query with a lint error fails the build.
    for a in &out {
        errs.extend(
            crate::lint::lint_generated(&a.path, &a.contents)
                .into_iter()
                .filter(|d| d.severity == crate::diag::Severity::Error),
        );
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

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
            let bytes = a.binary.as_deref().unwrap_or(a.contents.as_bytes());
            fs::write(&p, bytes).map_err(|e| io("cannot write", &p, e))?;
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
