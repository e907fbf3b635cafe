//! Rule files and list files as written (YAML read with serde-saphyr, every value keeping its location).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diag::{did_you_mean, Diagnostic, SourceFile, Span};

/// The JSON Schema generator every file's schema is made with (`tokenward schema`, src/schema.rs):
/// draft 7, the draft yaml-language-server implements fully.
pub fn schema_generator() -> schemars::SchemaGenerator {
    schemars::generate::SchemaSettings::draft07().into_generator()
}

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// A value with where it was written: serde-saphyr's `Spanned`, wrapped so that its JSON Schema is the
/// schema of the value (the JSON Schema of each file comes from these same structs, `src/schema.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub value: T,
    /// Where the value is used (an alias's use site for an aliased value).
    pub referenced: serde_saphyr::Location,
    /// Where the value is defined.
    pub defined: serde_saphyr::Location,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_saphyr::Spanned::<T>::deserialize(d).map(|s| Spanned {
            value: s.value,
            referenced: s.referenced,
            defined: s.defined,
        })
    }
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDetection {
    /// The rule's id: kebab-case, unique across the rule set; names every output file.
    pub id: Spanned<String>,
    /// One line, shown as the alert's name.
    pub title: Spanned<String>,
    /// What the rule detects and why; carried into the analytic rule and the saved search.
    pub description: Spanned<String>,
    /// informational, low, medium or high.
    pub severity: Spanned<String>,
    /// experimental, test, stable or deprecated; `report --require` counts only stable rules.
    pub status: Spanned<String>,
    /// Who wrote the rule; carried into the query headers and the deployment metadata.
    #[serde(default)]
    pub author: Option<Spanned<String>>,
    /// MITRE ATT&CK technique ids (T1550.004).
    #[serde(default)]
    pub attack: Vec<Spanned<String>>,
    /// NIST 800-53 control ids (IA-2(1)).
    #[serde(default)]
    pub controls: Vec<Spanned<String>>,
    /// URLs; carried into the query headers and the deployment metadata.
    #[serde(default)]
    pub references: Vec<Spanned<String>>,
    /// Lists of the rule's own, by name (shared lists live in lists/<name>.yaml).
    #[serde(default)]
    pub lists: BTreeMap<String, Spanned<RawList>>,
    /// A rule that pairs an issuance with a later use of the same session.
    #[serde(default)]
    pub correlation: Option<Spanned<RawCorrelation>>,
    /// A rule that one event decides.
    #[serde(default, rename = "match")]
    pub single: Option<Spanned<RawMatch>>,
    /// The signals a correlation pair is scored on.
    #[serde(default)]
    pub signals: Option<Spanned<RawSignals>>,
    /// Conditions over the pair that silence it.
    #[serde(default)]
    pub suppressions: Vec<Spanned<RawSuppression>>,
    /// How often the deployed query runs and how late events may arrive.
    #[serde(default)]
    pub schedule: Option<Spanned<RawSchedule>>,
    /// Test cases: sample events in both shapes and what the rule must make of them.
    #[serde(default)]
    pub tests: Vec<Spanned<RawTest>>,
}

/// A rule test: sample events and what the rule must make of them.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTest {
    pub name: Spanned<String>,
    /// Files relative to the rule; `*.sentinel.json` rows or `*.splunk.json` events.
    pub events: Vec<Spanned<String>>,
    /// `alert` or `no_alert`.
    pub expect: Spanned<String>,
    #[serde(default)]
    pub sessions: Vec<Spanned<String>>,
    pub reason: Spanned<String>,
    /// Fields the samples lack on purpose; the run must report them absent.
    #[serde(default)]
    pub missing_fields: Vec<Spanned<String>>,
    /// `alert` tests: the severity every alert must have.
    #[serde(default)]
    pub severity: Option<Spanned<String>>,
    /// `alert` tests: the signals every alert must show, exactly (correlation rules).
    #[serde(default)]
    pub signals: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    #[serde(default)]
    pub key: Option<Spanned<String>>,
    pub window: Spanned<String>,
    pub issuance: Spanned<RawPredicate>,
    pub later: Spanned<RawPredicate>,
    /// A condition over the pair (`first.` and `later.` fields).
    #[serde(default, rename = "where")]
    pub pair: Option<Spanned<String>>,
    /// Which issuance in the window a later event pairs with: `latest` (default) or `first`.
    #[serde(default)]
    pub anchor: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPredicate {
    pub when: Spanned<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMatch {
    pub when: Spanned<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSignals {
    #[serde(default)]
    pub user_agent: Option<Spanned<bool>>,
    #[serde(default)]
    pub asn: Option<Spanned<bool>>,
    #[serde(default)]
    pub device: Option<Spanned<bool>>,
    /// Weights of the built-in signals (default 1 each).
    #[serde(default)]
    pub weights: BTreeMap<String, Spanned<i64>>,
    /// Signals of the rule's own: a condition over the pair.
    #[serde(default)]
    pub extra: Vec<Spanned<RawSignal>>,
    /// The score a pair needs: the sum of the weights of the signals that hold.
    #[serde(default)]
    pub min_score: Option<Spanned<i64>>,
    /// The earlier name of `min_score`, when every weight was 1.
    #[serde(default)]
    pub min_disagreements: Option<Spanned<i64>>,
    #[serde(default)]
    pub asn_categories: Vec<Spanned<String>>,
    #[serde(default)]
    pub require_asn_category: Option<Spanned<bool>>,
    #[serde(default)]
    pub risk_events: Vec<Spanned<String>>,
}

/// A signal of the rule's own.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSignal {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<Spanned<String>>,
    #[serde(default)]
    pub weight: Option<Spanned<i64>>,
    pub when: Spanned<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSuppression {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<Spanned<String>>,
    pub when: Spanned<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSchedule {
    #[serde(default)]
    pub every: Option<Spanned<String>>,
    #[serde(default)]
    pub ingestion_delay: Option<Spanned<String>>,
}

/// A list: inline in a rule's `lists:` or one file under `lists/`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawList {
    pub kind: Spanned<String>,
    #[serde(default)]
    pub description: Option<Spanned<String>>,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    #[serde(default)]
    pub values: Option<Spanned<Vec<Spanned<ListValue>>>>,
    #[serde(default)]
    pub external: Option<Spanned<RawExternal>>,
}

/// A list value as YAML gave it; the list's `kind` decides which are valid.
#[derive(Debug, Clone, PartialEq)]
pub enum ListValue {
    Int(i64),
    Str(String),
}

impl JsonSchema for ListValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ListValue".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A whole number (an ASN) or a string (a CIDR, an app id, a value); the list's `kind` decides which.",
            "type": ["integer", "string"]
        })
    }
}

impl<'de> Deserialize<'de> for ListValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ListValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a whole number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ListValue, E> {
                Ok(ListValue::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ListValue, E> {
                i64::try_from(v)
                    .map(ListValue::Int)
                    .map_err(|_| E::custom(format!("{v} is too large for a list value")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ListValue, E> {
                Err(E::custom(if v.fract() == 0.0 && v.abs() < 1e15 {
                    format!(
                        "a number written with a leading zero or a decimal point: write {} (an ASN), or quote it (a string)",
                        v as i64
                    )
                } else {
                    format!(
                        "{v} is a decimal number: list values are whole numbers (ASNs) or strings"
                    )
                }))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<ListValue, E> {
                Err(E::custom(format!(
                    "{v} is a boolean: quote it if it is a string value"
                )))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ListValue, E> {
                Ok(ListValue::Str(v.to_string()))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<ListValue, E> {
                Err(E::custom("an empty value: remove it or write it"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A list read at query time from the SIEM: a Sentinel watchlist and a Splunk lookup.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExternal {
    pub watchlist: Spanned<String>,
    pub lookup: Spanned<String>,
    #[serde(default)]
    pub lookup_field: Option<Spanned<String>>,
}

/// The shared user-agent family table (`lists/ua_families.yaml`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUaTable {
    #[serde(default)]
    pub description: Option<Spanned<String>>,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    pub default: Spanned<String>,
    pub families: Vec<Spanned<RawUaFamily>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUaFamily {
    pub name: Spanned<String>,
    /// browser, client (a first-party app that shares a browser's session), scripted or other.
    #[serde(default)]
    pub class: Option<Spanned<String>>,
    #[serde(default)]
    pub scripted: Option<Spanned<bool>>,
    pub match_any: Vec<Spanned<String>>,
}

/// Where a spanned value sits in its file.
pub fn span_of<T>(file: &Arc<SourceFile>, s: &Spanned<T>) -> Span {
    location_span(file, &s.referenced)
}

pub fn location_span(file: &Arc<SourceFile>, loc: &serde_saphyr::Location) -> Span {
    let start = loc
        .span()
        .byte_offset()
        .map(|o| o as usize)
        .unwrap_or_else(|| file.offset_of(loc.line() as usize, loc.column() as usize));
    let len = loc.span().byte_len().map(|l| l as usize).unwrap_or(0);
    let start = start.min(file.text.len());
    let end = if len > 0 {
        (start + len).min(file.text.len())
    } else {
        token_end(&file.text, start)
    };
    Span::new(file, start, end)
}

/// End of the token starting at `start` (to the end of the line for lack of a better bound).
fn token_end(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    start
        + rest
            .find(['\n', '#'])
            .unwrap_or(rest.len())
            .max(1)
            .min(rest.len())
}

/// Reads a file into memory, refusing unreadable, non-UTF-8 and oversized files with a diagnostic.
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error("E001", format!("cannot read file: {e}"))
            .in_file(path)
            .help("check the path and its permissions")
    })?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "E001",
            format!(
                "file is {} bytes, more than the {MAX_FILE_BYTES}-byte limit",
                bytes.len()
            ),
        )
        .in_file(path)
        .help("split it, or move long lists into list files"));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        Diagnostic::error("E001", format!("file is not UTF-8 text: {e}"))
            .in_file(path)
            .help("save the file as UTF-8")
    })?;
    Ok(SourceFile::new(path, text))
}

/// Deserializes a YAML document, turning serde-saphyr's errors into located diagnostics.
pub fn parse_yaml<T: for<'de> Deserialize<'de>>(file: &Arc<SourceFile>) -> Result<T, Diagnostic> {
    if let Some(at) = second_document(&file.text) {
        return Err(Diagnostic::error(
            "E002",
            "the file holds several YAML documents; a rule, list, profile or config file holds one",
        )
        .at(Span::new(file, at, at + 3))
        .help("split the documents into one file each, or remove the `---` line"));
    }
    serde_saphyr::from_str::<T>(&file.text).map_err(|e| yaml_error(file, &e))
}

/// The byte offset of a `---` (or `...`) line that ends a document after content: a second document.
/// A `---` before any content opens the first one.
fn second_document(text: &str) -> Option<usize> {
    let mut content = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        let marker = bare == "---" || bare.starts_with("--- ") || bare == "...";
        if marker && content {
            return Some(offset);
        }
        if !marker
            && !bare.trim_start().is_empty()
            && !bare.trim_start().starts_with('#')
            && !bare.starts_with('%')
        {
            content = true;
        }
        offset += line.len();
    }
    None
}

fn yaml_error(file: &Arc<SourceFile>, err: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let inner = err.without_snippet();
    let at = |d: Diagnostic| match inner.location() {
        Some(loc) if loc.line() > 0 => d.at(location_span(file, &loc)),
        _ => d.in_file(&file.path),
    };
    match inner {
        E::SerdeUnknownField {
            field, expected, ..
        } => {
            let hint = match did_you_mean(field, expected.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("allowed keys here: {}", expected.join(", ")),
            };
            at(Diagnostic::error("E003", format!("unknown key `{field}`")).help(hint))
        }
        E::SerdeMissingField { field, .. } => {
            let d = Diagnostic::error("E004", format!("missing required key `{field}`"))
                .help("see docs/rule-format.md for the keys each section needs");
            // The parser notices at the mapping's last entry; the key belongs to the whole mapping, so
            // point at what owns it (as a JSON Schema `required` error does): its parent key, or the
            // first key of a top-level mapping or of a list item.
            match inner
                .location()
                .and_then(|loc| missing_key_owner(file, &loc))
            {
                Some(span) => d.at(span),
                None => at(d),
            }
        }
        E::SerdeInvalidType {
            unexpected,
            expected,
            ..
        } => at(Diagnostic::error(
            "E005",
            format!("wrong type: found {unexpected}, expected {expected}"),
        )
        .help("quote strings that YAML would read as numbers or booleans")),
        E::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => at(Diagnostic::error(
            "E005",
            format!("invalid value: found {unexpected}, expected {expected}"),
        )),
        E::Unexpected { expected, .. } => at(Diagnostic::error(
            "E005",
            format!("wrong type: expected a {expected} here"),
        )
        .help(if expected.contains("scalar") {
            "this key takes one value (a string, number or boolean), not a list or mapping"
        } else {
            "see docs/rule-format.md for the shape of this section"
        })),
        E::DuplicateMappingKey { key, .. } => at(Diagnostic::error(
            "E002",
            match key {
                Some(k) => format!("duplicate key `{k}`"),
                None => "a key appears twice in this mapping".to_string(),
            },
        )
        .help("each key may appear once in a mapping: keep one")),
        E::Message { msg, .. } => at(Diagnostic::error("E005", format!("invalid value: {msg}"))),
        _ if inner.render().contains("tabs") => at(Diagnostic::error(
            "E002",
            "tabs are not allowed for indentation",
        )
        .help("indent YAML with spaces")),
        _ => at(Diagnostic::error(
            "E002",
            format!("malformed YAML: {}", first_line(&inner.render())),
        )
        .help("check indentation, quoting and that `key: value` pairs are well formed")),
    }
}

/// Where a block mapping whose entry starts at `loc` is owned: the key that holds it (`correlation:`),
/// or, for the top-level mapping or a list item's mapping, its first key. `None` when `loc` is not at
/// the start of a block-mapping entry (a flow mapping `{ … }`), where the parser's place is kept.
fn missing_key_owner(file: &Arc<SourceFile>, loc: &serde_saphyr::Location) -> Option<Span> {
    let text = &file.text;
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |off, l| {
            let start = *off;
            *off += l.len();
            Some((start, l.trim_end_matches(['\n', '\r'])))
        })
        .collect();
    // Where the key of an entry line starts: after indentation and any `- ` list markers.
    let key_col = |l: &str| -> Option<usize> {
        let mut i = l.len() - l.trim_start_matches(' ').len();
        while l[i..].starts_with("- ") {
            i += 2 + (l[i + 2..].len() - l[i + 2..].trim_start_matches(' ').len());
        }
        let rest = &l[i..];
        (!rest.is_empty() && !rest.starts_with('#')).then_some(i)
    };
    let key_span = |(start, l): (usize, &str), col: usize| {
        let end = l[col..].find(':').map_or(l.len(), |e| col + e);
        Span::new(file, start + col, start + end.max(col + 1).min(l.len()))
    };
    let line = (loc.line() as usize).checked_sub(1)?;
    let col = (loc.column() as usize).checked_sub(1)?;
    if key_col(lines.get(line)?.1) != Some(col) {
        return None;
    }
    let mut first = line;
    for i in (0..line).rev() {
        let l = lines[i].1;
        let Some(c) = key_col(l) else { continue };
        if c > col {
            continue; // nested content of an earlier entry
        }
        if c == col {
            first = i;
            // `- key:` opens a list item's mapping at this column: nothing above belongs to it.
            if l[..c].trim_end().ends_with('-') {
                return Some(key_span(lines[i], c));
            }
            continue;
        }
        return Some(key_span(lines[i], c));
    }
    Some(key_span(lines[first], col))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

/// Maps each byte of a YAML scalar's value back to the file, so expression errors get a real line:col.
#[derive(Debug, Clone)]
pub struct ValueMap {
    pub file: Arc<SourceFile>,
    /// `offsets[i]` is the file offset of value byte `i` (one extra entry for the end).
    offsets: Vec<usize>,
}

impl ValueMap {
    /// Aligns `value` with the source starting at the scalar's location. Plain and quoted one-line
    /// scalars map exactly; block and folded scalars map by skipping the source's indentation,
    /// quotes and escapes.
    pub fn new(file: &Arc<SourceFile>, value: &Spanned<String>) -> Self {
        let start = span_of(file, value).start;
        let src = file.text.as_bytes();
        let val = value.value.as_bytes();
        let mut offsets = Vec::with_capacity(val.len() + 1);
        let mut cur = start;
        for &b in val {
            let mut probe = cur;
            // Look ahead a bounded distance for the same byte; past indentation, quotes, `\`, `|`, `>`.
            while probe < src.len() && src[probe] != b && probe - cur < 256 {
                probe += 1;
            }
            if probe < src.len() && src[probe] == b {
                cur = probe;
            }
            offsets.push(cur.min(src.len()));
            if cur < src.len() && src[cur] == b {
                cur += 1;
            }
        }
        offsets.push(cur.min(src.len()));
        Self {
            file: Arc::clone(file),
            offsets,
        }
    }

    pub fn span(&self, range: std::ops::Range<usize>) -> Span {
        let last = self.offsets.len() - 1;
        let start = self.offsets[range.start.min(last)];
        let end = if range.end > range.start {
            self.offsets[(range.end - 1).min(last)] + 1
        } else {
            start + 1
        };
        Span::new(&self.file, start, end.min(self.file.text.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Doc {
        when: Spanned<String>,
    }

    fn map(yaml: &str) -> (Arc<SourceFile>, ValueMap, String) {
        let file = SourceFile::new("t.yaml", yaml.to_string());
        let doc: Doc = parse_yaml(&file).unwrap();
        let m = ValueMap::new(&file, &doc.when);
        (file, m, doc.when.value)
    }

    #[test]
    fn plain_scalar_maps_exactly() {
        let (_, m, v) = map("when: later.asn contains 5\n");
        let at = v.find("asn").unwrap();
        assert_eq!(m.span(at..at + 3).line_col(), (1, 13));
    }

    #[test]
    fn quoted_and_block_scalars_map_to_their_lines() {
        let (_, m, v) = map("when: \"a == \\\"x\\\" and b\"\n");
        let at = v.find(" b").unwrap() + 1;
        assert_eq!(m.span(at..at + 1).line_col(), (1, 23));
        let (_, m, v) = map("when: >\n  first.ip == \"1\"\n  and later.bad == 2\n");
        let at = v.find("bad").unwrap();
        assert_eq!(m.span(at..at + 3).line_col(), (3, 13));
        let (_, m, v) = map("when: |\n    a == 1\n    or zzz\n");
        let at = v.find("zzz").unwrap();
        assert_eq!(m.span(at..at + 3).line_col(), (3, 8));
    }

    #[test]
    fn unknown_key_suggests_the_right_one() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct W {
            window: String,
        }
        let file = SourceFile::new("t.yaml", "windw: 60m\n".to_string());
        let d = parse_yaml::<W>(&file).unwrap_err();
        assert_eq!(d.code, "E003");
        assert_eq!(d.help.as_deref(), Some("did you mean `window`?"));
        assert_eq!(d.span.unwrap().line_col(), (1, 1));
    }
}
