//! The Splunk profile: the base-search macro and each canonical field's flattened path (data, in
//! profiles/splunk.yaml), loaded and checked.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::backend::Target;
use crate::catalogue::Field;
use crate::diag::{Diagnostic, SourceFile};
use crate::duration::Duration;
use crate::model::{self, Spanned};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    target: Spanned<String>,
    base_macro: Spanned<String>,
    base_definition: Spanned<String>,
    fields: BTreeMap<String, Spanned<FieldMap>>,
    health: Health,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    /// The field as Splunk extracts it: `properties.ipAddress`, `properties.authenticationDetails{}.x`.
    pub path: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    pub lookback: String,
    pub threshold: f64,
    pub min_events: u64,
    pub category_field: String,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub base_macro: String,
    pub base_definition: String,
    pub fields: BTreeMap<Field, FieldMap>,
    pub health: Health,
    pub health_lookback: Duration,
    pub source: PathBuf,
}

impl Profile {
    pub fn load(file: &Arc<SourceFile>) -> Result<Self, Diagnostic> {
        let raw: RawProfile = model::parse_yaml(file)?;
        let at = |s: &Spanned<String>| model::span_of(file, s);
        crate::backend::expect_target(file, &raw.target, Target::Splunk)?;
        if !is_name(&raw.base_macro.value) {
            return Err(Diagnostic::error(
                "E030",
                format!("`{}` is not a macro name", raw.base_macro.value),
            )
            .at(at(&raw.base_macro))
            .help("use letters, digits and `_`"));
        }
        if raw.base_definition.value.contains(['\n', '\r', '`']) {
            return Err(Diagnostic::error(
                "E030",
                "the base search definition spans lines or holds a backtick",
            )
            .at(at(&raw.base_definition))
            .help("write it on one line, e.g. index=azure sourcetype=\"azure:monitor:aad\""));
        }
        let mut fields = BTreeMap::new();
        for (name, map) in &raw.fields {
            let Some(field) = Field::by_name(name) else {
                return Err(Diagnostic::error(
                    "E030",
                    format!("the profile maps unknown field `{name}`"),
                )
                .at(model::span_of(file, map))
                .help("map only fields of the canonical catalogue (docs/rule-format.md)"));
            };
            if !is_path(&map.value.path) {
                return Err(Diagnostic::error(
                    "E030",
                    format!("`{}` is not a field path", map.value.path),
                )
                .at(model::span_of(file, map))
                .help("paths use letters, digits, `_`, `.`, `@`, `-` and `{}`"));
            }
            fields.insert(field, map.value.clone());
        }
        if !is_path(&raw.health.category_field) {
            return Err(
                Diagnostic::error("E030", "health category_field is not a field name")
                    .in_file(&file.path),
            );
        }
        let health_lookback =
            crate::backend::health_settings(file, &raw.health.lookback, raw.health.threshold)?;
        Ok(Self {
            base_macro: raw.base_macro.value,
            base_definition: raw.base_definition.value,
            fields,
            health: raw.health,
            health_lookback,
            source: file.path.clone(),
        })
    }

    /// The flattened path a field is read from, for reports.
    pub fn source_of(&self, f: Field) -> String {
        self.fields
            .get(&f)
            .map_or_else(|| "(not mapped)".into(), |m| m.path.clone())
    }

    pub(super) fn path(&self, f: Field) -> Result<&str, Diagnostic> {
        self.fields.get(&f).map(|m| m.path.as_str()).ok_or_else(|| {
            Diagnostic::error(
                "E031",
                format!("the Splunk profile does not map field `{}`", f.name()),
            )
            .in_file(&self.source)
            .help(format!("add `{}: {{ path: … }}` under fields:", f.name()))
        })
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_path(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '-' | '{' | '}'))
}
