//! The reference evaluator: a plan run over canonical events in Rust, with the semantics the KQL and SPL
//! renderings implement (docs/semantics.md). What `tokenward test` exercises is what is compiled.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

use crate::catalogue::{Field, Type};
use crate::events::{Event, Kind, Timestamp, Val};
use crate::expr::Side;
use crate::ir::{Cond, FieldRef, List, Severity, TextOp, UaTable, Value};
use crate::plan::{Anchor, Correlation, Plan, Pred, Query};

/// One result row: what the generated query would return.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// The aggregation key (single-event rules: the session id).
    pub session_id: String,
    pub user: String,
    /// The later event (or the matching event of a single-event rule).
    pub time: Timestamp,
    pub issuance_time: Option<Timestamp>,
    /// The signals that fired, in plan order.
    pub signals: Vec<String>,
    pub score: u32,
    /// Label name → value, for labels with a value.
    pub labels: BTreeMap<String, String>,
    pub risk_events: Vec<String>,
    pub severity: Severity,
}

/// Runs a plan over events (in any order) as if every event were visible to one query with an unlimited
/// lookback: every pair the logic finds, once.
pub fn evaluate(plan: &Plan, events: &[Event]) -> Vec<Alert> {
    alerts(plan, events, None)
}

/// One scheduled run at `now`, as the generated query does it: only rows already ingested, whose SIEM
/// stamp (`log_time`) is inside the lookback, and only pairs (or single events) that the run's new
/// slice — ingested in the last `every` — completes.
pub fn evaluate_run(plan: &Plan, events: &[Event], now: Timestamp) -> Vec<Alert> {
    alerts(plan, events, Some(now))
}

/// Most runs a simulation makes (a year of 15-minute runs).
pub const MAX_RUNS: usize = 35_040;

/// Consecutive scheduled runs, one every `every`, from the slice holding the first ingested event to
/// the one holding the last: what the SIEM emits over time. `None` when the events span more runs
/// than [`MAX_RUNS`].
pub fn simulate(plan: &Plan, events: &[Event]) -> Option<Vec<(Timestamp, Vec<Alert>)>> {
    let every = plan.schedule.every.seconds.max(1) as i128 * 1_000_000_000;
    let ingested: Vec<i128> = events
        .iter()
        .filter_map(|e| e.ingested())
        .map(|t| t.as_nanosecond())
        .collect();
    let (Some(&lo), Some(&hi)) = (ingested.iter().min(), ingested.iter().max()) else {
        return Some(Vec::new());
    };
    // Runs on the schedule's grid; the first whose slice (now - every, now] holds the earliest row.
    let first = lo.div_euclid(every) * every + if lo.rem_euclid(every) == 0 { 0 } else { every };
    let runs = usize::try_from((hi - first).div_euclid(every) + 2).unwrap_or(usize::MAX);
    if runs > MAX_RUNS {
        return None;
    }
    Some(
        (0..runs)
            .filter_map(|k| Timestamp::from_nanosecond(first + k as i128 * every).ok())
            .map(|now| (now, evaluate_run(plan, events, now)))
            .collect(),
    )
}

/// Identity Protection detections by the correlation id of the sign-in they belong to.
fn detections(events: Vec<&Event>) -> BTreeMap<&str, Vec<String>> {
    let mut by_correlation: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for e in events {
        let id = e.str(Field::CorrelationId);
        if !id.is_empty() {
            by_correlation
                .entry(id)
                .or_default()
                .extend(e.list(Field::RiskEvents).iter().cloned());
        }
    }
    by_correlation
}

/// The sign-ins a run sees, each copied once with only the fields the plan reads, its user-agent family
/// and class, and the risk types of its detections (which then leave the stream, as in the queries).
fn prepare(plan: &Plan, events: &[Event], visible: &dyn Fn(&Event) -> bool) -> Vec<Event> {
    let reads_detections = plan
        .correlation()
        .and_then(|c| c.risk.as_ref())
        .is_some_and(|r| r.detections);
    let detected = if reads_detections {
        // Only detections the run can see: arrived, and stamped inside its lookback.
        let seen: Vec<&Event> = events
            .iter()
            .filter(|e| e.kind == Kind::RiskDetection && visible(e))
            .collect();
        detections(seen)
    } else {
        BTreeMap::new()
    };
    events
        .iter()
        .filter(|e| e.kind == Kind::SignIn && visible(e))
        .map(|e| {
            let mut out = Event {
                kind: e.kind,
                values: plan
                    .fields
                    .iter()
                    .chain(&[
                        Field::Time,
                        Field::LogTime,
                        Field::IngestionTime,
                        Field::RiskEvents,
                    ])
                    .filter_map(|f| e.values.get(f).map(|v| (*f, v.clone())))
                    .collect(),
                source: None,
                missing: Default::default(),
            };
            if let Some(extra) = detected.get(e.str(Field::CorrelationId)) {
                let mut all = out.list(Field::RiskEvents).to_vec();
                all.extend(extra.iter().cloned());
                all.sort();
                all.dedup();
                out.values.insert(Field::RiskEvents, Val::List(all));
            }
            if let Some(t) = plan.ua_families.as_ref() {
                let family = ua_family(t, e.str(Field::UserAgent));
                let class = t
                    .families
                    .iter()
                    .find(|f| f.name == family)
                    .map_or("other", |f| f.class.as_str())
                    .to_string();
                out.values.insert(Field::UaFamily, Val::Str(family));
                out.values.insert(Field::UaClass, Val::Str(class));
            }
            out
        })
        .collect()
}

fn alerts(plan: &Plan, events: &[Event], run: Option<Timestamp>) -> Vec<Alert> {
    let lookback = span(plan.schedule.lookback);
    let every = span(plan.schedule.every);
    let events = prepare(plan, events, &|e: &Event| match run {
        None => true,
        Some(now) => {
            e.ingested().is_some_and(|t| t <= now)
                && e.timestamp(Field::LogTime)
                    .is_some_and(|t| t > now - lookback)
        }
    });
    // The run's slice: the last whole `every` of the schedule's grid (epoch-aligned), so runs that start
    // late on the grid still tile ingestion time exactly.
    let slice_end = run.map(|now| {
        let step = every.as_nanos().max(1);
        let ns = now.as_nanosecond();
        Timestamp::from_nanosecond(ns.div_euclid(step) * step).unwrap_or(now)
    });
    let new = |t: Option<Timestamp>| match slice_end {
        None => true,
        Some(end) => t.is_some_and(|t| t > end - every && t <= end),
    };
    let cx = Cx { lists: &plan.lists };
    let mut alerts = match &plan.query {
        Query::Single { when } => events
            .iter()
            .filter(|e| new(e.ingested()))
            .filter(|e| cx.cond(when, &|f: FieldRef| e.values.get(&f.field)))
            .map(|e| Alert {
                session_id: e.str(Field::SessionId).to_string(),
                user: e.str(Field::User).to_string(),
                time: e.time().unwrap_or_default(),
                issuance_time: None,
                signals: Vec::new(),
                score: 0,
                labels: BTreeMap::new(),
                risk_events: Vec::new(),
                severity: plan.meta.severity,
            })
            .collect(),
        Query::Correlation(c) => correlate(plan, c, &cx, &events, &new),
    };
    alerts.sort_by(|a, b| {
        (a.session_id.as_str(), a.time, a.issuance_time).cmp(&(
            b.session_id.as_str(),
            b.time,
            b.issuance_time,
        ))
    });
    alerts
}

fn span(d: crate::duration::Duration) -> jiff::SignedDuration {
    jiff::SignedDuration::from_secs(i64::try_from(d.seconds).unwrap_or(i64::MAX))
}

/// Case-insensitive substring match, first family wins, else the default.
pub fn ua_family(table: &UaTable, ua: &str) -> String {
    let ua = ua.to_lowercase();
    table
        .families
        .iter()
        .find(|f| f.match_any.iter().any(|m| ua.contains(&m.to_lowercase())))
        .map_or_else(|| table.default.clone(), |f| f.name.clone())
}

struct Cx<'a> {
    lists: &'a [List],
}

fn as_str(v: Option<&Val>) -> &str {
    match v {
        Some(Val::Str(s)) => s,
        _ => "",
    }
}

fn as_int(v: Option<&Val>) -> Option<i64> {
    match v {
        Some(Val::Int(i)) => Some(*i),
        _ => None,
    }
}

fn as_list(v: Option<&Val>) -> &[String] {
    match v {
        Some(Val::List(l)) => l,
        _ => &[],
    }
}

impl Cx<'_> {
    fn list_values(&self, name: &str) -> &[Value] {
        self.lists
            .iter()
            .find(|l| l.name == name)
            .map_or(&[], |l| l.values.as_slice())
    }

    fn cond<'v>(&self, c: &Cond, get: &dyn Fn(FieldRef) -> Option<&'v Val>) -> bool {
        match c {
            Cond::And { all } => all.iter().all(|c| self.cond(c, get)),
            Cond::Or { any } => any.iter().any(|c| self.cond(c, get)),
            Cond::Not { cond } => !self.cond(cond, get),
            Cond::IsTrue { field } => matches!(get(*field), Some(Val::Bool(true))),
            Cond::Eq { field, value } => self.member(*field, std::slice::from_ref(value), get),
            Cond::FieldEq { left, right } => match left.field.ty() {
                Type::Int => {
                    let l = as_int(get(*left));
                    l.is_some() && l == as_int(get(*right))
                }
                Type::Bool => {
                    matches!(get(*left), Some(Val::Bool(true)))
                        == matches!(get(*right), Some(Val::Bool(true)))
                }
                _ => {
                    let l = as_str(get(*left));
                    !l.is_empty() && l == as_str(get(*right))
                }
            },
            Cond::InValues { field, values } => self.member(*field, values, get),
            Cond::InList { field, list } => self.member(*field, self.list_values(list), get),
            Cond::InCidrList { field, list } => {
                let nets = self
                    .lists
                    .iter()
                    .find(|l| &l.name == list)
                    .map_or(&[][..], |l| l.networks.as_slice());
                in_cidrs(as_str(get(*field)), nets)
            }
            Cond::InCidrs { field, cidrs } => in_cidrs(as_str(get(*field)), cidrs),
            Cond::Text { field, test, value } => {
                let hay = as_str(get(*field)).to_lowercase();
                let needle = value.to_lowercase();
                match test {
                    TextOp::Contains => hay.contains(&needle),
                    TextOp::StartsWith => hay.starts_with(&needle),
                    TextOp::EndsWith => hay.ends_with(&needle),
                }
            }
        }
    }

    /// `==` and `in`: exact; any value of a list field; a missing integer or boolean never matches.
    fn member<'v>(
        &self,
        f: FieldRef,
        values: &[Value],
        get: &dyn Fn(FieldRef) -> Option<&'v Val>,
    ) -> bool {
        let v = get(f);
        match f.field.ty() {
            Type::StringList => as_list(v)
                .iter()
                .any(|s| values.iter().any(|x| matches!(x, Value::Str(y) if y == s))),
            Type::Int => as_int(v).is_some_and(|i| values.contains(&Value::Int(i))),
            // A missing boolean is false.
            Type::Bool => values.contains(&Value::Bool(matches!(v, Some(Val::Bool(true))))),
            _ => {
                let s = as_str(v);
                values.iter().any(|x| matches!(x, Value::Str(y) if y == s))
            }
        }
    }
}

/// An address in one of the networks; an empty or malformed address is in none.
fn in_cidrs(ip: &str, nets: &[ipnet::IpNet]) -> bool {
    let Ok(ip) = ip.parse::<IpAddr>() else {
        return false;
    };
    nets.iter().any(|n| n.contains(&ip))
}

/// The tie-break key both backends build: issuance values joined by `;`, `|` and `;` replaced by `_`.
fn tie_key(fields: &[Field], e: &Event) -> String {
    fields
        .iter()
        .map(|f| match f.ty() {
            Type::Int => e.int(*f).map(|i| i.to_string()).unwrap_or_default(),
            _ => e.str(*f).replace(['|', ';'], "_"),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn correlate<'e>(
    plan: &Plan,
    c: &Correlation,
    cx: &Cx<'_>,
    events: &'e [Event],
    new: &dyn Fn(Option<Timestamp>) -> bool,
) -> Vec<Alert> {
    let mut sessions: BTreeMap<&str, (Vec<&'e Event>, Vec<&'e Event>)> = BTreeMap::new();
    for e in events {
        let key = e.str(c.key);
        if key.is_empty() || e.time().is_none() {
            continue;
        }
        let get = |f: FieldRef| e.values.get(&f.field);
        let entry = sessions.entry(key).or_default();
        if cx.cond(&c.issuance, &get) {
            entry.0.push(e);
        }
        if cx.cond(&c.later, &get) {
            entry.1.push(e);
        }
    }
    let window = span(c.pairing.window);
    let packed = c.packed_fields();
    // SPL's values() and KQL's make_set_if keep one copy of identical events; both keep at most the
    // caps' number per side (SPL: the latest issuances and the earliest later events, as here; KQL's
    // make_set_if keeps whichever it meets first, so past a cap the targets may differ, and the
    // `truncated` output says so).
    let fingerprint = |e: &Event| -> String {
        packed
            .iter()
            .map(|f| format!("{:?}", e.values.get(f)))
            .collect::<Vec<_>>()
            .join("\u{1f}")
    };
    let distinct = |mut v: Vec<&'e Event>| -> Vec<&'e Event> {
        v.sort_by_cached_key(|e| (e.time(), fingerprint(e)));
        v.dedup_by(|a, b| a.time() == b.time() && fingerprint(a) == fingerprint(b));
        v
    };
    let mut alerts = Vec::new();
    for (key, (issuances, laters)) in sessions {
        let mut issuances = distinct(issuances);
        let skip = issuances.len().saturating_sub(c.caps.issuances as usize);
        issuances.drain(..skip);
        let mut laters = distinct(laters);
        laters.truncate(c.caps.laters as usize);
        for l in laters {
            let lt = l.time().unwrap_or_default();
            // Exact instants at the target's precision: `0 < later - issuance <= window`.
            let candidates = issuances.iter().filter(|i| {
                let it = i.time().unwrap_or_default();
                it < lt && lt.duration_since(it) <= window
            });
            let tie = |i: &&&Event| tie_key(&c.pairing.tie_break, i);
            let anchor = match c.pairing.anchor {
                Anchor::Latest => candidates.max_by_key(|i| (i.time(), tie(i))),
                // The earliest time; among issuances at that instant, the larger key (as the queries).
                Anchor::First => candidates.max_by_key(|i| (std::cmp::Reverse(i.time()), tie(i))),
            };
            let Some(first) = anchor else { continue };
            // Emitted by the run whose new slice completes the pair.
            if !new(first.ingested().max(l.ingested())) {
                continue;
            }
            if let Some(alert) = judge(plan, c, cx, key, first, l) {
                alerts.push(alert);
            }
        }
    }
    alerts
}

/// What one pair computes: labels, signals, filters, risk and severity.
struct Pair<'e> {
    first: &'e Event,
    later: &'e Event,
    labels: BTreeMap<String, String>,
    risk: Vec<String>,
}

impl Pair<'_> {
    fn get(&self, f: FieldRef) -> Option<&Val> {
        match f.side {
            Some(Side::First) => self.first.values.get(&f.field),
            _ => self.later.values.get(&f.field),
        }
    }
}

impl Cx<'_> {
    fn pred(&self, p: &Pred, pair: &Pair<'_>) -> bool {
        match p {
            Pred::All { all } => all.iter().all(|p| self.pred(p, pair)),
            Pred::Any { any } => any.iter().any(|p| self.pred(p, pair)),
            Pred::Not { pred } => !self.pred(pred, pair),
            Pred::Cond { cond } => self.cond(cond, &|f| pair.get(f)),
            Pred::Differs { field } => match field.ty() {
                Type::Int => matches!(
                    (pair.first.int(*field), pair.later.int(*field)),
                    (Some(a), Some(b)) if a != b
                ),
                _ => pair.first.str(*field) != pair.later.str(*field),
            },
            Pred::Labelled { label } => pair.labels.get(label).is_some_and(|v| !v.is_empty()),
            Pred::RiskFound => !pair.risk.is_empty(),
        }
    }
}

fn judge(
    plan: &Plan,
    c: &Correlation,
    cx: &Cx<'_>,
    key: &str,
    first: &Event,
    later: &Event,
) -> Option<Alert> {
    let mut pair = Pair {
        first,
        later,
        labels: BTreeMap::new(),
        risk: Vec::new(),
    };
    for l in &c.labels {
        let value = l.lists.iter().find(|list| {
            cx.cond(
                &Cond::InList {
                    field: l.field,
                    list: (*list).clone(),
                },
                &|f| pair.get(f),
            )
        });
        if let Some(v) = value {
            pair.labels.insert(l.name.clone(), v.clone());
        }
    }
    let fired: Vec<&crate::plan::Signal> = c
        .signals
        .iter()
        .filter(|s| cx.pred(&s.when, &pair))
        .collect();
    let score: u32 = fired.iter().map(|s| s.weight).sum();
    if score < c.min_score {
        return None;
    }
    if let Some(p) = &c.pair_filter {
        if !cx.cond(p, &|f| pair.get(f)) {
            return None;
        }
    }
    if c.suppressions
        .iter()
        .any(|sup| cx.cond(&sup.when, &|f| pair.get(f)))
    {
        return None;
    }
    if let Some(r) = &c.risk {
        let mut risk: Vec<String> = first
            .list(Field::RiskEvents)
            .iter()
            .chain(later.list(Field::RiskEvents))
            .filter(|x| r.wanted.contains(x))
            .cloned()
            .collect();
        risk.sort();
        risk.dedup();
        pair.risk = risk;
    }
    let raised = c.escalations.iter().any(|e| cx.pred(&e.when, &pair));
    Some(Alert {
        session_id: key.to_string(),
        user: later.str(Field::User).to_string(),
        time: later.time().unwrap_or_default(),
        issuance_time: first.time(),
        signals: fired.iter().map(|s| s.name.clone()).collect(),
        score,
        labels: pair.labels,
        risk_events: pair.risk,
        severity: if raised {
            plan.meta.severity.raised()
        } else {
            plan.meta.severity
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let nets =
            |v: &[&str]| -> Vec<ipnet::IpNet> { v.iter().map(|s| s.parse().unwrap()).collect() };
        assert!(in_cidrs("192.0.2.77", &nets(&["192.0.2.0/24"])));
        assert!(!in_cidrs("192.0.3.1", &nets(&["192.0.2.0/24"])));
        assert!(in_cidrs("8.8.8.8", &nets(&["0.0.0.0/0"])));
        assert!(in_cidrs("2001:db8:1::1", &nets(&["2001:db8::/32"])));
        assert!(!in_cidrs("192.0.2.1", &nets(&["2001:db8::/32"])));
        assert!(!in_cidrs("", &nets(&["0.0.0.0/0"])));
    }
}
