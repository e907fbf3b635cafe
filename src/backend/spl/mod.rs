//! Splunk backend: SPL escaping, eval operators, lookups and the profile's path mapping; layout is in
//! templates/spl.

pub mod events;
pub mod publish;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Artifact;
use crate::catalogue::{Field, Type};
use crate::diag::{Diagnostic, SourceFile};
use crate::duration::Duration;
use crate::expr::Event;
use crate::ir::{Cond, Correlation, Detection, FieldRef, List, Logic, TextOp, Value};
use crate::model::{self, S};
use crate::render;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    target: S<String>,
    base_macro: S<String>,
    base_definition: S<String>,
    fields: BTreeMap<String, S<FieldMap>>,
    health: Health,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    /// The field as Splunk extracts it: `properties.ipAddress`, `properties.authenticationDetails{}.x`.
    pub path: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    pub lookback: String,
    pub threshold: f64,
    pub min_events: u64,
    pub category_field: String,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub base_macro: String,
    pub base_definition: String,
    pub fields: BTreeMap<Field, FieldMap>,
    pub health: Health,
    pub health_lookback: Duration,
    pub source: PathBuf,
}

impl Profile {
    pub fn load(file: &Arc<SourceFile>) -> Result<Self, Diagnostic> {
        let raw: RawProfile = model::parse_yaml(file)?;
        let at = |s: &S<String>| model::span_of(file, s);
        super::expect_target(file, &raw.target, super::Target::Splunk)?;
        if !is_name(&raw.base_macro.value) {
            return Err(Diagnostic::error(
                "E030",
                format!("`{}` is not a macro name", raw.base_macro.value),
            )
            .at(at(&raw.base_macro))
            .help("use letters, digits and `_`"));
        }
        if raw.base_definition.value.contains(['\n', '\r', '`']) {
            return Err(Diagnostic::error(
                "E030",
                "the base search definition spans lines or holds a backtick",
            )
            .at(at(&raw.base_definition))
            .help("write it on one line, e.g. index=azure sourcetype=\"azure:monitor:aad\""));
        }
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
            if !is_path(&map.value.path) {
                return Err(Diagnostic::error(
                    "E030",
                    format!("`{}` is not a field path", map.value.path),
                )
                .at(model::span_of(file, map))
                .help("paths use letters, digits, `_`, `.`, `@`, `-` and `{}`"));
            }
            fields.insert(field, map.value.clone());
        }
        if !is_path(&raw.health.category_field) {
            return Err(
                Diagnostic::error("E030", "health category_field is not a field name")
                    .in_file(&file.path),
            );
        }
        let health_lookback =
            super::health_settings(file, &raw.health.lookback, raw.health.threshold)?;
        Ok(Self {
            base_macro: raw.base_macro.value,
            base_definition: raw.base_definition.value,
            fields,
            health: raw.health,
            health_lookback,
            source: file.path.clone(),
        })
    }

    /// The flattened path a field is read from, for reports.
    pub fn source_of(&self, f: Field) -> String {
        self.fields
            .get(&f)
            .map_or_else(|| "(not mapped)".into(), |m| m.path.clone())
    }

    fn path(&self, f: Field) -> Result<&str, Diagnostic> {
        self.fields.get(&f).map(|m| m.path.as_str()).ok_or_else(|| {
            Diagnostic::error(
                "E031",
                format!("the Splunk profile does not map field `{}`", f.name()),
            )
            .in_file(&self.source)
            .help(format!("add `{}: {{ path: … }}` under fields:", f.name()))
        })
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_path(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '-' | '{' | '}'))
}

// ---- escaping: the only way a value becomes SPL text --------------------------------------------

/// A double-quoted SPL string: `\` and `"` escaped. A newline stays data inside the quotes.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A field name inside eval/where: single-quoted (needed for `.` and `{}`).
pub fn field(path: &str) -> String {
    format!("'{path}'")
}

/// PCRE text matching `s` literally: regex metacharacters escaped, control characters as `\x{..}`.
pub fn regex_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{{{:x}}}", c as u32));
        } else if matches!(
            c,
            '\\' | '^'
                | '$'
                | '.'
                | '|'
                | '?'
                | '*'
                | '+'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '#'
        ) {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

pub fn value(v: &Value) -> String {
    match v {
        Value::Str(s) => string(s),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
    }
}

/// Text for a ``` comment ```: no backticks and no line breaks.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                ' '
            } else if c == '`' {
                '\''
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Splunk relative time: `-90m`.
pub fn relative(d: Duration) -> String {
    let s = d.seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if s.is_multiple_of(size) {
            return format!("-{}{unit}", s / size);
        }
    }
    format!("-{s}s")
}

pub fn register(env: &mut minijinja::Environment<'static>) {
    env.add_filter("spl_string", |s: String| string(&s));
    env.add_filter("spl_comment", |s: String| comment(&s));
}

// ---- naming ------------------------------------------------------------------------------------

fn column(f: FieldRef) -> String {
    match f.event {
        None => format!("tw_{}", f.field.name()),
        Some(Event::First) => format!("first_{}", f.field.name()),
        Some(Event::Later) => format!("later_{}", f.field.name()),
    }
}

// ---- conditions ----------------------------------------------------------------------------------

/// A compiled condition and the `lookup` commands that must run before it (external lists).
#[derive(Debug, Default, Serialize)]
pub struct Compiled {
    pub text: String,
    pub lookups: Vec<String>,
}

struct CondCx<'a> {
    lists: &'a [List],
    lookups: Vec<String>,
    /// Distinguishes the hit fields of lookups at different stages of one query.
    stage: &'a str,
}

pub fn cond(c: &Cond, lists: &[List], stage: &str) -> Compiled {
    let mut cx = CondCx {
        lists,
        lookups: Vec::new(),
        stage,
    };
    let text = cx.prec(c, 0);
    Compiled {
        text,
        lookups: cx.lookups,
    }
}

impl CondCx<'_> {
    fn prec(&mut self, c: &Cond, outer: u8) -> String {
        let (text, prec) = match c {
            Cond::Or { any } => (
                any.iter()
                    .map(|c| self.prec(c, 1))
                    .collect::<Vec<_>>()
                    .join(" OR "),
                1,
            ),
            Cond::And { all } => (
                all.iter()
                    .map(|c| self.prec(c, 2))
                    .collect::<Vec<_>>()
                    .join(" AND "),
                2,
            ),
            Cond::Not { cond } => (format!("NOT ({})", self.prec(cond, 0)), 3),
            atom => (self.atom(atom), 3),
        };
        if prec < outer {
            format!("({text})")
        } else {
            text
        }
    }

    fn atom(&mut self, c: &Cond) -> String {
        match c {
            Cond::IsTrue { field } => format!("{}==1", column(*field)),
            Cond::Eq { field, value: v } => match field.field.ty() {
                Type::StringList => any_of(*field, std::slice::from_ref(v)),
                Type::String | Type::Ip => format!("{}=={}", column(*field), value(v)),
                Type::Bool => format!("{}=={}", column(*field), value(v)),
                _ => format!("(isnotnull({f}) AND {f}=={})", value(v), f = column(*field)),
            },
            Cond::FieldEq { left, right } => match left.field.ty() {
                Type::String | Type::Ip => {
                    format!(
                        "({l}!=\"\" AND {l}=={r})",
                        l = column(*left),
                        r = column(*right)
                    )
                }
                _ => format!(
                    "(isnotnull({l}) AND {l}=={r})",
                    l = column(*left),
                    r = column(*right)
                ),
            },
            Cond::InValues { field, values } => in_values(*field, values),
            Cond::InList { field, list } => match self.list(list) {
                Some(l) if l.external.is_none() => in_values(*field, &l.values),
                _ => self.lookup(*field, list),
            },
            Cond::InCidrList { field, list } => match self.list(list) {
                Some(l) if l.external.is_none() => {
                    let cidrs: Vec<String> = l
                        .values
                        .iter()
                        .filter_map(|v| match v {
                            Value::Str(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect();
                    cidr_test(*field, &cidrs)
                }
                _ => self.lookup(*field, list),
            },
            Cond::InCidrs { field, cidrs } => cidr_test(*field, cidrs),
            Cond::Text {
                field,
                test,
                value: v,
            } => {
                let re = regex_literal(v);
                let re = match test {
                    TextOp::Contains => format!("(?i){re}"),
                    TextOp::StartsWith => format!("(?i)^{re}"),
                    TextOp::EndsWith => format!("(?i){re}$"),
                };
                format!("match({}, {})", column(*field), string(&re))
            }
            Cond::And { .. } | Cond::Or { .. } | Cond::Not { .. } => self.prec(c, 0),
        }
    }

    fn list(&self, name: &str) -> Option<&List> {
        self.lists.iter().find(|l| l.name == name)
    }

    /// An external list: a `lookup` brings a hit field; the condition tests that it is set.
    fn lookup(&mut self, f: FieldRef, list: &str) -> String {
        let Some(ext) = self.list(list).and_then(|l| l.external.clone()) else {
            return "false()".into();
        };
        let hit = format!("tw_hit_{}_{}", self.stage, self.lookups.len() + 1);
        self.lookups.push(format!(
            "lookup {} {} AS {} OUTPUTNEW {} AS {hit}",
            ext.lookup,
            ext.lookup_field,
            column(f),
            ext.lookup_field
        ));
        format!("isnotnull({hit})")
    }
}

fn any_of(f: FieldRef, values: &[Value]) -> String {
    let alts: Vec<String> = values
        .iter()
        .map(|v| match v {
            Value::Str(s) => regex_literal(s),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
        })
        .collect();
    format!(
        "isnotnull(mvfind({}, {}))",
        column(f),
        string(&format!("^(?:{})$", alts.join("|")))
    )
}

fn in_values(f: FieldRef, values: &[Value]) -> String {
    let list: Vec<String> = values.iter().map(value).collect();
    match f.field.ty() {
        Type::StringList => any_of(f, values),
        Type::String | Type::Ip => format!("in({}, {})", column(f), list.join(", ")),
        _ => format!(
            "(isnotnull({c}) AND in({c}, {}))",
            list.join(", "),
            c = column(f)
        ),
    }
}

fn cidr_test(f: FieldRef, cidrs: &[String]) -> String {
    let tests: Vec<String> = cidrs
        .iter()
        .map(|c| format!("cidrmatch({}, {})", string(c), column(f)))
        .collect();
    format!("({c}!=\"\" AND ({}))", tests.join(" OR "), c = column(f))
}

// ---- normalization -----------------------------------------------------------------------------

fn normalize(p: &Profile, fields: &[Field]) -> Result<Vec<String>, Diagnostic> {
    let mut out = Vec::new();
    for &f in fields {
        if f == Field::UaFamily {
            continue;
        }
        let src = field(p.path(f)?);
        let expr = match f.ty() {
            Type::Datetime => src,
            Type::Int => format!("tonumber({src})"),
            Type::Bool => {
                format!("if(lower(tostring({src}))==\"true\" OR tostring({src})==\"1\", 1, 0)")
            }
            // When automatic extraction dropped the flattened array (size limits, KV_MODE), read it
            // from the raw event instead of going blind.
            Type::StringList => format!("coalesce({src}, spath(_raw, {}))", string(p.path(f)?)),
            Type::String | Type::Ip => format!("coalesce(tostring({src}), \"\")"),
        };
        out.push(format!(
            "{}={expr}",
            column(FieldRef {
                event: None,
                field: f
            })
        ));
    }
    Ok(out)
}

fn ua_family_expr(d: &Detection) -> Option<String> {
    let table = d.ua_families.as_ref()?;
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

fn json_pack(fields: &[Field]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|&f| {
            let col = column(FieldRef {
                event: None,
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

fn unpack(fields: &[Field], event: Event, var: &str) -> Vec<String> {
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
                    event: Some(event),
                    field: f
                })
            )
        })
        .collect()
}

// ---- the template contexts --------------------------------------------------------------------

#[derive(Serialize)]
struct Header<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'a str,
    status: &'a str,
    attack: &'a [String],
    controls: &'a [String],
    source: &'a str,
    lookback: String,
    every: String,
}

fn header(d: &Detection) -> Header<'_> {
    Header {
        id: &d.id,
        title: &d.title,
        severity: d.severity.name(),
        status: &d.status,
        attack: &d.attack,
        controls: &d.controls,
        source: &d.source,
        lookback: d.schedule.lookback.to_string(),
        every: d.schedule.every.to_string(),
    }
}

#[derive(Serialize)]
struct Named {
    name: String,
    description: Option<String>,
    cond: Compiled,
}

#[derive(Serialize)]
struct CorrelationCx<'a> {
    h: Header<'a>,
    base_macro: &'a str,
    earliest: String,
    window_seconds: u64,
    normalize: Vec<String>,
    ua_family: Option<String>,
    key: String,
    key_name: &'static str,
    issuance: Compiled,
    later: Compiled,
    tie: String,
    first_pack: String,
    later_pack: String,
    first_unpack: Vec<String>,
    later_unpack: Vec<String>,
    categories: Vec<Named>,
    signals: Vec<Named>,
    min_disagreements: u8,
    pair: Option<Compiled>,
    suppressions: Vec<Named>,
    risk_events: Option<String>,
    severity: &'a str,
    raised: &'a str,
    escalations: Vec<String>,
    output: Vec<String>,
}

#[derive(Serialize)]
struct SingleCx<'a> {
    h: Header<'a>,
    base_macro: &'a str,
    earliest: String,
    normalize: Vec<String>,
    ua_family: Option<String>,
    when: Compiled,
    severity: &'a str,
    output: Vec<String>,
}

pub fn compile(d: &Detection, p: &Profile) -> Result<Artifact, Diagnostic> {
    let normalize = normalize(p, &d.fields)?;
    let earliest = relative(d.schedule.lookback);
    let text = match &d.logic {
        Logic::Single { when } => {
            let output = d
                .fields
                .iter()
                .filter(|f| **f != Field::Time)
                .map(|f| f.name().to_string())
                .collect();
            render::render(
                "spl/single.spl",
                &SingleCx {
                    h: header(d),
                    base_macro: &p.base_macro,
                    earliest,
                    normalize,
                    ua_family: ua_family_expr(d),
                    when: cond(when, &d.lists, "match"),
                    severity: d.severity.name(),
                    output,
                },
            )?
        }
        Logic::Correlation(c) => render::render(
            "spl/correlation.spl",
            &correlation_cx(d, c, p, normalize, earliest),
        )?,
    };
    Ok(Artifact::text(
        PathBuf::from(format!("splunk/{}.spl", d.id)),
        text,
    ))
}

fn correlation_cx<'a>(
    d: &'a Detection,
    c: &'a Correlation,
    p: &'a Profile,
    normalize: Vec<String>,
    earliest: String,
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
    let plain = |text: String| Compiled {
        text,
        lookups: Vec::new(),
    };
    let categories = s
        .asn_categories
        .iter()
        .map(|l| {
            let test = cond(
                &Cond::InList {
                    field: FieldRef {
                        event: Some(Event::Later),
                        field: Field::Asn,
                    },
                    list: l.clone(),
                },
                &d.lists,
                &format!("cat_{l}"),
            );
            Named {
                name: l.clone(),
                description: None,
                cond: test,
            }
        })
        .collect();
    let mut signals = Vec::new();
    if s.user_agent {
        signals.push(Named {
            name: "user_agent".into(),
            description: Some("the user-agent family changed".into()),
            cond: plain(format!(
                "{}!={}",
                first(Field::UaFamily),
                later(Field::UaFamily)
            )),
        });
    }
    if s.asn {
        let mut t = format!(
            "isnotnull({a}) AND isnotnull({b}) AND {a}!={b}",
            a = first(Field::Asn),
            b = later(Field::Asn)
        );
        if s.require_asn_category {
            t.push_str(" AND later_asn_category!=\"\"");
        }
        signals.push(Named {
            name: "asn".into(),
            description: Some("the ASN changed".into()),
            cond: plain(t),
        });
    }
    if s.device {
        signals.push(Named {
            name: "device".into(),
            description: Some("the device id changed (a missing id on one side counts)".into()),
            cond: plain(format!(
                "{}!={}",
                first(Field::DeviceId),
                later(Field::DeviceId)
            )),
        });
    }
    let risk_events = (!s.risk_events.is_empty()).then(|| {
        let alts: Vec<String> = s.risk_events.iter().map(|r| regex_literal(r)).collect();
        string(&format!("^(?:{})$", alts.join("|")))
    });
    let mut escalations = Vec::new();
    if !s.asn_categories.is_empty() {
        escalations.push("later_asn_category!=\"\"".to_string());
    }
    if risk_events.is_some() {
        escalations.push("mvcount(risk_events)>0".to_string());
    }
    let mut output = vec![
        "_time".to_string(),
        c.key.name().to_string(),
        "user".to_string(),
        "issuance_time".to_string(),
        "later_time".to_string(),
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
    if !s.asn_categories.is_empty() {
        output.push("later_asn_category".into());
    }
    if !signals.is_empty() {
        output.push("disagreements".into());
        output.push("disagreeing_signals".into());
    }
    if risk_events.is_some() {
        output.push("risk_events".into());
    }
    output.push("severity".into());
    CorrelationCx {
        h: header(d),
        base_macro: &p.base_macro,
        earliest,
        window_seconds: c.window.seconds,
        normalize,
        ua_family: ua_family_expr(d),
        key: column(FieldRef {
            event: None,
            field: c.key,
        }),
        key_name: c.key.name(),
        issuance: cond(&c.issuance, &d.lists, "issuance"),
        later: cond(&c.later, &d.lists, "later"),
        tie: tie_key(c),
        first_pack: json_pack(&c.first_fields),
        later_pack: json_pack(&c.later_fields),
        first_unpack: unpack(&c.first_fields, Event::First, "tw_anchor"),
        later_unpack: unpack(&c.later_fields, Event::Later, "tw_laters"),
        categories,
        signals,
        min_disagreements: s.min_disagreements,
        pair: c.pair.as_ref().map(|p| cond(p, &d.lists, "pair")),
        suppressions: c
            .suppressions
            .iter()
            .enumerate()
            .map(|(i, s)| Named {
                name: s.name.clone(),
                description: s.description.clone(),
                cond: cond(&s.when, &d.lists, &format!("supp{}", i + 1)),
            })
            .collect(),
        risk_events,
        severity: d.severity.name(),
        raised: d.severity.raised().name(),
        escalations,
        output,
    }
}

/// Same key as the KQL backend's: the issuance values joined by `;`, each with `|` and `;` replaced by `_`.
fn tie_key(c: &Correlation) -> String {
    let mut parts = Vec::new();
    for f in &c.first_fields {
        let col = column(FieldRef {
            event: None,
            field: *f,
        });
        match f.ty() {
            Type::String | Type::Ip => parts.push(format!("replace({col}, \"[|;]\", \"_\")")),
            Type::Int => parts.push(format!("coalesce(tostring({col}), \"\")")),
            _ => {}
        }
    }
    if parts.is_empty() {
        "\"\"".into()
    } else {
        parts.join(" . \";\" . ")
    }
}

#[derive(Serialize)]
struct HealthCx<'a> {
    base_macro: &'a str,
    earliest: String,
    lookback: String,
    threshold: f64,
    min_events: u64,
    category: String,
    method: String,
    result: String,
}

#[derive(Serialize)]
struct MacrosCx<'a> {
    base_macro: &'a str,
    definition: &'a str,
}

pub fn companions(p: &Profile) -> Result<Vec<Artifact>, Diagnostic> {
    let cx = HealthCx {
        base_macro: &p.base_macro,
        earliest: relative(p.health_lookback),
        lookback: p.health_lookback.to_string(),
        threshold: p.health.threshold,
        min_events: p.health.min_events,
        category: p.health.category_field.clone(),
        method: field(p.path(Field::AuthMethods)?),
        result: field(p.path(Field::AuthStepResults)?),
    };
    Ok(vec![
        Artifact::text(
            PathBuf::from("splunk/_health/auth-details-health.spl"),
            render::render("spl/health.spl", &cx)?,
        ),
        Artifact::text(
            PathBuf::from("splunk/macros.conf"),
            render::render(
                "spl/macros.conf",
                &MacrosCx {
                    base_macro: &p.base_macro,
                    definition: &p.base_definition,
                },
            )?,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_regexes_stay_data() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("x | delete ]"), r#""x | delete ]""#);
        assert_eq!(regex_literal("a.b|c$/-"), r"a\.b\|c\$/-");
        assert_eq!(regex_literal("new\nline"), r"new\x{a}line");
        assert_eq!(comment("a ``` b\nc"), "a ''' b c");
    }

    #[test]
    fn relative_times() {
        assert_eq!(relative(Duration::minutes(90)), "-90m");
        assert_eq!(relative(Duration::minutes(120)), "-2h");
        assert_eq!(relative(Duration { seconds: 61 }), "-61s");
    }
}
