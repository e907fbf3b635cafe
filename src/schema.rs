//! JSON Schema of every file a user writes (rule, list, user-agent table, project config, profiles),
//! generated from the serde structs the loader reads those files with, so editor and loader agree.

use serde_json::{json, Value};

use crate::backend::Target;
use crate::diag::Diagnostic;
use crate::model::{RawDetection, RawList, RawUaTable};

/// A kind of file tokenward reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Rule,
    List,
    UaTable,
    Config,
    Profile(Target),
}

impl Kind {
    /// Every kind, in the order `schemas/json/` lists them.
    pub fn all() -> Vec<Kind> {
        let mut out = vec![Kind::Rule, Kind::List, Kind::UaTable, Kind::Config];
        out.extend(Target::ALL.iter().map(|t| Kind::Profile(*t)));
        out
    }

    /// The file under `schemas/json/` (and the name `tokenward schema` takes, without `.json`).
    pub fn file_name(self) -> String {
        match self {
            Kind::Rule => "rule.json".into(),
            Kind::List => "list.json".into(),
            Kind::UaTable => "ua-table.json".into(),
            Kind::Config => "config.json".into(),
            Kind::Profile(t) => format!("profile-{}.json", t.name()),
        }
    }

    pub fn name(self) -> String {
        self.file_name().trim_end_matches(".json").to_string()
    }

    pub fn by_name(name: &str) -> Option<Kind> {
        Kind::all().into_iter().find(|k| k.name() == name)
    }
}

fn generator() -> schemars::SchemaGenerator {
    crate::model::schema_generator()
}

/// An optional section is `anyOf: [section, null]` as schemars writes an `Option`; that hides every error
/// inside the section behind one "not any of" at the section. The loader reads an explicit `null` as an
/// absent key, so the schema offers the section alone: a mistake inside it is reported where it is.
fn drop_null_branches(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if let Some(Value::Array(branches)) = o.get("anyOf") {
                let rest: Vec<Value> = branches
                    .iter()
                    .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                    .cloned()
                    .collect();
                if rest.len() == 1 && branches.len() == 2 {
                    o.remove("anyOf");
                    if let Value::Object(inner) = &rest[0] {
                        for (k, x) in inner {
                            o.entry(k.clone()).or_insert_with(|| x.clone());
                        }
                    }
                }
            }
            o.values_mut().for_each(drop_null_branches);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_null_branches),
        _ => {}
    }
}

/// The schema of one kind of file, as JSON.
pub fn generate(kind: Kind) -> Result<Value, Vec<Diagnostic>> {
    let g = generator();
    let (schema, title) = match kind {
        Kind::Rule => (
            g.into_root_schema_for::<RawDetection>(),
            "tokenward detection rule",
        ),
        Kind::List => (g.into_root_schema_for::<RawList>(), "tokenward list file"),
        Kind::UaTable => (
            g.into_root_schema_for::<RawUaTable>(),
            "tokenward user-agent family table (lists/ua_families.yaml)",
        ),
        Kind::Config => (
            crate::lint::config::schema(),
            "tokenward project config (tokenward.yaml)",
        ),
        Kind::Profile(t) => (
            t.backend(None)?.profile_schema(),
            "tokenward target profile",
        ),
    };
    let mut v = schema.to_value();
    drop_null_branches(&mut v);
    if let Some(o) = v.as_object_mut() {
        o.insert("title".into(), json!(title));
        o.insert(
            "$id".into(),
            json!(format!(
                "https://github.com/tokenward/tokenward/blob/main/schemas/json/{}",
                kind.file_name()
            )),
        );
    }
    closed_sets(kind, &mut v);
    Ok(v)
}

/// The values the checker accepts for some strings, from the same constants it checks them with.
fn closed_sets(kind: Kind, v: &mut Value) {
    let severities: Vec<&str> = crate::ir::Severity::ALL.iter().map(|(n, _)| *n).collect();
    let kinds: Vec<&str> = crate::ir::ListKind::ALL.iter().map(|(n, _)| *n).collect();
    let anchors: Vec<&str> = crate::ir::Anchor::ALL.iter().map(|(n, _)| *n).collect();
    let classes: Vec<&str> = crate::lists::UA_CLASSES.to_vec();
    let statuses: Vec<&str> = crate::check::STATUSES.to_vec();
    let sets: Vec<(Vec<&str>, Vec<&str>)> = match kind {
        Kind::Rule => vec![
            (vec!["properties", "severity"], severities),
            (vec!["properties", "status"], statuses),
            (
                vec!["definitions", "RawTest", "properties", "expect"],
                vec!["alert", "no_alert"],
            ),
            (
                vec!["definitions", "RawTest", "properties", "severity"],
                crate::ir::Severity::ALL.iter().map(|(n, _)| *n).collect(),
            ),
            (vec!["definitions", "RawList", "properties", "kind"], kinds),
            (
                vec!["definitions", "RawCorrelation", "properties", "anchor"],
                anchors,
            ),
        ],
        Kind::List => vec![(vec!["properties", "kind"], kinds)],
        Kind::UaTable => vec![(
            vec!["definitions", "RawUaFamily", "properties", "class"],
            classes,
        )],
        Kind::Config => vec![(
            vec!["properties", "lints", "additionalProperties"],
            vec!["error", "warning", "off"],
        )],
        Kind::Profile(_) => vec![],
    };
    if kind == Kind::Config {
        // The keys of `lints:` are the registry's codes: an editor completes them, and a typo is
        // flagged where the loader's E070 would be.
        let codes: Vec<Value> = crate::lint::registry::LINTS
            .iter()
            .map(|l| Value::from(l.code))
            .collect();
        if let Some(o) = v["properties"]["lints"].as_object_mut() {
            o.insert("propertyNames".into(), json!({ "enum": codes }));
        }
    }
    for (path, values) in sets {
        let mut at = &mut *v;
        for key in &path {
            at = &mut at[*key];
        }
        let nullable = at["type"]
            .as_array()
            .is_some_and(|t| t.iter().any(|x| x == "null"));
        let mut e: Vec<Value> = values.into_iter().map(Value::from).collect();
        if nullable {
            e.push(Value::Null);
        }
        debug_assert!(at.is_object(), "no schema at {path:?}");
        if let Some(o) = at.as_object_mut() {
            o.insert("enum".into(), Value::Array(e));
        }
    }
}

/// The schema as committed under `schemas/json/`: pretty JSON and a final newline.
pub fn render(kind: Kind) -> Result<String, Vec<Diagnostic>> {
    let v = generate(kind)?;
    Ok(format!(
        "{}\n",
        serde_json::to_string_pretty(&v).unwrap_or_default()
    ))
}
