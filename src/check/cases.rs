//! A rule's own test cases (`tests:`): events files, their shape, what must happen, checked into IR.

use std::collections::BTreeSet;
use std::path::Path;

use super::{cond::field_hint, Checker};
use crate::catalogue::Field;
use crate::diag::Diagnostic;
use crate::ir::TestCase;

impl Checker<'_> {
    pub(super) fn tests(&mut self, path: &Path) -> Vec<TestCase> {
        let dir = path.parent().unwrap_or(Path::new(""));
        let mut out = Vec::new();
        let mut names = BTreeSet::new();
        for t in &self.raw.tests {
            let t = &t.value;
            if !names.insert(t.name.value.clone()) {
                self.err(
                    Diagnostic::error("E060", format!("two tests are named `{}`", t.name.value))
                        .at(self.at(&t.name))
                        .help("give each test its own name"),
                );
            }
            let expect_alert = match t.expect.value.as_str() {
                "alert" => true,
                "no_alert" => false,
                other => {
                    self.err(
                        Diagnostic::error("E060", format!("`expect: {other}`"))
                            .at(self.at(&t.expect))
                            .help("expect `alert` or `no_alert`"),
                    );
                    false
                }
            };
            if expect_alert && t.sessions.is_empty() {
                self.err(
                    Diagnostic::error("E060", "an `alert` test names no sessions")
                        .at(self.at(&t.expect))
                        .help("list the session ids that must alert under `sessions:`"),
                );
            }
            if !expect_alert && !t.sessions.is_empty() {
                self.err(
                    Diagnostic::error("E060", "a `no_alert` test names sessions")
                        .at(self.at(&t.sessions[0]))
                        .help("remove `sessions:`, or expect `alert`"),
                );
            }
            let mut events = Vec::new();
            for e in &t.events {
                let p = dir.join(&e.value);
                let shape = crate::ir::EventShape::of_file(&e.value);
                match shape {
                    _ if !p.is_file() => self.err(
                        Diagnostic::error("E060", format!("no events file {}", p.display()))
                            .at(self.at(e))
                            .help("paths are relative to the rule file"),
                    ),
                    None => self.err(
                        Diagnostic::error("E060", format!("cannot tell the shape of `{}`", e.value))
                            .at(self.at(e))
                            .help("name event files *.sentinel.json (Log Analytics rows) or *.splunk.json (Splunk events)"),
                    ),
                    Some(s) => events.push((p.display().to_string(), s)),
                }
            }
            if t.events.is_empty() {
                self.err(
                    Diagnostic::error("E060", "a test without events")
                        .at(self.at(&t.name))
                        .help("list at least one events file"),
                );
            }
            let mut missing_fields = Vec::new();
            for f in &t.missing_fields {
                match Field::by_name(&f.value) {
                    Some(field) => missing_fields.push(field),
                    None => {
                        let help = field_hint(&f.value);
                        self.err(
                            Diagnostic::error("E021", format!("unknown field `{}`", f.value))
                                .at(self.at(f))
                                .help(help),
                        );
                    }
                }
            }
            let severity = t.severity.as_ref().and_then(|s| {
                let found = crate::ir::Severity::ALL
                    .iter()
                    .find(|(n, _)| *n == s.value)
                    .map(|(_, v)| *v);
                if found.is_none() {
                    self.err(
                        Diagnostic::error("E060", format!("`severity: {}`", s.value))
                            .at(self.at(s))
                            .help("informational, low, medium or high"),
                    );
                }
                found
            });
            if !expect_alert {
                let extra = t.severity.as_ref().map(|s| self.at(s)).or_else(|| {
                    t.signals
                        .as_ref()
                        .and_then(|v| v.first())
                        .map(|s| self.at(s))
                });
                if let Some(at) = extra {
                    self.err(
                        Diagnostic::error(
                            "E060",
                            "a `no_alert` test expects a severity or signals",
                        )
                        .at(at)
                        .help("remove `severity:` / `signals:`, or expect `alert`"),
                    );
                }
            }
            let signals = t.signals.as_ref().map(|v| {
                let known: Vec<String> = self.signal_names();
                for s in v {
                    if !known.contains(&s.value) {
                        self.err(
                            Diagnostic::error(
                                "E060",
                                format!("the rule has no signal `{}`", s.value),
                            )
                            .at(self.at(s))
                            .help(format!("its signals: {}", known.join(", "))),
                        );
                    }
                }
                let mut names: Vec<String> = v.iter().map(|s| s.value.clone()).collect();
                names.sort();
                names
            });
            out.push(TestCase {
                severity,
                signals,
                name: t.name.value.clone(),
                events,
                expect_alert,
                sessions: t.sessions.iter().map(|s| s.value.clone()).collect(),
                reason: t.reason.value.trim().to_string(),
                missing_fields,
            });
        }
        out
    }
}

impl Checker<'_> {
    /// The names of the rule's signals as written (built-in ones switched on, then extra ones).
    fn signal_names(&self) -> Vec<String> {
        let Some(s) = &self.raw.signals else {
            return Vec::new();
        };
        let s = &s.value;
        let mut out = Vec::new();
        for (name, flag) in [
            ("user_agent", &s.user_agent),
            ("asn", &s.asn),
            ("device", &s.device),
        ] {
            if flag.as_ref().is_some_and(|b| b.value) {
                out.push(name.to_string());
            }
        }
        out.extend(s.extra.iter().map(|x| x.value.name.value.clone()));
        out
    }
}
