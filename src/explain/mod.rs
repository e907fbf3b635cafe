//! `tokenward explain`: why each session of an events file alerted or stayed quiet. Built from the
//! trace the evaluator records as it decides (src/eval/trace.rs), the scheduled runs that emit each
//! alert, and counterfactuals the evaluator verifies; rendered as text, JSON or an HTML page with an
//! SVG timeline per session. These structs are the stable output, kept apart from the evaluator's.

mod build;
pub mod counterfactual;
pub mod html;
mod human;
mod text;
pub mod verdicts;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::backend::Backends;
use crate::diag::Diagnostic;
use crate::events::Event;
use crate::ir::{EventShape, TestCase};
use crate::output::Format;
use crate::plan::Plan;

pub use counterfactual::{apply, Counterfactual, Edit, Goal};
pub use html::{page, timeline_svg};
pub use human::render as human;

/// One rule over one events file.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub rule: String,
    pub title: String,
    /// `correlation` or `single`.
    pub kind: &'static str,
    pub file: String,
    pub shape: String,
    /// The rule test the file belongs to, when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<Case>,
    pub schedule: ScheduleView,
    pub runs: RunsView,
    /// Identity Protection detections in the file (joined to sign-ins by correlation id).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub detections: Vec<EventView>,
    pub sessions: Vec<SessionView>,
    /// What the explanation left out, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Whether counterfactuals were looked for.
    #[serde(skip)]
    pub searched: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub name: String,
    /// `alert` or `no_alert`.
    pub expect: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    pub every: String,
    pub ingestion_delay: String,
    pub lookback: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_score: Option<u32>,
}

/// The scheduled runs over the file's ingestion times (`tokenward test` judges what they emit).
#[derive(Debug, Clone, Serialize)]
pub struct RunsView {
    /// False when the events span more runs than a simulation makes; verdicts then come from the
    /// complete view.
    pub simulated: bool,
    pub count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    /// Alerts the runs emit in all.
    pub alerts: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Alert,
    Quiet,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    /// The aggregation key (single-event rules: the session id); empty for events without one.
    pub session_id: String,
    pub user: String,
    /// What the scheduled runs emit for the session.
    pub verdict: Verdict,
    pub events: Vec<EventView>,
    /// Correlation rules: one per use.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<PairView>,
    /// Single-event rules: one per sign-in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<MatchView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Quiet: the smallest changes found that make it alert; alert: the changes that clear it. Each
    /// applied to a copy and re-run through the evaluator.
    pub counterfactuals: Vec<Counterfactual>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Issuance,
    Use,
    Both,
    Ignored,
    /// Single-event rules.
    Match,
    Suppressed,
    NoMatch,
    Detection,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Issuance => "issuance",
            Role::Use => "use",
            Role::Both => "issuance and use",
            Role::Ignored => "ignored",
            Role::Match => "match",
            Role::Suppressed => "suppressed",
            Role::NoMatch => "no match",
            Role::Detection => "detection",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    /// The record's position in the file, from 1 (`#n` in the text).
    pub n: usize,
    /// The sign-in's own time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The SIEM's stamp (TimeGenerated / _time): what the lookback reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_time: Option<String>,
    /// When it became searchable: which run emits what it completes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingestion_time: Option<String>,
    /// The table (Sentinel `Type`) or category (Splunk) the record names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interactive: Option<bool>,
    pub role: Role,
    /// Why it is not (also) the other role, why it was left out, what it is tied to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<String>,
    /// The scheduled runs that read it (ingested, and stamped inside their lookback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_by_runs: Option<RunSpan>,
    /// The fields the rule reads, as the evaluator read them (user-agent family included).
    pub values: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSpan {
    pub first: String,
    pub last: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairVerdict {
    Alert,
    BelowScore,
    /// The rule's `where` does not hold.
    Filtered,
    Suppressed,
    /// No issuance in the window before the use.
    NoIssuance,
}

impl PairVerdict {
    pub fn name(self) -> &'static str {
        match self {
            PairVerdict::Alert => "ALERT",
            PairVerdict::BelowScore => "below min_score",
            PairVerdict::Filtered => "`where` fails",
            PairVerdict::Suppressed => "suppressed",
            PairVerdict::NoIssuance => "no issuance in the window",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PairView {
    /// The use (record number).
    #[serde(rename = "use")]
    pub use_event: usize,
    /// The issuance it was paired with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuance: Option<usize>,
    /// How long after the issuance the use came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<String>,
    /// Every issuance of the session and what became of it for this use.
    pub candidates: Vec<CandidateView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<SignalView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u32>,
    pub min_score: u32,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub pair_filter: Option<TestView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<TestView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub risk: Vec<RiskView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub severity_reasons: Vec<String>,
    pub verdict: PairVerdict,
    /// The scheduled runs that emit it (exactly one for an alert, when all is well).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emitted_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CandidateView {
    pub event: usize,
    /// `chosen`, `not_before`, `outside_window`, `earlier_than_anchor`, `later_than_anchor`,
    /// `lost_tie_break`, `duplicate`, `beyond_cap`.
    pub fate: &'static str,
    pub why: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignalView {
    pub name: String,
    pub weight: u32,
    pub fired: bool,
    /// Both sides' values of what the signal reads.
    pub values: Vec<SideValues>,
    /// The rule's own comparisons inside the signal, with their outcome.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub because: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideValues {
    pub field: String,
    pub first: serde_json::Value,
    pub later: serde_json::Value,
    /// The plan's lists holding each side's value (ASN categories, say).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub first_in: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub later_in: Vec<String>,
}

/// A condition's outcome and the comparisons that decided it.
#[derive(Debug, Clone, Serialize)]
pub struct TestView {
    pub name: String,
    pub holds: bool,
    pub because: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskView {
    pub risk: String,
    pub found_on: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatchView {
    pub event: usize,
    #[serde(rename = "match")]
    pub matched: TestView,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<TestView>,
    /// `alert`, `suppressed` or `no_match`.
    pub verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emitted_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What to explain: a rule over the events of one file.
pub struct Request<'a> {
    pub plan: &'a Plan,
    pub events: &'a [Event],
    /// As given (shown, never opened here).
    pub file: &'a str,
    pub shape: &'a str,
    /// Only this session.
    pub session: Option<&'a str>,
    pub case: Option<Case>,
    /// Look for counterfactuals (the costly part: each candidate is a re-run).
    pub counterfactuals: bool,
}

/// Explains every session of the events (or the one asked for).
pub fn explain(r: &Request<'_>) -> Explanation {
    build::explanation(r)
}

/// The session ids of the events, in order, as `explain` groups them.
pub fn sessions(plan: &Plan, events: &[Event]) -> Vec<String> {
    build::session_ids(plan, events)
}

/// Every test case of a rule, per events file, explained with its case.
pub fn cases(plan: &Plan, backends: &Backends) -> Result<Vec<Explanation>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    backends.each_case_file(
        std::slice::from_ref(plan),
        |plan, case, file, shape, events| {
            out.push(of_case(plan, case, file, shape, events));
        },
    )?;
    Ok(out)
}

/// One test case's events file, explained.
pub fn of_case(
    plan: &Plan,
    case: &TestCase,
    file: &str,
    shape: EventShape,
    events: &[Event],
) -> Explanation {
    explain(&Request {
        plan,
        events,
        file,
        shape: shape.name(),
        session: None,
        case: Some(Case::new(&case.name, case.expect_alert, &case.reason)),
        counterfactuals: true,
    })
}

/// Why `explain` could not: the rules or events do not load (exit 1), or it was asked for what is
/// not there (exit 2).
pub enum Failure {
    Input(Vec<Diagnostic>),
    Usage(Vec<Diagnostic>),
}

/// What `tokenward explain` asks for.
pub struct Args<'a> {
    pub rules: &'a Path,
    pub profiles: Option<&'a Path>,
    pub rule: &'a str,
    pub events: &'a [PathBuf],
    pub session: Option<&'a str>,
    pub format: Format,
}

/// `tokenward explain`: loads the rules and events and renders the explanations.
pub fn run(a: &Args<'_>) -> Result<String, Failure> {
    let (backends, detections) =
        crate::pipeline::load(&[a.rules.to_path_buf()], a.profiles).map_err(Failure::Input)?;
    let plans = crate::pipeline::plan_all(&detections);
    let Some(plan) = plans.iter().find(|p| p.meta.id == a.rule) else {
        let ids: Vec<&str> = plans.iter().map(|p| p.meta.id.as_str()).collect();
        let near = ids
            .iter()
            .min_by_key(|id| strsim::levenshtein(id, a.rule))
            .filter(|id| strsim::levenshtein(id, a.rule) <= 3);
        let mut d = Diagnostic::error(
            "E051",
            format!("no rule `{}` under {}", a.rule, a.rules.display()),
        );
        d = match near {
            Some(id) => d.help(format!("did you mean `{id}`?")),
            None => d.help(format!("the rules there: {}", ids.join(", "))),
        };
        return Err(Failure::Usage(vec![d]));
    };
    let mut loaded = Vec::new();
    let mut usage = Vec::new();
    let mut input = Vec::new();
    for f in a.events {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let Some(shape) = EventShape::of_file(name) else {
            usage.push(
                Diagnostic::error("E051", "the events file's name does not say its shape")
                    .in_file(f)
                    .help("name it <anything>.sentinel.json (Log Analytics rows) or <anything>.splunk.json (Splunk events)"),
            );
            continue;
        };
        let Some(b) = backends.for_shape(shape) else {
            continue;
        };
        match b.read_events(f) {
            Ok(r) => loaded.push((f, shape, r.into_iter().map(|(e, _)| e).collect::<Vec<_>>())),
            Err(d) => input.push(d),
        }
    }
    if !usage.is_empty() {
        return Err(Failure::Usage(usage));
    }
    if !input.is_empty() {
        return Err(Failure::Input(input));
    }
    if let Some(s) = a.session {
        let all: std::collections::BTreeSet<String> = loaded
            .iter()
            .flat_map(|(_, _, e)| sessions(plan, e))
            .collect();
        if !all.contains(s) {
            let shown: Vec<String> = all.iter().take(10).map(|s| text::quote(s)).collect();
            return Err(Failure::Usage(vec![Diagnostic::error(
                "E051",
                format!("no session {} in the events", text::quote(s)),
            )
            .help(if shown.is_empty() {
                "the events hold no sign-in".to_string()
            } else {
                format!("sessions in the events: {}", shown.join(", "))
            })]));
        }
    }
    let explanations: Vec<Explanation> = loaded
        .iter()
        .map(|(f, shape, events)| {
            let file = f.display().to_string();
            let case = case_of(plan, f);
            let mut x = explain(&Request {
                plan,
                events,
                file: &file,
                shape: shape.name(),
                session: a.session,
                case,
                counterfactuals: true,
            });
            x.sessions
                .retain(|s| a.session.is_none_or(|id| s.session_id == id));
            x
        })
        .collect();
    Ok(match a.format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&explanations).unwrap_or_default()
        ),
        Format::Html => page(&plan.meta.id, &plan.meta.title, &explanations),
        _ => explanations
            .iter()
            .map(human)
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// The rule's own test case an events file belongs to.
fn case_of(plan: &Plan, file: &Path) -> Option<Case> {
    let want = std::fs::canonicalize(file).ok()?;
    plan.tests.iter().find_map(|c| {
        c.events
            .iter()
            .any(|(f, _)| std::fs::canonicalize(f).ok().as_ref() == Some(&want))
            .then(|| Case::new(&c.name, c.expect_alert, &c.reason))
    })
}
