//! Column flow through a KQL query: which columns exist after each operator, from the table schemas
//! onward, so that KQL002 can report a name that is not a column where it is used. Where the flow is not
//! modelled (plugins, functions, unnamed aggregates) the columns become unknown and nothing is reported,
//! so the lint stays quiet rather than wrong.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::schema::{ColType, Columns, Schemas};
use crate::diag::did_you_mean;
use crate::lint::Finding;
use crate::syntax::kinds::kql as k;
use crate::syntax::Node;

#[derive(Debug, Clone)]
enum Cols {
    Known(Columns),
    Unknown,
}

#[derive(Debug, Clone)]
enum Binding {
    Scalar,
    Tabular(Cols),
    Function,
}

struct Flow<'s> {
    schemas: &'s Schemas,
    lets: HashMap<String, Binding>,
    findings: Vec<Finding>,
}

/// Every name used as a column where that column does not exist.
pub fn unknown_columns(tree: &Node<'_>, schemas: &Schemas) -> Vec<Finding> {
    let mut flow = Flow {
        schemas,
        lets: HashMap::new(),
        findings: Vec::new(),
    };
    for stmt in &tree.children {
        match stmt.kind {
            k::LET_STMT => flow.let_stmt(stmt),
            k::PIPE_EXPR => {
                flow.pipe(stmt, None);
            }
            _ => {}
        }
    }
    flow.findings
}

const WATCHLIST: &[(&str, ColType)] = &[
    ("SearchKey", ColType::String),
    ("WatchlistItem", ColType::Dynamic),
    ("_DTItemId", ColType::String),
    ("LastUpdatedTimeUTC", ColType::Datetime),
];

fn name_of(decl: &Node<'_>) -> String {
    let t = decl.text.trim();
    // ['Name'] or ["Name"]
    if let Some(inner) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        return inner.trim().trim_matches(['\'', '"']).to_string();
    }
    t.to_string()
}

impl Flow<'_> {
    fn let_stmt(&mut self, stmt: &Node<'_>) {
        let Some(name) = stmt.child(k::LET_NAME).map(name_of) else {
            return;
        };
        let binding = if stmt.child(k::LAMBDA).is_some() || stmt.child(k::VIEW_LAMBDA).is_some() {
            Binding::Function
        } else if let Some(body) = stmt.child(k::PIPE_EXPR) {
            match self.pipe(body, None) {
                Some(cols) => Binding::Tabular(cols),
                None => Binding::Scalar,
            }
        } else {
            Binding::Scalar
        };
        self.lets.insert(name, binding);
    }

    /// Evaluates a pipeline. Returns its columns when it is tabular, `None` when it is a scalar
    /// expression (whose names were checked against `row`, the columns of the enclosing row context).
    fn pipe(&mut self, pipe: &Node<'_>, row: Option<&Cols>) -> Option<Cols> {
        let head = pipe.children.first()?;
        let ops = &pipe.children[1..];
        let mut cols = match head.kind {
            k::EXPR => match self.source(head) {
                Some(c) => c,
                None if ops.is_empty() => {
                    if let Some(r) = row {
                        self.check(head, r, &BTreeSet::new());
                    } else {
                        self.check_scalar(head);
                    }
                    return None;
                }
                None => {
                    self.check_scalar(head);
                    Cols::Unknown
                }
            },
            k::UNION_OP => self.union(head, None),
            k::DATATABLE_OP => Cols::Known(
                head.find_all(k::COL_DECL)
                    .map(|d| {
                        (
                            d.child(k::DECL_NAME).map(name_of).unwrap_or_default(),
                            type_of_decl(d),
                        )
                    })
                    .collect(),
            ),
            k::PRINT_OP | k::RANGE_OP => Cols::Unknown,
            _ => Cols::Unknown,
        };
        for op in ops {
            cols = self.op(op, cols);
        }
        Some(cols)
    }

    /// The columns of a pipeline head that names a table, a let-bound table, or a known function.
    fn source(&mut self, head: &Node<'_>) -> Option<Cols> {
        let inner = head.children.first()?;
        match inner.kind {
            k::NAME_REF => self.table(inner.text),
            k::CALL if super::call_name(inner) == "_GetWatchlist" => Some(Cols::Known(
                WATCHLIST.iter().map(|(n, t)| (n.to_string(), *t)).collect(),
            )),
            k::CALL if super::call_name(inner) == "materialize" => {
                let arg = inner.child(k::PIPE_EXPR)?;
                self.pipe(arg, None)
            }
            k::PAREN_EXPR => {
                let p = inner.child(k::PIPE_EXPR)?;
                self.pipe(p, None)
            }
            _ => None,
        }
    }

    fn table(&self, name: &str) -> Option<Cols> {
        if let Some(b) = self.lets.get(name) {
            return match b {
                Binding::Tabular(c) => Some(c.clone()),
                Binding::Function => Some(Cols::Unknown),
                Binding::Scalar => None,
            };
        }
        self.schemas
            .tables
            .get(name)
            .map(|c| Cols::Known(c.clone()))
    }

    fn union(&mut self, op: &Node<'_>, input: Option<Cols>) -> Cols {
        let mut parts: Vec<Cols> = input.into_iter().collect();
        for operand in &op.children {
            let c = match operand.kind {
                k::TABLE_REF => match operand.children.as_slice() {
                    [n] if n.kind == k::NAME_REF => self.table(n.text).unwrap_or(Cols::Unknown),
                    _ => Cols::Unknown,
                },
                k::PAREN_EXPR => operand
                    .child(k::PIPE_EXPR)
                    .and_then(|p| self.pipe(p, None))
                    .unwrap_or(Cols::Unknown),
                k::WILD_TABLE => Cols::Unknown,
                _ => continue,
            };
            parts.push(c);
        }
        if op
            .children
            .iter()
            .any(|c| c.kind == k::OP_PARAM && c.text.starts_with("withsource"))
        {
            return Cols::Unknown;
        }
        merge(parts)
    }

    fn op(&mut self, op: &Node<'_>, cols: Cols) -> Cols {
        let none = BTreeSet::new();
        match op.kind {
            k::WHERE_OP | k::TOP_OP | k::SORT_OP | k::TAKE_OP | k::PROJECT_REORDER_OP => {
                for e in op
                    .children
                    .iter()
                    .filter(|c| matches!(c.kind, k::EXPR | k::SORT_KEY))
                {
                    self.check(e, &cols, &none);
                }
                cols
            }
            k::EXTEND_OP => {
                let mut cols = cols;
                for a in op.find_all(k::ASSIGN).filter(|a| is_direct_assign(op, a)) {
                    if let Some(e) = a.child(k::EXPR) {
                        self.check(e, &cols, &none);
                    }
                    if let (Cols::Known(map), Some(d)) = (&mut cols, a.child(k::DECL_NAME)) {
                        let ty = a.child(k::EXPR).map_or(ColType::Unknown, |e| infer(e, map));
                        map.insert(name_of(d), ty);
                    }
                }
                cols
            }
            k::PROJECT_OP => {
                let mut out = Columns::new();
                let mut known = true;
                for a in op.find_all(k::ASSIGN).filter(|a| is_direct_assign(op, a)) {
                    let Some(e) = a.child(k::EXPR) else { continue };
                    self.check(e, &cols, &none);
                    match (a.child(k::DECL_NAME), single_name(e)) {
                        (Some(d), _) => {
                            let ty = match &cols {
                                Cols::Known(m) => infer(e, m),
                                Cols::Unknown => ColType::Unknown,
                            };
                            out.insert(name_of(d), ty);
                        }
                        (None, Some(n)) => {
                            let ty = match &cols {
                                Cols::Known(m) => m.get(n).copied().unwrap_or(ColType::Unknown),
                                Cols::Unknown => ColType::Unknown,
                            };
                            out.insert(n.to_string(), ty);
                        }
                        (None, None) => known = false,
                    }
                }
                if known && matches!(cols, Cols::Known(_)) {
                    Cols::Known(out)
                } else {
                    Cols::Unknown
                }
            }
            k::PROJECT_AWAY_OP | k::PROJECT_KEEP_OP => {
                let Cols::Known(map) = cols else {
                    return Cols::Unknown;
                };
                let patterns: Vec<String> = op
                    .descendants()
                    .filter(|n| matches!(n.kind, k::WILD_NAME | k::BRACKET_NAME))
                    .map(name_of)
                    .collect();
                for p in patterns.iter().filter(|p| !p.contains('*')) {
                    if !map.contains_key(p) {
                        self.unknown_at(op, p, &map);
                    }
                }
                let keep = op.kind == k::PROJECT_KEEP_OP;
                Cols::Known(
                    map.into_iter()
                        .filter(|(k, _)| patterns.iter().any(|p| wild_match(p, k)) == keep)
                        .collect(),
                )
            }
            k::PROJECT_RENAME_OP => {
                let Cols::Known(mut map) = cols else {
                    return Cols::Unknown;
                };
                for r in op.children.iter().filter(|c| c.kind == k::RENAME) {
                    let (Some(new), Some(old)) = (r.child(k::DECL_NAME), r.child(k::NAME_REF))
                    else {
                        continue;
                    };
                    match map.remove(old.text) {
                        Some(t) => {
                            map.insert(name_of(new), t);
                        }
                        None => self.report(old, &map),
                    }
                }
                Cols::Known(map)
            }
            k::SUMMARIZE_OP => self.summarize(op, &cols),
            k::JOIN_OP | k::LOOKUP_OP => self.join(op, cols),
            k::UNION_OP => self.union(op, Some(cols)),
            k::MV_EXPAND_OP => {
                let mut cols = cols;
                for item in op.children.iter().filter(|c| c.kind == k::MV_ITEM) {
                    if let Some(e) = item.child(k::EXPR) {
                        self.check(e, &cols, &none);
                    }
                    if let (Cols::Known(map), Some(d)) = (&mut cols, item.child(k::DECL_NAME)) {
                        map.insert(name_of(d), ColType::Dynamic);
                    }
                }
                cols
            }
            k::MV_APPLY_OP => {
                let mut inner = cols.clone();
                for item in op.children.iter().filter(|c| c.kind == k::MV_ITEM) {
                    if let Some(e) = item.child(k::EXPR) {
                        self.check(e, &cols, &none);
                    }
                    if let (Cols::Known(map), Some(d)) = (&mut inner, item.child(k::DECL_NAME)) {
                        map.insert(name_of(d), ColType::Dynamic);
                    }
                }
                let Some(sub) = op.child(k::SUBQUERY) else {
                    return Cols::Unknown;
                };
                for s in &sub.children {
                    inner = self.op(s, inner);
                }
                match (cols, inner) {
                    (Cols::Known(mut a), Cols::Known(b)) => {
                        a.extend(b);
                        Cols::Known(a)
                    }
                    _ => Cols::Unknown,
                }
            }
            k::PARSE_OP => {
                if let Some(e) = op.child(k::EXPR) {
                    self.check(e, &cols, &none);
                }
                let Cols::Known(mut map) = cols else {
                    return Cols::Unknown;
                };
                for c in op.find_all(k::PARSE_COLUMN) {
                    if let Some(d) = c.child(k::DECL_NAME) {
                        map.insert(name_of(d), ColType::Unknown);
                    }
                }
                Cols::Known(map)
            }
            k::COUNT_OP => Cols::Known(BTreeMap::from([("Count".to_string(), ColType::Long)])),
            k::DISTINCT_OP => {
                let mut out = Columns::new();
                let mut known = true;
                for a in op.find_all(k::ASSIGN).filter(|a| is_direct_assign(op, a)) {
                    let Some(e) = a.child(k::EXPR) else { continue };
                    self.check(e, &cols, &none);
                    match single_name(e) {
                        Some(n) => {
                            out.insert(n.to_string(), ColType::Unknown);
                        }
                        None => known = false,
                    }
                }
                if op.child(k::STAR).is_some() {
                    return cols;
                }
                if known {
                    Cols::Known(out)
                } else {
                    Cols::Unknown
                }
            }
            k::AS_OP | k::RENDER_OP | k::CONSUME_OP | k::SAMPLE_OP => cols,
            k::SERIALIZE_OP => {
                let mut cols = cols;
                for a in op.find_all(k::ASSIGN).filter(|a| is_direct_assign(op, a)) {
                    if let Some(e) = a.child(k::EXPR) {
                        self.check(e, &cols, &none);
                    }
                    if let (Cols::Known(map), Some(d)) = (&mut cols, a.child(k::DECL_NAME)) {
                        map.insert(name_of(d), ColType::Unknown);
                    }
                }
                cols
            }
            k::GETSCHEMA_OP => Cols::Known(
                ["ColumnName", "ColumnOrdinal", "DataType", "ColumnType"]
                    .iter()
                    .map(|n| (n.to_string(), ColType::Unknown))
                    .collect(),
            ),
            _ => Cols::Unknown,
        }
    }

    fn summarize(&mut self, op: &Node<'_>, cols: &Cols) -> Cols {
        let none = BTreeSet::new();
        let mut out = Columns::new();
        let mut known = matches!(cols, Cols::Known(_));
        let by = op.child(k::BY_CLAUSE);
        let aggs = op.child(k::ASSIGN_LIST);
        for (list, is_by) in [
            (aggs, false),
            (by.and_then(|b| b.child(k::ASSIGN_LIST)), true),
        ] {
            let Some(list) = list else { continue };
            for a in list.children.iter().filter(|c| c.kind == k::ASSIGN) {
                let Some(e) = a.child(k::EXPR) else { continue };
                self.check(e, cols, &none);
                if let Some(d) = a.child(k::DECL_NAME) {
                    out.insert(name_of(d), ColType::Unknown);
                    continue;
                }
                let name = if is_by {
                    single_name(e).map(str::to_string).or_else(|| bin_column(e))
                } else {
                    default_aggregate_name(e)
                };
                match name {
                    Some(n) => {
                        out.insert(n, ColType::Unknown);
                    }
                    None => known = false,
                }
            }
        }
        if known {
            Cols::Known(out)
        } else {
            Cols::Unknown
        }
    }

    fn join(&mut self, op: &Node<'_>, left: Cols) -> Cols {
        let right = op
            .children
            .iter()
            .find_map(|c| match c.kind {
                k::PAREN_EXPR => c.child(k::PIPE_EXPR).and_then(|p| self.pipe(p, None)),
                k::TABLE_REF => match c.children.as_slice() {
                    [n] if n.kind == k::NAME_REF => self.table(n.text),
                    _ => Some(Cols::Unknown),
                },
                _ => None,
            })
            .unwrap_or(Cols::Unknown);
        let kind = op
            .children
            .iter()
            .find(|c| c.kind == k::OP_PARAM && c.text.starts_with("kind"))
            .map(|c| {
                c.text
                    .split('=')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if let Some(on) = op.child(k::JOIN_ON) {
            // `on Key` needs Key on both sides; `$left.a == $right.b` is checked per side.
            for e in on.children.iter().filter(|c| c.kind == k::EXPR) {
                if let Some(n) = single_name(e) {
                    for side in [&left, &right] {
                        if let Cols::Known(m) = side {
                            if !m.contains_key(n) {
                                self.report(e.children.first().unwrap_or(e), m);
                            }
                        }
                    }
                }
            }
        }
        match kind.as_str() {
            "leftanti" | "leftsemi" | "anti" | "leftantisemi" => left,
            "rightanti" | "rightsemi" | "rightantisemi" => right,
            _ => match (left, right) {
                (Cols::Known(mut l), Cols::Known(r)) => {
                    for (k, t) in r {
                        if l.contains_key(&k) {
                            l.insert(format!("{k}1"), t);
                        } else {
                            l.insert(k, t);
                        }
                    }
                    Cols::Known(l)
                }
                _ => Cols::Unknown,
            },
        }
    }

    /// Checks the names of a scalar expression with no row context: only let-bound names exist.
    fn check_scalar(&mut self, e: &Node<'_>) {
        self.check(e, &Cols::Unknown, &BTreeSet::new());
    }

    /// Reports name references in `e` that are neither columns of `cols` nor let-bound names.
    fn check(&mut self, e: &Node<'_>, cols: &Cols, params: &BTreeSet<String>) {
        let mut stack = vec![e];
        while let Some(n) = stack.pop() {
            match n.kind {
                k::NAME_REF => {
                    let name = n.text;
                    if name.starts_with('$')
                        || self.lets.contains_key(name)
                        || params.contains(name)
                    {
                        continue;
                    }
                    if let Cols::Known(m) = cols {
                        if !m.contains_key(name) && !self.schemas.tables.contains_key(name) {
                            self.report(n, m);
                        }
                    }
                }
                // A tabular argument (`in (T | …)`, `toscalar(T | …)`) is its own query.
                k::PIPE_EXPR if n.children.len() > 1 || self.is_table_head(n) => {
                    self.pipe(n, None);
                }
                k::MEMBER => {}
                _ => stack.extend(n.children.iter().rev()),
            }
        }
    }

    fn is_table_head(&self, pipe: &Node<'_>) -> bool {
        matches!(pipe.children.as_slice(), [e] if e.kind == k::EXPR
            && matches!(e.children.as_slice(), [n] if n.kind == k::NAME_REF
                && (self.schemas.tables.contains_key(n.text)
                    || matches!(self.lets.get(n.text), Some(Binding::Tabular(_))))))
    }

    fn report(&mut self, n: &Node<'_>, cols: &Columns) {
        let help = match did_you_mean(n.text, cols.keys().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if cols.keys().any(|k| k.starts_with(&format!("{}_", n.text))) => {
                let split: Vec<&str> = cols
                    .keys()
                    .filter(|k| k.starts_with(&format!("{}_", n.text)))
                    .map(String::as_str)
                    .collect();
                format!(
                    "the union split it into {}: convert it in each table first (extend {} = todynamic({}))",
                    split.join(" and "),
                    n.text,
                    n.text
                )
            }
            None => "check the column name against the table schema".to_string(),
        };
        self.findings
            .push(Finding::at(n, format!("unknown column `{}`", n.text)).help(help));
    }

    fn unknown_at(&mut self, op: &Node<'_>, name: &str, cols: &Columns) {
        if let Some(n) = op
            .descendants()
            .find(|n| matches!(n.kind, k::WILD_NAME | k::BRACKET_NAME) && name_of(n) == name)
        {
            let shown = Node {
                kind: n.kind,
                text: n.text,
                start: n.start,
                end: n.end,
                children: Vec::new(),
            };
            self.report(&shown, cols);
        }
    }
}

/// An `assign` that belongs to this operator, not to a nested expression.
fn is_direct_assign(op: &Node<'_>, a: &Node<'_>) -> bool {
    op.children
        .iter()
        .filter(|c| c.kind == k::ASSIGN_LIST)
        .any(|l| l.children.iter().any(|c| std::ptr::eq(c, a)))
}

/// `expr` holding only a column name.
fn single_name<'a>(e: &'a Node<'_>) -> Option<&'a str> {
    match e.children.as_slice() {
        [n] if n.kind == k::NAME_REF => Some(n.text),
        _ => None,
    }
}

/// `bin(TimeGenerated, 1h)` in a `by` clause names its column `TimeGenerated`.
fn bin_column(e: &Node<'_>) -> Option<String> {
    let [call] = e.children.as_slice() else {
        return None;
    };
    if call.kind != k::CALL || !matches!(super::call_name(call), "bin" | "floor" | "bin_at") {
        return None;
    }
    let first = call.child(k::PIPE_EXPR)?.children.first()?;
    single_name(first).map(str::to_string)
}

/// Kusto's default column name for an unnamed aggregate: `count_`, `dcount_X`, `set_X`, ….
fn default_aggregate_name(e: &Node<'_>) -> Option<String> {
    let [call] = e.children.as_slice() else {
        return None;
    };
    if call.kind != k::CALL {
        return None;
    }
    let name = super::call_name(call);
    let arg = call
        .child(k::PIPE_EXPR)
        .and_then(|p| p.children.first())
        .and_then(single_name);
    Some(match (name, arg) {
        ("count", _) => "count_".into(),
        ("countif", _) => "countif_".into(),
        ("dcount", Some(a)) => format!("dcount_{a}"),
        ("make_set", Some(a)) => format!("set_{a}"),
        ("make_list", Some(a)) => format!("list_{a}"),
        ("min" | "max" | "sum" | "avg", Some(a)) => format!("{name}_{a}"),
        ("take_any" | "any", Some(a)) => a.to_string(),
        _ => return None,
    })
}

fn type_of_decl(d: &Node<'_>) -> ColType {
    d.child(k::TYPE_NAME)
        .map_or(ColType::Unknown, |t| ColType::parse(t.text))
}

/// The type of an expression, as far as conversions and column references tell.
fn infer(e: &Node<'_>, cols: &Columns) -> ColType {
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
        k::CALL => match super::call_name(n) {
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
fn merge(parts: Vec<Cols>) -> Cols {
    let mut types: BTreeMap<String, BTreeSet<ColType>> = BTreeMap::new();
    for p in parts {
        let Cols::Known(m) = p else {
            return Cols::Unknown;
        };
        for (k, t) in m {
            types.entry(k).or_default().insert(t);
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

fn wild_match(pattern: &str, name: &str) -> bool {
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
