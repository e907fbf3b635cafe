//! `diff OLD NEW --events DIR`: which sessions change verdict between two rule sets, per events file
//! (and the rule test it belongs to), with the lines of their traces that differ.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use similar::{ChangeTag, TextDiff};

use super::{explain, PairVerdict, Request, SessionView, Verdict};
use crate::backend::Backends;
use crate::diag::Diagnostic;
use crate::events::Event;
use crate::ir::EventShape;
use crate::plan::Plan;

/// The events files under a folder whose names give their shape, sorted.
pub fn events_files(dir: &Path) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    if !dir.is_dir() {
        return Err(vec![Diagnostic::error("E051", "not a folder of events files")
            .in_file(dir)
            .help("pass --events with a folder holding *.sentinel.json / *.splunk.json files (rules/tests, say)")]);
    }
    let files = crate::walk::files(dir, &|_| false)?;
    Ok(files
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(EventShape::of_file)
                .is_some()
        })
        .collect())
}

/// A session's verdict in one line: `quiet`, or `alert` with the severities the alerts carry.
fn summary(s: &SessionView) -> String {
    match s.verdict {
        Verdict::Quiet => "quiet".into(),
        Verdict::Alert => {
            let sev: BTreeSet<&str> = s
                .pairs
                .iter()
                .filter(|p| p.verdict == PairVerdict::Alert && !p.emitted_by.is_empty())
                .filter_map(|p| p.severity.as_deref())
                .chain(
                    s.matches
                        .iter()
                        .filter(|m| !m.emitted_by.is_empty())
                        .filter_map(|m| m.severity.as_deref()),
                )
                .collect();
            format!("ALERT ({})", sev.into_iter().collect::<Vec<_>>().join(", "))
        }
    }
}

/// The rule test cases by the contents of their events files, read once: an events file belongs to
/// the case whose file has the same contents (a side built from a git revision or another folder
/// reads its own copy, so paths cannot say).
fn cases_by_contents(plans: &[&Plan]) -> BTreeMap<Vec<u8>, Vec<(String, String)>> {
    let mut out: BTreeMap<Vec<u8>, Vec<(String, String)>> = BTreeMap::new();
    for p in plans {
        for c in &p.tests {
            for (f, _) in &c.events {
                if let Ok(bytes) = std::fs::read(f) {
                    let cases = out.entry(bytes).or_default();
                    let key = (p.meta.id.clone(), c.name.clone());
                    if !cases.contains(&key) {
                        cases.push(key);
                    }
                }
            }
        }
    }
    out
}

/// Every rule of either side over every events file: the sessions whose verdict differs.
pub fn diff(
    old: &[Plan],
    new: &[Plan],
    backends: &Backends,
    files: &[PathBuf],
) -> Result<String, Vec<Diagnostic>> {
    let mut read: Vec<(&PathBuf, EventShape, Vec<Event>)> = Vec::new();
    let mut errs = Vec::new();
    for f in files {
        let Some(shape) = f
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(EventShape::of_file)
        else {
            continue;
        };
        let Some(b) = backends.for_shape(shape) else {
            continue;
        };
        match b.read_events(f) {
            Ok(r) => read.push((f, shape, r.into_iter().map(|(e, _)| e).collect())),
            Err(d) => errs.push(d),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let ids: BTreeSet<&str> = old.iter().chain(new).map(|p| p.meta.id.as_str()).collect();
    let cases = cases_by_contents(&old.iter().chain(new).collect::<Vec<_>>());
    let case_of = |id: &str, file: &Path| -> Option<String> {
        let bytes = std::fs::read(file).ok()?;
        cases
            .get(&bytes)?
            .iter()
            .find(|(rule, _)| rule == id)
            .map(|(_, case)| case.clone())
    };
    let mut out = String::new();
    let _ = writeln!(out, "verdicts over {} events file(s):", read.len());
    for id in ids {
        let o = old.iter().find(|p| p.meta.id == id);
        let n = new.iter().find(|p| p.meta.id == id);
        let mut changed = 0;
        let mut block = String::new();
        for (file, shape, events) in &read {
            let name = file.display().to_string();
            let run = |p: Option<&Plan>| {
                p.map(|p| {
                    explain(&Request {
                        plan: p,
                        events,
                        file: &name,
                        shape: shape.name(),
                        session: None,
                        case: None,
                        counterfactuals: false,
                    })
                })
            };
            let (xo, xn) = (run(o), run(n));
            let sessions: BTreeSet<&str> = xo
                .iter()
                .chain(xn.iter())
                .flat_map(|x| x.sessions.iter().map(|s| s.session_id.as_str()))
                .collect();
            let mut lines = String::new();
            for sid in sessions {
                let find = |x: &Option<super::Explanation>| {
                    x.as_ref()
                        .and_then(|x| x.sessions.iter().find(|s| s.session_id == sid).cloned())
                };
                let (so, sn) = (find(&xo), find(&xn));
                let word = |s: &Option<SessionView>, side: Option<&Plan>| match (s, side) {
                    (_, None) => "no rule".to_string(),
                    (Some(s), _) => summary(s),
                    (None, _) => "quiet".into(),
                };
                let (wo, wn) = (word(&so, o), word(&sn, n));
                if wo == wn {
                    continue;
                }
                changed += 1;
                let _ = writeln!(lines, "    session {}: {wo} -> {wn}", display_id(sid));
                let text = |s: &Option<SessionView>| {
                    s.as_ref()
                        .map(super::human::session_text)
                        .unwrap_or_default()
                };
                let (to, tn) = (text(&so), text(&sn));
                // Each changed line is shown under the event or use it belongs to (the nearest line
                // above it at the trace's item depth), so lines of several uses are not mixed up.
                let item = |l: &str| l.len() - l.trim_start().len() <= 4;
                let (mut header, mut shown) = (String::new(), String::new());
                for change in TextDiff::from_lines(&to, &tn).iter_all_changes() {
                    let value = change.value().trim_end_matches('\n');
                    let sign = match change.tag() {
                        ChangeTag::Delete => "-",
                        ChangeTag::Insert => "+",
                        ChangeTag::Equal => {
                            if item(value) {
                                header = value.trim().to_string();
                            }
                            continue;
                        }
                    };
                    if item(value) {
                        shown = value.trim().to_string();
                    } else if !header.is_empty() && header != shown {
                        let _ = writeln!(lines, "      @ {header}");
                        shown = header.clone();
                    }
                    let _ = writeln!(lines, "      {sign} {}", value.trim_start());
                }
            }
            if !lines.is_empty() {
                let case = case_of(id, file)
                    .map(|c| format!(" (test {c})"))
                    .unwrap_or_default();
                let _ = writeln!(block, "  {name}{case}");
                block.push_str(&lines);
            }
        }
        let status = match (o, n) {
            (Some(_), None) => " (removed)",
            (None, Some(_)) => " (added)",
            _ => "",
        };
        if changed == 0 {
            let _ = writeln!(out, "rule {id}{status}: no session changes verdict");
        } else {
            let _ = writeln!(
                out,
                "rule {id}{status}: {changed} session(s) change verdict"
            );
            out.push_str(&block);
        }
    }
    Ok(out)
}

fn display_id(s: &str) -> String {
    if s.is_empty() {
        "(no session id)".into()
    } else {
        super::text::quote(s)
    }
}
