//! Semantic stage: a rule file's model, its expressions and lists, checked into the IR.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalogue::Field;
use crate::diag::{did_you_mean, Diagnostic, SourceFile, Span};
use crate::duration::Duration;
use crate::ir::{Detection, List, Logic, Meta, Schedule, Severity};
use crate::lists::{self, ListStore};

mod cases;
mod cond;
mod correlation;
mod metadata;
mod schedule;
mod trivial;

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
    check_source(&file, path, shown, store)
}

/// Checks one rule file already in memory (the language server's unsaved buffer); `path` is where
/// it lives, so its lists and test events are found beside it.
pub fn check_source(
    file: &Arc<SourceFile>,
    path: &Path,
    shown: &Path,
    store: &mut ListStore,
) -> Result<(Detection, Span), Vec<Diagnostic>> {
    let file = Arc::clone(file);
    let raw: RawDetection = model::parse_yaml(&file).map_err(|d| vec![d])?;
    let lists_dir = lists::lists_dir_for(path);
    let mut cx = Checker {
        shown: shown.display().to_string(),
        file: Arc::clone(&file),
        raw: &raw,
        lists_dir,
        store,
        errors: Vec::new(),
        warnings: Vec::new(),
        used_lists: BTreeSet::new(),
        resolved: Vec::new(),
    };
    let detection = cx.detection(path, shown);
    // A rule-local list no condition reads is still checked: it is deployed with the rule's lookups,
    // and an error in it would surface only when someone starts using it.
    let unused: Vec<String> = raw
        .lists
        .keys()
        .filter(|n| !cx.used_lists.contains(*n))
        .cloned()
        .collect();
    for name in unused {
        if let Err(errs) = lists::validate_list(&file, &name, &raw.lists[&name], &cx.shown.clone())
        {
            cx.errors.extend(errs);
        }
    }
    let id_span = span_of(&file, &raw.id);
    if cx.errors.is_empty() {
        let warnings = std::mem::take(&mut cx.warnings);
        detection
            .map(|mut d| {
                d.warnings = warnings;
                (d, id_span)
            })
            .ok_or_else(Vec::new)
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
    warnings: Vec<Diagnostic>,
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
                    let when = crate::ir::single_when(w, &suppressions);
                    (
                        Logic::Single { when, suppressions },
                        Duration { seconds: 0 },
                    )
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
        // Each is at most Duration::MAX, so the sum cannot wrap; checked all the same.
        let lookback = window
            .checked_add(every)
            .and_then(|d| d.checked_add(delay))
            .unwrap_or(Duration { seconds: u64::MAX });
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
            warnings: Vec::new(),
        })
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
    fields_of(logic).iter().any(|f| f.is_derived())
}

/// Every canonical field the logic reads (the key and `time` included for correlations).
fn fields_of(logic: &Logic) -> Vec<Field> {
    let mut refs = Vec::new();
    let mut set = BTreeSet::new();
    match logic {
        Logic::Single { when, .. } => {
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
    if set.iter().any(|f| f.is_derived()) {
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
