//! A plan as SPL: the template contexts for single-event and correlation searches (layout lives in
//! templates/splunk).

use serde::Serialize;

use super::cond::column;
use super::escape::{field, regex_literal, string};
use super::profile::Profile;
use super::Splunk;
use crate::backend::{cond_text, pred_text, Backend, Prelude};
use crate::catalogue::{Field, Type};
use crate::diag::Diagnostic;
use crate::expr::Side;
use crate::ir::{Cond, FieldRef};
use crate::plan::{Correlation, OutputValue, Plan, Query, Role};

#[derive(Serialize)]
struct Header<'a> {
    id: &'a str,
    title: &'a str,
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
        severity: m.severity.name(),
        status: &m.status,
        attack: &m.attack,
        controls: &m.controls,
        author: m.author.as_deref(),
        references: &m.references,
        source: &m.source,
        lookback: p.schedule.lookback.to_string(),
        every: p.schedule.every.to_string(),
    }
}

/// A compiled condition and the commands that must run before it.
#[derive(Debug, Default, Serialize)]
struct CondText {
    text: String,
    lookups: Vec<String>,
}

fn cond(b: &Splunk, c: &Cond, plan: &Plan, stage: &str) -> CondText {
    let mut pre = Prelude::new(stage);
    let text = cond_text(b, c, &plan.lists, &mut pre);
    CondText {
        text,
        lookups: pre.commands,
    }
}

/// Each field read into a `tw_` field. Automatic JSON extraction stops at `[spath] extraction_cutoff`
/// (5,000 bytes by default) and `[kv] maxchars`, and a sign-in with several Conditional Access policies is
/// longer than that: every field the search reads falls back to `spath(_raw, path)` when the flattened
/// field is missing, so a long event is read in full instead of silently losing its last fields.
fn normalize(p: &Profile, fields: &[Field]) -> Result<Vec<String>, Diagnostic> {
    let mut out = Vec::new();
    for &f in fields {
        if f.is_derived() {
            continue;
        }
        let path = p.path(f)?;
        let src = field(path);
        // Splunk's own fields (`_time`, `_indextime`) are not in the event's JSON.
        let read = if path.starts_with('_') {
            src.clone()
        } else {
            format!("if(isnull({src}), spath(_raw, {}), {src})", string(path))
        };
        let expr = match f.ty() {
            Type::Datetime if path.starts_with('_') => format!("tonumber({read})"),
            // ISO 8601 in UTC, as Entra writes it, to epoch seconds with up to 6 fractional digits.
            Type::Datetime => format!(
                "strptime(substr({read}, 1, 19) . \"+0000\", \"%Y-%m-%dT%H:%M:%S%z\") + coalesce(tonumber(\"0\" . replace({read}, \"^[^.]+(\\.\\d{{1,6}})?.*$\", \"\\1\")), 0)"
            ),
            Type::Int => format!("tonumber({read})"),
            Type::Bool => {
                format!("if(lower(tostring({read}))==\"true\" OR tostring({read})==\"1\", 1, 0)")
            }
            Type::StringList => read,
            Type::String | Type::Ip => format!("coalesce(tostring({read}), \"\")"),
        };
        out.push(format!(
            "{}={expr}",
            column(FieldRef {
                side: None,
                field: f
            })
        ));
    }
    // A Splunk search export without `_indextime` (raw records): the envelope's time stands in.
    if fields.contains(&Field::IngestionTime) && fields.contains(&Field::LogTime) {
        out.push("tw_ingestion_time=coalesce(tw_ingestion_time, tw_log_time)".into());
    }
    Ok(out)
}

fn ua_family_expr(p: &Plan) -> Option<String> {
    let table = p.ua_families.as_ref()?;
    let mut arms = Vec::new();
    for fam in &table.families {
        let alts: Vec<String> = fam.match_any.iter().map(|m| regex_literal(m)).collect();
        arms.push(format!(
            "match(tw_user_agent, {}), {}",
            string(&format!("(?i){}", alts.join("|"))),
            string(&fam.name)
        ));
    }
    arms.push(format!("true(), {}", string(&table.default)));
    Some(format!("case(\n    {})", arms.join(",\n    ")))
}

/// The family's class (`browser`, `client`, `scripted`, `other`), from the same table.
fn ua_class_expr(p: &Plan) -> Option<String> {
    let mut arms: Vec<String> = p
        .ua_classes()?
        .into_iter()
        .map(|(class, names)| {
            let names: Vec<String> = names.into_iter().map(string).collect();
            format!("in(tw_ua_family, {}), {}", names.join(", "), string(class))
        })
        .collect();
    arms.push(format!("true(), {}", string("other")));
    Some(format!("case({})", arms.join(", ")))
}

fn json_pack(fields: &[Field]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|&f| {
            let col = column(FieldRef {
                side: None,
                field: f,
            });
            let v = match f.ty() {
                Type::StringList => format!("mv_to_json_array({col}, false())"),
                _ => col,
            };
            format!("{}, {v}", string(f.name()))
        })
        .collect();
    format!("json_object({})", parts.join(", "))
}

fn unpack(fields: &[Field], side: Side, var: &str) -> Vec<String> {
    fields
        .iter()
        .map(|&f| {
            let raw = format!("json_extract({var}, {})", string(f.name()));
            let expr = match f.ty() {
                Type::Datetime | Type::Int | Type::Bool => format!("tonumber({raw})"),
                Type::StringList => format!("json_array_to_mv({raw})"),
                Type::String | Type::Ip => format!("coalesce({raw}, \"\")"),
            };
            format!(
                "{}={expr}",
                column(FieldRef {
                    side: Some(side),
                    field: f
                })
            )
        })
        .collect()
}

#[derive(Serialize)]
struct Named {
    name: String,
    column: String,
    description: Option<String>,
    weight: u32,
    cond: CondText,
}

#[derive(Serialize)]
struct LabelCx {
    name: String,
    arms: Vec<Named>,
}

#[derive(Serialize)]
struct RiskCx {
    category: String,
    /// The wanted risk types, as `in()` arguments.
    wanted: String,
    category_field: String,
    type_value: String,
}

#[derive(Serialize)]
struct CorrelationCx<'a> {
    h: Header<'a>,
    base_macro: &'a str,
    every: String,
    every_seconds: u64,
    window_seconds: u64,
    normalize: Vec<String>,
    risk: Option<RiskCx>,
    ua_family: Option<String>,
    ua_class: Option<String>,
    key: String,
    issuance: CondText,
    later: CondText,
    caps: crate::plan::Caps,
    tie: String,
    anchor_first: bool,
    anchor_words: &'static str,
    first_pack: String,
    later_pack: String,
    first_unpack: Vec<String>,
    later_unpack: Vec<String>,
    labels: Vec<LabelCx>,
    signals: Vec<Named>,
    min_score: u32,
    pair: Option<CondText>,
    suppressions: Vec<Named>,
    risk_events: Option<String>,
    severity: &'a str,
    raised: &'a str,
    escalations: Vec<String>,
    renames: Vec<String>,
    output: Vec<String>,
}

#[derive(Serialize)]
struct SingleCx<'a> {
    h: Header<'a>,
    base_macro: &'a str,
    every: String,
    every_seconds: u64,
    normalize: Vec<String>,
    ua_family: Option<String>,
    ua_class: Option<String>,
    when: CondText,
    severity: &'a str,
    output: Vec<String>,
}

pub(super) fn render(b: &Splunk, plan: &Plan) -> Result<String, Diagnostic> {
    let p = &b.profile;
    let normalize = normalize(p, &plan.fields)?;
    let output: Vec<String> = plan
        .outputs
        .columns
        .iter()
        .map(|o| b.output_name(o))
        .collect();
    match &plan.query {
        Query::Single { when, .. } => super::templates()?.render(
            "splunk/single.spl",
            &SingleCx {
                h: header(plan),
                base_macro: &p.base_macro,
                every: plan.schedule.every.to_string(),
                every_seconds: plan.schedule.every.seconds,
                normalize,
                ua_family: ua_family_expr(plan),
                ua_class: ua_class_expr(plan),
                when: cond(b, when, plan, "match"),
                severity: plan.meta.severity.name(),
                output,
            },
        ),
        Query::Correlation(c) => super::templates()?.render(
            "splunk/correlation.spl",
            &correlation_cx(b, plan, c, normalize, output),
        ),
    }
}

/// `name=value` for every output whose value sits in another field: the time first, then the
/// details, the account and the key.
fn renames(b: &Splunk, plan: &Plan) -> Vec<String> {
    let mut outs: Vec<_> = plan.outputs.columns.iter().collect();
    outs.sort_by_key(|o| match o.role {
        Role::Time => 0,
        Role::Account => 2,
        Role::Key => 3,
        _ => 1,
    });
    outs.into_iter()
        .filter_map(|o| {
            let name = b.output_name(o);
            match &o.value {
                OutputValue::Field { field } if column(*field) != name => {
                    Some(format!("{name}={}", column(*field)))
                }
                _ => None,
            }
        })
        .collect()
}

fn correlation_cx<'a>(
    b: &'a Splunk,
    plan: &'a Plan,
    c: &'a Correlation,
    normalize: Vec<String>,
    output: Vec<String>,
) -> CorrelationCx<'a> {
    let lists = &plan.lists;
    let labels = c
        .labels
        .iter()
        .map(|l| LabelCx {
            name: l.name.clone(),
            arms: l
                .lists
                .iter()
                .map(|list| Named {
                    name: list.clone(),
                    column: String::new(),
                    description: None,
                    weight: 0,
                    cond: cond(
                        b,
                        &Cond::InList {
                            field: l.field,
                            list: list.clone(),
                        },
                        plan,
                        &format!("cat_{list}"),
                    ),
                })
                .collect(),
        })
        .collect();
    let signals = c
        .signals
        .iter()
        .map(|s| {
            let mut pre = Prelude::new(format!("signal_{}", s.name));
            let text = pred_text(b, &s.when, lists, &mut pre, 0);
            Named {
                name: s.name.clone(),
                column: format!("tw_{}", s.column),
                description: Some(s.description.clone()),
                weight: s.weight,
                cond: CondText {
                    text,
                    lookups: pre.commands,
                },
            }
        })
        .collect();
    let risk_events = c.risk.as_ref().map(|r| {
        let alts: Vec<String> = r.wanted.iter().map(|x| regex_literal(x)).collect();
        string(&format!("^(?:{})$", alts.join("|")))
    });
    let escalations = c
        .escalations
        .iter()
        .map(|e| pred_text(b, &e.when, lists, &mut Prelude::new("escalation"), 1))
        .collect();
    let risk = match (&c.risk, &b.profile.risk_detections) {
        (Some(r), Some(d)) if r.detections => Some(RiskCx {
            category: d.category.clone(),
            wanted: r
                .wanted
                .iter()
                .map(|w| string(w))
                .collect::<Vec<_>>()
                .join(", "),
            category_field: field(&b.profile.category_field),
            type_value: format!(
                "if(isnull({f}), spath(_raw, {p}), {f})",
                f = field(&d.type_path),
                p = string(&d.type_path)
            ),
        }),
        _ => None,
    };
    let anchor_first = c.pairing.anchor == crate::ir::Anchor::First;
    CorrelationCx {
        h: header(plan),
        base_macro: &b.profile.base_macro,
        every: plan.schedule.every.to_string(),
        every_seconds: plan.schedule.every.seconds,
        window_seconds: c.pairing.window.seconds,
        normalize,
        risk,
        ua_family: ua_family_expr(plan),
        ua_class: ua_class_expr(plan),
        key: column(FieldRef {
            side: None,
            field: c.key,
        }),
        issuance: cond(b, &c.issuance, plan, "issuance"),
        later: cond(b, &c.later, plan, "later"),
        caps: c.caps,
        tie: tie_key(&c.pairing.tie_break),
        anchor_first,
        anchor_words: if anchor_first {
            "earliest"
        } else {
            "most recent"
        },
        first_pack: json_pack(&c.first_fields),
        later_pack: json_pack(&c.later_fields),
        first_unpack: unpack(&c.first_fields, Side::First, "tw_anchor"),
        later_unpack: unpack(&c.later_fields, Side::Later, "tw_laters"),
        labels,
        signals,
        min_score: c.min_score,
        pair: c.pair_filter.as_ref().map(|p| cond(b, p, plan, "pair")),
        suppressions: c
            .suppressions
            .iter()
            .enumerate()
            .map(|(i, s)| Named {
                name: s.name.clone(),
                column: String::new(),
                description: s.description.clone(),
                weight: 0,
                cond: cond(b, &s.when, plan, &format!("supp{}", i + 1)),
            })
            .collect(),
        risk_events,
        severity: plan.meta.severity.name(),
        raised: plan.meta.severity.raised().name(),
        escalations,
        renames: renames(b, plan),
        output,
    }
}

/// Same key as the KQL backend's: the issuance values joined by `;`, each with `|` and `;` replaced by `_`.
fn tie_key(fields: &[Field]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|f| {
            let col = column(FieldRef {
                side: None,
                field: *f,
            });
            match f.ty() {
                Type::Int => format!("coalesce(tostring({col}), \"\")"),
                _ => format!("replace({col}, \"[|;]\", \"_\")"),
            }
        })
        .collect();
    if parts.is_empty() {
        "\"\"".into()
    } else {
        parts.join(" . \";\" . ")
    }
}
