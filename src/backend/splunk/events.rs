//! Splunk events into canonical events: search exports with flattened `properties.*` / `{}` keys, or
//! raw Azure Monitor records (nested `properties`), flattened here the way automatic JSON extraction does.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::Profile;
use crate::catalogue::{Field, Type};
use crate::events::{convert, parse_time, scalar_string, Event, Val};

/// Field name → values, as Splunk shows an event: multivalue fields hold several.
pub type Flat = BTreeMap<String, Vec<Json>>;

/// Flattens an event. Keys already flattened (a search export) are kept; a nested record, or the JSON in
/// `_raw`, is flattened with `.` between keys and `{}` for arrays.
pub fn flatten(event: &Json) -> Flat {
    let mut flat = Flat::new();
    if let Json::Object(o) = event {
        for (k, v) in o {
            match v {
                Json::Object(_) if !k.contains('.') && k != "_raw" => walk(k, v, &mut flat),
                Json::Array(items) if k.contains('{') || k.contains('.') => {
                    flat.entry(k.clone())
                        .or_default()
                        .extend(items.iter().cloned());
                }
                Json::Array(_) => walk(k, v, &mut flat),
                other => flat.entry(k.clone()).or_default().push(other.clone()),
            }
        }
    }
    flat
}

/// Flattens the JSON held in `_raw`, when the export has one.
pub fn flatten_raw(event: &Json) -> Option<Flat> {
    let raw = event.get("_raw")?.as_str()?;
    let parsed: Json = serde_json::from_str(raw).ok()?;
    Some(flatten(&parsed))
}

fn walk(prefix: &str, v: &Json, flat: &mut Flat) {
    match v {
        Json::Object(o) => {
            for (k, child) in o {
                walk(&format!("{prefix}.{k}"), child, flat);
            }
        }
        Json::Array(items) => {
            let key = format!("{prefix}{{}}");
            // An empty array is recorded as a present field with no values.
            flat.entry(key.clone()).or_default();
            for item in items {
                match item {
                    Json::Object(_) | Json::Array(_) => walk(&key, item, flat),
                    scalar => flat.entry(key.clone()).or_default().push(scalar.clone()),
                }
            }
        }
        Json::Null => {}
        scalar => flat
            .entry(prefix.to_string())
            .or_default()
            .push(scalar.clone()),
    }
}

/// Reads one event through the profile's paths; falls back to `_raw` as the generated search does
/// (`coalesce(field, spath(_raw, path))`).
pub fn read(p: &Profile, event: &Json) -> Event {
    let flat = flatten(event);
    let raw = flatten_raw(event);
    let first_text = |path: &str| {
        lookup(&flat, path)
            .or_else(|| raw.as_ref().and_then(|r| lookup(r, path)))
            .and_then(|v| v.first().and_then(scalar_string))
    };
    let source = first_text(&p.category_field);
    let detection = p
        .risk_detections
        .as_ref()
        .filter(|d| source.as_deref() == Some(d.category.as_str()));
    let mut ev = Event {
        source,
        ..Event::default()
    };
    for (&field, map) in &p.fields {
        if field.is_derived() {
            continue;
        }
        let values = lookup(&flat, &map.path)
            .or_else(|| raw.as_ref().and_then(|r| lookup(r, &map.path)))
            .or_else(|| {
                (field == Field::LogTime)
                    .then(|| event_time(&flat))
                    .flatten()
            });
        let value = match (field.ty(), values) {
            (Type::StringList, Some(vs)) => {
                Some(Val::List(vs.iter().filter_map(scalar_string).collect()))
            }
            (Type::StringList, None) => flat
                .get(&map.path)
                .or_else(|| raw.as_ref().and_then(|r| r.get(&map.path)))
                .map(|_| Val::List(Vec::new())),
            (ty, vs) => vs.and_then(|vs| vs.first().and_then(|v| convert(ty, v))),
        };
        match value {
            Some(v) => {
                ev.values.insert(field, v);
            }
            None => {
                ev.missing.insert(field);
            }
        }
    }
    // Raw records carry no _indextime: the envelope's time stands in.
    if ev.missing.remove(&Field::IngestionTime) {
        if let Some(t) = ev.values.get(&Field::LogTime).cloned() {
            ev.values.insert(Field::IngestionTime, t);
        }
    }
    ev.truncate_times(crate::events::Precision::Micros);
    if let Some(d) = detection {
        return Event::detection(
            first_text(&d.key).unwrap_or_default(),
            first_text(&d.type_path).unwrap_or_default(),
            ev,
        );
    }
    ev
}

fn lookup(flat: &Flat, path: &str) -> Option<Vec<Json>> {
    flat.get(path).filter(|v| !v.is_empty()).cloned()
}

/// The key `_time` is read from in a record: `_time` in a Splunk export, `time` in a raw Azure Monitor
/// record (the envelope's time, which the add-on stamps as `_time`).
pub fn time_key(record: &Json) -> Option<&'static str> {
    let flat = flatten(record);
    TIME_KEYS.into_iter().find(|key| {
        flat.get(*key)
            .and_then(|v| v.first())
            .and_then(|v| match v {
                Json::String(s) => parse_time(s),
                Json::Number(n) => parse_time(&n.to_string()),
                _ => None,
            })
            .is_some()
    })
}

const TIME_KEYS: [&str; 2] = ["_time", "time"];

/// `_time` as Splunk stamps it for these events: the export's `_time`, else the envelope's `time`.
fn event_time(flat: &Flat) -> Option<Vec<Json>> {
    for key in TIME_KEYS {
        if let Some(v) = flat.get(key).and_then(|v| v.first()) {
            let text = match v {
                Json::String(s) => s.clone(),
                Json::Number(n) => n.to_string(),
                _ => continue,
            };
            if parse_time(&text).is_some() {
                return Some(vec![Json::from(text)]);
            }
        }
    }
    None
}

/// How the event's authenticationDetails arrived, judged against the profile's paths.
pub fn auth_details(p: &Profile, event: &Json) -> crate::events::AuthDetails {
    use crate::events::AuthDetails as A;
    let flat = flatten(event);
    let raw = flatten_raw(event);
    let path = |f: Field| p.fields.get(&f).map(|m| m.path.clone()).unwrap_or_default();
    let (methods, results) = (path(Field::AuthMethods), path(Field::AuthStepResults));
    let raw_steps = raw
        .as_ref()
        .and_then(|r| r.get(&results))
        .map_or(0, Vec::len);
    match (flat.get(&methods), flat.get(&results)) {
        (Some(m), Some(r)) if !m.is_empty() && !r.is_empty() => {
            if raw_steps > 1 && r.len() == 1 {
                A::FirstStepOnly
            } else {
                A::Ok
            }
        }
        _ => {
            // The array's own key, e.g. properties.authenticationDetails, holding a string.
            let array_key = results.split("{}").next().unwrap_or_default().to_string();
            let leaf = results.rsplit("{}").next().unwrap_or_default().to_string();
            if let Some(v) = flat.get(&array_key).and_then(|v| v.first()) {
                return match v {
                    Json::String(s) if s.trim().is_empty() || s.trim() == "[]" => A::Empty,
                    Json::String(_) => A::DeliveredAsString,
                    _ => A::Empty,
                };
            }
            if raw_steps > 0 {
                return A::RawOnly;
            }
            // Splunk extracts nothing for an empty array; the flattening here keeps its key, empty.
            let steps_key = format!("{array_key}{{}}");
            for f in std::iter::once(&flat).chain(raw.as_ref()) {
                if f.keys()
                    .any(|k| k.starts_with(&steps_key) && k.len() > steps_key.len())
                {
                    return A::StepsWithoutFields;
                }
                if f.get(&steps_key).is_some_and(Vec::is_empty) {
                    return A::Empty;
                }
            }
            if let Some(k) = flat.keys().find(|k| {
                k.ends_with(&format!("authenticationDetails{{}}{leaf}")) && **k != results
            }) {
                return A::Renamed(k.clone());
            }
            A::Absent
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_records_flatten_like_splunk() {
        let ev: Json = serde_json::json!({
            "time": "2026-11-03T09:12:04Z",
            "properties": {
                "authenticationDetails": [
                    {"authenticationMethod": "Password", "succeeded": true},
                    {"succeeded": false}
                ],
                "riskEventTypes_v2": ["anomalousToken"],
                "deviceDetail": {"deviceId": ""}
            }
        });
        let flat = flatten(&ev);
        assert_eq!(
            flat["properties.authenticationDetails{}.authenticationMethod"].len(),
            1
        );
        assert_eq!(
            flat["properties.authenticationDetails{}.succeeded"].len(),
            2
        );
        assert_eq!(
            flat["properties.riskEventTypes_v2{}"],
            vec![Json::from("anomalousToken")]
        );
        assert_eq!(
            flat["properties.deviceDetail.deviceId"],
            vec![Json::from("")]
        );
    }
}
