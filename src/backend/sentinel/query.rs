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
    /// A fixed filter on the watchlist's SearchKey (IPv4 vs IPv6 ranges).
    filter: Option<&'static str>,
    comment: String,
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
                    watchlist: watchlist.clone(),
                    filter: watchlist.as_ref().map(|_| {
                        if is_v6 {
                            "indexof(SearchKey, \":\") >= 0"
                        } else {
                            "indexof(SearchKey, \":\") < 0"
                        }
                    }),
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
                watchlist,
                filter: None,
                comment,
            });
        }
    }
    out
}

#[derive(Serialize)]
pub(super) struct Leg {
    pub table: String,
    pub converts: Vec<String>,
}

/// The per-table legs of the union and the normalizing projection for the fields used.
fn source(p: &Profile, fields: &[Field]) -> Result<(Vec<Leg>, Vec<String>), Diagnostic> {
    let mut projection = Vec::new();
    let mut converts = Vec::new();
    for &f in fields {
        if f == Field::UaFamily {
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
        let raw = match &m.path {
            Some(path) => format!("{}.{}", m.column, path),
            None => m.column.clone(),
        };
        let expr = match (f.ty(), &m.each) {
            (Type::StringList, Some(key)) => {
                // Every step of the array: the JSON string is scanned for each occurrence of the key.
                format!(
                    r#"extract_all(@'"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"', tostring({}))"#,
                    m.column
                )
            }
            (Type::StringList, None) => format!("coalesce(todynamic({}), dynamic([]))", m.column),
            (Type::Int, _) => format!("toint({raw})"),
            // A missing boolean is false in every target (docs/semantics.md).
            (Type::Bool, _) => format!("coalesce(tobool({raw}), false)"),
            (Type::String | Type::Ip, _) if m.path.is_some() => format!("tostring({raw})"),
            _ => raw.clone(),
        };
        projection.push(if expr == name {
            name
        } else {
            format!("{name} = {expr}")
        });
    }
    converts.sort();
    let legs = p
        .tables
        .iter()
        .map(|t| Leg {
            table: t.clone(),
            converts: converts.clone(),
        })
        .collect();
    Ok((legs, projection))
}

fn ua_family_expr(p: &Plan) -> Option<String> {
    let table = p.ua_families.as_ref()?;
    let mut arms = Vec::new();
    for fam in &table.families {
        let tests: Vec<String> = fam
            .match_any
            .iter()
            .map(|m| format!("UserAgent contains {}", string(m)))
            .collect();
        arms.push(format!("{}, {}", tests.join(" or "), string(&fam.name)));
    }
    Some(format!(
        "case(\n        {},\n        {})",
        arms.join(",\n        "),
        string(&table.default)
    ))
}

#[derive(Serialize)]
struct Pack {
    key: String,
    column: String,
}

#[derive(Serialize)]
struct Unpack {
    name: String,
    expr: String,
}

fn packs(fields: &[Field]) -> Vec<Pack> {
    fields
        .iter()
        .map(|f| {
            let column = event_column(*f);
            Pack {
                key: column.clone(),
                column,
            }
        })
        .collect()
}

fn unpacks(fields: &[Field], side: Side, var: &str) -> Vec<Unpack> {
    fields
        .iter()
        .map(|&f| {
            let raw = format!("{var}.{}", event_column(f));
            let expr = match f.ty() {
                Type::Datetime => format!("todatetime({raw})"),
                Type::Int => format!("toint({raw})"),
                Type::Bool => format!("tobool({raw})"),
                Type::StringList => format!("coalesce(todynamic({raw}), dynamic([]))"),
                Type::String | Type::Ip => format!("tostring({raw})"),
            };
            Unpack {
                name: column(FieldRef {
                    side: Some(side),
                    field: f,
                }),
                expr,
            }
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
struct CorrelationCx<'a> {
    h: Header<'a>,
    window: String,
    lets: Vec<Let>,
    legs: Vec<Leg>,
    time_column: &'a str,
    projection: Vec<String>,
    ua_family: Option<String>,
    key: String,
    issuance: String,
    later: String,
    first_pack: Vec<Pack>,
    later_pack: Vec<Pack>,
    tie: String,
    first_unpack: Vec<Unpack>,
    later_unpack: Vec<Unpack>,
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
    lets: Vec<Let>,
    legs: Vec<Leg>,
    time_column: &'a str,
    projection: Vec<String>,
    ua_family: Option<String>,
    when: String,
    output: Vec<String>,
    severity: &'static str,
}

/// `Name = value`, or the name alone where they are the same.
fn output_text(b: &Sentinel, o: &Output) -> String {
    let name = b.output_name(o);
    let value = match &o.value {
        crate::plan::OutputValue::Field { field } => column(*field),
        _ => name.clone(),
    };
    if value == name {
        name
    } else {
        format!("{name} = {value}")
    }
}

pub(super) fn render(b: &Sentinel, plan: &Plan) -> Result<String, Diagnostic> {
    let p = &b.profile;
    let (legs, projection) = source(p, &plan.fields)?;
    let output = plan
        .outputs
        .columns
        .iter()
        .map(|o| output_text(b, o))
        .collect();
    let mut prelude = Prelude::default();
    match &plan.query {
        Query::Single { when } => {
            let cx = SingleCx {
                h: header(plan),
                lets: lets(&plan.lists),
                legs,
                time_column: &p.time_column,
                projection,
                ua_family: ua_family_expr(plan),
                when: cond_text(b, when, &plan.lists, &mut prelude),
                output,
                severity: escape::severity(plan.meta.severity),
            };
            super::templates()?.render("sentinel/single.kql", &cx)
        }
        Query::Correlation(c) => {
            let cx = correlation_cx(b, plan, c, legs, projection, output);
            super::templates()?.render("sentinel/correlation.kql", &cx)
        }
    }
}

fn correlation_cx<'a>(
    b: &'a Sentinel,
    plan: &'a Plan,
    c: &'a Correlation,
    legs: Vec<Leg>,
    projection: Vec<String>,
    output: Vec<String>,
) -> CorrelationCx<'a> {
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
    let escalations = c
        .escalations
        .iter()
        .map(|e| pred_text(b, &e.when, lists, &mut pre, 1))
        .collect();
    CorrelationCx {
        h: header(plan),
        window: timespan(c.pairing.window),
        lets: lets(lists),
        legs,
        time_column: &b.profile.time_column,
        projection,
        ua_family: ua_family_expr(plan),
        key: event_column(c.key),
        issuance: text(&c.issuance),
        later: text(&c.later),
        first_pack: packs(&c.first_fields),
        later_pack: packs(&c.later_fields),
        tie: tie_key(&c.pairing.tie_break),
        first_unpack: unpacks(&c.first_fields, Side::First, "Issuance"),
        later_unpack: unpacks(&c.later_fields, Side::Later, "Later"),
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
    }
}

/// The tie-break key (docs/semantics.md): the issuance values joined by `;`, each with `|` and `;`
/// replaced by `_`, compared as a string, larger wins. Same text in every target.
fn tie_key(fields: &[Field]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|f| match f.ty() {
            Type::Int => format!("tostring({})", event_column(*f)),
            _ => format!("replace_regex({}, @\"[|;]\", \"_\")", event_column(*f)),
        })
        .collect();
    if parts.is_empty() {
        "\"\"".into()
    } else {
        format!("strcat({})", parts.join(", \";\", "))
    }
}
