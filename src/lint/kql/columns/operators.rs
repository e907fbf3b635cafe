//! How each tabular operator changes the columns (and checks the names it uses).

use std::collections::BTreeMap;

use super::types::{
    bin_column, default_aggregate_name, infer, is_direct_assign, merge, of_decl, single_name,
    wild_match, Aggregate,
};
use super::{name_of, Cols, Flow};
use crate::lint::kql::schema::{ColType, Columns};
use crate::syntax::kinds::kql as k;
use crate::syntax::Node;

impl Flow<'_> {
    pub(super) fn op(&mut self, op: &Node<'_>, cols: Cols) -> Cols {
        match op.kind {
            k::WHERE_OP | k::TOP_OP | k::SORT_OP | k::TAKE_OP | k::PROJECT_REORDER_OP => {
                for e in op
                    .children
                    .iter()
                    .filter(|c| matches!(c.kind, k::EXPR | k::SORT_KEY))
                {
                    self.check(e, &cols);
                }
                cols
            }
            k::EXTEND_OP | k::SERIALIZE_OP => self.extend(op, cols),
            k::PROJECT_OP => self.project(op, &cols),
            k::PROJECT_AWAY_OP | k::PROJECT_KEEP_OP => self.project_away_keep(op, cols),
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
                    cols = self.mv_item(item, cols);
                }
                cols
            }
            k::MV_APPLY_OP => {
                let mut inner = cols.clone();
                for item in op.children.iter().filter(|c| c.kind == k::MV_ITEM) {
                    inner = self.mv_item(item, inner);
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
                    self.check(e, &cols);
                }
                let Cols::Known(mut map) = cols else {
                    return Cols::Unknown;
                };
                for c in op.find_all(k::PARSE_COLUMN) {
                    if let Some(d) = c.child(k::DECL_NAME) {
                        let ty = c
                            .child(k::TYPE_NAME)
                            .map_or(ColType::String, |t| ColType::parse(t.text));
                        map.insert(name_of(d), ty);
                    }
                }
                Cols::Known(map)
            }
            k::PARSE_KV_OP => {
                if let Some(e) = op.child(k::EXPR) {
                    self.check(e, &cols);
                }
                let Cols::Known(mut map) = cols else {
                    return Cols::Unknown;
                };
                for d in op.children.iter().filter(|c| c.kind == k::COL_DECL) {
                    if let Some(n) = d.child(k::DECL_NAME) {
                        map.insert(name_of(n), of_decl(d));
                    }
                }
                Cols::Known(map)
            }
            k::COUNT_OP => Cols::Known(BTreeMap::from([("Count".to_string(), ColType::Long)])),
            k::DISTINCT_OP => {
                if op.child(k::STAR).is_some() {
                    return cols;
                }
                self.project(op, &cols)
            }
            k::AS_OP | k::RENDER_OP | k::CONSUME_OP | k::SAMPLE_OP => cols,
            k::GETSCHEMA_OP => Cols::Known(
                ["ColumnName", "ColumnOrdinal", "DataType", "ColumnType"]
                    .iter()
                    .map(|n| (n.to_string(), ColType::Unknown))
                    .collect(),
            ),
            _ => Cols::Unknown,
        }
    }

    /// extend (and serialize with assignments): each new column is known to the next one. A column
    /// Kusto names itself (`extend tostring(x.y)`) makes the columns unknown.
    fn extend(&mut self, op: &Node<'_>, cols: Cols) -> Cols {
        let mut cols = cols;
        for a in op.find_all(k::ASSIGN).filter(|a| is_direct_assign(op, a)) {
            let Some(e) = a.child(k::EXPR) else { continue };
            self.check(e, &cols);
            let Cols::Known(map) = &mut cols else {
                continue;
            };
            if let Some(d) = a.child(k::DECL_NAME) {
                let ty = infer(e, map);
                map.insert(name_of(d), ty);
            } else if let Some(t) = a.child(k::TUPLE_DECL) {
                for d in t.children.iter().filter(|c| c.kind == k::DECL_NAME) {
                    map.insert(name_of(d), ColType::Unknown);
                }
            } else if single_name(e).is_none() {
                cols = Cols::Unknown;
            }
        }
        cols
    }

    /// project and distinct: exactly the listed columns, renamed or computed.
    fn project(&mut self, op: &Node<'_>, cols: &Cols) -> Cols {
        let mut out = Columns::new();
        let mut known = true;
        for a in op.find_all(k::ASSIGN).filter(|a| is_direct_assign(op, a)) {
            let Some(e) = a.child(k::EXPR) else { continue };
            self.check(e, cols);
            let ty = |n: &str| match cols {
                Cols::Known(m) => m.get(n).copied().unwrap_or(ColType::Unknown),
                Cols::Unknown => ColType::Unknown,
            };
            match (a.child(k::DECL_NAME), single_name(e)) {
                (Some(d), _) => {
                    let t = match cols {
                        Cols::Known(m) => infer(e, m),
                        Cols::Unknown => ColType::Unknown,
                    };
                    out.insert(name_of(d), t);
                }
                (None, Some(n)) => {
                    out.insert(n.to_string(), ty(n));
                }
                (None, None) => known = false,
            }
        }
        if known {
            Cols::Known(out)
        } else {
            Cols::Unknown
        }
    }

    fn project_away_keep(&mut self, op: &Node<'_>, cols: Cols) -> Cols {
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
                .filter(|(n, _)| patterns.iter().any(|p| wild_match(p, n)) == keep)
                .collect(),
        )
    }

    /// mv-expand / mv-apply item: `Name = expr` or a column expanded in place; anything else is
    /// named by Kusto.
    fn mv_item(&mut self, item: &Node<'_>, cols: Cols) -> Cols {
        let Some(e) = item.child(k::EXPR) else {
            return cols;
        };
        self.check(e, &cols);
        let Cols::Known(mut map) = cols else {
            return Cols::Unknown;
        };
        let name = match (item.child(k::DECL_NAME), single_name(e)) {
            (Some(d), _) => name_of(d),
            (None, Some(n)) => n.to_string(),
            (None, None) => return Cols::Unknown,
        };
        map.insert(name, ColType::Dynamic);
        Cols::Known(map)
    }

    fn summarize(&mut self, op: &Node<'_>, cols: &Cols) -> Cols {
        let mut out = Columns::new();
        let mut known = matches!(cols, Cols::Known(_));
        let input = match cols {
            Cols::Known(m) => m.clone(),
            Cols::Unknown => Columns::new(),
        };
        let ty = |n: &str| input.get(n).copied().unwrap_or(ColType::Unknown);
        let by = op.child(k::BY_CLAUSE);
        let aggs = op.child(k::ASSIGN_LIST);
        for (list, is_by) in [
            (aggs, false),
            (by.and_then(|b| b.child(k::ASSIGN_LIST)), true),
        ] {
            let Some(list) = list else { continue };
            for a in list.children.iter().filter(|c| c.kind == k::ASSIGN) {
                let Some(e) = a.child(k::EXPR) else { continue };
                self.check(e, cols);
                if let Some(d) = a.child(k::DECL_NAME) {
                    out.insert(name_of(d), ColType::Unknown);
                    continue;
                }
                if let Some(t) = a.child(k::TUPLE_DECL) {
                    for d in t.children.iter().filter(|c| c.kind == k::DECL_NAME) {
                        out.insert(name_of(d), ColType::Unknown);
                    }
                    continue;
                }
                let named = if is_by {
                    single_name(e)
                        .map(str::to_string)
                        .or_else(|| bin_column(e))
                        .map(|n| Aggregate::Column(ty(&n), n))
                } else {
                    default_aggregate_name(e)
                };
                match named {
                    Some(Aggregate::Column(t, n)) => {
                        out.insert(n, t);
                    }
                    Some(Aggregate::Columns(names)) => {
                        for n in names {
                            let t = ty(&n);
                            out.insert(n, t);
                        }
                    }
                    Some(Aggregate::All(first)) => {
                        out.extend(input.iter().map(|(n, t)| (n.clone(), *t)));
                        if let Some(n) = first {
                            let t = ty(&n);
                            out.insert(n, t);
                        }
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
                    [n] if n.kind == k::NAME_REF => self.table(n),
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
        let mut keys = Vec::new();
        if let Some(on) = op.child(k::JOIN_ON) {
            // `on Key` needs Key on both sides; `$left.a == $right.b` is checked per side.
            for e in on.children.iter().filter(|c| c.kind == k::EXPR) {
                if let Some(n) = single_name(e) {
                    keys.push(n.to_string());
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
        let lookup = op.kind == k::LOOKUP_OP;
        match kind.as_str() {
            "leftanti" | "leftsemi" | "anti" | "leftantisemi" => left,
            "rightanti" | "rightsemi" | "rightantisemi" => right,
            _ => match (left, right) {
                (Cols::Known(mut l), Cols::Known(r)) => {
                    for (n, t) in r {
                        if lookup && keys.contains(&n) {
                            continue;
                        }
                        // Kusto renames a clash `Name1`, then `Name2`, … as joins pile up.
                        let mut name = n.clone();
                        let mut i = 1;
                        while l.contains_key(&name) {
                            name = format!("{n}{i}");
                            i += 1;
                        }
                        l.insert(name, t);
                    }
                    Cols::Known(l)
                }
                _ => Cols::Unknown,
            },
        }
    }

    pub(super) fn union(&mut self, op: &Node<'_>, input: Option<Cols>) -> Cols {
        let mut parts: Vec<Cols> = input.into_iter().collect();
        for operand in &op.children {
            let c = match operand.kind {
                k::TABLE_REF => match operand.children.as_slice() {
                    [n] if n.kind == k::NAME_REF => self.table(n).unwrap_or(Cols::Unknown),
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
        let source = op.children.iter().find(|c| {
            c.kind == k::OP_PARAM
                && (c.text.starts_with("withsource") || c.text.starts_with("with_source"))
        });
        let mut merged = merge(parts);
        if let (Some(p), Cols::Known(m)) = (source, &mut merged) {
            let name = p.text.split('=').nth(1).unwrap_or("").trim();
            m.insert(name.to_string(), ColType::String);
        }
        merged
    }
}
