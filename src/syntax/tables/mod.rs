//! What the pest grammars and the hand-written parsers share, written once: keywords and word lists,
//! character classes, whitespace, and the expression levels with their precedence. The hand-written
//! parsers read these tables; the grammars' copies are generated into `grammar/kql.tables.pest` and
//! `grammar/spl.tables.pest`, and every grammar rule name becomes a constant in `src/syntax/kinds.rs`.
//! The test below fails when a committed file differs from what the tables and grammars give;
//! `TOKENWARD_UPDATE_GRAMMAR=1 cargo test --lib tables` rewrites them.

pub(crate) mod kql;
pub(crate) mod spl;

#[cfg(test)]
mod generate;

use crate::syntax::fold::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Sensitive,
    /// ASCII case ignored (`^"word"` in pest).
    Insensitive,
}

/// What must not follow a keyword's text for it to be that keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refuse {
    Nothing,
    /// A dashed keyword starts here (`parse-kv` is no `parse`): KQL's `!dashed_kw`.
    DashedKeyword,
    /// One of these right after the word (`project-away…` is no `project`).
    Suffixes(&'static [&'static str]),
}

/// A keyword rule: `kind = @{ !refused ~ (words…) ~ !word_char }`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keyword {
    pub kind: &'static str,
    /// Spellings in the grammar's order (a longer word before any word that is its prefix).
    pub words: &'static [&'static str],
    pub case: Case,
    pub refuse: Refuse,
}

/// A set of characters given as everything but `except` (and the language's whitespace when
/// `except_ws`): word characters, string bodies, comment bodies.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))] // the rule name is the generator's
pub(crate) struct CharClass {
    pub rule: &'static str,
    pub except: &'static str,
    pub except_ws: bool,
}

impl CharClass {
    /// Whether the ASCII byte `c` is in the class, given the language's ASCII whitespace.
    pub(crate) const fn has_ascii(&self, c: u8, ws: &[(char, char)]) -> bool {
        let b = self.except.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == c {
                return false;
            }
            i += 1;
        }
        !(self.except_ws && in_ranges(c as char, ws))
    }
}

/// Whether `c` lies in one of the inclusive ranges.
pub(crate) const fn in_ranges(c: char, ranges: &[(char, char)]) -> bool {
    let mut i = 0;
    while i < ranges.len() {
        if ranges[i].0 <= c && c <= ranges[i].1 {
            return true;
        }
        i += 1;
    }
    false
}

/// How an expression level repeats its operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `next ~ (op ~ rhs)*`: the operators chain (`a and b and c`).
    Chain,
    /// `next ~ (op ~ rhs)?`: at most one operator (`a == b == c` is an error).
    Single,
    /// `next ~ (op? ~ next)*`: the operator may be left out (SPL's implicit AND).
    OptionalChain,
    /// `op* ~ next`: prefix operators.
    Prefix,
}

/// One precedence level, loosest first. `ops` pairs each operator rule with the rule on its right.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))] // the rule names are the generator's
pub(crate) struct Level {
    pub rule: &'static str,
    pub silent: bool,
    pub next: &'static str,
    pub ops: &'static [(&'static str, &'static str)],
    pub shape: Shape,
}

/// The precedence of the expression children of `parents`: level `i` (from 0, loosest first) gives
/// its operators `Infix(i + 1)` (`Prefix(i + 1)` for a prefix level); then `prefix` binds tighter
/// than every level, `postfix` tighter still, and `keep` stays outside the fold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Precedence {
    pub parents: &'static [&'static str],
    pub levels: &'static [Level],
    pub prefix: &'static [&'static str],
    pub postfix: &'static [&'static str],
    pub keep: &'static [&'static str],
    /// The precedence of the invisible AND between adjacent operands, if the language has one.
    pub implicit_and: Option<u8>,
}

impl Precedence {
    /// The role of a child of kind `child` in the fold.
    pub(crate) fn role(&self, child: &str) -> Role {
        let top = self.levels.len() as u8;
        for (i, level) in self.levels.iter().enumerate() {
            if level.ops.iter().any(|(op, _)| *op == child) {
                let p = i as u8 + 1;
                return if level.shape == Shape::Prefix {
                    Role::Prefix(p)
                } else {
                    Role::Infix(p)
                };
            }
        }
        if self.prefix.contains(&child) {
            Role::Prefix(top + 1)
        } else if self.postfix.contains(&child) {
            Role::Postfix
        } else if self.keep.contains(&child) {
            Role::Keep
        } else {
            Role::Operand
        }
    }
}

/// The precedence table that applies to the children of `parent`, if any.
pub(crate) fn precedence(
    tables: &'static [Precedence],
    parent: &str,
) -> Option<&'static Precedence> {
    tables.iter().find(|p| p.parents.contains(&parent))
}
