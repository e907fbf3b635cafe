//! What the language server knows about one open document: its diagnostics (the CLI's own checks on
//! the unsaved text), hovers, completions and definitions. Plain functions of the text, so they are
//! tested without a client.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalogue::{self, Field};
use crate::diag::{Diagnostic, SourceFile};
use crate::lint::{self, Language};

/// A position as LSP counts it: 0-based line, UTF-16 code units into the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub character: u32,
}

/// What kind of file a document is, by its name and (for YAML) its top-level keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Query(Language),
    Rule,
    Other,
}

pub fn kind_of(path: &Path, text: &str) -> DocKind {
    if let Some(lang) = Language::of(path) {
        return DocKind::Query(lang);
    }
    let yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let top = |key: &str| text.lines().any(|l| l.starts_with(key));
    if yaml && (top("match:") || top("correlation:")) {
        DocKind::Rule
    } else {
        DocKind::Other
    }
}

/// The project-wide inputs the checks need, loaded once per server.
pub struct Context {
    pub config: lint::Config,
    pub schemas: lint::kql::schema::Schemas,
    pub splunk_fields: lint::spl::fields::Catalogue,
    pub backends: Option<crate::backend::Backends>,
}

impl Context {
    /// The project config at `root/tokenward.yaml` when there is one (defaults when it is unreadable:
    /// the editor shows the document's findings either way).
    pub fn load(root: Option<&Path>) -> Self {
        let config = root
            .map(|r| r.join(lint::config::FILE_NAME))
            .filter(|p| p.is_file())
            .and_then(|p| lint::Config::load(Some(&p)).ok())
            .unwrap_or_default();
        let mut schemas = lint::kql::schema::Schemas::bundled();
        for dir in &config.schema_dirs {
            let _ = schemas.load_dir(dir);
        }
        let profiles = root.map(|r| r.join("profiles")).filter(|p| p.is_dir());
        let backends = crate::backend::Backends::load(profiles.as_deref())
            .or_else(|_| crate::backend::Backends::load(None))
            .ok();
        Self {
            config,
            schemas,
            splunk_fields: lint::spl::fields::Catalogue::bundled(),
            backends,
        }
    }
}

/// The diagnostics the CLI reports for this document (`lint` for queries, `build`'s checks for rules),
/// only those located in the document itself.
pub fn diagnostics(cx: &Context, path: &Path, text: &str) -> Vec<Diagnostic> {
    let file = SourceFile::new(path, text.to_string());
    let all = match kind_of(path, text) {
        DocKind::Query(lang) => {
            lint::lint_text(&file, lang, &cx.config, &cx.schemas, &cx.splunk_fields)
        }
        DocKind::Rule => {
            let mut store = crate::lists::ListStore::new(Path::new(""));
            match crate::check::check_source(&file, path, path, &mut store) {
                Ok((d, _)) => d.warnings,
                Err(errs) => errs,
            }
        }
        DocKind::Other => Vec::new(),
    };
    all.into_iter()
        .filter(|d| d.span.as_ref().is_some_and(|s| s.file.path == path))
        .collect()
}

/// The LSP position of a byte offset of `text`.
pub fn position(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let before = &text[..floor(text, offset)];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[line_start..].encode_utf16().count();
    Pos {
        line: line as u32,
        character: character as u32,
    }
}

/// The byte offset of an LSP position (clamped to the line and the text).
pub fn offset(text: &str, pos: Pos) -> usize {
    let mut start = 0;
    for _ in 0..pos.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut units = 0u32;
    for (i, c) in text[start..line_end].char_indices() {
        if units >= pos.character {
            return start + i;
        }
        units += c.len_utf16() as u32;
    }
    line_end
}

fn floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifier under `offset` and where it starts.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, &str)> {
    let offset = floor(text, offset.min(text.len()));
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    (end > start).then(|| (start, &text[start..end]))
}

/// Markdown for the thing under the cursor: a diagnostic code, or a canonical field with the column
/// each target profile reads it from.
pub fn hover(cx: &Context, path: &Path, text: &str, at: usize) -> Option<String> {
    let (start, word) = word_at(text, at)?;
    if let Some(entry) = crate::codes::find(word) {
        return Some(entry.markdown());
    }
    if kind_of(path, text) != DocKind::Rule {
        return None;
    }
    let field = Field::by_name(word)?;
    // `later.asn`: the part after the dot is the field; `later` alone is not.
    let qualified = text[..start].ends_with('.');
    let info = field.info();
    let mut md = format!(
        "**{}** — {}{}\n\n{}\n",
        info.name,
        info.ty.describe(),
        if qualified { "" } else { " (canonical field)" },
        info.doc
    );
    if let Some(backends) = &cx.backends {
        md.push_str("\n| target | read from |\n|---|---|\n");
        for b in backends.iter() {
            md.push_str(&format!(
                "| {} | `{}` |\n",
                b.target().name(),
                b.source_of(field)
            ));
        }
    }
    Some(md)
}

/// True when `offset` sits in the value of a `when:` or `where:` key, on its line or in the block
/// scalar below it.
pub fn in_condition(text: &str, offset: usize) -> bool {
    let offset = floor(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let current = &text[line_start..offset];
    let key_of = |line: &str| -> Option<(usize, String)> {
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start().trim_start_matches("- ");
        let colon = body.find(':')?;
        let key = &body[..colon];
        key.chars().all(is_word).then(|| (indent, key.to_string()))
    };
    if let Some((_, key)) = key_of(current) {
        if (key == "when" || key == "where") && current.contains(':') {
            return true;
        }
    }
    let indent = current.len() - current.trim_start().len();
    // A continuation line: the nearest line above that is less indented holds its key.
    let mut before = text[..line_start].lines().rev();
    for line in before.by_ref() {
        if line.trim().is_empty() {
            continue;
        }
        let li = line.len() - line.trim_start().len();
        if li < indent || indent == 0 {
            return matches!(key_of(line), Some((_, k)) if k == "when" || k == "where");
        }
    }
    false
}

/// One completion: its label, what it is, and its documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub label: String,
    /// `field`, `list` or `operator`.
    pub kind: &'static str,
    pub detail: String,
}

pub const OPERATORS: &[(&str, &str)] = &[
    ("and", "both conditions hold"),
    ("or", "either condition holds"),
    ("not", "the condition does not hold"),
    ("in", "the value is in a list"),
    ("!in", "the value is not in a list"),
    (
        "in_cidr",
        "the IP address is in one of a list's CIDR ranges",
    ),
    (
        "contains",
        "the string contains a substring (case-insensitive)",
    ),
    (
        "startswith",
        "the string starts with a prefix (case-insensitive)",
    ),
    (
        "endswith",
        "the string ends with a suffix (case-insensitive)",
    ),
    ("==", "equal"),
    ("!=", "not equal"),
];

/// Completions inside a condition: after `first.`/`later.` the canonical fields; elsewhere the
/// fields, the lists the rule can read and the operators.
pub fn completions(path: &Path, text: &str, at: usize) -> Vec<Item> {
    let at = floor(text, at.min(text.len()));
    if kind_of(path, text) != DocKind::Rule || !in_condition(text, at) {
        return Vec::new();
    }
    let (start, _) = word_at(text, at).unwrap_or((at, ""));
    let after_dot = text[..start].ends_with('.');
    let mut out: Vec<Item> = catalogue::CATALOGUE
        .iter()
        .map(|f| Item {
            label: f.name.to_string(),
            kind: "field",
            detail: format!("{} — {}", f.ty.describe(), f.doc),
        })
        .collect();
    if after_dot {
        return out;
    }
    for (name, origin) in list_names(path, text) {
        out.push(Item {
            label: name,
            kind: "list",
            detail: origin,
        });
    }
    for (op, doc) in OPERATORS {
        out.push(Item {
            label: (*op).to_string(),
            kind: "operator",
            detail: (*doc).to_string(),
        });
    }
    out
}

/// The lists a rule can read: its own (`lists:` keys) and the files of the lists folder beside it.
pub fn list_names(path: &Path, text: &str) -> Vec<(String, String)> {
    let mut out = local_lists(text)
        .into_iter()
        .map(|(n, _)| (n, "a list of this rule".to_string()))
        .collect::<Vec<_>>();
    if let Some(dir) = crate::lists::lists_dir_for(path) {
        for name in crate::lists::ListStore::names(&dir) {
            let file = dir.join(format!("{name}.yaml"));
            out.push((name, file.display().to_string()));
        }
    }
    out
}

/// The rule's own lists: the keys indented under the top-level `lists:`, with their byte offsets.
fn local_lists(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut inside = false;
    let mut child_indent = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        let indent = trimmed.len() - trimmed.trim_start().len();
        if indent == 0 && !trimmed.is_empty() && !trimmed.starts_with('#') {
            inside = trimmed.starts_with("lists:");
            child_indent = None;
        } else if inside && !trimmed.trim().is_empty() && !trimmed.trim_start().starts_with('#') {
            let ci = *child_indent.get_or_insert(indent);
            if indent == ci {
                if let Some(name) = trimmed.trim_start().strip_suffix(':') {
                    if name.chars().all(is_word) {
                        out.push((name.to_string(), offset + indent));
                    }
                }
            }
        }
        offset += line.len();
    }
    out
}

/// Where a list name under the cursor is defined: the rule's own `lists:` entry (in this document),
/// or `lists/<name>.yaml`.
pub enum Definition {
    Here(usize),
    File(PathBuf),
}

pub fn definition(path: &Path, text: &str, at: usize) -> Option<Definition> {
    if kind_of(path, text) != DocKind::Rule {
        return None;
    }
    let (_, word) = word_at(text, at)?;
    if let Some((_, at)) = local_lists(text).into_iter().find(|(n, _)| n == word) {
        return Some(Definition::Here(at));
    }
    let file = crate::lists::lists_dir_for(path)?.join(format!("{word}.yaml"));
    file.is_file().then_some(Definition::File(file))
}

/// The span of a diagnostic as LSP positions (start, end).
pub fn range_of(d: &Diagnostic) -> Option<(Pos, Pos)> {
    let s = d.span.as_ref()?;
    let text: &Arc<SourceFile> = &s.file;
    Some((position(&text.text, s.start), position(&text.text, s.end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let t = "ab\né€😀x\n";
        let p = position(t, t.find('x').unwrap());
        assert_eq!(
            p,
            Pos {
                line: 1,
                character: 4
            }
        );
        assert_eq!(offset(t, p), t.find('x').unwrap());
    }

    #[test]
    fn conditions_are_found_on_their_line_and_in_block_scalars() {
        let t = "match:\n  when: >\n    result == \"0\"\n    and asn\nsuppressions:\n  - name: x\n";
        assert!(in_condition(t, t.find("and asn").unwrap() + 4));
        assert!(in_condition(t, t.find("result").unwrap()));
        assert!(!in_condition(t, t.find("name: x").unwrap() + 6));
        let one = "correlation:\n  later:\n    when: later.asn in \n";
        assert!(in_condition(one, one.find(" in ").unwrap() + 4));
    }

    #[test]
    fn local_lists_are_the_keys_under_lists() {
        let t = "id: x\nlists:\n  mine:\n    kind: asn\n    values: [1]\n  other:\n    kind: string\nmatch:\n  when: asn in mine\n";
        let names: Vec<String> = local_lists(t).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["mine", "other"]);
    }
}
