//! Sentinel rows (Log Analytics export: the tables' own column names) into canonical events.

use serde_json::Value as Json;

use super::Profile;
use crate::catalogue::{Field, Type};
use crate::events::{convert, scalar_string, Event, Val};

/// Reads one exported row through the profile's field mapping. A field whose column is absent, or whose
/// JSON column does not parse, is recorded as missing rather than read as empty.
pub fn read(p: &Profile, row: &Json) -> Event {
    let source = row.get("Type").and_then(Json::as_str).map(str::to_string);
    let detection = p
        .risk_detections
        .as_ref()
        .filter(|d| source.as_deref() == Some(d.table.as_str()));
    let mut ev = Event {
        source,
        ..Event::default()
    };
    for (&field, map) in &p.fields {
        if field.is_derived() {
            continue;
        }
        let Some(col) = row.get(&map.column) else {
            ev.missing.insert(field);
            continue;
        };
        let value = if let Some(key) = &map.each {
            json_column(col).and_then(|v| match v {
                Json::Array(items) => Some(Val::List(
                    items
                        .iter()
                        .filter_map(|i| i.get(key).and_then(scalar_string))
                        .collect(),
                )),
                _ => None,
            })
        } else if map.json_array {
            json_column(col).and_then(|v| convert(Type::StringList, &v))
        } else if let Some(path) = &map.path {
            json_column(col).and_then(|mut v| {
                for key in path.split('.') {
                    v = v.get(key)?.clone();
                }
                convert(field.ty(), &v)
            })
        } else {
            convert(field.ty(), col)
        };
        match value {
            Some(v) => {
                ev.values.insert(field, v);
            }
            None if col.is_string() && field.ty() == Type::Int => {
                // An empty ASN string is a missing ASN, as toint("") is null in KQL.
                ev.missing.insert(field);
            }
            None => {
                ev.missing.insert(field);
            }
        }
    }
    // Exports rarely carry ingestion_time(): TimeGenerated stands in (it is at most as late).
    if ev.missing.remove(&Field::IngestionTime) {
        if let Some(t) = ev.values.get(&Field::LogTime).cloned() {
            ev.values.insert(Field::IngestionTime, t);
        }
    }
    ev.truncate_times(crate::events::Precision::Ticks100ns);
    if let Some(d) = detection {
        let text = |c: &str| row.get(c).and_then(scalar_string).unwrap_or_default();
        return Event::detection(text(&d.key), text(&d.type_column), ev);
    }
    ev
}

/// A dynamic column arrives as JSON (SigninLogs) or as a string holding JSON (the non-interactive table).
fn json_column(v: &Json) -> Option<Json> {
    match v {
        Json::String(s) if s.trim().is_empty() => None,
        Json::String(s) => serde_json::from_str(s).ok(),
        Json::Null => None,
        other => Some(other.clone()),
    }
}

/// How the row's AuthenticationDetails column arrived.
pub fn auth_details(p: &Profile, row: &Json) -> crate::events::AuthDetails {
    use crate::events::AuthDetails as A;
    let Some(map) = p.fields.get(&Field::AuthStepResults) else {
        return A::Absent;
    };
    let key = map.each.clone().unwrap_or_default();
    let methods_key = p
        .fields
        .get(&Field::AuthMethods)
        .and_then(|m| m.each.clone())
        .unwrap_or_default();
    match row.get(&map.column) {
        None | Some(Json::Null) => A::Absent,
        Some(Json::String(s)) if s.trim().is_empty() => A::Empty,
        Some(col) => match json_column(col) {
            None => A::Unparsable,
            Some(Json::Array(steps)) if steps.is_empty() => A::Empty,
            Some(Json::Array(steps)) => {
                let has = |k: &str| steps.iter().any(|s| s.get(k).is_some());
                if has(&key) && has(&methods_key) {
                    A::Ok
                } else {
                    A::StepsWithoutFields
                }
            }
            Some(_) => A::Unparsable,
        },
    }
}
