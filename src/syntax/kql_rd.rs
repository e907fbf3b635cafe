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

// Words the grammar's reserved_* rules refuse as names, per position.
const RESERVED_NAME: &[&str] = &[
    "externaldata",
    "endswith",
    "contains_cs",
    "contains",
    "materialize",
    "notcontains",
    "notlike",
    "startswith",
    "sample",
    "search",
    "simple",
    "string",
    "set",
    "datatable",
    "datetime",
    "decimal",
    "dynamic",
    "double",
    "date",
    "desc",
    "hasprefix",
    "hassuffix",
    "has_all",
    "has_any",
    "has_cs",
    "has",
    "timespan",
    "toscalar",
    "title",
    "time",
    "to",
    "between",
    "by",
    "isfuzzy",
    "invoke",
    "int",
    "in",
    "project",
    "print",
    "relaxed",
    "real",
    "first",
    "find",
    "union",
    "where",
    "last",
    "like",
    "long",
    "and",
    "asc",
    "as",
    "of",
    "or",
];
const RESERVED_CALL: &[&str] = &[
    "externaldata",
    "endswith",
    "contains_cs",
    "contains",
    "materialize",
    "notcontains",
    "notlike",
    "startswith",
    "sample",
    "search",
    "simple",
    "string",
    "set",
    "withsource",
    "where",
    "datatable",
    "datetime",
    "decimal",
    "dynamic",
    "double",
    "date",
    "desc",
    "hasprefix",
    "hassuffix",
    "has_all",
    "has_any",
    "has_cs",
    "has",
    "timespan",
    "toscalar",
    "typeof",
    "title",
    "time",
    "true",
    "to",
    "between",
    "by",
    "isfuzzy",
    "invoke",
    "int",
    "in",
    "project",
    "print",
    "relaxed",
    "real",
    "false",
    "first",
    "find",
    "union",
    "kind",
    "last",
    "like",
    "long",
    "and",
    "asc",
    "as",
    "of",
    "or",
];
const RESERVED_DECL: &[&str] = &[
    "withsource",
    "datetime",
    "decimal",
    "dynamic",
    "double",
    "date",
    "desc",
    "timespan",
    "time",
    "true",
    "between",
    "has_all",
    "has_any",
    "isfuzzy",
    "int",
    "project",
    "relaxed",
    "real",
    "simple",
    "string",
    "false",
    "first",
    "union",
    "kind",
    "last",
    "like",
    "long",
    "and",
    "asc",
    "or",
];
const TYPE_NAMES: &[&str] = &[
    "string", "int", "long", "real", "double", "decimal", "datetime", "date", "dynamic", "boolean",
    "bool", "timespan", "time", "guid", "uniqueid",
];
const TS_UNITS: &[&str] = &[
    "milliseconds",
    "millisecond",
    "millisec",
    "millis",
    "milli",
    "microseconds",
    "microsecond",
    "microsec",
    "micros",
    "micro",
    "minutes",
    "minute",
    "min",
    "ms",
    "m",
    "nanoseconds",
    "nanosecond",
    "nanosec",
    "nanos",
    "nano",
    "seconds",
    "second",
    "sec",
    "s",
    "days",
    "day",
    "d",
    "hours",
    "hour",
    "hrs",
    "hr",
    "h",
    "ticks",
    "tick",
];
/// The grammar's dashed_kw: one keyword token for Kusto's lexer, never a name followed by `-`.
const DASHED_KW: &[&str] = &[
    "graph-mark-components",
    "graph-shortest-paths",
    "graph-to-table",
    "graph-match",
    "granny-desc",
    "granny-asc",
    "macro-expand",
    "make-series",
    "make-graph",
    "mv-expand",
    "mv-apply",
    "parse-where",
    "parse-kv",
    "partition-by",
    "project-by-names",
    "project-reorder",
    "project-rename",
    "project-smart",
    "project-away",
    "project-keep",
    "sample-distinct",
    "top-hitters",
    "top-nested",
];
const BOOLS: &[&str] = &["true", "false", "TRUE", "True", "FALSE", "False"];
// typed_literal's words in the grammar's order (no `!ident_char`: a `(` must follow at once).
pub(crate) const TYPED_LITERAL: &[&str] = &[
    "datetime", "date", "double", "decimal", "timespan", "time", "guid", "long", "int", "real",
    "bool",
];
const HINT_PARAMS: &[&str] = &[
    "pass_filters_column",
    "progressive_top",
    "num_partitions",
    "distribution",
    "materialized",
    "pass_filters",
    "concurrency",
    "shufflekey",
    "strategy",
    "remote",
    "spread",
];
const PARAMS: &[&str] = &[
    "with_itemindex",
    "with_match_id",
    "bagexpansion",
    "decodeblocks",
    "with_source",
    "withsource",
    "bin_legacy",
    "isfuzzy",
    "flags",
    "kind",
];
const KV_PROPS: &[&str] = &[
    "pair_delimiter",
    "kv_delimiter",
    "quote",
    "escape",
    "greedy",
];
const RENDER_PROPS: &[&str] = &[
    "anomalycolumns",
    "accumulate",
    "ycolumns",
    "xcolumn",
    "legend",
    "series",
    "xtitle",
    "ytitle",
    "ysplit",
    "title",
    "xaxis",
    "yaxis",
    "kind",
    "xmin",
    "xmax",
    "ymin",
    "ymax",
];
const REDUCE_PROPS: &[&str] = &["threshold", "characters"];
// str_op's words after the first letter is checked (all end with `!ident_char`).
const STR_OPS: &[&str] = &[
    "!startswith_cs",
    "!hasprefix_cs",
    "!hassuffix_cs",
    "!contains_cs",
    "!endswith_cs",
    "!startswith",
    "!hasprefix",
    "!hassuffix",
    "!contains",
    "!endswith",
    "!has_cs",
    "!has",
    "notcontainscs",
    "notcontains",
    "notlikecs",
    "notlike",
    "startswith_cs",
    "startswith",
    "hasprefix_cs",
    "hassuffix_cs",
    "hasprefix",
    "hassuffix",
    "has_cs",
    "has",
    "contains_cs",
    "containscs",
    "contains",
    "endswith_cs",
    "endswith",
    "likecs",
    "like",
];

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ machinery

    /// pest's implicit WHITESPACE*: whitespace characters and `//` comments.
    #[inline]
    fn skip(&mut self) {
        let b = self.b;
        let mut i = self.pos;
        loop {
            match b.get(i) {
                Some(b' ' | b'\t' | b'\n' | 0x0C | b'\r') => i += 1,
                Some(b'/') if b.get(i + 1) == Some(&b'/') => {
                    i += 2;
                    while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                        i += 1;
                    }
                }
                Some(0xC2 | 0xE1..=0xE3 | 0xEF) => match self.uni_ws_at(i) {
                    Some(next) => i = next,
                    None => break,
                },
                _ => break,
            }
        }
        self.pos = i;
    }

    /// A non-ASCII `ws_char` at `i`: the end of its UTF-8 encoding.
    #[inline]
    fn uni_ws_at(&self, i: usize) -> Option<usize> {
        let b = self.b;
        let at = |k: usize| b.get(i + k).copied();
        let ok = match (b[i], at(1), at(2)) {
            // U+00A0
            (0xC2, Some(0xA0), _) => return Some(i + 2),
            // U+1680, U+180E
            (0xE1, Some(0x9A), Some(0x80)) | (0xE1, Some(0xA0), Some(0x8E)) => true,
            // U+2000..=U+200B, U+202F, U+205F
            (0xE2, Some(0x80), Some(0x80..=0x8B | 0xAF)) | (0xE2, Some(0x81), Some(0x9F)) => true,
            // U+3000, U+FEFF
            (0xE3, Some(0x80), Some(0x80)) | (0xEF, Some(0xBB), Some(0xBF)) => true,
            _ => false,
        };
        ok.then_some(i + 3)
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

    /// kw_parse and kw_top refuse a dashed keyword (`parse-kv`); kw_project and kw_sample refuse their
    /// dashed operators even with letters after them (`project-keepx`), as Kusto's lexer does.
    fn dashed_operator_follows(&self, w: &str, end: usize) -> bool {
        let rest = &self.b[end..];
        match w {
            "parse" | "top" => self.dashed_kw_at(self.pos),
            "project" => [
                &b"-by-names"[..],
                b"-reorder",
                b"-rename",
                b"-smart",
                b"-away",
                b"-keep",
            ]
            .iter()
            .any(|t| rest.starts_with(t)),
            "sample" => rest.starts_with(b"-distinct"),
            _ => false,
        }
    }

    /// The grammar's `dashed_kw` at `i`.
    fn dashed_kw_at(&self, i: usize) -> bool {
        let rest = &self.b[i..];
        DASHED_KW
            .iter()
            .any(|w| rest.starts_with(w.as_bytes()) && self.ident_char_at(i + w.len()).is_none())
    }

    /// `@{ "w" ~ !ident_char }` as a node of this kind.
    #[inline]
    fn kw(&mut self, kind: &'static str, w: &str) -> bool {
        let end = self.pos + w.len();
        let ok = self.b[self.pos..].starts_with(w.as_bytes())
            && self.ident_char_at(end).is_none()
            && !(self.b.get(end) == Some(&b'-') && self.dashed_operator_follows(w, end));
        self.leaf(kind, ok.then_some(end))
    }

    /// A keyword spelled one of several ways (`("a" | "b") ~ !ident_char`), tried in order.
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

    // ------------------------------------------------------------ statements

    fn query(&mut self) -> bool {
        self.node("query", |p| {
            p.skip();
            p.opt(|p| {
                seq!(p;
                    p.statement(),
                    p.star(|p| seq!(p; p.lit(b";"), p.statement())),
                    p.opt(|p| p.lit(b";")),
                )
            });
            p.skip();
            p.pos == p.b.len()
        })
    }

    fn statement(&mut self) -> bool {
        self.let_stmt() || self.set_stmt() || self.declare_stmt() || self.pipe_expr()
    }

    fn let_stmt(&mut self) -> bool {
        if self.peek() != b'l' {
            return false;
        }
        self.node("let_stmt", |p| {
            seq!(p;
                p.kw("kw_let", "let"),
                p.let_name(),
                p.lit(b"="),
                p.lambda() || p.view_lambda() || p.materialized() || p.pipe_expr(),
            )
        })
    }

    fn materialized(&mut self) -> bool {
        if self.peek() != b'm' {
            return false;
        }
        self.node(
            "materialized",
            |p| seq!(p; p.materialize(), p.star(|p| seq!(p; p.lit(b"|"), p.tab_op()))),
        )
    }

    fn materialize(&mut self) -> bool {
        self.node("materialize", |p| {
            seq!(p;
                p.kw("kw_materialize", "materialize"),
                p.open(b'('),
                p.pipe_expr(),
                p.close(b')'),
            )
        })
    }

    fn lambda(&mut self) -> bool {
        if self.peek() != b'(' {
            return false;
        }
        self.node("lambda", |p| {
            seq!(p;
                p.open(b'('),
                p.opt(|p| p.comma_list(|p| p.lambda_param())),
                p.close(b')'),
                p.lambda_body(),
            )
        })
    }

    fn view_lambda(&mut self) -> bool {
        self.node(
            "view_lambda",
            |p| seq!(p; p.kw("kw_view", "view"), p.lambda()),
        )
    }

    fn lambda_param(&mut self) -> bool {
        self.node("lambda_param", |p| {
            seq!(p;
                p.decl_name(),
                p.lit(b":"),
                p.tabular_schema() || p.type_name(),
                p.opt(|p| seq!(p; p.lit(b"="), p.signed_literal())),
            )
        })
    }

    fn signed_literal(&mut self) -> bool {
        self.node(
            "signed_literal",
            |p| seq!(p; p.opt(|p| p.sign()), p.literal()),
        )
    }

    fn tabular_schema(&mut self) -> bool {
        self.node("tabular_schema", |p| {
            seq!(p;
                p.open(b'('),
                p.opt(|p| {
                    p.lit(b"*")
                        || seq!(p;
                            p.comma_list(|p| p.col_decl()),
                            p.opt(|p| p.attempt(|p| seq!(p; p.lit(b","), p.lit(b"*"))) || p.lit(b",")),
                        )
                }),
                p.close(b')'),
            )
        })
    }

    fn lambda_body(&mut self) -> bool {
        self.node("lambda_body", |p| {
            seq!(p;
                p.open(b'{'),
                p.star(|p| seq!(p; p.let_stmt(), p.lit(b";"))),
                p.opt(|p| seq!(p; p.pipe_expr(), p.opt(|p| p.lit(b";")))),
                p.close(b'}'),
            )
        })
    }

    fn set_stmt(&mut self) -> bool {
        if self.peek() != b's' {
            return false;
        }
        self.node("set_stmt", |p| {
            seq!(p;
                p.kw("kw_set", "set"),
                p.option_name(),
                p.opt(|p| seq!(p; p.lit(b"="), p.literal() || p.option_name())),
            )
        })
    }

    fn option_name(&mut self) -> bool {
        // @{ ident ~ ("." ~ ident)* }
        let Some(mut end) = self.ident_end(self.pos) else {
            return false;
        };
        while self.b.get(end) == Some(&b'.') {
            match self.ident_end(end + 1) {
                Some(e) => end = e,
                None => break,
            }
        }
        self.leaf("option_name", Some(end))
    }

    fn declare_stmt(&mut self) -> bool {
        if self.peek() != b'd' {
            return false;
        }
        self.node("declare_stmt", |p| {
            seq!(p;
                p.kw("kw_declare", "declare"),
                p.kw("kw_query_parameters", "query_parameters"),
                p.open(b'('),
                p.opt(|p| p.comma_list(|p| p.lambda_param())),
                p.close(b')'),
            )
        })
    }

    // ------------------------------------------------------------ pipes

    fn pipe_expr(&mut self) -> bool {
        self.node(
            "pipe_expr",
            |p| seq!(p; p.pipe_head(), p.star(|p| seq!(p; p.lit(b"|"), p.tab_op()))),
        )
    }

    fn pipe_head(&mut self) -> bool {
        // print_op | range_op | union_op | search_op | evaluate_op each start with their keyword.
        let source_op = match self.peek() {
            b'p' => self.print_op(),
            b'r' => self.range_op(),
            b'u' => self.union_op(),
            b's' => self.search_op(),
            b'e' => self.evaluate_op(),
            _ => false,
        };
        source_op || self.expr()
    }

    fn subquery(&mut self) -> bool {
        self.node(
            "subquery",
            |p| seq!(p; p.tab_op(), p.star(|p| seq!(p; p.lit(b"|"), p.tab_op()))),
        )
    }

    /// The grammar's ordered list of operators; each starts with its keyword, so only the operators
    /// whose keyword starts with the current letter can match, and they are tried in the grammar's order.
    fn tab_op(&mut self) -> bool {
        match self.peek() {
            b'w' => self.where_op(),
            b'f' => self.where_op() || self.facet_op() || self.fork_op(),
            b'e' => self.extend_op() || self.evaluate_op(),
            b'p' => {
                self.project_away_op()
                    || self.project_keep_op()
                    || self.project_rename_op()
                    || self.project_reorder_op()
                    || self.project_op()
                    || self.parse_kv_op()
                    || self.parse_op()
                    || self.partition_op()
            }
            b's' => {
                self.summarize_op()
                    || self.sort_op()
                    || self.serialize_op()
                    || self.scan_op()
                    || self.search_op()
                    || self.sample_distinct_op()
                    || self.sample_op()
            }
            b'j' => self.join_op(),
            b'l' => self.lookup_op() || self.take_op(),
            b'u' => self.union_op(),
            b'm' => self.mv_expand_op() || self.mv_apply_op() || self.make_series_op(),
            b't' => {
                self.top_nested_op() || self.top_hitters_op() || self.top_op() || self.take_op()
            }
            b'o' => self.sort_op(),
            b'd' => self.distinct_op(),
            b'c' => self.count_op() || self.consume_op(),
            b'a' => self.as_op(),
            b'i' => self.invoke_op(),
            b'r' => self.render_op() || self.reduce_op(),
            b'g' => self.getschema_op(),
            _ => false,
        }
    }

    fn where_op(&mut self) -> bool {
        self.node("where_op", |p| {
            seq!(p;
                p.kw("kw_where", "where") || p.kw("kw_filter", "filter"),
                p.attempt(|p| seq!(p; p.decl_name(), p.assign_eq(), p.expr())) || p.expr(),
            )
        })
    }

    fn extend_op(&mut self) -> bool {
        self.node(
            "extend_op",
            |p| seq!(p; p.kw("kw_extend", "extend"), p.assign_list()),
        )
    }

    fn project_op(&mut self) -> bool {
        self.node(
            "project_op",
            |p| seq!(p; p.kw("kw_project", "project"), p.opt(|p| p.assign_list())),
        )
    }

    fn project_away_op(&mut self) -> bool {
        self.node(
            "project_away_op",
            |p| seq!(p; p.kw("kw_project_away", "project-away"), p.name_patterns()),
        )
    }

    fn project_keep_op(&mut self) -> bool {
        self.node(
            "project_keep_op",
            |p| seq!(p; p.kw("kw_project_keep", "project-keep"), p.name_patterns()),
        )
    }

    fn project_rename_op(&mut self) -> bool {
        self.node("project_rename_op", |p| {
            seq!(p;
                p.kw("kw_project_rename", "project-rename"),
                p.comma_list(|p| p.rename()),
            )
        })
    }

    fn rename(&mut self) -> bool {
        self.node(
            "rename",
            |p| seq!(p; p.decl_name(), p.assign_eq(), p.name_ref()),
        )
    }

    fn project_reorder_op(&mut self) -> bool {
        self.node("project_reorder_op", |p| {
            seq!(p;
                p.kw("kw_project_reorder", "project-reorder"),
                p.comma_list(|p| p.reorder_key()),
            )
        })
    }

    fn reorder_key(&mut self) -> bool {
        self.node("reorder_key", |p| {
            seq!(p;
                p.name_pattern(),
                p.opt(|p| {
                    p.kw("kw_granny_asc", "granny-asc")
                        || p.kw("kw_granny_desc", "granny-desc")
                        || p.kw("kw_asc", "asc")
                        || p.kw("kw_desc", "desc")
                }),
            )
        })
    }

    fn summarize_op(&mut self) -> bool {
        self.node("summarize_op", |p| {
            seq!(p;
                p.kw("kw_summarize", "summarize"),
                p.star(|p| p.op_param()),
                p.opt(|p| p.assign_list()),
                p.opt(|p| p.by_clause()),
            )
        })
    }

    fn by_clause(&mut self) -> bool {
        self.node(
            "by_clause",
            |p| seq!(p; p.kw("kw_by", "by"), p.assign_list()),
        )
    }

    fn join_op(&mut self) -> bool {
        self.node("join_op", |p| {
            seq!(p;
                p.kw("kw_join", "join"),
                p.star(|p| p.op_param()),
                p.join_right(),
                p.opt(|p| p.join_on() || p.join_where()),
            )
        })
    }

    fn join_where(&mut self) -> bool {
        self.node(
            "join_where",
            |p| seq!(p; p.kw("kw_where", "where"), p.expr()),
        )
    }

    fn lookup_op(&mut self) -> bool {
        self.node("lookup_op", |p| {
            seq!(p;
                p.kw("kw_lookup", "lookup"),
                p.star(|p| p.op_param()),
                p.join_right(),
                p.opt(|p| p.join_on()),
            )
        })
    }

    fn join_right(&mut self) -> bool {
        self.paren_expr() || self.table_ref()
    }

    fn join_on(&mut self) -> bool {
        self.node(
            "join_on",
            |p| seq!(p; p.kw("kw_on", "on"), p.comma_list(|p| p.expr())),
        )
    }

    fn union_op(&mut self) -> bool {
        self.node("union_op", |p| {
            seq!(p;
                p.kw("kw_union", "union"),
                p.star(|p| p.op_param()),
                p.comma_list(|p| p.union_operand()),
            )
        })
    }

    fn union_operand(&mut self) -> bool {
        self.paren_expr() || self.wild_table() || self.table_ref()
    }

    fn wild_table(&mut self) -> bool {
        // @{ ident_char* ~ "*" ~ (ident_char | "*")* }
        let i = self.ident_run(self.pos);
        if self.b.get(i) != Some(&b'*') {
            return false;
        }
        let end = self.ident_or_star_run(i);
        self.leaf("wild_table", Some(end))
    }

    fn ident_or_star_run(&self, mut i: usize) -> usize {
        loop {
            if let Some(next) = self.ident_char_at(i) {
                i = next;
            } else if self.b.get(i) == Some(&b'*') {
                i += 1;
            } else {
                return i;
            }
        }
    }

    fn mv_expand_op(&mut self) -> bool {
        self.node("mv_expand_op", |p| {
            seq!(p;
                p.kw_any("kw_mv_expand", &["mv-expand", "mvexpand"]),
                p.star(|p| p.op_param()),
                p.comma_list(|p| p.mv_item()),
                p.opt(|p| p.mv_limit()),
            )
        })
    }

    fn mv_apply_op(&mut self) -> bool {
        self.node("mv_apply_op", |p| {
            seq!(p;
                p.kw_any("kw_mv_apply", &["mv-apply", "mvapply"]),
                p.star(|p| p.op_param()),
                p.comma_list(|p| p.mv_item()),
                p.opt(|p| p.mv_limit()),
                p.kw("kw_on", "on"),
                p.open(b'('),
                p.subquery(),
                p.close(b')'),
            )
        })
    }

    fn mv_item(&mut self) -> bool {
        self.node("mv_item", |p| {
            seq!(p;
                p.opt(|p| seq!(p; p.decl_name(), p.assign_eq())),
                p.expr(),
                p.opt(|p| {
                    seq!(p;
                        p.kw("kw_to", "to"),
                        p.kw("kw_typeof", "typeof"),
                        p.open(b'('),
                        p.opt(|p| p.type_name() || p.name_ref()),
                        p.close(b')'),
                    )
                }),
            )
        })
    }

    fn mv_limit(&mut self) -> bool {
        self.node("mv_limit", |p| seq!(p; p.kw("kw_limit", "limit"), p.expr()))
    }

    fn parse_op(&mut self) -> bool {
        self.node("parse_op", |p| {
            seq!(p;
                p.kw("kw_parse_where", "parse-where") || p.kw("kw_parse", "parse"),
                p.star(|p| p.op_param()),
                p.expr(),
                p.kw("kw_with", "with"),
                p.parse_pattern(),
            )
        })
    }

    fn parse_pattern(&mut self) -> bool {
        self.node("parse_pattern", |p| {
            p.plus(|p| p.star_node() || p.string_lit() || p.parse_column())
        })
    }

    fn parse_column(&mut self) -> bool {
        self.node(
            "parse_column",
            |p| seq!(p; p.decl_name(), p.opt(|p| seq!(p; p.lit(b":"), p.type_name()))),
        )
    }

    fn parse_kv_op(&mut self) -> bool {
        self.node("parse_kv_op", |p| {
            seq!(p;
                p.kw("kw_parse_kv", "parse-kv"),
                p.expr(),
                p.kw("kw_as", "as"),
                p.open(b'('),
                p.comma_list(|p| p.col_decl()),
                p.opt(|p| p.lit(b",")),
                p.close(b')'),
                p.opt(|p| {
                    seq!(p;
                        p.kw("kw_with", "with"),
                        p.open(b'('),
                        p.comma_list(|p| p.kv_prop()),
                        p.close(b')'),
                    )
                }),
            )
        })
    }

    fn kv_prop(&mut self) -> bool {
        self.node(
            "kv_prop",
            |p| seq!(p; p.word_in("kv_prop_name", KV_PROPS), p.assign_eq(), p.expr()),
        )
    }

    fn top_op(&mut self) -> bool {
        self.node(
            "top_op",
            |p| seq!(p; p.kw("kw_top", "top"), p.expr(), p.kw("kw_by", "by"), p.sort_key()),
        )
    }

    fn top_hitters_op(&mut self) -> bool {
        self.node("top_hitters_op", |p| {
            seq!(p;
                p.kw("kw_top_hitters", "top-hitters"),
                p.expr(),
                p.kw("kw_of", "of"),
                p.expr(),
                p.opt(|p| seq!(p; p.kw("kw_by", "by"), p.expr())),
            )
        })
    }

    fn top_nested_op(&mut self) -> bool {
        self.node("top_nested_op", |p| p.comma_list(|p| p.top_nested()))
    }

    fn top_nested(&mut self) -> bool {
        self.node("top_nested", |p| {
            seq!(p;
                p.kw("kw_top_nested", "top-nested"),
                p.opt(|p| p.expr()),
                p.kw("kw_of", "of"),
                p.assign(),
                p.opt(|p| {
                    seq!(p;
                        p.kw("kw_with", "with"),
                        p.kw("kw_others", "others"),
                        p.assign_eq(),
                        p.expr(),
                    )
                }),
                p.kw("kw_by", "by"),
                p.assign(),
                p.opt(|p| p.kw("kw_asc", "asc") || p.kw("kw_desc", "desc")),
            )
        })
    }

    fn sort_op(&mut self) -> bool {
        self.node("sort_op", |p| {
            seq!(p;
                p.kw("kw_sort", "sort") || p.kw("kw_order", "order"),
                p.star(|p| p.op_param()),
                p.kw("kw_by", "by"),
                p.comma_list(|p| p.sort_key()),
            )
        })
    }

    fn sort_key(&mut self) -> bool {
        self.node("sort_key", |p| {
            seq!(p;
                p.expr(),
                p.opt(|p| p.kw("kw_asc", "asc") || p.kw("kw_desc", "desc")),
                p.opt(|p| {
                    seq!(p;
                        p.kw("kw_nulls", "nulls"),
                        p.kw("kw_first", "first") || p.kw("kw_last", "last"),
                    )
                }),
            )
        })
    }

    fn distinct_op(&mut self) -> bool {
        self.node("distinct_op", |p| {
            seq!(p;
                p.kw("kw_distinct", "distinct"),
                p.star(|p| p.op_param()),
                p.star_node() || p.assign_list(),
            )
        })
    }

    fn take_op(&mut self) -> bool {
        self.node("take_op", |p| {
            seq!(p;
                p.kw("kw_take", "take") || p.kw("kw_limit", "limit"),
                p.expr(),
            )
        })
    }

    fn count_op(&mut self) -> bool {
        self.node("count_op", |p| p.kw("kw_count", "count"))
    }

    fn evaluate_op(&mut self) -> bool {
        self.node("evaluate_op", |p| {
            seq!(p;
                p.kw("kw_evaluate", "evaluate"),
                p.star(|p| p.op_param()),
                p.call(),
            )
        })
    }

    fn make_series_op(&mut self) -> bool {
        self.node("make_series_op", |p| {
            seq!(p;
                p.kw("kw_make_series", "make-series"),
                p.star(|p| p.op_param()),
                p.comma_list(|p| p.series_agg()),
                p.kw("kw_on", "on"),
                p.expr(),
                p.series_range(),
                p.opt(|p| p.by_clause()),
            )
        })
    }

    fn series_agg(&mut self) -> bool {
        self.node("series_agg", |p| {
            seq!(p;
                p.assign(),
                p.opt(|p| seq!(p; p.kw("kw_default", "default"), p.assign_eq(), p.expr())),
            )
        })
    }

    fn series_range(&mut self) -> bool {
        self.node("series_range", |p| {
            p.attempt(|p| seq!(p; p.kw("kw_in", "in"), p.call()))
                || seq!(p;
                    p.opt(|p| seq!(p; p.kw("kw_from", "from"), p.expr())),
                    p.opt(|p| seq!(p; p.kw("kw_to", "to"), p.expr())),
                    p.kw("kw_step", "step"),
                    p.expr(),
                )
        })
    }

    fn as_op(&mut self) -> bool {
        self.node(
            "as_op",
            |p| seq!(p; p.kw("kw_as", "as"), p.star(|p| p.op_param()), p.decl_name()),
        )
    }

    fn invoke_op(&mut self) -> bool {
        self.node(
            "invoke_op",
            |p| seq!(p; p.kw("kw_invoke", "invoke"), p.table_ref()),
        )
    }

    fn render_op(&mut self) -> bool {
        self.node("render_op", |p| {
            seq!(p;
                p.kw("kw_render", "render"),
                p.ident(),
                p.attempt(|p| {
                    seq!(p;
                        p.kw("kw_with", "with"),
                        p.open(b'('),
                        p.opt(|p| p.comma_list(|p| p.render_prop())),
                        p.close(b')'),
                    )
                }) || p.star(|p| p.render_prop()),
            )
        })
    }

    fn render_prop(&mut self) -> bool {
        self.node(
            "render_prop",
            |p| seq!(p; p.word_in("render_prop_name", RENDER_PROPS), p.assign_eq(), p.expr()),
        )
    }

    fn with_props(&mut self) -> bool {
        self.node("with_props", |p| {
            seq!(p;
                p.kw("kw_with", "with"),
                p.open(b'('),
                p.opt(|p| p.comma_list(|p| p.named_value())),
                p.close(b')'),
            )
        })
    }

    fn named_value(&mut self) -> bool {
        self.node(
            "named_value",
            |p| seq!(p; p.name_ref(), p.assign_eq(), p.expr()),
        )
    }

    fn getschema_op(&mut self) -> bool {
        self.node("getschema_op", |p| p.kw("kw_getschema", "getschema"))
    }

    fn serialize_op(&mut self) -> bool {
        self.node(
            "serialize_op",
            |p| seq!(p; p.kw("kw_serialize", "serialize"), p.opt(|p| p.assign_list())),
        )
    }

    fn sample_op(&mut self) -> bool {
        self.node(
            "sample_op",
            |p| seq!(p; p.kw("kw_sample", "sample"), p.expr()),
        )
    }

    fn sample_distinct_op(&mut self) -> bool {
        self.node("sample_distinct_op", |p| {
            seq!(p;
                p.kw("kw_sample_distinct", "sample-distinct"),
                p.expr(),
                p.kw("kw_of", "of"),
                p.expr(),
            )
        })
    }

    fn facet_op(&mut self) -> bool {
        self.node("facet_op", |p| {
            seq!(p;
                p.kw("kw_facet", "facet"),
                p.kw("kw_by", "by"),
                p.comma_list(|p| p.table_ref()),
                p.opt(|p| {
                    seq!(p; p.kw("kw_with", "with"), p.open(b'('), p.subquery(), p.close(b')'))
                }),
            )
        })
    }

    fn fork_op(&mut self) -> bool {
        self.node(
            "fork_op",
            |p| seq!(p; p.kw("kw_fork", "fork"), p.plus(|p| p.fork_branch())),
        )
    }

    fn fork_branch(&mut self) -> bool {
        self.node("fork_branch", |p| {
            seq!(p;
                p.opt(|p| seq!(p; p.decl_name(), p.assign_eq())),
                p.open(b'('),
                p.subquery(),
                p.close(b')'),
            )
        })
    }

    fn partition_op(&mut self) -> bool {
        self.node("partition_op", |p| {
            seq!(p;
                p.kw("kw_partition", "partition"),
                p.star(|p| p.op_param()),
                p.kw("kw_by", "by"),
                p.name_ref(),
                p.attempt(|p| seq!(p; p.open(b'('), p.subquery(), p.close(b')')))
                    || p.attempt(|p| seq!(p; p.open(b'{'), p.pipe_expr(), p.close(b'}'))),
            )
        })
    }

    fn reduce_op(&mut self) -> bool {
        self.node("reduce_op", |p| {
            seq!(p;
                p.kw("kw_reduce", "reduce"),
                p.kw("kw_by", "by"),
                p.expr(),
                p.opt(|p| seq!(p; p.kw("kw_with", "with"), p.comma_list(|p| p.reduce_prop()))),
            )
        })
    }

    fn reduce_prop(&mut self) -> bool {
        self.node(
            "reduce_prop",
            |p| seq!(p; p.word_in("reduce_prop_name", REDUCE_PROPS), p.assign_eq(), p.expr()),
        )
    }

    fn consume_op(&mut self) -> bool {
        self.node(
            "consume_op",
            |p| seq!(p; p.kw("kw_consume", "consume"), p.star(|p| p.op_param())),
        )
    }

    fn scan_op(&mut self) -> bool {
        self.node("scan_op", |p| {
            seq!(p;
                p.kw("kw_scan", "scan"),
                p.star(|p| p.op_param()),
                p.opt(|p| {
                    seq!(p;
                        p.kw("kw_declare", "declare"),
                        p.open(b'('),
                        p.comma_list(|p| p.lambda_param()),
                        p.close(b')'),
                    )
                }),
                p.kw("kw_with", "with"),
                p.open(b'('),
                p.plus(|p| p.scan_step()),
                p.close(b')'),
            )
        })
    }

    fn scan_step(&mut self) -> bool {
        self.node("scan_step", |p| {
            seq!(p;
                p.kw("kw_step", "step"),
                p.decl_name(),
                p.opt(|p| seq!(p; p.kw("kw_output", "output"), p.assign_eq(), p.ident())),
                p.lit(b":"),
                p.expr(),
                p.opt(|p| seq!(p; p.lit(b"=>"), p.assign_list())),
                p.lit(b";"),
            )
        })
    }

    fn search_op(&mut self) -> bool {
        self.node("search_op", |p| {
            seq!(p;
                p.kw("kw_search", "search"),
                p.star(|p| p.op_param()),
                p.opt(|p| {
                    seq!(p;
                        p.kw("kw_in", "in"),
                        p.open(b'('),
                        p.comma_list(|p| p.union_operand()),
                        p.close(b')'),
                    )
                }),
                p.search_pred(),
            )
        })
    }

    fn search_pred(&mut self) -> bool {
        self.node("search_pred", |p| {
            p.expr()
                || seq!(p;
                    p.star_node(),
                    p.opt(|p| seq!(p; p.kw("kw_and", "and"), p.expr())),
                )
        })
    }

    fn print_op(&mut self) -> bool {
        self.node(
            "print_op",
            |p| seq!(p; p.kw("kw_print", "print"), p.assign_list()),
        )
    }

    fn range_op(&mut self) -> bool {
        self.node("range_op", |p| {
            seq!(p;
                p.kw("kw_range", "range"),
                p.decl_name(),
                p.kw("kw_from", "from"),
                p.expr(),
                p.kw("kw_to", "to"),
                p.expr(),
                p.kw("kw_step", "step"),
                p.expr(),
            )
        })
    }

    fn datatable_op(&mut self) -> bool {
        if self.peek() != b'd' {
            return false;
        }
        self.node("datatable_op", |p| {
            seq!(p;
                p.kw("kw_datatable", "datatable"),
                p.star(|p| p.op_param()),
                p.open(b'('),
                p.comma_list(|p| p.col_decl()),
                p.opt(|p| p.lit(b",")),
                p.close(b')'),
                p.open(b'['),
                p.opt(|p| {
                    seq!(p;
                        p.comma_list(|p| p.signed_literal()),
                        p.opt(|p| p.lit(b",")),
                    )
                }),
                p.close(b']'),
            )
        })
    }

    fn externaldata_op(&mut self) -> bool {
        if self.peek() != b'e' {
            return false;
        }
        self.node("externaldata_op", |p| {
            seq!(p;
                p.kw("kw_externaldata", "externaldata"),
                p.star(|p| p.op_param()),
                p.open(b'('),
                p.comma_list(|p| p.col_decl()),
                p.opt(|p| p.lit(b",")),
                p.close(b')'),
                p.open(b'['),
                p.comma_list(|p| p.string_lit()),
                p.opt(|p| p.lit(b",")),
                p.close(b']'),
                p.opt(|p| p.with_props()),
            )
        })
    }

    fn op_param(&mut self) -> bool {
        if !matches!(self.peek(), b'b' | b'd' | b'f' | b'h' | b'i' | b'k' | b'w') {
            return false;
        }
        self.node(
            "op_param",
            |p| seq!(p; p.param_name(), p.assign_eq(), p.param_value()),
        )
    }

    fn param_name(&mut self) -> bool {
        // "hint." + a hint name, or a parameter name; `.` is no ident character, so the word after
        // "hint." (or the whole word) decides.
        let end = if self.b[self.pos..].starts_with(b"hint.") {
            let at = self.pos + 5;
            let e = self.ident_run(at);
            HINT_PARAMS.contains(&&self.src[at..e]).then_some(e)
        } else {
            let w = self.word();
            PARAMS.contains(&w).then_some(self.pos + w.len())
        };
        self.leaf("param_name", end)
    }

    fn param_value(&mut self) -> bool {
        self.string_lit()
            || self.bool_lit()
            || self.timespan()
            || self.real()
            || self.long()
            || self.ident()
    }

    // ------------------------------------------------------------ assignments and declarations

    fn assign_list(&mut self) -> bool {
        self.node("assign_list", |p| p.comma_list(|p| p.assign()))
    }

    fn assign(&mut self) -> bool {
        self.node("assign", |p| {
            (p.peek() == b'(' && p.attempt(|p| seq!(p; p.tuple_decl(), p.assign_eq(), p.expr())))
                || p.attempt(|p| seq!(p; p.decl_name(), p.assign_eq(), p.expr()))
                || p.expr()
        })
    }

    fn tuple_decl(&mut self) -> bool {
        self.node(
            "tuple_decl",
            |p| seq!(p; p.open(b'('), p.comma_list(|p| p.decl_name()), p.close(b')')),
        )
    }

    /// `"=" ~ !("=" | "~" | ">")`: the lookahead comes after pest's whitespace skip.
    fn assign_eq(&mut self) -> bool {
        self.attempt(|p| {
            p.lit(b"=") && {
                p.skip();
                !matches!(p.peek(), b'=' | b'~' | b'>')
            }
        })
    }

    fn col_decl(&mut self) -> bool {
        self.node(
            "col_decl",
            |p| seq!(p; p.decl_name(), p.lit(b":"), p.type_name()),
        )
    }

    fn type_name(&mut self) -> bool {
        self.word_in("type_name", TYPE_NAMES)
    }

    fn name_patterns(&mut self) -> bool {
        self.node("name_patterns", |p| p.comma_list(|p| p.name_pattern()))
    }

    fn name_pattern(&mut self) -> bool {
        self.bracket_name() || self.wild_name()
    }

    fn wild_name(&mut self) -> bool {
        // @{ !(reserved_name ~ !"*") ~ !dashed_kw ~ (ident_char | "*")+ }
        let w = self.word();
        if self.reserved(RESERVED_NAME) && self.b.get(self.pos + w.len()) != Some(&b'*') {
            return false;
        }
        if self.b.get(self.pos + w.len()) == Some(&b'-') && self.dashed_kw_at(self.pos) {
            return false;
        }
        let end = self.ident_or_star_run(self.pos);
        self.leaf("wild_name", (end > self.pos).then_some(end))
    }

    // ------------------------------------------------------------ scalar expressions

    /// `expr` and its silent precedence levels; the flat children are folded as tree.rs folds them.
    fn expr(&mut self) -> bool {
        let (start, mark, depth) = (self.pos, self.out.len(), self.depth);
        let ok = seq!(self;
            self.and_expr(),
            self.star(|p| seq!(p; p.kw("kw_or", "or"), p.and_expr())),
        );
        if !ok {
            self.pos = start;
            self.out.truncate(mark);
            self.depth = depth;
            return false;
        }
        let items: Vec<(Node<'i>, Role)> = self
            .out
            .drain(mark..)
            .map(|n| {
                let role = role(n.kind);
                (n, role)
            })
            .collect();
        let children = match fold(self.src, items, None) {
            Ok(folded) => vec![folded],
            Err(flat) => flat,
        };
        self.out.push(Node {
            kind: "expr",
            text: &self.src[start..self.pos],
            start,
            end: self.pos,
            children,
        });
        true
    }

    fn and_expr(&mut self) -> bool {
        seq!(self;
            self.eq_expr(),
            self.star(|p| seq!(p; p.kw("kw_and", "and"), p.eq_expr())),
        )
    }

    fn eq_expr(&mut self) -> bool {
        seq!(self;
            self.rel_expr(),
            self.opt(|p| {
                p.attempt(|p| seq!(p; p.eq_op(), p.rel_expr()))
                    || p.attempt(|p| seq!(p; p.list_op(), p.expr_list()))
                    || p.attempt(|p| seq!(p; p.between_op(), p.between_range()))
            }),
        )
    }

    fn rel_expr(&mut self) -> bool {
        seq!(self;
            self.str_expr(),
            self.opt(|p| seq!(p; p.rel_op(), p.str_expr())),
        )
    }

    fn str_expr(&mut self) -> bool {
        seq!(self;
            self.colon_expr(),
            self.opt(|p| seq!(p; p.str_op(), p.colon_expr())),
        )
    }

    fn colon_expr(&mut self) -> bool {
        seq!(self;
            self.add_expr(),
            self.opt(|p| seq!(p; p.leaf_byte("colon_op", b':'), p.add_expr())),
        )
    }

    fn add_expr(&mut self) -> bool {
        seq!(self;
            self.mul_expr(),
            self.star(|p| seq!(p; p.add_op(), p.mul_expr())),
        )
    }

    fn mul_expr(&mut self) -> bool {
        seq!(self;
            self.unary(),
            self.star(|p| seq!(p; p.mul_op(), p.unary())),
        )
    }

    fn unary(&mut self) -> bool {
        if self.peek() == b'*' {
            return self.star_operand();
        }
        self.attempt(|p| {
            seq!(p;
                p.opt(|p| p.sign()),
                p.primary(),
                p.star(|p| p.postfix_op()),
            )
        })
    }

    /// `star ~ &("==" | str_op | colon_op)`. No alternative of `sign? ~ primary` starts with `*`.
    fn star_operand(&mut self) -> bool {
        self.attempt(|p| {
            p.star_node() && {
                let (at, mark) = (p.pos, p.out.len());
                p.skip();
                let ok = p.b[p.pos..].starts_with(b"==") || p.str_op() || p.lit(b":");
                p.out.truncate(mark);
                p.pos = at;
                ok
            }
        })
    }

    /// postfix_op = _{ member | dot_index | index }, dot_index = _{ "." ~ index }
    fn postfix_op(&mut self) -> bool {
        self.member() || self.attempt(|p| seq!(p; p.lit(b"."), p.index())) || self.index()
    }

    fn table_ref(&mut self) -> bool {
        self.node("table_ref", |p| {
            seq!(p;
                p.datatable_op()
                    || p.externaldata_op()
                    || p.call()
                    || p.bracket_name()
                    || p.name_ref(),
                p.star(|p| p.postfix_op()),
            )
        })
    }

    fn expr_list(&mut self) -> bool {
        self.node(
            "expr_list",
            |p| seq!(p; p.open(b'('), p.comma_list(|p| p.pipe_expr()), p.close(b')')),
        )
    }

    fn between_range(&mut self) -> bool {
        self.node(
            "between_range",
            |p| seq!(p; p.open(b'('), p.expr(), p.lit(b".."), p.expr(), p.close(b')')),
        )
    }

    fn leaf_byte(&mut self, kind: &'static str, c: u8) -> bool {
        let ok = self.peek() == c && self.pos < self.b.len();
        self.leaf(kind, ok.then_some(self.pos + 1))
    }

    fn eq_op(&mut self) -> bool {
        let ok = matches!(
            &self.b[self.pos..],
            [b'=' | b'!', b'=', ..] | [b'<', b'>', ..]
        );
        self.leaf("eq_op", ok.then_some(self.pos + 2))
    }

    fn rel_op(&mut self) -> bool {
        let end = match &self.b[self.pos..] {
            [b'<' | b'>', b'=', ..] => Some(self.pos + 2),
            [b'<' | b'>', ..] => Some(self.pos + 1),
            _ => None,
        };
        self.leaf("rel_op", end)
    }

    fn add_op(&mut self) -> bool {
        let ok = matches!(self.peek(), b'+' | b'-');
        self.leaf("add_op", ok.then_some(self.pos + 1))
    }

    fn mul_op(&mut self) -> bool {
        let ok = matches!(self.peek(), b'*' | b'/' | b'%');
        self.leaf("mul_op", ok.then_some(self.pos + 1))
    }

    fn sign(&mut self) -> bool {
        let ok = matches!(self.peek(), b'+' | b'-');
        self.leaf("sign", ok.then_some(self.pos + 1))
    }

    fn list_op(&mut self) -> bool {
        // @{ "!in~" | "in~" | ("!in" | "in" | "has_any" | "has_all") ~ !ident_char }
        let rest = &self.b[self.pos..];
        let end = if rest.starts_with(b"!in~") {
            Some(self.pos + 4)
        } else if rest.starts_with(b"in~") {
            Some(self.pos + 3)
        } else {
            [&b"!in"[..], b"in", b"has_any", b"has_all"]
                .iter()
                .find(|w| rest.starts_with(w))
                .map(|w| self.pos + w.len())
                .filter(|&e| self.ident_char_at(e).is_none())
        };
        self.leaf("list_op", end)
    }

    fn between_op(&mut self) -> bool {
        self.kw_any("between_op", &["!between", "between"])
    }

    fn str_op(&mut self) -> bool {
        // "=~" | "!~" | the word operators (tried in the grammar's order: first match, then
        // !ident_char; `matches regex` has whitespace inside).
        let rest = &self.b[self.pos..];
        if rest.starts_with(b"=~") || rest.starts_with(b"!~") {
            return self.leaf("str_op", Some(self.pos + 2));
        }
        let end = match self.peek() {
            b'm' => {
                if rest.starts_with(b"matches") {
                    let mut i = self.pos + 7;
                    let ws_start = i;
                    while let Some(n) = self.ws_char_at(i) {
                        i = n;
                    }
                    (i > ws_start && self.b[i..].starts_with(b"regex")).then_some(i + 5)
                } else {
                    None
                }
            }
            b'!' | b'n' | b's' | b'h' | b'c' | b'e' | b'l' => STR_OPS
                .iter()
                .find(|w| rest.starts_with(w.as_bytes()))
                .map(|w| self.pos + w.len()),
            _ => None,
        };
        let end = end.filter(|&e| self.ident_char_at(e).is_none());
        self.leaf("str_op", end)
    }

    /// One `ws_char` at `i` (not a comment).
    fn ws_char_at(&self, i: usize) -> Option<usize> {
        match self.b.get(i)? {
            b' ' | b'\t' | b'\n' | 0x0C | b'\r' => Some(i + 1),
            0xC2 | 0xE1..=0xE3 | 0xEF => self.uni_ws_at(i),
            _ => None,
        }
    }

    fn member(&mut self) -> bool {
        if self.peek() != b'.' {
            return false;
        }
        self.node("member", |p| {
            seq!(p;
                p.lit(b"."),
                p.call() || p.bracket_name() || p.member_name(),
            )
        })
    }

    fn member_name(&mut self) -> bool {
        // @{ !(timespan | real | reserved_name | bool_lit) ~ ident }
        if self.timespan_end().is_some()
            || self.real_end().is_some()
            || self.reserved(RESERVED_NAME)
            || BOOLS.contains(&self.word())
        {
            return false;
        }
        let end = self.ident_end(self.pos);
        self.leaf("member_name", end)
    }

    fn index(&mut self) -> bool {
        if self.peek() != b'[' {
            return false;
        }
        self.node("index", |p| seq!(p; p.open(b'['), p.expr(), p.close(b']')))
    }

    /// The grammar's `primary` alternatives in order, skipping those that cannot start with the
    /// current byte.
    fn primary(&mut self) -> bool {
        match self.peek() {
            b'(' => self.paren_expr(),
            b'[' => self.bracket_name() || self.bracket_expr(),
            b'"' | b'\'' | b'@' | b'`' | b'~' => self.string_lit(),
            b'0'..=b'9' => {
                self.timespan() || self.real() || self.long() || self.call() || self.name_ref()
            }
            _ => {
                self.typed_literal()
                    || self.dynamic_lit()
                    || self.string_lit()
                    || self.bool_lit()
                    || self.datatable_op()
                    || self.externaldata_op()
                    || self.typeof_expr()
                    || self.call()
                    || self.name_ref()
            }
        }
    }

    fn typeof_expr(&mut self) -> bool {
        if self.peek() != b't' {
            return false;
        }
        self.node("typeof_expr", |p| {
            seq!(p;
                p.kw("kw_typeof", "typeof"),
                p.open(b'('),
                p.type_name() || p.name_ref(),
                p.close(b')'),
            )
        })
    }

    fn bracket_expr(&mut self) -> bool {
        self.node(
            "bracket_expr",
            |p| seq!(p; p.open(b'['), p.expr(), p.close(b']')),
        )
    }

    fn paren_expr(&mut self) -> bool {
        if self.peek() != b'(' {
            return false;
        }
        self.node(
            "paren_expr",
            |p| seq!(p; p.open(b'('), p.pipe_expr(), p.close(b')')),
        )
    }

    fn call(&mut self) -> bool {
        self.node("call", |p| {
            p.toscalar()
                || seq!(p;
                    p.call_name(),
                    p.open(b'('),
                    p.opt(|p| p.comma_list(|p| p.arg())),
                    p.close(b')'),
                )
        })
    }

    fn toscalar(&mut self) -> bool {
        if self.peek() != b't' {
            return false;
        }
        self.node("toscalar", |p| {
            seq!(p;
                p.kw("kw_toscalar", "toscalar"),
                p.open(b'('),
                p.pipe_expr(),
                p.close(b')'),
            )
        })
    }

    fn arg(&mut self) -> bool {
        self.named_arg() || self.expr() || self.star_node()
    }

    fn named_arg(&mut self) -> bool {
        self.node(
            "named_arg",
            |p| seq!(p; p.decl_name(), p.assign_eq(), p.expr()),
        )
    }

    fn star_node(&mut self) -> bool {
        self.leaf_byte("star", b'*')
    }

    // ------------------------------------------------------------ names

    /// End of an `ident` starting at `i`.
    fn ident_end(&self, i: usize) -> Option<usize> {
        let c = self.char_at(i)?;
        if c == '$' || c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && LETTER(c)) {
            let end = self.ident_run(i + c.len_utf8());
            // `!dashed_kw`: every dashed keyword is a word, then `-`.
            if self.b.get(end) == Some(&b'-') && self.dashed_kw_at(i) {
                return None;
            }
            return Some(end);
        }
        if c.is_ascii_digit() {
            // `!(timespan | real)`: `1e3` and `1d` are numbers, `1dx` is a name.
            if self.timespan_end_at(i).is_some() || self.real_end_at(i).is_some() {
                return None;
            }
            let mut j = i;
            while self.b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            let c = self.char_at(j)?;
            if c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && LETTER(c)) {
                return Some(self.ident_run(j + c.len_utf8()));
            }
        }
        None
    }

    fn ident(&mut self) -> bool {
        let end = self.ident_end(self.pos);
        self.leaf("ident", end)
    }

    fn bracket_name(&mut self) -> bool {
        if self.peek() != b'[' {
            return false;
        }
        self.node(
            "bracket_name",
            |p| seq!(p; p.open(b'['), p.string_lit(), p.close(b']')),
        )
    }

    fn name_ref(&mut self) -> bool {
        if self.reserved(RESERVED_NAME) {
            return false;
        }
        let end = self.ident_end(self.pos);
        self.leaf("name_ref", end)
    }

    fn call_name(&mut self) -> bool {
        if self.reserved(RESERVED_CALL) {
            return false;
        }
        let end = self.ident_end(self.pos);
        self.leaf("call_name", end)
    }

    fn decl_name(&mut self) -> bool {
        self.node("decl_name", |p| p.bracket_name() || p.decl_ident())
    }

    fn decl_ident(&mut self) -> bool {
        if self.reserved(RESERVED_DECL) {
            return false;
        }
        let end = self.ident_end(self.pos);
        self.leaf("decl_ident", end)
    }

    fn let_name(&mut self) -> bool {
        self.node("let_name", |p| p.bracket_name() || p.let_ident())
    }

    fn let_ident(&mut self) -> bool {
        if self.reserved(RESERVED_NAME) || self.reserved(RESERVED_DECL) {
            return false;
        }
        let end = self.ident_end(self.pos);
        self.leaf("let_ident", end)
    }

    // ------------------------------------------------------------ literals

    fn literal(&mut self) -> bool {
        self.typed_literal()
            || self.dynamic_lit()
            || self.string_lit()
            || self.timespan()
            || self.real()
            || self.long()
            || self.bool_lit()
    }

    fn typed_literal(&mut self) -> bool {
        let rest = &self.b[self.pos..];
        let Some(w) = TYPED_LITERAL
            .iter()
            .find(|w| rest.starts_with(w.as_bytes()))
        else {
            return false;
        };
        let mut i = self.pos + w.len();
        if self.b.get(i) != Some(&b'(') {
            return false;
        }
        i += 1;
        while let Some(&c) = self.b.get(i) {
            match c {
                b')' => return self.leaf("typed_literal", Some(i + 1)),
                b'\n' | b'\r' => return false,
                _ => i += 1,
            }
        }
        false
    }

    fn dynamic_lit(&mut self) -> bool {
        if self.peek() != b'd' {
            return false;
        }
        self.node("dynamic_lit", |p| {
            seq!(p;
                p.kw("kw_dynamic", "dynamic"),
                p.open(b'('),
                p.json_top(),
                p.close(b')'),
            )
        })
    }

    fn json_top(&mut self) -> bool {
        self.json_array()
            || self.json_object()
            || self.json_null()
            || self.typed_literal()
            || self.string_lit()
            || self.timespan()
            || self.real()
            || self.long()
            || self.bool_lit()
    }

    fn json_value(&mut self) -> bool {
        self.json_array()
            || self.json_object()
            || self.json_null()
            || self.typed_literal()
            || self.string_lit()
            || self.json_number()
            || self.bool_lit()
    }

    fn json_array(&mut self) -> bool {
        if self.peek() != b'[' {
            return false;
        }
        self.node("json_array", |p| {
            seq!(p;
                p.open(b'['),
                p.opt(|p| p.comma_list(|p| p.json_value())),
                p.close(b']'),
            )
        })
    }

    fn json_object(&mut self) -> bool {
        if self.peek() != b'{' {
            return false;
        }
        self.node("json_object", |p| {
            seq!(p;
                p.open(b'{'),
                p.opt(|p| p.comma_list(|p| p.json_member())),
                p.close(b'}'),
            )
        })
    }

    fn json_member(&mut self) -> bool {
        self.node(
            "json_member",
            |p| seq!(p; p.string_lit(), p.lit(b":"), p.json_value()),
        )
    }

    fn json_null(&mut self) -> bool {
        self.kw("json_null", "null")
    }

    fn json_number(&mut self) -> bool {
        // ${ sign? ~ (timespan | real | long) }: compound-atomic, no whitespace after the sign.
        self.node("json_number", |p| {
            p.opt(|p| p.sign());
            p.timespan() || p.real() || p.long()
        })
    }

    fn string_lit(&mut self) -> bool {
        if !matches!(self.peek(), b'"' | b'\'' | b'@' | b'`' | b'~' | b'h' | b'H') {
            return false;
        }
        self.node(
            "string_lit",
            |p| seq!(p; p.string_part(), p.star(|p| p.string_part())),
        )
    }

    fn string_part(&mut self) -> bool {
        let end = self.string_part_end();
        self.leaf("string_part", end)
    }

    fn string_part_end(&self) -> Option<usize> {
        let b = self.b;
        let mut i = self.pos;
        if b[i..].starts_with(b"```") || b[i..].starts_with(b"~~~") {
            let fence = &b[i..i + 3];
            let body = i + 3;
            return (body..b.len().saturating_sub(2))
                .find(|&j| &b[j..j + 3] == fence)
                .map(|j| j + 3);
        }
        if matches!(b.get(i), Some(b'h' | b'H')) {
            i += 1;
        }
        match b.get(i)? {
            b'@' => {
                let q = *b.get(i + 1)?;
                if q != b'"' && q != b'\'' {
                    return None;
                }
                let mut j = i + 2;
                loop {
                    match *b.get(j)? {
                        c if c == q => {
                            if b.get(j + 1) == Some(&q) {
                                j += 2;
                            } else {
                                return Some(j + 1);
                            }
                        }
                        b'\n' | b'\r' => return None,
                        _ => j += 1,
                    }
                }
            }
            &q @ (b'"' | b'\'') => {
                let mut j = i + 1;
                loop {
                    match *b.get(j)? {
                        c if c == q => return Some(j + 1),
                        b'\n' | b'\r' => return None,
                        b'\\' => j = escape_end(b, j + 1)?,
                        _ => j += 1,
                    }
                }
            }
            _ => None,
        }
    }

    /// `@{ digits ~ ("." ~ digits)? ~ ts_unit ~ !ident_char }`: the unit is the rest of the word.
    fn timespan_end(&self) -> Option<usize> {
        self.timespan_end_at(self.pos)
    }

    fn timespan_end_at(&self, at: usize) -> Option<usize> {
        let b = self.b;
        let mut i = at;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == at {
            return None;
        }
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        let end = self.ident_run(i);
        TS_UNITS.contains(&&self.src[i..end]).then_some(end)
    }

    fn timespan(&mut self) -> bool {
        let end = self.timespan_end();
        self.leaf("timespan", end)
    }

    /// `@{ digits ~ ("." ~ !"." ~ digits* ~ exponent? | exponent) ~ !ident_char }`
    fn real_end(&self) -> Option<usize> {
        self.real_end_at(self.pos)
    }

    fn real_end_at(&self, at: usize) -> Option<usize> {
        let b = self.b;
        let mut i = at;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == at {
            return None;
        }
        if b.get(i) == Some(&b'.') && b.get(i + 1) != Some(&b'.') {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if let Some(e) = exponent_end(b, i) {
                i = e;
            }
        } else {
            i = exponent_end(b, i)?;
        }
        self.ident_char_at(i).is_none().then_some(i)
    }

    fn real(&mut self) -> bool {
        let end = self.real_end();
        self.leaf("real", end)
    }

    fn long(&mut self) -> bool {
        // @{ ("0x" | "0X") ~ hex+ ~ !ident_char | digits ~ !ident_char }
        let b = self.b;
        let p = self.pos;
        let mut end = None;
        if b.get(p) == Some(&b'0') && matches!(b.get(p + 1), Some(b'x' | b'X')) {
            let mut i = p + 2;
            while b.get(i).is_some_and(u8::is_ascii_hexdigit) {
                i += 1;
            }
            if i > p + 2 && self.ident_char_at(i).is_none() {
                end = Some(i);
            }
        }
        if end.is_none() {
            let mut i = p;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i > p && self.ident_char_at(i).is_none() {
                end = Some(i);
            }
        }
        self.leaf("long", end)
    }

    fn bool_lit(&mut self) -> bool {
        if !matches!(self.peek(), b't' | b'f' | b'T' | b'F') {
            return false;
        }
        self.word_in("bool_lit", BOOLS)
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

/// An expression child's part in the fold (kql.rs `role`, by node kind).
fn role(kind: &str) -> Role {
    match kind {
        "kw_or" => Role::Infix(1),
        "kw_and" => Role::Infix(2),
        "eq_op" | "list_op" | "between_op" => Role::Infix(3),
        "rel_op" => Role::Infix(4),
        "str_op" => Role::Infix(5),
        "colon_op" => Role::Infix(6),
        "add_op" => Role::Infix(7),
        "mul_op" => Role::Infix(8),
        "sign" => Role::Prefix(9),
        "member" | "index" => Role::Postfix,
        _ => Role::Operand,
    }
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
