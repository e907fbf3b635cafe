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
// One bit per class. The classes with non-ASCII members (the `*_char` classes of the word rules) contain
// every non-ASCII character except U+00A0 and U+FEFF (whitespace): bytes >= 0x80 carry their bit and the
// scanners stop at the UTF-8 encodings C2 A0 and EF BB BF. Scanning such a class byte by byte is exact:
// continuation bytes are never C2 or EF, and every scan starts on a character boundary.

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

/// The ASCII parts of the grammar's ranges (a range reaching past 0x7F is cut at 0x7F here; the
/// non-ASCII part is the same for every class, see above).
const S_NAME_RANGES: &[(u8, u8)] = &[
    (b'a', b'{'),
    (b'?', b'Z'),
    (b'-', b';'),
    (b'^', b'_'),
    (b'*', b'+'),
    (0x00, 0x08),
    (0x0E, 0x1F),
    (b'!', b'!'),
    (b'#', b'\''),
    (b'\\', b'\\'),
    (b'}', 0x7F),
];
const VALUE_RANGES: &[(u8, u8)] = &[
    (b'a', b'{'),
    (b'-', b'Z'),
    (b'^', b'_'),
    (b'*', b'+'),
    (0x00, 0x08),
    (0x0E, 0x1F),
    (b'!', b'!'),
    (b'#', b'\''),
    (b'\\', b'\\'),
    (b'}', 0x7F),
];
const S_WORD_RANGES: &[(u8, u8)] = &[
    (b'a', b'{'),
    (b'?', b'Z'),
    (b'*', b';'),
    (b'^', b'_'),
    (0x00, 0x08),
    (0x0E, 0x1F),
    (b'!', b'!'),
    (b'#', b'\''),
    (b'\\', b'\\'),
    (b'}', 0x7F),
];
const G_WORD_RANGES: &[(u8, u8)] = &[
    (b'a', b'{'),
    (b'?', b'Z'),
    (b'-', b';'),
    (b'^', b'_'),
    (b'*', b'+'),
    (0x00, 0x08),
    (0x0E, 0x1F),
    (b'#', b'\''),
    (b'\\', b'\\'),
    (b'}', 0x7F),
];
const FIELD_PAT_RANGES: &[(u8, u8)] = &[
    (b'a', b'{'),
    (b'>', b'Z'),
    (b'-', b'<'),
    (b'^', b'_'),
    (b'*', b'+'),
    (0x00, 0x08),
    (0x0E, 0x1F),
    (b'!', b'!'),
    (b'#', b'&'),
    (b'\\', b'\\'),
    (b'}', 0x7F),
];

const fn in_ranges(c: u8, ranges: &[(u8, u8)]) -> bool {
    let mut i = 0;
    while i < ranges.len() {
        if ranges[i].0 <= c && c <= ranges[i].1 {
            return true;
        }
        i += 1;
    }
    false
}

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
        if c >= 0x80 {
            bits = S_NAME | S_WORD | VALUE | G_WORD | FIELD_PAT;
        } else {
            if in_ranges(c, S_NAME_RANGES) {
                bits |= S_NAME;
            }
            if in_ranges(c, S_WORD_RANGES) {
                bits |= S_WORD;
            }
            if in_ranges(c, VALUE_RANGES) {
                bits |= VALUE;
            }
            if in_ranges(c, G_WORD_RANGES) {
                bits |= G_WORD;
            }
            if in_ranges(c, FIELD_PAT_RANGES) {
                bits |= FIELD_PAT;
            }
            if c.is_ascii_alphanumeric() {
                bits |= WORD | FIELD_CHAR | OPTION_KEY | MACRO_NAME | TARGET | CMD;
            }
            if c == b'_' {
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

/// The keywords that start a command with its own syntax (`special_cmd`, and the `kw_*` rules of the
/// commands): all made of word characters and followed by `!word_char`, so a keyword matches exactly
/// when the run of word characters at the position equals it (ignoring ASCII case).
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

const SPECIAL: &[(&[u8], Special)] = &[
    (b"eval", Special::Eval),
    (b"fieldformat", Special::Fieldformat),
    (b"where", Special::Where),
    (b"search", Special::Search),
    (b"stats", Special::Stats),
    (b"eventstats", Special::Stats),
    (b"streamstats", Special::Stats),
    (b"chart", Special::Stats),
    (b"timechart", Special::Stats),
    (b"sistats", Special::Stats),
    (b"sichart", Special::Stats),
    (b"sitimechart", Special::Stats),
    (b"tstats", Special::Tstats),
    (b"rename", Special::Rename),
    (b"lookup", Special::Lookup),
    (b"foreach", Special::Foreach),
];

fn special(word: &[u8]) -> Option<Special> {
    SPECIAL
        .iter()
        .find(|(k, _)| k.len() == word.len() && k.eq_ignore_ascii_case(word))
        .map(|&(_, s)| s)
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

    /// Whether the (non-ASCII) character at `i` is U+00A0 or U+FEFF.
    #[inline]
    fn uni_space(&self, i: usize) -> bool {
        match self.b[i] {
            0xC2 => self.is(i + 1, 0xA0),
            0xEF => self.is(i + 1, 0xBB) && self.is(i + 2, 0xBF),
            _ => false,
        }
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

    /// `^"kw" ~ !word_char`: the end of the keyword.
    #[inline]
    fn kw_ci(&self, i: usize, kw: &[u8]) -> Option<usize> {
        let end = i + kw.len();
        let word = self.b.get(i..end)?;
        (word.eq_ignore_ascii_case(kw) && !self.peek(end).is_some_and(|c| has(c, WORD)))
            .then_some(end)
    }

    /// `"KW" ~ !word_char` (the capitalised operators): the end of the keyword.
    #[inline]
    fn kw_cs(&self, i: usize, kw: &[u8]) -> Option<usize> {
        let end = i + kw.len();
        (self.b.get(i..end) == Some(kw) && !self.peek(end).is_some_and(|c| has(c, WORD)))
            .then_some(end)
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
                b' ' | b'\t'..=b'\r' => i += 1,
                0xC2 if self.is(i + 1, 0xA0) => i += 2,
                0xEF if self.is(i + 1, 0xBB) && self.is(i + 2, 0xBF) => i += 3,
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

    // ------------------------------------------------------------ pipeline

    /// spl = { SOI ~ pipeline? ~ EOI } (EOI is hidden in the tree)
    fn spl(&self) -> Option<Node<'i>> {
        let start = self.skip(0);
        let mut children = Vec::new();
        let mut end = start;
        if let Some(p) = self.pipeline(start) {
            end = p.end;
            children.push(p);
        }
        if self.skip(end) != self.b.len() {
            return None;
        }
        Some(self.node("spl", 0, self.b.len(), children))
    }

    /// pipeline = { (pipe ~ command | search_cmd | base_search) ~ (pipe ~ command)* }
    ///
    /// At `|` only the first alternative can match (no search term starts with `|`); where `search`
    /// is the keyword, base_search fails by its `!kw_search`, so only search_cmd can match.
    fn pipeline(&self, pos: usize) -> Option<Node<'i>> {
        let first = if self.is(pos, b'|') {
            self.command(self.skip(pos + 1))?
        } else if let Some(k) = self.kw_ci(pos, b"search") {
            self.search_cmd(pos, k)?
        } else {
            self.base_search(pos)?
        };
        let mut end = self.skip(first.end);
        let mut children = list(8, [first]);
        loop {
            let at = self.skip(end);
            if !self.is(at, b'|') {
                break;
            }
            match self.command(self.skip(at + 1)) {
                Some(c) => {
                    end = c.end;
                    children.push(c);
                }
                None => break,
            }
        }
        Some(self.node("pipeline", pos, end, children))
    }

    /// command = _{ macro_cmd | eval_cmd | where_cmd | fieldformat_cmd | search_cmd | tstats_cmd
    ///            | stats_cmd | rename_cmd | lookup_cmd | foreach_cmd | generic_cmd }
    ///
    /// The alternatives start with "`" or with distinct keywords, and generic_cmd refuses all of those
    /// keywords (`!special_cmd`) and needs a letter; so the word at `pos` picks the one that can match.
    fn command(&self, pos: usize) -> Option<Node<'i>> {
        if self.is(pos, b'`') {
            // macro_cmd = { macro_call }
            let m = self.macro_call(pos)?;
            return Some(self.node("macro_cmd", pos, m.end, vec![m]));
        }
        let w = self.word_end(pos);
        match special(&self.b[pos..w]) {
            Some(Special::Eval) => self.assign_cmd("eval_cmd", "kw_eval", pos, w),
            Some(Special::Fieldformat) => {
                self.assign_cmd("fieldformat_cmd", "kw_fieldformat", pos, w)
            }
            Some(Special::Where) => self.where_cmd(pos, w),
            Some(Special::Search) => self.search_cmd(pos, w),
            Some(Special::Tstats) => self.tstats_cmd(pos, w),
            Some(Special::Stats) => self.stats_cmd(pos, w),
            Some(Special::Rename) => self.rename_cmd(pos, w),
            Some(Special::Lookup) => self.lookup_cmd(pos, w),
            Some(Special::Foreach) => self.foreach_cmd(pos, w),
            None => self.generic_cmd(pos),
        }
    }

    // ------------------------------------------------------------ search terms

    /// base_search = { !kw_search ~ search_expr } (the caller checked `!kw_search`)
    fn base_search(&self, pos: usize) -> Option<Node<'i>> {
        let e = self.search_expr(self.skip(pos))?;
        Some(self.node("base_search", pos, e.end, vec![e]))
    }

    /// search_cmd = { kw_search ~ search_expr } (the caller matched kw_search, up to `kw_end`)
    fn search_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let e = self.search_expr(self.skip(kw_end))?;
        let kw = self.leaf("kw_search", pos, kw_end);
        Some(self.node("search_cmd", pos, e.end, vec![kw, e]))
    }

    /// search_expr = { s_and }
    fn search_expr(&self, pos: usize) -> Option<Node<'i>> {
        let mut items = self.items();
        let Some(end) = self.s_and(pos, &mut items) else {
            self.recycle(items);
            return None;
        };
        let kept = Vec::with_capacity(1);
        Some(self.expr("search_expr", pos, end, kept, items, Some(1)))
    }

    /// s_and = _{ s_or ~ (kw_AND? ~ s_or)* }
    fn s_and(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        let mut end = self.skip(self.s_or(pos, items)?);
        loop {
            let at = self.skip(end);
            let mark = items.len();
            let mut p = at;
            if let Some(k) = self.kw_cs(at, b"AND") {
                items.push((self.leaf("kw_AND", at, k), Role::Infix(1)));
                p = self.skip(k);
            }
            match self.s_or(p, items) {
                Some(e) => end = e,
                None => {
                    items.truncate(mark);
                    return Some(end);
                }
            }
        }
    }

    /// s_or = _{ s_not ~ (kw_OR ~ s_not)* }
    fn s_or(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::s_not, |p, at| {
            p.kw_cs(at, b"OR").map(|e| ("kw_OR", e, Role::Infix(2)))
        })
    }

    /// s_not = _{ kw_NOT* ~ s_atom }
    fn s_not(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        let at = self.skip(self.nots(pos, items, Role::Prefix(3)));
        let atom = self.s_atom(at)?;
        let end = atom.end;
        items.push((atom, Role::Operand));
        Some(end)
    }

    /// `kw_NOT*` from `pos`, pushed as prefix operators: the end of the repetition.
    fn nots(&self, pos: usize, items: &mut Items<'i>, role: Role) -> usize {
        let mut end = pos;
        let mut at = pos;
        while let Some(k) = self.kw_cs(at, b"NOT") {
            items.push((self.leaf("kw_NOT", at, k), role));
            end = k;
            at = self.skip(k);
        }
        end
    }

    /// s_atom = _{ s_group | subsearch | directive | field_in | field_cmp | macro_call | string | s_word }
    ///
    /// On the first byte: `(`, `[` and "`" start only s_group, subsearch and macro_call (no name, word
    /// or string contains them); `"` starts a string, which is also the s_field of field_in and
    /// field_cmp; anything else can only start a directive, an s_name (field_in, field_cmp) or an s_word.
    fn s_atom(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'(' => self.s_group(pos),
            b'[' => self.subsearch(pos),
            b'`' => self.macro_call(pos),
            b'"' => {
                let end = self.string(pos)?;
                self.field_in_or_cmp(pos, self.leaf("string", pos, end))
                    .or_else(|| Some(self.leaf("string", pos, end)))
            }
            c => {
                if c == b'T' || c == b'C' {
                    if let Some(d) = self.directive(pos) {
                        return Some(d);
                    }
                }
                let name_end = self.s_name(pos);
                if name_end > pos {
                    let name = self.leaf("s_name", pos, name_end);
                    if let Some(n) = self.field_in_or_cmp(pos, name) {
                        return Some(n);
                    }
                }
                self.s_word(pos)
            }
        }
    }

    /// s_group = { "(" ~ search_expr? ~ ")" }
    fn s_group(&self, pos: usize) -> Option<Node<'i>> {
        let inner = self.skip(pos + 1);
        let e = self.nested(pos, || Some(self.search_expr(inner)))?;
        let close = self.skip(e.as_ref().map_or(inner, |e| e.end));
        if !self.is(close, b')') {
            return None;
        }
        Some(self.node("s_group", pos, close + 1, e.into_iter().collect()))
    }

    /// field_in  = { s_field ~ kw_IN ~ "(" ~ (in_value ~ (","? ~ in_value)*)? ~ ")" }
    /// field_cmp = { s_field ~ s_cmp ~ s_value }
    /// s_field   = { string | s_name }
    ///
    /// Both start with the s_field `field` (a string or s_name node at `pos`), parsed once. Where kw_IN
    /// matches, s_cmp cannot (it starts with punctuation), so a failed field_in is a failed field_cmp.
    fn field_in_or_cmp(&self, pos: usize, field: Node<'i>) -> Option<Node<'i>> {
        let field_end = field.end;
        let at = self.skip(field_end);
        let s_field = |field| self.node("s_field", pos, field_end, vec![field]);
        if let Some(k) = self.kw_cs(at, b"IN") {
            let open = self.skip(k);
            if !self.is(open, b'(') {
                return None;
            }
            let mut children = list(6, [s_field(field), self.leaf("kw_IN", at, k)]);
            let mut end = self.skip(open + 1);
            if let Some(v) = self.in_value(end) {
                end = self.skip(v.end);
                children.push(v);
                loop {
                    let at = self.skip(end);
                    let p = if self.is(at, b',') {
                        self.skip(at + 1)
                    } else {
                        at
                    };
                    match self.in_value(p) {
                        Some(v) => {
                            end = v.end;
                            children.push(v);
                        }
                        None => break,
                    }
                }
            }
            let close = self.skip(end);
            if !self.is(close, b')') {
                return None;
            }
            return Some(self.node("field_in", pos, close + 1, children));
        }
        let cmp_end = self.s_cmp(at)?;
        let value = self.s_value(self.skip(cmp_end))?;
        let end = value.end;
        let children = vec![s_field(field), self.leaf("s_cmp", at, cmp_end), value];
        Some(self.node("field_cmp", pos, end, children))
    }

    /// s_cmp = @{ "!=" | "<=" | ">=" | "::" | "=" | "<" | ">" }
    fn s_cmp(&self, pos: usize) -> Option<usize> {
        let two = |c| self.is(pos + 1, c);
        match self.peek(pos)? {
            b'!' if two(b'=') => Some(pos + 2),
            b'<' | b'>' if two(b'=') => Some(pos + 2),
            b':' if two(b':') => Some(pos + 2),
            b'=' | b'<' | b'>' => Some(pos + 1),
            _ => None,
        }
    }

    /// in_value = _{ string | macro_call | value_word } (value_word cannot start with `"` or "`")
    fn in_value(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'"' => self.string_node(pos),
            b'`' => self.macro_call(pos),
            _ => self.value_word(pos),
        }
    }

    /// s_value = _{ string | macro_call | subsearch | value_word } (value_word cannot start with `"`,
    /// "`" or `[`)
    fn s_value(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'"' => self.string_node(pos),
            b'`' => self.macro_call(pos),
            b'[' => self.subsearch(pos),
            _ => self.value_word(pos),
        }
    }

    /// s_name = @{ (!("!=" | "::") ~ s_name_char)+ }: its end (`pos` when it does not match).
    fn s_name(&self, pos: usize) -> usize {
        let mut i = pos;
        while let Some(c) = self.peek(i) {
            if (c == b'!' && self.is(i + 1, b'=')) || (c == b':' && self.is(i + 1, b':')) {
                break;
            }
            if !has(c, S_NAME) || (c >= 0x80 && self.uni_space(i)) {
                break;
            }
            i += 1;
        }
        i
    }

    /// value_word = @{ ("\\" ~ ANY | value_char)+ }
    fn value_word(&self, pos: usize) -> Option<Node<'i>> {
        let end = self.scan_escaped(pos, VALUE);
        (end > pos).then(|| self.leaf("value_word", pos, end))
    }

    /// s_word = @{ !(("AND" | "OR" | "NOT") ~ !s_name_char) ~ ("\\" ~ ANY | s_word_char)+ }
    fn s_word(&self, pos: usize) -> Option<Node<'i>> {
        for kw in [&b"AND"[..], b"OR", b"NOT"] {
            if self.b[pos..].starts_with(kw) && !self.class_at(pos + kw.len(), S_NAME) {
                return None;
            }
        }
        let end = self.scan_escaped(pos, S_WORD);
        (end > pos).then(|| self.leaf("s_word", pos, end))
    }

    /// directive = ${ ("TERM" | "CASE") ~ "(" ~ directive_body ~ ")" }
    /// directive_body = @{ (string_raw | !(")" | "\"") ~ ANY)* }
    fn directive(&self, pos: usize) -> Option<Node<'i>> {
        let head = self.b.get(pos..pos + 5)?;
        if head != b"TERM(" && head != b"CASE(" {
            return None;
        }
        let from = pos + 5;
        let mut i = from;
        loop {
            match self.peek(i) {
                None | Some(b')') => break,
                Some(b'"') => match self.string(i) {
                    Some(e) => i = e,
                    None => break,
                },
                // Byte by byte: `)` and `"` never occur inside a multi-byte character.
                Some(_) => i += 1,
            }
        }
        if !self.is(i, b')') {
            return None;
        }
        let body = self.leaf("directive_body", from, i);
        Some(self.node("directive", pos, i + 1, vec![body]))
    }

    // ------------------------------------------------------------ subsearches and macros

    /// subsearch = { "[" ~ pipeline ~ "]" }
    fn subsearch(&self, pos: usize) -> Option<Node<'i>> {
        let p = self.nested(pos, || self.pipeline(self.skip(pos + 1)))?;
        let close = self.skip(p.end);
        if !self.is(close, b']') {
            return None;
        }
        Some(self.node("subsearch", pos, close + 1, vec![p]))
    }

    /// macro_call = ${ "`" ~ macro_name ~ ("(" ~ macro_args ~ ")")? ~ "`" }
    /// macro_name = @{ (ASCII_ALPHANUMERIC | "_" | "-" | "." | ":")+ }
    fn macro_call(&self, pos: usize) -> Option<Node<'i>> {
        if !self.is(pos, b'`') {
            return None;
        }
        let name_end = self.scan_ascii(pos + 1, MACRO_NAME);
        if name_end == pos + 1 {
            return None;
        }
        let mut children = list(2, [self.leaf("macro_name", pos + 1, name_end)]);
        let mut end = name_end;
        if self.is(end, b'(') {
            let args = self.macro_args(end + 1);
            if self.is(args.end, b')') {
                end = args.end + 1;
                children.push(args);
            }
        }
        if !self.is(end, b'`') {
            return None;
        }
        Some(self.node("macro_call", pos, end + 1, children))
    }

    /// macro_args = ${ macro_ws ~ (macro_arg ~ macro_ws ~ ("," ~ macro_ws ~ macro_arg ~ macro_ws)*)? }
    /// (compound-atomic: no implicit whitespace; always matches)
    fn macro_args(&self, pos: usize) -> Node<'i> {
        let mut end = self.macro_ws(pos);
        let mut args = Vec::with_capacity(4);
        if let Some(e) = self.macro_arg(end) {
            args.push(self.leaf("macro_arg", end, e));
            end = self.macro_ws(e);
            while self.is(end, b',') {
                let at = self.macro_ws(end + 1);
                match self.macro_arg(at) {
                    Some(e) => {
                        args.push(self.leaf("macro_arg", at, e));
                        end = self.macro_ws(e);
                    }
                    None => break,
                }
            }
        }
        self.node("macro_args", pos, end, args)
    }

    /// macro_ws = _{ (" " | "\t" | "\r" | "\n")* }
    fn macro_ws(&self, mut i: usize) -> usize {
        while matches!(self.peek(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            i += 1;
        }
        i
    }

    /// macro_arg = @{ (string_raw | !("," | "(" | ")" | "`" | "\"") ~ ANY)+ }: its end.
    fn macro_arg(&self, pos: usize) -> Option<usize> {
        let mut i = pos;
        loop {
            match self.peek(i) {
                None | Some(b',' | b'(' | b')' | b'`') => break,
                Some(b'"') => match self.string(i) {
                    Some(e) => i = e,
                    None => break,
                },
                // Byte by byte: the excluded characters never occur inside a multi-byte character.
                Some(_) => i += 1,
            }
        }
        (i > pos).then_some(i)
    }

    // ------------------------------------------------------------ eval, where, fieldformat

    /// eval_cmd        = { kw_eval ~ eval_assign ~ ("," ~ eval_assign)* }
    /// fieldformat_cmd = { kw_fieldformat ~ eval_assign ~ ("," ~ eval_assign)* }
    fn assign_cmd(
        &self,
        kind: &'static str,
        kw_kind: &'static str,
        pos: usize,
        kw_end: usize,
    ) -> Option<Node<'i>> {
        let first = self.eval_assign(self.skip(kw_end))?;
        let mut end = self.skip(first.end);
        let mut children = list(4, [self.leaf(kw_kind, pos, kw_end), first]);
        loop {
            let at = self.skip(end);
            if !self.is(at, b',') {
                break;
            }
            match self.eval_assign(self.skip(at + 1)) {
                Some(a) => {
                    end = a.end;
                    children.push(a);
                }
                None => break,
            }
        }
        Some(self.node(kind, pos, end, children))
    }

    /// where_cmd = { kw_where ~ eval_expr }
    fn where_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let e = self.eval_expr(self.skip(kw_end))?;
        let kw = self.leaf("kw_where", pos, kw_end);
        Some(self.node("where_cmd", pos, e.end, vec![kw, e]))
    }

    /// eval_assign = { eval_target ~ assign_eq ~ eval_expr }
    /// eval_target = _{ sq_field | target_name } (target_name cannot start with `'`)
    /// assign_eq   = _{ "=" ~ !"=" } (non-atomic: whitespace may come between `=` and the lookahead)
    fn eval_assign(&self, pos: usize) -> Option<Node<'i>> {
        let target = if self.is(pos, b'\'') {
            self.sq_field_node(pos)?
        } else {
            let end = self.scan_with_templates(pos, TARGET);
            if end == pos {
                return None;
            }
            self.leaf("target_name", pos, end)
        };
        let eq = self.skip(target.end);
        if !self.is(eq, b'=') {
            return None;
        }
        let at = self.skip(eq + 1);
        if self.is(at, b'=') {
            return None;
        }
        let e = self.eval_expr(at)?;
        Some(self.node("eval_assign", pos, e.end, vec![target, e]))
    }

    /// eval_expr = { e_xor }
    fn eval_expr(&self, pos: usize) -> Option<Node<'i>> {
        let mut items = self.items();
        let Some(end) = self.e_xor(pos, &mut items) else {
            self.recycle(items);
            return None;
        };
        let kept = Vec::with_capacity(1);
        Some(self.expr("eval_expr", pos, end, kept, items, None))
    }

    /// `operand ~ (op ~ operand)*`: e_xor, e_or, e_and, e_add, e_mul and s_or have this shape. `op`
    /// gives the operator's kind, end and role where one matches.
    #[inline]
    fn chain<O, Op>(&self, pos: usize, items: &mut Items<'i>, operand: O, op: Op) -> Option<usize>
    where
        O: Fn(&Self, usize, &mut Items<'i>) -> Option<usize>,
        Op: Fn(&Self, usize) -> Option<(&'static str, usize, Role)>,
    {
        let mut end = self.skip(operand(self, pos, items)?);
        loop {
            let at = self.skip(end);
            let Some((kind, op_end, role)) = op(self, at) else {
                return Some(end);
            };
            let mark = items.len();
            items.push((self.leaf(kind, at, op_end), role));
            match operand(self, self.skip(op_end), items) {
                Some(e) => end = e,
                None => {
                    items.truncate(mark);
                    return Some(end);
                }
            }
        }
    }

    /// e_xor = _{ e_or ~ (op_xor ~ e_or)* }
    fn e_xor(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::e_or, |p, at| {
            p.kw_ci(at, b"xor").map(|e| ("op_xor", e, Role::Infix(1)))
        })
    }

    /// e_or = _{ e_and ~ (op_or ~ e_and)* }
    fn e_or(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::e_and, |p, at| {
            p.kw_ci(at, b"or").map(|e| ("op_or", e, Role::Infix(2)))
        })
    }

    /// e_and = _{ e_not ~ (op_and ~ e_not)* }
    fn e_and(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::e_not, |p, at| {
            p.kw_ci(at, b"and").map(|e| ("op_and", e, Role::Infix(3)))
        })
    }

    /// e_not = _{ op_not* ~ e_cmp }
    fn e_not(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        let mut end = pos;
        let mut at = pos;
        while let Some(k) = self.kw_ci(at, b"not") {
            items.push((self.leaf("op_not", at, k), Role::Prefix(4)));
            end = k;
            at = self.skip(k);
        }
        self.e_cmp(self.skip(end), items)
    }

    /// e_cmp = _{ e_add ~ (e_cmp_op ~ e_add | op_like ~ e_add | op_in ~ e_list)? }
    ///
    /// The three alternatives start with punctuation, `l` and `i`: at most one operator matches.
    fn e_cmp(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        let end = self.skip(self.e_add(pos, items)?);
        let mark = items.len();
        if let Some(op) = self.e_cmp_op(end) {
            items.push((self.leaf("e_cmp_op", end, op), Role::Infix(5)));
            if let Some(e) = self.e_add(self.skip(op), items) {
                return Some(e);
            }
        } else if let Some(k) = self.kw_ci(end, b"like") {
            items.push((self.leaf("op_like", end, k), Role::Infix(5)));
            if let Some(e) = self.e_add(self.skip(k), items) {
                return Some(e);
            }
        } else if let Some(k) = self.kw_ci(end, b"in") {
            items.push((self.leaf("op_in", end, k), Role::Infix(5)));
            if let Some(list) = self.e_list(self.skip(k)) {
                let e = list.end;
                items.push((list, Role::Operand));
                return Some(e);
            }
        }
        items.truncate(mark);
        Some(end)
    }

    /// e_cmp_op = @{ "==" | "!=" | "<>" | "<=" | ">=" | "=" | "<" | ">" }
    fn e_cmp_op(&self, pos: usize) -> Option<usize> {
        let next = self.peek(pos + 1);
        match self.peek(pos)? {
            b'=' | b'!' if next == Some(b'=') => Some(pos + 2),
            b'<' if matches!(next, Some(b'>' | b'=')) => Some(pos + 2),
            b'>' if next == Some(b'=') => Some(pos + 2),
            b'=' | b'<' | b'>' => Some(pos + 1),
            _ => None,
        }
    }

    /// e_add = _{ e_mul ~ (e_add_op ~ e_mul)* }, e_add_op = @{ "+" | "-" | "." }
    fn e_add(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::e_mul, |p, at| {
            matches!(p.peek(at), Some(b'+' | b'-' | b'.')).then_some((
                "e_add_op",
                at + 1,
                Role::Infix(6),
            ))
        })
    }

    /// e_mul = _{ e_unary ~ (e_mul_op ~ e_unary)* }, e_mul_op = @{ "*" | "/" | "%" }
    fn e_mul(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::e_unary, |p, at| {
            matches!(p.peek(at), Some(b'*' | b'/' | b'%')).then_some((
                "e_mul_op",
                at + 1,
                Role::Infix(7),
            ))
        })
    }

    /// e_unary = _{ e_sign? ~ e_primary }, e_sign = @{ "-" | "+" }
    fn e_unary(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        let mut at = pos;
        if matches!(self.peek(pos), Some(b'-' | b'+')) {
            items.push((self.leaf("e_sign", pos, pos + 1), Role::Prefix(8)));
            at = self.skip(pos + 1);
        }
        let primary = self.e_primary(at)?;
        let end = primary.end;
        items.push((primary, Role::Operand));
        Some(end)
    }

    /// e_primary = _{ e_group | e_call | number | string | sq_field | macro_call | e_field }
    ///
    /// On the first byte: `(` starts only e_group; a letter or `_` only e_call or e_field; `@` and
    /// `<` only e_field; a digit or `.` only number; `"` only string; `'` only sq_field; "`" only
    /// macro_call.
    fn e_primary(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'(' => self.e_group(pos),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                self.e_call(pos).or_else(|| self.e_field(pos))
            }
            b'@' | b'<' => self.e_field(pos),
            b'`' => self.macro_call(pos),
            b'0'..=b'9' | b'.' => {
                let end = self.number(pos)?;
                Some(self.leaf("number", pos, end))
            }
            b'"' => self.string_node(pos),
            b'\'' => self.sq_field_node(pos),
            _ => None,
        }
    }

    /// e_group = { "(" ~ eval_expr ~ ")" }
    fn e_group(&self, pos: usize) -> Option<Node<'i>> {
        let e = self.nested(pos, || self.eval_expr(self.skip(pos + 1)))?;
        let close = self.skip(e.end);
        if !self.is(close, b')') {
            return None;
        }
        Some(self.node("e_group", pos, close + 1, vec![e]))
    }

    /// e_list = { "(" ~ eval_expr ~ ("," ~ eval_expr)* ~ ")" }
    fn e_list(&self, pos: usize) -> Option<Node<'i>> {
        if !self.is(pos, b'(') {
            return None;
        }
        self.nested(pos, || {
            let first = self.eval_expr(self.skip(pos + 1))?;
            let end = self.skip(first.end);
            let mut children = list(4, [first]);
            let close = self.skip(self.more_eval_exprs(end, &mut children));
            if !self.is(close, b')') {
                return None;
            }
            Some(self.node("e_list", pos, close + 1, children))
        })
    }

    /// `("," ~ eval_expr)*` after `end` (where the sequence's whitespace is already skipped): its end.
    fn more_eval_exprs(&self, mut end: usize, children: &mut Vec<Node<'i>>) -> usize {
        loop {
            let at = self.skip(end);
            if !self.is(at, b',') {
                return end;
            }
            match self.eval_expr(self.skip(at + 1)) {
                Some(e) => {
                    end = e.end;
                    children.push(e);
                }
                None => return end,
            }
        }
    }

    /// e_call = { fn_name ~ "(" ~ (eval_expr ~ ("," ~ eval_expr)*)? ~ ")" }
    /// fn_name = @{ (ASCII_ALPHA | "_") ~ (ASCII_ALPHANUMERIC | "_")* } (the caller checked the first)
    fn e_call(&self, pos: usize) -> Option<Node<'i>> {
        let name_end = self.word_end(pos + 1);
        let open = self.skip(name_end);
        if !self.is(open, b'(') {
            return None;
        }
        self.nested(open, || {
            let mut children = list(4, [self.leaf("fn_name", pos, name_end)]);
            let mut end = self.skip(open + 1);
            if let Some(e) = self.eval_expr(end) {
                end = self.skip(e.end);
                children.push(e);
                end = self.more_eval_exprs(end, &mut children);
            }
            let close = self.skip(end);
            if !self.is(close, b')') {
                return None;
            }
            Some(self.node("e_call", pos, close + 1, children))
        })
    }

    /// e_field = @{ !((^"and" | ^"or" | ^"not" | ^"xor" | ^"like" | ^"in") ~ !field_char)
    ///              ~ (template | ASCII_ALPHA | "_" | "@") ~ (template | field_char)* }
    /// (the caller checked that the first character is a letter, `_`, `@` or `<`). No keyword is a
    /// prefix of another, so the lookahead fails exactly when the run of field characters at `pos`
    /// is one of them.
    fn e_field(&self, pos: usize) -> Option<Node<'i>> {
        let plain = self.scan_ascii(pos, FIELD_CHAR);
        if [&b"and"[..], b"or", b"not", b"xor", b"like", b"in"]
            .iter()
            .any(|k| self.b[pos..plain].eq_ignore_ascii_case(k))
        {
            return None;
        }
        let end = self.scan_with_templates(pos, FIELD_CHAR);
        (end > pos).then(|| self.leaf("e_field", pos, end))
    }

    /// `(template | class)+` over an ASCII class (target_name, and e_field after its first
    /// character, whose classes differ only in characters e_field's caller has already checked):
    /// its end. template = _{ "<<" ~ (ASCII_ALPHANUMERIC | "_")+ ~ ">>" }
    fn scan_with_templates(&self, mut i: usize, class: u16) -> usize {
        loop {
            let next = self.scan_ascii(i, class);
            if next > i {
                i = next;
                continue;
            }
            match self.template_end(i) {
                Some(e) => i = e,
                None => return i,
            }
        }
    }

    /// template at `i`: its end.
    fn template_end(&self, i: usize) -> Option<usize> {
        if !(self.is(i, b'<') && self.is(i + 1, b'<')) {
            return None;
        }
        let body = self.scan_ascii(i + 2, WORD);
        (body > i + 2 && self.is(body, b'>') && self.is(body + 1, b'>')).then_some(body + 2)
    }

    /// number = @{ (ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? | "." ~ ASCII_DIGIT+)
    ///             ~ (("e" | "E") ~ ("+" | "-")? ~ ASCII_DIGIT+)? ~ !(ASCII_ALPHA | "_") }: its end.
    fn number(&self, pos: usize) -> Option<usize> {
        let digit = |i| self.peek(i).is_some_and(|c: u8| c.is_ascii_digit());
        let digits = |mut i| {
            while digit(i) {
                i += 1;
            }
            i
        };
        let mut i = if digit(pos) {
            let i = digits(pos);
            if self.is(i, b'.') && digit(i + 1) {
                digits(i + 1)
            } else {
                i
            }
        } else if self.is(pos, b'.') && digit(pos + 1) {
            digits(pos + 1)
        } else {
            return None;
        };
        if matches!(self.peek(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(self.peek(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if digit(j) {
                i = digits(j);
            }
        }
        if self
            .peek(i)
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        {
            return None;
        }
        Some(i)
    }

    // ------------------------------------------------------------ stats family

    /// stats_cmd = { kw_stats ~ stats_arg+ }
    fn stats_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        self.args_cmd("stats_cmd", "kw_stats", pos, kw_end, Self::stats_arg)
    }

    /// tstats_cmd = { kw_tstats ~ (stats_arg | tstats_from | tstats_where)+ }
    fn tstats_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        self.args_cmd("tstats_cmd", "kw_tstats", pos, kw_end, Self::tstats_arg)
    }

    /// `kw ~ arg+`: stats_cmd and tstats_cmd. `arg+` is `arg ~ arg*`, so the whitespace after the first
    /// arg stays in the span when no second one follows.
    fn args_cmd(
        &self,
        kind: &'static str,
        kw_kind: &'static str,
        pos: usize,
        kw_end: usize,
        arg: fn(&Self, usize) -> Option<Node<'i>>,
    ) -> Option<Node<'i>> {
        let first = arg(self, self.skip(kw_end))?;
        let mut end = self.skip(first.end);
        let mut children = list(4, [self.leaf(kw_kind, pos, kw_end), first]);
        while let Some(a) = arg(self, self.skip(end)) {
            end = a.end;
            children.push(a);
        }
        Some(self.node(kind, pos, end, children))
    }

    /// `stats_arg | tstats_from | tstats_where`
    fn tstats_arg(&self, pos: usize) -> Option<Node<'i>> {
        if let Some(a) = self.stats_arg(pos) {
            return Some(a);
        }
        if let Some(k) = self.kw_ci(pos, b"from") {
            return self.tstats_from(pos, k);
        }
        let k = self.kw_ci(pos, b"where")?;
        self.tstats_where(pos, k)
    }

    /// stats_arg = _{ option | by_clause | over_clause | macro_call | agg }
    ///
    /// "`" starts only macro_call; the others need a letter or `_`. After option, the word decides:
    /// agg_name refuses `by` and `over`, so where by_clause or over_clause fails, nothing else matches.
    fn stats_arg(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'`' => self.macro_call(pos),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                if let Some(o) = self.option(pos) {
                    return Some(o);
                }
                let w = self.word_end(pos);
                let word = &self.b[pos..w];
                if word.eq_ignore_ascii_case(b"by") {
                    self.by_clause(pos, w)
                } else if word.eq_ignore_ascii_case(b"over") {
                    self.over_clause(pos, w)
                } else {
                    self.agg(pos, w)
                }
            }
            _ => None,
        }
    }

    /// agg      = { agg_name ~ ("(" ~ (agg_arg ~ ("," ~ agg_arg)*)? ~ ")")? ~ (kw_as ~ out_name)? ~ ","? }
    /// agg_name = @{ !((^"by" | ^"as" | ^"over" | ^"from" | ^"where") ~ !word_char)
    ///               ~ (ASCII_ALPHA | "_") ~ (ASCII_ALPHANUMERIC | "_")* }
    /// The caller checked the first character; `name_end` ends the run of word characters.
    fn agg(&self, pos: usize, name_end: usize) -> Option<Node<'i>> {
        let name = &self.b[pos..name_end];
        if [&b"by"[..], b"as", b"over", b"from", b"where"]
            .iter()
            .any(|k| name.eq_ignore_ascii_case(k))
        {
            return None;
        }
        let mut children = list(4, [self.leaf("agg_name", pos, name_end)]);
        let mut end = self.skip(name_end);
        if self.is(end, b'(') {
            let mark = children.len();
            let mut p = self.skip(end + 1);
            if let Some(a) = self.agg_arg(p) {
                p = self.skip(a.end);
                children.push(a);
                loop {
                    let at = self.skip(p);
                    if !self.is(at, b',') {
                        break;
                    }
                    match self.agg_arg(self.skip(at + 1)) {
                        Some(a) => {
                            p = a.end;
                            children.push(a);
                        }
                        None => break,
                    }
                }
            }
            let close = self.skip(p);
            if self.is(close, b')') {
                end = close + 1;
            } else {
                children.truncate(mark);
            }
        }
        end = self.skip(end);
        if let Some(k) = self.kw_ci(end, b"as") {
            if let Some(o) = self.out_name(self.skip(k)) {
                children.push(self.leaf("kw_as", end, k));
                end = o.end;
                children.push(o);
            }
        }
        end = self.skip(end);
        if self.is(end, b',') {
            end += 1;
        }
        Some(self.node("agg", pos, end, children))
    }

    /// agg_arg = _{ eval_call | string | field_pat } (field_pat cannot start with `"`)
    fn agg_arg(&self, pos: usize) -> Option<Node<'i>> {
        if self.is(pos, b'"') {
            return self.string_node(pos);
        }
        if let Some(e) = self.eval_call(pos) {
            return Some(e);
        }
        self.field_pat(pos)
    }

    /// eval_call = { ^"eval" ~ "(" ~ eval_expr ~ ")" }
    fn eval_call(&self, pos: usize) -> Option<Node<'i>> {
        if !self.b.get(pos..pos + 4)?.eq_ignore_ascii_case(b"eval") {
            return None;
        }
        let open = self.skip(pos + 4);
        if !self.is(open, b'(') {
            return None;
        }
        let e = self.nested(open, || self.eval_expr(self.skip(open + 1)))?;
        let close = self.skip(e.end);
        if !self.is(close, b')') {
            return None;
        }
        Some(self.node("eval_call", pos, close + 1, vec![e]))
    }

    /// out_name = _{ string | sq_field | field_pat } (field_pat cannot start with `"` or `'`)
    fn out_name(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'"' => self.string_node(pos),
            b'\'' => self.sq_field_node(pos),
            _ => self.field_pat(pos),
        }
    }

    /// by_clause = { kw_by ~ field_list }
    fn by_clause(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let list = self.field_list(self.skip(kw_end))?;
        let kw = self.leaf("kw_by", pos, kw_end);
        Some(self.node("by_clause", pos, list.end, vec![kw, list]))
    }

    /// over_clause = { kw_over ~ field_pat }
    fn over_clause(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let f = self.field_pat(self.skip(kw_end))?;
        let kw = self.leaf("kw_over", pos, kw_end);
        Some(self.node("over_clause", pos, f.end, vec![kw, f]))
    }

    /// field_list = { by_field ~ (","? ~ (option | by_field))* }
    fn field_list(&self, pos: usize) -> Option<Node<'i>> {
        let first = self.by_field(pos)?;
        let mut end = self.skip(first.end);
        let mut children = list(4, [first]);
        loop {
            let at = self.skip(end);
            let p = if self.is(at, b',') {
                self.skip(at + 1)
            } else {
                at
            };
            match self.option(p).or_else(|| self.by_field(p)) {
                Some(f) => {
                    end = f.end;
                    children.push(f);
                }
                None => break,
            }
        }
        Some(self.node("field_list", pos, end, children))
    }

    /// by_field = _{ !(option_key ~ "=") ~ !kw_over ~ (string | field_pat) }
    /// (non-atomic: the first lookahead allows whitespace before `=`)
    fn by_field(&self, pos: usize) -> Option<Node<'i>> {
        if let Some(k) = self.option_key(pos) {
            if self.is(self.skip(k), b'=') {
                return None;
            }
        }
        let p = self.skip(pos);
        if self.kw_ci(p, b"over").is_some() {
            return None;
        }
        let p = self.skip(p);
        self.string_or_field_pat(p)
    }

    /// tstats_from = { kw_from ~ option_key ~ "=" ~ (string | value_word) }
    fn tstats_from(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let key_at = self.skip(kw_end);
        let key_end = self.option_key(key_at)?;
        let eq = self.skip(key_end);
        if !self.is(eq, b'=') {
            return None;
        }
        let at = self.skip(eq + 1);
        let value = if self.is(at, b'"') {
            self.string_node(at)?
        } else {
            self.value_word(at)?
        };
        let children = vec![
            self.leaf("kw_from", pos, kw_end),
            self.leaf("option_key", key_at, key_end),
            value,
        ];
        Some(self.node("tstats_from", pos, children[2].end, children))
    }

    /// tstats_where = { kw_where ~ t_term ~ (!kw_by ~ (kw_AND | kw_OR)? ~ t_term)* }
    fn tstats_where(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let mut items = self.items();
        let Some(first) = self.t_term(self.skip(kw_end), &mut items) else {
            self.recycle(items);
            return None;
        };
        let mut end = self.skip(first);
        loop {
            let at = self.skip(end);
            if self.kw_ci(at, b"by").is_some() {
                break;
            }
            let mark = items.len();
            let mut p = self.skip(at);
            if let Some(k) = self.kw_cs(p, b"AND") {
                items.push((self.leaf("kw_AND", p, k), Role::Infix(1)));
                p = k;
            } else if let Some(k) = self.kw_cs(p, b"OR") {
                items.push((self.leaf("kw_OR", p, k), Role::Infix(2)));
                p = k;
            }
            match self.t_term(self.skip(p), &mut items) {
                Some(e) => end = e,
                None => {
                    items.truncate(mark);
                    break;
                }
            }
        }
        let mut kept = Vec::with_capacity(2);
        kept.push(self.leaf("kw_where", pos, kw_end));
        Some(self.expr("tstats_where", pos, end, kept, items, Some(1)))
    }

    /// t_term = _{ !kw_by ~ kw_NOT* ~ s_atom }
    fn t_term(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        if self.kw_ci(pos, b"by").is_some() {
            return None;
        }
        self.s_not(self.skip(pos), items)
    }

    // ------------------------------------------------------------ rename, lookup

    /// rename_cmd = { kw_rename ~ rename_pair ~ (","? ~ rename_pair)* }
    fn rename_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let first = self.rename_pair(self.skip(kw_end))?;
        let mut end = self.skip(first.end);
        let mut children = list(4, [self.leaf("kw_rename", pos, kw_end), first]);
        loop {
            let at = self.skip(end);
            let p = if self.is(at, b',') {
                self.skip(at + 1)
            } else {
                at
            };
            match self.rename_pair(p) {
                Some(r) => {
                    end = r.end;
                    children.push(r);
                }
                None => break,
            }
        }
        Some(self.node("rename_cmd", pos, end, children))
    }

    /// rename_pair = { (string | field_pat) ~ kw_as ~ (string | field_pat) }
    fn rename_pair(&self, pos: usize) -> Option<Node<'i>> {
        let from = self.string_or_field_pat(pos)?;
        let at = self.skip(from.end);
        let k = self.kw_ci(at, b"as")?;
        let to = self.string_or_field_pat(self.skip(k))?;
        let end = to.end;
        let children = vec![from, self.leaf("kw_as", at, k), to];
        Some(self.node("rename_pair", pos, end, children))
    }

    /// lookup_cmd = { kw_lookup ~ option* ~ lookup_table ~ lookup_field+ ~ (kw_output ~ lookup_field+)? }
    /// lookup_table = { field_pat }
    fn lookup_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let mut children = list(8, [self.leaf("kw_lookup", pos, kw_end)]);
        let mut end = self.skip(kw_end);
        if let Some(o) = self.option(end) {
            end = o.end;
            children.push(o);
            while let Some(o) = self.option(self.skip(end)) {
                end = o.end;
                children.push(o);
            }
        }
        let table_at = self.skip(end);
        let table = self.field_pat(table_at)?;
        let table_end = table.end;
        children.push(self.node("lookup_table", table_at, table_end, vec![table]));
        end = self.lookup_fields(self.skip(table_end), &mut children)?;
        end = self.skip(end);
        if let Some(k) = self.kw_output(end) {
            let mark = children.len();
            children.push(self.leaf("kw_output", end, k));
            match self.lookup_fields(self.skip(k), &mut children) {
                Some(e) => end = e,
                None => children.truncate(mark),
            }
        }
        Some(self.node("lookup_cmd", pos, end, children))
    }

    /// kw_output = @{ (^"outputnew" | ^"output") ~ !word_char }
    fn kw_output(&self, pos: usize) -> Option<usize> {
        self.kw_ci(pos, b"outputnew")
            .or_else(|| self.kw_ci(pos, b"output"))
    }

    /// `lookup_field+` (that is `lookup_field ~ lookup_field*`) at `pos`: its end.
    fn lookup_fields(&self, pos: usize, children: &mut Vec<Node<'i>>) -> Option<usize> {
        let first = self.lookup_field(pos)?;
        let mut end = self.skip(first.end);
        children.push(first);
        while let Some(f) = self.lookup_field(self.skip(end)) {
            end = f.end;
            children.push(f);
        }
        Some(end)
    }

    /// lookup_field = { !kw_output ~ (string | field_pat) ~ (kw_as ~ (string | field_pat))? ~ ","? }
    fn lookup_field(&self, pos: usize) -> Option<Node<'i>> {
        if self.kw_output(pos).is_some() {
            return None;
        }
        let first = self.string_or_field_pat(self.skip(pos))?;
        let mut end = self.skip(first.end);
        let mut children = list(3, [first]);
        if let Some(k) = self.kw_ci(end, b"as") {
            if let Some(to) = self.string_or_field_pat(self.skip(k)) {
                children.push(self.leaf("kw_as", end, k));
                end = to.end;
                children.push(to);
            }
        }
        end = self.skip(end);
        if self.is(end, b',') {
            end += 1;
        }
        Some(self.node("lookup_field", pos, end, children))
    }

    // ------------------------------------------------------------ foreach

    /// foreach_cmd = { kw_foreach ~ (option | string | field_pat)* ~ foreach_body }
    fn foreach_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let mut children = list(4, [self.leaf("kw_foreach", pos, kw_end)]);
        let mut at = self.skip(kw_end);
        loop {
            // `[` starts none of the arguments; a string starts with `"`, which neither an option
            // nor a field_pat does.
            let arg = if self.is(at, b'"') {
                self.string_node(at)
            } else {
                self.option(at).or_else(|| self.field_pat(at))
            };
            match arg {
                Some(a) => {
                    at = self.skip(a.end);
                    children.push(a);
                }
                None => break,
            }
        }
        let body = self.foreach_body(at)?;
        let end = body.end;
        children.push(body);
        Some(self.node("foreach_cmd", pos, end, children))
    }

    /// foreach_body = { "[" ~ pipe? ~ command ~ (pipe ~ command)* ~ "]" }
    fn foreach_body(&self, pos: usize) -> Option<Node<'i>> {
        if !self.is(pos, b'[') {
            return None;
        }
        self.nested(pos, || {
            let mut at = self.skip(pos + 1);
            if self.is(at, b'|') {
                at = self.skip(at + 1);
            }
            let first = self.command(at)?;
            let mut end = first.end;
            let mut children = list(2, [first]);
            loop {
                let bar = self.skip(end);
                if !self.is(bar, b'|') {
                    break;
                }
                match self.command(self.skip(bar + 1)) {
                    Some(c) => {
                        end = c.end;
                        children.push(c);
                    }
                    None => break,
                }
            }
            let close = self.skip(end);
            if !self.is(close, b']') {
                return None;
            }
            Some(self.node("foreach_body", pos, close + 1, children))
        })
    }

    // ------------------------------------------------------------ generic commands

    /// generic_cmd = { !special_cmd ~ cmd_name ~ g_arg* } (the caller checked `!special_cmd`)
    /// cmd_name    = @{ ASCII_ALPHA ~ (ASCII_ALPHANUMERIC | "_" | "-")* }
    fn generic_cmd(&self, pos: usize) -> Option<Node<'i>> {
        let at = self.skip(pos);
        if !self.peek(at).is_some_and(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let name_end = self.scan_ascii(at + 1, CMD);
        let mut children = list(8, [self.leaf("cmd_name", at, name_end)]);
        let end = self.g_args(self.skip(name_end), &mut children);
        Some(self.node("generic_cmd", pos, end, children))
    }

    /// `g_arg*` at `pos`: its end (`pos` when there is none).
    fn g_args(&self, pos: usize, children: &mut Vec<Node<'i>>) -> usize {
        let mut end = pos;
        let mut at = pos;
        while let Some(a) = self.g_arg(at) {
            end = a.end;
            children.push(a);
            at = self.skip(end);
        }
        end
    }

    /// g_arg = _{ subsearch | macro_call | option | g_group | string | g_op | g_comma | g_word }
    ///
    /// On the first byte: `[`, "`", `(`, `"`, `,` start only subsearch, macro_call, g_group, string
    /// and g_comma; `=`, `<`, `>` only g_op; `!` g_op before `=`, else g_word; a letter or `_` an
    /// option, else g_word; anything else only g_word.
    fn g_arg(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'[' => self.subsearch(pos),
            b'`' => self.macro_call(pos),
            b'(' => self.g_group(pos),
            b'"' => self.string_node(pos),
            b',' => Some(self.leaf("g_comma", pos, pos + 1)),
            c @ (b'!' | b'=' | b'<' | b'>') => {
                // g_op = @{ "!=" | "==" | "<=" | ">=" | "=" | "<" | ">" }
                if self.is(pos + 1, b'=') {
                    Some(self.leaf("g_op", pos, pos + 2))
                } else if c == b'!' {
                    self.g_word(pos)
                } else {
                    Some(self.leaf("g_op", pos, pos + 1))
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                self.option(pos).or_else(|| self.g_word(pos))
            }
            _ => self.g_word(pos),
        }
    }

    /// g_group = { "(" ~ g_arg* ~ ")" }
    fn g_group(&self, pos: usize) -> Option<Node<'i>> {
        let mut children = Vec::with_capacity(4);
        let end = self.nested(pos, || Some(self.g_args(self.skip(pos + 1), &mut children)))?;
        let close = self.skip(end);
        if !self.is(close, b')') {
            return None;
        }
        Some(self.node("g_group", pos, close + 1, children))
    }

    /// g_word = @{ ("\\" ~ ANY | g_word_char | "!" ~ !"=")+ }
    fn g_word(&self, pos: usize) -> Option<Node<'i>> {
        let mut i = pos;
        while let Some(c) = self.peek(i) {
            if c == b'\\' {
                i += 1;
                if let Some(n) = self.peek(i) {
                    i += utf8_len(n);
                }
            } else if c == b'!' {
                if self.is(i + 1, b'=') {
                    break;
                }
                i += 1;
            } else if has(c, G_WORD) && (c < 0x80 || !self.uni_space(i)) {
                i += 1;
            } else {
                break;
            }
        }
        (i > pos).then(|| self.leaf("g_word", pos, i))
    }

    /// option = { option_key ~ "=" ~ option_value }
    /// option_value = _{ string | macro_call | value_word } (value_word cannot start with `"` or "`")
    fn option(&self, pos: usize) -> Option<Node<'i>> {
        let key_end = self.option_key(pos)?;
        let eq = self.skip(key_end);
        if !self.is(eq, b'=') {
            return None;
        }
        let value = self.in_value(self.skip(eq + 1))?;
        let end = value.end;
        let children = vec![self.leaf("option_key", pos, key_end), value];
        Some(self.node("option", pos, end, children))
    }

    /// option_key = @{ (ASCII_ALPHA | "_") ~ (ASCII_ALPHANUMERIC | "_" | "." | "-")* }: its end.
    fn option_key(&self, pos: usize) -> Option<usize> {
        let c = self.peek(pos)?;
        (c.is_ascii_alphabetic() || c == b'_').then(|| self.scan_ascii(pos + 1, OPTION_KEY))
    }

    // ------------------------------------------------------------ tokens

    /// `string | field_pat` (field_pat cannot start with `"`)
    fn string_or_field_pat(&self, pos: usize) -> Option<Node<'i>> {
        if self.is(pos, b'"') {
            self.string_node(pos)
        } else {
            self.field_pat(pos)
        }
    }

    /// field_pat = @{ ("\\" ~ ANY | field_pat_char)+ }
    fn field_pat(&self, pos: usize) -> Option<Node<'i>> {
        let end = self.scan_escaped(pos, FIELD_PAT);
        (end > pos).then(|| self.leaf("field_pat", pos, end))
    }

    /// string = @{ string_raw }
    fn string_node(&self, pos: usize) -> Option<Node<'i>> {
        let end = self.string(pos)?;
        Some(self.leaf("string", pos, end))
    }

    /// string_raw = _{ "\"" ~ (dq_plain | "\\" ~ ANY)* ~ "\"" }: its end. dq_plain is any character
    /// but `"` and `\`.
    fn string(&self, pos: usize) -> Option<usize> {
        self.quoted(pos, b'"')
    }

    /// sq_field = @{ "'" ~ (sq_plain | "\\" ~ ANY)* ~ "'" } (sq_plain: any character but `'` and `\`)
    fn sq_field_node(&self, pos: usize) -> Option<Node<'i>> {
        let end = self.quoted(pos, b'\'')?;
        Some(self.leaf("sq_field", pos, end))
    }

    /// `q ~ (plain | "\\" ~ ANY)* ~ q` where plain is anything but `q` and `\`: its end. A backslash
    /// at the end of the input matches neither, so the closing quote is missing.
    fn quoted(&self, pos: usize, q: u8) -> Option<usize> {
        if !self.is(pos, q) {
            return None;
        }
        let mut i = pos + 1;
        loop {
            let c = self.peek(i)?;
            if c == q {
                return Some(i + 1);
            }
            if c == b'\\' {
                i += 1 + utf8_len(self.peek(i + 1)?);
            } else {
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::spl;

    /// The hand-written parser and the pest grammar build the same tree (spans included) or both
    /// reject; returns whether the text was accepted.
    fn agrees(text: &str) -> bool {
        let fast = spl::parse_tree_fast(text);
        let reference = spl::parse_tree_reference(text).ok();
        assert_eq!(
            fast,
            reference,
            "{text:?}\n hand-written: {:?}\n grammar: {:?}",
            fast.as_ref().map(Node::to_sexp),
            reference.as_ref().map(Node::to_sexp)
        );
        fast.is_some()
    }

    fn accepted(texts: &[&str]) {
        let wrong: Vec<_> = texts.iter().filter(|t| !agrees(t)).collect();
        assert!(wrong.is_empty(), "both reject {wrong:?}");
    }

    fn rejected(texts: &[&str]) {
        let wrong: Vec<_> = texts.iter().filter(|t| agrees(t)).collect();
        assert!(wrong.is_empty(), "both accept {wrong:?}");
    }

    #[test]
    fn empty_whitespace_and_comments() {
        accepted(&[
            "",
            " ",
            "\n\t\r\u{B}\u{C}",
            "\u{A0}\u{FEFF} ",
            "``````",
            "``` only a comment ```",
            "```a``` ```b```\n",
            "```x`y``z```",
            "a ```c``` b",
            "a```c```b",
            "| stats ```c``` count ```d```",
        ]);
        rejected(&[
            "```",
            "````",
            "``` never closed",
            "a ``` b",
            "```a``` ```",
            "`",
            "| stats count ```",
        ]);
    }

    #[test]
    fn unicode() {
        accepted(&[
            "é=ü",
            "日本 語",
            "x=\u{FEFE}\u{FF00}",
            "a\u{A0}b",
            "a\u{FEFF}b",
            "\u{9F}\u{A1}",
            "x=\u{1F600}",
            "| eval x=\"é\" | where y=\"\u{A0}\"",
            "| table \u{10FFFF}",
            "a\\\u{A0}b",
            "\u{0}\u{1F}\u{7F}",
        ]);
        rejected(&["| eval é=1", "| where x=é"]);
    }

    #[test]
    fn escapes_at_the_end() {
        accepted(&[
            "a\\",
            "x=a\\",
            "| table a\\",
            "a\\ b",
            "x=\\\"",
            "\\",
            "a \\",
        ]);
        rejected(&[
            "\"a\\",
            "\"a\\\"",
            "| eval x='a\\",
            "| eval x=\"\\",
            "`m(\"\\`",
        ]);
    }

    #[test]
    fn operators_and_field_names() {
        accepted(&[
            "ORDER=1",
            "ANDROID=1 NOTE=2 ORx",
            "a AND b OR c NOT d",
            "NOT NOT NOT a",
            "a NOT b NOT NOT c",
            "AND=1",
            "x=1 OR=2",
            "a OR NOT b",
            "ANDx ORy NOTz",
            "a and b or c not d",
            "x IN (1, 2 3,\"4\" `m`)",
            "x IN ()",
            "\"f\" IN (a)",
            "\"f\"=1",
            "x::y a!=b c<=d e>=f g<h i>j",
            "a!b ::x ,x !x",
            "TERM(10.0.0.1) CASE(\"a)b\") TERM()",
            "TERMx(a) TERM (a)",
            "x IN",
            "x IN (a,,b)",
        ]);
        rejected(&[
            "AND",
            "a AND",
            "a AND=1",
            "NOT",
            "NOT=1",
            "a OR",
            "x IN (",
            "x=",
            "TERM(\"a)",
        ]);
    }

    #[test]
    fn commands_and_keywords() {
        accepted(&[
            "| STATS count BY host",
            "| Stats Count By Host",
            "| eventstats count | streamstats c | timechart span=1h count | chart count over a by b",
            "| sistats count | sichart c | sitimechart c",
            "| stats count",
            "| stats by x",
            "| stats count | table x",
            "| stats count min(_time) AS first, dc(eval(x>1)) as n BY user, src",
            "| stats values(x) as \"v w\" by a b, c",
            "| stats count AS 'n'",
            "| stats EVAL(x) as y",
            "| stats evalx(y)",
            "| stats span=1h count over x",
            "| tstats count where index=main by host",
            "| tstats count where NOT a OR b AND c by host",
            "| tstats count from datamodel=A.B where a by b",
            "| TSTATS count FROM datamodel = A WHERE x BY y",
            "| tstats count where a",
            "| lookup t a",
            "| lookup local=true t a AS b, c OUTPUT d AS e",
            "| lookup t a OUTPUTNEW b c",
            "| LOOKUP t a output b",
            "| rename a AS b, c as \"d e\" f As g",
            "| eval x=1, y = 2, 'z w'=3",
            "| EVAL x=if(a==1, \"y\", 'z') . \"s\"",
            "| fieldformat x=tostring(y)",
            "| where a=1 OR b=2 AND NOT c XOR d LIKE \"x%\"",
            "| where x IN (1, 2) AND y<>3",
            "| where -x + +y * (z - 1) % 2",
            "| where f (x)",
            "| where AND(x)",
            "| where 1. + .5 + 1e5 + 1E-5",
            "| search a | SEARCH b",
            "search a b",
            "SEARCH a",
            "| evalx y | stats2 z | eval-x=1",
            "| table a, b c | dedup 3 x sortby -y",
            "| head 10 | join type=left x [ search y ] | append [ | makeresults ]",
            "| x a=b c=\"d\" e=`m` f = g (h i (j)) != == <= >= = < > , !k",
        ]);
        rejected(&[
            "| eval x=",
            "| eval x==1",
            "| eval x= =1",
            "| eval if(a, 1, 0)",
            "| where",
            "| where x >",
            "| where a = b = c",
            "| where 1e",
            "| where 1x",
            "| stats count BY",
            "| stats count by x=1",
            "| stats values(x) 'q'",
            "| lookup t a outputnew",
            "| eval-x y",
            "| stats",
            "| tstats",
            "| lookup t",
            "| lookup x=1 y=2",
            "| lookup t a OUTPUT",
            "| rename a",
            "| rename a as",
            "||",
            "| x |",
            "|",
            "| 1x",
            "search",
        ]);
    }

    #[test]
    fn macros_and_subsearches() {
        accepted(&[
            "`m`",
            "`m(a, \"b, c\", 1)` x=1 | `f(x)`",
            "`m()`",
            "`m( )`",
            "`m(a , b )`",
            "`a-b.c:d`",
            "x=`m`",
            "a [ search b [ | inputlookup c ] ] | join x [ search y ]",
            "[ [ [ a ] ] ]",
            "x=[ search y ]",
            "| stats `m` count",
        ]);
        rejected(&[
            "`m(`",
            "`m(a,)`",
            "`m(,a)`",
            "`m(a(b))`",
            "``",
            "`m",
            "a [ search b",
            "a ]",
            "[ ]",
        ]);
    }

    /// Spans end where pest's implicit whitespace left them: after the whitespace before an empty
    /// repetition or optional (`e*`, `e?`, and `e+` = `e ~ e*`).
    #[test]
    fn spans_include_whitespace_before_empty_repetitions() {
        let tree = spl::parse_tree_fast("| stats by x  | where a  ").expect("parses");
        let kinds: Vec<_> = tree
            .descendants()
            .map(|n| format!("{}:{:?}", n.kind, n.text))
            .collect();
        for want in [
            "pipeline:\"| stats by x  | where a  \"",
            "stats_cmd:\"stats by x  \"",
            "field_list:\"x  \"",
            "eval_expr:\"a  \"",
        ] {
            assert!(kinds.iter().any(|k| k == want), "{want} not in {kinds:?}");
        }
        accepted(&[
            "a  | stats count  ",
            "| stats count by a, b  | x",
            "| stats over x  | x",
            "| where a * b + c  ",
            "| where q XOR p OR x AND y = a + b * c  ",
            "| lookup t a  b  OUTPUT c  d  ",
        ]);
    }

    /// The byte tables and scanners against the grammar's character ranges, for every character.
    #[test]
    fn character_classes_match_the_grammar() {
        fn grammar(c: char, ascii: &[(u8, u8)]) -> bool {
            let c = c as u32;
            ascii
                .iter()
                .any(|&(lo, hi)| (lo as u32..=hi as u32).contains(&c))
                || (0x80..=0x9F).contains(&c)
                || (0xA1..=0xFEFE).contains(&c)
                || c >= 0xFF00
        }
        let classes = [
            (S_NAME, S_NAME_RANGES),
            (S_WORD, S_WORD_RANGES),
            (VALUE, VALUE_RANGES),
            (G_WORD, G_WORD_RANGES),
            (FIELD_PAT, FIELD_PAT_RANGES),
        ];
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let text: &str = c.encode_utf8(&mut buf);
            let p = Parser {
                src: text,
                b: text.as_bytes(),
                open_comment_from: Cell::new(usize::MAX),
                depth: Cell::new(0),
                too_deep: Cell::new(None),
                spare_items: RefCell::new(Vec::new()),
            };
            for (class, ranges) in classes {
                let want = grammar(c, ranges);
                assert_eq!(p.class_at(0, class), want, "{c:?} class {class}");
                if c != '\\' {
                    let end = p.scan_escaped(0, class);
                    assert_eq!(
                        end,
                        if want { text.len() } else { 0 },
                        "{c:?} class {class}"
                    );
                }
            }
            let ws = matches!(c, ' ' | '\t'..='\r' | '\u{A0}' | '\u{FEFF}');
            assert_eq!(p.skip(0), if ws { text.len() } else { 0 }, "{c:?}");
        }
    }

    /// engine::run's bracket scan treats `\"` as the start of a string, so deep nesting behind it
    /// reaches the parser on the caller's stack: the parser refuses past MAX_DEPTH instead of
    /// overflowing the stack.
    #[test]
    fn nesting_hidden_from_the_bracket_scan_is_bounded() {
        let nest = |n: usize| {
            format!(
                "a\\\" | where {}x{} | eval y=\"\"",
                "(".repeat(n),
                ")".repeat(n)
            )
        };
        let run = |text: String| {
            std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || parse(&text).is_ok())
                .expect("thread")
                .join()
                .expect("no overflow")
        };
        assert!(run(nest(MAX_DEPTH)));
        assert!(!run(nest(MAX_DEPTH + 1)));
        assert!(!run(nest(100_000)));
    }
}
