//! The linter: KQL and SPL parsed by tokenward's own grammars (src/syntax), then checked by lint rules
//! kept one per file with a stable code (registry.rs), in the style of Ruff.

pub mod baseline;
pub mod config;
pub mod fix;
pub mod kql;
pub mod rates;
pub mod registry;
pub mod spl;
pub mod suppress;
#[doc(hidden)]
pub mod survey;

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::diag::{Diagnostic, Level, SourceFile, Span};
use crate::syntax::{Node, ParseError};

pub use config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Kql,
    Spl,
}

impl Language {
    pub fn name(self) -> &'static str {
        match self {
            Language::Kql => "KQL",
            Language::Spl => "SPL",
        }
    }

    /// By file extension, in any case: `.kql`/`.csl`/`.kusto` and `.spl`.
    pub fn of(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "kql" | "csl" | "kusto" => Some(Language::Kql),
            "spl" => Some(Language::Spl),
            _ => None,
        }
    }
}

/// How loudly a lint speaks; set per code in the project config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Setting {
    Off,
    Warning,
    Error,
}

/// A lint's documentation, in the fixed headings `tokenward rule CODE` and docs/lints.md print.
pub struct Doc {
    pub what: &'static str,
    pub why: &'static str,
    pub example: &'static str,
    pub fix: &'static str,
}

pub struct Lint {
    pub code: &'static str,
    pub name: &'static str,
    pub language: Language,
    pub level: Setting,
    /// One line: what is wrong when it fires.
    pub summary: &'static str,
    pub doc: Doc,
    pub check: fn(&Source<'_>) -> Vec<Finding>,
}

/// What a check reports: a byte range in the source, a message, an optional hint and, where the
/// change is mechanical, a fix (`tokenward lint --fix`).
#[derive(Debug, Clone)]
pub struct Finding {
    pub start: usize,
    pub end: usize,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<fix::Fix>,
}

impl Finding {
    pub fn new(start: usize, end: usize, message: impl Into<String>) -> Self {
        Self {
            start,
            end,
            message: message.into(),
            help: None,
            fix: None,
        }
    }

    pub fn fix(mut self, fix: fix::Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn at(node: &Node<'_>, message: impl Into<String>) -> Self {
        Self::new(node.start, node.end, message)
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// One file as the checks see it.
pub struct Source<'a> {
    pub text: &'a str,
    pub tree: Option<&'a Node<'a>>,
    pub parse_error: Option<&'a ParseError>,
    pub schemas: &'a kql::schema::Schemas,
    pub splunk_fields: &'a spl::fields::Catalogue,
    /// The KQL column and type model, made once for the lints that share it.
    kql_model: std::cell::OnceCell<kql::columns::Model>,
    /// Every name and member name of a KQL query, collected in one walk.
    kql_names: std::cell::OnceCell<std::collections::HashSet<&'a str>>,
}

impl<'a> Source<'a> {
    pub fn new(
        text: &'a str,
        tree: Option<&'a Node<'a>>,
        parse_error: Option<&'a ParseError>,
        schemas: &'a kql::schema::Schemas,
        splunk_fields: &'a spl::fields::Catalogue,
    ) -> Self {
        Source {
            text,
            tree,
            parse_error,
            schemas,
            splunk_fields,
            kql_model: std::cell::OnceCell::new(),
            kql_names: std::cell::OnceCell::new(),
        }
    }

    /// Whether a KQL query names this column or table anywhere (as a name or a member).
    pub fn mentions(&self, name: &str) -> bool {
        let Some(tree) = self.tree else {
            return false;
        };
        self.kql_names
            .get_or_init(|| {
                tree.descendants()
                    .filter(|n| {
                        matches!(
                            n.kind,
                            crate::syntax::kinds::kql::NAME_REF
                                | crate::syntax::kinds::kql::MEMBER_NAME
                        )
                    })
                    .map(|n| n.text)
                    .collect()
            })
            .contains(name)
    }

    /// The column and type model of a parsed KQL query (KQL002, KQL006, KQL010); None when the
    /// query does not parse.
    pub fn kql_model(&self) -> Option<&kql::columns::Model> {
        let tree = self.tree?;
        Some(
            self.kql_model
                .get_or_init(|| kql::columns::analyze(tree, self.schemas)),
        )
    }
}

/// Lints one text; findings become diagnostics with the configured level.
pub fn lint_text(
    file: &Arc<SourceFile>,
    language: Language,
    config: &Config,
    schemas: &kql::schema::Schemas,
    splunk_fields: &spl::fields::Catalogue,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = findings(&file.text, language, config, schemas, splunk_fields)
        .into_iter()
        .map(|(lint, level, f)| {
            let mut d = Diagnostic::error(lint.code, f.message).at(Span::new(file, f.start, f.end));
            d.severity = if level == Setting::Error {
                Level::Error
            } else {
                Level::Warning
            };
            d.help = f
                .help
                .or_else(|| Some(lint.doc.fix.lines().next().unwrap_or("").to_string()));
            d
        })
        .collect();
    out.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
    out
}

/// Every finding of the lints that are not off, with its lint and level, inline suppressions
/// applied.
pub fn findings(
    text: &str,
    language: Language,
    config: &Config,
    schemas: &kql::schema::Schemas,
    splunk_fields: &spl::fields::Catalogue,
) -> Vec<(&'static Lint, Setting, Finding)> {
    let parsed = match language {
        Language::Kql => crate::syntax::kql::parse_tree(text),
        Language::Spl => crate::syntax::spl::parse_tree(text),
    };
    let (tree, error) = match &parsed {
        Ok(t) => (Some(t), None),
        Err(e) => (None, Some(e)),
    };
    let source = Source::new(text, tree, error, schemas, splunk_fields);
    let suppressed = suppress::Suppressions::of(text, language);
    let line_of = |byte: usize| crate::diag::line_col(text, byte).0;
    let mut out = Vec::new();
    for lint in registry::LINTS
        .iter()
        .copied()
        .filter(|l| l.language == language)
    {
        let level = config.level(lint);
        if level == Setting::Off {
            continue;
        }
        for f in (lint.check)(&source) {
            if !suppressed.covers(lint.code, line_of(f.start)) {
                out.push((lint, level, f));
            }
        }
    }
    out
}

/// Applies the mechanical fixes of the lints that are on to the files (atomically, each file
/// rewritten once per pass, until nothing changes). Returns the files changed and how many fixes each
/// got; unreadable files are left to the lint that follows to report.
pub fn fix_files(
    files: &[std::path::PathBuf],
    config: &Config,
) -> Result<Vec<(std::path::PathBuf, usize)>, Vec<Diagnostic>> {
    let schemas = kql::schema::Schemas::bundled();
    let catalogue = spl::fields::Catalogue::bundled();
    let mut changed = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        let Some(language) = Language::of(f) else {
            continue;
        };
        let Ok(mut text) = std::fs::read_to_string(f) else {
            continue;
        };
        let mut total = 0;
        // A fix that overlapped another waits for the next pass; five are plenty.
        for _ in 0..5 {
            let fixes: Vec<fix::Fix> = findings(&text, language, config, &schemas, &catalogue)
                .into_iter()
                .filter_map(|(_, _, f)| f.fix)
                .collect();
            let (next, n) = fix::apply(&text, &fixes);
            if n == 0 || next == text {
                break;
            }
            text = next;
            total += n;
        }
        if total > 0 {
            match fix::write_atomically(f, &text) {
                Ok(()) => changed.push((f.clone(), total)),
                Err(e) => errors.push(
                    Diagnostic::error("E001", format!("cannot write the fixed file: {e}"))
                        .in_file(f),
                ),
            }
        }
    }
    if errors.is_empty() {
        Ok(changed)
    } else {
        Err(errors)
    }
}

/// The finding of the syntax-error lints (KQL001, SPL001): where the parser stopped and what it expected.
pub fn syntax_finding(src: &Source<'_>) -> Vec<Finding> {
    src.parse_error
        .map(|e| {
            let start = e.offset;
            vec![Finding::new(
                start,
                start + 1,
                format!("syntax error: {}", e.message),
            )]
        })
        .unwrap_or_default()
}

/// The lint with this code.
pub fn find(code: &str) -> Option<&'static Lint> {
    registry::LINTS
        .iter()
        .copied()
        .find(|l| l.code.eq_ignore_ascii_case(code))
}

/// What `tokenward lint` reads: `.kql`/`.spl` files and rule `.yaml` files, from files or folders.
pub fn collect(paths: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for p in paths {
        if p.is_dir() {
            match crate::walk::files(p, &crate::walk::is_data_folder) {
                // YAML inside a build output (analytic-rule exports) is not a tokenward rule, nor is
                // YAML that does not look like one (a docker-compose.yaml, a CI workflow).
                Ok(files) => {
                    let before = out.len();
                    out.extend(files.into_iter().filter(|e| {
                        Language::of(e).is_some()
                            || (is_yaml(e) && !in_build_output(e) && looks_like_rule(e))
                    }));
                    if out.len() == before {
                        errs.push(
                            Diagnostic::error("E001", "nothing to lint in this folder")
                                .in_file(p)
                                .help("tokenward lints .kql/.csl/.kusto, .spl and rule .yaml files (with `match:` or `correlation:`)"),
                        );
                    }
                }
                Err(e) => errs.extend(e),
            }
        } else if p.is_file() {
            if Language::of(p).is_some() || is_yaml(p) {
                out.push(p.clone());
            } else {
                errs.push(
                    Diagnostic::error("E001", "not a file tokenward lints")
                        .in_file(p)
                        .help("name KQL files .kql, .csl or .kusto and SPL files .spl; rule files are .yaml or .yml"),
                );
            }
        } else {
            errs.push(
                Diagnostic::error("E001", "no such file or folder")
                    .in_file(p)
                    .help("pass .kql, .spl or rule .yaml files, or folders holding them"),
            );
        }
    }
    out.sort();
    out.dedup();
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

fn in_build_output(p: &Path) -> bool {
    p.ancestors()
        .skip(1)
        .any(|d| d.join(crate::outdir::MANIFEST).is_file())
}

fn is_yaml(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// A YAML file found in a folder is a rule when its top level has `match:` or `correlation:`, the keys
/// only tokenward rules have (Sigma rules, CI workflows and compose files have neither). Read from the
/// first 64 KiB; a file that cannot be read is left to the rule reader to report. Named on the command
/// line, any YAML file is read as a rule.
fn looks_like_rule(p: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::new();
    let Ok(f) = std::fs::File::open(p) else {
        return true;
    };
    if f.take(64 * 1024).read_to_end(&mut head).is_err() {
        return true;
    }
    let text = String::from_utf8_lossy(&head);
    let top = |key: &str| text.lines().any(|l| l.starts_with(key));
    top("match:") || top("correlation:")
}

/// Lints files: queries with the lint rules, rule files with the compiler's checks.
pub fn lint_files(files: &[std::path::PathBuf], config: &Config) -> Vec<Diagnostic> {
    let mut schemas = kql::schema::Schemas::bundled();
    let mut out = Vec::new();
    for dir in &config.schema_dirs {
        if let Err(d) = schemas.load_dir(dir) {
            out.push(d);
        }
    }
    let catalogue = spl::fields::Catalogue::bundled();
    let rules: Vec<std::path::PathBuf> = files.iter().filter(|f| is_yaml(f)).cloned().collect();
    if !rules.is_empty() {
        match crate::check::check_all(&rules, Path::new("")) {
            Ok(detections) => out.extend(detections.into_iter().flat_map(|d| d.warnings)),
            Err(errs) => out.extend(errs),
        }
    }
    for f in files.iter().filter(|f| !is_yaml(f)) {
        let Some(lang) = Language::of(f) else {
            continue;
        };
        match crate::model::read_source(f) {
            Ok(file) => out.extend(cap(lint_text(&file, lang, config, &schemas, &catalogue), f)),
            Err(d) => out.push(d),
        }
    }
    out
}

/// Findings shown per line and per file; the rest are counted in one summary, so output stays bounded
/// by the input however many findings a hostile file provokes.
pub const MAX_PER_LINE: usize = 10;
pub const MAX_PER_FILE: usize = 200;

fn cap(diags: Vec<Diagnostic>, path: &Path) -> Vec<Diagnostic> {
    let mut per_line: std::collections::BTreeMap<usize, usize> = Default::default();
    let mut kept = Vec::new();
    let mut dropped: Vec<Diagnostic> = Vec::new();
    for d in diags {
        let line = d.span.as_ref().map_or(0, |s| s.line_col().0);
        let n = per_line.entry(line).or_default();
        if kept.len() >= MAX_PER_FILE || *n >= MAX_PER_LINE {
            dropped.push(d);
        } else {
            *n += 1;
            kept.push(d);
        }
    }
    if let Some(worst) = dropped.iter().max_by_key(|d| d.is_error()) {
        let errors = dropped.iter().filter(|d| d.is_error()).count();
        let summary = format!(
            "{} more finding(s) in this file not shown ({errors} error(s)); at most {MAX_PER_LINE} per line and {MAX_PER_FILE} per file are",
            dropped.len()
        );
        let d = if worst.is_error() {
            Diagnostic::error(worst.code, summary)
        } else {
            Diagnostic::warning(worst.code, summary)
        };
        kept.push(
            d.in_file(path)
                .help("fix the findings shown first; the rest are counted here, not printed"),
        );
    }
    kept
}

/// Lints generated text (the build's own output) with the default levels.
pub fn lint_generated(path: &Path, text: &str) -> Vec<Diagnostic> {
    let Some(lang) = Language::of(path) else {
        return Vec::new();
    };
    // The bundled schemas are parsed once per process, not once per generated query.
    static BUNDLED: std::sync::OnceLock<(kql::schema::Schemas, spl::fields::Catalogue)> =
        std::sync::OnceLock::new();
    let (schemas, fields) = BUNDLED.get_or_init(|| {
        (
            kql::schema::Schemas::bundled(),
            spl::fields::Catalogue::bundled(),
        )
    });
    let file = SourceFile::new(path, text.to_string());
    // A generated .kql keeps its comments for reviewers; what Sentinel receives is checked against the
    // length limit when the analytic rule is published (E081), so KQL009 would judge the wrong text.
    let mut config = Config::default();
    config.set("KQL009", Setting::Off);
    lint_text(&file, lang, &config, schemas, fields)
}
