//! The one walker that turns conditions and plan predicates into query text, with the fewest
//! parentheses: `or` binds loosest, then `and`, then `not` and atoms. Targets supply the words.

use super::Backend;
use crate::ir::{Cond, List};
use crate::plan::Pred;

/// Commands a condition needs to run before it (Splunk `lookup`s for lists read at search time).
#[derive(Debug, Default)]
pub struct Prelude {
    /// Tells apart the helper fields of lookups at different stages of one query.
    pub stage: String,
    pub commands: Vec<String>,
}

impl Prelude {
    pub fn new(stage: impl Into<String>) -> Self {
        Self {
            stage: stage.into(),
            commands: Vec::new(),
        }
    }
}

const OR: u8 = 1;
const AND: u8 = 2;
const ATOM: u8 = 3;

/// A condition as query text. Every atom is a non-null boolean, so `not` of a test on a missing value
/// is true in every target (docs/semantics.md).
pub fn cond_text(b: &dyn Backend, c: &Cond, lists: &[List], prelude: &mut Prelude) -> String {
    cond_prec(b, c, lists, prelude, 0)
}

fn wrap(text: String, prec: u8, outer: u8) -> String {
    if prec < outer {
        format!("({text})")
    } else {
        text
    }
}

fn cond_prec(b: &dyn Backend, c: &Cond, lists: &[List], pre: &mut Prelude, outer: u8) -> String {
    let (text, prec) = match c {
        Cond::Or { any } => (
            any.iter()
                .map(|c| cond_prec(b, c, lists, pre, OR))
                .collect::<Vec<_>>()
                .join(b.or()),
            OR,
        ),
        Cond::And { all } => (
            all.iter()
                .map(|c| cond_prec(b, c, lists, pre, AND))
                .collect::<Vec<_>>()
                .join(b.and()),
            AND,
        ),
        Cond::Not { cond } => (b.not(&cond_prec(b, cond, lists, pre, 0)), ATOM),
        atom => (b.atom(atom, lists, pre), ATOM),
    };
    wrap(text, prec, outer)
}

/// A plan predicate as query text, inside a context of precedence `outer` (0: stands alone, 1: an
/// operand of `or`, 2: an operand of `and`).
pub fn pred_text(
    b: &dyn Backend,
    p: &Pred,
    lists: &[List],
    prelude: &mut Prelude,
    outer: u8,
) -> String {
    let (text, prec) = match p {
        Pred::Any { any } => (
            any.iter()
                .map(|p| pred_text(b, p, lists, prelude, OR))
                .collect::<Vec<_>>()
                .join(b.or()),
            OR,
        ),
        Pred::All { all } => (
            all.iter()
                .map(|p| pred_text(b, p, lists, prelude, AND))
                .collect::<Vec<_>>()
                .join(b.and()),
            AND,
        ),
        Pred::Not { pred } => (b.not(&pred_text(b, pred, lists, prelude, 0)), ATOM),
        Pred::Cond { cond } => return cond_prec(b, cond, lists, prelude, outer),
        atom => b.plan_atom(atom),
    };
    wrap(text, prec, outer)
}
