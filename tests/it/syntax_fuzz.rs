//! Property tests: random bytes, token soup and mutated corpus files never make a parser panic, and
//! the hand-written parsers build exactly the trees of the pest grammars (or both reject the input).

use std::path::Path;

use proptest::prelude::*;
use tokenward::syntax::{kql, spl, Node, ParseError};

const KQL_TOKENS: &[&str] = &[
    "T",
    "SigninLogs",
    "|",
    "where",
    "extend",
    "project",
    "summarize",
    "by",
    "join",
    "kind=inner",
    "on",
    "union",
    "mv-expand",
    "mv-apply",
    "parse",
    "with",
    "let",
    "=",
    "==",
    "!=",
    "=~",
    "has",
    "!has",
    "in",
    "!in~",
    "between",
    "..",
    "and",
    "or",
    "not",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    ".",
    "*",
    "+",
    "-",
    "/",
    "%",
    "<",
    ">=",
    "\"s\"",
    "'q'",
    "@\"v\"",
    "h\"x\"",
    "```m```",
    "1",
    "1.5",
    "1e5",
    "1d",
    "30m",
    "datetime(2024-01-01)",
    "dynamic([1])",
    "dynamic({\"a\":1})",
    "guid(x)",
    "int(null)",
    "true",
    "$left",
    "$right",
    "['c']",
    "//c\n",
    "\n",
    "to",
    "typeof",
    "top",
    "asc",
    "nulls",
    "first",
    "make-series",
    "step",
    "from",
    "default",
    "evaluate",
    "bag_unpack",
    "render",
    "print",
    "range",
    "datatable",
    "search",
    "\"",
    "'",
    "@",
    "`",
    "\\",
    "scan",
    "=>",
    "step",
    ":",
    "string",
];

const SPL_TOKENS: &[&str] = &[
    "index=main",
    "|",
    "||",
    "search",
    "eval",
    "where",
    "stats",
    "count",
    "by",
    "BY",
    "AS",
    "as",
    "table",
    "rename",
    "lookup",
    "OUTPUT",
    "tstats",
    "from",
    "datamodel=A.B",
    "AND",
    "OR",
    "NOT",
    "XOR",
    "LIKE",
    "IN",
    "(",
    ")",
    "[",
    "]",
    ",",
    "=",
    "==",
    "!=",
    "<",
    ">=",
    "+",
    "-",
    "*",
    "/",
    ".",
    "%",
    "\"s\"",
    "'f.x'",
    "`m`",
    "`m(a, \"b\")`",
    "```c```",
    "1",
    "2.5",
    "x",
    "a.b{}.c",
    "if(",
    "case(",
    "true()",
    "null()",
    "mvindex(",
    "spath",
    "json_extract(",
    "earliest=-90m@m",
    "TERM(",
    "\"",
    "'",
    "`",
    "```",
    "\\",
    "\n",
    "span=1h",
    "eval(",
    "over",
    "chart",
];

/// Tokens that stress the lexer's word boundaries, joined with no separator or odd whitespace.
const KQL_LEXER_TOKENS: &[&str] = &[
    "x",
    "a1",
    "_b",
    "$c",
    "ñame",
    "e\u{301}",
    "9z",
    "0x1F",
    "0xZ",
    "1.",
    "1.5h",
    "2min",
    "3minx",
    "1e",
    "1e+",
    "1E-3",
    "5ms",
    "7tick",
    "1..2",
    ".",
    "..",
    ":",
    "=",
    "==",
    "=~",
    "!",
    "!~",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    "=>",
    "-",
    "+",
    "matches",
    "regex",
    "has_any",
    "has_all",
    "!in",
    "in~",
    "!between",
    "contains_cs",
    "notcontainscs",
    "!startswith",
    "likecs",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "project",
    "parse-kv",
    "parse-where",
    "mvexpand",
    "mv-apply",
    "top-nested",
    "sample-distinct",
    "make-series",
    "granny-asc",
    "typeof",
    "toscalar",
    "materialize",
    "view",
    "set",
    "declare",
    "query_parameters",
    "datatable",
    "externaldata",
    "dynamic",
    "null",
    "True",
    "FALSE",
    "hint.strategy",
    "hint.x",
    "with_itemindex",
    "kind",
    "withsource",
    "time",
    "date(",
    "datetime(x)",
    "long(",
    ")",
    "(",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    "|",
    "*",
    "\"",
    "'",
    "\\",
    "\"a\\\"b\"",
    "'\\x4'",
    "\"\\101\"",
    "\"\\u00e9\"",
    "@'a''b'",
    "@\"c\"\"d\"",
    "h'x'",
    "H@\"y\"",
    "```",
    "~~~",
    "//",
    "\n",
    "\r",
    "\t",
    "\u{A0}",
    "\u{FEFF}",
    "\u{2028}",
    "let",
    "where",
    "extend",
    "summarize",
    "by",
    "on",
    "to",
    "step",
    "from",
    "of",
    "output",
    "with",
    "render",
    "scan",
    "partition",
    "fork",
    "facet",
    "reduce",
    "invoke",
    "as",
    "mv",
    "expand",
    "make",
    "set",
    "mv-expand",
    "make-set",
    "top-hitters",
    "project-smart",
    "graph-to-table",
    "partition-by",
    "macro-expand",
    "-x",
];

fn dense_soup(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(tokens),
            prop::sample::select(&["", "", " ", "\n", "\u{A0}"][..]),
        ),
        0..40,
    )
    .prop_map(|t| t.into_iter().flat_map(|(a, b)| [a, b]).collect())
}

fn soup(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(tokens), 0..60).prop_map(|t| t.join(" "))
}

fn corpus(dir: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/syntax")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// A corpus file with a few random edits: deletions, insertions of punctuation, swapped bytes.
fn mutated(dir: &'static str) -> impl Strategy<Value = String> {
    let files = corpus(dir);
    let n = files.len().max(1);
    (
        0..n,
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                0u8..3,
                prop::sample::select(&b"()[]{}|\"'`,;=.!\\ \n"[..]),
            ),
            1..6,
        ),
    )
        .prop_map(move |(i, edits)| {
            let mut bytes = files.get(i).cloned().unwrap_or_default().into_bytes();
            for (at, kind, b) in edits {
                if bytes.is_empty() {
                    bytes.push(b);
                    continue;
                }
                let pos = at.index(bytes.len());
                match kind {
                    0 => {
                        bytes.remove(pos);
                    }
                    1 => bytes.insert(pos, b),
                    _ => bytes[pos] = b,
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
}

/// The hand-written parser and the pest grammar agree: the same tree, or both reject (and then the
/// error the user sees is pest's, with a position and words).
fn agrees<'i>(
    text: &'i str,
    fast: Option<Node<'i>>,
    reference: Result<Node<'i>, ParseError>,
    checked: Result<(), ParseError>,
) -> Result<(), TestCaseError> {
    match (fast, reference) {
        (Some(a), Ok(b)) => prop_assert_eq!(a, b, "trees differ for {:?}", text),
        (None, Err(e)) => {
            prop_assert!(e.line >= 1 && e.col >= 1 && !e.message.is_empty());
            prop_assert_eq!(checked, Err(e));
        }
        (Some(_), Err(e)) => prop_assert!(false, "only the grammar rejects {:?}: {}", text, e),
        (None, Ok(_)) => prop_assert!(false, "only the hand-written parser rejects {:?}", text),
    }
    Ok(())
}

fn kql_agrees(text: &str) -> Result<(), TestCaseError> {
    agrees(
        text,
        kql::parse_tree_fast(text),
        kql::parse_tree_reference(text),
        kql::parse(text),
    )
}

fn spl_agrees(text: &str) -> Result<(), TestCaseError> {
    agrees(
        text,
        spl::parse_tree_fast(text),
        spl::parse_tree_reference(text),
        spl::parse(text),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: fuzz_cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        kql_agrees(&text)?;
        spl_agrees(&text)?;
    }

    #[test]
    fn random_text(text in "\\PC{0,400}") {
        kql_agrees(&text)?;
        spl_agrees(&text)?;
    }

    #[test]
    fn kql_token_soup(text in soup(KQL_TOKENS)) {
        kql_agrees(&text)?;
    }

    #[test]
    fn kql_lexer_soup(text in dense_soup(KQL_LEXER_TOKENS)) {
        kql_agrees(&text)?;
    }

    #[test]
    fn spl_token_soup(text in soup(SPL_TOKENS)) {
        spl_agrees(&text)?;
    }

    #[test]
    fn kql_mutated_corpus(text in mutated("kql_corpus/valid")) {
        kql_agrees(&text)?;
    }

    #[test]
    fn spl_mutated_corpus(text in mutated("spl_corpus/valid")) {
        spl_agrees(&text)?;
    }
}

/// Cases per property: small in `cargo test`, larger in the soak run (`TOKENWARD_FUZZ_CASES`).
fn fuzz_cases() -> u32 {
    std::env::var("TOKENWARD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}
