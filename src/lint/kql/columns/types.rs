//! Types of expressions, Kusto's default column names, and the union merge.

use std::collections::{BTreeMap, BTreeSet};

use super::Cols;
use crate::lint::kql::call_name;
use crate::lint::kql::schema::{ColType, Columns};
use crate::syntax::kinds::kql as k;
use crate::syntax::Node;

/// The columns an unnamed aggregate makes.
pub(super) enum Aggregate {
    /// One column of this type (Unknown: the type of the input column of that name, if any).
    Column(ColType, String),
    /// These input columns, with their types (`arg_max(T, a, b)`).
    Columns(Vec<String>),
    /// Every input column, and this one (`arg_max(T, *)`, `take_any(*)`).
    All(Option<String>),
}

/// An `assign` that belongs to this operator, not to a nested expression.
pub(super) fn is_direct_assign(op: &Node<'_>, a: &Node<'_>) -> bool {
    op.children
        .iter()
        .filter(|c| c.kind == k::ASSIGN_LIST)
        .any(|l| l.children.iter().any(|c| std::ptr::eq(c, a)))
}

/// `expr` holding only a column name.
pub(super) fn single_name<'a>(e: &'a Node<'_>) -> Option<&'a str> {
    match e.children.as_slice() {
        [n] if n.kind == k::NAME_REF => Some(n.text),
        _ => None,
    }
}

/// `bin(TimeGenerated, 1h)` in a `by` clause names its column `TimeGenerated`.
pub(super) fn bin_column(e: &Node<'_>) -> Option<String> {
    let [call] = e.children.as_slice() else {
        return None;
    };
    if call.kind != k::CALL || !matches!(call_name(call), "bin" | "floor" | "bin_at") {
        return None;
    }
    let first = call.child(k::PIPE_EXPR)?.children.first()?;
    single_name(first).map(str::to_string)
}

/// The arguments of a call, as expressions (`*` as None).
fn args<'a, 'i>(call: &'a Node<'i>) -> Vec<Option<&'a Node<'i>>> {
    call.children
        .iter()
        .filter_map(|c| match c.kind {
            k::EXPR => Some(Some(c)),
            k::STAR => Some(None),
            _ => None,
        })
        .collect()
}

/// Kusto's column name for an unnamed aggregate (checked with Kusto.Language: `count_`, `dcount_X`,
/// `set_X` for make_set and make_set_if, `percentile_X_50`, `arg_max(T, *)` keeps every column).
pub(super) fn default_aggregate_name(e: &Node<'_>) -> Option<Aggregate> {
    let [call] = e.children.as_slice() else {
        return None;
    };
    if call.kind != k::CALL {
        return None;
    }
    let name = call_name(call);
    let args = args(call);
    let first = args.first().copied().flatten().and_then(single_name);
    let col = |t: ColType, n: String| Some(Aggregate::Column(t, n));
    match (name, first) {
        ("count", _) => col(ColType::Long, "count_".into()),
        ("countif", _) => col(ColType::Long, "countif_".into()),
        ("dcount" | "dcountif", Some(a)) => col(ColType::Long, format!("{name}_{a}")),
        ("make_set" | "make_set_if", Some(a)) => col(ColType::Dynamic, format!("set_{a}")),
        ("make_list" | "make_list_if", Some(a)) => col(ColType::Dynamic, format!("list_{a}")),
        ("make_bag" | "make_bag_if", Some(a)) => col(ColType::Dynamic, format!("bag_{a}")),
        ("min" | "max" | "minif" | "maxif", Some(a)) => {
            col(ColType::Unknown, format!("{name}_{a}"))
        }
        ("sum" | "avg" | "sumif" | "avgif" | "stdev" | "variance", Some(a)) => {
            col(ColType::Real, format!("{name}_{a}"))
        }
        ("percentile", Some(a)) => {
            let p = args.get(1).copied().flatten()?.text.trim();
            col(ColType::Real, format!("percentile_{a}_{p}"))
        }
        ("take_any" | "any", _) => match args.as_slice() {
            [None] => Some(Aggregate::All(None)),
            [Some(_)] => first.map(|a| Aggregate::Columns(vec![a.to_string()])),
            _ => None,
        },
        ("arg_max" | "arg_min", Some(t)) => {
            if args.iter().skip(1).any(Option::is_none) {
                return Some(Aggregate::All(Some(t.to_string())));
            }
            let mut names = vec![t.to_string()];
            for a in args.iter().skip(1) {
                names.push(single_name(a.as_ref()?)?.to_string());
            }
            Some(Aggregate::Columns(names))
        }
        _ => None,
    }
}

pub(super) fn of_decl(d: &Node<'_>) -> ColType {
    d.child(k::TYPE_NAME)
        .map_or(ColType::Unknown, |t| ColType::parse(t.text))
}

/// The type of an expression, as far as conversions and column references tell.
pub(super) fn infer(e: &Node<'_>, cols: &Columns) -> ColType {
    let [n] = e.children.as_slice() else {
        return ColType::Unknown;
    };
    match n.kind {
        k::NAME_REF => cols.get(n.text).copied().unwrap_or(ColType::Unknown),
        k::STRING_LIT => ColType::String,
        k::LONG => ColType::Long,
        k::REAL => ColType::Real,
        k::BOOL_LIT => ColType::Bool,
        k::TIMESPAN => ColType::Timespan,
        k::DYNAMIC_LIT => ColType::Dynamic,
        k::CALL => match call_name(n) {
            "todynamic" | "parse_json" | "bag_pack" | "pack" | "pack_array" | "extract_all"
            | "split" | "set_union" | "set_intersect" | "set_difference" | "array_concat" => {
                ColType::Dynamic
            }
            "tostring" | "strcat" | "strcat_delim" | "tolower" | "toupper" | "substring"
            | "extract" | "replace_string" | "replace_regex" | "trim" | "format_datetime" => {
                ColType::String
            }
            "toint" => ColType::Int,
            "tolong" | "array_length" | "strlen" => ColType::Long,
            "todouble" | "toreal" | "round" => ColType::Real,
            "todatetime" | "now" | "ago" | "datetime_add" => ColType::Datetime,
            "tobool" | "isempty" | "isnotempty" | "isnull" | "isnotnull" => ColType::Bool,
            "totimespan" => ColType::Timespan,
            _ => ColType::Unknown,
        },
        _ => ColType::Unknown,
    }
}

/// The columns of a union: a column whose known types differ is split into `Name_type` columns.
pub(super) fn merge(parts: Vec<Cols>) -> Cols {
    let mut types: BTreeMap<String, BTreeSet<ColType>> = BTreeMap::new();
    for p in parts {
        let Cols::Known(m) = p else {
            return Cols::Unknown;
        };
        for (n, t) in m {
            types.entry(n).or_default().insert(t);
        }
    }
    let mut out = Columns::new();
    for (name, ts) in types {
        if ts.len() > 1 && !ts.contains(&ColType::Unknown) {
            for t in ts {
                out.insert(format!("{name}_{}", t.suffix()), t);
            }
        } else {
            let t = if ts.len() == 1 {
                *ts.iter().next().unwrap_or(&ColType::Unknown)
            } else {
                ColType::Unknown
            };
            out.insert(name, t);
        }
    }
    Cols::Known(out)
}

pub(super) fn wild_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(p) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(at) => rest = &rest[at + p.len()..],
                None => return false,
            }
        }
    }
    true
}
