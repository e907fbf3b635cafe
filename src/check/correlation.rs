//! A correlation: its key and window, the issuance and later predicates, the signals and the
//! suppressions, and the fields each side carries through the aggregation.

use std::collections::BTreeSet;

use super::{cond::field_hint, is_kebab, Checker, Scope};
use crate::catalogue::{Field, Type};
use crate::diag::{did_you_mean, Diagnostic};
use crate::duration::Duration;
use crate::expr::Side;
use crate::ir::{Anchor, Correlation, ListKind, Signal, SignalTest, Signals, Suppression};
use crate::model::{self, Spanned};

impl Checker<'_> {
    pub(super) fn correlation(
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
        let anchor = match &raw.anchor {
            None => Some(Anchor::Latest),
            Some(a) => match Anchor::ALL.iter().find(|(n, _)| *n == a.value) {
                Some((_, x)) => Some(*x),
                None => {
                    let names = Anchor::ALL.map(|(n, _)| n);
                    self.err(
                        Diagnostic::error("E017", format!("unknown anchor `{}`", a.value))
                            .at(self.at(a))
                            .help(match did_you_mean(&a.value, names) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "`latest` (the most recent issuance, default) or `first` (the earliest in the window)".into(),
                            }),
                    );
                    None
                }
            },
        };
        let issuance = self.condition(&raw.issuance.value.when, Scope::Single);
        let later = self.condition(&raw.later.value.when, Scope::Single);
        let pair = raw.pair.as_ref().map(|p| self.condition(p, Scope::Pair));
        let signals = self.signals();
        let suppressions = self.suppressions(Scope::Pair);
        if let (Some(l), true) = (&later, suppressions.len() == self.raw.suppressions.len()) {
            for (s, raw_s) in suppressions.iter().zip(&self.raw.suppressions) {
                let always = super::trivial::always_true(&s.when) == Some(true);
                if !always && super::trivial::implies(Some(l), &s.when) == Some(true) {
                    self.warnings.push(
                        Diagnostic::warning(
                            "W002",
                            format!(
                                "every later event satisfies suppression `{}`: no pair can alert",
                                s.name
                            ),
                        )
                        .at(self.at(&raw_s.value.when))
                        .label(
                            self.at(&raw.later.value.when),
                            "the later condition already implies it",
                        )
                        .help("test something the later condition does not already require"),
                    );
                }
            }
        }
        let pair = match pair {
            Some(Some(p)) => Some(p),
            Some(None) => return None,
            None => None,
        };
        let signals = signals?;
        if signals.list.is_empty() && pair.is_none() {
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
        if signals.has(&SignalTest::UserAgent) {
            first_fields.insert(Field::UaFamily);
            later_fields.insert(Field::UaFamily);
        }
        if signals.has(&SignalTest::Asn) {
            first_fields.insert(Field::Asn);
            later_fields.insert(Field::Asn);
        }
        if signals.has(&SignalTest::Device) {
            first_fields.insert(Field::DeviceId);
            later_fields.insert(Field::DeviceId);
        }
        if !signals.risk_events.is_empty() {
            first_fields.insert(Field::RiskEvents);
            later_fields.insert(Field::RiskEvents);
            // Identity Protection detections join the pair, not the events as they are aggregated
            // (Splunk adds them after the per-session pass): an issuance or later condition on
            // risk_events would see the sign-in's own types only in one target and all in the other.
            for (which, cond) in [("issuance", &issuance), ("later", &later)] {
                let mut used = Vec::new();
                if let Some(c) = cond {
                    c.fields(&mut used);
                }
                if used.iter().any(|r| r.field == Field::RiskEvents) {
                    let when = if which == "issuance" {
                        &raw.issuance.value.when
                    } else {
                        &raw.later.value.when
                    };
                    self.err(
                        Diagnostic::error(
                            "E017",
                            format!("the {which} condition reads risk_events while `signals.risk_events` escalates on Identity Protection detections"),
                        )
                        .at(self.at(when))
                        .help("test risk_events on the pair instead (`where:`, a signal or a suppression with first./later.), where detections that arrive later are included"),
                    );
                }
            }
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
        for sig in &signals.list {
            if let SignalTest::When { cond } = &sig.test {
                cond.fields(&mut refs);
            }
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
                anchor: anchor?,
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
                list: Vec::new(),
                min_score: 0,
                asn_categories: Vec::new(),
                require_asn_category: false,
                risk_events: Vec::new(),
            });
        };
        let raw = &s.value;
        let flag = |f: &Option<Spanned<bool>>| f.as_ref().is_some_and(|b| b.value);
        let mut list = Vec::new();
        for (name, on, test, description) in [
            (
                "user_agent",
                flag(&raw.user_agent),
                SignalTest::UserAgent,
                "the client changed to another browser or to a scripted client (first-party apps such as Teams and Outlook share a session by design)",
            ),
            ("asn", flag(&raw.asn), SignalTest::Asn, "the ASN changed"),
            (
                "device",
                flag(&raw.device),
                SignalTest::Device,
                "the issuance had a device id and the later event does not carry it",
            ),
        ] {
            if on {
                list.push(Signal {
                    name: name.into(),
                    description: Some(description.into()),
                    weight: 1,
                    test,
                });
            }
        }
        for (name, w) in &raw.weights {
            let weight = self.weight(w)?;
            match list.iter_mut().find(|s| &s.name == name) {
                Some(s) => s.weight = weight,
                None => {
                    let known = ["user_agent", "asn", "device"];
                    let help = match did_you_mean(name, known) {
                        Some(k) if !list.iter().any(|s| s.name == k) => {
                            format!("did you mean `{k}`? It must also be switched on (`{k}: true`)")
                        }
                        Some(k) => format!("did you mean `{k}`?"),
                        None => "weights name switched-on built-in signals: user_agent, asn, device (give an extra signal its `weight:`)".into(),
                    };
                    self.err(
                        Diagnostic::error(
                            "E017",
                            format!("a weight for `{name}`, which is not a switched-on signal"),
                        )
                        .at(self.at(w))
                        .help(help),
                    );
                    return None;
                }
            }
        }
        for x in &raw.extra {
            let x = &x.value;
            let ok_name = !x.name.value.is_empty()
                && x.name.value.len() <= 64
                && x.name.value.starts_with(|c: char| c.is_ascii_lowercase())
                && x.name
                    .value
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok_name {
                self.err(
                    Diagnostic::error(
                        "E017",
                        format!("signal name `{}` is not snake_case", x.name.value),
                    )
                    .at(self.at(&x.name))
                    .help("name it like proxied_issuance: it becomes an output value"),
                );
            }
            if list.iter().any(|s| s.name == x.name.value) {
                self.err(
                    Diagnostic::error("E017", format!("two signals are named `{}`", x.name.value))
                        .at(self.at(&x.name))
                        .help("give each signal its own name"),
                );
            }
            let weight = match &x.weight {
                Some(w) => self.weight(w)?,
                None => 1,
            };
            let cond = self.condition(&x.when, Scope::Pair)?;
            list.push(Signal {
                name: x.name.value.clone(),
                description: x.description.as_ref().map(|d| d.value.trim().to_string()),
                weight,
                test: SignalTest::When { cond },
            });
        }
        let total: u32 = list.iter().map(|s| s.weight).sum();
        let asked = match (&raw.min_score, &raw.min_disagreements) {
            (Some(a), Some(_)) => {
                self.err(
                    Diagnostic::error("E017", "both min_score and min_disagreements")
                        .at(self.at(a))
                        .help("min_disagreements is the earlier name of min_score: keep one"),
                );
                return None;
            }
            (Some(m), None) | (None, Some(m)) => Some(m),
            (None, None) => None,
        };
        let min_score = match asked {
            None => total.min(2),
            Some(m) if m.value >= 1 && m.value <= i64::from(total) => m.value as u32,
            Some(m) => {
                self.err(
                    Diagnostic::error(
                        "E017",
                        format!(
                            "the pair must score {}, but the signals weigh {total} in all",
                            m.value
                        ),
                    )
                    .at(self.at(m))
                    .help("set min_score between 1 and the sum of the weights of the signals"),
                );
                return None;
            }
        };
        let mut signals = Signals {
            list,
            min_score,
            asn_categories: Vec::new(),
            require_asn_category: flag(&raw.require_asn_category),
            risk_events: Vec::new(),
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
        if !raw.asn_categories.is_empty() && !signals.has(&SignalTest::Asn) {
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

    /// A signal weight: 1 to 10.
    fn weight(&mut self, w: &Spanned<i64>) -> Option<u32> {
        if (1..=10).contains(&w.value) {
            return Some(w.value as u32);
        }
        self.err(
            Diagnostic::error("E017", format!("weight {} is outside 1..10", w.value))
                .at(self.at(w))
                .help("weigh a signal from 1 (a hint) to 10 (enough alone with min_score 10)"),
        );
        None
    }

    pub(super) fn suppressions(&mut self, scope: Scope) -> Vec<Suppression> {
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
                if super::trivial::always_true(&when) == Some(true) {
                    self.warnings.push(
                        Diagnostic::warning(
                            "W001",
                            format!(
                                "suppression `{}` can never be false: it drops everything",
                                name.value
                            ),
                        )
                        .at(self.at(&s.value.when))
                        .help("narrow it to what the benign case looks like, or remove it"),
                    );
                }
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
}
