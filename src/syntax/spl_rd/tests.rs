//! The hand-written SPL parser against the pest grammar on hand-picked texts, and its tables.

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

/// The byte tables and scanners against the classes of the tables (which the grammar's ranges
/// are generated from), for every character.
#[test]
fn character_classes_match_the_tables() {
    let ws = |c: char| in_ranges(c, WHITESPACE);
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
        for (class, bit) in WORD_CLASSES {
            let want = !class.except.contains(c) && !ws(c);
            assert_eq!(p.class_at(0, *bit), want, "{c:?} {}", class.rule);
            if c != '\\' {
                let end = p.scan_escaped(0, *bit);
                assert_eq!(
                    end,
                    if want { text.len() } else { 0 },
                    "{c:?} {}",
                    class.rule
                );
            }
        }
        assert_eq!(p.skip(0), if ws(c) { text.len() } else { 0 }, "{c:?}");
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
