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
    // The grammar makes a failed fold unreachable; check the roles first (cheap, no nodes touched) so
    // the common path never has to keep a copy of the children for the fallback.
    if !foldable(&items, implicit_and) {
        return Err(items.into_iter().map(|(n, _)| n).collect());
    }
    // Unreachable after `foldable` (the tests below check the two agree); no children to give back.
    fold_checked(source, items, implicit_and).map_err(|()| Vec::new())
}

fn fold_checked<'i>(
    source: &'i str,
    items: Vec<(Node<'i>, Role)>,
    implicit_and: Option<u8>,
) -> Result<Node<'i>, ()> {
    let mut out: Vec<Out<'i>> = Vec::new();
    let mut ops: Vec<Pending<'i>> = Vec::new();
    let mut expect_operand = true;
    let mut last_was_prefix = false;
    for (node, role) in items {
        let starts_operand = matches!(role, Role::Operand | Role::Prefix(_));
        if starts_operand && !expect_operand {
            let Some(p) = implicit_and else {
                return Err(());
            };
            let at = node.start;
            let and = Node {
                kind: "implicit_and",
                text: "",
                start: at,
                end: at,
                children: Vec::new(),
            };
            push_infix(source, &mut out, &mut ops, and, p).ok_or(())?;
            last_was_prefix = false;
        }
        match role {
            Role::Keep => return Err(()),
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
                push_infix(source, &mut out, &mut ops, node, p).ok_or(())?;
                expect_operand = true;
                last_was_prefix = false;
            }
            Role::Postfix => {
                let Some(top) = out.last_mut() else {
                    return Err(());
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
        apply(source, &mut out, op).ok_or(())?;
    }
    match (out.pop(), out.is_empty()) {
        (Some(result), true) => Ok(result.node),
        _ => Err(()),
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

/// Whether `fold` succeeds on these roles: the same stack discipline, counting operands only.
fn foldable<'i>(items: &[(Node<'i>, Role)], implicit_and: Option<u8>) -> bool {
    let mut out = 0usize;
    // Pending operators: Some(prec) for an infix, None for a run of prefixes (with its precedence).
    let mut ops: Vec<(bool, u8)> = Vec::new();
    let mut expect_operand = true;
    let mut last_was_prefix = false;
    fn apply(out: &mut usize, infix: bool) -> bool {
        if infix {
            if *out < 2 {
                return false;
            }
            *out -= 1;
        } else if *out < 1 {
            return false;
        }
        true
    }
    fn push_infix(out: &mut usize, ops: &mut Vec<(bool, u8)>, p: u8) -> bool {
        while ops.last().is_some_and(|&(_, q)| q >= p) {
            let (infix, _) = ops.pop().expect("non-empty");
            if !apply(out, infix) {
                return false;
            }
        }
        ops.push((true, p));
        true
    }
    for (_, role) in items {
        let starts_operand = matches!(role, Role::Operand | Role::Prefix(_));
        if starts_operand && !expect_operand {
            let Some(p) = implicit_and else { return false };
            if !push_infix(&mut out, &mut ops, p) {
                return false;
            }
            last_was_prefix = false;
        }
        match *role {
            Role::Keep => return false,
            Role::Operand => {
                out += 1;
                expect_operand = false;
                last_was_prefix = false;
            }
            Role::Prefix(p) => {
                match ops.last() {
                    Some(&(false, q)) if last_was_prefix && q == p => {}
                    _ => ops.push((false, p)),
                }
                expect_operand = true;
                last_was_prefix = true;
            }
            Role::Infix(p) => {
                if !push_infix(&mut out, &mut ops, p) {
                    return false;
                }
                expect_operand = true;
                last_was_prefix = false;
            }
            Role::Postfix => {
                if out == 0 {
                    return false;
                }
            }
        }
    }
    while let Some((infix, _)) = ops.pop() {
        if !apply(&mut out, infix) {
            return false;
        }
    }
    out == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `foldable` must say yes exactly when the fold itself succeeds: every role sequence up to length 6.
    #[test]
    fn foldable_agrees_with_fold() {
        let roles = [
            Role::Keep,
            Role::Operand,
            Role::Prefix(1),
            Role::Prefix(2),
            Role::Infix(1),
            Role::Infix(2),
            Role::Postfix,
        ];
        let leaf = || Node {
            kind: "x",
            text: "",
            start: 0,
            end: 0,
            children: Vec::new(),
        };
        for implicit in [None, Some(1)] {
            for len in 0..=6u32 {
                for code in 0..roles.len().pow(len) {
                    let mut c = code;
                    let seq: Vec<Role> = (0..len)
                        .map(|_| {
                            let r = roles[c % roles.len()];
                            c /= roles.len();
                            r
                        })
                        .collect();
                    let items: Vec<(Node<'_>, Role)> = seq.iter().map(|r| (leaf(), *r)).collect();
                    let quick = foldable(&items, implicit);
                    let full = fold_checked("", items, implicit).is_ok();
                    assert_eq!(quick, full, "{seq:?} implicit={implicit:?}");
                }
            }
        }
    }
}
