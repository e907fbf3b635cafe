//! Sentinel backend: KQL escaping, operators and the profile's column mapping; layout is in templates/kql.

pub mod events;
pub mod publish;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Artifact;
use crate::catalogue::{Field, Type};
use crate::diag::{Diagnostic, SourceFile};
use crate::duration::Duration;
use crate::expr::Event;
use crate::ir::{Cond, Correlation, Detection, FieldRef, List, ListKind, Logic, TextOp, Value};
use crate::model::{self, S};
use crate::render;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    target: S<String>,
    tables: Vec<S<String>>,
    time_column: S<String>,
    #[serde(default)]
    dynamic_columns: Vec<S<String>>,
    fields: BTreeMap<String, S<FieldMap>>,
    health: Health,
    #[serde(default)]
    tactics: BTreeMap<String, S<Vec<S<String>>>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    pub column: String,
    /// A key inside a dynamic column (`DeviceDetail.deviceId`).
    #[serde(default)]
    pub path: Option<String>,
    /// The column holds a JSON array of objects; collect this key from every element.
    #[serde(default)]
    pub each: Option<String>,
    /// The column holds a JSON array of strings.
    #[serde(default)]
    pub json_array: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    pub lookback: String,
    pub threshold: f64,
    pub min_events: u64,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub tables: Vec<String>,
    pub time_column: String,
    pub dynamic_columns: Vec<String>,
    pub fields: BTreeMap<Field, FieldMap>,
    pub health: Health,
    pub health_lookback: Duration,
    /// ATT&CK technique (parent id) → Sentinel tactics, for the analytic rules.
    pub tactics: BTreeMap<String, Vec<String>>,
    pub source: PathBuf,
}

/// The tactic names Sentinel's alert rules accept, in the order of the AttackTactic enum (SecurityInsights
/// API 2025-09-01); analytic rules list their tactics in this order.
pub const SENTINEL_TACTICS: &[&str] = &[
    "Reconnaissance",
    "ResourceDevelopment",
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "Exfiltration",
    "CommandAndControl",
    "Impact",
    "PreAttack",
    "ImpairProcessControl",
    "InhibitResponseFunction",
];

impl Profile {
    pub fn load(file: &Arc<SourceFile>) -> Result<Self, Diagnostic> {
        let raw: RawProfile = model::parse_yaml(file)?;
        let at = |s: &S<String>| model::span_of(file, s);
        super::expect_target(file, &raw.target, super::Target::Sentinel)?;
        let ident = |s: &S<String>| -> Result<String, Diagnostic> {
            if is_column_name(&s.value) {
                Ok(s.value.clone())
            } else {
                Err(Diagnostic::error(
                    "E030",
                    format!("`{}` is not a KQL column or table name", s.value),
                )
                .at(at(s))
                .help("use letters, digits and `_`"))
            }
        };
        let mut fields = BTreeMap::new();
        for (name, map) in &raw.fields {
            let Some(field) = Field::by_name(name) else {
                return Err(Diagnostic::error(
                    "E030",
                    format!("the profile maps unknown field `{name}`"),
                )
                .at(model::span_of(file, map))
                .help("map only fields of the canonical catalogue (docs/rule-format.md)"));
            };
            let m = &map.value;
            let parts_ok = is_column_name(&m.column)
                && m.path
                    .as_deref()
                    .is_none_or(|p| p.split('.').all(is_column_name))
                && m.each.as_deref().is_none_or(is_column_name);
            if !parts_ok {
                return Err(Diagnostic::error(
                    "E030",
                    format!("the mapping of `{name}` has an invalid column, path or key"),
                )
                .at(model::span_of(file, map))
                .help("columns, paths and keys are identifiers joined by `.`"));
            }
            let list = m.each.is_some() || m.json_array;
            if list != (field.ty() == Type::StringList) {
                return Err(Diagnostic::error(
                    "E030",
                    format!(
                        "`{name}` is a {}; its mapping {} `each`/`json_array`",
                        field.ty().describe(),
                        if list { "must not use" } else { "needs" }
                    ),
                )
                .at(model::span_of(file, map))
                .help(
                    "list fields map with `each: key` (array of objects) or `json_array: true`",
                ));
            }
            fields.insert(field, m.clone());
        }
        let health_lookback =
            super::health_settings(file, &raw.health.lookback, raw.health.threshold)?;
        let mut tactics = BTreeMap::new();
        for (technique, list) in &raw.tactics {
            let is_parent = technique.len() == 5
                && technique.starts_with('T')
                && technique[1..].bytes().all(|b| b.is_ascii_digit());
            if !is_parent || list.value.is_empty() {
                return Err(Diagnostic::error(
                    "E030",
                    format!("`{technique}` needs a technique id and its tactics"),
                )
                .at(model::span_of(file, list))
                .help(
                    "write `T1550: [DefenseEvasion, LateralMovement]` (parent techniques only)",
                ));
            }
            for t in &list.value {
                if !SENTINEL_TACTICS.contains(&t.value.as_str()) {
                    let hint =
                        match crate::diag::did_you_mean(&t.value, SENTINEL_TACTICS.iter().copied())
                        {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => {
                                format!("Sentinel's tactics are {}", SENTINEL_TACTICS.join(", "))
                            }
                        };
                    return Err(Diagnostic::error(
                        "E030",
                        format!("`{}` is not a Sentinel tactic", t.value),
                    )
                    .at(at(t))
                    .help(hint));
                }
            }
            tactics.insert(
                technique.clone(),
                list.value.iter().map(|t| t.value.clone()).collect(),
            );
        }
        Ok(Self {
            tables: raw.tables.iter().map(ident).collect::<Result<_, _>>()?,
            time_column: ident(&raw.time_column)?,
            dynamic_columns: raw
                .dynamic_columns
                .iter()
                .map(ident)
                .collect::<Result<_, _>>()?,
            fields,
            health: raw.health,
            health_lookback,
            tactics,
            source: file.path.clone(),
        })
    }

    /// The column (and path or key) a field is read from, for reports.
    pub fn source_of(&self, f: Field) -> String {
        match self.fields.get(&f) {
            None => "(not mapped)".into(),
            Some(m) => match (&m.path, &m.each) {
                (Some(p), _) => format!("{}.{p}", m.column),
                (_, Some(k)) => format!("{}[*].{k}", m.column),
                _ => m.column.clone(),
            },
        }
    }

    fn map(&self, f: Field) -> Result<&FieldMap, Diagnostic> {
        self.fields.get(&f).ok_or_else(|| {
            Diagnostic::error(
                "E031",
                format!("the Sentinel profile does not map field `{}`", f.name()),
            )
            .in_file(&self.source)
            .help(format!("add `{}: {{ column: … }}` under fields:", f.name()))
        })
    }
}

fn is_column_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

// ---- escaping: the only way a value becomes KQL text -------------------------------------------

/// A KQL string literal: double quotes, with backslash escapes for `\`, `"` and control characters.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn value(v: &Value) -> String {
    match v {
        Value::Str(s) => string(s),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

/// A `dynamic([...])` literal.
pub fn dynamic(values: &[Value]) -> String {
    let items: Vec<String> = values.iter().map(value).collect();
    format!("dynamic([{}])", items.join(", "))
}

/// Text for a `//` comment: one line, whatever the input.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Sentinel spells severities in title case (`High`); other spellings fall back to the rule's severity.
pub fn sentinel_severity(s: crate::ir::Severity) -> &'static str {
    match s {
        crate::ir::Severity::Informational => "Informational",
        crate::ir::Severity::Low => "Low",
        crate::ir::Severity::Medium => "Medium",
        crate::ir::Severity::High => "High",
    }
}

pub fn timespan(d: Duration) -> String {
    d.to_string()
}

pub fn register(env: &mut minijinja::Environment<'static>) {
    env.add_filter("kql_string", |s: String| string(&s));
    env.add_filter("kql_comment", |s: String| comment(&s));
    env.add_filter(
        "kql_dynamic",
        |v: minijinja::Value| -> Result<String, minijinja::Error> {
            let values: Vec<Value> = deserialize_values(v)?;
            Ok(dynamic(&values))
        },
    );
}

fn deserialize_values(v: minijinja::Value) -> Result<Vec<Value>, minijinja::Error> {
    let mut out = Vec::new();
    for item in v.try_iter()? {
        if let Some(i) = item.as_i64() {
            out.push(Value::Int(i));
        } else if let Some(s) = item.as_str() {
            out.push(Value::Str(s.to_string()));
        } else {
            return Err(minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "list values are strings or integers",
            ));
        }
    }
    Ok(out)
}

// ---- naming ------------------------------------------------------------------------------------

/// Column name of a field at each stage: `Asn` per event, `FirstAsn` / `LaterAsn` after the pairing.
fn column(f: FieldRef) -> String {
    let base = render::pascal_case(f.field.name());
    match f.event {
        None => base,
        Some(Event::First) => format!("First{base}"),
        Some(Event::Later) => format!("Later{base}"),
    }
}

// ---- conditions ----------------------------------------------------------------------------------

/// Compiles a condition. Every atom is a non-null boolean, so `not()` of a test on a missing value is
/// true, as docs/semantics.md promises.
pub fn cond(c: &Cond, lists: &[List]) -> String {
    cond_prec(c, lists, 0)
}

fn cond_prec(c: &Cond, lists: &[List], outer: u8) -> String {
    let (text, prec) = match c {
        Cond::Or { any } => (
            any.iter()
                .map(|c| cond_prec(c, lists, 1))
                .collect::<Vec<_>>()
                .join(" or "),
            1,
        ),
        Cond::And { all } => (
            all.iter()
                .map(|c| cond_prec(c, lists, 2))
                .collect::<Vec<_>>()
                .join(" and "),
            2,
        ),
        Cond::Not { cond } => (format!("not({})", cond_prec(cond, lists, 0)), 3),
        atom => (atom_text(atom, lists), 3),
    };
    if prec < outer {
        format!("({text})")
    } else {
        text
    }
}

fn present(f: FieldRef) -> String {
    match f.field.ty() {
        Type::String | Type::Ip => format!("isnotempty({})", column(f)),
        _ => format!("isnotnull({})", column(f)),
    }
}

fn atom_text(c: &Cond, lists: &[List]) -> String {
    match c {
        Cond::IsTrue { field } => format!("{} == true", column(*field)),
        Cond::Eq { field, value: v } => match field.field.ty() {
            Type::StringList => format!("set_has_element({}, {})", column(*field), value(v)),
            Type::String | Type::Ip | Type::Bool => format!("{} == {}", column(*field), value(v)),
            _ => format!(
                "({} and {} == {})",
                present(*field),
                column(*field),
                value(v)
            ),
        },
        Cond::FieldEq { left, right } => {
            format!(
                "({} and {} == {})",
                present(*left),
                column(*left),
                column(*right)
            )
        }
        Cond::InValues { field, values } => in_test(*field, &dynamic_or_tuple(*field, values)),
        Cond::InList { field, list } => in_test(*field, &list_ident(list)),
        Cond::InCidrList { field, list } => {
            let l = lists.iter().find(|l| &l.name == list);
            let (v4, v6) = match l {
                Some(l) if l.external.is_none() => {
                    let (v4, v6) = split_cidrs(&l.values);
                    (!v4.is_empty(), !v6.is_empty())
                }
                _ => (true, true),
            };
            cidr_test(*field, list, v4, v6)
        }
        Cond::InCidrs { field, cidrs } => {
            let values: Vec<Value> = cidrs.iter().cloned().map(Value::Str).collect();
            let (v4, v6) = split_cidrs(&values);
            let mut parts = Vec::new();
            if !v4.is_empty() {
                parts.push(format!(
                    "ipv4_is_in_any_range({}, {}) == true",
                    column(*field),
                    dynamic(&v4)
                ));
            }
            if !v6.is_empty() {
                parts.push(format!(
                    "ipv6_is_in_any_range({}, {}) == true",
                    column(*field),
                    dynamic(&v6)
                ));
            }
            format!("({} and ({}))", present(*field), parts.join(" or "))
        }
        Cond::Text {
            field,
            test,
            value: v,
        } => {
            let op = match test {
                TextOp::Contains => "contains",
                TextOp::StartsWith => "startswith",
                TextOp::EndsWith => "endswith",
            };
            format!("{} {op} {}", column(*field), string(v))
        }
        Cond::And { .. } | Cond::Or { .. } | Cond::Not { .. } => cond(c, lists),
    }
}

fn dynamic_or_tuple(f: FieldRef, values: &[Value]) -> String {
    if f.field.ty() == Type::StringList {
        dynamic(values)
    } else {
        values.iter().map(value).collect::<Vec<_>>().join(", ")
    }
}

fn in_test(f: FieldRef, set: &str) -> String {
    match f.field.ty() {
        Type::StringList => format!("array_length(set_intersect({}, {set})) > 0", column(f)),
        Type::String | Type::Ip => format!("{} in ({set})", column(f)),
        _ => format!("({} and {} in ({set}))", present(f), column(f)),
    }
}

fn cidr_test(f: FieldRef, list: &str, v4: bool, v6: bool) -> String {
    let mut parts = Vec::new();
    if v4 {
        parts.push(format!(
            "ipv4_is_in_any_range({}, {}) == true",
            column(f),
            cidr_ident(list, false)
        ));
    }
    if v6 {
        parts.push(format!(
            "ipv6_is_in_any_range({}, {}) == true",
            column(f),
            cidr_ident(list, true)
        ));
    }
    format!("({} and ({}))", present(f), parts.join(" or "))
}

fn list_ident(name: &str) -> String {
    name.to_string()
}

fn cidr_ident(name: &str, v6: bool) -> String {
    format!("{name}_{}", if v6 { "v6" } else { "v4" })
}

fn split_cidrs(values: &[Value]) -> (Vec<Value>, Vec<Value>) {
    values.iter().cloned().partition(|v| match v {
        Value::Str(s) => s
            .split('/')
            .next()
            .and_then(|a| a.parse::<IpAddr>().ok())
            .is_some_and(|ip| ip.is_ipv4()),
        _ => false,
    })
}

// ---- the template contexts --------------------------------------------------------------------

#[derive(Serialize)]
struct Header<'a> {
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
                    name: cidr_ident(&l.name, is_v6),
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
                name: list_ident(&l.name),
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

fn kind_label(k: ListKind) -> &'static str {
    match k {
        ListKind::Asn => "ASN",
        ListKind::Cidr => "CIDR",
        ListKind::AppId => "app id",
        ListKind::String => "string",
    }
}

#[derive(Serialize)]
struct Leg {
    table: String,
    converts: Vec<String>,
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
        let name = column(FieldRef {
            event: None,
            field: f,
        });
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

fn ua_family_expr(d: &Detection) -> Option<String> {
    let table = d.ua_families.as_ref()?;
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
            let column = column(FieldRef {
                event: None,
                field: *f,
            });
            Pack {
                key: column.clone(),
                column,
            }
        })
        .collect()
}

fn unpacks(fields: &[Field], event: Event, var: &str) -> Vec<Unpack> {
    fields
        .iter()
        .map(|&f| {
            let raw = format!(
                "{var}.{}",
                column(FieldRef {
                    event: None,
                    field: f
                })
            );
            let expr = match f.ty() {
                Type::Datetime => format!("todatetime({raw})"),
                Type::Int => format!("toint({raw})"),
                Type::Bool => format!("tobool({raw})"),
                Type::StringList => format!("coalesce(todynamic({raw}), dynamic([]))"),
                Type::String | Type::Ip => format!("tostring({raw})"),
            };
            Unpack {
                name: column(FieldRef {
                    event: Some(event),
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
    label: &'static str,
    description: Option<String>,
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
    signals: Vec<Named>,
    min_disagreements: u8,
    pair: Option<String>,
    suppressions: Vec<Named>,
    categories: Vec<Named>,
    risk_events: Option<String>,
    severity: &'a str,
    raised: &'a str,
    escalations: Vec<String>,
    output: Vec<String>,
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
    severity: &'a str,
}

fn header(d: &Detection) -> Header<'_> {
    Header {
        id: &d.id,
        title: &d.title,
        description: &d.description,
        severity: d.severity.name(),
        status: &d.status,
        attack: &d.attack,
        controls: &d.controls,
        source: &d.source,
        lookback: timespan(d.schedule.lookback),
        every: timespan(d.schedule.every),
    }
}

pub fn compile(d: &Detection, p: &Profile) -> Result<Artifact, Diagnostic> {
    let (legs, projection) = source(p, &d.fields)?;
    let text = match &d.logic {
        Logic::Single { when } => {
            let output = d
                .fields
                .iter()
                .filter(|f| **f != Field::Time)
                .map(|&f| {
                    column(FieldRef {
                        event: None,
                        field: f,
                    })
                })
                .collect();
            let cx = SingleCx {
                h: header(d),
                lets: lets(&d.lists),
                legs,
                time_column: &p.time_column,
                projection,
                ua_family: ua_family_expr(d),
                when: cond(when, &d.lists),
                output,
                severity: sentinel_severity(d.severity),
            };
            render::render("kql/single.kql", &cx)?
        }
        Logic::Correlation(c) => render::render(
            "kql/correlation.kql",
            &correlation_cx(d, c, p, legs, projection),
        )?,
    };
    Ok(Artifact::text(
        PathBuf::from(format!("sentinel/{}.kql", d.id)),
        text,
    ))
}

fn correlation_cx<'a>(
    d: &'a Detection,
    c: &'a Correlation,
    p: &'a Profile,
    legs: Vec<Leg>,
    projection: Vec<String>,
) -> CorrelationCx<'a> {
    let first = |f: Field| {
        column(FieldRef {
            event: Some(Event::First),
            field: f,
        })
    };
    let later = |f: Field| {
        column(FieldRef {
            event: Some(Event::Later),
            field: f,
        })
    };
    let s = &c.signals;
    let mut signals = Vec::new();
    if s.user_agent {
        signals.push(Named {
            name: "UaDisagrees".into(),
            label: "user_agent",
            description: Some("the user-agent family changed".into()),
            cond: format!("{} != {}", first(Field::UaFamily), later(Field::UaFamily)),
        });
    }
    let category = (!s.asn_categories.is_empty()).then(|| "LaterAsnCategory".to_string());
    if s.asn {
        let mut t = format!(
            "isnotnull({a}) and isnotnull({b}) and {a} != {b}",
            a = first(Field::Asn),
            b = later(Field::Asn)
        );
        if s.require_asn_category {
            t.push_str(" and isnotempty(LaterAsnCategory)");
        }
        signals.push(Named {
            name: "AsnDisagrees".into(),
            label: "asn",
            description: Some("the ASN changed".into()),
            cond: t,
        });
    }
    if s.device {
        signals.push(Named {
            name: "DeviceDisagrees".into(),
            label: "device",
            description: Some("the device id changed (a missing id on one side counts)".into()),
            cond: format!("{} != {}", first(Field::DeviceId), later(Field::DeviceId)),
        });
    }
    let categories = s
        .asn_categories
        .iter()
        .map(|l| Named {
            name: l.clone(),
            label: "",
            description: None,
            cond: format!("isnotnull({a}) and {a} in ({l})", a = later(Field::Asn)),
        })
        .collect();
    let risk_events = (!s.risk_events.is_empty()).then(|| {
        let wanted: Vec<Value> = s.risk_events.iter().cloned().map(Value::Str).collect();
        format!(
            "set_intersect(set_union({}, {}), {})",
            first(Field::RiskEvents),
            later(Field::RiskEvents),
            dynamic(&wanted)
        )
    });
    let mut escalations = Vec::new();
    if category.is_some() {
        escalations.push("isnotempty(LaterAsnCategory)".to_string());
    }
    if risk_events.is_some() {
        escalations.push("array_length(RiskEvents) > 0".to_string());
    }
    let mut output = vec![
        format!("TimeGenerated = {}", later(Field::Time)),
        column(FieldRef {
            event: None,
            field: c.key,
        }),
        format!("UserPrincipalName = {}", later(Field::User)),
        "IssuanceTime = FirstTime".to_string(),
        "LaterTime".to_string(),
    ];
    for f in &c.first_fields {
        if *f != Field::Time {
            output.push(first(*f));
        }
    }
    for f in &c.later_fields {
        if !matches!(*f, Field::Time | Field::User) {
            output.push(later(*f));
        }
    }
    if category.is_some() {
        output.push("LaterAsnCategory".into());
    }
    if !signals.is_empty() {
        output.push("Disagreements".into());
        output.push("DisagreeingSignals".into());
    }
    if risk_events.is_some() {
        output.push("RiskEvents".into());
    }
    output.push("Severity".into());
    let tie = tie_key(c);
    CorrelationCx {
        h: header(d),
        window: timespan(c.window),
        lets: lets(&d.lists),
        legs,
        time_column: &p.time_column,
        projection,
        ua_family: ua_family_expr(d),
        key: column(FieldRef {
            event: None,
            field: c.key,
        }),
        issuance: cond(&c.issuance, &d.lists),
        later: cond(&c.later, &d.lists),
        first_pack: packs(&c.first_fields),
        later_pack: packs(&c.later_fields),
        tie,
        first_unpack: unpacks(&c.first_fields, Event::First, "Issuance"),
        later_unpack: unpacks(&c.later_fields, Event::Later, "Later"),
        signals,
        min_disagreements: s.min_disagreements,
        pair: c.pair.as_ref().map(|p| cond(p, &d.lists)),
        suppressions: c
            .suppressions
            .iter()
            .map(|s| Named {
                name: s.name.clone(),
                label: "",
                description: s.description.clone(),
                cond: cond(&s.when, &d.lists),
            })
            .collect(),
        categories,
        risk_events,
        severity: sentinel_severity(d.severity),
        raised: sentinel_severity(d.severity.raised()),
        escalations,
        output,
    }
}

/// Deterministic tie-break between issuance events with the same timestamp (docs/semantics.md):
/// the issuance values joined by `;` (each with `|` and `;` replaced by `_`), compared as a string,
/// larger wins. Same text in every target.
fn tie_key(c: &Correlation) -> String {
    let mut parts = Vec::new();
    for f in &c.first_fields {
        match f.ty() {
            Type::String | Type::Ip => parts.push(format!(
                "replace_regex({}, @\"[|;]\", \"_\")",
                column(FieldRef {
                    event: None,
                    field: *f
                })
            )),
            Type::Int => parts.push(format!(
                "tostring({})",
                column(FieldRef {
                    event: None,
                    field: *f
                })
            )),
            _ => {}
        }
    }
    if parts.is_empty() {
        "\"\"".into()
    } else {
        format!("strcat({})", parts.join(", \";\", "))
    }
}

#[derive(Serialize)]
struct HealthCx<'a> {
    lookback: String,
    threshold: f64,
    min_events: u64,
    legs: Vec<Leg>,
    time_column: &'a str,
    details_column: String,
    method_key: String,
    result_key: String,
}

pub fn companions(p: &Profile) -> Result<Vec<Artifact>, Diagnostic> {
    let methods = p.map(Field::AuthMethods)?;
    let results = p.map(Field::AuthStepResults)?;
    let cx = HealthCx {
        lookback: timespan(p.health_lookback),
        threshold: p.health.threshold,
        min_events: p.health.min_events,
        legs: p
            .tables
            .iter()
            .map(|t| Leg {
                table: t.clone(),
                converts: Vec::new(),
            })
            .collect(),
        time_column: &p.time_column,
        details_column: methods.column.clone(),
        method_key: methods
            .each
            .clone()
            .unwrap_or_else(|| "authenticationMethod".into()),
        result_key: results
            .each
            .clone()
            .unwrap_or_else(|| "authenticationStepResultDetail".into()),
    };
    Ok(vec![Artifact::text(
        PathBuf::from("sentinel/_health/auth-details-health.kql"),
        render::render("kql/health.kql", &cx)?,
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_stay_strings() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("x\ny\r\t"), r#""x\ny\r\t""#);
        assert_eq!(string("\u{1}"), r#""\u0001""#);
        assert_eq!(string("| where 1==1 // ]"), r#""| where 1==1 // ]""#);
        assert_eq!(comment("evil\n| take 1"), "evil | take 1");
    }

    #[test]
    fn dynamic_literals() {
        assert_eq!(
            dynamic(&[Value::Int(14061), Value::Str("a'b".into())]),
            r#"dynamic([14061, "a'b"])"#
        );
    }
}
