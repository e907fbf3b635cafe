//! IR → plan: each signal, label, escalation and output column is decided here, once, for every target.

use std::collections::BTreeSet;

use super::{
    Caps, Correlation, Entity, EntityKind, Escalation, Label, Output, OutputValue, Outputs,
    Pairing, Plan, Pred, Query, Risk, Role, Signal,
};
use crate::catalogue::Field;
use crate::expr::Side;
use crate::ir::{self, Cond, Detection, FieldRef, Logic, SignalTest, Value};

/// The canonical name of the later ASN's category label.
const ASN_CATEGORY: &str = "later_asn_category";

/// What an analyst needs of each side without querying again (besides what the logic reads).
const FIRST_CONTEXT: &[Field] = &[
    Field::Ip,
    Field::Asn,
    Field::UserAgent,
    Field::AppName,
    Field::CorrelationId,
    Field::TokenId,
];
const LATER_CONTEXT: &[Field] = &[
    Field::User,
    Field::UserId,
    Field::Ip,
    Field::Asn,
    Field::UserAgent,
    Field::AppId,
    Field::AppName,
    Field::CorrelationId,
    Field::TokenId,
];
const SINGLE_CONTEXT: &[Field] = &[
    Field::SessionId,
    Field::User,
    Field::UserId,
    Field::Ip,
    Field::Asn,
    Field::UserAgent,
    Field::AppId,
    Field::AppName,
    Field::CorrelationId,
    Field::TokenId,
];

/// Issuance values that break a tie between issuances at the same instant, in this order.
const TIE_BREAK: &[Field] = &[
    Field::Ip,
    Field::Asn,
    Field::UaFamily,
    Field::DeviceId,
    Field::TokenId,
];

/// Events one session keeps per side (docs/cost.md): far above a real session, low enough to bound memory.
const CAPS: Caps = Caps {
    issuances: 64,
    laters: 1024,
};

pub fn lower(d: &Detection) -> Plan {
    let mut fields: BTreeSet<Field> = d.fields.iter().copied().collect();
    // The lookback reads the SIEM's own stamp; each run emits what its new slice completes.
    fields.extend([Field::Time, Field::LogTime, Field::IngestionTime]);
    let mut tested = fields.clone();
    let (query, outputs) = match &d.logic {
        Logic::Single { when } => {
            fields.extend(SINGLE_CONTEXT);
            let outputs = single_outputs(&fields);
            (Query::Single { when: when.clone() }, outputs)
        }
        Logic::Correlation(c) => {
            let c = correlation(c, d.ua_families.as_ref());
            fields.extend(c.first_fields.iter().chain(&c.later_fields));
            if c.risk.as_ref().is_some_and(|r| r.detections) {
                fields.insert(Field::CorrelationId);
                tested.insert(Field::CorrelationId);
            }
            if c.signals.iter().any(|s| s.name == "user_agent") {
                tested.insert(Field::UaFamily);
            }
            let outputs = correlation_outputs(&c);
            (Query::Correlation(Box::new(c)), outputs)
        }
    };
    if fields.iter().any(|f| f.is_derived()) {
        fields.insert(Field::UserAgent);
        fields.insert(Field::UaFamily);
    }
    if tested.iter().any(|f| f.is_derived()) {
        tested.insert(Field::UserAgent);
    }
    let context_fields = fields.difference(&tested).copied().collect();
    Plan {
        meta: d.meta.clone(),
        schedule: d.schedule,
        lists: d.lists.clone(),
        ua_families: d.ua_families.clone(),
        fields: fields.into_iter().collect(),
        context_fields,
        query,
        outputs,
        tests: d.tests.clone(),
    }
}

fn first(field: Field) -> FieldRef {
    FieldRef {
        side: Some(Side::First),
        field,
    }
}

fn later(field: Field) -> FieldRef {
    FieldRef {
        side: Some(Side::Later),
        field,
    }
}

fn correlation(c: &ir::Correlation, ua: Option<&ir::UaTable>) -> Correlation {
    let s = &c.signals;
    let mut labels = Vec::new();
    if !s.asn_categories.is_empty() {
        labels.push(Label {
            name: ASN_CATEGORY.into(),
            field: later(Field::Asn),
            lists: s.asn_categories.clone(),
        });
    }
    let signals: Vec<Signal> = s
        .list
        .iter()
        .map(|sig| Signal {
            name: sig.name.clone(),
            column: format!("signal_{}", sig.name),
            description: sig.description.clone().unwrap_or_default(),
            weight: sig.weight,
            when: signal_pred(&sig.test, s.require_asn_category, ua),
        })
        .collect();
    let risk = (!s.risk_events.is_empty()).then(|| Risk {
        wanted: s.risk_events.clone(),
        detections: true,
    });
    let mut escalations = Vec::new();
    if !labels.is_empty() {
        escalations.push(Escalation {
            reason: format!("the later ASN is in {}", s.asn_categories.join(", ")),
            when: Pred::Labelled {
                label: ASN_CATEGORY.into(),
            },
        });
    }
    if risk.is_some() {
        escalations.push(Escalation {
            reason: "Identity Protection flagged either sign-in".into(),
            when: Pred::RiskFound,
        });
    }
    let mut first_fields: BTreeSet<Field> = c.first_fields.iter().copied().collect();
    let mut later_fields: BTreeSet<Field> = c.later_fields.iter().copied().collect();
    first_fields.extend(FIRST_CONTEXT);
    later_fields.extend(LATER_CONTEXT);
    first_fields.extend([Field::Time, Field::IngestionTime]);
    later_fields.extend([Field::Time, Field::IngestionTime]);
    if risk.is_some() {
        first_fields.insert(Field::RiskEvents);
        later_fields.insert(Field::RiskEvents);
    }
    let tie_break = TIE_BREAK
        .iter()
        .copied()
        .filter(|f| first_fields.contains(f))
        .collect();
    Correlation {
        key: c.key,
        issuance_prefilter: prefilter(&c.issuance),
        issuance: c.issuance.clone(),
        later: c.later.clone(),
        pairing: Pairing {
            window: c.window,
            anchor: c.anchor,
            tie_break,
        },
        first_fields: first_fields.into_iter().collect(),
        later_fields: later_fields.into_iter().collect(),
        labels,
        min_score: if signals.is_empty() { 0 } else { s.min_score },
        signals,
        pair_filter: c.pair.clone(),
        suppressions: c.suppressions.clone(),
        risk,
        escalations,
        caps: CAPS,
    }
}

/// A condition relaxed to what can be tested without the costly fields: implied by the original.
enum Relaxed {
    True,
    False,
    Cond(Cond),
}

fn costly(f: FieldRef) -> bool {
    f.field.is_per_step()
}

fn relax(c: &Cond, positive: bool) -> Relaxed {
    match c {
        Cond::And { all } => {
            let mut kept = Vec::new();
            for c in all {
                match relax(c, positive) {
                    Relaxed::False => return Relaxed::False,
                    Relaxed::True => {}
                    Relaxed::Cond(x) => kept.push(x),
                }
            }
            match kept.len() {
                0 => Relaxed::True,
                1 => Relaxed::Cond(kept.remove(0)),
                _ => Relaxed::Cond(Cond::And { all: kept }),
            }
        }
        Cond::Or { any } => {
            let mut kept = Vec::new();
            for c in any {
                match relax(c, positive) {
                    Relaxed::True => return Relaxed::True,
                    Relaxed::False => {}
                    Relaxed::Cond(x) => kept.push(x),
                }
            }
            match kept.len() {
                0 => Relaxed::False,
                1 => Relaxed::Cond(kept.remove(0)),
                _ => Relaxed::Cond(Cond::Or { any: kept }),
            }
        }
        Cond::Not { cond } => match relax(cond, !positive) {
            Relaxed::True => Relaxed::False,
            Relaxed::False => Relaxed::True,
            Relaxed::Cond(x) => Relaxed::Cond(Cond::Not { cond: Box::new(x) }),
        },
        atom => {
            let mut refs = Vec::new();
            atom.fields(&mut refs);
            if refs.into_iter().any(costly) {
                // Unknown without the costly field: the weakest value in this position.
                if positive {
                    Relaxed::True
                } else {
                    Relaxed::False
                }
            } else {
                Relaxed::Cond(atom.clone())
            }
        }
    }
}

/// The issuance's cheap part, when it reads a per-step field at all.
fn prefilter(issuance: &Cond) -> Option<Cond> {
    let mut refs = Vec::new();
    issuance.fields(&mut refs);
    if !refs.into_iter().any(costly) {
        return None;
    }
    match relax(issuance, true) {
        Relaxed::Cond(c) => Some(c),
        // Nothing cheap to test first: the whole table is read, as without a prefilter.
        Relaxed::True | Relaxed::False => None,
    }
}

/// The built-in signals' tests (docs/semantics.md), and a rule's own condition.
fn signal_pred(test: &SignalTest, require_asn_category: bool, ua: Option<&ir::UaTable>) -> Pred {
    let eq = |field: FieldRef, v: &str| Pred::Cond {
        cond: Cond::Eq {
            field,
            value: Value::Str(v.into()),
        },
    };
    let not = |p: Pred| Pred::Not { pred: Box::new(p) };
    match test {
        // A different browser, or a scripted client; first-party apps share the session by design.
        // (The client families are named from the table, so queries need no class column.)
        SignalTest::UserAgent => {
            let clients: Vec<Value> = ua
                .iter()
                .flat_map(|t| &t.families)
                .filter(|f| f.class == "client")
                .map(|f| Value::Str(f.name.clone()))
                .collect();
            let mut all = vec![Pred::Differs {
                field: Field::UaFamily,
            }];
            if !clients.is_empty() {
                all.push(not(Pred::Cond {
                    cond: Cond::InValues {
                        field: later(Field::UaFamily),
                        values: clients,
                    },
                }));
            }
            Pred::All { all }
        }
        SignalTest::Asn => {
            let differs = Pred::Differs { field: Field::Asn };
            if require_asn_category {
                Pred::All {
                    all: vec![
                        differs,
                        Pred::Labelled {
                            label: ASN_CATEGORY.into(),
                        },
                    ],
                }
            } else {
                differs
            }
        }
        // Only an issuance that carried a device id can be contradicted by one that does not.
        SignalTest::Device => Pred::All {
            all: vec![
                not(eq(first(Field::DeviceId), "")),
                Pred::Differs {
                    field: Field::DeviceId,
                },
            ],
        },
        SignalTest::When { cond } => Pred::Cond { cond: cond.clone() },
    }
}

fn output(name: &str, value: OutputValue, role: Role) -> Output {
    Output {
        name: name.to_string(),
        value,
        role,
    }
}

fn field_output(name: String, field: FieldRef, role: Role) -> Output {
    Output {
        name,
        value: OutputValue::Field { field },
        role,
    }
}

fn correlation_outputs(c: &Correlation) -> Outputs {
    let key = c.key.name();
    let mut columns = vec![
        field_output("time".into(), later(Field::Time), Role::Time),
        field_output(
            key.into(),
            FieldRef {
                side: None,
                field: c.key,
            },
            Role::Key,
        ),
        field_output(
            "user_principal_name".into(),
            later(Field::User),
            Role::Account,
        ),
        field_output("user_id".into(), later(Field::UserId), Role::AccountId),
        field_output("issuance_time".into(), first(Field::Time), Role::Detail),
        field_output("later_time".into(), later(Field::Time), Role::Detail),
    ];
    let shown = |f: &Field| {
        !matches!(
            f,
            Field::Time | Field::IngestionTime | Field::LogTime | Field::User | Field::UserId
        )
    };
    for &f in c.first_fields.iter().filter(|f| shown(f)) {
        columns.push(field_output(
            format!("first_{}", f.name()),
            first(f),
            Role::Detail,
        ));
    }
    for &f in c.later_fields.iter().filter(|f| shown(f)) {
        columns.push(field_output(
            format!("later_{}", f.name()),
            later(f),
            Role::Detail,
        ));
    }
    for l in &c.labels {
        columns.push(output(
            &l.name,
            OutputValue::Label {
                label: l.name.clone(),
            },
            Role::Detail,
        ));
    }
    if !c.signals.is_empty() {
        columns.push(output("score", OutputValue::Score, Role::Detail));
        columns.push(output("signals", OutputValue::Signals, Role::Detail));
    }
    if c.risk.is_some() {
        columns.push(output("risk_events", OutputValue::Risk, Role::Detail));
    }
    columns.push(output("truncated", OutputValue::Truncated, Role::Detail));
    columns.push(output("severity", OutputValue::Severity, Role::Severity));
    // Alert details: what triage needs first; Sentinel keeps at most 20.
    let mut details: Vec<String> = [
        key,
        "issuance_time",
        "later_time",
        "first_ip",
        "later_ip",
        "first_asn",
        "later_asn",
        "first_user_agent",
        "later_user_agent",
        "first_app_name",
        "later_app_name",
        "first_token_id",
        "later_token_id",
        "first_correlation_id",
        "later_correlation_id",
        "score",
        "signals",
        ASN_CATEGORY,
        "risk_events",
    ]
    .iter()
    .filter(|n| columns.iter().any(|o| o.name == **n))
    .map(|n| n.to_string())
    .collect();
    details.truncate(20);
    Outputs {
        columns,
        entities: vec![
            Entity {
                kind: EntityKind::Account,
                output: "user_principal_name".into(),
                id_output: Some("user_id".into()),
            },
            Entity {
                kind: EntityKind::Ip,
                output: "later_ip".into(),
                id_output: None,
            },
            Entity {
                kind: EntityKind::Ip,
                output: "first_ip".into(),
                id_output: None,
            },
        ],
        details,
        group_by: key.to_string(),
    }
}

fn single_outputs(fields: &BTreeSet<Field>) -> Outputs {
    let mut columns = vec![field_output(
        "time".into(),
        FieldRef {
            side: None,
            field: Field::Time,
        },
        Role::Time,
    )];
    for &f in fields
        .iter()
        .filter(|f| !matches!(f, Field::Time | Field::LogTime | Field::IngestionTime))
    {
        let role = match f {
            Field::SessionId => Role::Key,
            Field::User => Role::Account,
            Field::UserId => Role::AccountId,
            _ => Role::Detail,
        };
        columns.push(field_output(
            f.name().into(),
            FieldRef {
                side: None,
                field: f,
            },
            role,
        ));
    }
    columns.push(output("severity", OutputValue::Severity, Role::Severity));
    let details = [
        Field::SessionId,
        Field::AppId,
        Field::AppName,
        Field::UserAgent,
        Field::Asn,
        Field::CorrelationId,
        Field::TokenId,
    ]
    .iter()
    .filter(|f| fields.contains(f))
    .map(|f| f.name().to_string())
    .collect();
    Outputs {
        columns,
        entities: vec![
            Entity {
                kind: EntityKind::Account,
                output: Field::User.name().into(),
                id_output: Some(Field::UserId.name().into()),
            },
            Entity {
                kind: EntityKind::Ip,
                output: Field::Ip.name().into(),
                id_output: None,
            },
        ],
        details,
        group_by: Field::SessionId.name().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(field: Field, v: &str) -> Cond {
        Cond::Eq {
            field: FieldRef { side: None, field },
            value: Value::Str(v.into()),
        }
    }

    #[test]
    fn the_prefilter_keeps_the_cheap_tests_and_is_implied_by_the_issuance() {
        let issuance = Cond::And {
            all: vec![
                atom(Field::Result, "0"),
                atom(Field::AuthStepResults, "MFA successfully completed"),
            ],
        };
        assert_eq!(prefilter(&issuance), Some(atom(Field::Result, "0")));
        // Under `not`, a costly test relaxes to false: `not (steps or x)` keeps `not x`.
        let negated = Cond::Not {
            cond: Box::new(Cond::Or {
                any: vec![atom(Field::AuthMethods, "x"), atom(Field::AppId, "a")],
            }),
        };
        assert_eq!(
            prefilter(&negated),
            Some(Cond::Not {
                cond: Box::new(atom(Field::AppId, "a"))
            })
        );
        assert_eq!(prefilter(&atom(Field::Result, "0")), None);
        assert_eq!(prefilter(&atom(Field::AuthMethods, "x")), None);
    }
}
