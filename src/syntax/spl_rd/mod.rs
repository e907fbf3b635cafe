//! Hand-written recursive-descent parser for grammar/spl.pest: it builds exactly the tree the pest
//! grammar builds (through tree.rs and fold.rs) and rejects exactly the inputs the grammar rejects.
//! tests/syntax_differential.rs and tests/syntax_fuzz.rs compare the two.
//!
//! One method per grammar rule, named after it, with the rule quoted above it. The methods mirror
//! pest's PEG semantics literally:
//!
//! * ordered choice, greedy repetition and optionals that never give back what they matched;
//! * implicit `WHITESPACE*` (written `S` here) between the elements of a sequence in non-atomic rules:
//!   `a ~ b` is `a S b`, `e*` is `(e (S e)*)?`, and `e+` is `e ~ e*` (pest_meta unrolls it so), that
//!   is `e S (e (S e)*)?`. The `S` before a repetition or an optional is part of the sequence: it stays
//!   consumed when the repetition matches nothing, and the rule's span then ends after that whitespace
//!   (`eval_expr`, `pipeline`, `agg`, `field_list`, a one-argument `stats_cmd` … often end with
//!   trailing whitespace). The `S` inside a repetition, before each further element, is given back when
//!   that element fails. The methods call `self.skip(p)` exactly where pest skips; since skipping is
//!   idempotent, `A ~ e*` is written `end = skip(A); while e matches at skip(end) { end = e.end }`.
//! * Tree: every non-silent rule that matches outside a lookahead is a node (kind = rule name, span =
//!   the rule's match); atomic `@{}` rules have no children; the children of `search_expr`,
//!   `tstats_where` and `eval_expr` are folded by precedence with fold.rs, exactly as tree.rs does.
//!
//! Where a method dispatches on the current byte instead of trying the alternatives in order, a
//! comment says why the outcome is the same. Rules that only push nodes into an expression return the
//! end position; on failure they may leave nodes behind, and the caller that goes on truncates.

use std::cell::{Cell, RefCell};

use crate::syntax::fold::{fold, Role};
use crate::syntax::kinds::spl as k;
use crate::syntax::tables::spl::*;
use crate::syntax::tables::{in_ranges, Case, CharClass, Keyword};
use crate::syntax::{Node, Refused, MAX_DEPTH};

/// Parses `text` like `spl = { SOI ~ pipeline? ~ EOI }`; refused where the grammar rejects it or the
/// brackets nest deeper than MAX_DEPTH.
pub(crate) fn parse(text: &str) -> Result<Node<'_>, Refused> {
    let parser = Parser {
        src: text,
        b: text.as_bytes(),
        open_comment_from: Cell::new(usize::MAX),
        depth: Cell::new(0),
        too_deep: Cell::new(None),
        spare_items: RefCell::new(Vec::new()),
    };
    let tree = parser.spl();
    match parser.too_deep.get() {
        Some(at) => Err(Refused::TooDeep(at)),
        None => tree.ok_or(Refused::Syntax),
    }
}

/// The operands and operators of one expression node, with their roles in the fold.
type Items<'i> = Vec<(Node<'i>, Role)>;

// ---------------------------------------------------------------- character classes
// One bit per class. The word classes (tables::spl) contain every non-ASCII character except the
// non-ASCII whitespace: bytes >= 0x80 carry their bit and the scanners stop at a whitespace
// character's lead byte (`uni_space`). Scanning such a class byte by byte is exact: continuation
// bytes are never lead bytes, and every scan starts on a character boundary.

/// s_name_char
const S_NAME: u16 = 1;
/// s_word_char
const S_WORD: u16 = 1 << 1;
/// value_char
const VALUE: u16 = 1 << 2;
/// g_word_char
const G_WORD: u16 = 1 << 3;
/// field_pat_char
const FIELD_PAT: u16 = 1 << 4;
/// word_char = ASCII_ALPHANUMERIC | "_" (also fn_name and agg_name after their first character)
const WORD: u16 = 1 << 5;
/// field_char = ASCII_ALPHANUMERIC | "_" | "@"
const FIELD_CHAR: u16 = 1 << 6;
/// option_key after its first character: ASCII_ALPHANUMERIC | "_" | "." | "-"
const OPTION_KEY: u16 = 1 << 7;
/// macro_name: ASCII_ALPHANUMERIC | "_" | "-" | "." | ":"
const MACRO_NAME: u16 = 1 << 8;
/// target_name: ASCII_ALPHANUMERIC | "_" | "@" | "." | "{" | "}" | ":" | "-" | "*"
const TARGET: u16 = 1 << 9;
/// cmd_name after its first character: ASCII_ALPHANUMERIC | "_" | "-"
const CMD: u16 = 1 << 10;
/// ws_char (ASCII part)
const WS: u16 = 1 << 11;

/// The word classes of the tables and their bits.
const WORD_CLASSES: &[(CharClass, u16)] = &[
    (S_NAME_CHAR, S_NAME),
    (S_WORD_CHAR, S_WORD),
    (VALUE_CHAR, VALUE),
    (G_WORD_CHAR, G_WORD),
    (FIELD_PAT_CHAR, FIELD_PAT),
];

const fn in_set(c: u8, set: &[u8]) -> bool {
    let mut i = 0;
    while i < set.len() {
        if set[i] == c {
            return true;
        }
        i += 1;
    }
    false
}

const CLASSES: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut bits = 0;
        let mut k = 0;
        while k < WORD_CLASSES.len() {
            if c >= 0x80 || WORD_CLASSES[k].0.has_ascii(c, WHITESPACE) {
                bits |= WORD_CLASSES[k].1;
            }
            k += 1;
        }
        if c < 0x80 {
            if in_ranges(c as char, WHITESPACE) {
                bits |= WS;
            }
            if c.is_ascii_alphanumeric() || c == b'_' {
                bits |= WORD | FIELD_CHAR | OPTION_KEY | MACRO_NAME | TARGET | CMD;
            }
            if c == b'@' {
                bits |= FIELD_CHAR | TARGET;
            }
            if in_set(c, b".-") {
                bits |= OPTION_KEY | MACRO_NAME | TARGET;
            }
            if c == b'-' {
                bits |= CMD;
            }
            if c == b':' {
                bits |= MACRO_NAME | TARGET;
            }
            if in_set(c, b"{}*") {
                bits |= TARGET;
            }
        }
        t[i] = bits;
        i += 1;
    }
    t
};

#[inline]
fn has(c: u8, class: u16) -> bool {
    CLASSES[c as usize] & class != 0
}

/// A child list that will grow: room for `capacity` children from the start (fewer reallocations).
fn list<'i, const N: usize>(capacity: usize, first: [Node<'i>; N]) -> Vec<Node<'i>> {
    let mut v = Vec::with_capacity(capacity);
    v.extend(first);
    v
}

/// The length of the UTF-8 character whose first byte is `lead`.
#[inline]
fn utf8_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// The commands with their own syntax (tables::spl::COMMANDS, `special_cmd` in the grammar): all
/// made of word characters and followed by `!word_char`, so a keyword matches exactly when the run of
/// word characters at the position is one of its words (ignoring ASCII case).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Special {
    Eval,
    Fieldformat,
    Where,
    Search,
    Stats,
    Tstats,
    Rename,
    Lookup,
    Foreach,
}

fn special(word: &[u8]) -> Option<Special> {
    let kw = COMMANDS.iter().find(|kw| {
        kw.words
            .iter()
            .any(|w| w.len() == word.len() && w.as_bytes().eq_ignore_ascii_case(word))
    })?;
    Some(match kw.kind {
        k::KW_EVAL => Special::Eval,
        k::KW_FIELDFORMAT => Special::Fieldformat,
        k::KW_WHERE => Special::Where,
        k::KW_SEARCH => Special::Search,
        k::KW_STATS => Special::Stats,
        k::KW_TSTATS => Special::Tstats,
        k::KW_RENAME => Special::Rename,
        k::KW_LOOKUP => Special::Lookup,
        k::KW_FOREACH => Special::Foreach,
        _ => return None,
    })
}

struct Parser<'i> {
    src: &'i str,
    b: &'i [u8],
    /// No "```" starts at or after this position: a comment opened at or after three bytes before it
    /// never closes (saves rescanning the rest of the input at every skip).
    open_comment_from: Cell<usize>,
    /// Brackets entered (see `nested`).
    depth: Cell<usize>,
    /// Where the input first nests deeper than MAX_DEPTH: the parse is then refused.
    too_deep: Cell<Option<usize>>,
    /// Item lists of finished expressions, for reuse (one per nesting level at most).
    spare_items: RefCell<Vec<Items<'i>>>,
}

mod commands;
mod eval;
mod search;
mod stats;
mod tokens;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ nodes and bytes

    fn leaf(&self, kind: &'static str, start: usize, end: usize) -> Node<'i> {
        self.node(kind, start, end, Vec::new())
    }

    fn node(
        &self,
        kind: &'static str,
        start: usize,
        end: usize,
        children: Vec<Node<'i>>,
    ) -> Node<'i> {
        Node {
            kind,
            text: &self.src[start..end],
            start,
            end,
            children,
        }
    }

    /// An expression node as tree.rs builds it: the kept children, then the fold of the items.
    fn expr(
        &self,
        kind: &'static str,
        start: usize,
        end: usize,
        mut kept: Vec<Node<'i>>,
        mut items: Items<'i>,
        implicit_and: Option<u8>,
    ) -> Node<'i> {
        match items.len() {
            0 => {}
            // What fold returns for a lone operand: the operand itself.
            1 if items[0].1 == Role::Operand => kept.extend(items.pop().map(|(n, _)| n)),
            n => {
                // fold takes the list; hand it a copy of the right size and keep the (larger) buffer.
                let mut exact = Vec::with_capacity(n);
                exact.append(&mut items);
                match fold(self.src, exact, implicit_and) {
                    Ok(folded) => kept.push(folded),
                    Err(flat) => kept.extend(flat),
                }
            }
        }
        self.recycle(items);
        self.node(kind, start, end, kept)
    }

    /// An empty item list, reused from a finished expression where there is one.
    fn items(&self) -> Items<'i> {
        self.spare_items.borrow_mut().pop().unwrap_or_default()
    }

    fn recycle(&self, mut items: Items<'i>) {
        items.clear();
        self.spare_items.borrow_mut().push(items);
    }

    #[inline]
    fn peek(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    #[inline]
    fn is(&self, i: usize, c: u8) -> bool {
        self.b.get(i) == Some(&c)
    }

    /// Whether a non-ASCII whitespace character starts at the byte `i` (a continuation byte starts
    /// none).
    #[inline]
    fn uni_space(&self, i: usize) -> bool {
        self.b[i] >= 0xC0
            && self
                .src
                .get(i..)
                .and_then(|r| r.chars().next())
                .is_some_and(|c| in_ranges(c, WHITESPACE))
    }

    /// Whether a character of a class with non-ASCII members starts at `i` (false at the end).
    #[inline]
    fn class_at(&self, i: usize, class: u16) -> bool {
        match self.peek(i) {
            Some(c) => has(c, class) && (c < 0x80 || !self.uni_space(i)),
            None => false,
        }
    }

    /// The end of a run of an ASCII-only class from `i`.
    #[inline]
    fn scan_ascii(&self, mut i: usize, class: u16) -> usize {
        while self.peek(i).is_some_and(|c| has(c, class)) {
            i += 1;
        }
        i
    }

    /// `("\\" ~ ANY | class)*` from `i`: its end. A backslash at the very end is a class character
    /// (every class used here contains `\`).
    #[inline]
    fn scan_escaped(&self, mut i: usize, class: u16) -> usize {
        while let Some(c) = self.peek(i) {
            if c == b'\\' {
                i += 1;
                if let Some(n) = self.peek(i) {
                    i += utf8_len(n);
                }
            } else if has(c, class) && (c < 0x80 || !self.uni_space(i)) {
                i += 1;
            } else {
                break;
            }
        }
        i
    }

    /// A keyword rule of the tables (`^"kw" ~ !word_char`, or `"KW" ~ !word_char` for the capitalised
    /// search operators) at `i`: its end. The first spelling that matches is the one tried.
    #[inline]
    fn kw(&self, i: usize, kw: &Keyword) -> Option<usize> {
        let rest = self.b.get(i..)?;
        let w = kw.words.iter().find(|w| {
            let w = w.as_bytes();
            rest.len() >= w.len()
                && match kw.case {
                    Case::Sensitive => rest.starts_with(w),
                    Case::Insensitive => rest[..w.len()].eq_ignore_ascii_case(w),
                }
        })?;
        let end = i + w.len();
        (!self.peek(end).is_some_and(|c| has(c, WORD))).then_some(end)
    }

    /// The run of word characters (ASCII_ALPHANUMERIC | "_") at `i`: its end.
    #[inline]
    fn word_end(&self, i: usize) -> usize {
        self.scan_ascii(i, WORD)
    }

    /// Runs `f` one bracket level deeper (every recursion in the grammar goes through a bracket).
    /// engine::run refuses input nesting deeper than MAX_DEPTH, but its bracket scan can be fooled
    /// (a `\"` outside a string hides what follows up to the next `"`); past MAX_DEPTH levels the
    /// parser refuses the whole input instead of recursing on (parse_tree then asks pest, which has
    /// a stack guard).
    #[inline]
    fn nested<T>(&self, at: usize, f: impl FnOnce() -> Option<T>) -> Option<T> {
        let depth = self.depth.get();
        if depth >= MAX_DEPTH {
            if self.too_deep.get().is_none() {
                self.too_deep.set(Some(at));
            }
            return None;
        }
        self.depth.set(depth + 1);
        let result = f();
        self.depth.set(depth);
        result
    }

    // ------------------------------------------------------------ whitespace

    /// `WHITESPACE*` from `i`: ws_char (space, \t..\r, U+00A0, U+FEFF) or a ```comment```.
    #[inline]
    fn skip(&self, mut i: usize) -> usize {
        let b = self.b;
        while let Some(&c) = b.get(i) {
            match c {
                c if has(c, WS) => i += 1,
                0x80.. if self.uni_space(i) => i += utf8_len(c),
                b'`' if b[i..].starts_with(b"```") => match self.comment_end(i) {
                    Some(end) => i = end,
                    None => break,
                },
                _ => break,
            }
        }
        i
    }

    /// `"```" ~ (not_backtick | !"```" ~ "`")* ~ "```"` at `i` (which starts with "```"): the body
    /// runs to the first "```" from `i + 3`.
    #[cold]
    fn comment_end(&self, i: usize) -> Option<usize> {
        let from = i + 3;
        if from >= self.open_comment_from.get() {
            return None;
        }
        match self.b[from..].windows(3).position(|w| w == b"```") {
            Some(at) => Some(from + at + 3),
            None => {
                self.open_comment_from.set(from);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
