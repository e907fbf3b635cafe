//! Measures the linter on a corpus of real queries: SPL searches with no syntax error, KQL acceptance
//! both ways against Kusto.Language's labels, and how often each lint fires. Used by
//! `examples/corpus_report.rs`, by the test that gates the targets, and (through the data file the
//! example writes) by docs/lints.md.
//!
//! Corpus layout: `spl/<source>/*.spl`, `kql/<source>/*.kql`, `kql-labels.tsv` (`file`, `accepted`
//! yes/no, `first_error`), and optionally `kql-mutants.tsv` (`mutant`, `hash`, `accepted`): Kusto's
//! verdict on mutated copies of the accepted KQL files ([`kql_mutants`] makes them, deterministically).
//! A source folder named `templated` holds placeholders and is left out.

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
    /// Mutated KQL files Kusto.Language rejects, and of those the ones tokenward rejects.
    pub mutants_kusto_rejected: usize,
    pub mutants_both_rejected: usize,
    /// Mutated KQL files Kusto.Language accepts, and of those the ones tokenward accepts.
    pub mutants_kusto_accepted: usize,
    pub mutants_both_accepted: usize,
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
    pub fn mutant_reject_percent(&self) -> f64 {
        pct(self.mutants_both_rejected, self.mutants_kusto_rejected)
    }
    pub fn mutant_accept_percent(&self) -> f64 {
        pct(self.mutants_both_accepted, self.mutants_kusto_accepted)
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

/// A mutated copy of a corpus file.
pub struct Mutant {
    /// `<file>#<n>`.
    pub name: String,
    pub text: String,
}

/// Tokens inserted by the mutations: punctuation and keywords whose misplacement Kusto may or may not
/// accept.
const INSERTS: &[&str] = &[
    "|", ",", "(", ")", "[", "]", "=", "==", ".", ";", "'", "\"", "and", "or", "where", "by", "on",
    "let", "1", "x", "*", "in", "!", ":", "{", "}", "//", "-",
];

/// `per_file` mutated copies of every KQL file Kusto.Language accepts: a bracket, quote or operator
/// character deleted, a token inserted, the text cut short, a word doubled, or two words swapped. The
/// same corpus always gives the same mutants (the seed is the file name), so their labels can be
/// stored beside the corpus.
pub fn kql_mutants(entries: &[Entry], per_file: usize) -> Vec<Mutant> {
    let mut out = Vec::new();
    for e in entries
        .iter()
        .filter(|e| e.language == Language::Kql && e.kusto_accepts == Some(true))
    {
        let mut rng = Rng(fnv(e.name.as_bytes()) | 1);
        for k in 0..per_file {
            if let Some(text) = mutate(&e.text, &mut rng) {
                out.push(Mutant {
                    name: format!("{}#{k}", e.name),
                    text,
                });
            }
        }
    }
    out
}

fn mutate(text: &str, rng: &mut Rng) -> Option<String> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    if chars.is_empty() {
        return None;
    }
    let pick = |rng: &mut Rng, v: &[usize]| v.get(rng.below(v.len())).copied();
    let words: Vec<(usize, usize)> = {
        let mut w = Vec::new();
        let mut start = None;
        for &(i, c) in chars.iter().chain(std::iter::once(&(text.len(), ' '))) {
            let word = c.is_alphanumeric() || c == '_';
            match (start, word) {
                (None, true) => start = Some(i),
                (Some(s), false) => {
                    w.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        w
    };
    let mut t = text.to_string();
    match rng.below(5) {
        0 => {
            let at: Vec<usize> = chars
                .iter()
                .filter(|(_, c)| "()[]{}\"'|,=.;:<>!".contains(*c))
                .map(|(i, _)| *i)
                .collect();
            let i = pick(rng, &at)?;
            t.remove(i);
        }
        1 => {
            let at: Vec<usize> = chars
                .iter()
                .filter(|(_, c)| c.is_whitespace())
                .map(|(i, _)| *i)
                .collect();
            let i = pick(rng, &at)?;
            let token = INSERTS[rng.below(INSERTS.len())];
            t.insert_str(i, &format!(" {token}"));
        }
        2 => {
            let at: Vec<usize> = chars.iter().map(|(i, _)| *i).filter(|&i| i > 0).collect();
            t.truncate(pick(rng, &at)?);
        }
        3 => {
            let (s, e) = *words.get(rng.below(words.len()))?;
            t.insert_str(e, &format!(" {}", &text[s..e]));
        }
        _ => {
            if words.len() < 2 {
                return None;
            }
            let k = rng.below(words.len() - 1);
            let ((a, b), (c, d)) = (words[k], words[k + 1]);
            t = format!(
                "{}{}{}{}{}",
                &text[..a],
                &text[c..d],
                &text[b..c],
                &text[a..b],
                &text[d..]
            );
        }
    }
    (t != text).then_some(t)
}

/// xorshift64: small, deterministic, good enough to pick places.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        if n == 0 {
            0
        } else {
            (self.0 % n as u64) as usize
        }
    }
}

/// FNV-1a, 64 bits: the stable hash stored beside a mutant's label.
pub fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Mutants per accepted KQL file in the stored labels.
pub const MUTANTS_PER_FILE: usize = 5;

/// Reads `kql-mutants.tsv` and adds tokenward's verdict on each labelled mutant to the survey.
/// Fails when a stored hash does not match the mutant made now (the labels are stale).
pub fn survey_mutants(root: &Path, entries: &[Entry], s: &mut Survey) -> Result<(), String> {
    let Ok(labels) = std::fs::read_to_string(root.join("kql-mutants.tsv")) else {
        return Ok(());
    };
    let mutants = kql_mutants(entries, MUTANTS_PER_FILE);
    let by_name: BTreeMap<&str, &Mutant> = mutants.iter().map(|m| (m.name.as_str(), m)).collect();
    for line in labels.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, hash, accepted] = cols[..] else {
            return Err(format!("kql-mutants.tsv: malformed line {line:?}"));
        };
        let Some(m) = by_name.get(name) else {
            return Err(format!(
                "kql-mutants.tsv: {name} is no longer made; relabel"
            ));
        };
        if format!("{:016x}", fnv(m.text.as_bytes())) != hash {
            return Err(format!("kql-mutants.tsv: {name} changed; relabel"));
        }
        let ours = crate::syntax::kql::parse(&m.text).is_ok();
        if accepted == "yes" {
            s.mutants_kusto_accepted += 1;
            s.mutants_both_accepted += usize::from(ours);
            if !ours {
                s.misses
                    .push((name.to_string(), "mutant rejected, Kusto accepts it".into()));
            }
        } else {
            s.mutants_kusto_rejected += 1;
            s.mutants_both_rejected += usize::from(!ours);
            if ours {
                s.misses
                    .push((name.to_string(), "mutant accepted, Kusto rejects it".into()));
            }
        }
    }
    Ok(())
}
