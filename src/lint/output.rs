//! Lint results for people (file:line:col with a caret), for scripts (JSON) and for code scanning
//! (SARIF 2.1.0). The output structs are separate from the internal `Diagnostic` so formats stay stable.

use std::collections::BTreeMap;

use serde::Serialize;

use super::registry::LINTS;
use crate::diag::{Diagnostic, JsonDiagnostic, Severity};

pub fn human(diags: &[Diagnostic], files: usize) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render_human());
        out.push('\n');
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    out.push_str(&format!(
        "{files} file(s) checked: {errors} error(s), {warnings} warning(s)\n"
    ));
    out
}

#[derive(Serialize)]
struct JsonReport {
    files: usize,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic>,
}

pub fn json(diags: &[Diagnostic], files: usize) -> String {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let report = JsonReport {
        files,
        errors,
        warnings: diags.len() - errors,
        diagnostics: diags.iter().map(Diagnostic::to_json).collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

#[derive(Serialize)]
struct Sarif {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: DefaultConfiguration,
    properties: Properties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

fn level_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// SARIF 2.1.0 as GitHub code scanning reads it: rule metadata, levels, and a region per result.
pub fn sarif(diags: &[Diagnostic]) -> String {
    let mut rules: Vec<Rule> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut results = Vec::new();
    for d in diags {
        let rule_index = *index.entry(d.code.to_string()).or_insert_with(|| {
            rules.push(rule_for(d));
            rules.len() - 1
        });
        let uri = d
            .file_path()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|| "unknown".into());
        let region = d.span.as_ref().map(|s| {
            let (start_line, start_column) = s.file.line_col(s.start);
            let (end_line, end_column) = s.file.line_col(s.end.max(s.start + 1));
            Region {
                start_line,
                start_column,
                end_line,
                end_column: if end_line == start_line {
                    end_column.max(start_column + 1)
                } else {
                    end_column
                },
            }
        });
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str(&format!(" (help: {h})"));
        }
        results.push(SarifResult {
            rule_id: d.code.to_string(),
            rule_index,
            level: level_name(d.severity),
            message: Text { text: message },
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri },
                    region,
                },
            }],
        });
    }
    let sarif = Sarif {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "tokenward",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/tokenward/tokenward",
                    rules,
                },
            },
            results,
        }],
    };
    serde_json::to_string_pretty(&sarif).unwrap_or_default()
}

fn rule_for(d: &Diagnostic) -> Rule {
    match LINTS.iter().find(|l| l.code == d.code) {
        Some(l) => Rule {
            id: l.code.to_string(),
            name: crate::render::pascal_case(l.name),
            short_description: Text {
                text: l.summary.to_string(),
            },
            full_description: Text {
                text: l.doc.what.to_string(),
            },
            help: Help {
                text: l.doc.fix.to_string(),
                markdown: super::registry::markdown(l),
            },
            default_configuration: DefaultConfiguration {
                level: match l.level {
                    super::Level::Error => "error",
                    super::Level::Warning => "warning",
                    super::Level::Off => "none",
                },
            },
            properties: Properties {
                tags: vec![match l.language {
                    super::Language::Kql => "kql",
                    super::Language::Spl => "spl",
                }],
            },
        },
        None => Rule {
            id: d.code.to_string(),
            name: format!("Compiler{}", d.code),
            short_description: Text {
                text: "tokenward rule-file error".into(),
            },
            full_description: Text {
                text: "An error in a detection rule file; see docs/rule-format.md.".into(),
            },
            help: Help {
                text: "See the error codes in docs/rule-format.md.".into(),
                markdown: "See the error codes in `docs/rule-format.md`.".into(),
            },
            default_configuration: DefaultConfiguration { level: "error" },
            properties: Properties {
                tags: vec!["rule-file"],
            },
        },
    }
}
