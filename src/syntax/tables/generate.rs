//! Writes the grammars' copies of the tables (grammar/*.tables.pest) and the node-kind constants
//! (src/syntax/kinds.rs), and checks that the committed files are what the tables give.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{kql, spl, Case, CharClass, Keyword, Precedence, Refuse, Shape};

const HEADER: &str = "// Generated from src/syntax/tables/ by `TOKENWARD_UPDATE_GRAMMAR=1 cargo test --lib tables`; do not edit.\n";

/// A character as pest writes it inside `'…'`.
fn pest_char(c: u32) -> String {
    match char::from_u32(c) {
        Some(ch) if (0x21..0x7F).contains(&c) && ch != '\'' && ch != '\\' => format!("'{ch}'"),
        _ => format!("'\\u{{{c:02X}}}'"),
    }
}

/// A string as pest writes it inside `"…"`.
fn pest_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{{{:02X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Inclusive ranges as a pest choice.
fn ranges(rs: &[(u32, u32)]) -> String {
    rs.iter()
        .map(|&(a, b)| {
            if a == b && a == u32::from(b' ') {
                "\" \"".to_string()
            } else {
                format!("{}..{}", pest_char(a), pest_char(b))
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn ws_ranges(ws: &[(char, char)]) -> Vec<(u32, u32)> {
    ws.iter().map(|&(a, b)| (a as u32, b as u32)).collect()
}

/// The ranges of a class (everything but its exceptions), the most common characters first so that
/// a typical character is found with one range check.
fn class_ranges(class: &CharClass, ws: &[(char, char)]) -> Vec<(u32, u32)> {
    let mut excluded: Vec<u32> = class.except.chars().map(|c| c as u32).collect();
    if class.except_ws {
        for &(a, b) in ws {
            excluded.extend(a as u32..=b as u32);
        }
    }
    excluded.sort_unstable();
    excluded.dedup();
    let mut out = Vec::new();
    let mut lo = 0u32;
    for x in excluded.into_iter().chain([0x11_0000]) {
        if x > lo {
            out.push((lo, x - 1));
        }
        lo = x + 1;
    }
    let rank = |r: &(u32, u32)| {
        "aA0_.-:*/"
            .chars()
            .position(|p| (r.0..=r.1).contains(&(p as u32)))
            .unwrap_or(if r.0 > 0x7F { 99 } else { 50 })
    };
    out.sort_by_key(rank);
    out
}

/// An ordered choice of case-sensitive words, dispatched on the first character so that a word that
/// does not match costs one range check per group. Words with different first characters never both
/// match, so grouping keeps the choice's meaning.
fn trie(words: &[&str]) -> String {
    let mut groups: Vec<(char, Vec<&str>)> = Vec::new();
    for w in words {
        let first = w.chars().next().expect("no empty word");
        let rest = &w[first.len_utf8()..];
        match groups.iter_mut().find(|(c, _)| *c == first) {
            Some((_, g)) => g.push(rest),
            None => groups.push((first, vec![rest])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(first, rests)| {
            let head = pest_char(*first as u32);
            let head = format!("{head}..{head}");
            if rests == &[""] {
                head
            } else {
                let alts: Vec<String> = rests.iter().map(|r| pest_str(r)).collect();
                format!("{head} ~ ({})", alts.join(" | "))
            }
        })
        .collect();
    format!("({})", parts.join(" | "))
}

/// A plain ordered choice of words.
fn choice(words: &[&str], case: Case) -> String {
    let lit = |w: &str| match case {
        Case::Sensitive => pest_str(w),
        Case::Insensitive => format!("^{}", pest_str(w)),
    };
    if words.len() == 1 {
        lit(words[0])
    } else {
        format!(
            "({})",
            words.iter().map(|w| lit(w)).collect::<Vec<_>>().join(" | ")
        )
    }
}

/// `&('a'..'y')`: a cheap first-character check in front of a long word list.
fn guard(words: &[&str]) -> String {
    let firsts = words.iter().filter_map(|w| w.chars().next());
    let (lo, hi) = (
        firsts.clone().min().expect("words"),
        firsts.max().expect("words"),
    );
    format!("&({}..{})", pest_char(lo as u32), pest_char(hi as u32))
}

fn keyword(kw: &Keyword, boundary: &str) -> String {
    let refuse = match kw.refuse {
        Refuse::Nothing => String::new(),
        Refuse::DashedKeyword => "!dashed_kw ~ ".into(),
        Refuse::Suffixes(s) => format!(
            "!({} ~ {}) ~ ",
            pest_str(kw.words[0]),
            choice(s, Case::Sensitive)
        ),
    };
    format!(
        "{} = @{{ {refuse}{} ~ !{boundary} }}\n",
        kw.kind,
        choice(kw.words, kw.case)
    )
}

fn levels(p: &Precedence) -> String {
    let mut out = String::new();
    for l in p.levels {
        let (open, close) = if l.silent { ("_{", "}") } else { ("{", "}") };
        let alts = l
            .ops
            .iter()
            .map(|(op, rhs)| format!("{op} ~ {rhs}"))
            .collect::<Vec<_>>()
            .join(" | ");
        let body = match l.shape {
            Shape::Chain => format!("{} ~ ({alts})*", l.next),
            Shape::Single => format!("{} ~ ({alts})?", l.next),
            Shape::OptionalChain => format!("{} ~ ({}? ~ {})*", l.next, l.ops[0].0, l.next),
            Shape::Prefix => format!("{}* ~ {}", l.ops[0].0, l.next),
        };
        let _ = writeln!(out, "{} = {open} {body} {close}", l.rule);
    }
    out
}

/// Checks the promise the tables make: no word comes after a word that is its prefix (an ordered
/// choice followed by a word boundary then accepts exactly the words of the list).
fn check_order(name: &str, words: &[&str]) {
    for (i, a) in words.iter().enumerate() {
        for b in &words[i + 1..] {
            assert!(
                !b.starts_with(a),
                "{name}: `{b}` comes after its prefix `{a}`"
            );
        }
    }
}

pub(super) fn render_kql() -> String {
    let mut o = String::from(HEADER);
    o.push_str("// KQL's keywords, word lists, character classes and precedence levels (src/syntax/tables/kql.rs).\n\n");
    let _ = writeln!(
        o,
        "ws_char    = _{{ {} }}",
        ranges(&ws_ranges(kql::WHITESPACE))
    );
    for c in kql::CLASSES {
        let _ = writeln!(
            o,
            "{} = _{{ {} }}",
            c.rule,
            ranges(&class_ranges(c, kql::WHITESPACE))
        );
    }
    o.push('\n');
    let lists: &[(&str, &[&str])] = &[
        ("reserved_name", kql::RESERVED_NAME),
        ("reserved_call", kql::RESERVED_CALL),
        ("reserved_decl", kql::RESERVED_DECL),
        ("type_name", kql::TYPE_NAMES),
        ("ts_unit", kql::TS_UNITS),
        ("dashed_kw", kql::DASHED_KW),
        ("bool_lit", kql::BOOLS),
        ("typed_literal_word", kql::TYPED_LITERAL),
        ("hint_name", kql::HINT_PARAMS),
        ("param_name", kql::PARAMS),
        ("kv_prop_name", kql::KV_PROPS),
        ("render_prop_name", kql::RENDER_PROPS),
        ("reduce_prop_name", kql::REDUCE_PROPS),
        ("str_op", kql::STR_OPS),
        ("list_op", kql::LIST_OPS),
        ("between_op", kql::BETWEEN_OPS),
    ];
    for (name, words) in lists {
        check_order(name, words);
    }
    o.push_str(
        "// Words Kusto.Language refuses unbracketed, per position (measured with kql-check).\n",
    );
    for (rule, words) in [
        ("reserved_name", kql::RESERVED_NAME),
        ("reserved_call", kql::RESERVED_CALL),
        ("reserved_decl", kql::RESERVED_DECL),
    ] {
        let _ = writeln!(
            o,
            "{rule} = @{{ {} ~ {} ~ !ident_char }}",
            guard(words),
            trie(words)
        );
    }
    let _ = writeln!(
        o,
        "type_name = @{{ {} ~ !ident_char }}",
        trie(kql::TYPE_NAMES)
    );
    let _ = writeln!(o, "ts_unit = _{{ {} }}", trie(kql::TS_UNITS));
    o.push_str("// Kusto's lexer reads these as one token wherever they stand (`mv-expand` is never `mv` minus `expand`).\n");
    let _ = writeln!(
        o,
        "dashed_kw = @{{ {} ~ !ident_char }}",
        trie(kql::DASHED_KW)
    );
    let _ = writeln!(o, "bool_lit = @{{ {} ~ !ident_char }}", trie(kql::BOOLS));
    o.push_str("// Typed literals (`datetime(…)`) start with one of these, then `(` at once.\n");
    let _ = writeln!(
        o,
        "typed_literal_word = _{{ {} }}",
        trie(kql::TYPED_LITERAL)
    );
    let _ = writeln!(
        o,
        "param_name = @{{ (\"hint.\" ~ {} | {}) ~ !ident_char }}",
        trie(kql::HINT_PARAMS),
        trie(kql::PARAMS)
    );
    for (rule, words) in [
        ("kv_prop_name", kql::KV_PROPS),
        ("render_prop_name", kql::RENDER_PROPS),
        ("reduce_prop_name", kql::REDUCE_PROPS),
    ] {
        let _ = writeln!(o, "{rule} = @{{ {} ~ !ident_char }}", trie(words));
    }
    let (spaced, plain): (Vec<&str>, Vec<&str>) =
        kql::STR_OPS.iter().partition(|w| w.contains(' '));
    let spaced: Vec<String> = spaced
        .iter()
        .map(|w| {
            w.split(' ')
                .map(pest_str)
                .collect::<Vec<_>>()
                .join(" ~ ws_char+ ~ ")
        })
        .collect();
    let _ = writeln!(
        o,
        "str_op = @{{ \"=~\" | \"!~\" | ({} | {}) ~ !ident_char }}",
        spaced.join(" | "),
        trie(&plain)
    );
    let _ = writeln!(
        o,
        "list_op = @{{ {} | {} ~ !ident_char }}",
        kql::LIST_OPS_TILDE
            .iter()
            .map(|w| pest_str(w))
            .collect::<Vec<_>>()
            .join(" | "),
        choice(kql::LIST_OPS, Case::Sensitive)
    );
    let _ = writeln!(
        o,
        "between_op = @{{ {} ~ !ident_char }}",
        choice(kql::BETWEEN_OPS, Case::Sensitive)
    );
    o.push_str("\n// Keywords.\n");
    for kw in kql::KEYWORDS {
        check_order(kw.kind, kw.words);
        o.push_str(&keyword(kw, "ident_char"));
    }
    o.push_str("\n// Precedence levels, loosest first; the tree builder folds an `expr`'s flat children with the\n// same table (silent levels keep pest's token queue small).\n");
    for p in kql::PRECEDENCE {
        o.push_str(&levels(p));
    }
    o
}

pub(super) fn render_spl() -> String {
    let mut o = String::from(HEADER);
    o.push_str("// SPL's keywords, character classes and precedence levels (src/syntax/tables/spl.rs).\n\n");
    let _ = writeln!(
        o,
        "ws_char    = _{{ {} }}",
        ranges(&ws_ranges(spl::WHITESPACE))
    );
    for c in spl::CLASSES {
        let _ = writeln!(
            o,
            "{} = _{{ {} }}",
            c.rule,
            ranges(&class_ranges(c, spl::WHITESPACE))
        );
    }
    o.push_str("\n// Commands with their own syntax: a broken `eval` must not pass as a generic command.\n");
    let words: Vec<&str> = spl::COMMANDS
        .iter()
        .flat_map(|k| k.words.iter().copied())
        .collect();
    let _ = writeln!(
        o,
        "special_cmd = @{{ {} ~ !word_char }}",
        choice(&words, Case::Insensitive)
    );
    for kw in spl::KEYWORDS {
        check_order(kw.kind, kw.words);
        o.push_str(&keyword(kw, "word_char"));
    }
    let _ = writeln!(
        o,
        "search_operator_word = _{{ {} }}",
        choice(spl::SEARCH_OPERATORS, Case::Sensitive)
    );
    let _ = writeln!(
        o,
        "eval_operator_word = _{{ {} }}",
        choice(spl::EVAL_OPERATORS, Case::Insensitive)
    );
    let _ = writeln!(
        o,
        "not_aggregate_word = _{{ {} }}",
        choice(spl::NOT_AGGREGATES, Case::Insensitive)
    );
    o.push_str("\n// Precedence levels, loosest first; the tree builder folds the flat children of search_expr,\n// tstats_where and eval_expr with the same table.\n");
    for p in spl::PRECEDENCE {
        o.push_str(&levels(p));
    }
    o
}

/// The names of the rules that make nodes (not silent), in grammar order.
fn node_rules(grammar: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in grammar.lines() {
        let Some((name, rest)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || line.starts_with(char::is_whitespace)
            || line.starts_with("//")
        {
            continue;
        }
        let rest = rest.trim_start();
        if rest.starts_with('{') || rest.starts_with("@{") || rest.starts_with("${") {
            out.push(name.to_string());
        }
    }
    out
}

pub(super) fn render_kinds(kql_grammar: &str, spl_grammar: &str) -> String {
    let mut o = String::from("//! Node kinds: one constant per grammar rule that makes a node, so a lint that matches a kind\n//! stops compiling when the rule is renamed. Generated from grammar/*.pest by\n//! `TOKENWARD_UPDATE_GRAMMAR=1 cargo test --lib tables`; do not edit.\n\n");
    o.push_str("/// The kinds the tree builder gives folded expressions.\npub const BINARY: &str = \"binary\";\npub const UNARY: &str = \"unary\";\npub const POSTFIX: &str = \"postfix\";\npub const IMPLICIT_AND: &str = \"implicit_and\";\n");
    for (module, grammar, what) in [
        ("kql", kql_grammar, "grammar/kql.pest"),
        ("spl", spl_grammar, "grammar/spl.pest"),
    ] {
        let _ = write!(
            o,
            "\n/// The rules of {what} (and its tables).\npub mod {module} {{\n"
        );
        let mut seen = std::collections::BTreeSet::new();
        for rule in node_rules(grammar) {
            let name = rule.to_ascii_uppercase();
            assert!(seen.insert(name.clone()), "{module}: two rules make {name}");
            let _ = writeln!(o, "    pub const {name}: &str = \"{rule}\";");
        }
        o.push_str("}\n");
    }
    o
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn generated_grammar_tables_and_kinds_are_up_to_date() {
    let update = std::env::var_os("TOKENWARD_UPDATE_GRAMMAR").is_some();
    let read = |p: &str| std::fs::read_to_string(root().join(p)).unwrap_or_default();
    let mut stale = Vec::new();
    let mut check = |path: &str, expected: String| {
        if update {
            std::fs::write(root().join(path), &expected).expect("writable");
        } else if read(path) != expected {
            stale.push(path.to_string());
        }
    };
    check("grammar/kql.tables.pest", render_kql());
    check("grammar/spl.tables.pest", render_spl());
    let kql = read("grammar/kql.pest") + &render_kql();
    let spl = read("grammar/spl.pest") + &render_spl();
    check("src/syntax/kinds.rs", render_kinds(&kql, &spl));
    assert!(
        stale.is_empty(),
        "{} differ from the tables: run TOKENWARD_UPDATE_GRAMMAR=1 cargo test --lib tables",
        stale.join(", ")
    );
}
