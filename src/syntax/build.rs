//! From pest's pairs to the owned [`Node`] tree: rule names as kinds, hidden rules dropped, expressions
//! folded by precedence (fold.rs).

use pest::iterators::Pair;
use pest::RuleType;

use crate::syntax::fold::{fold, Role};
use crate::syntax::tree::Node;

/// What a language tells the tree builder.
pub(crate) struct Shape<R: 'static> {
    pub name: fn(R) -> &'static str,
    /// Rules left out of the tree (end of input, punctuation).
    pub hidden: fn(R) -> bool,
    /// For a child of an expression rule, its role in the fold; None when the rule is no expression.
    pub role: fn(parent: R, child: R) -> Option<Role>,
    /// The precedence of the invisible AND between adjacent operands, where the language has one.
    pub implicit_and: fn(parent: R) -> Option<u8>,
}

/// Rule names, leaked once per grammar so nodes can carry `&'static str` kinds (a bounded set),
/// indexed by `index(rule)` (the enum discriminant) so looking one up is an array access.
pub(crate) fn rule_names<R: RuleType>(all: &[R], index: fn(R) -> usize) -> Vec<&'static str> {
    let mut names = vec!["unknown"; all.iter().map(|r| index(*r) + 1).max().unwrap_or(0)];
    for r in all {
        names[index(*r)] = Box::leak(format!("{r:?}").into_boxed_str());
    }
    names
}

pub(crate) fn build<'i, R: RuleType>(
    source: &'i str,
    pair: Pair<'i, R>,
    shape: &Shape<R>,
) -> Node<'i> {
    let rule = pair.as_rule();
    let span = pair.as_span();
    let mut children = Vec::new();
    let mut items = Vec::new();
    for child in pair.into_inner() {
        let child_rule = child.as_rule();
        if (shape.hidden)(child_rule) {
            continue;
        }
        let node = build(source, child, shape);
        match (shape.role)(rule, child_rule) {
            Some(Role::Keep) | None => children.push(node),
            Some(role) => items.push((node, role)),
        }
    }
    if !items.is_empty() {
        let implicit = (shape.implicit_and)(rule);
        match fold(source, items, implicit) {
            Ok(folded) => children.push(folded),
            // The grammar should make this unreachable; keep the flat children rather than fail.
            Err(flat) => children.extend(flat),
        }
    }
    Node {
        kind: (shape.name)(rule),
        text: span.as_str(),
        start: span.start(),
        end: span.end(),
        children,
    }
}
