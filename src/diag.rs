//! One `Diagnostic` type for the compiler (and later the linter), rendered only at the edge.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

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
        let start = self.line_starts[line];
        let col = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count();
        (line + 1, col + 1)
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

    fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let rest = &self.text[start..];
        rest.split('\n').next().unwrap_or("").trim_end_matches('\r')
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
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
        Self {
            file: Arc::clone(file),
            start,
            end: end.max(start),
        }
    }

    pub fn line_col(&self) -> (usize, usize) {
        self.file.line_col(self.start)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Stable code, `E0xx` for the compiler.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where it happened; `None` for whole-file or I/O problems (then `path` says which file).
    pub span: Option<Span>,
    pub path: Option<PathBuf>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            span: None,
            path: None,
            help: None,
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

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn file_path(&self) -> Option<&Path> {
        self.span
            .as_ref()
            .map(|s| s.file.path.as_path())
            .or(self.path.as_deref())
    }

    /// `file:line:col: error[E001]: message`, the source line with a caret, then the hint.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.span {
            Some(span) => {
                let (line, col) = span.line_col();
                let _ = writeln!(
                    out,
                    "{}:{line}:{col}: {level}[{}]: {}",
                    span.file.path.display(),
                    self.code,
                    self.message
                );
                let text = span.file.line_text(line);
                let gutter = line.to_string().len();
                let _ = writeln!(out, "{:gutter$} |", "");
                let _ = writeln!(out, "{line} | {text}");
                let (end_line, end_col) = span.file.line_col(span.end);
                let width = if end_line == line && end_col > col {
                    end_col - col
                } else {
                    1
                };
                let pad: String = text
                    .chars()
                    .take(col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = writeln!(out, "{:gutter$} | {pad}{}", "", "^".repeat(width));
            }
            None => {
                let place = self
                    .path
                    .as_ref()
                    .map(|p| format!("{}: ", p.display()))
                    .unwrap_or_default();
                let _ = writeln!(out, "{place}{level}[{}]: {}", self.code, self.message);
            }
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }

    pub fn to_json(&self) -> JsonDiagnostic {
        let (line, column) = self
            .span
            .as_ref()
            .map(|s| s.line_col())
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        JsonDiagnostic {
            code: self.code,
            severity: self.severity,
            message: self.message.clone(),
            file: self.file_path().map(|p| p.display().to_string()),
            line,
            column,
            help: self.help.clone(),
        }
    }
}

/// The stable JSON shape of a diagnostic, kept apart from the internal type.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub help: Option<String>,
}

/// Suggest the closest candidate for a misspelt name (edit distance at most a third of its length).
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
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
    }

    #[test]
    fn caret_sits_under_the_span() {
        let f = SourceFile::new("r.yaml", "when: later.asn contains 5\n".to_string());
        let d = Diagnostic::error("E020", "bad")
            .at(Span::new(&f, 6, 15))
            .help("hint");
        let text = d.render_human();
        assert!(text.starts_with("r.yaml:1:7: error[E020]: bad\n"), "{text}");
        assert!(text.contains("\n  |       ^^^^^^^^^\n"), "{text}");
        assert!(text.ends_with("  = help: hint\n"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("windw", ["window", "key"]), Some("window"));
        assert_eq!(did_you_mean("zzz", ["window", "key"]), None);
    }
}
