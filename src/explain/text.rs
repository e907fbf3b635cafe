//! Words for what the evaluator recorded: conditions written back in the rule language, the leaf tests
//! with the values they read, values, durations.

use jiff::SignedDuration;

use crate::eval::trace::Leaf;
use crate::events::Val;
use crate::expr::Side;
use crate::ir::{Cond, FieldRef, TextOp, Value};

/// A condition in the rule language (`later.ip in_cidr corp_egress_cidrs and not is_interactive`).
pub fn cond(c: &Cond) -> String {
    cond_at(c, 0)
}

/// `prec`: 0 at the top, 1 inside `or`, 2 inside `and`, 3 after `not`.
fn cond_at(c: &Cond, prec: u8) -> String {
    let wrap = |s: String, own: u8| {
        if own < prec {
            format!("({s})")
        } else {
            s
        }
    };
    match c {
        Cond::Or { any } => wrap(
            any.iter()
                .map(|c| cond_at(c, 1))
                .collect::<Vec<_>>()
                .join(" or "),
            1,
        ),
        Cond::And { all } => wrap(
            all.iter()
                .map(|c| cond_at(c, 2))
                .collect::<Vec<_>>()
                .join(" and "),
            2,
        ),
        Cond::Not { cond } => match cond.as_ref() {
            Cond::Eq { field, value } => format!("{} != {}", field_ref(*field), value_lit(value)),
            Cond::InValues { field, values } => {
                format!("{} !in {}", field_ref(*field), values_lit(values))
            }
            Cond::InList { field, list } => format!("{} !in {list}", field_ref(*field)),
            inner => format!("not {}", cond_at(inner, 3)),
        },
        Cond::IsTrue { field } => field_ref(*field),
        Cond::Eq { field, value } => format!("{} == {}", field_ref(*field), value_lit(value)),
        Cond::FieldEq { left, right } => format!("{} == {}", field_ref(*left), field_ref(*right)),
        Cond::InValues { field, values } => {
            format!("{} in {}", field_ref(*field), values_lit(values))
        }
        Cond::InList { field, list } => format!("{} in {list}", field_ref(*field)),
        Cond::InCidrList { field, list } => format!("{} in_cidr {list}", field_ref(*field)),
        Cond::InCidrs { field, cidrs } => format!(
            "{} in_cidr [{}]",
            field_ref(*field),
            cidrs
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Cond::Text { field, test, value } => {
            let op = match test {
                TextOp::Contains => "contains",
                TextOp::StartsWith => "startswith",
                TextOp::EndsWith => "endswith",
            };
            format!("{} {op} {}", field_ref(*field), quote(value))
        }
    }
}

pub fn field_ref(f: FieldRef) -> String {
    match f.side {
        Some(Side::First) => format!("first.{}", f.field.name()),
        Some(Side::Later) => format!("later.{}", f.field.name()),
        None => f.field.name().to_string(),
    }
}

/// A string as the rule language and JSON write it: quoted, with escapes, so control characters and
/// quotes in a value never reach a terminal raw.
pub fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

fn value_lit(v: &Value) -> String {
    match v {
        Value::Str(s) => quote(s),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

fn values_lit(v: &[Value]) -> String {
    format!(
        "[{}]",
        v.iter().map(value_lit).collect::<Vec<_>>().join(", ")
    )
}

/// A canonical value as text; `None` reads "absent".
pub fn val(v: Option<&Val>) -> String {
    match v {
        None => "absent".into(),
        Some(Val::Str(s)) => quote(s),
        Some(Val::Int(i)) => i.to_string(),
        Some(Val::Bool(b)) => b.to_string(),
        Some(Val::Time(t)) => t.to_string(),
        Some(Val::List(l)) => format!(
            "[{}]",
            l.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A canonical value as JSON (`null` when absent).
pub fn json(v: Option<&Val>) -> serde_json::Value {
    match v {
        None => serde_json::Value::Null,
        Some(Val::Str(s)) => s.clone().into(),
        Some(Val::Int(i)) => (*i).into(),
        Some(Val::Bool(b)) => (*b).into(),
        Some(Val::Time(t)) => t.to_string().into(),
        Some(Val::List(l)) => l.clone().into(),
    }
}

/// One leaf test, as a reason: "`later.ip in_cidr corp_egress_cidrs` holds: later.ip = "203.0.113.25"
/// (in 203.0.113.0/24)".
pub fn leaf(l: &Leaf) -> String {
    let c = if l.negated {
        cond(&Cond::Not {
            cond: Box::new(l.cond.clone()),
        })
    } else {
        cond(&l.cond)
    };
    let holds = l.held != l.negated;
    let values: Vec<String> = l
        .values
        .iter()
        .map(|(f, v)| format!("{} = {}", field_ref(*f), val(v.as_ref())))
        .collect();
    let entry = l
        .entry
        .as_ref()
        .map(|e| format!(" (matches {})", quote(e)))
        .unwrap_or_default();
    format!(
        "`{c}` {}: {}{entry}",
        if holds { "holds" } else { "fails" },
        values.join(", ")
    )
}

/// `20m15.59s`, `6.77s`, `26h03m00.00s`: minutes and seconds to the hundredth (rounded), hours past a
/// day; a leading `-` when negative.
pub fn duration(d: SignedDuration) -> String {
    let sign = if d.is_negative() { "-" } else { "" };
    let ns = d.as_nanos().unsigned_abs();
    let centis = (ns + 5_000_000) / 10_000_000;
    let (secs, cs) = (centis / 100, centis % 100);
    let (mins, s) = (secs / 60, secs % 60);
    if mins >= 1440 {
        format!("{sign}{}h{:02}m{s:02}.{cs:02}s", mins / 60, mins % 60)
    } else if mins > 0 {
        format!("{sign}{mins}m{s:02}.{cs:02}s")
    } else {
        format!("{sign}{s}.{cs:02}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Field;

    fn r(side: Option<Side>, field: Field) -> FieldRef {
        FieldRef { side, field }
    }

    #[test]
    fn conditions_read_back_in_the_rule_language() {
        let c = Cond::And {
            all: vec![
                Cond::Eq {
                    field: r(None, Field::Result),
                    value: Value::Str("0".into()),
                },
                Cond::Or {
                    any: vec![
                        Cond::Not {
                            cond: Box::new(Cond::IsTrue {
                                field: r(None, Field::IsInteractive),
                            }),
                        },
                        Cond::InList {
                            field: r(None, Field::AuthStepResults),
                            list: "previously_satisfied_results".into(),
                        },
                    ],
                },
                Cond::Not {
                    cond: Box::new(Cond::Eq {
                        field: r(Some(Side::First), Field::DeviceId),
                        value: Value::Str("a\"b".into()),
                    }),
                },
            ],
        };
        assert_eq!(
            cond(&c),
            "result == \"0\" and (not is_interactive or auth_step_results in previously_satisfied_results) \
             and first.device_id != \"a\\\"b\""
        );
    }

    #[test]
    fn durations() {
        let d = |ns: i64| duration(SignedDuration::from_nanos(ns));
        assert_eq!(d(1_215_594_000_000), "20m15.59s");
        assert_eq!(d(6_774_000_000), "6.77s");
        assert_eq!(d(3_660_680_000_000), "61m00.68s");
        assert_eq!(d(-60_000_000_000), "-1m00.00s");
        assert_eq!(d(93_780_000_000_000), "26h03m00.00s");
    }
}
