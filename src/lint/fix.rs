//! Mechanical fixes (`tokenward lint --fix`): edits a lint attaches to a finding, applied to the file
//! atomically (a temporary file beside it, then a rename) and idempotently (a fixed finding no longer
//! fires, so a second run changes nothing).

use std::path::Path;

/// One replacement of a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// A finding's fix: what it does, and its edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub description: &'static str,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn replace(
        description: &'static str,
        start: usize,
        end: usize,
        replacement: impl Into<String>,
    ) -> Self {
        Fix {
            description,
            edits: vec![Edit {
                start,
                end,
                replacement: replacement.into(),
            }],
        }
    }

    pub fn insert(description: &'static str, at: usize, text: impl Into<String>) -> Self {
        Fix::replace(description, at, at, text)
    }
}

/// Applies the fixes to `text` in order of position; a fix that overlaps one already taken is left
/// for the next run. Returns the new text and how many fixes were applied.
pub fn apply(text: &str, fixes: &[Fix]) -> (String, usize) {
    let mut fixes: Vec<&Fix> = fixes.iter().filter(|f| !f.edits.is_empty()).collect();
    fixes.sort_by_key(|f| f.edits.iter().map(|e| e.start).min());
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for f in fixes {
        let overlaps = f.edits.iter().any(|e| {
            taken
                .iter()
                .any(|t| e.start < t.end.max(t.start + 1) && t.start < e.end.max(e.start + 1))
        });
        let valid = f.edits.iter().all(|e| {
            e.start <= e.end
                && e.end <= text.len()
                && text.is_char_boundary(e.start)
                && text.is_char_boundary(e.end)
        });
        if overlaps || !valid {
            continue;
        }
        taken.extend(f.edits.iter());
        applied += 1;
    }
    taken.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for e in taken {
        out.push_str(&text[at..e.start]);
        out.push_str(&e.replacement);
        at = e.end;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// Replaces `path`'s content with `text` atomically: a temporary file in the same folder, then a
/// rename over the original (which keeps its permissions).
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_fixes_wait_for_the_next_run() {
        let text = "where A == 0 and B == 1";
        let fixes = [
            Fix::replace("q", 11, 12, "\"0\""),
            Fix::replace("q", 22, 23, "\"1\""),
            Fix::replace("other", 11, 12, "x"),
        ];
        let (out, n) = apply(text, &fixes);
        assert_eq!(out, "where A == \"0\" and B == \"1\"");
        assert_eq!(n, 2);
        let (again, n) = apply(
            text,
            &[Fix::insert("i", 5, " kind=inner"), Fix::insert("j", 5, "x")],
        );
        assert_eq!(again, "where kind=inner A == 0 and B == 1");
        assert_eq!(n, 1);
    }
}
