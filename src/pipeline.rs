//! The pipeline, one function per arrow: find rule files → check them into IR → lower each to a plan →
//! render every target → lint the output → write it. The CLI and the tests call these; no stage calls a
//! later one.

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
            match crate::walk::files(p, &crate::walk::is_data_folder) {
                Ok(files) => out.extend(files.into_iter().filter(|f| is_yaml(f))),
                Err(e) => errs.extend(e),
            }
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

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
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
