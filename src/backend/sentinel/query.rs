//! A plan as KQL: the template contexts for single-event and correlation queries (layout lives in
//! templates/sentinel).

use serde::Serialize;

use super::cond::{column, event_column, split_cidrs};
use super::escape::{self, string, timespan};
use super::profile::Profile;
use super::Sentinel;
use crate::backend::{cond_text, pred_text, Backend, Prelude};
use crate::catalogue::{Field, Type};
use crate::diag::Diagnostic;
use crate::expr::Side;
use crate::ir::{FieldRef, List, ListKind, Value};
use crate::plan::{Correlation, Output, Plan, Query};

#[derive(Serialize)]
pub(super) struct Header<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a str,
    severity: &'a str,
    status: &'a str,
    attack: &'a [String],
    controls: &'a [String],
    author: Option<&'a str>,
    references: &'a [String],
    source: &'a str,
    lookback: String,
    every: String,
}

fn header(p: &Plan) -> Header<'_> {
    let m = &p.meta;
    Header {
        id: &m.id,
        title: &m.title,
        description: &m.description,
        severity: m.severity.name(),
        status: &m.status,
        attack: &m.attack,
        controls: &m.controls,
        author: m.author.as_deref(),
        references: &m.references,
        source: &m.source,
        lookback: timespan(p.schedule.lookback),
        every: timespan(p.schedule.every),
    }
}

#[derive(Serialize)]
struct Let {
    name: String,
    /// Inline values, or empty for a watchlist.
    values: Vec<Value>,
    watchlist: Option<String>,
    /// The function that reads the watchlist (one of [`READERS`]).
    reader: Option<&'static str>,
    comment: String,
}

/// Functions that read a watchlist's SearchKey column into a list: as strings, as ASNs, and the IPv4 or
/// IPv6 ranges of a CIDR list. Defined once per query, for the lists that use them.
const READERS: &[(&str, &str)] = &[
    (
        "watchlist",
        "toscalar(_GetWatchlist(alias) | summarize make_list(SearchKey))",
    ),
    (
        "watchlist_asn",
        "toscalar(_GetWatchlist(alias) | summarize make_list(tolong(SearchKey)))",
    ),
    (
        "watchlist_v4",
        "toscalar(_GetWatchlist(alias) | where indexof(SearchKey, \":\") < 0 | summarize make_list(SearchKey))",
    ),
    (
        "watchlist_v6",
        "toscalar(_GetWatchlist(alias) | where indexof(SearchKey, \":\") >= 0 | summarize make_list(SearchKey))",
    ),
];

#[derive(Serialize)]
struct Reader {
    name: &'static str,
    body: &'static str,
}

/// The reader functions the lists use.
fn readers(lets: &[Let]) -> Vec<Reader> {
    READERS
        .iter()
        .filter(|(n, _)| lets.iter().any(|l| l.reader == Some(*n)))
        .map(|(name, body)| Reader { name, body })
        .collect()
}

fn kind_label(k: ListKind) -> &'static str {
    match k {
        ListKind::Asn => "ASN",
        ListKind::Cidr => "CIDR",
        ListKind::AppId => "app id",
        ListKind::String => "string",
    }
}

fn lets(lists: &[List]) -> Vec<Let> {
    let mut out = Vec::new();
    for l in lists {
        let comment = format!("{} list, from {}", kind_label(l.kind), l.origin);
        let watchlist = l.external.as_ref().map(|e| e.watchlist.clone());
        if l.kind == ListKind::Cidr {
            let (v4, v6) = split_cidrs(&l.values);
            for (is_v6, values) in [(false, v4), (true, v6)] {
                if watchlist.is_none() && values.is_empty() {
                    continue;
                }
                out.push(Let {
                    name: super::cond::cidr_ident(&l.name, is_v6),
                    values: if watchlist.is_some() {
                        Vec::new()
                    } else {
                        values
                    },
                    reader: watchlist.as_ref().map(|_| {
                        if is_v6 {
                            "watchlist_v6"
                        } else {
                            "watchlist_v4"
                        }
                    }),
                    watchlist: watchlist.clone(),
                    comment: comment.clone(),
                });
            }
        } else {
            out.push(Let {
                name: l.name.clone(),
                values: if watchlist.is_some() {
                    Vec::new()
                } else {
                    l.values.clone()
                },
                // ASNs compare as numbers; a watchlist holds strings.
                reader: watchlist.as_ref().map(|_| {
                    if l.kind == ListKind::Asn {
                        "watchlist_asn"
                    } else {
                        "watchlist"
                    }
                }),
                watchlist,
                comment,
            });
        }
    }
    out
}

#[derive(Serialize)]
pub(super) struct Leg {
    pub table: String,
    /// `Column = expression` computed per table before the union (dynamic conversions, functions).
    pub extends: Vec<String>,
}

/// How the query reads the fields: per-table columns computed before the union, the normalizing
/// projection, and the costly fields (every authenticationDetails step) extended only where needed.
struct Source {
    legs: Vec<Leg>,
    projection: Vec<String>,
    costly: Vec<String>,
}

fn source(p: &Profile, fields: &[Field]) -> Result<Source, Diagnostic> {
    let mut projection = Vec::new();
    let mut costly = Vec::new();
    let mut extends: Vec<String> = Vec::new();
    let mut converts = Vec::new();
    let mut raw_columns = Vec::new();
    for &f in fields {
        // The lookback filters on the SIEM's stamp in each table; the rest of the query never reads it.
        if f.is_derived() || f == Field::LogTime {
            continue;
        }
        let m = p.map(f)?;
        if m.path.is_some()
            && p.dynamic_columns.contains(&m.column)
            && !converts.contains(&m.column)
        {
            converts.push(m.column.clone());
        }
        let name = event_column(f);
        if let Some(func) = &m.function {
            extends.push(format!("{} = {func}()", m.column));
        }
        let raw = match &m.path {
            Some(path) => format!("{}.{}", m.column, path),
            None => m.column.clone(),
        };
        let expr = match (f.ty(), &m.each) {
            (Type::StringList, Some(key)) => {
                // Every step of the array: the JSON string is scanned for each occurrence of the key.
                // Costly, so the projection keeps the raw column and the scan runs on the rows that need it.
                if !raw_columns.contains(&m.column) {
                    raw_columns.push(m.column.clone());
                }
                costly.push(format!(
                    r#"{name} = extract_all(@'"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"', tostring({}))"#,
                    m.column
                ));
                continue;
            }
            (Type::StringList, None) => format!("coalesce(todynamic({}), dynamic([]))", m.column),
            // ASNs run to 2^32 - 1: long, not int.
            (Type::Int, _) => format!("tolong({raw})"),
            // A missing boolean is false in every target (docs/semantics.md).
            (Type::Bool, _) => format!("coalesce(tobool({raw}), false)"),
            (Type::String | Type::Ip, _) if m.path.is_some() => format!("tostring({raw})"),
            (Type::Datetime, _) => format!("todatetime({raw})"),
            _ => raw.clone(),
        };
        projection.push(if expr == name {
            name
        } else {
            format!("{name} = {expr}")
        });
    }
    projection.extend(raw_columns);
    converts.sort();
    let mut leg_extends: Vec<String> = converts
        .iter()
        .map(|c| format!("{c} = todynamic({c})"))
        .collect();
    leg_extends.extend(extends);
    let legs = p
        .tables
        .iter()
        .map(|t| Leg {
            table: t.clone(),
            extends: leg_extends.clone(),
        })
        .collect();
    Ok(Source {
        legs,
        projection,
        costly,
    })
}

fn ua_family_expr(p: &Plan) -> Option<String> {
    let table = p.ua_families.as_ref()?;
    let mut arms = Vec::new();
    for fam in &table.families {
        // One substring: `contains`; several: one case-insensitive regex of the escaped substrings.
        let test = match fam.match_any.as_slice() {
            [one] => format!("UserAgent contains {}", string(one)),
            many => {
                let alts: Vec<String> = many.iter().map(|m| escape::regex_literal(m)).collect();
                format!(
                    "UserAgent matches regex {}",
                    string(&format!("(?i){}", alts.join("|")))
                )
            }
        };
        arms.push(format!("{test}, {}", string(&fam.name)));
    }
    Some(format!(
        "case(\n        {},\n        {})",
        arms.join(",\n        "),
        string(&table.default)
    ))
}

/// The family's class (`browser`, `client`, `scripted`, `other`), from the same table.
fn ua_class_expr(p: &Plan) -> Option<String> {
    let mut arms: Vec<String> = p
        .ua_classes()?
        .into_iter()
        .map(|(class, names)| {
            let names: Vec<String> = names.into_iter().map(string).collect();
            format!("UaFamily in ({}), {}", names.join(", "), string(class))
        })
        .collect();
    arms.push(string("other"));
    Some(format!("case({})", arms.join(", ")))
}

#[derive(Serialize)]
struct Unpack {
    name: String,
    expr: String,
}

/// A packed event's field, typed again after the set (`tostring(Later.Ip)`).
fn unpacked(f: FieldRef) -> String {
    let var = match f.side {
        Some(Side::First) => "Issuance",
        _ => "Later",
    };
    let raw = format!("{var}.{}", event_column(f.field));
    match f.field.ty() {
        Type::Datetime => format!("todatetime({raw})"),
        Type::Int => format!("tolong({raw})"),
        Type::Bool => format!("tobool({raw})"),
        Type::StringList => format!("coalesce({raw}, dynamic([]))"),
        Type::String | Type::Ip => format!("tostring({raw})"),
    }
}

/// The paired fields the query tests, unpacked as columns; the rest are unpacked in the final project.
fn unpacks(c: &Correlation) -> Vec<Unpack> {
    c.tested_fields()
        .into_iter()
        .map(|f| Unpack {
            name: column(f),
            expr: unpacked(f),
        })
        .collect()
}

#[derive(Serialize)]
struct Named {
    name: String,
    /// What the signal is called in DisagreeingSignals.
    label: String,
    description: Option<String>,
    weight: u32,
    cond: String,
}

#[derive(Serialize)]
struct RiskCx {
    table: String,
    key: String,
    key_column: String,
    type_column: String,
    wanted: String,
}

#[derive(Serialize)]
struct CorrelationCx<'a> {
    h: Header<'a>,
    readers: Vec<Reader>,
    lookback: String,
    window: String,
    every: String,
    lets: Vec<Let>,
    legs: Vec<Leg>,
    time_column: &'a str,
    key_column: String,
    projection: Vec<String>,
    costly: Vec<String>,
    prefilter: Option<String>,
    risk: Option<RiskCx>,
    ua_family: Option<String>,
    ua_class: Option<String>,
    key: String,
    issuance: String,
    later: String,
    caps: crate::plan::Caps,
    /// The columns each packed event keeps (both sides).
    packed: Vec<String>,
    tie: String,
    anchor_words: &'static str,
    anchor_order: &'static str,
    unpack: Vec<Unpack>,
    labels: Vec<LabelCx>,
    signals: Vec<Named>,
    min_score: u32,
    pair: Option<String>,
    suppressions: Vec<Named>,
    risk_events: Option<String>,
    severity: &'static str,
    raised: &'static str,
    escalations: Vec<String>,
    output: Vec<String>,
}

#[derive(Serialize)]
struct LabelCx {
    column: String,
    arms: Vec<Named>,
}

#[derive(Serialize)]
struct SingleCx<'a> {
    h: Header<'a>,
    readers: Vec<Reader>,
    nrt: bool,
    lookback: String,
    every: String,
    lets: Vec<Let>,
    legs: Vec<Leg>,
    time_column: &'a str,
    projection: Vec<String>,
    costly: Vec<String>,
    ua_family: Option<String>,
    ua_class: Option<String>,
    when: String,
    output: Vec<String>,
    severity: &'static str,
}

/// `Name = value`, or the name alone where they are the same. A paired field no test read is
/// unpacked here.
fn output_text(b: &Sentinel, plan: &Plan, o: &Output) -> String {
    let name = b.output_name(o);
    let tested = plan.correlation().map(|c| c.tested_fields());
    let value = match &o.value {
        crate::plan::OutputValue::Field { field } => match &tested {
            Some(t) if field.side.is_some() && !t.contains(field) => unpacked(*field),
            _ => column(*field),
        },
        _ => name.clone(),
    };
    if value == name {
        name
    } else {
        format!("{name} = {value}")
    }
}

pub(super) fn render(b: &Sentinel, plan: &Plan) -> Result<String, Diagnostic> {
    render_as(b, plan, false)
}

/// A single-event plan as a near-real-time rule's query (no lookback, no slice: Sentinel gives it
/// what arrived since its last run).
pub(super) fn render_nrt(b: &Sentinel, plan: &Plan) -> Result<String, Diagnostic> {
    render_as(b, plan, true)
}

fn render_as(b: &Sentinel, plan: &Plan, nrt: bool) -> Result<String, Diagnostic> {
    let p = &b.profile;
    let src = source(p, &plan.fields)?;
    let output = plan
        .outputs
        .columns
        .iter()
        .map(|o| output_text(b, plan, o))
        .collect();
    let mut prelude = Prelude::default();
    match &plan.query {
        Query::Single { when, .. } => {
            let lets = lets(&plan.lists);
            let cx = SingleCx {
                h: header(plan),
                readers: readers(&lets),
                nrt,
                lookback: timespan(plan.schedule.lookback),
                every: timespan(plan.schedule.every),
                lets,
                legs: src.legs,
                time_column: &p.time_column,
                projection: src.projection,
                costly: src.costly,
                ua_family: ua_family_expr(plan),
                ua_class: ua_class_expr(plan),
                when: cond_text(b, when, &plan.lists, &mut prelude),
                output,
                severity: escape::severity(plan.meta.severity),
            };
            super::templates()?.render("sentinel/single.kql", &cx)
        }
        Query::Correlation(c) => {
            let cx = correlation_cx(b, plan, c, src, output)?;
            super::templates()?.render("sentinel/correlation.kql", &cx)
        }
    }
}

fn correlation_cx<'a>(
    b: &'a Sentinel,
    plan: &'a Plan,
    c: &'a Correlation,
    src: Source,
    output: Vec<String>,
) -> Result<CorrelationCx<'a>, Diagnostic> {
    let lists = &plan.lists;
    let mut pre = Prelude::default();
    let text = |cond: &crate::ir::Cond| cond_text(b, cond, lists, &mut Prelude::default());
    let labels = c
        .labels
        .iter()
        .map(|l| LabelCx {
            column: crate::render::pascal_case(&l.name),
            arms: l
                .lists
                .iter()
                .map(|list| Named {
                    name: list.clone(),
                    label: String::new(),
                    description: None,
                    weight: 0,
                    cond: super::cond::label_arm(l.field, list),
                })
                .collect(),
        })
        .collect();
    let signals = c
        .signals
        .iter()
        .map(|s| Named {
            name: crate::render::pascal_case(&s.column),
            label: s.name.clone(),
            description: Some(s.description.clone()),
            weight: s.weight,
            cond: pred_text(b, &s.when, lists, &mut pre, 0),
        })
        .collect();
    let risk_events = c.risk.as_ref().map(|r| {
        let wanted: Vec<Value> = r.wanted.iter().cloned().map(Value::Str).collect();
        format!(
            "set_intersect(set_union({}, {}), {})",
            column(FieldRef {
                side: Some(Side::First),
                field: Field::RiskEvents
            }),
            column(FieldRef {
                side: Some(Side::Later),
                field: Field::RiskEvents
            }),
            escape::dynamic(&wanted)
        )
    });
    let risk = match (&c.risk, &b.profile.risk_detections) {
        (Some(r), Some(d)) if r.detections => Some(RiskCx {
            table: d.table.clone(),
            key: d.key.clone(),
            key_column: event_column(Field::CorrelationId),
            type_column: d.type_column.clone(),
            wanted: r
                .wanted
                .iter()
                .map(|w| string(w))
                .collect::<Vec<_>>()
                .join(", "),
        }),
        _ => None,
    };
    if let Some(r) = &risk {
        if r.key != r.key_column {
            // The lookup joins on one name: the sign-ins' correlation column must be called as the table's.
            return Err(Diagnostic::error(
                "E030",
                format!(
                    "risk_detections.key `{}` must be the column correlation_id is read into (`{}`)",
                    r.key, r.key_column
                ),
            )
            .in_file(&b.profile.source));
        }
    }
    let escalations = c
        .escalations
        .iter()
        .map(|e| pred_text(b, &e.when, lists, &mut pre, 1))
        .collect();
    let (anchor_words, anchor_order) = match c.pairing.anchor {
        crate::ir::Anchor::Latest => ("most recent", "desc"),
        crate::ir::Anchor::First => ("earliest", "asc"),
    };
    let lets = lets(lists);
    Ok(CorrelationCx {
        h: header(plan),
        readers: readers(&lets),
        lookback: timespan(plan.schedule.lookback),
        window: timespan(c.pairing.window),
        every: timespan(plan.schedule.every),
        lets,
        legs: src.legs,
        time_column: &b.profile.time_column,
        key_column: b.profile.map(c.key)?.column.clone(),
        projection: src.projection,
        costly: src.costly,
        prefilter: c.issuance_prefilter.as_ref().map(text),
        risk,
        ua_family: ua_family_expr(plan),
        ua_class: ua_class_expr(plan),
        key: event_column(c.key),
        issuance: text(&c.issuance),
        later: text(&c.later),
        caps: c.caps,
        packed: c.packed_fields().into_iter().map(event_column).collect(),
        tie: tie_key(&c.pairing.tie_break),
        anchor_words,
        anchor_order,
        unpack: unpacks(c),
        labels,
        signals,
        min_score: c.min_score,
        pair: c.pair_filter.as_ref().map(text),
        suppressions: c
            .suppressions
            .iter()
            .map(|s| Named {
                name: s.name.clone(),
                label: String::new(),
                description: s.description.clone(),
                weight: 0,
                cond: text(&s.when),
            })
            .collect(),
        risk_events,
        severity: escape::severity(plan.meta.severity),
        raised: escape::severity(plan.meta.severity.raised()),
        escalations,
        output,
    })
}

/// The tie-break key (docs/semantics.md): the issuance values joined by `;`, each with `|` and `;`
/// replaced by `_`, compared as a string, larger wins. Same text in every target.
/// (The tie-break fields never hold `|` or `;`: addresses, ASNs, family names, GUIDs, base64url.)
fn tie_key(fields: &[Field]) -> String {
    if fields.is_empty() {
        return "\"\"".into();
    }
    let parts: Vec<String> = fields.iter().map(|f| event_column(*f)).collect();
    format!("strcat_delim(\";\", {})", parts.join(", "))
}
