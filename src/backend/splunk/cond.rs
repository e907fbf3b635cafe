//! SPL columns and atomic tests: eval equality, `in()`, `cidrmatch`, `match`, lookups for lists read at
//! search time, and the plan's own tests.

use super::escape::{regex_literal, string, value};
use crate::backend::Prelude;
use crate::catalogue::Type;
use crate::expr::Side;
use crate::ir::{Cond, FieldRef, List, TextOp, Value};
use crate::plan::Pred;

/// `tw_asn` per event, `first_asn` / `later_asn` after the pairing.
pub fn column(f: FieldRef) -> String {
    match f.side {
        None => format!("tw_{}", f.field.name()),
        Some(Side::First) => format!("first_{}", f.field.name()),
        Some(Side::Later) => format!("later_{}", f.field.name()),
    }
}

pub fn atom(c: &Cond, lists: &[List], pre: &mut Prelude) -> String {
    let list = |name: &str| lists.iter().find(|l| l.name == name);
    match c {
        Cond::IsTrue { field } => format!("{}==1", column(*field)),
        Cond::Eq { field, value: v } => match field.field.ty() {
            Type::StringList => any_of(*field, std::slice::from_ref(v)),
            Type::String | Type::Ip | Type::Bool => format!("{}=={}", column(*field), value(v)),
            _ => format!("(isnotnull({f}) AND {f}=={})", value(v), f = column(*field)),
        },
        Cond::FieldEq { left, right } => match left.field.ty() {
            Type::String | Type::Ip => format!(
                "({l}!=\"\" AND {l}=={r})",
                l = column(*left),
                r = column(*right)
            ),
            _ => format!(
                "(isnotnull({l}) AND {l}=={r})",
                l = column(*left),
                r = column(*right)
            ),
        },
        Cond::InValues { field, values } => in_values(*field, values),
        Cond::InList { field, list: name } => match list(name) {
            Some(l) if l.external.is_none() => in_values(*field, &l.values),
            l => lookup(*field, l, pre),
        },
        Cond::InCidrList { field, list: name } => match list(name) {
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
            l => lookup(*field, l, pre),
        },
        Cond::InCidrs { field, cidrs } => {
            let cidrs: Vec<String> = cidrs.iter().map(ToString::to_string).collect();
            cidr_test(*field, &cidrs)
        }
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
        // The walker in backend::text handles the connectives.
        Cond::And { .. } | Cond::Or { .. } | Cond::Not { .. } => String::new(),
    }
}

/// The plan's own tests over the paired fields.
pub fn plan_atom(p: &Pred) -> (String, u8) {
    match p {
        Pred::Differs { field } => {
            let (a, b) = (
                column(FieldRef {
                    side: Some(Side::First),
                    field: *field,
                }),
                column(FieldRef {
                    side: Some(Side::Later),
                    field: *field,
                }),
            );
            match field.ty() {
                Type::Int => (format!("isnotnull({a}) AND isnotnull({b}) AND {a}!={b}"), 2),
                _ => (format!("{a}!={b}"), 3),
            }
        }
        Pred::Labelled { label } => (format!("{label}!=\"\""), 3),
        Pred::RiskFound => ("mvcount(risk_events)>0".into(), 3),
        Pred::All { .. } | Pred::Any { .. } | Pred::Not { .. } | Pred::Cond { .. } => {
            (String::new(), 3)
        }
    }
}

/// An external list: a `lookup` brings a hit field; the condition tests that it is set.
fn lookup(f: FieldRef, list: Option<&List>, pre: &mut Prelude) -> String {
    let Some(ext) = list.and_then(|l| l.external.as_ref()) else {
        return "false()".into();
    };
    let hit = format!("tw_hit_{}_{}", pre.stage, pre.commands.len() + 1);
    pre.commands.push(format!(
        "lookup {} {} AS {} OUTPUTNEW {} AS {hit}",
        ext.lookup,
        ext.lookup_field,
        column(f),
        ext.lookup_field
    ));
    format!("isnotnull({hit})")
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
