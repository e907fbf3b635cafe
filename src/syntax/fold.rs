//! Rebuilds operator precedence over an expression's flat children (the grammar's levels are silent,
//! which keeps pest's token queue small). Iterative shunting-yard: no recursion, so any length is safe.

use crate::syntax::tree::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Kept as a child of the expression node, outside the fold (a leading keyword).
    Keep,
    Operand,
    Prefix(u8),
    Infix(u8),
    Postfix,
}

enum Pending<'i> {
    Prefix(Vec<Node<'i>>, u8),
    Infix(Node<'i>, u8),
}

impl Pending<'_> {
    fn prec(&self) -> u8 {
        match self {
            Pending::Prefix(_, p) | Pending::Infix(_, p) => *p,
        }
    }
}

/// An operand on the output stack; `chain` is the precedence of the binary chain it heads, if any,
/// so `a and b and c` becomes one node instead of a left-leaning ladder.
struct Out<'i> {
    node: Node<'i>,
    chain: Option<u8>,
    postfix: bool,
}

pub(crate) fn fold<'i>(
    source: &'i str,
    items: Vec<(Node<'i>, Role)>,
    implicit_and: Option<u8>,
) -> Result<Node<'i>, Vec<Node<'i>>> {
    let flat: Vec<Node<'i>> = items.iter().map(|(n, _)| n.clone()).collect();
    let mut out: Vec<Out<'i>> = Vec::new();
    let mut ops: Vec<Pending<'i>> = Vec::new();
    let mut expect_operand = true;
    let mut last_was_prefix = false;
    for (node, role) in items {
        let starts_operand = matches!(role, Role::Operand | Role::Prefix(_));
        if starts_operand && !expect_operand {
            let Some(p) = implicit_and else {
                return Err(flat);
            };
            let at = node.start;
            let and = Node {
                kind: "implicit_and",
                text: "",
                start: at,
                end: at,
                children: Vec::new(),
            };
            push_infix(source, &mut out, &mut ops, and, p).ok_or_else(|| flat.clone())?;
            last_was_prefix = false;
        }
        match role {
            Role::Keep => return Err(flat),
            Role::Operand => {
                out.push(Out {
                    node,
                    chain: None,
                    postfix: false,
                });
                expect_operand = false;
                last_was_prefix = false;
            }
            Role::Prefix(p) => {
                match ops.last_mut() {
                    Some(Pending::Prefix(list, q)) if last_was_prefix && *q == p => list.push(node),
                    _ => ops.push(Pending::Prefix(vec![node], p)),
                }
                expect_operand = true;
                last_was_prefix = true;
            }
            Role::Infix(p) => {
                push_infix(source, &mut out, &mut ops, node, p).ok_or_else(|| flat.clone())?;
                expect_operand = true;
                last_was_prefix = false;
            }
            Role::Postfix => {
                let Some(top) = out.last_mut() else {
                    return Err(flat);
                };
                if top.postfix {
                    top.node.end = node.end;
                    top.node.text = slice(source, top.node.start, node.end);
                    top.node.children.push(node);
                } else {
                    let operand = std::mem::replace(&mut top.node, empty());
                    let (start, end) = (operand.start, node.end);
                    top.node = Node {
                        kind: "postfix",
                        text: slice(source, start, end),
                        start,
                        end,
                        children: vec![operand, node],
                    };
                    top.postfix = true;
                    top.chain = None;
                }
            }
        }
    }
    while let Some(op) = ops.pop() {
        apply(source, &mut out, op).ok_or_else(|| flat.clone())?;
    }
    match (out.pop(), out.is_empty()) {
        (Some(result), true) => Ok(result.node),
        _ => Err(flat),
    }
}

fn push_infix<'i>(
    source: &'i str,
    out: &mut Vec<Out<'i>>,
    ops: &mut Vec<Pending<'i>>,
    node: Node<'i>,
    p: u8,
) -> Option<()> {
    while ops.last().is_some_and(|top| top.prec() >= p) {
        let op = ops.pop()?;
        apply(source, out, op)?;
    }
    ops.push(Pending::Infix(node, p));
    Some(())
}

fn apply<'i>(source: &'i str, out: &mut Vec<Out<'i>>, op: Pending<'i>) -> Option<()> {
    match op {
        Pending::Infix(op, p) => {
            let rhs = out.pop()?;
            let lhs = out.last_mut()?;
            if lhs.chain == Some(p) {
                lhs.node.end = rhs.node.end;
                lhs.node.text = slice(source, lhs.node.start, rhs.node.end);
                lhs.node.children.push(op);
                lhs.node.children.push(rhs.node);
            } else {
                let left = std::mem::replace(&mut lhs.node, empty());
                let (start, end) = (left.start, rhs.node.end);
                lhs.node = Node {
                    kind: "binary",
                    text: slice(source, start, end),
                    start,
                    end,
                    children: vec![left, op, rhs.node],
                };
                lhs.chain = Some(p);
                lhs.postfix = false;
            }
        }
        Pending::Prefix(mut ops, _) => {
            let operand = out.pop()?;
            let start = ops.first().map_or(operand.node.start, |o| o.start);
            let end = operand.node.end;
            ops.push(operand.node);
            out.push(Out {
                node: Node {
                    kind: "unary",
                    text: slice(source, start, end),
                    start,
                    end,
                    children: ops,
                },
                chain: None,
                postfix: false,
            });
        }
    }
    Some(())
}

fn slice(source: &str, start: usize, end: usize) -> &str {
    source.get(start..end).unwrap_or("")
}

fn empty<'i>() -> Node<'i> {
    Node {
        kind: "",
        text: "",
        start: 0,
        end: 0,
        children: Vec::new(),
    }
}
