//! Diagnostics for people (annotate-snippets) and for scripts (a stable JSON shape). A snippet shows
//! only the offending line, capped in length, with control and invisible characters escaped, so a
//! diagnostic can never print a whole file (or a file someone pointed a link at).

use std::borrow::Cow;

use annotate_snippets::{AnnotationKind, Group, Level as Ann, Origin, Renderer, Snippet};
use serde::Serialize;

use super::{Diagnostic, Level, Span};

/// Width the renderer trims long source lines to, around the marked span (as rustc does).
const WIDTH: usize = 160;

fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF | 0xAD)
}

/// A character as a message may print it: control, bidirectional and invisible characters are
/// written as escapes so they cannot reorder or hide what is printed.
fn visible(c: char, out: &mut String) {
    if hidden(c) {
        out.push_str(&c.escape_unicode().to_string());
    } else {
        out.push(c);
    }
}

/// A user's value quoted for a message: "…" with `"` and `\\` escaped, control, bidirectional and
/// invisible characters written as `\u{202e}`, cut at 80 characters.
pub fn escape_invisible(s: &str) -> String {
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        if i == 80 {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => visible(c, &mut out),
        }
    }
    out.push('"');
    out
}

/// The span's line, one character for one character: tabs as spaces, hidden characters as U+FFFD
/// (so columns stay right), and the span's byte range within it. Also the hidden characters found,
/// for a note.
fn shown_line(span: &Span) -> (usize, String, std::ops::Range<usize>, Vec<(usize, char)>) {
    let file = &span.file;
    let (line, _) = file.line_col(span.start);
    let range = file.line_range(line);
    let start = span.start.clamp(range.start, range.end);
    let end = span.end.clamp(start, range.end);
    let mut out = String::new();
    let mut mark = (None, None);
    let mut found = Vec::new();
    for (col, (i, c)) in file.text[range.clone()].char_indices().enumerate() {
        let at = range.start + i;
        if at >= start && mark.0.is_none() {
            mark.0 = Some(out.len());
        }
        if at >= end && mark.1.is_none() {
            mark.1 = Some(out.len());
        }
        if c == '\t' {
            out.push(' ');
        } else if hidden(c) {
            found.push((col + 1, c));
            out.push('\u{fffd}');
        } else {
            out.push(c);
        }
    }
    let from = mark.0.unwrap_or(out.len());
    let mut to = mark.1.unwrap_or(out.len()).max(from);
    if to == from {
        // Point at one character, or just past the end of the line.
        to = from + out[from..].chars().next().map_or(0, char::len_utf8);
    }
    (line, out, from..to, found)
}

fn snippet(
    span: &Span,
    label: Option<&str>,
    kind: AnnotationKind,
) -> (
    Snippet<'static, annotate_snippets::Annotation<'static>>,
    Vec<(usize, char)>,
) {
    let (line, text, mark, found) = shown_line(span);
    let mut a = kind.span(mark);
    if let Some(l) = label {
        a = a.label(Cow::Owned(l.to_string()));
    }
    (
        Snippet::source(text)
            .line_start(line)
            .path(span.file.path.display().to_string())
            .annotation(a),
        found,
    )
}

fn hidden_note(found: &[(usize, char)]) -> Option<String> {
    let (col, c) = found.first()?;
    let more = match found.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    Some(format!(
        "the line holds an invisible or control character, U+{:04X} at column {col}{more}, shown as U+FFFD",
        *c as u32
    ))
}

/// Escapes what a message quotes from hostile input.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' {
            out.push_str("\\n");
        } else {
            visible(c, &mut out);
        }
    }
    out
}

pub(super) fn human(d: &Diagnostic, styled: bool) -> String {
    let level = match d.severity {
        Level::Error => Ann::ERROR,
        Level::Warning => Ann::WARNING,
    };
    let title = clean(&d.message);
    let mut group = Group::with_title(level.primary_title(title).id(d.code));
    let mut hidden = Vec::new();
    match &d.span {
        Some(span) => {
            let (sn, found) = snippet(span, None, AnnotationKind::Primary);
            hidden.extend(found);
            group = group.element(sn);
        }
        None => {
            if let Some(p) = &d.path {
                group = group.element(Origin::path(clean(&p.display().to_string())));
            }
        }
    }
    for l in &d.labels {
        let (sn, _) = snippet(&l.span, Some(&clean(&l.message)), AnnotationKind::Context);
        group = group.element(sn);
    }
    if let Some(n) = hidden_note(&hidden) {
        group = group.element(Ann::NOTE.message(n));
    }
    for n in &d.notes {
        group = group.element(Ann::NOTE.message(clean(n)));
    }
    if let Some(h) = &d.help {
        group = group.element(Ann::HELP.message(clean(h)));
    }
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .term_width(WIDTH);
    let mut out = renderer.render(&[group]);
    out.push('\n');
    out
}

/// A span's place as outputs show it.
#[derive(Debug, Serialize)]
pub struct JsonPlace {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte offsets into the file.
    pub start: usize,
    pub end: usize,
}

impl JsonPlace {
    pub fn of(span: &Span) -> Self {
        let (line, column) = span.file.line_col(span.start);
        let (end_line, end_column) = span.file.line_col(span.end);
        Self {
            file: span.file.path.display().to_string(),
            line,
            column,
            end_line,
            end_column,
            start: span.start,
            end: span.end,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct JsonLabel {
    #[serde(flatten)]
    pub place: JsonPlace,
    pub message: String,
}

/// The stable JSON shape of a diagnostic, kept apart from the internal type.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: Level,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    /// Byte offsets of the span in the file.
    pub start: Option<usize>,
    pub end: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<JsonLabel>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub help: Option<String>,
}

pub(super) fn json(d: &Diagnostic) -> JsonDiagnostic {
    let place = d.span.as_ref().map(JsonPlace::of);
    JsonDiagnostic {
        code: d.code,
        severity: d.severity,
        message: d.message.clone(),
        file: place
            .as_ref()
            .map(|p| p.file.clone())
            .or_else(|| d.path.as_ref().map(|p| p.display().to_string())),
        line: place.as_ref().map(|p| p.line),
        column: place.as_ref().map(|p| p.column),
        end_line: place.as_ref().map(|p| p.end_line),
        end_column: place.as_ref().map(|p| p.end_column),
        start: place.as_ref().map(|p| p.start),
        end: place.as_ref().map(|p| p.end),
        labels: d
            .labels
            .iter()
            .map(|l| JsonLabel {
                place: JsonPlace::of(&l.span),
                message: l.message.clone(),
            })
            .collect(),
        notes: d.notes.clone(),
        help: d.help.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceFile;

    #[test]
    fn the_span_is_marked_on_its_line() {
        let f = SourceFile::new(
            "r.yaml",
            "a: 1\nwhen: later.asn contains 5\nz: 2\n".to_string(),
        );
        let d = Diagnostic::error("E022", "bad")
            .at(Span::new(&f, 11, 20))
            .help("hint");
        let text = d.render_human();
        assert!(text.starts_with("error[E022]: bad\n"), "{text}");
        assert!(text.contains(" --> r.yaml:2:7\n"), "{text}");
        assert!(text.contains("2 | when: later.asn contains 5\n"), "{text}");
        assert!(text.contains("  |       ^^^^^^^^^"), "{text}");
        assert!(text.contains("= help: hint"), "{text}");
        assert!(!text.contains("z: 2"), "{text}");
    }

    #[test]
    fn only_the_offending_line_is_printed_and_escaped() {
        let long = format!(
            "k: {}\u{202e}evil\u{0}{}\nsecret: s\n",
            "x".repeat(500),
            "y".repeat(500)
        );
        let f = SourceFile::new("r.yaml", long);
        let d = Diagnostic::error("E002", "bad").at(Span::new(&f, 503, 507));
        let text = d.render_human();
        assert!(!text.contains("secret"), "{text}");
        assert!(
            !text.contains('\u{202e}') && !text.contains('\u{0}'),
            "{text}"
        );
        assert!(text.contains("U+202E at column 504 and 1 more"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() < 200), "{text}");
        assert!(text.contains(" --> r.yaml:1:504"), "{text}");
    }

    #[test]
    fn labels_point_at_other_files() {
        let a = SourceFile::new("a.yaml", "id: x\n".to_string());
        let b = SourceFile::new("b.yaml", "id: x\n".to_string());
        let d = Diagnostic::error("E011", "duplicate rule id `x`")
            .at(Span::new(&b, 4, 5))
            .label(Span::new(&a, 4, 5), "first used here");
        let text = d.render_human();
        assert!(
            text.contains("b.yaml:1:5") && text.contains("a.yaml:1:5"),
            "{text}"
        );
        assert!(text.contains("first used here"), "{text}");
        let json = serde_json::to_value(d.to_json()).unwrap();
        assert_eq!(json["labels"][0]["file"], "a.yaml");
        assert_eq!(json["start"], 4);
    }
}
