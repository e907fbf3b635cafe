//! The reference evaluator: a plan run over canonical events in Rust, with the semantics the KQL and SPL
//! renderings implement (docs/semantics.md). What `tokenward test` exercises is what is compiled.
//! Asked to, the same code records why it decided as it did ([`trace`], src/eval/trace.rs).

mod cond;
pub mod trace;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::{Field, Type};
use crate::events::{Event, Kind, Timestamp, Val};
use crate::ir::{Cond, FieldRef, Severity, UaTable};
use crate::plan::{Anchor, Correlation, Plan, Query};

use cond::{Cx, Pair};
pub use trace::Trace;
use trace::{
    Candidate, Dropped, EventRecord, Fate, Judged, MatchRecord, PairRecord, PairVerdict, Run, Seen,
    Side, SignalRecord,
};

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
    alerts(plan, events, None, None)
}

/// One scheduled run at `now`, as the generated query does it: only rows already ingested, whose SIEM
/// stamp (`log_time`) is inside the lookback, and only pairs (or single events) that the run's new
/// slice — ingested in the last `every` — completes.
pub fn evaluate_run(plan: &Plan, events: &[Event], now: Timestamp) -> Vec<Alert> {
    alerts(plan, events, Some(now), None)
}

/// [`evaluate`] (`run` = `None`) or [`evaluate_run`], recording why each event, pair and signal came
/// out as it did. The alerts are the same ones, decided by the same code.
pub fn trace(plan: &Plan, events: &[Event], run: Option<Timestamp>) -> (Vec<Alert>, Trace) {
    let mut t = Trace::default();
    let alerts = alerts(plan, events, run, Some(&mut t));
    (alerts, t)
}

/// Most runs a simulation makes (a year of 15-minute runs).
pub const MAX_RUNS: usize = 35_040;

/// Most events a simulation reads, summed over its runs (each run reads every event to decide what it
/// sees): a few seconds on one core, so no events file makes `test` or `explain` run for hours.
pub const MAX_RUN_WORK: u128 = 100_000_000;

/// The scheduled runs over the events, one every `every`, from the slice holding the first ingested
/// event to the one holding the last. `None` when they are more than [`MAX_RUNS`], or would read more
/// than [`MAX_RUN_WORK`] events in all.
pub fn runs(plan: &Plan, events: &[Event]) -> Option<Vec<Timestamp>> {
    let (first, runs, every) = grid(plan, events)?;
    Some(
        (0..runs)
            .filter_map(|k| Timestamp::from_nanosecond(first + k as i128 * every).ok())
            .collect(),
    )
}

/// How many scheduled runs [`runs`] would give, without building them.
pub fn run_count(plan: &Plan, events: &[Event]) -> Option<usize> {
    grid(plan, events).map(|(_, n, _)| n)
}

/// The first run (ns), how many, and the step (ns); `None` past [`MAX_RUNS`].
fn grid(plan: &Plan, events: &[Event]) -> Option<(i128, usize, i128)> {
    let every = plan.schedule.every.seconds.max(1) as i128 * 1_000_000_000;
    let ingested = events
        .iter()
        .filter_map(|e| e.ingested())
        .map(|t| t.as_nanosecond());
    let (lo, hi) = ingested.fold((None, None), |(lo, hi): (Option<i128>, Option<i128>), t| {
        (
            Some(lo.map_or(t, |l| l.min(t))),
            Some(hi.map_or(t, |h| h.max(t))),
        )
    });
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Some((0, 0, every));
    };
    // Runs on the schedule's grid; the first whose slice (now - every, now] holds the earliest row.
    let first = lo.div_euclid(every) * every + if lo.rem_euclid(every) == 0 { 0 } else { every };
    let runs = usize::try_from((hi - first).div_euclid(every) + 2).unwrap_or(usize::MAX);
    if runs > MAX_RUNS || runs as u128 * events.len() as u128 > MAX_RUN_WORK {
        return None;
    }
    Some((first, runs, every))
}

/// Consecutive scheduled runs, one every `every`, from the slice holding the first ingested event to
/// the one holding the last: what the SIEM emits over time. `None` when the events span more runs
/// than [`MAX_RUNS`].
pub fn simulate(plan: &Plan, events: &[Event]) -> Option<Vec<(Timestamp, Vec<Alert>)>> {
    Some(
        runs(plan, events)?
            .into_iter()
            .map(|now| (now, evaluate_run(plan, events, now)))
            .collect(),
    )
}

/// Whether a run at `now` reads an event: already ingested, and stamped inside its lookback.
pub fn seen_by(plan: &Plan, e: &Event, now: Timestamp) -> Seen {
    if e.ingested().is_none_or(|t| t > now) {
        Seen::NotYetIngested
    } else if e
        .timestamp(Field::LogTime)
        .is_none_or(|t| t <= now - span(plan.schedule.lookback))
    {
        Seen::OutsideLookback
    } else {
        Seen::Yes
    }
}

/// A run's new slice of ingestion time, `(start, end]`: the last whole `every` of the schedule's grid
/// (epoch-aligned), so runs that start late on the grid still tile ingestion time exactly.
pub fn slice(plan: &Plan, now: Timestamp) -> (Timestamp, Timestamp) {
    let every = span(plan.schedule.every);
    let step = every.as_nanos().max(1);
    let ns = now.as_nanosecond();
    let end = Timestamp::from_nanosecond(ns.div_euclid(step) * step).unwrap_or(now);
    (end - every, end)
}

/// Identity Protection detections (by position) under the correlation id of the sign-in they belong to.
fn detections<'e>(
    events: &'e [Event],
    seen: &dyn Fn(&Event) -> bool,
) -> BTreeMap<&'e str, Vec<usize>> {
    let mut by_correlation: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        if e.kind != Kind::RiskDetection || !seen(e) {
            continue;
        }
        let id = e.str(Field::CorrelationId);
        if !id.is_empty() {
            by_correlation.entry(id).or_default().push(i);
        }
    }
    by_correlation
}

/// The sign-ins a run sees, each copied once with only the fields the plan reads, its user-agent family
/// and class, and the risk types of its detections (which then leave the stream, as in the queries),
/// with the position each came from.
fn prepare(
    plan: &Plan,
    events: &[Event],
    seen: &dyn Fn(&Event) -> bool,
    mut trace: Option<&mut Trace>,
) -> (Vec<Event>, Vec<usize>) {
    let reads_detections = plan
        .correlation()
        .and_then(|c| c.risk.as_ref())
        .is_some_and(|r| r.detections);
    // Only detections the run can see: arrived, and stamped inside its lookback.
    let detected = if reads_detections {
        detections(events, seen)
    } else {
        BTreeMap::new()
    };
    let mut out = Vec::new();
    let mut origin = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e.kind != Kind::SignIn || !seen(e) {
            continue;
        }
        let mut copy = Event {
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
        let tied = detected.get(e.str(Field::CorrelationId));
        if let Some(tied) = tied {
            let mut all = copy.list(Field::RiskEvents).to_vec();
            for d in tied {
                all.extend(events[*d].list(Field::RiskEvents).iter().cloned());
            }
            all.sort();
            all.dedup();
            copy.values.insert(Field::RiskEvents, Val::List(all));
        }
        if let Some(t) = plan.ua_families.as_ref() {
            let family = ua_family(t, e.str(Field::UserAgent));
            let class = t
                .families
                .iter()
                .find(|f| f.name == family)
                .map_or("other", |f| f.class.as_str())
                .to_string();
            copy.values.insert(Field::UaFamily, Val::Str(family));
            copy.values.insert(Field::UaClass, Val::Str(class));
        }
        if let Some(t) = trace.as_deref_mut() {
            let r = &mut t.events[i];
            r.values = copy.values.clone();
            r.detections = tied.cloned().unwrap_or_default();
        }
        out.push(copy);
        origin.push(i);
    }
    (out, origin)
}

fn alerts(
    plan: &Plan,
    events: &[Event],
    run: Option<Timestamp>,
    mut trace: Option<&mut Trace>,
) -> Vec<Alert> {
    let seen = |e: &Event| run.map_or(Seen::Yes, |now| seen_by(plan, e, now));
    let slice = run.map(|now| slice(plan, now));
    if let Some(t) = trace.as_deref_mut() {
        *t = Trace {
            run: run.zip(slice).map(|(now, slice)| Run {
                now,
                lookback_from: now - span(plan.schedule.lookback),
                slice,
            }),
            events: events
                .iter()
                .map(|e| EventRecord {
                    seen: seen(e),
                    ..EventRecord::default()
                })
                .collect(),
            ..Trace::default()
        };
    }
    let (events, origin) = prepare(
        plan,
        events,
        &|e: &Event| seen(e) == Seen::Yes,
        trace.as_deref_mut(),
    );
    let new = |t: Option<Timestamp>| match slice {
        None => true,
        Some((start, end)) => t.is_some_and(|t| t > start && t <= end),
    };
    let cx = Cx { lists: &plan.lists };
    let mut alerts = match &plan.query {
        Query::Single { when, suppressions } => {
            let mut out = Vec::new();
            for (pos, e) in events.iter().enumerate() {
                let is_new = new(e.ingested());
                if !is_new && trace.is_none() {
                    continue;
                }
                let get = |f: FieldRef| e.values.get(&f.field);
                let alert = (is_new && cx.cond(when, &get)).then(|| Alert {
                    session_id: e.str(Field::SessionId).to_string(),
                    user: e.str(Field::User).to_string(),
                    time: e.time().unwrap_or_default(),
                    issuance_time: None,
                    signals: Vec::new(),
                    score: 0,
                    labels: BTreeMap::new(),
                    risk_events: Vec::new(),
                    severity: plan.meta.severity,
                });
                if let Some(t) = trace.as_deref_mut() {
                    t.matches.push(MatchRecord {
                        event: origin[pos],
                        matched: cx.test(crate::ir::single_match(when, suppressions), &get),
                        suppressions: suppressions
                            .iter()
                            .map(|s| cx.test(&s.when, &get))
                            .collect(),
                        new_in_run: is_new,
                        alert: alert.clone(),
                    });
                }
                out.extend(alert);
            }
            out
        }
        Query::Correlation(c) => correlate(plan, c, &cx, &events, &origin, &new, trace),
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

/// Whether a value is in a named list of the plan, as the evaluator tests `in` (integers for ASN
/// lists, exact strings otherwise; an address against a CIDR list's networks).
pub fn in_list(plan: &Plan, list: &str, field: Field, value: &Val) -> bool {
    let cx = Cx { lists: &plan.lists };
    let cond = match plan.lists.iter().find(|l| l.name == list) {
        Some(l) if l.kind == crate::ir::ListKind::Cidr => Cond::InCidrList {
            field: FieldRef { side: None, field },
            list: list.to_string(),
        },
        _ => Cond::InList {
            field: FieldRef { side: None, field },
            list: list.to_string(),
        },
    };
    cx.cond(&cond, &|_| Some(value))
}

/// Whether a condition holds over an event (`first` = `None`: issuance, use and single-event
/// conditions) or over a pair (`first.` fields read `first`, the others `later`), with the event
/// values as the evaluator reads them.
pub fn holds(plan: &Plan, c: &Cond, first: Option<&Event>, later: &Event) -> bool {
    let cx = Cx { lists: &plan.lists };
    cx.cond(c, &|f: FieldRef| match (f.side, first) {
        (Some(crate::expr::Side::First), Some(first)) => first.values.get(&f.field),
        _ => later.values.get(&f.field),
    })
}

/// The tie-break key both backends build: issuance values joined by `;`, `|` and `;` replaced by `_`.
pub fn tie_key(fields: &[Field], e: &Event) -> String {
    fields
        .iter()
        .map(|f| match f.ty() {
            Type::Int => e.int(*f).map(|i| i.to_string()).unwrap_or_default(),
            _ => e.str(*f).replace(['|', ';'], "_"),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn correlate(
    plan: &Plan,
    c: &Correlation,
    cx: &Cx<'_>,
    events: &[Event],
    origin: &[usize],
    new: &dyn Fn(Option<Timestamp>) -> bool,
    mut trace: Option<&mut Trace>,
) -> Vec<Alert> {
    // Positions in `events` of each session's issuances and uses.
    let mut sessions: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (pos, e) in events.iter().enumerate() {
        let key = e.str(c.key);
        let get = |f: FieldRef| e.values.get(&f.field);
        if key.is_empty() || e.time().is_none() {
            if let Some(t) = trace.as_deref_mut() {
                let r = &mut t.events[origin[pos]];
                r.dropped.push(if key.is_empty() {
                    Dropped::EmptyKey
                } else {
                    Dropped::NoTime
                });
                r.issuance = Some(cx.test(&c.issuance, &get));
                r.later = Some(cx.test(&c.later, &get));
            }
            continue;
        }
        let issuance = cx.cond(&c.issuance, &get);
        let later = cx.cond(&c.later, &get);
        if let Some(t) = trace.as_deref_mut() {
            let r = &mut t.events[origin[pos]];
            r.issuance = Some(cx.test(&c.issuance, &get));
            r.later = Some(cx.test(&c.later, &get));
        }
        let entry = sessions.entry(key).or_default();
        if issuance {
            entry.0.push(pos);
        }
        if later {
            entry.1.push(pos);
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
    let same = |a: &Event, b: &Event| a.time() == b.time() && fingerprint(a) == fingerprint(b);
    // Sorted by time, one of each set of identical events; the others with the one kept.
    let distinct = |mut v: Vec<usize>| -> (Vec<usize>, Vec<(usize, usize)>) {
        v.sort_by_cached_key(|&i| (events[i].time(), fingerprint(&events[i])));
        let mut kept: Vec<usize> = Vec::with_capacity(v.len());
        let mut dups = Vec::new();
        for i in v {
            match kept.last() {
                Some(&k) if same(&events[k], &events[i]) => dups.push((i, k)),
                _ => kept.push(i),
            }
        }
        (kept, dups)
    };
    let mut alerts = Vec::new();
    for (key, (issuances, laters)) in sessions {
        let (mut issuances, dup_issuances) = distinct(issuances);
        let skip = issuances.len().saturating_sub(c.caps.issuances as usize);
        let capped: Vec<usize> = issuances.drain(..skip).collect();
        let (mut laters, dup_laters) = distinct(laters);
        let beyond: Vec<usize> = laters
            .drain(laters.len().min(c.caps.laters as usize)..)
            .collect();
        // What the aggregation left out of the issuances, for the candidates each use passes over.
        let mut left_out: Vec<(usize, Dropped)> = Vec::new();
        if let Some(t) = trace.as_deref_mut() {
            let mut drop = |pos: usize, d: Dropped| t.events[origin[pos]].dropped.push(d);
            for (i, k) in &dup_issuances {
                let d = Dropped::Duplicate {
                    side: Side::Issuance,
                    of: origin[*k],
                };
                drop(*i, d);
                left_out.push((*i, d));
            }
            for &i in &capped {
                let d = Dropped::BeyondCap {
                    side: Side::Issuance,
                    cap: c.caps.issuances,
                };
                drop(i, d);
                left_out.push((i, d));
            }
            for (i, k) in &dup_laters {
                let of = origin[*k];
                drop(
                    *i,
                    Dropped::Duplicate {
                        side: Side::Use,
                        of,
                    },
                );
            }
            for &i in &beyond {
                let cap = c.caps.laters;
                drop(
                    i,
                    Dropped::BeyondCap {
                        side: Side::Use,
                        cap,
                    },
                );
            }
        }
        for l in laters {
            let later = &events[l];
            let lt = later.time().unwrap_or_default();
            // Exact instants at the target's precision: `0 < later - issuance <= window`.
            let in_window = |i: usize| {
                let it = events[i].time().unwrap_or_default();
                it < lt && lt.duration_since(it) <= window
            };
            let tie = |i: usize| tie_key(&c.pairing.tie_break, &events[i]);
            let candidates = issuances.iter().copied().filter(|&i| in_window(i));
            let anchor = match c.pairing.anchor {
                Anchor::Latest => candidates.max_by_key(|&i| (events[i].time(), tie(i))),
                // The earliest time; among issuances at that instant, the larger key (as the queries).
                Anchor::First => {
                    candidates.max_by_key(|&i| (std::cmp::Reverse(events[i].time()), tie(i)))
                }
            };
            let mut record = trace.is_some().then(|| PairRecord {
                key: key.to_string(),
                later: origin[l],
                candidates: fates(c, events, origin, &issuances, &left_out, anchor, lt),
                first: anchor.map(|i| origin[i]),
                new_in_run: false,
                judged: None,
                alert: None,
            });
            let alert = anchor.and_then(|first| {
                // Emitted by the run whose new slice completes the pair.
                let is_new = new(events[first].ingested().max(later.ingested()));
                if let Some(r) = record.as_mut() {
                    r.new_in_run = is_new;
                } else if !is_new {
                    return None;
                }
                let judged = record.as_mut().map(|r| &mut r.judged);
                judge(plan, c, cx, key, &events[first], later, judged).filter(|_| is_new)
            });
            if let (Some(mut r), Some(t)) = (record, trace.as_deref_mut()) {
                r.alert = alert.clone();
                t.pairs.push(r);
            }
            alerts.extend(alert);
        }
    }
    alerts
}

/// What became of each issuance of a session for one use (trace only).
fn fates(
    c: &Correlation,
    events: &[Event],
    origin: &[usize],
    kept: &[usize],
    left_out: &[(usize, Dropped)],
    chosen: Option<usize>,
    lt: Timestamp,
) -> Vec<Candidate> {
    let window = span(c.pairing.window);
    let chosen_time = chosen.and_then(|i| events[i].time());
    let mut out: Vec<(Option<Timestamp>, Candidate)> = kept
        .iter()
        .map(|&i| {
            let it = events[i].time().unwrap_or_default();
            let fate = if Some(i) == chosen {
                Fate::Chosen
            } else if it >= lt {
                Fate::NotBefore
            } else if lt.duration_since(it) > window {
                Fate::OutsideWindow
            } else if Some(it) == chosen_time {
                Fate::LostTieBreak
            } else {
                match c.pairing.anchor {
                    Anchor::Latest => Fate::EarlierThanAnchor,
                    Anchor::First => Fate::LaterThanAnchor,
                }
            };
            (
                Some(it),
                Candidate {
                    event: origin[i],
                    fate,
                },
            )
        })
        .chain(left_out.iter().map(|(i, d)| {
            (
                events[*i].time(),
                Candidate {
                    event: origin[*i],
                    fate: Fate::Dropped(*d),
                },
            )
        }))
        .collect();
    out.sort_by_key(|(t, c)| (*t, c.event));
    out.into_iter().map(|(_, c)| c).collect()
}

/// Labels, signals, score, `where`, suppressions, risk and severity of one pair, and the alert when it
/// is one. With a record to fill, nothing is cut short, so every test is recorded; the verdict is the
/// same.
fn judge(
    plan: &Plan,
    c: &Correlation,
    cx: &Cx<'_>,
    key: &str,
    first: &Event,
    later: &Event,
    record: Option<&mut Option<Judged>>,
) -> Option<Alert> {
    let tracing = record.is_some();
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
    let fired: Vec<bool> = c.signals.iter().map(|s| cx.pred(&s.when, &pair)).collect();
    let score: u32 = c
        .signals
        .iter()
        .zip(&fired)
        .filter(|(_, f)| **f)
        .map(|(s, _)| s.weight)
        .sum();
    let below = score < c.min_score;
    if below && !tracing {
        return None;
    }
    let filtered = c
        .pair_filter
        .as_ref()
        .is_some_and(|p| !cx.cond(p, &|f| pair.get(f)));
    if filtered && !tracing {
        return None;
    }
    let suppressed = c
        .suppressions
        .iter()
        .any(|sup| cx.cond(&sup.when, &|f| pair.get(f)));
    if suppressed && !tracing {
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
    let severity = if raised {
        plan.meta.severity.raised()
    } else {
        plan.meta.severity
    };
    let verdict = if below {
        PairVerdict::BelowScore
    } else if filtered {
        PairVerdict::Filtered
    } else if suppressed {
        PairVerdict::Suppressed
    } else {
        PairVerdict::Alert
    };
    if let Some(record) = record {
        let get = |f: FieldRef| pair.get(f);
        *record = Some(Judged {
            labels: pair.labels.clone(),
            signals: c
                .signals
                .iter()
                .zip(&fired)
                .map(|(s, fired)| {
                    let mut leaves = Vec::new();
                    cx.pred_leaves(&s.when, &pair, false, &mut leaves);
                    SignalRecord {
                        fired: *fired,
                        leaves,
                    }
                })
                .collect(),
            score,
            min_score: c.min_score,
            pair_filter: c.pair_filter.as_ref().map(|p| cx.test(p, &get)),
            suppressions: c
                .suppressions
                .iter()
                .map(|s| cx.test(&s.when, &get))
                .collect(),
            risk: pair.risk.clone(),
            escalations: c
                .escalations
                .iter()
                .map(|e| cx.pred(&e.when, &pair))
                .collect(),
            severity,
            verdict,
        });
    }
    (verdict == PairVerdict::Alert).then(|| Alert {
        session_id: key.to_string(),
        user: later.str(Field::User).to_string(),
        time: later.time().unwrap_or_default(),
        issuance_time: first.time(),
        signals: c
            .signals
            .iter()
            .zip(&fired)
            .filter(|(_, f)| **f)
            .map(|(s, _)| s.name.clone())
            .collect(),
        score,
        labels: pair.labels,
        risk_events: pair.risk,
        severity,
    })
}
