//! Suppressions that can never be false, or that drop every later event: a truth table over the
//! condition's atoms (each test on a field, taken as an independent boolean). Sound for what it reports:
//! a condition true under every assignment of its atoms is true for every event. Dependent atoms
//! (`asn in [1, 2] or asn !in [1]`) are not seen through, so some always-true conditions pass silently.

use std::collections::BTreeMap;

use crate::expr::Side;
use crate::ir::Cond;

/// Atoms beyond this are not enumerated (2^14 assignments).
const MAX_ATOMS: usize = 14;

/// Whether `c` holds under every assignment of its atoms; `None` when it has too many to tell.
pub fn always_true(c: &Cond) -> Option<bool> {
    implies(None, c)
}

/// Whether every event that satisfies `premise` (a single-event condition, its fields read as the
/// later event's) also satisfies `c` (a pair condition); `None` when there are too many atoms.
pub fn implies(premise: Option<&Cond>, c: &Cond) -> Option<bool> {
    let mut atoms: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(p) = premise {
        collect(p, true, &mut atoms);
    }
    collect(c, false, &mut atoms);
    if atoms.len() > MAX_ATOMS {
        return None;
    }
    let n = atoms.len();
    for bits in 0u32..(1u32 << n) {
        let value = |key: &str| atoms.get(key).is_some_and(|i| bits & (1 << i) != 0);
        let p = premise.is_none_or(|p| eval(p, true, &value));
        if p && !eval(c, false, &value) {
            return Some(false);
        }
    }
    Some(true)
}

/// An atom's identity: its serialised form, single-event fields read as the later event's.
fn key(c: &Cond, single: bool) -> String {
    let mut v = serde_json::to_value(c).unwrap_or_default();
    if single {
        later_side(&mut v);
    }
    v.to_string()
}

fn later_side(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            if o.contains_key("field") && o.get("side").is_some_and(serde_json::Value::is_null) {
                o.insert(
                    "side".into(),
                    serde_json::to_value(Side::Later).unwrap_or_default(),
                );
            }
            o.values_mut().for_each(later_side);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(later_side),
        _ => {}
    }
}

fn collect(c: &Cond, single: bool, atoms: &mut BTreeMap<String, usize>) {
    match c {
        Cond::And { all } => all.iter().for_each(|c| collect(c, single, atoms)),
        Cond::Or { any } => any.iter().for_each(|c| collect(c, single, atoms)),
        Cond::Not { cond } => collect(cond, single, atoms),
        leaf => {
            let n = atoms.len();
            atoms.entry(key(leaf, single)).or_insert(n);
        }
    }
}

fn eval(c: &Cond, single: bool, value: &dyn Fn(&str) -> bool) -> bool {
    match c {
        Cond::And { all } => all.iter().all(|c| eval(c, single, value)),
        Cond::Or { any } => any.iter().any(|c| eval(c, single, value)),
        Cond::Not { cond } => !eval(cond, single, value),
        leaf => value(&key(leaf, single)),
    }
}
