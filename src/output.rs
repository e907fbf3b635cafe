//! Diagnostics at the edge, in the format a subcommand was asked for: for people (file:line:col with the
//! offending line marked), for scripts (a stable JSON report), for code scanning (SARIF 2.1.0, built
//! with serde-sarif) and for GitHub Actions (workflow annotations). The output shapes are kept apart
//! from the internal `Diagnostic` so they stay stable.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_sarif::sarif;

use crate::codes;
use crate::diag::{Diagnostic, JsonDiagnostic, Level};

/// Every output format a subcommand may offer; each subcommand says which it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    /// A self-contained page (`explain`).
    Html,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Html => "html",
        }
    }
}

pub fn count(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

/// Every diagnostic for people; `styled` adds colour (print it through anstream).
pub fn human(diags: &[Diagnostic], styled: bool) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&if styled {
            d.render_styled()
        } else {
            d.render_human()
        });
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct JsonReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<usize>,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic>,
}

/// The JSON report: counts, then every diagnostic. `files` is how many files were read, when known.
pub fn json(diags: &[Diagnostic], files: Option<usize>) -> String {
    let (errors, warnings) = count(diags);
    let report = JsonReport {
        files,
        errors,
        warnings,
        diagnostics: diags.iter().map(Diagnostic::to_json).collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

/// GitHub Actions workflow commands (`::error file=…,line=…::message`), one line per diagnostic.
/// Properties and messages are escaped as the runner expects (`%`, CR, LF; `:` and `,` in properties).
pub fn github(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let mut props = Vec::new();
        if let Some(p) = d.file_path() {
            props.push(format!(
                "file={}",
                gh_property(&p.to_string_lossy().replace('\\', "/"))
            ));
        }
        if let Some(s) = &d.span {
            let (line, col) = s.file.line_col(s.start);
            let (end_line, end_col) = s.file.line_col(s.end);
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
            props.push(format!("endLine={end_line}"));
            if end_line == line {
                props.push(format!("endColumn={}", end_col.max(col + 1)));
            }
        }
        let name = codes::find(d.code).map_or("", |e| e.name);
        props.push(format!(
            "title={}",
            gh_property(&format!("{} {name}", d.code))
        ));
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        let level = match d.severity {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            gh_data(&message)
        ));
    }
    out
}

/// Escapes the message of a workflow command (`%`, CR, LF).
pub fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property of a workflow command (also `:` and `,`).
pub fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A stable fingerprint of a finding: its code, file and the text of its line, so a finding keeps its
/// identity when lines are added above it (SARIF `partialFingerprints`).
fn fingerprint(d: &Diagnostic) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        h = (h ^ 0xff).wrapping_mul(0x0100_0000_01b3);
    };
    feed(d.code.as_bytes());
    if let Some(p) = d.file_path() {
        feed(p.to_string_lossy().replace('\\', "/").as_bytes());
    }
    match &d.span {
        Some(s) => {
            let (line, _) = s.file.line_col(s.start);
            feed(s.file.text[s.file.line_range(line)].trim().as_bytes());
        }
        None => feed(d.message.as_bytes()),
    }
    format!("{h:016x}")
}

fn text(s: impl Into<String>) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(s.into())
        .build()
}

fn rule(code: &str) -> sarif::ReportingDescriptor {
    let Some(e) = codes::find(code) else {
        return sarif::ReportingDescriptor::builder()
            .id(code.to_string())
            .build();
    };
    let level = match e.level {
        crate::lint::Setting::Error => "error",
        crate::lint::Setting::Warning => "warning",
        crate::lint::Setting::Off => "none",
    };
    let tag = match e.origin {
        codes::Origin::Compiler => "rule-file",
        codes::Origin::Lint(crate::lint::Language::Kql) => "kql",
        codes::Origin::Lint(crate::lint::Language::Spl) => "spl",
    };
    // GitHub reads `security-severity` (0–10) for rules tagged `security`.
    let severity = match e.level {
        crate::lint::Setting::Error => "6.0",
        _ => "3.0",
    };
    let mut extra = BTreeMap::new();
    extra.insert(
        "security-severity".to_string(),
        serde_json::Value::from(severity),
    );
    sarif::ReportingDescriptor::builder()
        .id(e.code.to_string())
        .name(crate::render::pascal_case(e.name))
        .short_description(text(e.summary))
        .full_description(text(e.explanation))
        .help(
            sarif::MultiformatMessageString::builder()
                .text(e.fix.to_string())
                .markdown(e.markdown())
                .build(),
        )
        .help_uri(e.help_uri())
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(serde_json::Value::from(level))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(vec![tag.to_string(), "security".to_string()])
                .additional_properties(extra)
                .build(),
        )
        .build()
}

/// SARIF 2.1.0 as GitHub code scanning reads it: rule metadata with `helpUri`, levels, a region and a
/// stable fingerprint per result.
pub fn sarif(diags: &[Diagnostic]) -> String {
    let mut rules: Vec<sarif::ReportingDescriptor> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut results = Vec::new();
    for d in diags {
        let rule_index = *index.entry(d.code).or_insert_with(|| {
            rules.push(rule(d.code));
            rules.len() - 1
        });
        let uri = d
            .file_path()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|| "unknown".into());
        let region = d.span.as_ref().map(|s| {
            let (start_line, start_column) = s.file.line_col(s.start);
            let (end_line, end_column) = s.file.line_col(s.end.max(s.start + 1));
            let end_column = if end_line == start_line {
                end_column.max(start_column + 1)
            } else {
                end_column
            };
            sarif::Region::builder()
                .start_line(start_line as i64)
                .start_column(start_column as i64)
                .end_line(end_line as i64)
                .end_column(end_column as i64)
                .build()
        });
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str(&format!(" (help: {h})"));
        }
        let physical = match region {
            Some(r) => sarif::PhysicalLocation::builder()
                .artifact_location(sarif::ArtifactLocation::builder().uri(uri).build())
                .region(r)
                .build(),
            None => sarif::PhysicalLocation::builder()
                .artifact_location(sarif::ArtifactLocation::builder().uri(uri).build())
                .build(),
        };
        let level = match d.severity {
            Level::Error => sarif::ResultLevel::Error,
            Level::Warning => sarif::ResultLevel::Warning,
        };
        results.push(
            sarif::Result::builder()
                .rule_id(d.code.to_string())
                .rule_index(rule_index as i64)
                .level(level)
                .message(sarif::Message::builder().text(message).build())
                .locations(vec![sarif::Location::builder()
                    .physical_location(physical)
                    .build()])
                .partial_fingerprints(BTreeMap::from([(
                    "tokenward/v1".to_string(),
                    fingerprint(d),
                )]))
                .build(),
        );
    }
    let log = sarif::Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json".to_string())
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![sarif::Run::builder()
            .tool(
                sarif::Tool::builder()
                    .driver(
                        sarif::ToolComponent::builder()
                            .name("tokenward".to_string())
                            .version(env!("CARGO_PKG_VERSION").to_string())
                            .information_uri("https://github.com/tokenward/tokenward".to_string())
                            .rules(rules)
                            .build(),
                    )
                    .build(),
            )
            .results(results)
            .build()])
        .build();
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{SourceFile, Span};

    #[test]
    fn github_annotations_escape_data_and_properties() {
        let f = SourceFile::new("a,b:c.kql", "x\n| take 1\n".to_string());
        let d = Diagnostic::error("KQL006", "50% of\nrows")
            .at(Span::new(&f, 2, 8))
            .help("add a time filter");
        let out = github(&[d]);
        assert_eq!(
            out,
            "::error file=a%2Cb%3Ac.kql,line=2,col=1,endLine=2,endColumn=7,title=KQL006 no-time-filter::50%25 of%0Arows%0Ahelp: add a time filter\n"
        );
    }
}
