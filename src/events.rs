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
    /// Seconds since the Unix epoch.
    Time(f64),
    List(Vec<String>),
}

#[derive(Debug, Clone, Default)]
pub struct Event {
    pub values: BTreeMap<Field, Val>,
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

    pub fn time(&self) -> Option<f64> {
        match self.values.get(&Field::Time) {
            Some(Val::Time(t)) => Some(*t),
            _ => None,
        }
    }

    pub fn list(&self, f: Field) -> &[String] {
        match self.values.get(&f) {
            Some(Val::List(l)) => l,
            _ => &[],
        }
    }
}

/// Reads a JSON array, newline-delimited JSON, or an Event Hub envelope `{"records": [...]}`.
pub fn read_records(path: &Path) -> Result<Vec<Json>, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error("E050", format!("cannot read events: {e}"))
            .in_file(path)
            .help("pass JSON exported from Log Analytics or Splunk")
    })?;
    let bad = |e: serde_json::Error| {
        Diagnostic::error("E050", format!("not JSON: {e}"))
            .in_file(path)
            .help("events are a JSON array, JSON lines, or {\"records\": [...]}")
    };
    let trimmed = text.trim_start();
    let records = if trimmed.starts_with('[')
        || trimmed.starts_with('{') && !looks_like_lines(trimmed)
    {
        match serde_json::from_str::<Json>(&text).map_err(bad)? {
            Json::Array(a) => a,
            Json::Object(mut o) => match o.remove("records") {
                Some(Json::Array(a)) => a,
                Some(_) => return Err(bad(serde::de::Error::custom("`records` is not an array"))),
                None => vec![Json::Object(o)],
            },
            _ => {
                return Err(bad(serde::de::Error::custom(
                    "expected an array or an object",
                )))
            }
        }
    } else {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(bad))
            .collect::<Result<_, _>>()?
    };
    // Event Hub batches inside an array: flatten their records.
    let mut out = Vec::new();
    for r in records {
        match r {
            Json::Object(mut o) if o.len() == 1 && o.contains_key("records") => {
                if let Some(Json::Array(a)) = o.remove("records") {
                    out.extend(a);
                }
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

fn looks_like_lines(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next();
    let second = lines.next();
    matches!((first, second), (Some(a), Some(b)) if a.trim_end().ends_with('}') && b.trim_start().starts_with('{'))
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
        (Type::Datetime, Json::Number(n)) => n.as_f64().map(Val::Time),
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

/// ISO 8601 (`2026-11-03T09:12:04.1234567Z`, `…+00:00`, or a space instead of `T`) to epoch seconds.
pub fn parse_time(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Some(n);
    }
    let (date, rest) = s.split_at_checked(10)?;
    let mut d = date.split('-');
    let (y, m, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let rest = rest.strip_prefix(['T', ' '])?;
    let (clock, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "Z"),
    };
    let mut c = clock.split(':');
    let (h, mi): (i64, i64) = (c.next()?.parse().ok()?, c.next()?.parse().ok()?);
    let sec: f64 = c.next().unwrap_or("0").parse().ok()?;
    let offset_s = match offset {
        "Z" | "" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let mut p = o[1..].split(':');
            let oh: i64 = p.next()?.parse().ok()?;
            let om: i64 = p.next().unwrap_or("0").parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || mi > 59 || sec >= 61.0 {
        return None;
    }
    let days = days_from_civil(y, m, day);
    Some((days * 86_400 + h * 3600 + mi * 60 - offset_s) as f64 + sec)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats epoch seconds as ISO 8601 UTC with seconds.
pub fn format_time(t: f64) -> String {
    let secs = t.floor() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0.0));
        let t = parse_time("2026-11-03T09:12:04.5Z").unwrap();
        assert_eq!(format_time(t), "2026-11-03T09:12:04Z");
        assert_eq!(t.fract(), 0.5);
        assert_eq!(
            parse_time("2026-11-03T10:12:04+01:00"),
            parse_time("2026-11-03T09:12:04Z")
        );
        assert_eq!(
            parse_time("2023-10-24T20:01:11.9490387+00:00").map(f64::floor),
            Some(1_698_177_671.0)
        );
        assert_eq!(parse_time("1700000000.25"), Some(1_700_000_000.25));
        assert!(parse_time("yesterday").is_none());
        assert!(parse_time("2026-13-01T00:00:00Z").is_none());
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
