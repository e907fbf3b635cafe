//! The pipeline, one function per arrow: find rule files → check them into IR → lower each to a plan →
//! render every target → lint the output → write it. The CLI and the tests call these; no stage calls a
//! later one.

use std::fs;
use std::path::{Path, PathBuf};

use crate::backend::{Artifact, Backends, Target};
use crate::diag::Diagnostic;
use crate::ir::Detection;
use crate::plan::{self, Plan};

/// More rule files than this in one build is refused.
pub const MAX_RULES: usize = 10_000;

/// Rule files under the given paths (folders are walked; `lists/` and `tests/` are skipped), sorted.
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

/// The checked detections of the rules under `root`/`paths`, named relative to `root`.
pub fn check_at(root: &Path, paths: &[PathBuf]) -> Result<Vec<Detection>, Vec<Diagnostic>> {
    let full: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
    let files = find_rules(&full)?;
    crate::check::check_all(&files, root)
}

/// The backends and the checked detections of the rules under `paths`, or every problem found.
pub fn load(
    paths: &[PathBuf],
    profiles: Option<&Path>,
) -> Result<(Backends, Vec<Detection>), Vec<Diagnostic>> {
    let backends = Backends::load(profiles)?;
    let files = find_rules(paths)?;
    let detections = crate::check::check_all(&files, Path::new(""))?;
    Ok((backends, detections))
}

/// Every detection lowered to its plan.
pub fn plan_all(detections: &[Detection]) -> Vec<Plan> {
    detections.iter().map(plan::lower).collect()
}

/// Every artifact of the build, in a stable order. Every build lints its own output; a generated query
/// with a lint error fails the build.
pub fn compile(
    plans: &[Plan],
    targets: &[Target],
    backends: &Backends,
) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for &t in targets {
        let b = backends.get(t);
        let companions = match b.companions() {
            Ok(a) => a,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let mut rendered = Vec::new();
        for p in plans {
            match b.render(p) {
                Ok(a) => rendered.push((p, a)),
                Err(e) => errs.push(e),
            }
        }
        if errs.is_empty() {
            let pairs: Vec<(&Plan, &Artifact)> = rendered.iter().map(|(p, a)| (*p, a)).collect();
            match b.publish(&pairs, &companions) {
                Ok(a) => out.extend(a),
                Err(e) => errs.extend(e),
            }
        }
        out.extend(companions);
        out.extend(rendered.into_iter().map(|(_, a)| a));
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    for a in &out {
        errs.extend(
            crate::lint::lint_generated(&a.path, &a.contents)
                .into_iter()
                .filter(Diagnostic::is_error),
        );
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}
