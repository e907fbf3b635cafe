//! One `Diagnostic` type for the compiler and the linter: a code, a level, a message, a primary span,
//! secondary labels, notes and a hint. Rendered only at the edge (render.rs; src/output.rs for formats).

mod render;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

pub use render::{escape_invisible, JsonDiagnostic, JsonLabel, JsonPlace};

/// A source file held in memory so diagnostics can quote the offending line.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Arc<Self> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Arc::new(Self {
            path: path.into(),
            text,
            line_starts,
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        (line + 1, column(&self.text, self.line_starts[line], offset))
    }

    /// Byte offset of a 1-based line and character column (clamped to the text).
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let end_of_line = rest.find('\n').unwrap_or(rest.len());
        rest[..end_of_line]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map(|(i, _)| start + i)
            .unwrap_or(start + end_of_line)
    }

    /// The byte range of a 1-based line, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = self.line_starts[line - 1];
        let rest = &self.text[start..];
        let len = rest.find('\n').unwrap_or(rest.len());
        let len = if rest[..len].ends_with('\r') {
            len - 1
        } else {
            len
        };
        start..start + len
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The 1-based character column of `offset` in the line starting at `line_start`.
fn column(text: &str, line_start: usize, offset: usize) -> usize {
    text[line_start..floor_char_boundary(text, offset)]
        .chars()
        .count()
        + 1
}

/// 1-based line and character column of a byte offset in `text` (clamped to the text), for texts
/// without a [`SourceFile`]. Same arithmetic as [`SourceFile::line_col`].
pub fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let end = floor_char_boundary(text, byte.min(text.len()));
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, column(text, line_start, end))
}

/// A byte range in one source file.
#[derive(Debug, Clone)]
pub struct Span {
    pub file: Arc<SourceFile>,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: &Arc<SourceFile>, start: usize, end: usize) -> Self {
        let len = file.text.len();
        Self {
            file: Arc::clone(file),
            start: start.min(len),
            end: end.max(start).min(len),
        }
    }

    pub fn line_col(&self) -> (usize, usize) {
        self.file.line_col(self.start)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A secondary place a diagnostic points at ("first defined here").
#[derive(Debug, Clone)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Stable code: `E0xx` for the compiler, `KQL0xx`/`SPL0xx` for lints (src/codes.rs).
    pub code: &'static str,
    pub severity: Level,
    pub message: String,
    /// Where it happened; `None` for whole-file or I/O problems (then `path` says which file).
    pub span: Option<Span>,
    pub path: Option<PathBuf>,
    /// Other places that explain it.
    pub labels: Vec<Label>,
    /// Facts that are neither a place nor a fix.
    pub notes: Vec<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Level::Error,
            message: message.into(),
            span: None,
            path: None,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Level::Warning,
            ..Self::error(code, message)
        }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn in_file(mut self, path: &Path) -> Self {
        self.path = Some(path.to_path_buf());
        self
    }

    /// A secondary place, with what it shows.
    pub fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Level::Error
    }

    pub fn file_path(&self) -> Option<&Path> {
        self.span
            .as_ref()
            .map(|s| s.file.path.as_path())
            .or(self.path.as_deref())
    }

    /// For people, without colour: level, code and message, `--> file:line:col`, the offending line
    /// with the span marked, labels, notes and the hint.
    pub fn render_human(&self) -> String {
        render::human(self, false)
    }

    /// The same with ANSI colour; print it through anstream, which drops the colour for pipes and
    /// when NO_COLOR is set.
    pub fn render_styled(&self) -> String {
        render::human(self, true)
    }

    pub fn to_json(&self) -> JsonDiagnostic {
        render::json(self)
    }
}

/// Suggest the closest candidate for a misspelt name (edit distance at most a third of its length).
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("x.yaml", "ab\nçd: e\n".to_string());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(5), (2, 2)); // after the two-byte ç
        assert_eq!(f.offset_of(2, 2), 5);
        for b in 0..f.text.len() {
            assert_eq!(line_col(&f.text, b), f.line_col(b), "byte {b}");
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("windw", ["window", "key"]), Some("window"));
        assert_eq!(did_you_mean("zzz", ["window", "key"]), None);
    }
}
