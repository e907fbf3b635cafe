//! Measures the linter on a corpus of real queries: SPL searches with no syntax error, KQL acceptance
//! both ways against Kusto.Language's labels, and how often each lint fires. Used by
//! `examples/corpus_report.rs`, by the test that gates the targets, and (through the data file the
//! example writes) by docs/lints.md.
//!
//! Corpus layout: `spl/<source>/*.spl`, `kql/<source>/*.kql`, `kql-labels.tsv` (`file`, `accepted`
//! yes/no, `first_error`). A source folder named `templated` holds placeholders and is left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{kql, registry, spl, Config, Language};
use crate::diag::{Level, SourceFile};

/// One query of the corpus.
pub struct Entry {
    /// Path relative to the corpus root, with `/` separators (`spl/escu/0001.spl`).
    pub name: String,
    pub language: Language,
    pub text: String,
    /// Kusto.Language's syntax-only verdict (KQL only; None when the file has no label).
    pub kusto_accepts: Option<bool>,
}

/// Reads every query of the corpus at `root`, sorted by name, placeholders left out.
pub fn read(root: &Path) -> std::io::Result<Vec<Entry>> {
    let labels = std::fs::read_to_string(root.join("kql-labels.tsv")).unwrap_or_default();
    let labels: BTreeMap<&str, bool> = labels
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some((cols.next()?, cols.next()? == "yes"))
        })
        .collect();
    let mut out = Vec::new();
    for (dir, language, ext) in [("spl", Language::Spl, "spl"), ("kql", Language::Kql, "kql")] {
        let base = root.join(dir);
        if !base.is_dir() {
            continue;
        }
        let mut sources: Vec<PathBuf> = std::fs::read_dir(&base)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir() && !p.ends_with("templated"))
            .collect();
        sources.sort();
        for source in sources {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&source)?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect();
            files.sort();
            for f in files {
                let rel = f.strip_prefix(root).unwrap_or(&f);
                let name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let text = std::fs::read_to_string(&f)?;
                let kusto_accepts = labels.get(name.as_str()).copied();
                out.push(Entry {
                    name,
                    language,
                    text,
                    kusto_accepts,
                });
            }
        }
    }
    Ok(out)
}

/// How often one lint fired.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Rate {
    /// Files of the lint's language in the corpus.
    pub files: usize,
    /// Files where it reported at least once (at its default level).
    pub fired: usize,
    /// Findings in all.
    pub findings: usize,
}

impl Rate {
    pub fn percent(&self) -> f64 {
        if self.files == 0 {
            0.0
        } else {
            100.0 * self.fired as f64 / self.files as f64
        }
    }
}

/// What the survey found.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Survey {
    pub spl_files: usize,
    /// SPL files with no syntax error.
    pub spl_parsed: usize,
    /// KQL files Kusto.Language accepts, and of those the ones tokenward accepts.
    pub kql_kusto_accepted: usize,
    pub kql_both_accepted: usize,
    /// KQL files Kusto.Language rejects, and of those the ones tokenward rejects.
    pub kql_kusto_rejected: usize,
    pub kql_both_rejected: usize,
    /// Files where a lint other than the syntax check fires at level error, among the files the SIEM
    /// would run (SPL: every production search; KQL: those Kusto.Language accepts).
    pub error_files: BTreeMap<String, usize>,
    /// Per lint code.
    pub rates: BTreeMap<String, Rate>,
    /// Files where the verdict is wrong: (name, what happened).
    #[serde(skip)]
    pub misses: Vec<(String, String)>,
}

impl Survey {
    pub fn spl_percent(&self) -> f64 {
        pct(self.spl_parsed, self.spl_files)
    }
    pub fn kql_accept_percent(&self) -> f64 {
        pct(self.kql_both_accepted, self.kql_kusto_accepted)
    }
    pub fn kql_reject_percent(&self) -> f64 {
        pct(self.kql_both_rejected, self.kql_kusto_rejected)
    }
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        100.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

/// Parses and lints every entry with the default levels.
pub fn survey(entries: &[Entry]) -> Survey {
    let config = Config::default();
    let schemas = kql::schema::Schemas::bundled();
    let fields = spl::fields::Catalogue::bundled();
    let mut s = Survey::default();
    for l in registry::LINTS {
        s.rates.entry(l.code.to_string()).or_default();
    }
    for e in entries {
        let file = SourceFile::new(&e.name, e.text.clone());
        let diags = super::lint_text(&file, e.language, &config, &schemas, &fields);
        let syntax = match e.language {
            Language::Kql => "KQL001",
            Language::Spl => "SPL001",
        };
        let syntax_error = diags.iter().find(|d| d.code == syntax);
        match e.language {
            Language::Spl => {
                s.spl_files += 1;
                match syntax_error {
                    None => s.spl_parsed += 1,
                    Some(d) => s.misses.push((e.name.clone(), where_and_what(d))),
                }
            }
            Language::Kql => match (e.kusto_accepts, syntax_error) {
                (Some(true), None) => {
                    s.kql_kusto_accepted += 1;
                    s.kql_both_accepted += 1;
                }
                (Some(true), Some(d)) => {
                    s.kql_kusto_accepted += 1;
                    s.misses.push((e.name.clone(), where_and_what(d)));
                }
                (Some(false), Some(_)) => {
                    s.kql_kusto_rejected += 1;
                    s.kql_both_rejected += 1;
                }
                (Some(false), None) => {
                    s.kql_kusto_rejected += 1;
                    s.misses
                        .push((e.name.clone(), "accepted, Kusto rejects it".into()));
                }
                (None, _) => {}
            },
        }
        let runs = e.language == Language::Spl || e.kusto_accepts == Some(true);
        let mut seen: Vec<&str> = Vec::new();
        for d in &diags {
            let rate = s.rates.entry(d.code.to_string()).or_default();
            rate.findings += 1;
            if !seen.contains(&d.code) {
                seen.push(d.code);
                rate.fired += 1;
                if runs && d.severity == Level::Error && d.code != syntax {
                    *s.error_files.entry(d.code.to_string()).or_default() += 1;
                }
            }
        }
    }
    let (kql_files, spl_files) = (
        entries
            .iter()
            .filter(|e| e.language == Language::Kql)
            .count(),
        s.spl_files,
    );
    for l in registry::LINTS {
        if let Some(r) = s.rates.get_mut(l.code) {
            r.files = match l.language {
                Language::Kql => kql_files,
                Language::Spl => spl_files,
            };
        }
    }
    s
}

fn where_and_what(d: &crate::diag::Diagnostic) -> String {
    let (line, col) = d.span.as_ref().map_or((0, 0), |s| s.line_col());
    format!("{line}:{col}: {}", d.message)
}
