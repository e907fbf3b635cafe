//! Health checks that keep detections from going blind silently: what each target's companion health
//! query computes, described once and evaluated in Rust on sample events (`check-fields`, the tests).
//! Every check fires on its own evidence: a source that stops, sessions that lose their id,
//! authentication steps that arrive empty, sign-ins without their own time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::Field;
use crate::diag::{Diagnostic, SourceFile};
use crate::duration::Duration;
use crate::events::{AuthDetails, Event};

/// The `health:` section every target profile has.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    /// How far back the health query reads.
    pub lookback: String,
    /// Events a source needs before its authenticationDetails share is judged.
    pub min_events: u64,
    /// Below this share of events carrying authenticationDetails steps, the check fires.
    pub auth_details_min_share: f64,
    /// Above this share of events with an empty session id, the check fires.
    pub empty_session_max_share: f64,
    /// Above this share of events whose authenticationDetails is an empty array, the check fires.
    pub empty_steps_max_share: f64,
    /// Above this share of events without the sign-in's own time, the check fires.
    pub missing_time_max_share: f64,
}

/// What the health query computes, for any target.
#[derive(Debug, Clone, Serialize)]
pub struct HealthPlan {
    pub lookback: Duration,
    /// The tables (Sentinel) or categories (Splunk) that must all flow.
    pub sources: Vec<String>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "check", rename_all = "kebab-case")]
pub enum Check {
    /// No sign-in event at all, from any source (a connector down, a macro without the index).
    NoEvents,
    /// A source has no events while another flows (the non-interactive table silent).
    SourceSilent,
    /// Fewer events than `min_share` of a source carry authenticationDetails steps.
    AuthDetailsMissing { min_share: f64, min_events: u64 },
    /// More events than `max_share` of a source have an empty session id.
    SessionIdEmpty { max_share: f64 },
    /// More events than `max_share` of a source carry authenticationDetails as an empty array.
    AuthStepsEmpty { max_share: f64 },
    /// More events than `max_share` of a source lack the sign-in's own time.
    EventTimeMissing { max_share: f64 },
}

impl Check {
    pub fn name(&self) -> &'static str {
        match self {
            Check::NoEvents => "no-events",
            Check::SourceSilent => "source-silent",
            Check::AuthDetailsMissing { .. } => "auth-details-missing",
            Check::SessionIdEmpty { .. } => "session-id-empty",
            Check::AuthStepsEmpty { .. } => "auth-steps-empty",
            Check::EventTimeMissing { .. } => "event-time-missing",
        }
    }
}

/// The numbers the checks compare with, for templates.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Thresholds {
    pub min_events: u64,
    pub auth_min: f64,
    pub session_max: f64,
    pub steps_max: f64,
    pub time_max: f64,
}

impl HealthPlan {
    pub fn thresholds(&self) -> Thresholds {
        let mut t = Thresholds::default();
        for c in &self.checks {
            match *c {
                Check::AuthDetailsMissing {
                    min_share,
                    min_events,
                } => {
                    t.auth_min = min_share;
                    t.min_events = min_events;
                }
                Check::SessionIdEmpty { max_share } => t.session_max = max_share,
                Check::AuthStepsEmpty { max_share } => t.steps_max = max_share,
                Check::EventTimeMissing { max_share } => t.time_max = max_share,
                Check::NoEvents | Check::SourceSilent => {}
            }
        }
        t
    }

    /// The plan for a profile's health settings, checked.
    pub fn new(
        file: &SourceFile,
        cfg: &HealthConfig,
        sources: Vec<String>,
    ) -> Result<Self, Diagnostic> {
        let bad = |what: String| Diagnostic::error("E030", what).in_file(&file.path);
        let lookback =
            Duration::parse(&cfg.lookback).map_err(|e| bad(format!("health lookback: {e}")))?;
        for (name, v) in [
            ("auth_details_min_share", cfg.auth_details_min_share),
            ("empty_session_max_share", cfg.empty_session_max_share),
            ("empty_steps_max_share", cfg.empty_steps_max_share),
            ("missing_time_max_share", cfg.missing_time_max_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(bad(format!("health {name} must be between 0 and 1")));
            }
        }
        if sources.is_empty() {
            return Err(bad("the health checks need at least one source".into()));
        }
        Ok(Self {
            lookback,
            sources,
            checks: vec![
                Check::NoEvents,
                Check::SourceSilent,
                Check::AuthDetailsMissing {
                    min_share: cfg.auth_details_min_share,
                    min_events: cfg.min_events,
                },
                Check::SessionIdEmpty {
                    max_share: cfg.empty_session_max_share,
                },
                Check::AuthStepsEmpty {
                    max_share: cfg.empty_steps_max_share,
                },
                Check::EventTimeMissing {
                    max_share: cfg.missing_time_max_share,
                },
            ],
        })
    }
}

/// One row of the health query's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub check: &'static str,
    /// The table or category; empty for `no-events`.
    pub source: String,
    pub events: u64,
    pub share: f64,
    pub threshold: f64,
}

#[derive(Default)]
struct Counts {
    events: u64,
    with_details: u64,
    empty_session: u64,
    empty_steps: u64,
    no_time: u64,
}

/// What the health query would return over these events (their source named by [`Event::source`]).
pub fn evaluate(plan: &HealthPlan, records: &[(Event, AuthDetails)]) -> Vec<Finding> {
    let mut t = Tally::new(plan);
    for (e, d) in records {
        t.add(e, d);
    }
    t.findings(plan)
}

/// The health query's counts, one event at a time (for files too big to hold).
pub struct Tally {
    per: BTreeMap<String, Counts>,
}

impl Tally {
    pub fn new(plan: &HealthPlan) -> Self {
        Tally {
            per: plan
                .sources
                .iter()
                .map(|s| (s.clone(), Counts::default()))
                .collect(),
        }
    }

    pub fn add(&mut self, e: &Event, details: &AuthDetails) {
        let Some(source) = e.source.as_deref() else {
            return;
        };
        let Some(c) = self.per.get_mut(source) else {
            return;
        };
        c.events += 1;
        c.with_details += u64::from(*details == AuthDetails::Ok);
        c.empty_session += u64::from(e.str(Field::SessionId).is_empty());
        c.empty_steps += u64::from(*details == AuthDetails::Empty);
        c.no_time += u64::from(e.time().is_none());
    }

    pub fn findings(&self, plan: &HealthPlan) -> Vec<Finding> {
        let per = &self.per;
        let total: u64 = per.values().map(|c| c.events).sum();
        let mut out = Vec::new();
        let share = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        for check in &plan.checks {
            match *check {
                Check::NoEvents if total == 0 => out.push(Finding {
                    check: check.name(),
                    source: String::new(),
                    events: 0,
                    share: 0.0,
                    threshold: 0.0,
                }),
                Check::SourceSilent if total > 0 => {
                    for (s, c) in per.iter().filter(|(_, c)| c.events == 0) {
                        out.push(Finding {
                            check: check.name(),
                            source: s.clone(),
                            events: 0,
                            share: 0.0,
                            threshold: 0.0,
                        });
                        let _ = c;
                    }
                }
                Check::AuthDetailsMissing {
                    min_share,
                    min_events,
                } => {
                    for (s, c) in per {
                        let sh = share(c.with_details, c.events);
                        if c.events >= min_events.max(1) && sh < min_share {
                            out.push(found(check, s, c.events, sh, min_share));
                        }
                    }
                }
                Check::SessionIdEmpty { max_share }
                | Check::AuthStepsEmpty { max_share }
                | Check::EventTimeMissing { max_share } => {
                    for (s, c) in per {
                        let n = match check {
                            Check::SessionIdEmpty { .. } => c.empty_session,
                            Check::AuthStepsEmpty { .. } => c.empty_steps,
                            _ => c.no_time,
                        };
                        let sh = share(n, c.events);
                        if c.events > 0 && sh > max_share {
                            out.push(found(check, s, c.events, sh, max_share));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }
}

fn found(check: &Check, source: &str, events: u64, share: f64, threshold: f64) -> Finding {
    Finding {
        check: check.name(),
        source: source.to_string(),
        events,
        share: (share * 10_000.0).round() / 10_000.0,
        threshold,
    }
}
