//! Conditions: the parsed expression AST typed against the field catalogue and resolved into IR.

use super::{Checker, Scope};
use crate::catalogue::{Field, Type, CATALOGUE};
use crate::diag::{did_you_mean, Diagnostic};
use crate::expr::{self, CmpOp, Expr, Operand, Side};
use crate::ir::{Cond, FieldRef, ListKind, TextOp, Value};
use crate::lists;
use crate::model::{Spanned, ValueMap};

impl Checker<'_> {
    pub(super) fn condition(&mut self, text: &Spanned<String>, scope: Scope) -> Option<Cond> {
        let map = ValueMap::new(&self.file, text);
        match expr::parse(&text.value) {
            Ok(e) => self.cond(&e, scope, &map),
            Err(e) => {
                // An error at the very end points just past the last token, not at trailing blanks.
                let end = text.value.trim_end().len();
                let span = if e.span.start >= end && end > 0 {
                    end - 1..end
                } else {
                    e.span
                };
                self.err(
                    Diagnostic::error("E020", format!("syntax error in condition: {}", e.message))
                        .at(map.span(span))
                        .help("conditions look like: later.asn in hosting_asns and not (later.ip in_cidr corp_egress_cidrs)"),
                );
                None
            }
        }
    }

    fn cond(&mut self, e: &Expr, scope: Scope, map: &ValueMap) -> Option<Cond> {
        match e {
            Expr::And(l, r) => {
                let (l, r) = (self.cond(l, scope, map), self.cond(r, scope, map));
                Some(flatten_and(l?, r?))
            }
            Expr::Or(l, r) => {
                let (l, r) = (self.cond(l, scope, map), self.cond(r, scope, map));
                Some(flatten_or(l?, r?))
            }
            Expr::Not(inner, _) => Some(negate(self.cond(inner, scope, map)?)),
            Expr::Truthy(op) => {
                let f = self.field_operand(op, scope, map)?;
                if f.field.ty() == Type::Bool {
                    Some(Cond::IsTrue { field: f })
                } else {
                    self.err(
                        Diagnostic::error(
                            "E022",
                            format!(
                                "`{}` is {}, not a condition",
                                f.field.name(),
                                f.field.ty().describe()
                            ),
                        )
                        .at(map.span(op.span()))
                        .help("compare it with a value, e.g. field == \"x\""),
                    );
                    None
                }
            }
            Expr::Compare {
                left,
                op,
                right,
                span,
            } => self.compare(left, *op, right, span.clone(), scope, map),
        }
    }

    fn compare(
        &mut self,
        left: &Operand,
        op: CmpOp,
        right: &Operand,
        span: std::ops::Range<usize>,
        scope: Scope,
        map: &ValueMap,
    ) -> Option<Cond> {
        if !matches!(left, Operand::Reference { .. }) {
            self.err(
                Diagnostic::error("E022", "the left side of a comparison must be a field")
                    .at(map.span(left.span()))
                    .help("write the field first: later.asn in hosting_asns"),
            );
            return None;
        }
        let field = self.field_operand(left, scope, map)?;
        let ty = field.field.ty();
        let mismatch = |me: &mut Self, what: String, help: &str| {
            me.err(
                Diagnostic::error("E022", what)
                    .at(map.span(span.clone()))
                    .help(help.to_string()),
            );
            None
        };
        let fname = describe_ref(field);
        match op {
            CmpOp::Eq | CmpOp::Ne => {
                let positive = if let Operand::Reference { .. } = right {
                    let other = if self.is_list_name(right, scope) {
                        return mismatch(
                            self,
                            format!("`{}` compares a field with a list", op.symbol()),
                            "use `in` (or `!in`) to test membership in a list",
                        );
                    } else {
                        self.field_operand(right, scope, map)?
                    };
                    if other.field.ty() != ty || ty == Type::StringList || ty == Type::Datetime {
                        return mismatch(
                            self,
                            format!(
                                "cannot compare `{fname}` ({}) with `{}` ({})",
                                ty.describe(),
                                describe_ref(other),
                                other.field.ty().describe()
                            ),
                            "compare fields of the same scalar type",
                        );
                    }
                    Cond::FieldEq {
                        left: field,
                        right: other,
                    }
                } else {
                    let value = self.literal_for(ty, right, map, &fname, op)?;
                    Cond::Eq { field, value }
                };
                Some(if op == CmpOp::Ne {
                    negate(positive)
                } else {
                    positive
                })
            }
            CmpOp::In | CmpOp::NotIn => {
                let positive = match right {
                    Operand::List(items, _) => {
                        if items.is_empty() {
                            return mismatch(
                                self,
                                "the list is empty".into(),
                                "an empty list matches nothing",
                            );
                        }
                        let mut values = Vec::new();
                        for item in items {
                            values.push(self.literal_for(ty, item, map, &fname, op)?);
                        }
                        Cond::InValues { field, values }
                    }
                    Operand::Reference {
                        event: None, name, ..
                    } if !is_field_name(name) => {
                        let list = self.list(name, map.span(right.span()))?;
                        let fits = matches!(
                            (list.kind, ty),
                            (ListKind::Asn, Type::Int)
                                | (
                                    ListKind::AppId | ListKind::String,
                                    Type::String | Type::StringList | Type::Ip
                                )
                        );
                        if !fits {
                            let help = if list.kind == ListKind::Cidr {
                                "test CIDR lists with in_cidr"
                            } else {
                                "ASN lists go with asn; app id and string lists with string fields"
                            };
                            return mismatch(
                                self,
                                format!(
                                    "`{fname}` ({}) cannot be looked up in `{name}` (a list of kind {})",
                                    ty.describe(),
                                    kind_name(list.kind)
                                ),
                                help,
                            );
                        }
                        Cond::InList {
                            field,
                            list: list.name,
                        }
                    }
                    _ => {
                        return mismatch(
                            self,
                            format!("`{}` needs a list on the right", op.symbol()),
                            "name a list, or write one inline: [\"a\", \"b\"]",
                        )
                    }
                };
                Some(if op == CmpOp::NotIn {
                    negate(positive)
                } else {
                    positive
                })
            }
            CmpOp::InCidr => {
                if ty != Type::Ip {
                    return mismatch(
                        self,
                        format!("in_cidr needs an IP field; `{fname}` is {}", ty.describe()),
                        "use in_cidr with ip (first.ip, later.ip)",
                    );
                }
                match right {
                    Operand::Cidr(..) | Operand::Str(..) | Operand::List(..) => {
                        let items: Vec<&Operand> = match right {
                            Operand::List(items, _) => items.iter().collect(),
                            one => vec![one],
                        };
                        let mut cidrs = Vec::new();
                        for item in items {
                            let text = match item {
                                Operand::Cidr(s, _) | Operand::Str(s, _) => s,
                                other => {
                                    return mismatch(
                                        self,
                                        format!(
                                            "in_cidr needs CIDRs; found {}",
                                            operand_kind(other)
                                        ),
                                        "write CIDRs like 192.0.2.0/24",
                                    )
                                }
                            };
                            match lists::parse_cidr(text) {
                                Ok(c) => cidrs.push(c),
                                Err((msg, help)) => {
                                    self.err(
                                        Diagnostic::error("E022", msg)
                                            .at(map.span(item.span()))
                                            .help(help),
                                    );
                                    return None;
                                }
                            }
                        }
                        Some(Cond::InCidrs { field, cidrs })
                    }
                    Operand::Reference {
                        event: None, name, ..
                    } if !is_field_name(name) => {
                        let list = self.list(name, map.span(right.span()))?;
                        if list.kind != ListKind::Cidr {
                            return mismatch(
                                self,
                                format!(
                                    "`{name}` is a list of kind {}, not cidr",
                                    kind_name(list.kind)
                                ),
                                "in_cidr needs a cidr list",
                            );
                        }
                        Some(Cond::InCidrList {
                            field,
                            list: list.name,
                        })
                    }
                    other => mismatch(
                        self,
                        format!(
                            "in_cidr needs CIDRs or a cidr list; found {}",
                            operand_kind(other)
                        ),
                        "write later.ip in_cidr corp_egress_cidrs",
                    ),
                }
            }
            CmpOp::Contains | CmpOp::StartsWith | CmpOp::EndsWith => {
                if !matches!(ty, Type::String | Type::Ip) {
                    let help = match ty {
                        Type::StringList => {
                            "list fields are tested with == or in (any value matches)"
                        }
                        Type::Int => "compare integers with == or in",
                        _ => "use == or in",
                    };
                    return mismatch(
                        self,
                        format!(
                            "`{}` needs a string field; `{fname}` is {}",
                            op.symbol(),
                            ty.describe()
                        ),
                        help,
                    );
                }
                let Operand::Str(value, _) = right else {
                    return mismatch(
                        self,
                        format!(
                            "`{}` needs a string on the right; found {}",
                            op.symbol(),
                            operand_kind(right)
                        ),
                        "quote the text: later.user_agent contains \"python\"",
                    );
                };
                if value.is_empty() {
                    return mismatch(
                        self,
                        "the text to look for is empty".into(),
                        "an empty string matches everything",
                    );
                }
                let test = match op {
                    CmpOp::Contains => TextOp::Contains,
                    CmpOp::StartsWith => TextOp::StartsWith,
                    _ => TextOp::EndsWith,
                };
                Some(Cond::Text {
                    field,
                    test,
                    value: value.clone(),
                })
            }
        }
    }

    fn is_list_name(&self, op: &Operand, _scope: Scope) -> bool {
        matches!(op, Operand::Reference { event: None, name, .. } if !is_field_name(name)
            && (self.raw.lists.contains_key(name)
                || self.lists_dir.as_ref().is_some_and(|d| d.join(format!("{name}.yaml")).is_file())))
    }

    fn field_operand(&mut self, op: &Operand, scope: Scope, map: &ValueMap) -> Option<FieldRef> {
        let Operand::Reference {
            event,
            name,
            span,
            name_span,
        } = op
        else {
            self.err(
                Diagnostic::error(
                    "E022",
                    format!("expected a field, found {}", operand_kind(op)),
                )
                .at(map.span(op.span()))
                .help("name a field from the catalogue, e.g. later.asn"),
            );
            return None;
        };
        let event = match (event.as_deref(), scope) {
            (None, Scope::Single) => None,
            (Some("first"), Scope::Pair) => Some(Side::First),
            (Some("later"), Scope::Pair) => Some(Side::Later),
            (None, Scope::Pair) => {
                let known = Field::by_name(name).is_some();
                let (msg, help) = if known {
                    (
                        format!("`{name}` needs `first.` or `later.` here"),
                        format!("say which event: later.{name} (the replay) or first.{name} (the issuance)"),
                    )
                } else {
                    (format!("unknown field `{name}`"), field_hint(name))
                };
                self.err(
                    Diagnostic::error("E026", msg)
                        .at(map.span(span.clone()))
                        .help(help),
                );
                return None;
            }
            (Some(ev @ ("first" | "later")), Scope::Single) => {
                self.err(
                    Diagnostic::error(
                        "E026",
                        format!("`{ev}.` has no meaning in a single-event condition"),
                    )
                    .at(map.span(span.clone()))
                    .help(format!("write the field alone: {name}")),
                );
                return None;
            }
            (Some(other), _) => {
                self.err(
                    Diagnostic::error("E026", format!("unknown event `{other}`"))
                        .at(map.span(span.start..span.start + other.len()))
                        .help("fields are qualified with first. (issuance) or later. (the later sign-in)"),
                );
                return None;
            }
        };
        match Field::by_name(name) {
            Some(field) => Some(FieldRef { side: event, field }),
            None => {
                let (msg, code) = if event.is_none() && self.is_list_name(op, scope) {
                    (format!("`{name}` is a list, not a field"), "E022")
                } else {
                    (format!("unknown field `{name}`"), "E021")
                };
                self.err(
                    Diagnostic::error(code, msg)
                        .at(map.span(name_span.clone()))
                        .help(field_hint(name)),
                );
                None
            }
        }
    }

    fn literal_for(
        &mut self,
        ty: Type,
        op: &Operand,
        map: &ValueMap,
        fname: &str,
        cmp: CmpOp,
    ) -> Option<Value> {
        let value = match (ty, op) {
            (Type::String | Type::StringList | Type::Ip, Operand::Str(s, span)) => {
                if let Some((_, why)) = crate::ir::refused_char(s) {
                    self.err(
                        Diagnostic::error(
                            "E020",
                            format!("the value {} holds {why}", crate::diag::escape_invisible(s)),
                        )
                        .at(map.span(span.clone()))
                        .help("remove it from the value; tokenward cannot carry it to every target as data".to_string()),
                    );
                    return None;
                }
                Some(Value::Str(s.clone()))
            }
            (Type::Int, Operand::Int(i, _)) => Some(Value::Int(*i)),
            (Type::Bool, Operand::Bool(b, _)) => Some(Value::Bool(*b)),
            _ => None,
        };
        if value.is_none() {
            let help = match (ty, op) {
                (Type::String | Type::StringList, Operand::Int(i, _)) => {
                    format!("`{fname}` holds strings: quote the value, \"{i}\"")
                }
                (Type::Int, Operand::Str(s, _)) if s.parse::<i64>().is_ok() => {
                    format!("`{fname}` is an integer: drop the quotes, {s}")
                }
                (Type::Datetime, _) => {
                    "time is not compared in conditions; the window handles time".into()
                }
                _ => format!("`{fname}` takes {}", ty.describe()),
            };
            self.err(
                Diagnostic::error(
                    "E022",
                    format!(
                        "type mismatch: `{fname}` is {}, compared ({}) with {}",
                        ty.describe(),
                        cmp.symbol(),
                        operand_kind(op)
                    ),
                )
                .at(map.span(op.span()))
                .help(help),
            );
        }
        value
    }
}

fn flatten_and(l: Cond, r: Cond) -> Cond {
    let mut all = Vec::new();
    for c in [l, r] {
        match c {
            Cond::And { all: inner } => all.extend(inner),
            other => all.push(other),
        }
    }
    Cond::And { all }
}

fn flatten_or(l: Cond, r: Cond) -> Cond {
    let mut any = Vec::new();
    for c in [l, r] {
        match c {
            Cond::Or { any: inner } => any.extend(inner),
            other => any.push(other),
        }
    }
    Cond::Or { any }
}

pub(super) fn negate(c: Cond) -> Cond {
    match c {
        Cond::Not { cond } => *cond,
        other => Cond::Not {
            cond: Box::new(other),
        },
    }
}

fn describe_ref(f: FieldRef) -> String {
    match f.side {
        Some(Side::First) => format!("first.{}", f.field.name()),
        Some(Side::Later) => format!("later.{}", f.field.name()),
        None => f.field.name().to_string(),
    }
}

fn operand_kind(op: &Operand) -> String {
    match op {
        Operand::Reference { name, .. } => format!("`{name}`"),
        Operand::Str(..) => "a string".into(),
        Operand::Int(..) => "an integer".into(),
        Operand::Bool(..) => "a boolean".into(),
        Operand::Duration(..) => "a duration".into(),
        Operand::Cidr(..) => "a CIDR".into(),
        Operand::List(..) => "a list".into(),
    }
}

fn kind_name(k: ListKind) -> &'static str {
    ListKind::ALL
        .iter()
        .find(|(_, x)| *x == k)
        .map_or("?", |(n, _)| n)
}

fn is_field_name(name: &str) -> bool {
    Field::by_name(name).is_some()
}

pub(super) fn field_hint(name: &str) -> String {
    match did_you_mean(name, CATALOGUE.iter().map(|i| i.name)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "see the field catalogue in docs/rule-format.md".into(),
    }
}
