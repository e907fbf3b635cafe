//! From the evaluator's trace (the complete view, and the scheduled runs it simulates) to the
//! explanation: every event's role and why, every use's pairing, every pair's tests, who emits what.

use std::collections::{BTreeMap, BTreeSet};

use super::text;
use super::{
    CandidateView, Case, EventView, Explanation, MatchView, PairVerdict, PairView, Request,
    RiskView, Role, RunSpan, RunsView, ScheduleView, SessionView, SideValues, SignalView, TestView,
    Verdict,
};
use crate::catalogue::Field;
use crate::eval::trace::{
    Dropped, EventRecord, Fate, MatchRecord, PairRecord, Seen, Side, Test, Trace,
};
use crate::eval::{self, Alert};
use crate::events::{Event, Kind, Timestamp};
use crate::ir::Anchor;
use crate::plan::{Plan, Pred, Query};

/// An alert as the runs and the complete view name it: session, use time, issuance time.
pub(super) type Identity = (String, Timestamp, Option<Timestamp>);

pub(super) fn identity(a: &Alert) -> Identity {
    (a.session_id.clone(), a.time, a.issuance_time)
}

/// The session an event belongs to: the aggregation key, or a single-event rule's session id.
pub(super) fn session_key<'e>(plan: &Plan, e: &'e Event) -> &'e str {
    match plan.correlation() {
        Some(c) => e.str(c.key),
        None => e.str(Field::SessionId),
    }
}

pub(super) fn session_ids(plan: &Plan, events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.kind == Kind::SignIn)
        .map(|e| session_key(plan, e).to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// What every part of the explanation reads.
pub(super) struct Cx<'a> {
    pub plan: &'a Plan,
    pub events: &'a [Event],
    pub trace: &'a Trace,
    /// The scheduled runs' times.
    pub grid: &'a [Timestamp],
    /// Which runs emit each alert.
    pub emitted: &'a BTreeMap<Identity, Vec<Timestamp>>,
    pub simulated: bool,
}

/// A session whose counterfactual search the budget cut short.
pub(super) const BUDGET_NOTE: &str =
    "counterfactuals: the search stopped at the explanation's budget; ask for this session with --session";

/// Counterfactuals are searched for at most this many sessions per explanation.
pub const MAX_SEARCHED_SESSIONS: usize = 100;

pub(super) fn explanation(r: &Request<'_>) -> Explanation {
    let (plan, events) = (r.plan, r.events);
    let (complete, trace) = eval::trace(plan, events, None);
    let sim = eval::simulate(plan, events);
    // The runs simulated (none when there are too many to simulate, as `eval::runs` would say).
    let grid: Vec<Timestamp> = sim.iter().flatten().map(|(now, _)| *now).collect();
    let mut emitted: BTreeMap<Identity, Vec<Timestamp>> = BTreeMap::new();
    for (now, alerts) in sim.iter().flatten() {
        for a in alerts {
            emitted.entry(identity(a)).or_default().push(*now);
        }
    }
    let alerting: BTreeSet<String> = match &sim {
        Some(_) => emitted.keys().map(|k| k.0.clone()).collect(),
        None => complete.iter().map(|a| a.session_id.clone()).collect(),
    };
    let cx = Cx {
        plan,
        events,
        trace: &trace,
        grid: &grid,
        emitted: &emitted,
        simulated: sim.is_some(),
    };
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut detections = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match e.kind {
            Kind::RiskDetection => detections.push(i),
            Kind::SignIn => groups.entry(session_key(plan, e)).or_default().push(i),
        }
    }
    let keyless: Vec<usize> = groups.get("").cloned().unwrap_or_default();
    // Each counterfactual candidate is a re-run: bounded, so a large events file (or a failing test's
    // fixture from an untrusted pull request) cannot make `explain`, `test` or `report` run for hours.
    let shown = groups
        .keys()
        .filter(|k| r.session.is_none_or(|s| s == **k))
        .count();
    let search = r.counterfactuals && shown <= MAX_SEARCHED_SESSIONS;
    let mut notes = Vec::new();
    if r.counterfactuals && !search {
        notes.push(format!(
            "counterfactuals not searched: {shown} sessions, more than {MAX_SEARCHED_SESSIONS}; \
             ask for one with --session"
        ));
    }
    let budget = std::cell::Cell::new(super::counterfactual::BUDGET);
    let exhausted = std::cell::Cell::new(false);
    let sessions: Vec<SessionView> = groups
        .iter()
        .filter(|(k, _)| r.session.is_none_or(|s| s == **k))
        .map(|(key, members)| {
            let mut s = session_view(&cx, key, members, alerting.contains(*key));
            if search && (!key.is_empty() || plan.correlation().is_some()) {
                s.counterfactuals = super::counterfactual::search(&super::counterfactual::Scope {
                    cx: &cx,
                    session: key,
                    members,
                    keyless: &keyless,
                    detections: &detections,
                    alerting: s.verdict == Verdict::Alert,
                    budget: &budget,
                    exhausted: &exhausted,
                });
                if exhausted.get() {
                    s.notes.push(BUDGET_NOTE.to_string());
                }
            }
            s
        })
        .collect();
    if exhausted.get() {
        notes.push(format!(
            "the counterfactual search stopped at its budget ({} events read by re-runs): sessions \
             after that show none; ask for one with --session",
            super::counterfactual::BUDGET
        ));
    }
    let c = plan.correlation();
    Explanation {
        rule: plan.meta.id.clone(),
        title: plan.meta.title.clone(),
        kind: if c.is_some() { "correlation" } else { "single" },
        file: r.file.to_string(),
        shape: r.shape.to_string(),
        case: r.case.clone(),
        schedule: ScheduleView {
            every: plan.schedule.every.to_string(),
            ingestion_delay: plan.schedule.ingestion_delay.to_string(),
            lookback: plan.schedule.lookback.to_string(),
            window: c.map(|c| c.pairing.window.to_string()),
            anchor: c.map(|c| anchor_name(c.pairing.anchor)),
            min_score: c.map(|c| c.min_score),
        },
        runs: RunsView {
            simulated: sim.is_some(),
            count: grid.len(),
            first: grid.first().map(|t| t.to_string()),
            last: grid.last().map(|t| t.to_string()),
            alerts: emitted.values().map(Vec::len).sum(),
        },
        detections: detections.iter().map(|&i| event_view(&cx, i)).collect(),
        sessions,
        notes,
        searched: search,
    }
}

fn anchor_name(a: Anchor) -> &'static str {
    match a {
        Anchor::Latest => "latest",
        Anchor::First => "first",
    }
}

impl Case {
    pub fn new(name: &str, expect_alert: bool, reason: &str) -> Case {
        Case {
            name: name.to_string(),
            expect: if expect_alert { "alert" } else { "no_alert" },
            reason: reason.to_string(),
        }
    }
}

fn session_view(cx: &Cx<'_>, key: &str, members: &[usize], alerting: bool) -> SessionView {
    let user = members
        .iter()
        .map(|&i| cx.events[i].str(Field::User))
        .find(|u| !u.is_empty())
        .unwrap_or_default()
        .to_string();
    let pairs: Vec<PairView> = cx
        .trace
        .pairs
        .iter()
        .filter(|p| p.key == key)
        .map(|p| pair_view(cx, p))
        .collect();
    let matches: Vec<MatchView> = cx
        .trace
        .matches
        .iter()
        .filter(|m| members.contains(&m.event))
        .map(|m| match_view(cx, m))
        .collect();
    // Alerts the runs emit that the complete view does not pair the same way (anchors can differ
    // when an issuance arrives after the run that completes a pair).
    let mut notes = Vec::new();
    let known: BTreeSet<(Timestamp, Option<Timestamp>)> = cx
        .trace
        .pairs
        .iter()
        .filter(|p| p.key == key)
        .filter_map(|p| {
            let t = cx.events[p.later].time()?;
            Some((t, p.first.and_then(|f| cx.events[f].time())))
        })
        .chain(
            cx.trace
                .matches
                .iter()
                .filter(|m| members.contains(&m.event))
                .filter_map(|m| Some((cx.events[m.event].time()?, None))),
        )
        .collect();
    for ((s, t, it), runs) in cx.emitted {
        if s == key && !known.contains(&(*t, *it)) {
            notes.push(format!(
                "the run at {} emits the use at {t}{}, a pair the complete view does not make",
                runs[0],
                it.map(|i| format!(" paired with the issuance at {i}"))
                    .unwrap_or_default()
            ));
        }
    }
    if key.is_empty() {
        notes.push(match cx.plan.correlation() {
            Some(c) => format!(
                "these events have an empty {}: the queries drop them, so they pair with nothing",
                c.key.name()
            ),
            None => "these events have an empty session_id".to_string(),
        });
    }
    SessionView {
        session_id: key.to_string(),
        user,
        verdict: if alerting {
            Verdict::Alert
        } else {
            Verdict::Quiet
        },
        events: members.iter().map(|&i| event_view(cx, i)).collect(),
        pairs,
        matches,
        notes,
        counterfactuals: Vec::new(),
    }
}

/// The fields shown with an event: what the rule reads, as the evaluator read it.
fn shown_values(cx: &Cx<'_>, i: usize) -> BTreeMap<String, serde_json::Value> {
    let rec = &cx.trace.events[i];
    let e = &cx.events[i];
    let skip = [Field::Time, Field::LogTime, Field::IngestionTime];
    if rec.values.is_empty() {
        let fields: Vec<Field> = match e.kind {
            Kind::RiskDetection => vec![Field::CorrelationId, Field::RiskEvents],
            Kind::SignIn => cx.plan.fields.clone(),
        };
        fields
            .into_iter()
            .filter(|f| !skip.contains(f))
            .filter_map(|f| {
                e.values
                    .get(&f)
                    .map(|v| (f.name().to_string(), text::json(Some(v))))
            })
            .collect()
    } else {
        rec.values
            .iter()
            .filter(|(f, _)| !skip.contains(f))
            .map(|(f, v)| (f.name().to_string(), text::json(Some(v))))
            .collect()
    }
}

pub(super) fn event_view(cx: &Cx<'_>, i: usize) -> EventView {
    let e = &cx.events[i];
    let rec = &cx.trace.events[i];
    let ts = |f: Field| e.timestamp(f).map(|t| t.to_string());
    let (role, mut why) = match e.kind {
        Kind::RiskDetection => {
            let id = e.str(Field::CorrelationId);
            let tied: Vec<String> = cx
                .events
                .iter()
                .enumerate()
                .filter(|(_, s)| s.kind == Kind::SignIn && !id.is_empty())
                .filter(|(_, s)| s.str(Field::CorrelationId) == id)
                .map(|(j, _)| format!("#{}", j + 1))
                .collect();
            let reads = cx
                .plan
                .correlation()
                .and_then(|c| c.risk.as_ref())
                .is_some_and(|r| r.detections);
            let why = if !reads {
                vec!["the rule reads no detections".to_string()]
            } else if tied.is_empty() {
                vec![format!(
                    "no sign-in has its correlation id {}",
                    text::quote(id)
                )]
            } else {
                vec![format!(
                    "tied by correlation id {} to {}",
                    text::quote(id),
                    tied.join(", ")
                )]
            };
            (Role::Detection, why)
        }
        Kind::SignIn => match &cx.plan.query {
            Query::Correlation(c) => correlation_role(rec, c.key),
            Query::Single { .. } => match cx.trace.matches.iter().find(|m| m.event == i) {
                Some(m) => single_role(cx, m),
                None => (Role::Ignored, Vec::new()),
            },
        },
    };
    match rec.seen {
        Seen::Yes => {}
        Seen::NotYetIngested => why.push("not yet ingested when the run starts".into()),
        Seen::OutsideLookback => why.push("stamped outside the run's lookback".into()),
    }
    // The runs that read it are one stretch of the grid: those before its ingestion have not seen it
    // yet, and once a run's lookback has passed its stamp every later run's has too.
    let seen = |now: &Timestamp| eval::seen_by(cx.plan, e, *now);
    let lo = cx.grid.partition_point(|n| seen(n) == Seen::NotYetIngested);
    let hi = lo + cx.grid[lo..].partition_point(|n| seen(n) == Seen::Yes);
    let read = &cx.grid[lo..hi];
    if !cx.grid.is_empty() && read.is_empty() {
        why.push(format!(
            "no scheduled run reads it: ingested {}, stamped {}, and a run reads only rows ingested by \
             its time and stamped within its {} lookback",
            ts(Field::IngestionTime)
                .or(ts(Field::LogTime))
                .unwrap_or_else(|| "never".into()),
            ts(Field::LogTime).unwrap_or_else(|| "never".into()),
            cx.plan.schedule.lookback
        ));
    }
    EventView {
        n: i + 1,
        time: ts(Field::Time),
        log_time: ts(Field::LogTime),
        ingestion_time: ts(Field::IngestionTime),
        source: e.source.clone(),
        interactive: match e.values.get(&Field::IsInteractive) {
            Some(crate::events::Val::Bool(b)) => Some(*b),
            _ => None,
        },
        role,
        why,
        read_by_runs: read.first().zip(read.last()).map(|(f, l)| RunSpan {
            first: f.to_string(),
            last: l.to_string(),
        }),
        values: shown_values(cx, i),
    }
}

fn reasons(t: &Test) -> String {
    t.leaves
        .iter()
        .map(text::leaf)
        .collect::<Vec<_>>()
        .join("; ")
}

fn side_name(s: Side) -> &'static str {
    match s {
        Side::Issuance => "issuance",
        Side::Use => "use",
    }
}

fn dropped_text(d: &Dropped, key: Field) -> String {
    match d {
        Dropped::EmptyKey => format!(
            "empty {}: the queries drop the row, so it is in no session",
            key.name()
        ),
        Dropped::NoTime => "no sign-in time: it cannot be placed in a window".into(),
        Dropped::Duplicate { side, of } => format!(
            "as an {}: identical to #{} on every field the aggregation packs, so kept once",
            side_name(*side),
            of + 1
        ),
        Dropped::BeyondCap { side, cap } => format!(
            "as an {}: past the {cap} {}s one session keeps ({} kept)",
            side_name(*side),
            side_name(*side),
            match side {
                Side::Issuance => "the latest are",
                Side::Use => "the earliest are",
            }
        ),
    }
}

fn correlation_role(rec: &EventRecord, key: Field) -> (Role, Vec<String>) {
    let mut why = Vec::new();
    let structural = rec
        .dropped
        .iter()
        .find(|d| matches!(d, Dropped::EmptyKey | Dropped::NoTime));
    let dropped_side = |s: Side| {
        rec.dropped.iter().any(|d| {
            matches!(d, Dropped::Duplicate { side, .. } | Dropped::BeyondCap { side, .. } if *side == s)
        })
    };
    let issuance = rec.issuance.as_ref().is_some_and(|t| t.holds);
    let later = rec.later.as_ref().is_some_and(|t| t.holds);
    if let Some(t) = rec.issuance.as_ref().filter(|t| !t.holds) {
        why.push(format!("not an issuance: {}", reasons(t)));
    }
    if let Some(t) = rec.later.as_ref().filter(|t| !t.holds) {
        why.push(format!("not a use: {}", reasons(t)));
    }
    for d in &rec.dropped {
        why.push(dropped_text(d, key));
    }
    if structural.is_some() || rec.issuance.is_none() {
        return (Role::Ignored, why);
    }
    let role = match (
        issuance && !dropped_side(Side::Issuance),
        later && !dropped_side(Side::Use),
    ) {
        (true, true) => Role::Both,
        (true, false) => Role::Issuance,
        (false, true) => Role::Use,
        (false, false) => Role::Ignored,
    };
    (role, why)
}

fn single_role(cx: &Cx<'_>, m: &MatchRecord) -> (Role, Vec<String>) {
    let Query::Single { suppressions, .. } = &cx.plan.query else {
        return (Role::Ignored, Vec::new());
    };
    if !m.matched.holds {
        return (
            Role::NoMatch,
            vec![format!("no match: {}", reasons(&m.matched))],
        );
    }
    let by: Vec<&str> = suppressions
        .iter()
        .zip(&m.suppressions)
        .filter(|(_, t)| t.holds)
        .map(|(s, _)| s.name.as_str())
        .collect();
    if by.is_empty() {
        (Role::Match, Vec::new())
    } else {
        (
            Role::Suppressed,
            vec![format!("suppressed by {}", by.join(", "))],
        )
    }
}

fn fate_view(cx: &Cx<'_>, p: &PairRecord, fate: Fate, event: usize) -> (&'static str, String) {
    let Some(c) = cx.plan.correlation() else {
        return ("chosen", String::new());
    };
    let lt = cx.events[p.later].time().unwrap_or_default();
    let it = cx.events[event].time().unwrap_or_default();
    let gap = text::duration(lt.duration_since(it));
    let window = c.pairing.window;
    let chosen = p.first.map(|f| f + 1).unwrap_or_default();
    match fate {
        Fate::Chosen => (
            "chosen",
            format!(
                "{gap} before the use, the {} issuance within the {window} window",
                match c.pairing.anchor {
                    Anchor::Latest => "most recent",
                    Anchor::First => "earliest",
                }
            ),
        ),
        Fate::NotBefore if it == lt => (
            "not_before",
            "at the use's own instant: an issuance must come strictly before the use".into(),
        ),
        Fate::NotBefore => (
            "not_before",
            format!("{} after the use", text::duration(it.duration_since(lt))),
        ),
        Fate::OutsideWindow => (
            "outside_window",
            format!("{gap} before the use, outside the {window} window"),
        ),
        Fate::EarlierThanAnchor => (
            "earlier_than_anchor",
            format!("inside the window, but earlier than #{chosen} (anchor: latest)"),
        ),
        Fate::LaterThanAnchor => (
            "later_than_anchor",
            format!("inside the window, but later than #{chosen} (anchor: first)"),
        ),
        Fate::LostTieBreak => {
            let key = |i: usize| {
                let e = Event {
                    values: cx.trace.events[i].values.clone(),
                    ..Event::default()
                };
                eval::tie_key(&c.pairing.tie_break, &e)
            };
            (
                "lost_tie_break",
                format!(
                    "at the same instant as #{chosen}, whose tie-break key {} is larger than its {}",
                    text::quote(&p.first.map(key).unwrap_or_default()),
                    text::quote(&key(event))
                ),
            )
        }
        Fate::Dropped(d @ Dropped::Duplicate { .. }) => ("duplicate", dropped_text(&d, c.key)),
        Fate::Dropped(d) => ("beyond_cap", dropped_text(&d, c.key)),
    }
}

/// The plan's lists holding a value of this field (ASN categories, address ranges).
fn lists_holding(plan: &Plan, field: Field, v: Option<&crate::events::Val>) -> Vec<String> {
    use crate::ir::ListKind;
    let Some(v) = v else { return Vec::new() };
    let kind = match field {
        Field::Asn => ListKind::Asn,
        Field::Ip => ListKind::Cidr,
        _ => return Vec::new(),
    };
    plan.lists
        .iter()
        .filter(|l| l.kind == kind && eval::in_list(plan, &l.name, field, v))
        .map(|l| l.name.clone())
        .collect()
}

fn signal_values(cx: &Cx<'_>, p: &PairRecord, when: &Pred) -> Vec<SideValues> {
    let Some(first) = p.first else {
        return Vec::new();
    };
    let mut refs = Vec::new();
    when.fields(&mut refs);
    let mut fields: Vec<Field> = Vec::new();
    for r in refs {
        if !fields.contains(&r.field) {
            fields.push(r.field);
        }
        if r.field == Field::UaFamily && !fields.contains(&Field::UserAgent) {
            fields.push(Field::UserAgent);
        }
    }
    let (a, b) = (
        &cx.trace.events[first].values,
        &cx.trace.events[p.later].values,
    );
    fields
        .into_iter()
        .filter(|f| *f != Field::UaClass)
        .map(|f| SideValues {
            field: f.name().to_string(),
            first: text::json(a.get(&f)),
            later: text::json(b.get(&f)),
            first_in: lists_holding(cx.plan, f, a.get(&f)),
            later_in: lists_holding(cx.plan, f, b.get(&f)),
        })
        .collect()
}

fn emitted_by(cx: &Cx<'_>, id: &Identity) -> Vec<String> {
    cx.emitted
        .get(id)
        .map(|runs| runs.iter().map(|t| t.to_string()).collect())
        .unwrap_or_default()
}

fn pair_view(cx: &Cx<'_>, p: &PairRecord) -> PairView {
    let plan = cx.plan;
    let c = plan.correlation();
    let lt = cx.events[p.later].time().unwrap_or_default();
    let candidates = p
        .candidates
        .iter()
        .map(|cand| {
            let (fate, why) = fate_view(cx, p, cand.fate, cand.event);
            CandidateView {
                event: cand.event + 1,
                fate,
                why,
            }
        })
        .collect();
    let mut view = PairView {
        use_event: p.later + 1,
        issuance: p.first.map(|f| f + 1),
        gap: p
            .first
            .and_then(|f| cx.events[f].time())
            .map(|it| text::duration(lt.duration_since(it))),
        candidates,
        signals: Vec::new(),
        score: None,
        min_score: c.map_or(0, |c| c.min_score),
        labels: BTreeMap::new(),
        pair_filter: None,
        suppressions: Vec::new(),
        risk: Vec::new(),
        severity: None,
        severity_reasons: Vec::new(),
        verdict: PairVerdict::NoIssuance,
        emitted_by: Vec::new(),
        note: None,
    };
    let (Some(c), Some(j), Some(first)) = (c, p.judged.as_ref(), p.first) else {
        return view;
    };
    view.signals = c
        .signals
        .iter()
        .zip(&j.signals)
        .map(|(s, r)| SignalView {
            name: s.name.clone(),
            weight: s.weight,
            fired: r.fired,
            values: signal_values(cx, p, &s.when),
            because: r.leaves.iter().map(text::leaf).collect(),
        })
        .collect();
    view.score = Some(j.score);
    view.labels = j.labels.clone();
    view.pair_filter = j.pair_filter.as_ref().map(|t| TestView {
        name: "where".into(),
        holds: t.holds,
        because: t.leaves.iter().map(text::leaf).collect(),
    });
    view.suppressions = c
        .suppressions
        .iter()
        .zip(&j.suppressions)
        .map(|(s, t)| TestView {
            name: s.name.clone(),
            holds: t.holds,
            because: t.leaves.iter().map(text::leaf).collect(),
        })
        .collect();
    view.risk = j
        .risk
        .iter()
        .map(|r| RiskView {
            risk: r.clone(),
            found_on: risk_sources(cx, r, first, p.later),
        })
        .collect();
    view.severity = Some(j.severity.name().to_string());
    view.severity_reasons = c
        .escalations
        .iter()
        .zip(&j.escalations)
        .filter(|(_, raised)| **raised)
        .map(|(e, _)| match &e.when {
            Pred::Labelled { label } => format!(
                "{} ({label} = {})",
                e.reason,
                j.labels.get(label).cloned().unwrap_or_default()
            ),
            Pred::RiskFound => format!("{} ({})", e.reason, j.risk.join(", ")),
            _ => e.reason.clone(),
        })
        .collect();
    if !view.severity_reasons.is_empty() {
        view.severity_reasons.insert(
            0,
            format!("raised one step from {}", plan.meta.severity.name()),
        );
    }
    view.verdict = match j.verdict {
        crate::eval::trace::PairVerdict::Alert => PairVerdict::Alert,
        crate::eval::trace::PairVerdict::BelowScore => PairVerdict::BelowScore,
        crate::eval::trace::PairVerdict::Filtered => PairVerdict::Filtered,
        crate::eval::trace::PairVerdict::Suppressed => PairVerdict::Suppressed,
    };
    let id = (p.key.clone(), lt, cx.events[first].time());
    view.emitted_by = emitted_by(cx, &id);
    if view.verdict == PairVerdict::Alert && cx.simulated {
        view.note = match view.emitted_by.len() {
            0 => Some(missed(cx, p, first)),
            1 => None,
            n => Some(format!("emitted {n} times by the scheduled runs, not once")),
        };
    }
    view
}

/// Where a wanted risk type was found: on either sign-in, or on a detection tied to one.
fn risk_sources(cx: &Cx<'_>, risk: &str, first: usize, later: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (i, what) in [(first, "issuance"), (later, "use")] {
        if cx.events[i]
            .list(Field::RiskEvents)
            .iter()
            .any(|r| r == risk)
        {
            out.push(format!("the {what} #{} itself", i + 1));
        }
        for &d in &cx.trace.events[i].detections {
            if cx.events[d]
                .list(Field::RiskEvents)
                .iter()
                .any(|r| r == risk)
            {
                out.push(format!(
                    "detection #{} (correlation id {}), tied to the {what} #{}",
                    d + 1,
                    text::quote(cx.events[d].str(Field::CorrelationId)),
                    i + 1
                ));
            }
        }
    }
    out
}

/// Why a pair the logic alerts on is emitted by no run: the run whose slice holds its last
/// ingestion, traced.
fn missed(cx: &Cx<'_>, p: &PairRecord, first: usize) -> String {
    let (f, l) = (&cx.events[first], &cx.events[p.later]);
    let Some(last) = f.ingested().max(l.ingested()) else {
        return "no scheduled run emits it: neither event has an ingestion time".into();
    };
    // Slices end later as runs do: the first run whose slice reaches the last ingestion.
    let at = cx
        .grid
        .partition_point(|&now| eval::slice(cx.plan, now).1 < last);
    let Some(&now) = cx.grid.get(at) else {
        return "no scheduled run emits it".into();
    };
    let (_, run) = eval::trace(cx.plan, cx.events, Some(now));
    let mut why = Vec::new();
    for (i, what) in [(first, "issuance"), (p.later, "use")] {
        let e = &cx.events[i];
        match run.events[i].seen {
            Seen::Yes => {}
            Seen::NotYetIngested => why.push(format!("it has not ingested the {what} #{}", i + 1)),
            Seen::OutsideLookback => why.push(format!(
                "the {what} #{} is stamped {}, at or before the start of its lookback ({})",
                i + 1,
                e.timestamp(Field::LogTime)
                    .map_or("never".into(), |t| t.to_string()),
                run.run
                    .map_or(String::new(), |r| r.lookback_from.to_string())
            )),
        }
    }
    if why.is_empty() {
        if let Some(other) = run.pairs.iter().find(|q| q.later == p.later) {
            why.push(match other.first {
                Some(o) if o != first => format!("it pairs the use with #{} instead", o + 1),
                _ => "it does not pair them".into(),
            });
        }
    }
    format!(
        "the logic alerts, but no scheduled run emits it: the run at {now}, whose slice holds the pair's \
         last ingestion ({last}): {}",
        why.join("; ")
    )
}

fn match_view(cx: &Cx<'_>, m: &MatchRecord) -> MatchView {
    let suppressions = match &cx.plan.query {
        Query::Single { suppressions, .. } => suppressions.as_slice(),
        Query::Correlation(_) => &[],
    };
    let e = &cx.events[m.event];
    let tests: Vec<TestView> = suppressions
        .iter()
        .zip(&m.suppressions)
        .map(|(s, t)| TestView {
            name: s.name.clone(),
            holds: t.holds,
            because: t.leaves.iter().map(text::leaf).collect(),
        })
        .collect();
    let suppressed = tests.iter().any(|t| t.holds);
    let verdict = if !m.matched.holds {
        "no_match"
    } else if suppressed {
        "suppressed"
    } else {
        "alert"
    };
    let emitted = e
        .time()
        .map(|t| emitted_by(cx, &(session_key(cx.plan, e).to_string(), t, None)))
        .unwrap_or_default();
    let note = (verdict == "alert" && cx.simulated && emitted.is_empty())
        .then(|| "the logic alerts, but no scheduled run emits it".to_string());
    MatchView {
        event: m.event + 1,
        matched: TestView {
            name: "match".into(),
            holds: m.matched.holds,
            because: m.matched.leaves.iter().map(text::leaf).collect(),
        },
        suppressions: tests,
        verdict,
        severity: (verdict == "alert").then(|| cx.plan.meta.severity.name().to_string()),
        emitted_by: emitted,
        note,
    }
}
