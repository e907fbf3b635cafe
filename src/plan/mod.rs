//! The target-neutral plan: what a detection's query computes, before any target renders it. The event
//! filters, the per-session aggregation and its pairing, each signal with its weight, the labels,
//! suppressions and escalations, and the output columns with their roles. Both backends render a plan
//! and the evaluator runs it, so `tokenward test` exercises what is compiled. `build --emit plan` dumps it.

mod lower;

pub use lower::lower;

use serde::Serialize;

use crate::catalogue::Field;
use crate::duration::Duration;
pub use crate::ir::Anchor;
use crate::ir::{Cond, FieldRef, List, Meta, Schedule, Suppression, TestCase, UaTable};

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    #[serde(flatten)]
    pub meta: Meta,
    pub schedule: Schedule,
    /// Every list the query reads, sorted by name.
    pub lists: Vec<List>,
    /// The user-agent family table, when a family is read.
    pub ua_families: Option<UaTable>,
    /// Every canonical field read from the events, sorted.
    pub fields: Vec<Field>,
    /// The fields read only to show in the alert (triage context), never tested: without them an alert
    /// loses context, not its logic (`check-fields` reports them apart).
    pub context_fields: Vec<Field>,
    pub query: Query,
    pub outputs: Outputs,
    /// The rule's own test cases (`tokenward test`).
    #[serde(skip)]
    pub tests: Vec<TestCase>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Query {
    /// One event at a time: the events that satisfy `when` (the rule's `match` and not any
    /// suppression, [`crate::ir::single_when`]). The suppressions are kept by name for explanations.
    Single {
        when: Cond,
        #[serde(skip)]
        suppressions: Vec<Suppression>,
    },
    /// Two events of one session, one aggregation pass per session.
    Correlation(Box<Correlation>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Correlation {
    /// The aggregation key (one group per value; an empty key is never grouped).
    pub key: Field,
    /// Events that open the window (issuance).
    pub issuance: Cond,
    /// A cheaper condition every issuance meets (the issuance with its tests on per-step
    /// authenticationDetails fields relaxed away). Only the keys of events that pass it and then the full
    /// issuance are read further, so a big tenant's later events are read for those sessions alone.
    /// `None` when the issuance reads no per-step field.
    pub issuance_prefilter: Option<Cond>,
    /// Events that use what was issued (later events).
    pub later: Cond,
    pub pairing: Pairing,
    /// Fields each issuance carries through the aggregation (always `time`).
    pub first_fields: Vec<Field>,
    /// Fields each later event carries through the aggregation (always `time`).
    pub later_fields: Vec<Field>,
    /// Per-pair labels: the first list holding a value, else empty.
    pub labels: Vec<Label>,
    /// Signals, each adding its weight to the pair's score when it holds.
    pub signals: Vec<Signal>,
    /// The score a pair needs (0 when there are no signals).
    pub min_score: u32,
    /// The rule's own condition over the pair (`where`).
    pub pair_filter: Option<Cond>,
    /// A pair matching any of these is dropped.
    pub suppressions: Vec<Suppression>,
    /// Risk event types that raise severity when either event carries one.
    pub risk: Option<Risk>,
    /// Any of these raises the severity one step.
    pub escalations: Vec<Escalation>,
    /// How many events of each side one key keeps; beyond, the `truncated` output says so.
    pub caps: Caps,
}

/// Bounds on what one aggregation group holds (docs/cost.md).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Caps {
    pub issuances: u32,
    pub laters: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pairing {
    /// The later event must follow the issuance by more than zero and at most this.
    pub window: Duration,
    pub anchor: Anchor,
    /// Issuance fields joined into the tie-break key, in this order; the larger key wins.
    pub tie_break: Vec<Field>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Label {
    /// The output column's canonical name, e.g. `later_asn_category`.
    pub name: String,
    pub field: FieldRef,
    /// Tried in order; the first list holding the value names the label.
    pub lists: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Signal {
    /// What the alert calls it (`disagreeing_signals`).
    pub name: String,
    /// The canonical name of the column that holds whether it fired.
    pub column: String,
    pub description: String,
    pub weight: u32,
    pub when: Pred,
}

#[derive(Debug, Clone, Serialize)]
pub struct Risk {
    pub wanted: Vec<String>,
    /// Also read Identity Protection's detections (a table or category each profile names), tied to the
    /// sign-ins by `correlation_id`; where the SIEM has none, the rule still runs.
    pub detections: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Escalation {
    pub reason: String,
    pub when: Pred,
}

/// A test over a pair: the conditions of the rule language plus what the plan itself computes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Pred {
    All {
        all: Vec<Pred>,
    },
    Any {
        any: Vec<Pred>,
    },
    Not {
        pred: Box<Pred>,
    },
    /// A condition of the rule language over `first.` / `later.` fields.
    Cond {
        cond: Cond,
    },
    /// The field differs between the two events. Strings: a missing value is the empty string, so a
    /// value on one side only differs. Integers: both must be known.
    Differs {
        field: Field,
    },
    /// The label has a value.
    Labelled {
        label: String,
    },
    /// At least one wanted risk event was found.
    RiskFound,
}

/// The result columns, in order, and what deployments make of them.
#[derive(Debug, Clone, Serialize)]
pub struct Outputs {
    pub columns: Vec<Output>,
    /// Entity mappings (Sentinel) and risk/threat objects (Splunk), by output name, in order.
    pub entities: Vec<Entity>,
    /// Output names shown as alert details.
    pub details: Vec<String>,
    /// The output alerts are grouped or throttled by.
    pub group_by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Output {
    /// Canonical column name; each target spells it its own way.
    pub name: String,
    pub value: OutputValue,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutputValue {
    Field {
        field: FieldRef,
    },
    Label {
        label: String,
    },
    /// The sum of the weights of the signals that fired.
    Score,
    /// True when a key held more events of a side than the caps keep.
    Truncated,
    /// The names of the signals that fired.
    Signals,
    /// The wanted risk events found on either event.
    Risk,
    Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The alert's timestamp.
    Time,
    /// The aggregation key.
    Key,
    /// The account the alert is about (user principal name).
    Account,
    /// The account's object id.
    AccountId,
    Detail,
    Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Account,
    Ip,
}

/// An entity of the alert, by the outputs that identify it.
#[derive(Debug, Clone, Serialize)]
pub struct Entity {
    pub kind: EntityKind,
    /// The output holding its main identifier (a user principal name, an address).
    pub output: String,
    /// For accounts: the output holding the object id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_output: Option<String>,
}

impl Plan {
    /// The user-agent classes the query computes, each with the families in it, in the table's class
    /// order; `other` is left out (every backend makes it the fallback). `None` when no rule reads the
    /// class.
    pub fn ua_classes(&self) -> Option<Vec<(&'static str, Vec<&str>)>> {
        if !self.fields.contains(&Field::UaClass) {
            return None;
        }
        let table = self.ua_families.as_ref()?;
        Some(
            crate::lists::UA_CLASSES
                .iter()
                .filter(|&&class| class != "other")
                .map(|&class| {
                    let names = table
                        .families
                        .iter()
                        .filter(|f| f.class == class)
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>();
                    (class, names)
                })
                .filter(|(_, names)| !names.is_empty())
                .collect(),
        )
    }

    pub fn correlation(&self) -> Option<&Correlation> {
        match &self.query {
            Query::Correlation(c) => Some(c),
            Query::Single { .. } => None,
        }
    }

    pub fn output(&self, name: &str) -> Option<&Output> {
        self.outputs.columns.iter().find(|o| o.name == name)
    }

    /// The first output with this role.
    pub fn output_with(&self, role: Role) -> Option<&Output> {
        self.outputs.columns.iter().find(|o| o.role == role)
    }

    /// The outputs behind the entities of one kind, in order.
    pub fn entities(&self, kind: EntityKind) -> impl Iterator<Item = &Output> {
        self.outputs
            .entities
            .iter()
            .filter(move |e| e.kind == kind)
            .filter_map(|e| self.output(&e.output))
    }
}

impl Pred {
    /// Every field the predicate reads.
    pub fn fields(&self, out: &mut Vec<FieldRef>) {
        match self {
            Pred::All { all: v } | Pred::Any { any: v } => v.iter().for_each(|p| p.fields(out)),
            Pred::Not { pred } => pred.fields(out),
            Pred::Cond { cond } => cond.fields(out),
            Pred::Differs { field } => {
                for side in [crate::expr::Side::First, crate::expr::Side::Later] {
                    out.push(FieldRef {
                        side: Some(side),
                        field: *field,
                    });
                }
            }
            Pred::Labelled { .. } | Pred::RiskFound => {}
        }
    }

    /// Every list the predicate reads.
    pub fn lists(&self, out: &mut Vec<String>) {
        match self {
            Pred::All { all: v } | Pred::Any { any: v } => v.iter().for_each(|p| p.lists(out)),
            Pred::Not { pred } => pred.lists(out),
            Pred::Cond { cond } => cond.lists(out),
            Pred::Differs { .. } | Pred::Labelled { .. } | Pred::RiskFound => {}
        }
    }
}

impl Correlation {
    /// The fields every packed event carries: both sides' fields (so identical events are one event
    /// whichever side they are on, in every target and in the evaluator).
    pub fn packed_fields(&self) -> Vec<Field> {
        let mut all: Vec<Field> = self
            .first_fields
            .iter()
            .chain(&self.later_fields)
            .copied()
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// The paired fields the query tests after pairing (labels, signals, `where`, suppressions, risk);
    /// the others are only shown.
    pub fn tested_fields(&self) -> Vec<FieldRef> {
        let mut out = Vec::new();
        for l in &self.labels {
            out.push(l.field);
        }
        for s in &self.signals {
            s.when.fields(&mut out);
        }
        if let Some(p) = &self.pair_filter {
            p.fields(&mut out);
        }
        for s in &self.suppressions {
            s.when.fields(&mut out);
        }
        if self.risk.is_some() {
            for side in [crate::expr::Side::First, crate::expr::Side::Later] {
                out.push(FieldRef {
                    side: Some(side),
                    field: Field::RiskEvents,
                });
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The fields each side shows.
    pub fn side_fields(&self, side: crate::expr::Side) -> &[Field] {
        match side {
            crate::expr::Side::First => &self.first_fields,
            crate::expr::Side::Later => &self.later_fields,
        }
    }
}
