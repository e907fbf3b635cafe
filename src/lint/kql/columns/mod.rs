//! The column and type model of a KQL query, shared by KQL002, KQL006 and KQL010: which columns (with
//! their types) exist after each operator, from the table schemas onward; which names are `let`-bound;
//! where a known table is read and whether a time filter covers the read; and every comparison of a
//! column with a number, with the column's type at that point. Where the flow is not modelled
//! (plugins, functions, auto-named columns) the columns become unknown and the lints stay quiet rather
//! than wrong.

mod operators;
mod types;

use std::collections::{BTreeSet, HashMap};

use super::schema::{ColType, Columns, Schemas};
use crate::diag::did_you_mean;
use crate::lint::Finding;
use crate::syntax::kinds::{self, kql as k};
use crate::syntax::Node;

/// What the model learnt about one query.
#[derive(Debug, Default)]
pub struct Model {
    /// Names used as columns where no such column exists (KQL002).
    pub unknown: Vec<Finding>,
    /// Reads of a table the schemas know (KQL006).
    pub reads: Vec<Read>,
    /// A column compared with a number literal (KQL010).
    pub comparisons: Vec<Comparison>,
}

/// A known table read by a query.
#[derive(Debug, Clone)]
pub struct Read {
    pub table: String,
    pub start: usize,
    pub end: usize,
    /// A `where` on time filters this read's pipeline or one around it, or the read is the value of
    /// a `let` (its users filter it).
    pub time_filtered: bool,
}

/// `Column op number` (either way round) where the column is known at that point.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub column: String,
    pub ty: ColType,
    /// The operator's kind (`eq_op`, `rel_op`) and text.
    pub op_kind: &'static str,
    pub op: String,
    pub literal: String,
    /// The whole comparison and the literal, as byte ranges.
    pub start: usize,
    pub end: usize,
    pub literal_start: usize,
    pub literal_end: usize,
}

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
    model: Model,
    /// A pipeline around the current position filters on time (or a `let` value is being read).
    covered: bool,
    /// Column names that are datetime in some schema.
    time_columns: BTreeSet<&'s str>,
}

/// Runs the model over a parsed query.
pub fn analyze(tree: &Node<'_>, schemas: &Schemas) -> Model {
    let time_columns = schemas
        .tables
        .values()
        .flat_map(|cols| cols.iter())
        .filter(|(_, t)| **t == ColType::Datetime)
        .map(|(n, _)| n.as_str())
        .collect();
    let mut flow = Flow {
        schemas,
        lets: HashMap::new(),
        model: Model::default(),
        covered: false,
        time_columns,
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
    flow.model
}

/// Functions whose use in a `where` is a time filter.
const TIME_FUNCTIONS: &[&str] = &[
    "ago",
    "now",
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
    "endofday",
    "datetime_add",
    "todatetime",
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
            // The users of a let-bound table filter it, not its definition.
            let outer = std::mem::replace(&mut self.covered, true);
            let b = match self.pipe(body, None) {
                Some(cols) => Binding::Tabular(cols),
                None => Binding::Scalar,
            };
            self.covered = outer;
            b
        } else if let Some(m) = stmt.child(k::MATERIALIZED) {
            // materialize(query) | more operators
            let outer = std::mem::replace(&mut self.covered, true);
            let inner = m.child(k::MATERIALIZE).and_then(|x| x.child(k::PIPE_EXPR));
            let mut cols = inner
                .and_then(|p| self.pipe(p, None))
                .unwrap_or(Cols::Unknown);
            for op in m.children.iter().skip(1) {
                cols = self.op(op, cols);
            }
            self.covered = outer;
            Binding::Tabular(cols)
        } else {
            Binding::Scalar
        };
        self.lets.insert(name, binding);
    }

    /// Evaluates a pipeline. Returns its columns when it is tabular, `None` when it is a scalar
    /// expression (whose names were checked against `row`, the columns of the enclosing row context).
    fn pipe(&mut self, pipe: &Node<'_>, row: Option<&Cols>) -> Option<Cols> {
        let outer = self.covered;
        self.covered = outer || self.time_filtered(pipe);
        let cols = self.pipe_inner(pipe, row);
        self.covered = outer;
        cols
    }

    fn pipe_inner(&mut self, pipe: &Node<'_>, row: Option<&Cols>) -> Option<Cols> {
        let head = pipe.children.first()?;
        let ops = &pipe.children[1..];
        let mut cols = match head.kind {
            k::EXPR => match self.source(head) {
                Some(c) => c,
                None if ops.is_empty() => {
                    match row {
                        Some(r) => self.check(head, r),
                        None => self.check(head, &Cols::Unknown),
                    }
                    return None;
                }
                None => {
                    self.check(head, &Cols::Unknown);
                    Cols::Unknown
                }
            },
            k::UNION_OP => self.union(head, None),
            k::DATATABLE_OP => Cols::Known(
                head.find_all(k::COL_DECL)
                    .map(|d| {
                        (
                            d.child(k::DECL_NAME).map(name_of).unwrap_or_default(),
                            types::of_decl(d),
                        )
                    })
                    .collect(),
            ),
            _ => Cols::Unknown,
        };
        for op in ops {
            cols = self.op(op, cols);
        }
        Some(cols)
    }

    /// Whether a `where` of this pipeline filters on time: a datetime column, a time function, a
    /// datetime literal or `between`.
    fn time_filtered(&self, pipe: &Node<'_>) -> bool {
        pipe.children.iter().any(|op| {
            op.kind == k::WHERE_OP
                && op.descendants().any(|n| match n.kind {
                    k::NAME_REF => self.time_columns.contains(n.text),
                    k::CALL => TIME_FUNCTIONS.contains(&super::call_name(n)),
                    k::TYPED_LITERAL => n.text.starts_with("datetime"),
                    k::BETWEEN_OP => true,
                    _ => false,
                })
        })
    }

    /// The columns of a pipeline head that names a table, a let-bound table, or a known function.
    fn source(&mut self, head: &Node<'_>) -> Option<Cols> {
        let inner = head.children.first()?;
        match inner.kind {
            k::NAME_REF => self.table(inner),
            // Every watchlist has these columns, and its own (the CSV's) beside them.
            k::CALL if super::call_name(inner) == "_GetWatchlist" => Some(Cols::Unknown),
            k::PAREN_EXPR => {
                let p = inner.child(k::PIPE_EXPR)?;
                self.pipe(p, None)
            }
            _ => None,
        }
    }

    /// The columns of a name used as a table: a let-bound table or function, or a schema table (a
    /// read, recorded for KQL006).
    fn table(&mut self, name: &Node<'_>) -> Option<Cols> {
        if let Some(b) = self.lets.get(name.text) {
            return match b {
                Binding::Tabular(c) => Some(c.clone()),
                Binding::Function => Some(Cols::Unknown),
                Binding::Scalar => None,
            };
        }
        let cols = self.schemas.tables.get(name.text)?;
        self.model.reads.push(Read {
            table: name.text.to_string(),
            start: name.start,
            end: name.end,
            time_filtered: self.covered,
        });
        Some(Cols::Known(cols.clone()))
    }

    /// Checks the names of `e` against the columns of its row context and records comparisons of a
    /// column with a number.
    fn check(&mut self, e: &Node<'_>, cols: &Cols) {
        let mut stack = vec![e];
        while let Some(n) = stack.pop() {
            match n.kind {
                k::NAME_REF => {
                    let name = n.text;
                    if name.starts_with('$') || self.lets.contains_key(name) {
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
                kinds::BINARY => {
                    self.comparisons(n, cols);
                    stack.extend(n.children.iter().rev());
                }
                _ => stack.extend(n.children.iter().rev()),
            }
        }
    }

    /// `Column == 0`, `5 < Column`, … in one binary chain, where the column is known here.
    fn comparisons(&mut self, b: &Node<'_>, cols: &Cols) {
        let Cols::Known(m) = cols else { return };
        // binary: operand, operator, operand, … (one chain of equal precedence).
        for w in b.children.windows(3) {
            let [l, op, r] = w else { continue };
            if !matches!(op.kind, k::EQ_OP | k::REL_OP) {
                continue;
            }
            let number = |n: &Node<'_>| matches!(n.kind, k::LONG | k::REAL);
            let (col, lit) = if l.kind == k::NAME_REF && number(r) {
                (l, r)
            } else if r.kind == k::NAME_REF && number(l) {
                (r, l)
            } else {
                continue;
            };
            if self.lets.contains_key(col.text) {
                continue;
            }
            let Some(ty) = m.get(col.text) else { continue };
            self.model.comparisons.push(Comparison {
                column: col.text.to_string(),
                ty: *ty,
                op_kind: op.kind,
                op: op.text.to_string(),
                literal: lit.text.to_string(),
                start: l.start,
                end: r.end,
                literal_start: lit.start,
                literal_end: lit.end,
            });
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
        self.model
            .unknown
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

#[cfg(test)]
mod tests;
