//! Conditions and pair predicates over canonical values, and, for explanations, the leaf tests that
//! decided a condition with the values they read.

use std::net::IpAddr;

use crate::catalogue::Type;
use crate::events::{Event, Val};
use crate::expr::Side;
use crate::ir::{Cond, FieldRef, List, TextOp, Value};
use crate::plan::Pred;

use super::trace::{Leaf, Test};

pub(super) struct Cx<'a> {
    pub lists: &'a [List],
}

pub(super) fn as_str(v: Option<&Val>) -> &str {
    match v {
        Some(Val::Str(s)) => s,
        _ => "",
    }
}

fn as_int(v: Option<&Val>) -> Option<i64> {
    match v {
        Some(Val::Int(i)) => Some(*i),
        _ => None,
    }
}

fn as_list(v: Option<&Val>) -> &[String] {
    match v {
        Some(Val::List(l)) => l,
        _ => &[],
    }
}

/// What one pair computes: labels, signals, filters, risk and severity.
pub(super) struct Pair<'e> {
    pub first: &'e Event,
    pub later: &'e Event,
    pub labels: std::collections::BTreeMap<String, String>,
    pub risk: Vec<String>,
}

impl Pair<'_> {
    pub fn get(&self, f: FieldRef) -> Option<&Val> {
        match f.side {
            Some(Side::First) => self.first.values.get(&f.field),
            _ => self.later.values.get(&f.field),
        }
    }
}

impl Cx<'_> {
    fn list(&self, name: &str) -> Option<&List> {
        self.lists.iter().find(|l| l.name == name)
    }

    fn list_values(&self, name: &str) -> &[Value] {
        self.list(name).map_or(&[], |l| l.values.as_slice())
    }

    fn networks(&self, name: &str) -> &[ipnet::IpNet] {
        self.list(name).map_or(&[], |l| l.networks.as_slice())
    }

    pub fn cond<'v>(&self, c: &Cond, get: &dyn Fn(FieldRef) -> Option<&'v Val>) -> bool {
        match c {
            Cond::And { all } => all.iter().all(|c| self.cond(c, get)),
            Cond::Or { any } => any.iter().any(|c| self.cond(c, get)),
            Cond::Not { cond } => !self.cond(cond, get),
            Cond::IsTrue { field } => matches!(get(*field), Some(Val::Bool(true))),
            Cond::Eq { field, value } => self.member(*field, std::slice::from_ref(value), get),
            Cond::FieldEq { left, right } => match left.field.ty() {
                Type::Int => {
                    let l = as_int(get(*left));
                    l.is_some() && l == as_int(get(*right))
                }
                Type::Bool => {
                    matches!(get(*left), Some(Val::Bool(true)))
                        == matches!(get(*right), Some(Val::Bool(true)))
                }
                _ => {
                    let l = as_str(get(*left));
                    !l.is_empty() && l == as_str(get(*right))
                }
            },
            Cond::InValues { field, values } => self.member(*field, values, get),
            Cond::InList { field, list } => self.member(*field, self.list_values(list), get),
            Cond::InCidrList { field, list } => {
                in_cidrs(as_str(get(*field)), self.networks(list)).is_some()
            }
            Cond::InCidrs { field, cidrs } => in_cidrs(as_str(get(*field)), cidrs).is_some(),
            Cond::Text { field, test, value } => {
                let hay = as_str(get(*field)).to_lowercase();
                let needle = value.to_lowercase();
                match test {
                    TextOp::Contains => hay.contains(&needle),
                    TextOp::StartsWith => hay.starts_with(&needle),
                    TextOp::EndsWith => hay.ends_with(&needle),
                }
            }
        }
    }

    /// `==` and `in`: exact; any value of a list field; a missing integer or boolean never matches.
    fn member<'v>(
        &self,
        f: FieldRef,
        values: &[Value],
        get: &dyn Fn(FieldRef) -> Option<&'v Val>,
    ) -> bool {
        member_of(f, values, get(f)).is_some()
    }

    pub fn pred(&self, p: &Pred, pair: &Pair<'_>) -> bool {
        match p {
            Pred::All { all } => all.iter().all(|p| self.pred(p, pair)),
            Pred::Any { any } => any.iter().any(|p| self.pred(p, pair)),
            Pred::Not { pred } => !self.pred(pred, pair),
            Pred::Cond { cond } => self.cond(cond, &|f| pair.get(f)),
            Pred::Differs { field } => match field.ty() {
                Type::Int => matches!(
                    (pair.first.int(*field), pair.later.int(*field)),
                    (Some(a), Some(b)) if a != b
                ),
                _ => pair.first.str(*field) != pair.later.str(*field),
            },
            Pred::Labelled { label } => pair.labels.get(label).is_some_and(|v| !v.is_empty()),
            Pred::RiskFound => !pair.risk.is_empty(),
        }
    }

    /// The outcome of a condition and the leaf tests that decided it: for a false `and`, the leaves
    /// that failed; for a false `or`, all of them; for a true `or`, the first that held.
    pub fn test<'v>(&self, c: &Cond, get: &dyn Fn(FieldRef) -> Option<&'v Val>) -> Test {
        let holds = self.cond(c, get);
        let mut leaves = Vec::new();
        let why = self.why(c, get, false, &mut leaves);
        debug_assert_eq!(
            holds, why,
            "the explanation of {c:?} disagrees with its outcome"
        );
        Test { holds, leaves }
    }

    fn why<'v>(
        &self,
        c: &Cond,
        get: &dyn Fn(FieldRef) -> Option<&'v Val>,
        negated: bool,
        out: &mut Vec<Leaf>,
    ) -> bool {
        match c {
            Cond::And { all } => {
                let results: Vec<bool> = all.iter().map(|c| self.cond(c, get)).collect();
                let holds = results.iter().all(|r| *r);
                for (c, r) in all.iter().zip(&results) {
                    if holds || !r {
                        self.why(c, get, negated, out);
                    }
                }
                holds
            }
            Cond::Or { any } => match any.iter().find(|c| self.cond(c, get)) {
                Some(c) => self.why(c, get, negated, out),
                None => {
                    for c in any {
                        self.why(c, get, negated, out);
                    }
                    false
                }
            },
            Cond::Not { cond } => !self.why(cond, get, !negated, out),
            leaf => {
                let held = self.cond(leaf, get);
                let mut refs = Vec::new();
                leaf.fields(&mut refs);
                refs.dedup();
                out.push(Leaf {
                    cond: leaf.clone(),
                    negated,
                    held,
                    values: refs.into_iter().map(|f| (f, get(f).cloned())).collect(),
                    entry: self.entry(leaf, get),
                });
                held
            }
        }
    }

    /// The list value or network a membership test matched.
    fn entry<'v>(&self, c: &Cond, get: &dyn Fn(FieldRef) -> Option<&'v Val>) -> Option<String> {
        match c {
            Cond::InList { field, list } => {
                let values = self.list_values(list);
                member_of(*field, values, get(*field)).map(|i| value_text(&values[i]))
            }
            Cond::InValues { field, values } => {
                member_of(*field, values, get(*field)).map(|i| value_text(&values[i]))
            }
            Cond::InCidrList { field, list } => {
                in_cidrs(as_str(get(*field)), self.networks(list)).map(|n| n.to_string())
            }
            Cond::InCidrs { field, cidrs } => {
                in_cidrs(as_str(get(*field)), cidrs).map(|n| n.to_string())
            }
            _ => None,
        }
    }

    /// The leaves of the rule's own conditions inside a pair predicate (`extra:` signals), with the
    /// values they read; built-in tests (`differs`, labels, risk) are shown from the values instead.
    pub fn pred_leaves(&self, p: &Pred, pair: &Pair<'_>, negated: bool, out: &mut Vec<Leaf>) {
        match p {
            Pred::All { all: v } | Pred::Any { any: v } => v
                .iter()
                .for_each(|p| self.pred_leaves(p, pair, negated, out)),
            Pred::Not { pred } => self.pred_leaves(pred, pair, !negated, out),
            Pred::Cond { cond } if negated => {
                let not = Cond::Not {
                    cond: Box::new(cond.clone()),
                };
                out.extend(self.test(&not, &|f| pair.get(f)).leaves)
            }
            Pred::Cond { cond } => out.extend(self.test(cond, &|f| pair.get(f)).leaves),
            Pred::Differs { .. } | Pred::Labelled { .. } | Pred::RiskFound => {}
        }
    }
}

/// Where `v` is found among `values` (`==` and `in`); `None` when it is not.
fn member_of(f: FieldRef, values: &[Value], v: Option<&Val>) -> Option<usize> {
    match f.field.ty() {
        Type::StringList => {
            let have = as_list(v);
            values
                .iter()
                .position(|x| matches!(x, Value::Str(y) if have.contains(y)))
        }
        Type::Int => {
            let i = as_int(v)?;
            values.iter().position(|x| *x == Value::Int(i))
        }
        // A missing boolean is false.
        Type::Bool => {
            let b = matches!(v, Some(Val::Bool(true)));
            values.iter().position(|x| *x == Value::Bool(b))
        }
        _ => {
            let s = as_str(v);
            values
                .iter()
                .position(|x| matches!(x, Value::Str(y) if y == s))
        }
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

/// The first network holding the address; an empty or malformed address is in none.
pub(super) fn in_cidrs<'n>(ip: &str, nets: &'n [ipnet::IpNet]) -> Option<&'n ipnet::IpNet> {
    let ip = ip.parse::<IpAddr>().ok()?;
    nets.iter().find(|n| n.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let nets =
            |v: &[&str]| -> Vec<ipnet::IpNet> { v.iter().map(|s| s.parse().unwrap()).collect() };
        let inside = |ip: &str, n: &[&str]| in_cidrs(ip, &nets(n)).is_some();
        assert!(inside("192.0.2.77", &["192.0.2.0/24"]));
        assert!(!inside("192.0.3.1", &["192.0.2.0/24"]));
        assert!(inside("8.8.8.8", &["0.0.0.0/0"]));
        assert!(inside("2001:db8:1::1", &["2001:db8::/32"]));
        assert!(!inside("192.0.2.1", &["2001:db8::/32"]));
        assert!(!inside("", &["0.0.0.0/0"]));
        assert_eq!(
            in_cidrs("192.0.2.9", &nets(&["10.0.0.0/8", "192.0.2.0/24"])).map(|n| n.to_string()),
            Some("192.0.2.0/24".into())
        );
    }
}
