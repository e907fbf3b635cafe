//! IR → plan: each signal, label, escalation and output column is decided here, once, for every target.

use super::{
    Anchor, Correlation, Entity, EntityKind, Escalation, Label, Output, OutputValue, Outputs,
    Pairing, Plan, Pred, Query, Risk, Role, Signal,
};
use crate::catalogue::{Field, Type};
use crate::expr::Side;
use crate::ir::{self, Detection, FieldRef, Logic};

/// The canonical name of the later ASN's category label.
const ASN_CATEGORY: &str = "later_asn_category";

pub fn lower(d: &Detection) -> Plan {
    let (query, outputs) = match &d.logic {
        Logic::Single { when } => (Query::Single { when: when.clone() }, single_outputs(d)),
        Logic::Correlation(c) => {
            let c = correlation(c);
            let outputs = correlation_outputs(&c);
            (Query::Correlation(Box::new(c)), outputs)
        }
    };
    Plan {
        meta: d.meta.clone(),
        schedule: d.schedule,
        lists: d.lists.clone(),
        ua_families: d.ua_families.clone(),
        fields: d.fields.clone(),
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

fn correlation(c: &ir::Correlation) -> Correlation {
    let s = &c.signals;
    let mut labels = Vec::new();
    if !s.asn_categories.is_empty() {
        labels.push(Label {
            name: ASN_CATEGORY.into(),
            field: later(Field::Asn),
            lists: s.asn_categories.clone(),
        });
    }
    let mut signals = Vec::new();
    if s.user_agent {
        signals.push(Signal {
            name: "user_agent".into(),
            column: "ua_disagrees".into(),
            description: "the user-agent family changed".into(),
            weight: 1,
            when: Pred::Differs {
                field: Field::UaFamily,
            },
        });
    }
    if s.asn {
        let differs = Pred::Differs { field: Field::Asn };
        signals.push(Signal {
            name: "asn".into(),
            column: "asn_disagrees".into(),
            description: "the ASN changed".into(),
            weight: 1,
            when: if s.require_asn_category {
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
            },
        });
    }
    if s.device {
        signals.push(Signal {
            name: "device".into(),
            column: "device_disagrees".into(),
            description: "the device id changed (a missing id on one side counts)".into(),
            weight: 1,
            when: Pred::Differs {
                field: Field::DeviceId,
            },
        });
    }
    let risk = (!s.risk_events.is_empty()).then(|| Risk {
        wanted: s.risk_events.clone(),
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
    // The tie-break key: the issuance's scalar values, in field order.
    let tie_break = c
        .first_fields
        .iter()
        .copied()
        .filter(|f| matches!(f.ty(), Type::String | Type::Ip | Type::Int))
        .collect();
    Correlation {
        key: c.key,
        issuance: c.issuance.clone(),
        later: c.later.clone(),
        pairing: Pairing {
            window: c.window,
            anchor: Anchor::Latest,
            tie_break,
        },
        first_fields: c.first_fields.clone(),
        later_fields: c.later_fields.clone(),
        labels,
        min_score: if signals.is_empty() {
            0
        } else {
            u32::from(s.min_disagreements)
        },
        signals,
        pair_filter: c.pair.clone(),
        suppressions: c.suppressions.clone(),
        risk,
        escalations,
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
        field_output("issuance_time".into(), first(Field::Time), Role::Detail),
        field_output("later_time".into(), later(Field::Time), Role::Detail),
    ];
    for &f in &c.first_fields {
        if f != Field::Time {
            columns.push(field_output(
                format!("first_{}", f.name()),
                first(f),
                Role::Detail,
            ));
        }
    }
    for &f in &c.later_fields {
        if !matches!(f, Field::Time | Field::User) {
            columns.push(field_output(
                format!("later_{}", f.name()),
                later(f),
                Role::Detail,
            ));
        }
    }
    let mut details = vec![key.to_string(), "issuance_time".into(), "later_time".into()];
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
        columns.push(output("disagreements", OutputValue::Score, Role::Detail));
        columns.push(output(
            "disagreeing_signals",
            OutputValue::Signals,
            Role::Detail,
        ));
        details.extend(["disagreements".into(), "disagreeing_signals".into()]);
    }
    details.extend(c.labels.iter().map(|l| l.name.clone()));
    if c.risk.is_some() {
        columns.push(output("risk_events", OutputValue::Risk, Role::Detail));
        details.push("risk_events".into());
    }
    columns.push(output("severity", OutputValue::Severity, Role::Severity));
    Outputs {
        columns,
        entities: vec![
            Entity {
                kind: EntityKind::Account,
                output: "user_principal_name".into(),
            },
            Entity {
                kind: EntityKind::Ip,
                output: "later_ip".into(),
            },
            Entity {
                kind: EntityKind::Ip,
                output: "first_ip".into(),
            },
        ],
        details,
        group_by: key.to_string(),
    }
}

fn single_outputs(d: &Detection) -> Outputs {
    let mut columns = vec![field_output(
        "time".into(),
        FieldRef {
            side: None,
            field: Field::Time,
        },
        Role::Time,
    )];
    for &f in d.fields.iter().filter(|f| **f != Field::Time) {
        let role = match f {
            Field::SessionId => Role::Key,
            Field::User => Role::Account,
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
    Outputs {
        columns,
        entities: vec![
            Entity {
                kind: EntityKind::Account,
                output: Field::User.name().into(),
            },
            Entity {
                kind: EntityKind::Ip,
                output: Field::Ip.name().into(),
            },
        ],
        details: vec![Field::SessionId.name().into(), Field::AppId.name().into()],
        group_by: Field::SessionId.name().into(),
    }
}
