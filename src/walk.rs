//! Walking folders, one rule for every command: files in sorted order, hidden entries (`.x`) skipped,
//! folders a caller prunes not entered, symbolic links followed only when they stay inside the folder
//! that was named, loops refused. Inputs come from pull requests nobody has vetted.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

/// Folders that hold data beside rules, never rules themselves.
pub fn is_data_folder(name: &str) -> bool {
    name == "lists" || name == "tests"
}

/// Every file under `root` (or `root` itself when it is a file), sorted. `prune(name)` keeps the walk
/// out of folders with that name. A link that leaves `root`, a link loop, or an unreadable folder is an
/// error naming the path.
pub fn files(root: &Path, prune: &dyn Fn(&str) -> bool) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let base = root.canonicalize().map_err(|e| {
        vec![Diagnostic::error("E001", format!("cannot read: {e}"))
            .in_file(root)
            .help("pass files or folders that exist")]
    })?;
    let mut out = Vec::new();
    let mut errs = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || (e.file_type().is_dir() && prune(&name)))
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.into());
                let msg = if e.loop_ancestor().is_some() {
                    "a symbolic link loops back to a folder above it".to_string()
                } else {
                    format!("cannot read: {e}")
                };
                errs.push(
                    Diagnostic::error("E001", msg)
                        .in_file(&path)
                        .help("remove the link; tokenward does not follow links in circles"),
                );
                continue;
            }
        };
        if entry.path_is_symlink() {
            let inside = entry
                .path()
                .canonicalize()
                .is_ok_and(|target| target.starts_with(&base));
            if !inside {
                errs.push(
                    Diagnostic::error("E001", "a symbolic link points outside the folder given")
                        .in_file(entry.path())
                        .help("tokenward reads only files inside the folders named on the command line; copy the file in instead"),
                );
                continue;
            }
        }
        if entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_hidden_skipped_and_pruned() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path();
        for f in [
            "b.yaml",
            "a.yaml",
            ".hidden.yaml",
            "lists/x.yaml",
            "sub/c.yaml",
            ".git/d.yaml",
        ] {
            let path = p.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let found: Vec<String> = files(p, &is_data_folder)
            .unwrap()
            .iter()
            .map(|f| f.strip_prefix(p).unwrap().display().to_string())
            .collect();
        assert_eq!(found, ["a.yaml", "b.yaml", "sub/c.yaml"]);
    }

    #[cfg(unix)]
    #[test]
    fn links_that_leave_or_loop_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("rules");
        std::fs::create_dir_all(p.join("sub")).unwrap();
        std::fs::write(tmp.path().join("secret"), "x").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("secret"), p.join("leak.yaml")).unwrap();
        std::os::unix::fs::symlink(&p, p.join("sub/loop")).unwrap();
        std::fs::write(p.join("ok.yaml"), "x").unwrap();
        std::os::unix::fs::symlink(p.join("ok.yaml"), p.join("alias.yaml")).unwrap();
        let errs = files(&p, &|_| false).unwrap_err();
        let text: Vec<String> = errs.iter().map(|d| d.message.clone()).collect();
        assert!(text.iter().any(|m| m.contains("outside")), "{text:?}");
        assert!(text.iter().any(|m| m.contains("loops")), "{text:?}");
        assert_eq!(
            errs.len(),
            2,
            "the link inside the folder is fine: {text:?}"
        );
    }
}
