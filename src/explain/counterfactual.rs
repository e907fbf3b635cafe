//! Counterfactuals: the smallest change to the rule's data or to the events that flips a session's
//! verdict. Candidate edits come from the trace (a suppression that held, the list entry it matched,
//! a signal that did not fire, an issuance just outside the window, the comparison an event failed);
//! each is applied to a copy of the plan and the events and re-run through the evaluator, and only
//! those that flip are kept.

use serde::{Deserialize, Serialize};

use super::build::Cx;
use super::text;
use crate::catalogue::{Field, Type};
use crate::eval::{self, Alert};
use crate::events::{Event, Timestamp, Val};
use crate::expr::Side;
use crate::ir::{single_match, single_when, Cond, FieldRef, ListKind, Value};
use crate::plan::{Plan, Pred, Query};

/// One change. Events are named by their record number in the file (`#n`, from 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum Edit {
    DisableSuppression {
        suppression: String,
    },
    RemoveListEntry {
        list: String,
        entry: String,
    },
    AddListEntry {
        list: String,
        entry: String,
    },
    /// The signal holds whatever the values.
    ForceSignal {
        signal: String,
    },
    DropWhere,
    /// The sign-in's own time moved (its SIEM stamp and ingestion stay).
    ShiftTime {
        event: usize,
        nanoseconds: i64,
    },
    /// A canonical field set (`null`: absent).
    SetField {
        event: usize,
        field: String,
        value: serde_json::Value,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// A quiet session would alert.
    Alert,
    /// An alerting session would be quiet.
    Clear,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Counterfactual {
    pub goal: Goal,
    /// The change in words.
    pub change: String,
    pub edits: Vec<Edit>,
    /// What re-running the evaluator on the changed copy found.
    pub verified: String,
}

/// The events and plan after the edits, or what an edit names that does not exist.
pub fn apply(edits: &[Edit], plan: &Plan, events: &[Event]) -> Result<(Plan, Vec<Event>), String> {
    let mut plan = plan.clone();
    let mut numbered: Vec<(usize, Event)> = events
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, e)| (i + 1, e))
        .collect();
    apply_in(edits, &mut plan, &mut numbered)?;
    Ok((plan, numbered.into_iter().map(|(_, e)| e).collect()))
}

fn apply_in(edits: &[Edit], plan: &mut Plan, events: &mut [(usize, Event)]) -> Result<(), String> {
    for edit in edits {
        match edit {
            Edit::DisableSuppression { suppression } => match &mut plan.query {
                Query::Correlation(c) => {
                    let before = c.suppressions.len();
                    c.suppressions.retain(|s| &s.name != suppression);
                    if c.suppressions.len() == before {
                        return Err(format!("no suppression `{suppression}`"));
                    }
                }
                Query::Single { when, suppressions } => {
                    let matched = single_match(when, suppressions).clone();
                    let Some(at) = suppressions.iter().position(|s| &s.name == suppression) else {
                        return Err(format!("no suppression `{suppression}`"));
                    };
                    suppressions.remove(at);
                    *when = single_when(matched, suppressions);
                }
            },
            Edit::RemoveListEntry { list, entry } => {
                let l = list_mut(plan, list)?;
                let before = l.values.len() + l.networks.len();
                l.values.retain(|v| &value_text(v) != entry);
                l.networks.retain(|n| &n.to_string() != entry);
                if l.values.len() + l.networks.len() == before {
                    return Err(format!("`{entry}` is not in {list}"));
                }
            }
            Edit::AddListEntry { list, entry } => {
                let l = list_mut(plan, list)?;
                match l.kind {
                    ListKind::Cidr => {
                        let net: ipnet::IpNet = entry
                            .parse()
                            .map_err(|_| format!("`{entry}` is not a CIDR"))?;
                        l.networks.push(net);
                        l.values.push(Value::Str(entry.clone()));
                    }
                    ListKind::Asn => l.values.push(Value::Int(
                        entry
                            .parse()
                            .map_err(|_| format!("`{entry}` is not an ASN"))?,
                    )),
                    ListKind::AppId | ListKind::String => l.values.push(Value::Str(entry.clone())),
                }
            }
            Edit::ForceSignal { signal } => {
                let s = correlation_mut(plan)?
                    .signals
                    .iter_mut()
                    .find(|s| &s.name == signal)
                    .ok_or_else(|| format!("no signal `{signal}`"))?;
                s.when = Pred::All { all: Vec::new() };
            }
            Edit::DropWhere => correlation_mut(plan)?.pair_filter = None,
            Edit::ShiftTime { event, nanoseconds } => {
                let e = event_mut(events, *event)?;
                let t = e.time().ok_or_else(|| format!("#{event} has no time"))?;
                let moved = t
                    .checked_add(jiff::SignedDuration::from_nanos(*nanoseconds))
                    .map_err(|e| e.to_string())?;
                e.values.insert(Field::Time, Val::Time(moved));
            }
            Edit::SetField {
                event,
                field,
                value,
            } => {
                let f = Field::by_name(field).ok_or_else(|| format!("no field `{field}`"))?;
                let e = event_mut(events, *event)?;
                if value.is_null() {
                    e.values.remove(&f);
                } else {
                    let v = crate::events::convert(f.ty(), value)
                        .ok_or_else(|| format!("{value} is not a value of `{field}`"))?;
                    e.values.insert(f, v);
                }
            }
        }
    }
    Ok(())
}

fn list_mut<'p>(plan: &'p mut Plan, name: &str) -> Result<&'p mut crate::ir::List, String> {
    plan.lists
        .iter_mut()
        .find(|l| l.name == name)
        .ok_or_else(|| format!("the rule reads no list `{name}`"))
}

fn correlation_mut(plan: &mut Plan) -> Result<&mut crate::plan::Correlation, String> {
    match &mut plan.query {
        Query::Correlation(c) => Ok(c),
        Query::Single { .. } => Err("a single-event rule has no signals or `where`".into()),
    }
}

fn event_mut(events: &mut [(usize, Event)], n: usize) -> Result<&mut Event, String> {
    events
        .iter_mut()
        .find(|(k, _)| *k == n)
        .map(|(_, e)| e)
        .ok_or_else(|| format!("no event #{n}"))
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

fn value_json(v: &Value, ty: Type) -> serde_json::Value {
    let scalar = match v {
        Value::Str(s) => serde_json::Value::from(s.clone()),
        Value::Int(i) => (*i).into(),
        Value::Bool(b) => (*b).into(),
    };
    if ty == Type::StringList {
        serde_json::Value::Array(vec![scalar])
    } else {
        scalar
    }
}

/// The session being explained, and what a re-run of it reads.
pub(super) struct Scope<'a> {
    pub cx: &'a Cx<'a>,
    /// The session's id; empty for the sign-ins without one.
    pub session: &'a str,
    /// The session's events (positions in the file).
    pub members: &'a [usize],
    /// Sign-ins without a session id (correlation rules: they could have been this session's).
    pub keyless: &'a [usize],
    pub detections: &'a [usize],
    pub alerting: bool,
    /// What re-runs may still cost in this explanation, in events read (an event read by each run
    /// counts once per run); a search that would overdraw it stops and sets `exhausted`.
    pub budget: &'a std::cell::Cell<u64>,
    pub exhausted: &'a std::cell::Cell<bool>,
}

/// The re-run work one explanation may spend on counterfactuals, in events read per run: a few
/// seconds on one core at the evaluator's speed, whatever the file holds.
pub const BUDGET: u64 = 50_000_000;

/// How a candidate ranks among those of the same size: the narrowest change first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    List,
    Time,
    Signal,
    Field,
    Suppression,
    Where,
}

struct Cand {
    edits: Vec<Edit>,
    rank: Rank,
}

/// The session id sign-ins without one are given, to show what they would have done with one.
pub const GIVEN_SESSION: &str = "counterfactual-session-id";

/// At most this many counterfactuals are shown per session.
const SHOWN: usize = 5;
/// Pairs of candidates are tried among this many, when no single candidate flips the verdict.
const PAIRED: usize = 40;

pub(super) fn search(s: &Scope<'_>) -> Vec<Counterfactual> {
    let cx = s.cx;
    let goal = if s.alerting { Goal::Clear } else { Goal::Alert };
    let mut cands = match goal {
        Goal::Alert => alert_candidates(s),
        Goal::Clear => clear_candidates(s),
    };
    let mut seen: Vec<Vec<Edit>> = Vec::new();
    cands.retain(|c| {
        if c.edits.is_empty() || seen.contains(&c.edits) {
            false
        } else {
            seen.push(c.edits.clone());
            true
        }
    });
    // A re-run reads the session, the detections, and (correlation rules) the sign-ins without a
    // session id, which an edit may give this one.
    let mut read: Vec<usize> = s.members.iter().chain(s.detections).copied().collect();
    if cx.plan.correlation().is_some() && goal == Goal::Alert {
        read.extend(s.keyless);
    }
    read.sort();
    read.dedup();
    let base: Vec<(usize, Event)> = read
        .iter()
        .map(|&i| (i + 1, cx.events[i].clone()))
        .collect();
    let rerun = |edits: &[Edit]| -> Option<String> {
        let mut plan = cx.plan.clone();
        let mut events = base.clone();
        apply_in(edits, &mut plan, &mut events).ok()?;
        let events: Vec<Event> = events.into_iter().map(|(_, e)| e).collect();
        let runs = eval::run_count(&plan, &events).map_or(1, |n| n.max(1)) as u64;
        let cost = runs.saturating_mul(events.len().max(1) as u64);
        if s.exhausted.get() || cost > s.budget.get() {
            s.exhausted.set(true);
            return None;
        }
        s.budget.set(s.budget.get() - cost);
        let target = if s.session.is_empty() {
            GIVEN_SESSION
        } else {
            s.session
        };
        let alerts = session_alerts(&plan, &events, target);
        match goal {
            Goal::Alert => alerts.first().map(|(run, a)| alerted(&plan, *run, a)),
            Goal::Clear => alerts
                .is_empty()
                .then(|| "re-run: no scheduled run emits an alert for the session".to_string()),
        }
    };
    let mut found: Vec<(usize, Rank, usize, Counterfactual)> = Vec::new();
    let made = |edits: Vec<Edit>, rank: Rank, order: usize, verified: String| {
        (
            edits.len(),
            rank,
            order,
            Counterfactual {
                goal,
                change: describe(cx.plan, &edits),
                edits,
                verified,
            },
        )
    };
    for (k, c) in cands.iter().enumerate() {
        if let Some(v) = rerun(&c.edits) {
            found.push(made(c.edits.clone(), c.rank, k, v));
        }
    }
    if found.is_empty() && goal == Goal::Alert {
        let n = cands.len().min(PAIRED);
        for a in 0..n {
            for b in a + 1..n {
                let mut edits = cands[a].edits.clone();
                edits.extend(cands[b].edits.iter().cloned());
                if let Some(v) = rerun(&edits) {
                    found.push(made(edits, cands[a].rank.max(cands[b].rank), a * n + b, v));
                }
            }
        }
    }
    found.sort_by_key(|x| (x.0, x.1, x.2));
    found.truncate(SHOWN);
    found.into_iter().map(|(_, _, _, c)| c).collect()
}

/// The alerts the scheduled runs emit for the session (the complete view's when the events span
/// too many runs), with the run that emits each.
fn session_alerts(plan: &Plan, events: &[Event], session: &str) -> Vec<(Option<Timestamp>, Alert)> {
    match eval::simulate(plan, events) {
        Some(runs) => runs
            .into_iter()
            .flat_map(|(now, alerts)| alerts.into_iter().map(move |a| (Some(now), a)))
            .filter(|(_, a)| a.session_id == session)
            .collect(),
        None => eval::evaluate(plan, events)
            .into_iter()
            .filter(|a| a.session_id == session)
            .map(|a| (None, a))
            .collect(),
    }
}

fn alerted(plan: &Plan, run: Option<Timestamp>, a: &Alert) -> String {
    let by = run.map_or_else(
        || "the complete view alerts".to_string(),
        |r| format!("the run at {r} emits an alert"),
    );
    match plan.correlation() {
        Some(c) => format!(
            "re-run: {by} for the use at {}: signals [{}] score {} (min_score {}), severity {}",
            a.time,
            a.signals.join(", "),
            a.score,
            c.min_score,
            a.severity.name()
        ),
        None => format!(
            "re-run: {by} for the sign-in at {}, severity {}",
            a.time,
            a.severity.name()
        ),
    }
}

/// The change in words.
fn describe(plan: &Plan, edits: &[Edit]) -> String {
    edits
        .iter()
        .map(|e| match e {
            Edit::DisableSuppression { suppression } => {
                format!("without the suppression {suppression}")
            }
            Edit::RemoveListEntry { list, entry } => {
                format!("{} not in {list}", text::quote(entry))
            }
            Edit::AddListEntry { list, entry } => {
                format!("{} added to {list}", text::quote(entry))
            }
            Edit::ForceSignal { signal } => {
                let weight = plan
                    .correlation()
                    .and_then(|c| c.signals.iter().find(|s| &s.name == signal))
                    .map_or(0, |s| s.weight);
                format!("one more disagreeing signal: {signal} (+{weight})")
            }
            Edit::DropWhere => "without the rule's `where`".into(),
            Edit::ShiftTime { event, nanoseconds } => format!(
                "#{event} {} {}",
                text::duration(jiff::SignedDuration::from_nanos(nanoseconds.abs())),
                if *nanoseconds < 0 { "earlier" } else { "later" }
            ),
            Edit::SetField {
                event,
                field,
                value,
            } if value.is_null() => format!("#{event} without {field}"),
            Edit::SetField {
                event,
                field,
                value,
            } => format!("#{event} with {field} = {value}"),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// An event as the evaluator read it (its prepared values), for testing conditions on it.
fn read_as(cx: &Cx<'_>, i: usize) -> Event {
    Event {
        values: cx.trace.events[i].values.clone(),
        ..Event::default()
    }
}

/// Which event (position) a field of a condition belongs to.
struct Sides {
    first: Option<usize>,
    later: usize,
}

impl Sides {
    fn of(&self, f: FieldRef) -> usize {
        match (f.side, self.first) {
            (Some(Side::First), Some(first)) => first,
            _ => self.later,
        }
    }
}

/// Edits that make `c` come out as `want` on these events: fewest first within `or` (or a false
/// `and`); `None` when no edit of a single field or list entry does it.
fn satisfy(cx: &Cx<'_>, c: &Cond, want: bool, at: &Sides, goal: Goal) -> Option<Vec<Edit>> {
    let first = at.first.map(|i| read_as(cx, i));
    let later = read_as(cx, at.later);
    let holds = |c: &Cond| eval::holds(cx.plan, c, first.as_ref(), &later);
    if holds(c) == want {
        return Some(Vec::new());
    }
    let fewest = |options: Vec<Option<Vec<Edit>>>| {
        options
            .into_iter()
            .flatten()
            .min_by_key(|e: &Vec<Edit>| e.len())
    };
    match (c, want) {
        (Cond::Not { cond }, _) => satisfy(cx, cond, !want, at, goal),
        (Cond::And { all: v }, true) | (Cond::Or { any: v }, false) => {
            let mut edits = Vec::new();
            for c in v {
                edits.extend(satisfy(cx, c, want, at, goal)?);
            }
            Some(edits)
        }
        (Cond::And { all: v }, false) | (Cond::Or { any: v }, true) => {
            fewest(v.iter().map(|c| satisfy(cx, c, want, at, goal)).collect())
        }
        (leaf, want) => leaf_edit(cx, leaf, want, at, goal, &later, first.as_ref()),
    }
}

fn set(event: usize, field: Field, value: serde_json::Value) -> Edit {
    Edit::SetField {
        event: event + 1,
        field: field.name().to_string(),
        value,
    }
}

/// One comparison made to hold (`want`) or fail: a field set, or (to clear an alert) a list entry added.
fn leaf_edit(
    cx: &Cx<'_>,
    leaf: &Cond,
    want: bool,
    at: &Sides,
    goal: Goal,
    later: &Event,
    first: Option<&Event>,
) -> Option<Vec<Edit>> {
    let mut refs = Vec::new();
    leaf.fields(&mut refs);
    let f = *refs.first()?;
    let event = at.of(f);
    let current = match (f.side, first) {
        (Some(Side::First), Some(first)) => first.values.get(&f.field),
        _ => later.values.get(&f.field),
    };
    // The user-agent family is derived from the user agent: set that instead.
    let family_edit = |family: &str| -> Option<Vec<Edit>> {
        let table = cx.plan.ua_families.as_ref()?;
        let m = table
            .families
            .iter()
            .find(|x| x.name == family)?
            .match_any
            .first()?;
        Some(vec![set(event, Field::UserAgent, m.clone().into())])
    };
    if !want {
        // Absent, every positive comparison fails (a missing boolean is false).
        return match leaf {
            Cond::IsTrue { .. } => Some(vec![set(event, f.field, false.into())]),
            _ if f.field.is_derived() => None,
            Cond::FieldEq { .. } | Cond::Eq { .. } | Cond::InValues { .. } | Cond::Text { .. } => {
                Some(vec![set(event, f.field, serde_json::Value::Null)])
            }
            Cond::InList { list, .. } | Cond::InCidrList { list, .. } => match goal {
                Goal::Alert => Some(vec![set(event, f.field, serde_json::Value::Null)]),
                Goal::Clear => current.and_then(|v| entry_of(cx, list, v)).map(|entry| {
                    vec![Edit::RemoveListEntry {
                        list: list.clone(),
                        entry,
                    }]
                }),
            },
            _ => Some(vec![set(event, f.field, serde_json::Value::Null)]),
        };
    }
    let ty = f.field.ty();
    match leaf {
        Cond::IsTrue { .. } => Some(vec![set(event, f.field, true.into())]),
        Cond::Eq { value, .. } if f.field == Field::UaFamily => family_edit(&value_text(value)),
        Cond::InValues { values, .. } if f.field == Field::UaFamily => {
            family_edit(&value_text(values.first()?))
        }
        _ if f.field.is_derived() => None,
        Cond::Eq { value, .. } => Some(vec![set(event, f.field, value_json(value, ty))]),
        Cond::InValues { values, .. } => {
            Some(vec![set(event, f.field, value_json(values.first()?, ty))])
        }
        Cond::Text { value, .. } => Some(vec![set(event, f.field, value.clone().into())]),
        Cond::FieldEq { right, .. } => {
            let other = match (right.side, first) {
                (Some(Side::First), Some(first)) => first.values.get(&right.field),
                _ => later.values.get(&right.field),
            };
            let v = text::json(other);
            (!v.is_null() && v != "").then(|| vec![set(event, f.field, v)])
        }
        Cond::InList { list, .. } => {
            let l = cx.plan.lists.iter().find(|l| &l.name == list)?;
            match (goal, current) {
                (Goal::Clear, Some(v)) => Some(vec![Edit::AddListEntry {
                    list: list.clone(),
                    entry: scalar_text(v)?,
                }]),
                _ => Some(vec![set(event, f.field, value_json(l.values.first()?, ty))]),
            }
        }
        Cond::InCidrList { list, .. } => {
            let l = cx.plan.lists.iter().find(|l| &l.name == list)?;
            let ip = current.and_then(|v| scalar_text(v)?.parse::<std::net::IpAddr>().ok());
            match (goal, ip) {
                (Goal::Clear, Some(ip)) => Some(vec![Edit::AddListEntry {
                    list: list.clone(),
                    entry: ipnet::IpNet::from(ip).to_string(),
                }]),
                _ => Some(vec![set(
                    event,
                    f.field,
                    l.networks.first()?.addr().to_string().into(),
                )]),
            }
        }
        Cond::InCidrs { cidrs, .. } => Some(vec![set(
            event,
            f.field,
            cidrs.first()?.addr().to_string().into(),
        )]),
        Cond::And { .. } | Cond::Or { .. } | Cond::Not { .. } => None,
    }
}

fn scalar_text(v: &Val) -> Option<String> {
    match v {
        Val::Str(s) if !s.is_empty() => Some(s.clone()),
        Val::Int(i) => Some(i.to_string()),
        Val::List(l) => l.first().cloned(),
        _ => None,
    }
}

/// The entry of a list that holds a value (the network, for CIDR lists).
fn entry_of(cx: &Cx<'_>, list: &str, v: &Val) -> Option<String> {
    let l = cx.plan.lists.iter().find(|l| l.name == list)?;
    if l.kind == ListKind::Cidr {
        let ip: std::net::IpAddr = scalar_text(v)?.parse().ok()?;
        return l
            .networks
            .iter()
            .find(|n| n.contains(&ip))
            .map(|n| n.to_string());
    }
    l.values
        .iter()
        .find(|x| match (x, v) {
            (Value::Int(a), Val::Int(b)) => a == b,
            (Value::Str(a), Val::Str(b)) => a == b,
            (Value::Str(a), Val::List(l)) => l.contains(a),
            _ => false,
        })
        .map(value_text)
}

/// The change to the use that would make a built-in signal hold: another ASN (in a category, when the
/// rule has them), no device id, a scripted client.
fn differ_edit(cx: &Cx<'_>, when: &Pred, first: usize, later: usize) -> Option<Edit> {
    let mut refs = Vec::new();
    when.fields(&mut refs);
    let a = &cx.trace.events[first].values;
    let c = cx.plan.correlation()?;
    let differs = |p: &Pred| -> Option<Field> {
        fn find(p: &Pred) -> Option<Field> {
            match p {
                Pred::Differs { field } => Some(*field),
                Pred::All { all: v } | Pred::Any { any: v } => v.iter().find_map(find),
                _ => None,
            }
        }
        find(p)
    };
    match differs(when)? {
        Field::DeviceId => {
            let has = matches!(a.get(&Field::DeviceId), Some(Val::Str(s)) if !s.is_empty());
            has.then(|| set(later, Field::DeviceId, serde_json::Value::Null))
        }
        Field::Asn => {
            let mine = match a.get(&Field::Asn) {
                Some(Val::Int(i)) => Some(*i),
                _ => None,
            };
            let categories = c
                .labels
                .iter()
                .filter(|l| l.field.field == Field::Asn)
                .flat_map(|l| &l.lists);
            let pick = categories
                .filter_map(|name| cx.plan.lists.iter().find(|l| &l.name == name))
                .flat_map(|l| &l.values)
                .find_map(|v| match v {
                    Value::Int(i) if Some(*i) != mine => Some(*i),
                    _ => None,
                })
                .or(mine.map(|m| m + 1))?;
            Some(set(later, Field::Asn, pick.into()))
        }
        Field::UaFamily => {
            let table = cx.plan.ua_families.as_ref()?;
            let mine = match a.get(&Field::UaFamily) {
                Some(Val::Str(s)) => s.as_str(),
                _ => "",
            };
            let f = table
                .families
                .iter()
                .find(|f| f.class == "scripted" && f.name != mine)?;
            Some(set(
                later,
                Field::UserAgent,
                f.match_any.first()?.clone().into(),
            ))
        }
        _ => None,
    }
}

fn alert_candidates(s: &Scope<'_>) -> Vec<Cand> {
    let cx = s.cx;
    let mut out = Vec::new();
    let push = |out: &mut Vec<Cand>, edits: Option<Vec<Edit>>, rank: Rank| {
        if let Some(edits) = edits {
            out.push(Cand { edits, rank });
        }
    };
    match &cx.plan.query {
        Query::Correlation(c) => {
            let pairs = cx.trace.pairs.iter().filter(|p| p.key == s.session);
            for p in pairs {
                let (Some(j), Some(first)) = (&p.judged, p.first) else {
                    // No issuance in the window: move the use, or the issuance, to its edge.
                    let lt = cx.events[p.later].time().unwrap_or_default();
                    let window = jiff::SignedDuration::from_secs(c.pairing.window.seconds as i64);
                    for cand in &p.candidates {
                        let it = cx.events[cand.event].time().unwrap_or_default();
                        let gap = lt.duration_since(it);
                        let ns = match cand.fate {
                            eval::trace::Fate::OutsideWindow => (gap - window).as_nanos(),
                            // A microsecond after the issuance: both engines' precision holds it.
                            eval::trace::Fate::NotBefore => {
                                (gap - jiff::SignedDuration::from_micros(1)).as_nanos()
                            }
                            _ => continue,
                        };
                        let Ok(ns) = i64::try_from(ns) else { continue };
                        out.push(Cand {
                            edits: vec![Edit::ShiftTime {
                                event: p.later + 1,
                                nanoseconds: -ns,
                            }],
                            rank: Rank::Time,
                        });
                        out.push(Cand {
                            edits: vec![Edit::ShiftTime {
                                event: cand.event + 1,
                                nanoseconds: ns,
                            }],
                            rank: Rank::Time,
                        });
                    }
                    continue;
                };
                let at = Sides {
                    first: Some(first),
                    later: p.later,
                };
                for (sig, r) in c.signals.iter().zip(&j.signals) {
                    if !r.fired {
                        out.push(Cand {
                            edits: vec![Edit::ForceSignal {
                                signal: sig.name.clone(),
                            }],
                            rank: Rank::Signal,
                        });
                        push(
                            &mut out,
                            differ_edit(cx, &sig.when, first, p.later).map(|e| vec![e]),
                            Rank::Field,
                        );
                    }
                }
                for (sup, t) in c.suppressions.iter().zip(&j.suppressions) {
                    if !t.holds {
                        continue;
                    }
                    for leaf in t.leaves.iter().filter(|l| l.held && !l.negated) {
                        match &leaf.cond {
                            Cond::InList { list, .. } | Cond::InCidrList { list, .. } => {
                                if let Some(entry) = &leaf.entry {
                                    out.push(Cand {
                                        edits: vec![Edit::RemoveListEntry {
                                            list: list.clone(),
                                            entry: entry.clone(),
                                        }],
                                        rank: Rank::List,
                                    });
                                }
                            }
                            Cond::FieldEq { left, .. } => out.push(Cand {
                                edits: vec![set(at.of(*left), left.field, serde_json::Value::Null)],
                                rank: Rank::Field,
                            }),
                            _ => {}
                        }
                    }
                    out.push(Cand {
                        edits: vec![Edit::DisableSuppression {
                            suppression: sup.name.clone(),
                        }],
                        rank: Rank::Suppression,
                    });
                }
                if let (Some(w), Some(t)) = (&c.pair_filter, &j.pair_filter) {
                    if !t.holds {
                        push(
                            &mut out,
                            satisfy(cx, w, true, &at, Goal::Alert),
                            Rank::Field,
                        );
                        out.push(Cand {
                            edits: vec![Edit::DropWhere],
                            rank: Rank::Where,
                        });
                    }
                }
            }
            // Events that are neither what they would need to be: the comparisons they failed.
            let mut has_issuance = false;
            for &i in s.members {
                let rec = &cx.trace.events[i];
                let at = Sides {
                    first: None,
                    later: i,
                };
                has_issuance |= rec.issuance.as_ref().is_some_and(|t| t.holds);
                if rec.issuance.as_ref().is_some_and(|t| !t.holds) {
                    push(
                        &mut out,
                        satisfy(cx, &c.issuance, true, &at, Goal::Alert),
                        Rank::Field,
                    );
                }
                if rec.later.as_ref().is_some_and(|t| !t.holds) {
                    push(
                        &mut out,
                        satisfy(cx, &c.later, true, &at, Goal::Alert),
                        Rank::Field,
                    );
                }
            }
            // Sign-ins without a session id, had they carried one (the same, per user).
            if s.session.is_empty() {
                let mut users: Vec<&str> = s
                    .members
                    .iter()
                    .map(|&i| cx.events[i].str(Field::User))
                    .collect();
                users.sort();
                users.dedup();
                for u in users {
                    let edits: Vec<Edit> = s
                        .members
                        .iter()
                        .filter(|&&i| cx.events[i].str(Field::User) == u)
                        .map(|&i| set(i, c.key, GIVEN_SESSION.into()))
                        .collect();
                    out.push(Cand {
                        edits,
                        rank: Rank::Field,
                    });
                }
            }
            // A sign-in without a session id, had it carried this one.
            if has_issuance && !s.session.is_empty() {
                for &i in s.keyless {
                    out.push(Cand {
                        edits: vec![set(i, c.key, s.session.to_string().into())],
                        rank: Rank::Field,
                    });
                }
            }
        }
        Query::Single { when, suppressions } => {
            let matched = single_match(when, suppressions);
            for m in cx
                .trace
                .matches
                .iter()
                .filter(|m| s.members.contains(&m.event))
            {
                let at = Sides {
                    first: None,
                    later: m.event,
                };
                if !m.matched.holds {
                    push(
                        &mut out,
                        satisfy(cx, matched, true, &at, Goal::Alert),
                        Rank::Field,
                    );
                    continue;
                }
                for (sup, t) in suppressions.iter().zip(&m.suppressions) {
                    if !t.holds {
                        continue;
                    }
                    for leaf in t.leaves.iter().filter(|l| l.held && !l.negated) {
                        if let (
                            Cond::InList { list, .. } | Cond::InCidrList { list, .. },
                            Some(entry),
                        ) = (&leaf.cond, &leaf.entry)
                        {
                            out.push(Cand {
                                edits: vec![Edit::RemoveListEntry {
                                    list: list.clone(),
                                    entry: entry.clone(),
                                }],
                                rank: Rank::List,
                            });
                        }
                    }
                    push(
                        &mut out,
                        satisfy(cx, &sup.when, false, &at, Goal::Alert),
                        Rank::Field,
                    );
                    out.push(Cand {
                        edits: vec![Edit::DisableSuppression {
                            suppression: sup.name.clone(),
                        }],
                        rank: Rank::Suppression,
                    });
                }
            }
        }
    }
    out
}

/// For an alert: each suppression made to hold on every alerting pair (list entries added, fields set),
/// and each list entry that made a signal or the match hold, removed.
/// The edits that make a suppression's condition hold on every alerting pair (or match) at once: a
/// candidate that clears them all, or none when one of them cannot be made to match.
/// Adding list entries is the narrowest way to clear an alert; changing what a sign-in carries, wider.
fn rank_of(edits: &[Edit]) -> Rank {
    if edits.iter().all(|e| matches!(e, Edit::AddListEntry { .. })) {
        Rank::List
    } else {
        Rank::Field
    }
}

fn matching_everywhere(cx: &Cx<'_>, when: &Cond, sides: &[Sides]) -> Option<Cand> {
    let mut edits: Vec<Edit> = Vec::new();
    for at in sides {
        for e in satisfy(cx, when, true, at, Goal::Clear)? {
            if !edits.contains(&e) {
                edits.push(e);
            }
        }
    }
    (!edits.is_empty()).then(|| Cand {
        rank: rank_of(&edits),
        edits,
    })
}

fn clear_candidates(s: &Scope<'_>) -> Vec<Cand> {
    let cx = s.cx;
    let mut out = Vec::new();
    let removals = |leaves: &[eval::trace::Leaf], out: &mut Vec<Cand>| {
        for leaf in leaves.iter().filter(|l| l.held && !l.negated) {
            if let (Cond::InList { list, .. } | Cond::InCidrList { list, .. }, Some(entry)) =
                (&leaf.cond, &leaf.entry)
            {
                out.push(Cand {
                    edits: vec![Edit::RemoveListEntry {
                        list: list.clone(),
                        entry: entry.clone(),
                    }],
                    rank: Rank::List,
                });
            }
        }
    };
    match &cx.plan.query {
        Query::Correlation(c) => {
            let alerting: Vec<_> = cx
                .trace
                .pairs
                .iter()
                .filter(|p| p.key == s.session && p.alert.is_some())
                .collect();
            let sides: Vec<Sides> = alerting
                .iter()
                .map(|p| Sides {
                    first: p.first,
                    later: p.later,
                })
                .collect();
            for sup in &c.suppressions {
                out.extend(matching_everywhere(cx, &sup.when, &sides));
            }
            for p in &alerting {
                if let Some(j) = &p.judged {
                    for r in j.signals.iter().filter(|r| r.fired) {
                        removals(&r.leaves, &mut out);
                    }
                }
            }
        }
        Query::Single { suppressions, .. } => {
            let alerting: Vec<_> = cx
                .trace
                .matches
                .iter()
                .filter(|m| s.members.contains(&m.event) && m.alert.is_some())
                .collect();
            let sides: Vec<Sides> = alerting
                .iter()
                .map(|m| Sides {
                    first: None,
                    later: m.event,
                })
                .collect();
            for sup in suppressions {
                out.extend(matching_everywhere(cx, &sup.when, &sides));
            }
            for m in &alerting {
                removals(&m.matched.leaves, &mut out);
            }
        }
    }
    out
}
