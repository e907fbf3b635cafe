//! The target-neutral IR: what the compiler understood of a detection, before any template runs.
//! It derives `Serialize` so `tokenward build --emit ir` can dump it and tests can snapshot it.

use serde::Serialize;

use crate::catalogue::Field;
use crate::duration::Duration;
use crate::expr::Side;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [(&'static str, Severity); 4] = [
        ("informational", Severity::Informational),
        ("low", Severity::Low),
        ("medium", Severity::Medium),
        ("high", Severity::High),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("medium", |(n, _)| n)
    }

    /// One step up, for escalations; `high` stays `high`.
    pub fn raised(self) -> Severity {
        match self {
            Severity::Informational => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium | Severity::High => Severity::High,
        }
    }
}

/// What a detection says about itself: carried into every output's header and deployment object.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub status: String,
    pub author: Option<String>,
    pub attack: Vec<String>,
    /// Where each `attack` entry is written in the rule file (for errors raised while publishing).
    #[serde(skip)]
    pub attack_at: Vec<crate::diag::Span>,
    pub controls: Vec<String>,
    pub references: Vec<String>,
    /// The source file, relative as given on the command line.
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    #[serde(flatten)]
    pub meta: Meta,
    pub schedule: Schedule,
    pub logic: Logic,
    /// Every list the logic references, sorted by name.
    pub lists: Vec<List>,
    /// Present when `ua_family` is used anywhere (signals included).
    pub ua_families: Option<UaTable>,
    /// Every canonical field the compiled query reads, sorted.
    pub fields: Vec<Field>,
    /// The rule's own test cases (`tokenward test`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestCase>,
    /// What the checks found questionable but not wrong (W-codes); printed, never fatal.
    #[serde(skip)]
    pub warnings: Vec<crate::diag::Diagnostic>,
}

/// The shape of an exported events file, told by its name (`*.sentinel.json`, `*.splunk.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventShape {
    /// Log Analytics rows: the sign-in tables' own column names.
    Sentinel,
    /// Splunk events: search exports with flattened `properties.*` fields, or raw Azure Monitor records.
    Splunk,
}

impl EventShape {
    pub const ALL: [(&'static str, EventShape); 2] = [
        ("sentinel", EventShape::Sentinel),
        ("splunk", EventShape::Splunk),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("?", |(n, _)| n)
    }

    /// The shape an events file's name declares: `x.sentinel.json` → Sentinel.
    pub fn of_file(name: &str) -> Option<EventShape> {
        Self::ALL
            .iter()
            .find(|(n, _)| name.contains(&format!(".{n}.")))
            .map(|(_, s)| *s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TestCase {
    pub name: String,
    /// Event files (as resolved from the rule's folder) and the shape each is in.
    pub events: Vec<(String, EventShape)>,
    pub expect_alert: bool,
    pub sessions: Vec<String>,
    pub reason: String,
    pub missing_fields: Vec<Field>,
    /// The severity every alert must have, when the test says.
    pub severity: Option<Severity>,
    /// The signals every alert must show, sorted, when the test says.
    pub signals: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Schedule {
    /// How often the query runs.
    pub every: Duration,
    /// How late sign-in events may arrive.
    pub ingestion_delay: Duration,
    /// How far back the query reads: window + every + ingestion delay (single-event: every + delay).
    pub lookback: Duration,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Logic {
    /// One event at a time. `when` is the rule's `match` and `not` each suppression ([`single_when`]);
    /// the suppressions are kept by name too, for explanations (not serialized: `when` says it all).
    Single {
        when: Cond,
        #[serde(skip)]
        suppressions: Vec<Suppression>,
    },
    /// Two events of one session: an issuance and a later event within the window.
    Correlation(Box<Correlation>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Correlation {
    pub key: Field,
    pub window: Duration,
    pub anchor: Anchor,
    pub issuance: Cond,
    pub later: Cond,
    pub pair: Option<Cond>,
    pub signals: Signals,
    pub suppressions: Vec<Suppression>,
    /// Fields each side must carry through the aggregation (always includes `time`).
    pub first_fields: Vec<Field>,
    pub later_fields: Vec<Field>,
}

/// Which issuance in the window a later event is paired with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The most recent issuance before the later event.
    Latest,
    /// The earliest issuance still within the window.
    First,
}

impl Anchor {
    pub const ALL: [(&'static str, Anchor); 2] =
        [("latest", Anchor::Latest), ("first", Anchor::First)];
}

#[derive(Debug, Clone, Serialize)]
pub struct Signals {
    /// The built-in signals switched on, then the rule's own, in that order.
    pub list: Vec<Signal>,
    /// The score a pair needs: the sum of the weights of the signals that hold.
    pub min_score: u32,
    /// ASN lists that label the later ASN's category and raise severity.
    pub asn_categories: Vec<String>,
    /// When true an ASN change counts only if the later ASN is in a category.
    pub require_asn_category: bool,
    /// Identity Protection risk events that raise severity when either event carries one.
    pub risk_events: Vec<String>,
}

impl Signals {
    pub fn has(&self, t: &SignalTest) -> bool {
        self.list.iter().any(|s| &s.test == t)
    }

    pub fn total_weight(&self) -> u32 {
        self.list.iter().map(|s| s.weight).sum()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Signal {
    pub name: String,
    pub description: Option<String>,
    pub weight: u32,
    pub test: SignalTest,
}

/// What a signal tests: one of the built-ins, whose semantics docs/semantics.md fixes, or a condition
/// over the pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignalTest {
    UserAgent,
    Asn,
    Device,
    When { cond: Cond },
}

#[derive(Debug, Clone, Serialize)]
pub struct Suppression {
    pub name: String,
    pub description: Option<String>,
    pub when: Cond,
}

/// A field of one event; `event` is `None` in single-event logic and issuance/later predicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FieldRef {
    pub side: Option<Side>,
    pub field: Field,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextOp {
    Contains,
    StartsWith,
    EndsWith,
}

/// A typed, resolved condition. Negations (`!=`, `!in`) are `Not` of the positive test, so a missing
/// value makes `==`/`in` false and `!=`/`!in` true in every target.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Cond {
    And {
        all: Vec<Cond>,
    },
    Or {
        any: Vec<Cond>,
    },
    Not {
        cond: Box<Cond>,
    },
    /// A boolean field is true.
    IsTrue {
        field: FieldRef,
    },
    /// Field equals a literal (for list fields: any value equals it).
    Eq {
        field: FieldRef,
        value: Value,
    },
    /// Two fields are equal (both present and equal).
    FieldEq {
        left: FieldRef,
        right: FieldRef,
    },
    /// Field is one of the literal values (list fields: any value is).
    InValues {
        field: FieldRef,
        values: Vec<Value>,
    },
    /// Field is in a named list (inline or external).
    InList {
        field: FieldRef,
        list: String,
    },
    /// IP field falls in one of the CIDRs of a named list.
    InCidrList {
        field: FieldRef,
        list: String,
    },
    /// IP field falls in one of the literal CIDRs.
    InCidrs {
        field: FieldRef,
        cidrs: Vec<ipnet::IpNet>,
    },
    /// Case-insensitive substring / prefix / suffix test.
    Text {
        field: FieldRef,
        test: TextOp,
        value: String,
    },
}

/// A single-event rule's filter: its `match` and not any suppression.
pub fn single_when(matched: Cond, suppressions: &[Suppression]) -> Cond {
    if suppressions.is_empty() {
        return matched;
    }
    Cond::And {
        all: std::iter::once(matched)
            .chain(suppressions.iter().map(|s| Cond::Not {
                cond: Box::new(s.when.clone()),
            }))
            .collect(),
    }
}

/// The `match` of a filter [`single_when`] built with these suppressions.
pub fn single_match<'c>(when: &'c Cond, suppressions: &[Suppression]) -> &'c Cond {
    match when {
        Cond::And { all } if !suppressions.is_empty() && all.len() == suppressions.len() + 1 => {
            &all[0]
        }
        _ => when,
    }
}

impl Cond {
    /// Every field reference in the condition, in order of appearance.
    pub fn fields(&self, out: &mut Vec<FieldRef>) {
        match self {
            Cond::And { all: v } | Cond::Or { any: v } => v.iter().for_each(|c| c.fields(out)),
            Cond::Not { cond } => cond.fields(out),
            Cond::FieldEq { left, right } => {
                out.push(*left);
                out.push(*right);
            }
            Cond::IsTrue { field }
            | Cond::Eq { field, .. }
            | Cond::InValues { field, .. }
            | Cond::InList { field, .. }
            | Cond::InCidrList { field, .. }
            | Cond::InCidrs { field, .. }
            | Cond::Text { field, .. } => out.push(*field),
        }
    }

    /// Every named list the condition reads.
    pub fn lists(&self, out: &mut Vec<String>) {
        match self {
            Cond::And { all: v } | Cond::Or { any: v } => v.iter().for_each(|c| c.lists(out)),
            Cond::Not { cond } => cond.lists(out),
            Cond::InList { list, .. } | Cond::InCidrList { list, .. } => out.push(list.clone()),
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Asn,
    Cidr,
    AppId,
    String,
}

impl ListKind {
    pub const ALL: [(&'static str, ListKind); 4] = [
        ("asn", ListKind::Asn),
        ("cidr", ListKind::Cidr),
        ("app_id", ListKind::AppId),
        ("string", ListKind::String),
    ];
}

#[derive(Debug, Clone, Serialize)]
pub struct List {
    /// The name rules use; also the base of the SIEM object names.
    pub name: String,
    pub kind: ListKind,
    pub description: Option<String>,
    pub sources: Vec<String>,
    /// Where it was defined (a list file, or the rule).
    pub origin: String,
    /// Inline values, sorted and de-duplicated; strings for every kind but `asn`.
    pub values: Vec<Value>,
    /// A `cidr` list's values, parsed once (the evaluator tests addresses against these).
    #[serde(skip)]
    pub networks: Vec<ipnet::IpNet>,
    pub external: Option<External>,
}

#[derive(Debug, Clone, Serialize)]
pub struct External {
    /// Sentinel watchlist alias, read with `_GetWatchlist()` (its `SearchKey` column).
    pub watchlist: String,
    /// Splunk lookup name (a lookup definition in transforms.conf).
    pub lookup: String,
    /// Column of the lookup holding the values.
    pub lookup_field: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UaTable {
    pub default: String,
    pub families: Vec<UaFamily>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UaFamily {
    pub name: String,
    /// browser, client, scripted or other (`ua_class`); the default family is of class `other`.
    pub class: String,
    /// Case-insensitive substrings; the first family with a match wins.
    pub match_any: Vec<String>,
}

/// A character no string value may hold, and why: what both targets can carry as data is decided here.
/// A backtick is refused because Splunk expands `macros` in a search's text before it parses it, and
/// whether one inside a quoted value stays data depends on the expander's quote tracking; NUL and
/// carriage returns because neither target's literals nor savedsearches.conf lines carry them; other
/// control characters (except newline and tab) because they are invisible in review.
pub fn refused_char(s: &str) -> Option<(char, &'static str)> {
    if s.contains("\\\n") {
        return Some((
            '\\',
            "a backslash at the end of a line (savedsearches.conf reads it as a line continuation)",
        ));
    }
    s.chars().find_map(|c| match c {
        '`' => Some((
            c,
            "a backtick (Splunk expands `macros` in a search's text before it parses it)",
        )),
        '\0' => Some((c, "a NUL character")),
        '\r' => Some((c, "a carriage return (write a newline as \\n)")),
        c if c.is_control() && c != '\n' && c != '\t' => Some((c, "a control character")),
        _ => None,
    })
}
