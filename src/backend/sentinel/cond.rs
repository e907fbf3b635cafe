//! KQL columns and atomic tests: equality, list membership, CIDR ranges, text, and the plan's own tests.

use std::net::IpAddr;

use super::escape::{dynamic, string, value};
use crate::catalogue::{Field, Type};
use crate::expr::Side;
use crate::ir::{Cond, FieldRef, List, TextOp, Value};
use crate::plan::Pred;
use crate::render::pascal_case;

/// Column name of a field at each stage: `Asn` per event, `FirstAsn` / `LaterAsn` after the pairing.
pub fn column(f: FieldRef) -> String {
    let base = pascal_case(f.field.name());
    match f.side {
        None => base,
        Some(Side::First) => format!("First{base}"),
        Some(Side::Later) => format!("Later{base}"),
    }
}

pub fn event_column(field: Field) -> String {
    column(FieldRef { side: None, field })
}

fn present(f: FieldRef) -> String {
    match f.field.ty() {
        Type::String | Type::Ip => format!("isnotempty({})", column(f)),
        _ => format!("isnotnull({})", column(f)),
    }
}

pub fn atom(c: &Cond, lists: &[List]) -> String {
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
        Cond::FieldEq { left, right } => format!(
            "({} and {} == {})",
            present(*left),
            column(*left),
            column(*right)
        ),
        Cond::InValues { field, values } => in_test(*field, &dynamic_or_tuple(*field, values)),
        Cond::InList { field, list } => in_test(*field, list),
        Cond::InCidrList { field, list } => {
            let (v4, v6) = match lists.iter().find(|l| &l.name == list) {
                Some(l) if l.external.is_none() => {
                    let (v4, v6) = split_cidrs(&l.values);
                    (!v4.is_empty(), !v6.is_empty())
                }
                _ => (true, true),
            };
            let mut parts = Vec::new();
            if v4 {
                parts.push(format!(
                    "ipv4_is_in_any_range({}, {}) == true",
                    column(*field),
                    cidr_ident(list, false)
                ));
            }
            if v6 {
                parts.push(format!(
                    "ipv6_is_in_any_range({}, {}) == true",
                    column(*field),
                    cidr_ident(list, true)
                ));
            }
            format!("({} and ({}))", present(*field), parts.join(" or "))
        }
        Cond::InCidrs { field, cidrs } => {
            let values: Vec<Value> = cidrs.iter().map(|c| Value::Str(c.to_string())).collect();
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
        // The walker in backend::text handles the connectives.
        Cond::And { .. } | Cond::Or { .. } | Cond::Not { .. } => String::new(),
    }
}

/// The plan's own tests over the paired columns.
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
                Type::Int => (
                    format!("isnotnull({a}) and isnotnull({b}) and {a} != {b}"),
                    2,
                ),
                _ => (format!("{a} != {b}"), 3),
            }
        }
        Pred::Labelled { label } => (format!("isnotempty({})", pascal_case(label)), 3),
        Pred::RiskFound => ("array_length(RiskEvents) > 0".into(), 3),
        Pred::All { .. } | Pred::Any { .. } | Pred::Not { .. } | Pred::Cond { .. } => {
            (String::new(), 3)
        }
    }
}

fn dynamic_or_tuple(f: FieldRef, values: &[Value]) -> String {
    if f.field.ty() == Type::StringList {
        dynamic(values)
    } else {
        values.iter().map(value).collect::<Vec<_>>().join(", ")
    }
}

/// A label's arm: the value is in the list, without the parentheses an atom carries.
pub fn label_arm(f: FieldRef, list: &str) -> String {
    match f.field.ty() {
        Type::String | Type::Ip | Type::StringList => in_test(f, list),
        _ => format!("{} and {} in ({list})", present(f), column(f)),
    }
}

fn in_test(f: FieldRef, set: &str) -> String {
    match f.field.ty() {
        Type::StringList => format!("array_length(set_intersect({}, {set})) > 0", column(f)),
        Type::String | Type::Ip => format!("{} in ({set})", column(f)),
        _ => format!("({} and {} in ({set}))", present(f), column(f)),
    }
}

/// The `let` names of a CIDR list's IPv4 and IPv6 halves.
pub fn cidr_ident(name: &str, v6: bool) -> String {
    format!("{name}_{}", if v6 { "v6" } else { "v4" })
}

pub fn split_cidrs(values: &[Value]) -> (Vec<Value>, Vec<Value>) {
    values.iter().cloned().partition(|v| match v {
        Value::Str(s) => s
            .split('/')
            .next()
            .and_then(|a| a.parse::<IpAddr>().ok())
            .is_some_and(|ip| ip.is_ipv4()),
        _ => false,
    })
}
