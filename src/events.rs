//! Sign-in events in canonical form, read from exported samples through a target profile.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value as Json;

use crate::catalogue::{Field, Type};
use crate::diag::Diagnostic;

/// A canonical value. Strings missing from an event are absent here and read as "" by the evaluator.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String),
    Int(i64),
    Bool(bool),
    /// An instant, at the precision of the SIEM the event came from (see [`Precision`]).
    Time(Timestamp),
    List(Vec<String>),
}

pub use jiff::Timestamp;

/// The finest time step a SIEM keeps: Kusto's datetime is in 100-nanosecond ticks, Splunk's `_time` in
/// microseconds. Events are truncated to it when read, so the evaluator compares what the engine does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    Ticks100ns,
    Micros,
}

impl Precision {
    pub fn nanos(self) -> i128 {
        match self {
            Precision::Ticks100ns => 100,
            Precision::Micros => 1_000,
        }
    }

    /// The instant rounded down to this precision.
    pub fn truncate(self, t: Timestamp) -> Timestamp {
        let ns = t.as_nanosecond();
        let step = self.nanos();
        Timestamp::from_nanosecond(ns - ns.rem_euclid(step)).unwrap_or(t)
    }
}

/// What a record is: a sign-in, or an Identity Protection detection tied to one by `correlation_id`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    SignIn,
    /// `risk_events` holds its type, `correlation_id` the sign-in it belongs to.
    RiskDetection,
}

#[derive(Debug, Clone, Default)]
pub struct Event {
    pub kind: Kind,
    pub values: BTreeMap<Field, Val>,
    /// The table (Sentinel `Type`) or category (Splunk) the event came from, when the record says.
    pub source: Option<String>,
    /// Fields the profile's mapping could not find in this event.
    pub missing: BTreeSet<Field>,
}

impl Event {
    pub fn str(&self, f: Field) -> &str {
        match self.values.get(&f) {
            Some(Val::Str(s)) => s,
            _ => "",
        }
    }

    pub fn int(&self, f: Field) -> Option<i64> {
        match self.values.get(&f) {
            Some(Val::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn bool(&self, f: Field) -> bool {
        matches!(self.values.get(&f), Some(Val::Bool(true)))
    }

    pub fn time(&self) -> Option<Timestamp> {
        self.timestamp(Field::Time)
    }

    pub fn timestamp(&self, f: Field) -> Option<Timestamp> {
        match self.values.get(&f) {
            Some(Val::Time(t)) => Some(*t),
            _ => None,
        }
    }

    /// The ingestion time, or the SIEM's stamp where an export carries none.
    pub fn ingested(&self) -> Option<Timestamp> {
        self.timestamp(Field::IngestionTime)
            .or_else(|| self.timestamp(Field::LogTime))
    }

    /// A detection record: its correlation id and risk type.
    /// Keeps its SIEM stamp and ingestion time from `read` (the row read as any other), so a run sees
    /// it only once it has arrived and while it is inside the lookback, as the queries do.
    pub fn detection(correlation_id: String, risk_type: String, read: Event) -> Event {
        let mut e = Event {
            kind: Kind::RiskDetection,
            source: read.source,
            ..Event::default()
        };
        for f in [Field::LogTime, Field::IngestionTime] {
            if let Some(v) = read.values.get(&f) {
                e.values.insert(f, v.clone());
            }
        }
        e.values
            .insert(Field::CorrelationId, Val::Str(correlation_id));
        e.values
            .insert(Field::RiskEvents, Val::List(vec![risk_type]));
        e
    }

    /// Every instant rounded down to the precision of the SIEM the event came from.
    pub fn truncate_times(&mut self, p: Precision) {
        for v in self.values.values_mut() {
            if let Val::Time(t) = v {
                *t = p.truncate(*t);
            }
        }
    }

    pub fn list(&self, f: Field) -> &[String] {
        match self.values.get(&f) {
            Some(Val::List(l)) => l,
            _ => &[],
        }
    }
}

/// Reads a JSON array, newline-delimited JSON, or an Event Hub envelope `{"records": [...]}` into memory.
pub fn read_records(path: &Path) -> Result<Vec<Json>, Diagnostic> {
    let mut out = Vec::new();
    for_each_record(path, &mut |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

/// Streams the records of an events file to `f`, one at a time, so memory stays flat whatever the file's
/// size: a JSON array is read element by element, JSON lines line by line. A UTF-8 byte-order mark is
/// skipped; Event Hub envelopes (`{"records": [...]}`, alone or as array elements) are unpacked; a record
/// that is not a JSON object is an error naming its position.
pub fn for_each_record(
    path: &Path,
    f: &mut dyn FnMut(Json) -> Result<(), Diagnostic>,
) -> Result<(), Diagnostic> {
    use std::io::{BufRead, BufReader, Read};
    let cannot = |e: std::io::Error| {
        Diagnostic::error("E050", format!("cannot read events: {e}"))
            .in_file(path)
            .help("pass JSON exported from Log Analytics or Splunk")
    };
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(Diagnostic::error("E050", "not a regular file")
            .in_file(path)
            .help("pass an events file (JSON array, JSON lines, or {\"records\": [...]})"));
    }
    let mut reader = BufReader::with_capacity(1 << 16, std::fs::File::open(path).map_err(cannot)?);
    // Skip a byte-order mark and leading whitespace, then look at the first byte.
    let first = loop {
        let buf = reader.fill_buf().map_err(cannot)?;
        if buf.is_empty() {
            return Ok(());
        }
        if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            reader.consume(3);
            continue;
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let b = buf[i];
                reader.consume(i);
                break b;
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    let bad = |what: String| {
        Diagnostic::error("E050", what)
            .in_file(path)
            .help("events are a JSON array, JSON lines, or {\"records\": [...]}, each event a JSON object")
    };
    let json_error = |e: serde_json::Error, what: &str| {
        bad(format!(
            "{what} is not valid JSON (line {}, column {}): {}",
            e.line(),
            e.column(),
            strip_position(&e)
        ))
    };
    let mut emit = |r: Json, at: String| -> Result<(), Diagnostic> {
        // Splunk's REST / CLI JSON export wraps each event: {"preview": false, "result": {...}}.
        let r = match r {
            Json::Object(mut o)
                if o.contains_key("preview") && o.get("result").is_some_and(Json::is_object) =>
            {
                o.remove("result").unwrap_or(Json::Null)
            }
            other => other,
        };
        match r {
            Json::Object(mut o) if o.len() == 1 && o.contains_key("records") => {
                match o.remove("records") {
                    Some(Json::Array(a)) => {
                        for (i, r) in a.into_iter().enumerate() {
                            if !r.is_object() {
                                return Err(bad(format!(
                                    "record {} of the envelope {at} is not a JSON object",
                                    i + 1
                                )));
                            }
                            f(r)?;
                        }
                        Ok(())
                    }
                    _ => Err(bad(format!("`records` of {at} is not an array"))),
                }
            }
            Json::Object(_) => f(r),
            other => Err(bad(format!(
                "{at} is not a JSON object but {}",
                kind(&other)
            ))),
        }
    };
    if first == b'[' {
        // Element by element, without holding the array.
        struct Elements<'a> {
            emit: &'a mut dyn FnMut(Json, usize) -> Result<(), Diagnostic>,
            failed: Option<Diagnostic>,
        }
        impl<'de> serde::de::Visitor<'de> for &mut Elements<'_> {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array of events")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                let mut n = 0;
                while let Some(r) = seq.next_element::<Json>()? {
                    n += 1;
                    if let Err(d) = (self.emit)(r, n) {
                        self.failed = Some(d);
                        return Err(serde::de::Error::custom("stopped"));
                    }
                }
                Ok(())
            }
        }
        let mut emit_nth = |r: Json, n: usize| emit(r, format!("event {n}"));
        let mut visitor = Elements {
            emit: &mut emit_nth,
            failed: None,
        };
        let mut de = serde_json::Deserializer::from_reader(reader);
        let result = serde::Deserializer::deserialize_seq(&mut de, &mut visitor);
        if let Some(d) = visitor.failed {
            return Err(d);
        }
        result.map_err(|e| json_error(e, "the array"))?;
        de.end()
            .map_err(|e| json_error(e, "what follows the array"))?;
        return Ok(());
    }
    // JSON lines: one value per line, each error with its own line number. A first line that is not a
    // whole value is a pretty-printed object (an envelope, one event): read as a stream of values.
    let mut first_line = String::new();
    reader.read_line(&mut first_line).map_err(cannot)?;
    if serde_json::from_str::<serde::de::IgnoredAny>(&first_line).is_ok() {
        let mut line_no = 1usize;
        let mut n = 0usize;
        let mut line = first_line;
        loop {
            if !line.trim().is_empty() {
                n += 1;
                let r: Json = serde_json::from_str(&line).map_err(|e| {
                    bad(format!(
                        "line {line_no} is not valid JSON (column {}): {}",
                        e.column(),
                        strip_position(&e)
                    ))
                })?;
                emit(r, format!("event {n} (line {line_no})"))?;
            }
            line.clear();
            if reader.read_line(&mut line).map_err(cannot)? == 0 {
                return Ok(());
            }
            line_no += 1;
        }
    }
    let chained = std::io::Cursor::new(first_line.into_bytes()).chain(reader);
    let stream = serde_json::Deserializer::from_reader(chained).into_iter::<Json>();
    for (i, r) in stream.enumerate() {
        let r = r.map_err(|e| json_error(e, "an event"))?;
        emit(r, format!("event {}", i + 1))?;
    }
    Ok(())
}

/// serde_json's message without its own " at line N column M" (the caller says where).
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Converts a JSON scalar to the canonical type; `None` when it does not fit.
pub fn convert(ty: Type, v: &Json) -> Option<Val> {
    match (ty, v) {
        (_, Json::Null) => None,
        (Type::String | Type::Ip, Json::String(s)) => Some(Val::Str(s.clone())),
        (Type::String | Type::Ip, Json::Number(n)) => Some(Val::Str(n.to_string())),
        (Type::String | Type::Ip, Json::Bool(b)) => Some(Val::Str(b.to_string())),
        (Type::Int, Json::Number(n)) => n.as_i64().map(Val::Int),
        (Type::Int, Json::String(s)) => s.trim().parse().ok().map(Val::Int),
        (Type::Bool, Json::Bool(b)) => Some(Val::Bool(*b)),
        (Type::Bool, Json::String(s)) => {
            Some(Val::Bool(s.eq_ignore_ascii_case("true") || s == "1"))
        }
        (Type::Bool, Json::Number(n)) => Some(Val::Bool(n.as_f64() == Some(1.0))),
        (Type::Datetime, Json::String(s)) => parse_time(s).map(Val::Time),
        (Type::Datetime, Json::Number(n)) => parse_time(&n.to_string()).map(Val::Time),
        (Type::StringList, Json::Array(a)) => {
            Some(Val::List(a.iter().filter_map(scalar_string).collect()))
        }
        (Type::StringList, Json::String(s)) => Some(Val::List(vec![s.clone()])),
        _ => None,
    }
}

pub fn scalar_string(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An instant from ISO 8601 with an offset (`2026-11-03T09:12:04.1234567Z`, `…+00:00`), a civil time
/// without one (read as UTC, as Log Analytics exports write it), or epoch seconds with a decimal
/// fraction (Splunk's `_time`), kept exactly to the nanosecond. Impossible dates (`2024-02-31`) are
/// refused, never rolled over.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Some(t) = epoch_seconds(s) {
        return Some(t);
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let civil: jiff::civil::DateTime = s.parse().ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()
}

/// `1700000000.25` as an exact instant (no float rounding).
fn epoch_seconds(s: &str) -> Option<Timestamp> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let secs: i128 = whole.parse().ok()?;
    let mut frac_ns: i128 = 0;
    for (i, b) in frac.bytes().take(9).enumerate() {
        frac_ns += i128::from(b - b'0') * 10i128.pow(8 - i as u32);
    }
    let ns = secs.checked_mul(1_000_000_000)?.checked_add(frac_ns)?;
    Timestamp::from_nanosecond(if neg { -ns } else { ns }).ok()
}

/// An instant as ISO 8601 UTC.
pub fn format_time(t: Timestamp) -> String {
    t.to_string()
}

/// What became of an event's authenticationDetails on the way into the SIEM.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthDetails {
    /// Every step's method and result detail are readable where the query looks.
    Ok,
    /// No authenticationDetails at all.
    Absent,
    /// Present but an empty array or empty string.
    Empty,
    /// Steps present, but none carries authenticationMethod and authenticationStepResultDetail.
    StepsWithoutFields,
    /// The array arrived as one JSON string, so no `{}` paths were extracted.
    DeliveredAsString,
    /// The raw event has the array but the flattened `{}` fields are missing (extraction limits).
    RawOnly,
    /// The raw event has several steps but only one was kept.
    FirstStepOnly,
    /// Found under another name than the profile's path.
    Renamed(String),
    /// The column does not parse as JSON.
    Unparsable,
}

impl AuthDetails {
    pub fn describe(&self) -> String {
        match self {
            AuthDetails::Ok => "present".into(),
            AuthDetails::Absent => "absent".into(),
            AuthDetails::Empty => "empty".into(),
            AuthDetails::StepsWithoutFields => {
                "steps without authenticationMethod / authenticationStepResultDetail".into()
            }
            AuthDetails::DeliveredAsString => {
                "the array arrived as one JSON string ({} paths not extracted)".into()
            }
            AuthDetails::RawOnly => {
                "in the raw event, but the flattened {} fields are missing".into()
            }
            AuthDetails::FirstStepOnly => "only the first of several steps was kept".into(),
            AuthDetails::Renamed(k) => format!("renamed: found as `{k}`"),
            AuthDetails::Unparsable => "not valid JSON".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let t = |s: &str| parse_time(s).map(|t| t.as_nanosecond());
        assert_eq!(t("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(t("2026-11-03T09:12:04.5Z"), Some(1_793_697_124_500_000_000));
        assert_eq!(t("2026-11-03T10:12:04+01:00"), t("2026-11-03T09:12:04Z"));
        assert_eq!(t("2026-11-03T09:12:04"), t("2026-11-03T09:12:04Z"));
        assert_eq!(
            t("2023-10-24T20:01:11.9490387+00:00"),
            Some(1_698_177_671_949_038_700)
        );
        assert_eq!(t("1700000000.25"), Some(1_700_000_000_250_000_000));
        assert_eq!(t("1700000000.000001"), Some(1_700_000_000_000_001_000));
        assert!(t("yesterday").is_none());
        assert!(t("2026-13-01T00:00:00Z").is_none());
        // February has no 31st: refused, not rolled over into March.
        assert!(t("2024-02-31T00:00:00Z").is_none());
    }

    #[test]
    fn precisions_truncate() {
        let t = parse_time("2026-11-03T09:12:04.123456789Z").unwrap();
        assert_eq!(
            Precision::Ticks100ns.truncate(t).as_nanosecond() % 1_000_000_000,
            123_456_700
        );
        assert_eq!(
            Precision::Micros.truncate(t).as_nanosecond() % 1_000_000_000,
            123_456_000
        );
    }

    #[test]
    fn conversions() {
        assert_eq!(
            convert(Type::Int, &Json::from("7922")),
            Some(Val::Int(7922))
        );
        assert_eq!(
            convert(Type::String, &Json::from(0)),
            Some(Val::Str("0".into()))
        );
        assert_eq!(
            convert(Type::Bool, &Json::from("True")),
            Some(Val::Bool(true))
        );
        assert_eq!(convert(Type::Int, &Json::from("n/a")), None);
    }
}
