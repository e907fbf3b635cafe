//! The owned parse tree handed to lint rules: rule names as kinds, byte spans, children in source order.

/// One node of a parse tree.
///
/// `kind` is the grammar rule's name (`"summarize_op"`, `"join_on"`, `"eval_assign"`, …) or, inside
/// expressions, one of `"binary"` (operands and operators alternating, one node per chain of equal
/// precedence), `"unary"` (prefix operators, then the operand), `"postfix"` (operand, then member and
/// index accesses) and `"implicit_and"` (the empty operator between two SPL search terms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'i> {
    pub kind: &'static str,
    pub text: &'i str,
    /// Byte offsets into the parsed text.
    pub start: usize,
    pub end: usize,
    pub children: Vec<Node<'i>>,
}

impl<'i> Node<'i> {
    /// The first direct child of this kind.
    pub fn child(&self, kind: &str) -> Option<&Node<'i>> {
        self.children.iter().find(|c| c.kind == kind)
    }

    /// This node and every node below it, depth first in source order (no recursion, any depth).
    pub fn descendants(&self) -> Descendants<'_, 'i> {
        Descendants { stack: vec![self] }
    }

    /// Every node of this kind at or below this one.
    pub fn find_all<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Node<'i>> + 'a {
        self.descendants().filter(move |n| n.kind == kind)
    }

    /// 1-based line and character column of the node's start in `source` (the text that was parsed).
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        crate::diag::line_col(source, self.start)
    }

    /// A compact S-expression of the tree, for tests and debugging: leaves print as kind:"text".
    pub fn to_sexp(&self) -> String {
        let mut out = String::new();
        self.write_sexp(&mut out);
        out
    }

    fn write_sexp(&self, out: &mut String) {
        if self.children.is_empty() {
            out.push_str(self.kind);
            out.push(':');
            out.push_str(&format!("{:?}", self.text));
            return;
        }
        out.push('(');
        out.push_str(self.kind);
        for c in &self.children {
            out.push(' ');
            c.write_sexp(out);
        }
        out.push(')');
    }
}

pub struct Descendants<'a, 'i> {
    stack: Vec<&'a Node<'i>>,
}

impl<'a, 'i> Iterator for Descendants<'a, 'i> {
    type Item = &'a Node<'i>;
    fn next(&mut self) -> Option<Self::Item> {
        let node = self.stack.pop()?;
        self.stack.extend(node.children.iter().rev());
        Some(node)
    }
}
