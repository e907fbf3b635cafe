//! Hand-written recursive-descent parser for grammar/kql.pest.
//!
//! It builds exactly the tree `tree::build` makes from pest's pairs (node kinds are the grammar's rule
//! names, spans are the rules' matches, expression children folded by fold.rs) and accepts exactly the
//! texts the grammar accepts; tests/syntax_differential.rs and tests/syntax_fuzz.rs hold it to that.
//! It does not report errors: on a rejection kql.rs asks the pest parser for the message.
//!
//! Each function is the grammar rule of the same name, transcribed with PEG's semantics: ordered
//! choice, greedy repetition, and pest's implicit whitespace between the elements of a sequence or a
//! repetition in non-atomic rules (so a rule ending in an optional part that matched nothing ends after
//! the whitespace, as pest's spans do). `seq!` inserts that whitespace skip. Where a function tests
//! a byte or a word instead of trying alternatives one by one, the comment says why the outcome is
//! the same. Keyword and reserved-word lists are compared as whole words: every list in the grammar
//! puts a longer word before any word that is its prefix, so the grammar's ordered choice followed by
//! `!ident_char` accepts exactly the words of the list.

use pest::unicode::{LETTER, MARK};

use crate::syntax::fold::{fold, Role};
use crate::syntax::kinds::kql as k;
use crate::syntax::tables::kql::{self as t, *};
use crate::syntax::tables::{in_ranges, Keyword, Refuse};
use crate::syntax::{Node, Refused, MAX_DEPTH};

/// The tree, or why there is none: a syntax error (the pest grammar then reports it), or brackets
/// nesting deeper than [`MAX_DEPTH`] (the bracket pre-scan misses nesting inside what it takes for a
/// string, such as the `'` in `datetime(')`; this parser recurses per level, so it stops there).
pub(crate) fn parse(text: &str) -> Result<Node<'_>, Refused> {
    let mut p = Parser {
        src: text,
        b: text.as_bytes(),
        pos: 0,
        out: Vec::with_capacity(64),
        depth: 0,
        too_deep: None,
    };
    let ok = p.query();
    match (p.too_deep, ok) {
        (Some(at), _) => Err(Refused::TooDeep(at)),
        (None, true) => p.out.pop().ok_or(Refused::Syntax),
        (None, false) => Err(Refused::Syntax),
    }
}

struct Parser<'i> {
    src: &'i str,
    b: &'i [u8],
    pos: usize,
    /// Finished nodes not yet claimed by their parent rule.
    out: Vec<Node<'i>>,
    /// Brackets open around the current position.
    depth: usize,
    /// Where the nesting passed MAX_DEPTH; every later bracket then fails, ending the parse.
    too_deep: Option<usize>,
}

/// `a ~ b ~ c` in a non-atomic rule: each element after the first is preceded by a whitespace skip.
macro_rules! seq {
    ($p:ident; $first:expr $(, $rest:expr)* $(,)?) => {
        $first $(&& { $p.skip(); $rest })*
    };
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || (!c.is_ascii() && (LETTER(c) || MARK(c)))
}

mod expressions;
mod literals;
mod more_operators;
mod names;
mod operators;
mod statements;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ machinery

    /// pest's implicit WHITESPACE*: whitespace characters and `//` comments (line_char is every
    /// character but `\n` and `\r`).
    #[inline]
    fn skip(&mut self) {
        let b = self.b;
        let mut i = self.pos;
        while let Some(&c) = b.get(i) {
            if c < 0x80 && ASCII_WS[usize::from(c)] {
                i += 1;
            } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
                i += 2;
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            } else if c >= 0x80 {
                match self.uni_ws_at(i) {
                    Some(next) => i = next,
                    None => break,
                }
            } else {
                break;
            }
        }
        self.pos = i;
    }

    /// A non-ASCII `ws_char` at `i`: the end of its encoding.
    #[cold]
    fn uni_ws_at(&self, i: usize) -> Option<usize> {
        let c = self.char_at(i)?;
        in_ranges(c, WHITESPACE).then_some(i + c.len_utf8())
    }

    /// A non-silent rule: on success its node (children: the nodes made meanwhile) joins `out`; on
    /// failure the position and `out` are restored.
    #[inline]
    fn node(&mut self, kind: &'static str, f: impl FnOnce(&mut Self) -> bool) -> bool {
        let (start, mark, depth) = (self.pos, self.out.len(), self.depth);
        if f(self) {
            let children = if self.out.len() > mark {
                self.out.split_off(mark)
            } else {
                Vec::new()
            };
            self.out.push(Node {
                kind,
                text: &self.src[start..self.pos],
                start,
                end: self.pos,
                children,
            });
            true
        } else {
            self.pos = start;
            self.out.truncate(mark);
            self.depth = depth;
            false
        }
    }

    /// An atomic rule matched by `end`: the end of its match from the current position, if any.
    #[inline]
    fn leaf(&mut self, kind: &'static str, end: Option<usize>) -> bool {
        match end {
            Some(end) => {
                let start = self.pos;
                self.out.push(Node {
                    kind,
                    text: &self.src[start..end],
                    start,
                    end,
                    children: Vec::new(),
                });
                self.pos = end;
                true
            }
            None => false,
        }
    }

    /// A group that restores the position and `out` when it fails.
    #[inline]
    fn attempt(&mut self, f: impl FnOnce(&mut Self) -> bool) -> bool {
        let (start, mark, depth) = (self.pos, self.out.len(), self.depth);
        if f(self) {
            true
        } else {
            self.pos = start;
            self.out.truncate(mark);
            self.depth = depth;
            false
        }
    }

    /// `e?`
    #[inline]
    fn opt(&mut self, f: impl FnOnce(&mut Self) -> bool) -> bool {
        self.attempt(f);
        true
    }

    /// `e*` in a non-atomic rule: whitespace is skipped before every repetition after the first.
    #[inline]
    fn star(&mut self, mut f: impl FnMut(&mut Self) -> bool) -> bool {
        if self.attempt(&mut f) {
            while self.attempt(|p| {
                p.skip();
                f(p)
            }) {}
        }
        true
    }

    /// `e+` in a non-atomic rule.
    #[inline]
    fn plus(&mut self, mut f: impl FnMut(&mut Self) -> bool) -> bool {
        if !self.attempt(&mut f) {
            return false;
        }
        while self.attempt(|p| {
            p.skip();
            f(p)
        }) {}
        true
    }

    /// `e ~ ("," ~ e)*`
    #[inline]
    fn comma_list(&mut self, mut f: impl FnMut(&mut Self) -> bool) -> bool {
        f(self) && {
            self.skip();
            self.star(|p| seq!(p; p.lit(b","), f(p)))
        }
    }

    /// An opening bracket: one level deeper, refused past MAX_DEPTH.
    #[inline]
    fn open(&mut self, c: u8) -> bool {
        if self.peek() != c || self.pos >= self.b.len() {
            return false;
        }
        if self.depth == MAX_DEPTH || self.too_deep.is_some() {
            self.too_deep.get_or_insert(self.pos);
            return false;
        }
        self.pos += 1;
        self.depth += 1;
        true
    }

    #[inline]
    fn close(&mut self, c: u8) -> bool {
        if self.peek() != c || self.pos >= self.b.len() {
            return false;
        }
        self.pos += 1;
        self.depth = self.depth.saturating_sub(1);
        true
    }

    #[inline]
    fn lit(&mut self, s: &[u8]) -> bool {
        if self.b[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    #[inline]
    fn peek(&self) -> u8 {
        self.b.get(self.pos).copied().unwrap_or(0)
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.src.get(i..)?.chars().next()
    }

    #[inline]
    fn ident_char_at(&self, i: usize) -> Option<usize> {
        match self.b.get(i) {
            Some(c) if c.is_ascii() => (c.is_ascii_alphanumeric() || *c == b'_').then_some(i + 1),
            Some(_) => {
                let c = self.char_at(i)?;
                is_ident_char(c).then_some(i + c.len_utf8())
            }
            None => None,
        }
    }

    /// End of the run of ident characters starting at `i` (`i` itself when there is none).
    #[inline]
    fn ident_run(&self, mut i: usize) -> usize {
        while let Some(next) = self.ident_char_at(i) {
            i = next;
        }
        i
    }

    /// The word (ident-character run) at the current position.
    #[inline]
    fn word(&self) -> &'i str {
        &self.src[self.pos..self.ident_run(self.pos)]
    }

    /// The grammar's `dashed_kw` at `i`.
    fn dashed_kw_at(&self, i: usize) -> bool {
        let rest = &self.b[i..];
        DASHED_KW
            .iter()
            .any(|w| rest.starts_with(w.as_bytes()) && self.ident_char_at(i + w.len()).is_none())
    }

    /// A keyword rule of the tables: `@{ !refused ~ (w1 | w2 | …) ~ !ident_char }` as a node. The
    /// first spelling that matches is the one tried, as in the grammar's ordered choice.
    #[inline]
    fn kw(&mut self, kw: &Keyword) -> bool {
        let rest = &self.b[self.pos..];
        let Some(w) = kw.words.iter().find(|w| rest.starts_with(w.as_bytes())) else {
            return false;
        };
        let end = self.pos + w.len();
        let refused = match kw.refuse {
            Refuse::Nothing => false,
            // A dashed keyword starting here continues with `-` right after the word.
            Refuse::DashedKeyword => self.b.get(end) == Some(&b'-') && self.dashed_kw_at(self.pos),
            Refuse::Suffixes(s) => s.iter().any(|t| self.b[end..].starts_with(t.as_bytes())),
        };
        let ok = self.ident_char_at(end).is_none() && !refused;
        self.leaf(kw.kind, ok.then_some(end))
    }

    /// `@{ ("a" | "b" | …) ~ !ident_char }`: the first word that matches, then a word boundary.
    fn kw_any(&mut self, kind: &'static str, words: &[&str]) -> bool {
        for w in words {
            if self.b[self.pos..].starts_with(w.as_bytes()) {
                let end = self.pos + w.len();
                return self.leaf(kind, self.ident_char_at(end).is_none().then_some(end));
            }
        }
        false
    }

    /// `@{ (w1 | w2 | …) ~ !ident_char }` over one of the word lists above.
    #[inline]
    fn word_in(&mut self, kind: &'static str, words: &[&str]) -> bool {
        let w = self.word();
        let ok = words.contains(&w);
        self.leaf(kind, ok.then_some(self.pos + w.len()))
    }

    fn reserved(&self, words: &[&str]) -> bool {
        matches!(self.peek(), b'a'..=b'y') && words.contains(&self.word())
    }
}

/// After a `\` at `b[i-1]`: the end of one of the grammar's escapes, or None.
fn escape_end(b: &[u8], i: usize) -> Option<usize> {
    let hex = |from: usize, n: usize| {
        (b.len() >= from + n && b[from..from + n].iter().all(u8::is_ascii_hexdigit))
            .then_some(from + n)
    };
    let oct = |j: usize| b.get(j).is_some_and(|c| (b'0'..=b'7').contains(c));
    match *b.get(i)? {
        b'\'' | b'"' | b'\\' | b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' => Some(i + 1),
        b'u' => hex(i + 1, 4),
        b'U' => hex(i + 1, 8),
        b'x' => hex(i + 1, 2),
        b'0'..=b'3' if oct(i + 1) && oct(i + 2) => Some(i + 3),
        b'0'..=b'7' => Some(if oct(i + 1) { i + 2 } else { i + 1 }),
        _ => None,
    }
}

/// `("e" | "E") ~ ("+" | "-")? ~ digits+`
fn exponent_end(b: &[u8], i: usize) -> Option<usize> {
    if !matches!(b.get(i), Some(b'e' | b'E')) {
        return None;
    }
    let mut j = i + 1;
    if matches!(b.get(j), Some(b'+' | b'-')) {
        j += 1;
    }
    let start = j;
    while b.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    (j > start).then_some(j)
}

/// The ASCII part of `ws_char`.
const ASCII_WS: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = in_ranges(c as u8 as char, WHITESPACE);
        c += 1;
    }
    t
};

/// The bytes a `str_op` word starts with.
const STR_OP_FIRST: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < STR_OPS.len() {
        t[STR_OPS[i].as_bytes()[0] as usize] = true;
        i += 1;
    }
    t
};

/// An expression child's part in the fold, from the precedence table the grammar is generated from.
fn role(kind: &str) -> Role {
    t::PRECEDENCE[0].role(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parser counts brackets itself: nesting the pre-scan would miss stops at MAX_DEPTH instead
    /// of overflowing the stack (run here on a 2 MiB thread, without the scan).
    #[test]
    fn nesting_is_bounded_without_the_pre_scan() {
        let nest = |n: usize| format!("print x = {}1{}", "(".repeat(n), ")".repeat(n));
        let run = |text: String| {
            std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || parse(&text).map(|_| ()))
                .expect("thread")
                .join()
                .expect("no overflow")
        };
        assert_eq!(run(nest(MAX_DEPTH)), Ok(()));
        assert_eq!(
            run(nest(MAX_DEPTH + 1)),
            Err(Refused::TooDeep(10 + MAX_DEPTH))
        );
        assert!(matches!(run(nest(100_000)), Err(Refused::TooDeep(_))));
        let json = |n: usize| format!("print dynamic({}{})", "[".repeat(n), "]".repeat(n));
        assert_eq!(run(json(MAX_DEPTH - 1)), Ok(()));
        assert!(matches!(run(json(MAX_DEPTH + 5)), Err(Refused::TooDeep(_))));
    }
}
