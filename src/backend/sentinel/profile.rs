//! The Sentinel profile: tables, the lookback column, and each canonical field's column (data, in
//! profiles/sentinel.yaml), loaded and checked.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::backend::Target;
use crate::catalogue::{Field, Type};
use crate::diag::{Diagnostic, SourceFile};
use crate::health::{HealthConfig, HealthPlan};
use crate::model::{self, Spanned};

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "tokenward target profile: Microsoft Sentinel")]
struct RawProfile {
    target: Spanned<String>,
    tables: Vec<Spanned<String>>,
    #[serde(default)]
    dynamic_columns: Vec<Spanned<String>>,
    fields: BTreeMap<String, Spanned<FieldMap>>,
    #[serde(default)]
    risk_detections: Option<Spanned<RiskDetections>>,
    health: HealthConfig,
    #[serde(default)]
    tactics: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    pub column: String,
    /// A key inside a dynamic column (`DeviceDetail.deviceId`).
    #[serde(default)]
    pub path: Option<String>,
    /// The column holds a JSON array of objects; collect this key from every element.
    #[serde(default)]
    pub each: Option<String>,
    /// The column holds a JSON array of strings.
    #[serde(default)]
    pub json_array: bool,
    /// The query computes the field with this function of the row (`ingestion_time`); `column` names it
    /// in exported rows.
    #[serde(default)]
    pub function: Option<String>,
}

/// Where Identity Protection detections are: a table tied to sign-ins by a key column.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskDetections {
    pub table: String,
    /// The column holding the sign-in's correlation id.
    pub key: String,
    /// The column holding the risk event type.
    #[serde(rename = "type")]
    pub type_column: String,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub tables: Vec<String>,
    /// The column the lookback reads (the mapping of `log_time`).
    pub time_column: String,
    pub dynamic_columns: Vec<String>,
    pub fields: BTreeMap<Field, FieldMap>,
    pub risk_detections: Option<RiskDetections>,
    pub health: HealthPlan,
    /// ATT&CK technique (parent id) → Sentinel tactics, for the analytic rules.
    pub tactics: BTreeMap<String, Vec<String>>,
    pub source: PathBuf,
}

/// The tactic names Sentinel's alert rules accept, in the order of the AttackTactic enum (SecurityInsights
/// API 2025-09-01); analytic rules list their tactics in this order.
pub const SENTINEL_TACTICS: &[&str] = &[
    "Reconnaissance",
    "ResourceDevelopment",
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "Exfiltration",
    "CommandAndControl",
    "Impact",
    "PreAttack",
    "ImpairProcessControl",
    "InhibitResponseFunction",
];

/// The JSON Schema of this target's profile file, from the structs it is read with.
pub fn schema() -> schemars::Schema {
    model::schema_generator().into_root_schema_for::<RawProfile>()
}

impl Profile {
    pub fn load(file: &Arc<SourceFile>) -> Result<Self, Vec<Diagnostic>> {
        let raw: RawProfile = model::parse_yaml(file).map_err(|d| vec![d])?;
        // Every problem of the profile is reported, each at its own place.
        let mut errs: Vec<Diagnostic> = Vec::new();
        let at = |s: &Spanned<String>| model::span_of(file, s);
        if let Err(d) = crate::backend::expect_target(file, &raw.target, Target::Sentinel) {
            errs.push(d);
        }
        let ident = |s: &Spanned<String>| -> Result<String, Diagnostic> {
            if is_column_name(&s.value) {
                Ok(s.value.clone())
            } else {
                Err(Diagnostic::error(
                    "E030",
                    format!("`{}` is not a KQL column or table name", s.value),
                )
                .at(at(s))
                .help("use letters, digits and `_`"))
            }
        };
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
            let m = &map.value;
            let parts_ok = is_column_name(&m.column)
                && m.path
                    .as_deref()
                    .is_none_or(|p| p.split('.').all(is_column_name))
                && m.each.as_deref().is_none_or(is_column_name)
                && m.function.as_deref().is_none_or(is_column_name);
            if !parts_ok {
                errs.push(
                    Diagnostic::error(
                        "E030",
                        format!("the mapping of `{name}` has an invalid column, path or key"),
                    )
                    .at(model::span_of(file, map))
                    .help("columns, paths and keys are identifiers joined by `.`"),
                );
                continue;
            }
            let list = m.each.is_some() || m.json_array;
            if list != (field.ty() == Type::StringList) {
                errs.push(
                    Diagnostic::error(
                        "E030",
                        format!(
                            "`{name}` is a {}; its mapping {} `each`/`json_array`",
                            field.ty().describe(),
                            if list { "must not use" } else { "needs" }
                        ),
                    )
                    .at(model::span_of(file, map))
                    .help(
                        "list fields map with `each: key` (array of objects) or `json_array: true`",
                    ),
                );
                continue;
            }
            fields.insert(field, m.clone());
        }
        let mut tables = Vec::new();
        for t in &raw.tables {
            match ident(t) {
                Ok(t) => tables.push(t),
                Err(d) => errs.push(d),
            }
        }
        let health = HealthPlan::new(file, &raw.health, tables.clone())
            .map_err(|d| errs.push(d))
            .ok();
        let time_column = match fields.get(&Field::LogTime) {
            Some(m) if m.path.is_none() && m.function.is_none() => m.column.clone(),
            _ => {
                errs.push(
                    Diagnostic::error(
                        "E030",
                        "the Sentinel profile maps `log_time` to no plain column",
                    )
                    .in_file(&file.path)
                    .help("map `log_time: { column: TimeGenerated }`: the lookback filters on it"),
                );
                String::new()
            }
        };
        let risk_detections = match &raw.risk_detections {
            Some(r) => {
                let v = &r.value;
                if ![&v.table, &v.key, &v.type_column]
                    .iter()
                    .all(|c| is_column_name(c))
                {
                    errs.push(
                        Diagnostic::error(
                            "E030",
                            "risk_detections names an invalid table or column",
                        )
                        .at(model::span_of(file, r))
                        .help("write table, key and type as identifiers"),
                    );
                }
                Some(v.clone())
            }
            None => None,
        };
        let mut tactics = BTreeMap::new();
        for (technique, list) in &raw.tactics {
            let is_parent = technique.len() == 5
                && technique.starts_with('T')
                && technique[1..].bytes().all(|b| b.is_ascii_digit());
            if !is_parent || list.value.is_empty() {
                errs.push(
                    Diagnostic::error(
                        "E030",
                        format!("`{technique}` needs a technique id and its tactics"),
                    )
                    .at(model::span_of(file, list))
                    .help(
                        "write `T1550: [DefenseEvasion, LateralMovement]` (parent techniques only)",
                    ),
                );
                continue;
            }
            for t in &list.value {
                if !SENTINEL_TACTICS.contains(&t.value.as_str()) {
                    let hint =
                        match crate::diag::did_you_mean(&t.value, SENTINEL_TACTICS.iter().copied())
                        {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => {
                                format!("Sentinel's tactics are {}", SENTINEL_TACTICS.join(", "))
                            }
                        };
                    errs.push(
                        Diagnostic::error(
                            "E030",
                            format!("`{}` is not a Sentinel tactic", t.value),
                        )
                        .at(at(t))
                        .help(hint),
                    );
                }
            }
            tactics.insert(
                technique.clone(),
                list.value.iter().map(|t| t.value.clone()).collect(),
            );
        }
        let mut dynamic_columns = Vec::new();
        for c in &raw.dynamic_columns {
            match ident(c) {
                Ok(c) => dynamic_columns.push(c),
                Err(d) => errs.push(d),
            }
        }
        let Some(health) = health.filter(|_| errs.is_empty()) else {
            return Err(errs);
        };
        Ok(Self {
            tables,
            time_column,
            dynamic_columns,
            fields,
            risk_detections,
            health,
            tactics,
            source: file.path.clone(),
        })
    }

    /// The column (and path or key) a field is read from, for reports.
    pub fn source_of(&self, f: Field) -> String {
        match self.fields.get(&f) {
            None => "(not mapped)".into(),
            Some(FieldMap {
                function: Some(f), ..
            }) => format!("{f}()"),
            Some(m) => match (&m.path, &m.each) {
                (Some(p), _) => format!("{}.{p}", m.column),
                (_, Some(k)) => format!("{}[*].{k}", m.column),
                _ => m.column.clone(),
            },
        }
    }

    pub(super) fn map(&self, f: Field) -> Result<&FieldMap, Diagnostic> {
        self.fields.get(&f).ok_or_else(|| {
            Diagnostic::error(
                "E031",
                format!("the Sentinel profile does not map field `{}`", f.name()),
            )
            .in_file(&self.source)
            .help(format!("add `{}: {{ column: … }}` under fields:", f.name()))
        })
    }
}

fn is_column_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
