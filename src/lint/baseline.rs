//! A baseline file (`tokenward lint --baseline lint-baseline.json`): the findings a repository has
//! accepted, so that only new ones fail. A finding is identified by a fingerprint of its code, its
//! file, the text of its line and of its span, and its rank among findings with the same text in that
//! file: adding or removing lines elsewhere keeps every fingerprint.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;

#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub code: String,
    pub file: String,
    pub fingerprint: String,
    /// For people reading the file; not compared.
    pub message: String,
}

/// The file a diagnostic belongs to, as written in the baseline (forward slashes, no `./`).
fn file_of(d: &Diagnostic) -> String {
    d.file_path()
        .map(|p| {
            let s = p.to_string_lossy().replace('\\', "/");
            s.strip_prefix("./").unwrap_or(&s).to_string()
        })
        .unwrap_or_default()
}

fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        h = (h ^ 0xff).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Every diagnostic's fingerprint, in the order given.
pub fn fingerprints(diags: &[Diagnostic]) -> Vec<String> {
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    let mut order: Vec<usize> = (0..diags.len()).collect();
    // Rank equal findings by position, whatever order they were reported in.
    order.sort_by_key(|&i| diags[i].span.as_ref().map_or(0, |s| s.start));
    let mut out = vec![String::new(); diags.len()];
    for i in order {
        let d = &diags[i];
        let file = file_of(d);
        let (line, span) = match &d.span {
            Some(s) => {
                let (l, _) = s.file.line_col(s.start);
                let text = &s.file.text;
                let end = s.end.min(text.len()).min(s.start + 200);
                let span = text.get(s.start..end).unwrap_or("");
                (text[s.file.line_range(l)].trim().to_string(), span.trim())
            }
            None => (d.message.clone(), ""),
        };
        let base = fnv(&[
            d.code.as_bytes(),
            file.as_bytes(),
            line.as_bytes(),
            span.as_bytes(),
        ]);
        let n = seen.entry(base).or_default();
        out[i] = format!("{base:016x}-{n}");
        *n += 1;
    }
    out
}

impl Baseline {
    pub fn of(diags: &[Diagnostic]) -> Self {
        let mut findings: Vec<Entry> = diags
            .iter()
            .zip(fingerprints(diags))
            .map(|(d, fingerprint)| Entry {
                code: d.code.to_string(),
                file: file_of(d),
                fingerprint,
                message: d.message.clone(),
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.file, &a.code, &a.fingerprint).cmp(&(&b.file, &b.code, &b.fingerprint))
        });
        Baseline {
            version: 1,
            findings,
        }
    }

    pub fn read(path: &Path) -> Result<Self, Diagnostic> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error("E001", format!("cannot read the baseline: {e}"))
                .in_file(path)
                .help("create it with `tokenward lint … --baseline FILE --update-baseline`")
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Diagnostic::error("E002", format!("not a tokenward baseline: {e}")).in_file(path)
        })
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        super::fix::write_atomically(path, &(json + "\n"))
    }

    /// The diagnostics the baseline does not hold, and how many it held.
    pub fn new_findings(&self, diags: Vec<Diagnostic>) -> (Vec<Diagnostic>, usize) {
        let known: std::collections::BTreeSet<(&str, &str, &str)> = self
            .findings
            .iter()
            .map(|e| (e.code.as_str(), e.file.as_str(), e.fingerprint.as_str()))
            .collect();
        let prints = fingerprints(&diags);
        let mut kept = Vec::new();
        let mut held = 0;
        for (d, fp) in diags.into_iter().zip(prints) {
            if known.contains(&(d.code, file_of(&d).as_str(), fp.as_str())) {
                held += 1;
            } else {
                kept.push(d);
            }
        }
        (kept, held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{SourceFile, Span};

    fn diag(file: &std::sync::Arc<SourceFile>, at: &str, nth: usize) -> Diagnostic {
        let start = file
            .text
            .match_indices(at)
            .nth(nth)
            .map(|(i, _)| i)
            .unwrap();
        Diagnostic::error("KQL010", "x").at(Span::new(file, start, start + at.len()))
    }

    #[test]
    fn fingerprints_survive_lines_added_above() {
        let a = SourceFile::new("q.kql", "T\n| where R == 0\n| where R == 0\n".into());
        let b = SourceFile::new(
            "q.kql",
            "// new\nT\n\n| where R == 0\n| where R == 0\n".into(),
        );
        let fa = fingerprints(&[diag(&a, "R == 0", 0), diag(&a, "R == 0", 1)]);
        let fb = fingerprints(&[diag(&b, "R == 0", 1), diag(&b, "R == 0", 0)]);
        assert_eq!(fa, [fb[1].clone(), fb[0].clone()]);
        assert_ne!(fa[0], fa[1]);
        let base = Baseline::of(&[diag(&a, "R == 0", 0)]);
        let (new, held) = base.new_findings(vec![diag(&b, "R == 0", 0), diag(&b, "R == 0", 1)]);
        assert_eq!((new.len(), held), (1, 1));
    }
}
