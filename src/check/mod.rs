//! Semantic stage: a rule file's model, its expressions and lists, checked into the IR.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalogue::{Field, Type};
use crate::diag::{did_you_mean, Diagnostic, SourceFile, Span};
use crate::duration::Duration;
use crate::expr::Side;
use crate::ir::{
    Cond, Correlation, Detection, List, ListKind, Logic, Meta, Schedule, Severity, Signals,
    Suppression, TestCase,
};
use crate::lists::{self, ListStore};

mod cond;
use cond::field_hint;

use crate::model::{self, span_of, RawDetection, Spanned};

/// Sentinel's longest query period; Splunk is given the same bound so both targets agree.
pub const MAX_LOOKBACK: Duration = Duration::days(14);
pub const STATUSES: [&str; 4] = ["experimental", "test", "stable", "deprecated"];
const DEFAULT_EVERY: Duration = Duration::minutes(15);
const DEFAULT_DELAY: Duration = Duration::minutes(15);

/// Where names in an expression are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Bare field names: single-event rules and the issuance/later predicates.
    Single,
    /// `first.` and `later.` fields: a correlation's `where` and suppressions.
    Pair,
}

/// Checks every rule file; all errors are collected, including duplicate ids across files. Each rule's
/// `source` is its path relative to `root` (a path as given when `root` is empty).
pub fn check_all(files: &[PathBuf], root: &Path) -> Result<Vec<Detection>, Vec<Diagnostic>> {
    let mut store = ListStore::new(root);
    let mut errs = Vec::new();
    let mut seen: std::collections::BTreeMap<String, Span> = std::collections::BTreeMap::new();
    let mut detections = Vec::new();
    for f in files {
        let shown = f.strip_prefix(root).unwrap_or(f);
        match check_file(f, shown, &mut store) {
            Ok((d, id_span)) => {
                if let Some(first) = seen.get(&d.meta.id) {
                    errs.push(
                        Diagnostic::error("E011", format!("duplicate rule id `{}`", d.meta.id))
                            .at(id_span)
                            .label(first.clone(), "first used here")
                            .help("ids must be unique across the rule set: rename one"),
                    );
                } else {
                    seen.insert(d.meta.id.clone(), id_span);
                    detections.push(d);
                }
            }
            Err(e) => errs.extend(e),
        }
    }
    if errs.is_empty() {
        Ok(detections)
    } else {
        Err(errs)
    }
}

/// Loads and checks one rule file. Errors are collected, not stopped at the first.
/// Returns the detection and the span of its `id` (for duplicate-id errors across files).
pub fn check_file(
    path: &Path,
    shown: &Path,
    store: &mut ListStore,
) -> Result<(Detection, Span), Vec<Diagnostic>> {
    let file = model::read_source(path).map_err(|d| vec![d])?;
    let raw: RawDetection = model::parse_yaml(&file).map_err(|d| vec![d])?;
    let lists_dir = lists::lists_dir_for(path);
    let mut cx = Checker {
        shown: shown.display().to_string(),
        file: Arc::clone(&file),
        raw: &raw,
        lists_dir,
        store,
        errors: Vec::new(),
        used_lists: BTreeSet::new(),
        resolved: Vec::new(),
    };
    let detection = cx.detection(path, shown);
    let id_span = span_of(&file, &raw.id);
    if cx.errors.is_empty() {
        detection.map(|d| (d, id_span)).ok_or_else(Vec::new)
    } else {
        Err(cx.errors)
    }
}

struct Checker<'a> {
    /// The rule file as outputs name it.
    shown: String,
    file: Arc<SourceFile>,
    raw: &'a RawDetection,
    lists_dir: Option<PathBuf>,
    store: &'a mut ListStore,
    errors: Vec<Diagnostic>,
    used_lists: BTreeSet<String>,
    resolved: Vec<List>,
}

impl Checker<'_> {
    fn at<T>(&self, s: &Spanned<T>) -> Span {
        span_of(&self.file, s)
    }

    fn err(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    fn detection(&mut self, path: &Path, shown: &Path) -> Option<Detection> {
        let raw = self.raw;
        self.check_metadata();
        let severity = Severity::ALL
            .iter()
            .find(|(n, _)| *n == raw.severity.value)
            .map(|(_, s)| *s);
        if severity.is_none() {
            let names = Severity::ALL.map(|(n, _)| n);
            let help = match did_you_mean(&raw.severity.value, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("one of: {}", names.join(", ")),
            };
            self.err(
                Diagnostic::error("E012", format!("unknown severity `{}`", raw.severity.value))
                    .at(self.at(&raw.severity))
                    .help(help),
            );
        }
        let (every, delay) = self.schedule();
        let logic = match (&raw.correlation, &raw.single) {
            (Some(c), None) => self
                .correlation(c)
                .map(|(c, window)| (Logic::Correlation(Box::new(c)), window)),
            (None, Some(m)) => {
                if let Some(sig) = &raw.signals {
                    self.err(
                        Diagnostic::error("E016", "`signals` apply only to correlation rules")
                            .at(self.at(sig))
                            .help("remove `signals`, or turn `match` into a `correlation`"),
                    );
                }
                let when = self.condition(&m.value.when, Scope::Single);
                let suppressions = self.suppressions(Scope::Single);
                when.map(|w| {
                    let when = if suppressions.is_empty() {
                        w
                    } else {
                        Cond::And {
                            all: std::iter::once(w)
                                .chain(suppressions.into_iter().map(|s| Cond::Not {
                                    cond: Box::new(s.when),
                                }))
                                .collect(),
                        }
                    };
                    (Logic::Single { when }, Duration { seconds: 0 })
                })
            }
            (Some(c), Some(_)) => {
                self.err(
                    Diagnostic::error(
                        "E016",
                        "a rule has either `correlation` or `match`, not both",
                    )
                    .at(self.at(c))
                    .help("split it into two rules"),
                );
                None
            }
            (None, None) => {
                self.err(
                    Diagnostic::error("E016", "the rule has neither `correlation` nor `match`")
                        .at(self.at(&raw.id))
                        .help("add `correlation:` (two events of one session) or `match:` (one event)"),
                );
                None
            }
        };
        let (logic, window) = logic?;
        let lookback = Duration {
            seconds: window.seconds + every.seconds + delay.seconds,
        };
        if lookback > MAX_LOOKBACK {
            let at = raw
                .correlation
                .as_ref()
                .map(|c| self.at(&c.value.window))
                .unwrap_or_else(|| self.at(&raw.id));
            self.err(
                Diagnostic::error(
                    "E015",
                    format!(
                        "the query would look back {lookback} (window {window} + every {every} + ingestion delay {delay}), beyond the 14-day maximum"
                    ),
                )
                .at(at)
                .help("shorten the window; Sentinel's query period and this tool stop at 14 days"),
            );
        }
        let severity = severity?;
        if !self.errors.is_empty() {
            return None;
        }
        let ua_families = if uses_ua_family(&logic) {
            match self.store.ua_table(self.lists_dir.as_deref()) {
                Ok(t) => Some(t),
                Err(errs) => {
                    self.errors.extend(errs);
                    return None;
                }
            }
        } else {
            None
        };
        let tests = self.tests(path);
        if !self.errors.is_empty() {
            return None;
        }
        let mut lists = std::mem::take(&mut self.resolved);
        lists.sort_by(|a, b| a.name.cmp(&b.name));
        lists.dedup_by(|a, b| a.name == b.name);
        Some(Detection {
            meta: Meta {
                id: raw.id.value.clone(),
                title: raw.title.value.trim().to_string(),
                description: raw.description.value.trim().to_string(),
                severity,
                status: raw.status.value.clone(),
                author: raw.author.as_ref().map(|a| a.value.clone()),
                attack: raw.attack.iter().map(|a| a.value.clone()).collect(),
                attack_at: raw.attack.iter().map(|a| self.at(a)).collect(),
                controls: raw.controls.iter().map(|c| c.value.clone()).collect(),
                references: raw.references.iter().map(|r| r.value.clone()).collect(),
                source: shown.display().to_string(),
            },
            schedule: Schedule {
                every,
                ingestion_delay: delay,
                lookback,
            },
            fields: fields_of(&logic),
            logic,
            lists,
            ua_families,
            tests,
        })
    }

    fn tests(&mut self, path: &Path) -> Vec<TestCase> {
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
            out.push(TestCase {
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

    fn check_metadata(&mut self) {
        let raw = self.raw;
        if !is_kebab(&raw.id.value) {
            self.err(
                Diagnostic::error("E010", format!("rule id `{}` is not kebab-case", raw.id.value))
                    .at(self.at(&raw.id))
                    .help("use lower-case words joined by `-`, e.g. aitm-session-replay (at most 64 characters)"),
            );
        }
        for (what, s) in [("title", &raw.title), ("description", &raw.description)] {
            if s.value.trim().is_empty() {
                self.err(
                    Diagnostic::error("E010", format!("the {what} is empty"))
                        .at(self.at(s))
                        .help("reviewers and SOC analysts read it: say what the rule detects"),
                );
            }
        }
        if raw.title.value.contains('\n') {
            self.err(
                Diagnostic::error("E010", "the title spans several lines")
                    .at(self.at(&raw.title))
                    .help("keep the title to one line; put detail in `description`"),
            );
        }
        if !STATUSES.contains(&raw.status.value.as_str()) {
            let help = match did_you_mean(&raw.status.value, STATUSES) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("one of: {}", STATUSES.join(", ")),
            };
            self.err(
                Diagnostic::error("E012", format!("unknown status `{}`", raw.status.value))
                    .at(self.at(&raw.status))
                    .help(help),
            );
        }
        for t in &raw.attack {
            if !is_attack_id(&t.value) {
                self.err(
                    Diagnostic::error(
                        "E013",
                        format!("`{}` is not an ATT&CK technique id", t.value),
                    )
                    .at(self.at(t))
                    .help("write techniques as T1550 or sub-techniques as T1550.004"),
                );
            }
        }
        for c in &raw.controls {
            if !is_control_id(&c.value) {
                self.err(
                    Diagnostic::error(
                        "E013",
                        format!("`{}` is not a NIST 800-53 control id", c.value),
                    )
                    .at(self.at(c))
                    .help("write controls as SC-23, or enhancements as AC-2(12)"),
                );
            }
        }
        for (name, l) in &raw.lists {
            if Field::by_name(name).is_some() {
                self.err(
                    Diagnostic::error("E024", format!("list `{name}` has the name of a field"))
                        .at(self.at(l))
                        .help("rename the list, e.g. with a plural: `known_asns`"),
                );
            }
        }
    }

    fn duration(&mut self, s: &Spanned<String>) -> Option<Duration> {
        match Duration::parse(&s.value) {
            Ok(d) => Some(d),
            Err(why) => {
                self.err(
                    Diagnostic::error("E014", format!("bad duration: {why}"))
                        .at(self.at(s))
                        .help("write a number and a unit: 90s, 60m, 2h, 1d"),
                );
                None
            }
        }
    }

    fn schedule(&mut self) -> (Duration, Duration) {
        let Some(s) = &self.raw.schedule else {
            return (DEFAULT_EVERY, DEFAULT_DELAY);
        };
        let every = match &s.value.every {
            Some(e) => match self.duration(e) {
                Some(d) if d < Duration::minutes(5) || d > Duration::days(14) => {
                    self.err(
                        Diagnostic::error("E015", format!("`every: {d}` is outside 5m..14d"))
                            .at(self.at(e))
                            .help("Sentinel runs scheduled rules every 5 minutes to 14 days"),
                    );
                    DEFAULT_EVERY
                }
                Some(d) => d,
                None => DEFAULT_EVERY,
            },
            None => DEFAULT_EVERY,
        };
        let delay = match &s.value.ingestion_delay {
            Some(e) => self.duration(e).unwrap_or(DEFAULT_DELAY),
            None => DEFAULT_DELAY,
        };
        (every, delay)
    }

    fn correlation(
        &mut self,
        c: &Spanned<model::RawCorrelation>,
    ) -> Option<(Correlation, Duration)> {
        let raw = &c.value;
        let key = match &raw.key {
            None => Some(Field::SessionId),
            Some(k) => match Field::by_name(&k.value) {
                Some(f) if f.ty() == Type::String => Some(f),
                Some(_) => {
                    self.err(
                        Diagnostic::error(
                            "E017",
                            format!("`{}` cannot key a correlation", k.value),
                        )
                        .at(self.at(k))
                        .help("the key must be a string field; use session_id"),
                    );
                    None
                }
                None => {
                    let help = field_hint(&k.value);
                    self.err(
                        Diagnostic::error("E021", format!("unknown field `{}`", k.value))
                            .at(self.at(k))
                            .help(help),
                    );
                    None
                }
            },
        };
        let window = self.duration(&raw.window);
        if window == Some(Duration { seconds: 0 }) {
            self.err(
                Diagnostic::error("E015", "the window is zero")
                    .at(self.at(&raw.window))
                    .help("the later event must fall within a positive window, e.g. 60m"),
            );
        }
        let issuance = self.condition(&raw.issuance.value.when, Scope::Single);
        let later = self.condition(&raw.later.value.when, Scope::Single);
        let pair = raw.pair.as_ref().map(|p| self.condition(p, Scope::Pair));
        let signals = self.signals();
        let suppressions = self.suppressions(Scope::Pair);
        let pair = match pair {
            Some(Some(p)) => Some(p),
            Some(None) => return None,
            None => None,
        };
        let signals = signals?;
        if signals.enabled() == 0 && pair.is_none() {
            self.err(
                Diagnostic::error(
                    "E017",
                    "the correlation has no signals and no `where`: it would fire on every session",
                )
                .at(self.at(c))
                .help("enable signals (user_agent, asn, device) or add a `where:` over first./later. fields"),
            );
            return None;
        }
        let window = window?;
        let mut first_fields = BTreeSet::from([Field::Time]);
        let mut later_fields = BTreeSet::from([Field::Time, Field::User]);
        if signals.user_agent {
            first_fields.insert(Field::UaFamily);
            later_fields.insert(Field::UaFamily);
        }
        if signals.asn {
            first_fields.insert(Field::Asn);
            later_fields.insert(Field::Asn);
        }
        if signals.device {
            first_fields.insert(Field::DeviceId);
            later_fields.insert(Field::DeviceId);
        }
        if !signals.risk_events.is_empty() {
            first_fields.insert(Field::RiskEvents);
            later_fields.insert(Field::RiskEvents);
        }
        // Context an analyst needs in the alert.
        later_fields.extend([Field::Ip, Field::AppId]);
        first_fields.insert(Field::Ip);
        let mut refs = Vec::new();
        for s in &suppressions {
            s.when.fields(&mut refs);
        }
        if let Some(p) = &pair {
            p.fields(&mut refs);
        }
        for r in refs {
            match r.side {
                Some(Side::First) => first_fields.insert(r.field),
                _ => later_fields.insert(r.field),
            };
        }
        Some((
            Correlation {
                key: key?,
                window,
                issuance: issuance?,
                later: later?,
                pair,
                signals,
                suppressions,
                first_fields: first_fields.into_iter().collect(),
                later_fields: later_fields.into_iter().collect(),
            },
            window,
        ))
    }

    fn signals(&mut self) -> Option<Signals> {
        let Some(s) = &self.raw.signals else {
            return Some(Signals {
                user_agent: false,
                asn: false,
                device: false,
                min_disagreements: 0,
                asn_categories: Vec::new(),
                require_asn_category: false,
                risk_events: Vec::new(),
            });
        };
        let raw = &s.value;
        let flag = |f: &Option<Spanned<bool>>| f.as_ref().is_some_and(|b| b.value);
        let mut signals = Signals {
            user_agent: flag(&raw.user_agent),
            asn: flag(&raw.asn),
            device: flag(&raw.device),
            min_disagreements: 0,
            asn_categories: Vec::new(),
            require_asn_category: flag(&raw.require_asn_category),
            risk_events: Vec::new(),
        };
        let enabled = signals.enabled();
        signals.min_disagreements = match &raw.min_disagreements {
            None => enabled.min(2) as u8,
            Some(m) if m.value >= 1 && (m.value as usize) <= enabled => m.value as u8,
            Some(m) => {
                self.err(
                    Diagnostic::error(
                        "E017",
                        format!("min_disagreements is {}, but {enabled} signal(s) are enabled", m.value),
                    )
                    .at(self.at(m))
                    .help("set it between 1 and the number of enabled signals (user_agent, asn, device)"),
                );
                return None;
            }
        };
        for cat in &raw.asn_categories {
            match self.list(&cat.value, self.at(cat)) {
                Some(l) if l.kind == ListKind::Asn => signals.asn_categories.push(l.name.clone()),
                Some(l) => {
                    let kind = l.kind;
                    self.err(
                        Diagnostic::error(
                            "E022",
                            format!(
                                "asn_categories needs ASN lists; `{}` is a {kind:?} list",
                                cat.value
                            ),
                        )
                        .at(self.at(cat))
                        .help("name lists of kind: asn"),
                    );
                }
                None => {}
            }
        }
        if !raw.asn_categories.is_empty() && !signals.asn {
            self.err(
                Diagnostic::error("E017", "asn_categories without the asn signal")
                    .at(self.at(&raw.asn_categories[0]))
                    .help("set `asn: true`, or drop asn_categories"),
            );
        }
        if signals.require_asn_category && signals.asn_categories.is_empty() {
            if let Some(r) = &raw.require_asn_category {
                self.err(
                    Diagnostic::error("E017", "require_asn_category without asn_categories")
                        .at(self.at(r))
                        .help("name the ASN category lists under asn_categories"),
                );
            }
        }
        for r in &raw.risk_events {
            let ok = !r.value.is_empty() && r.value.chars().all(|c| c.is_ascii_alphanumeric());
            if !ok {
                self.err(
                    Diagnostic::error("E017", format!("`{}` is not a risk event type", r.value))
                        .at(self.at(r))
                        .help("risk event types are camelCase words, e.g. anomalousToken, tokenIssuerAnomaly"),
                );
            }
            signals.risk_events.push(r.value.clone());
        }
        signals.risk_events.sort();
        signals.risk_events.dedup();
        Some(signals)
    }

    fn suppressions(&mut self, scope: Scope) -> Vec<Suppression> {
        let mut out = Vec::new();
        let mut names = BTreeSet::new();
        for s in &self.raw.suppressions {
            let name = &s.value.name;
            if !is_kebab(&name.value) {
                self.err(
                    Diagnostic::error(
                        "E016",
                        format!("suppression name `{}` is not kebab-case", name.value),
                    )
                    .at(self.at(name))
                    .help("name it like corporate-egress"),
                );
            }
            if !names.insert(name.value.clone()) {
                self.err(
                    Diagnostic::error(
                        "E016",
                        format!("two suppressions are named `{}`", name.value),
                    )
                    .at(self.at(name))
                    .help("give each suppression its own name"),
                );
            }
            if let Some(when) = self.condition(&s.value.when, scope) {
                out.push(Suppression {
                    name: name.value.clone(),
                    description: s
                        .value
                        .description
                        .as_ref()
                        .map(|d| d.value.trim().to_string()),
                    when,
                });
            }
        }
        out
    }

    fn list(&mut self, name: &str, at: Span) -> Option<List> {
        if let Some(l) = self.resolved.iter().find(|l| l.name == name) {
            return Some(l.clone());
        }
        let local = self.raw.lists.get(name);
        let shared = self
            .lists_dir
            .clone()
            .and_then(|dir| self.store.get(&dir, name));
        let result = match (local, shared) {
            (Some(l), Some(_)) => {
                self.err(
                    Diagnostic::error(
                        "E024",
                        format!("list `{name}` is defined in the rule and in lists/"),
                    )
                    .at(self.at(l))
                    .help("rename the rule's list, or delete it and use the shared one"),
                );
                return None;
            }
            (Some(l), None) => lists::validate_list(&self.file, name, l, &self.shown.clone()),
            (None, Some(r)) => r,
            (None, None) => {
                let mut candidates: Vec<String> = self.raw.lists.keys().cloned().collect();
                if let Some(dir) = &self.lists_dir {
                    candidates.extend(ListStore::names(dir));
                }
                let help = match did_you_mean(name, candidates.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "define it under `lists:` in the rule, or as lists/<name>.yaml".into(),
                };
                self.err(
                    Diagnostic::error("E023", format!("unknown list `{name}`"))
                        .at(at)
                        .help(help),
                );
                return None;
            }
        };
        match result {
            Ok(l) => {
                self.used_lists.insert(name.to_string());
                self.resolved.push(l.clone());
                Some(l)
            }
            Err(errs) => {
                // Report a shared list's errors once, however many rules use it.
                if !self.used_lists.contains(name) {
                    self.errors.extend(errs);
                    self.used_lists.insert(name.to_string());
                }
                None
            }
        }
    }
}

fn uses_ua_family(logic: &Logic) -> bool {
    fields_of(logic).contains(&Field::UaFamily)
}

/// Every canonical field the logic reads (the key and `time` included for correlations).
fn fields_of(logic: &Logic) -> Vec<Field> {
    let mut refs = Vec::new();
    let mut set = BTreeSet::new();
    match logic {
        Logic::Single { when } => {
            when.fields(&mut refs);
            // Context an analyst needs in the alert.
            set.extend([
                Field::Time,
                Field::SessionId,
                Field::User,
                Field::Ip,
                Field::AppId,
            ]);
        }
        Logic::Correlation(c) => {
            c.issuance.fields(&mut refs);
            c.later.fields(&mut refs);
            set.insert(c.key);
            set.extend(c.first_fields.iter().copied());
            set.extend(c.later_fields.iter().copied());
        }
    }
    set.extend(refs.into_iter().map(|r| r.field));
    if set.contains(&Field::UaFamily) {
        set.insert(Field::UserAgent);
    }
    set.into_iter().collect()
}

pub fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

fn is_attack_id(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
        _ => false,
    }
}

fn is_control_id(s: &str) -> bool {
    let (base, enh) = match s.split_once('(') {
        Some((b, rest)) => match rest.strip_suffix(')') {
            Some(e) => (b, Some(e)),
            None => return false,
        },
        None => (s, None),
    };
    let Some((family, num)) = base.split_once('-') else {
        return false;
    };
    family.len() == 2
        && family.chars().all(|c| c.is_ascii_uppercase())
        && !num.is_empty()
        && num.len() <= 2
        && num.chars().all(|c| c.is_ascii_digit())
        && enh
            .is_none_or(|e| !e.is_empty() && e.len() <= 2 && e.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_kebab("aitm-session-replay"));
        assert!(!is_kebab("AiTM"));
        assert!(!is_kebab("a--b"));
        assert!(is_attack_id("T1550.004"));
        assert!(is_attack_id("T1557"));
        assert!(!is_attack_id("T155"));
        assert!(is_control_id("AC-2(12)"));
        assert!(is_control_id("SC-23"));
        assert!(is_control_id("IA-2(1)"));
        assert!(!is_control_id("sc-23"));
        assert!(!is_control_id("AC-2(12"));
    }
}
