//! What the evaluator records while it decides, when asked ([`super::trace`]): per event, whether the
//! run saw it and the tests it passed or failed; per use, every issuance it was weighed against; per
//! pair, each signal, the score, `where`, each suppression, risk and severity. `src/explain` turns a
//! trace into the stable output (human, JSON, HTML); this is the evaluator's own record, by position.

use std::collections::BTreeMap;

use crate::catalogue::Field;
use crate::events::{Timestamp, Val};
use crate::ir::{Cond, FieldRef, Severity};

use super::Alert;

/// One evaluation (the complete view, or one scheduled run) of a plan over events.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// The run this is, when it is one.
    pub run: Option<Run>,
    /// One record per input event, in input order.
    pub events: Vec<EventRecord>,
    /// Correlation rules: one record per use the aggregation kept, by session then time.
    pub pairs: Vec<PairRecord>,
    /// Single-event rules: one record per sign-in the run saw.
    pub matches: Vec<MatchRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub now: Timestamp,
    /// Rows whose SIEM stamp is after this are read.
    pub lookback_from: Timestamp,
    /// The run's new slice of ingestion time: `(start, end]`.
    pub slice: (Timestamp, Timestamp),
}

/// Whether the evaluation saw an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seen {
    #[default]
    Yes,
    /// Not ingested by the run's time (or no ingestion time at all).
    NotYetIngested,
    /// Stamped at or before the start of the run's lookback (or not stamped).
    OutsideLookback,
}

#[derive(Debug, Clone, Default)]
pub struct EventRecord {
    pub seen: Seen,
    /// A sign-in's values as the evaluator read them: the plan's fields, its user-agent family and
    /// class, and the risk types of the detections tied to it. Empty when unseen.
    pub values: BTreeMap<Field, Val>,
    /// Detection records (by input position) whose risk types joined this sign-in.
    pub detections: Vec<usize>,
    /// The issuance test (correlation rules), when the event reached it.
    pub issuance: Option<Test>,
    /// The use test (correlation rules), when the event reached it.
    pub later: Option<Test>,
    /// Why the aggregation left the event out of a side, or out of every session.
    pub dropped: Vec<Dropped>,
}

/// A condition's outcome and the leaf tests that decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub holds: bool,
    pub leaves: Vec<Leaf>,
}

/// One comparison of the rule language with the values it read.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// The comparison itself (never `and`, `or`, `not`).
    pub cond: Cond,
    /// Under an odd number of `not`s: the condition needed it to fail.
    pub negated: bool,
    /// The comparison's own outcome.
    pub held: bool,
    pub values: Vec<(FieldRef, Option<Val>)>,
    /// The list value or network that matched, for membership tests that held.
    pub entry: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Issuance,
    Use,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// The aggregation key is empty: the queries drop the row.
    EmptyKey,
    /// No sign-in time.
    NoTime,
    /// Identical on every packed field to another event of the side (kept once).
    Duplicate { side: Side, of: usize },
    /// Past what one session keeps of the side.
    BeyondCap { side: Side, cap: u32 },
}

#[derive(Debug, Clone)]
pub struct PairRecord {
    pub key: String,
    /// The use (input position).
    pub later: usize,
    /// Every issuance of the session, with what became of it for this use.
    pub candidates: Vec<Candidate>,
    /// The issuance the use was paired with.
    pub first: Option<usize>,
    /// The run's new slice completes the pair (always true in the complete view).
    pub new_in_run: bool,
    pub judged: Option<Judged>,
    /// What the evaluation returned for the pair.
    pub alert: Option<Alert>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub event: usize,
    pub fate: Fate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Chosen,
    /// At the same instant as the use, or after it.
    NotBefore,
    /// Further before the use than the window.
    OutsideWindow,
    /// Inside the window, but the anchor (`latest`) chose a more recent issuance.
    EarlierThanAnchor,
    /// Inside the window, but the anchor (`first`) chose an earlier issuance.
    LaterThanAnchor,
    /// At the chosen issuance's instant, with a smaller tie-break key.
    LostTieBreak,
    /// Left out of the session before pairing (a duplicate, or past the cap).
    Dropped(Dropped),
}

#[derive(Debug, Clone)]
pub struct Judged {
    /// Label name → the list holding the value.
    pub labels: BTreeMap<String, String>,
    /// Per signal of the plan, in order.
    pub signals: Vec<SignalRecord>,
    pub score: u32,
    pub min_score: u32,
    /// The rule's `where`, when it has one.
    pub pair_filter: Option<Test>,
    /// Per suppression of the plan, in order.
    pub suppressions: Vec<Test>,
    /// The wanted risk types found on either sign-in (detections included).
    pub risk: Vec<String>,
    /// Per escalation of the plan, in order: whether it raised the severity.
    pub escalations: Vec<bool>,
    pub severity: Severity,
    pub verdict: PairVerdict,
}

#[derive(Debug, Clone)]
pub struct SignalRecord {
    pub fired: bool,
    /// The rule's own comparisons inside the signal (`extra:` signals), with their values.
    pub leaves: Vec<Leaf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairVerdict {
    Alert,
    BelowScore,
    /// `where` does not hold.
    Filtered,
    Suppressed,
}

#[derive(Debug, Clone)]
pub struct MatchRecord {
    pub event: usize,
    /// The rule's `match`, without the suppressions.
    pub matched: Test,
    /// Per suppression, in order.
    pub suppressions: Vec<Test>,
    pub new_in_run: bool,
    pub alert: Option<Alert>,
}
