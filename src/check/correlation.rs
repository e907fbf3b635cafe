//! A correlation: its key and window, the issuance and later predicates, the signals and the
//! suppressions, and the fields each side carries through the aggregation.

use std::collections::BTreeSet;

use super::{cond::field_hint, is_kebab, Checker, Scope};
use crate::catalogue::{Field, Type};
use crate::diag::Diagnostic;
use crate::duration::Duration;
use crate::expr::Side;
use crate::ir::{Correlation, ListKind, Signals, Suppression};
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
