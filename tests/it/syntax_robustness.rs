//! Hostile input: 10 MB texts, deep nesting, long chains. Both parsers must answer (Ok or Err) without
//! panicking, overflowing the stack or hanging.

use std::time::{Duration, Instant};

use tokenward::syntax::{kql, spl, MAX_DEPTH};

const TEN_MB: usize = 10 * 1024 * 1024;

/// Repeats `unit` until the text is at least 10 MB.
fn ten_mb(head: &str, unit: &str) -> String {
    let mut s = String::with_capacity(TEN_MB + unit.len() + head.len());
    s.push_str(head);
    while s.len() < TEN_MB {
        s.push_str(unit);
    }
    s
}

/// Deterministic pseudo-random bytes (no dependency needed for plain noise).
fn noise(len: usize, seed: u64) -> String {
    let mut x = seed;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    eprintln!("{what}: {took:?}");
    assert!(took < Duration::from_secs(120), "{what} took {took:?}");
    out
}

#[test]
fn ten_megabytes_of_noise() {
    let text = noise(TEN_MB, 0x9E37_79B9_7F4A_7C15);
    assert!(timed("kql noise", || kql::parse(&text)).is_err());
    assert!(timed("spl noise", || spl::parse(&text)).is_err());
    assert!(timed("kql noise tree", || kql::parse_tree(&text)).is_err());
    assert!(timed("spl noise tree", || spl::parse_tree(&text)).is_err());
}

#[test]
fn ten_megabytes_of_valid_kql() {
    let text = ten_mb(
        "SigninLogs",
        "\n| where ResultType == \"0\" and UserAgent has \"x\" | extend a = b.c[0] + 1",
    );
    timed("kql pipeline", || kql::parse(&text)).expect("long pipeline parses");
    let tree = timed("kql pipeline tree", || kql::parse_tree(&text)).expect("long pipeline tree");
    assert!(tree.find_all("where_op").count() > 100_000);
}

#[test]
fn ten_megabytes_of_valid_spl() {
    let text = ten_mb(
        "`azure_monitor_aad` earliest=-1d",
        "\n| eval x=if(a>1 AND b=\"y\", 1, 0) . \"z\" | where x=1",
    );
    timed("spl pipeline", || spl::parse(&text)).expect("long pipeline parses");
    timed("spl pipeline tree", || spl::parse_tree(&text)).expect("long pipeline tree");
}

#[test]
fn ten_megabyte_single_expressions() {
    // One flat chain: the tree must stay shallow (an n-ary node), or dropping it would overflow.
    let chain = ten_mb("print x = a", " and a");
    let tree = timed("kql and-chain tree", || kql::parse_tree(&chain)).expect("chain parses");
    drop(tree);
    let nots = ten_mb("| where ", "NOT ") + "x=1";
    let tree = timed("spl NOT-chain tree", || spl::parse_tree(&nots)).expect("NOT chain parses");
    drop(tree);
    let terms = ten_mb("index=main", " a OR b");
    timed("spl terms tree", || spl::parse_tree(&terms)).expect("terms parse");
    let string = format!("print s = \"{}\"", "a".repeat(TEN_MB));
    timed("kql long string", || kql::parse(&string)).expect("long string parses");
}

#[test]
fn ten_megabytes_of_open_brackets_are_refused_quickly() {
    for open in ["(", "[", "{"] {
        let text = open.repeat(TEN_MB);
        let e = timed("kql brackets", || kql::parse(&text)).expect_err("refused");
        assert!(e.message.contains("deeper than"), "{e}");
    }
    for open in ["(", "["] {
        let text = open.repeat(TEN_MB);
        let e = timed("spl brackets", || spl::parse(&text)).expect_err("refused");
        assert!(e.message.contains("deeper than"), "{e}");
    }
}

#[test]
fn nesting_at_the_limit_parses_and_one_more_is_refused() {
    let nest = |n: usize| format!("print x = {}1{}", "(".repeat(n), ")".repeat(n));
    kql::parse(&nest(MAX_DEPTH)).expect("256 levels parse");
    kql::parse_tree(&nest(MAX_DEPTH)).expect("256 levels make a tree");
    let e = kql::parse(&nest(MAX_DEPTH + 1)).expect_err("257 levels refused");
    assert_eq!((e.line, e.col), (1, 10 + MAX_DEPTH + 1), "{e}");

    let calls = |n: usize| format!("print x = {}1{}", "f(".repeat(n), ")".repeat(n));
    kql::parse_tree(&calls(MAX_DEPTH)).expect("256 nested calls");
    let subqueries = |n: usize| format!("{}T{}", "(".repeat(n), " | take 1)".repeat(n));
    kql::parse_tree(&subqueries(MAX_DEPTH)).expect("256 nested subqueries");

    let spl_nest = |n: usize| format!("| where {}1{}", "(".repeat(n), ")".repeat(n));
    spl::parse_tree(&spl_nest(MAX_DEPTH)).expect("256 levels parse");
    assert!(spl::parse(&spl_nest(MAX_DEPTH + 1)).is_err());
    let subsearches = |n: usize| format!("{}x{}", "a [ search ".repeat(n), " ]".repeat(n));
    spl::parse_tree(&subsearches(MAX_DEPTH)).expect("256 nested subsearches");
    assert!(spl::parse(&subsearches(MAX_DEPTH + 1)).is_err());
}

#[test]
fn deep_broken_nesting_fails_fast() {
    // Unclosed brackets at the limit: pest must fail without trying alternatives exponentially.
    let cases = [
        format!("print x = {}1", "(".repeat(MAX_DEPTH)),
        format!("print x = {}1", "f(".repeat(MAX_DEPTH)),
        format!("print x = {}1", "dynamic([".repeat(MAX_DEPTH / 2)),
        format!("T | extend {}a", "(".repeat(MAX_DEPTH)),
        format!("let f = {}", "(".repeat(MAX_DEPTH)),
        format!("T | where x in {}", "(".repeat(MAX_DEPTH)),
        format!("T | where a[{}", "b[".repeat(MAX_DEPTH - 1)),
        format!("T{}", " | join (T".repeat(MAX_DEPTH)),
        format!("T{}", " | union (T".repeat(MAX_DEPTH)),
        format!("T{}", " | mv-apply x on (where f(".repeat(MAX_DEPTH / 2)),
        format!("let f = (x:int) {{ {}", "(".repeat(MAX_DEPTH - 1)),
        format!("print {}", "a = (".repeat(MAX_DEPTH)),
    ];
    for text in &cases {
        assert!(timed("kql broken nesting", || kql::parse(text)).is_err());
    }
    let spl_cases = [
        format!("| where {}1", "(".repeat(MAX_DEPTH)),
        format!("| where {}1", "f(".repeat(MAX_DEPTH)),
        format!("index=a {}x", "(".repeat(MAX_DEPTH)),
        format!("index=a {}x", "[ search ".repeat(MAX_DEPTH)),
        format!("| stats {}x", "count(eval(".repeat(MAX_DEPTH / 2)),
        format!("| foo {}x", "(".repeat(MAX_DEPTH)),
        format!("index=a {}x", "x=[ search ".repeat(MAX_DEPTH)),
        format!("index=a {}x", "x IN ([ search ".repeat(MAX_DEPTH / 2)),
        format!("| foo {}x", "f(".repeat(MAX_DEPTH)),
        format!("| foo {}x", "a=eval(".repeat(MAX_DEPTH)),
        format!("| foo {}x", "a=[ | foo ".repeat(MAX_DEPTH)),
        format!("| eval {}", "a=f(".repeat(MAX_DEPTH)),
    ];
    for text in &spl_cases {
        assert!(timed("spl broken nesting", || spl::parse(text)).is_err());
    }
}

#[test]
fn prefix_operator_runs_do_not_recurse() {
    let text = format!("| where {}x=1", "NOT ".repeat(200_000));
    let tree = spl::parse_tree(&text).expect("parses");
    let unary = tree.find_all("unary").next().expect("one unary node");
    assert_eq!(unary.children.len(), 200_001);
}

#[test]
fn nesting_the_bracket_scan_misreads_is_still_refused() {
    // The pre-scan reads the `'` in `datetime(')` as the start of a string running to the end of the
    // line, so it sees no nesting; the parsers count brackets themselves and stop at the limit.
    let text = format!(
        "print datetime(') + {}1{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let e = timed("kql hidden nesting", || kql::parse_tree(&text)).expect_err("refused");
    assert!(e.message.contains("nest deeper than 256"), "{e}");
    let ok = format!(
        "print datetime(') + {}1{}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    kql::parse_tree(&ok).expect("255 more levels parse");

    // SPL: the scan takes the ``` in a single-quoted eval field name for the start of a comment.
    let text = format!(
        "| eval x='```' + {}1{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let e = timed("spl hidden nesting", || spl::parse_tree(&text)).expect_err("refused");
    assert!(e.message.contains("nest deeper than 256"), "{e}");
}
