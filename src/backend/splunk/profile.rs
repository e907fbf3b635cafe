//! The Splunk profile: the base-search macro and each canonical field's flattened path (data, in
//! profiles/splunk.yaml), loaded and checked.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::backend::Target;
use crate::catalogue::Field;
use crate::diag::{Diagnostic, SourceFile};
use crate::health::{HealthConfig, HealthPlan};
use crate::model::{self, Spanned};

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "tokenward target profile: Splunk")]
struct RawProfile {
    target: Spanned<String>,
    base_macro: Spanned<String>,
    base_definition: Spanned<String>,
    categories: Vec<Spanned<String>>,
    category_field: Spanned<String>,
    fields: BTreeMap<String, Spanned<FieldMap>>,
    #[serde(default)]
    risk_detections: Option<Spanned<RiskDetections>>,
    health: HealthConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    /// The field as Splunk extracts it: `properties.ipAddress`, `properties.authenticationDetails{}.x`.
    pub path: String,
}

/// Where Identity Protection detections are: a category of the same sourcetype, tied to sign-ins by a key.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskDetections {
    pub category: String,
    /// The path holding the sign-in's correlation id.
    pub key: String,
    /// The path holding the risk event type.
    #[serde(rename = "type")]
    pub type_path: String,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub base_macro: String,
    pub base_definition: String,
    /// The field telling sign-in categories apart (`category`).
    pub category_field: String,
    pub fields: BTreeMap<Field, FieldMap>,
    pub risk_detections: Option<RiskDetections>,
    pub health: HealthPlan,
    pub source: PathBuf,
}

/// The JSON Schema of this target's profile file, from the structs it is read with.
pub fn schema() -> schemars::Schema {
    model::schema_generator().into_root_schema_for::<RawProfile>()
}

impl Profile {
    pub fn load(file: &Arc<SourceFile>) -> Result<Self, Vec<Diagnostic>> {
        let raw: RawProfile = model::parse_yaml(file).map_err(|d| vec![d])?;
        let at = |s: &Spanned<String>| model::span_of(file, s);
        // Every problem of the profile is reported, each at its own place.
        let mut errs: Vec<Diagnostic> = Vec::new();
        if let Err(d) = crate::backend::expect_target(file, &raw.target, Target::Splunk) {
            errs.push(d);
        }
        if !is_name(&raw.base_macro.value) {
            errs.push(
                Diagnostic::error(
                    "E030",
                    format!("`{}` is not a macro name", raw.base_macro.value),
                )
                .at(at(&raw.base_macro))
                .help("use letters, digits and `_`"),
            );
        }
        if raw.base_definition.value.contains(['\n', '\r', '`']) {
            errs.push(
                Diagnostic::error(
                    "E030",
                    "the base search definition spans lines or holds a backtick",
                )
                .at(at(&raw.base_definition))
                .help("write it on one line, e.g. index=azure sourcetype=\"azure:monitor:aad\""),
            );
        }
        let mut fields = BTreeMap::new();
        for (name, map) in &raw.fields {
            let Some(field) = Field::by_name(name) else {
                errs.push(
                    Diagnostic::error("E030", format!("the profile maps unknown field `{name}`"))
                        .at(model::span_of(file, map))
                        .help("map only fields of the canonical catalogue (docs/rule-format.md)"),
                );
                continue;
            };
            if !is_path(&map.value.path) {
                errs.push(
                    Diagnostic::error("E030", format!("`{}` is not a field path", map.value.path))
                        .at(model::span_of(file, map))
                        .help("paths use letters, digits, `_`, `.`, `@`, `-` and `{}`"),
                );
                continue;
            }
            fields.insert(field, map.value.clone());
        }
        if !is_path(&raw.category_field.value) {
            errs.push(
                Diagnostic::error("E030", "category_field is not a field name")
                    .at(at(&raw.category_field))
                    .help("the field telling sign-in categories apart, e.g. category"),
            );
        }
        let mut categories = Vec::new();
        for c in &raw.categories {
            if !is_name(&c.value) {
                errs.push(
                    Diagnostic::error("E030", format!("`{}` is not a category name", c.value))
                        .at(at(c))
                        .help("use letters, digits and `_`, e.g. NonInteractiveUserSignInLogs"),
                );
                continue;
            }
            categories.push(c.value.clone());
        }
        let health = HealthPlan::new(file, &raw.health, categories)
            .map_err(|d| errs.push(d))
            .ok();
        let risk_detections = match &raw.risk_detections {
            Some(r) => {
                let v = &r.value;
                if !is_name(&v.category) || !is_path(&v.key) || !is_path(&v.type_path) {
                    errs.push(
                        Diagnostic::error(
                            "E030",
                            "risk_detections names an invalid category or path",
                        )
                        .at(model::span_of(file, r))
                        .help("category is a name; key and type are field paths"),
                    );
                }
                Some(v.clone())
            }
            None => None,
        };
        let Some(health) = health.filter(|_| errs.is_empty()) else {
            return Err(errs);
        };
        Ok(Self {
            base_macro: raw.base_macro.value,
            base_definition: raw.base_definition.value,
            category_field: raw.category_field.value,
            fields,
            risk_detections,
            health,
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
