//! KQL table schemas: the bundled Entra sign-in tables plus any the project adds.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::model;

/// A column's type, as far as the linter cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColType {
    String,
    Dynamic,
    Bool,
    Int,
    Long,
    Real,
    Datetime,
    Timespan,
    Guid,
    /// Not known (an expression the linter does not type).
    Unknown,
}

impl ColType {
    pub fn parse(s: &str) -> ColType {
        match s.to_ascii_lowercase().as_str() {
            "string" => ColType::String,
            "dynamic" => ColType::Dynamic,
            "bool" | "boolean" => ColType::Bool,
            "int" => ColType::Int,
            "long" => ColType::Long,
            "real" | "double" | "decimal" => ColType::Real,
            "datetime" | "date" => ColType::Datetime,
            "timespan" | "time" => ColType::Timespan,
            "guid" | "uniqueid" => ColType::Guid,
            _ => ColType::Unknown,
        }
    }

    pub fn suffix(self) -> &'static str {
        match self {
            ColType::String => "string",
            ColType::Dynamic => "dynamic",
            ColType::Bool => "bool",
            ColType::Int => "int",
            ColType::Long => "long",
            ColType::Real => "real",
            ColType::Datetime => "datetime",
            ColType::Timespan => "timespan",
            ColType::Guid => "guid",
            ColType::Unknown => "unknown",
        }
    }
}

pub type Columns = BTreeMap<String, ColType>;

#[derive(Debug, Default, Clone)]
pub struct Schemas {
    pub tables: BTreeMap<String, Columns>,
}

const BUNDLED: &[(&str, &str)] = &[
    (
        "SigninLogs",
        include_str!("../../../schemas/sentinel/SigninLogs.yaml"),
    ),
    (
        "AADNonInteractiveUserSignInLogs",
        include_str!("../../../schemas/sentinel/AADNonInteractiveUserSignInLogs.yaml"),
    ),
];

/// Tables bundled in the Azure-Sentinel JSON format (the shape Kusto.Language's validation reads).
const BUNDLED_JSON: &[&str] = &[include_str!(
    "../../../schemas/sentinel/AADUserRiskEvents.json"
)];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlTable {
    table: String,
    columns: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JsonTable {
    name: String,
    properties: Vec<JsonColumn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JsonColumn {
    name: String,
    #[serde(rename = "Type")]
    ty: String,
}

impl Schemas {
    pub fn bundled() -> Self {
        let mut s = Schemas::default();
        for text in BUNDLED_JSON {
            if let Ok(t) = serde_json::from_str::<JsonTable>(text) {
                s.add(
                    t.name,
                    t.properties
                        .iter()
                        .map(|c| (c.name.clone(), ColType::parse(&c.ty)))
                        .collect(),
                );
            }
        }
        for (name, text) in BUNDLED {
            let file = crate::diag::SourceFile::new(
                format!("<bundled>/schemas/sentinel/{name}.yaml"),
                text.to_string(),
            );
            if let Ok(t) = model::parse_yaml::<YamlTable>(&file) {
                s.add(
                    t.table,
                    t.columns
                        .iter()
                        .map(|(c, ty)| (c.clone(), ColType::parse(ty)))
                        .collect(),
                );
            }
        }
        s
    }

    pub fn add(&mut self, table: String, columns: Columns) {
        self.tables.insert(table, columns);
    }

    /// Adds every `*.yaml` (tokenward format) and `*.json` (Azure-Sentinel format) table in `dir`.
    pub fn load_dir(&mut self, dir: &Path) -> Result<(), Diagnostic> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Diagnostic::error("E070", format!("cannot read schema folder: {e}")).in_file(dir)
        })?;
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            match p.extension().and_then(|e| e.to_str()) {
                Some("yaml" | "yml") => {
                    let file = model::read_source(&p)?;
                    let t: YamlTable = model::parse_yaml(&file)?;
                    self.add(
                        t.table,
                        t.columns
                            .iter()
                            .map(|(c, ty)| (c.clone(), ColType::parse(ty)))
                            .collect(),
                    );
                }
                Some("json") => {
                    let text = std::fs::read_to_string(&p).map_err(|e| {
                        Diagnostic::error("E070", format!("cannot read schema: {e}")).in_file(&p)
                    })?;
                    let t: JsonTable = serde_json::from_str(&text).map_err(|e| {
                        Diagnostic::error("E070", format!("not a table schema: {e}"))
                            .in_file(&p)
                            .help("expected {\"Name\": …, \"Properties\": [{\"Name\": …, \"Type\": …}]}")
                    })?;
                    self.add(
                        t.name,
                        t.properties
                            .iter()
                            .map(|c| (c.name.clone(), ColType::parse(&c.ty)))
                            .collect(),
                    );
                }
                _ => {}
            }
        }
        Ok(())
    }
}
