//! KQL (Microsoft Sentinel / Kusto) syntax check and parse tree, over grammar/kql.pest.

use std::sync::OnceLock;

use pest::Parser as _;

use crate::syntax::build::{self, Shape};
use crate::syntax::engine::{self, BracketScanner, Scan};
use crate::syntax::fold::Role;
use crate::syntax::tables;
pub use crate::syntax::{Node, ParseError};

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/kql.pest"]
    #[grammar = "../grammar/kql.tables.pest"]
    pub(super) struct KqlParser;
}
use grammar::{KqlParser, Rule};

/// Checks that `text` is a syntactically valid KQL query (statements separated by `;`).
pub fn parse(text: &str) -> Result<(), ParseError> {
    parse_tree(text).map(drop)
}

/// Parses `text` into a tree whose root has kind `"query"`.
///
/// The hand-written parser (kql_rd.rs) does the work; it builds exactly the tree the pest grammar
/// (grammar/kql.pest) defines, which tests/syntax_differential.rs checks on corpora, mutations and
/// token soup. When it rejects the text, the pest grammar parses it again for the error message and
/// position (and, should the two ever disagree, its tree is the one returned).
pub fn parse_tree(text: &str) -> Result<Node<'_>, ParseError> {
    engine::run(text, scan(text), |text| {
        engine::fast_or_reference(text, super::kql_rd::parse(text), reference)
    })
}

/// The hand-written parser alone: None where it rejects the text. For the differential tests.
#[doc(hidden)]
pub fn parse_tree_fast(text: &str) -> Option<Node<'_>> {
    engine::run(text, scan(text), |text| {
        super::kql_rd::parse(text).map_err(|_| ParseError::at(text, 0, "rejected"))
    })
    .ok()
}

/// The pest grammar alone: the reference tree or its error. For the differential tests.
#[doc(hidden)]
pub fn parse_tree_reference(text: &str) -> Result<Node<'_>, ParseError> {
    engine::run(text, scan(text), reference)
}

fn reference(text: &str) -> Result<Node<'_>, ParseError> {
    let mut pairs = KqlParser::parse(Rule::query, text)
        .map_err(|e| ParseError::from_pest(text, &e, describe))?;
    let root = pairs
        .next()
        .ok_or_else(|| ParseError::at(text, 0, "expected a query"))?;
    Ok(build::build(text, root, &SHAPE))
}

static SHAPE: Shape<Rule> = Shape {
    name,
    hidden,
    role,
    implicit_and: |_| None,
};

fn name(rule: Rule) -> &'static str {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES
        .get_or_init(|| build::rule_names(Rule::all_rules(), |r| r as usize))
        .get(rule as usize)
        .copied()
        .unwrap_or("unknown")
}

fn hidden(rule: Rule) -> bool {
    matches!(rule, Rule::EOI)
}

/// The fold's roles, from the precedence table the hand-written parser uses too.
fn role(parent: Rule, child: Rule) -> Option<Role> {
    tables::precedence(tables::kql::PRECEDENCE, name(parent)).map(|p| p.role(name(child)))
}

/// Bracket depth, skipping strings and comments the way Kusto's lexer does.
fn scan(text: &str) -> Scan {
    let b = text.as_bytes();
    let mut brackets = BracketScanner::new(text);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => i = skip_until(b, i, b"\n"),
            b'`' if b[i..].starts_with(b"```") => i = skip_until(b, i + 3, b"```"),
            b'~' if b[i..].starts_with(b"~~~") => i = skip_until(b, i + 3, b"~~~"),
            b'@' if matches!(b.get(i + 1), Some(b'"' | b'\'')) => i = skip_verbatim(b, i + 1),
            q @ (b'"' | b'\'') => i = skip_quoted(b, i, q),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                // Kusto lexes `datetime(…)`, `int(…)` … to the first `)` on the line as one token,
                // quotes included, as the grammar's typed_literal does.
                if b.get(i) == Some(&b'(') && tables::kql::TYPED_LITERAL.contains(&&text[start..i])
                {
                    let body = &b[i..];
                    if let Some(k) = body.iter().position(|c| matches!(c, b')' | b'\n' | b'\r')) {
                        if body[k] == b')' {
                            i += k + 1;
                        }
                    }
                }
            }
            c @ (b'(' | b'[' | b'{') => {
                if !brackets.open(c, i) {
                    break;
                }
                i += 1;
            }
            c @ (b')' | b']' | b'}') => {
                brackets.close(c, i);
                i += 1;
            }
            _ => i += 1,
        }
    }
    brackets.finish()
}

/// Index just past the first `end` at or after `from` (or the end of the text).
fn skip_until(b: &[u8], from: usize, end: &[u8]) -> usize {
    let mut i = from;
    while i < b.len() {
        if b[i..].starts_with(end) {
            return i + end.len();
        }
        i += 1;
    }
    b.len()
}

/// A backslash-escaped string starting at the quote `b[at]`; strings end at a line break.
fn skip_quoted(b: &[u8], at: usize, quote: u8) -> usize {
    let mut i = at + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// A verbatim string `@"…"` (quote doubled inside) starting at the quote `b[at]`.
fn skip_verbatim(b: &[u8], at: usize) -> usize {
    let quote = b[at];
    let mut i = at + 1;
    while i < b.len() {
        if b[i] == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        if b[i] == b'\n' {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// Words for the rules pest reports as expected; None for rules a person need not hear about.
fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "end of query",
        pipe_expr | expr | paren_expr | call | name_ref | bracket_name | typed_literal
        | dynamic_lit | string_lit | string_part | timespan | real | long | bool_lit | sign
        | star | named_arg | assign | assign_list | tuple_decl | mv_item | series_agg
        | sort_key | search_pred | table_ref => "an expression",
        kw_where | kw_filter | kw_extend | kw_project | kw_project_away | kw_project_keep
        | kw_project_rename | kw_project_reorder | kw_summarize | kw_join | kw_lookup
        | kw_union | kw_mv_expand | kw_mv_apply | kw_parse | kw_parse_where | kw_parse_kv
        | kw_top | kw_top_nested | kw_top_hitters | kw_sort | kw_order | kw_distinct | kw_take
        | kw_limit | kw_count | kw_evaluate | kw_make_series | kw_as | kw_invoke | kw_render
        | kw_getschema | kw_serialize | kw_sample | kw_sample_distinct | kw_facet | kw_fork
        | kw_partition | kw_reduce | kw_consume | kw_scan | kw_search => {
            "a query operator (where, extend, summarize, …)"
        }
        kw_let => "`let`",
        kw_or | kw_and | eq_op | rel_op | str_op | colon_op | list_op | between_op | add_op
        | mul_op | member | index => "an operator",
        decl_name | decl_ident | let_name | let_ident | member_name | ident | wild_name
        | wild_table => "a name",
        type_name => "a type name (string, long, datetime, …)",
        tabular_schema => "a table schema `(col:type, …)`",
        col_decl | lambda_param => "a `name:type` declaration",
        kw_by => "`by`",
        kw_on => "`on`",
        kw_with => "`with`",
        kw_of => "`of`",
        kw_to => "`to`",
        kw_typeof => "`typeof`",
        typeof_expr | bracket_expr | toscalar | materialize | datatable_op | externaldata_op => {
            "an expression"
        }
        kw_from => "`from`",
        kw_step => "`step`",
        kw_in => "`in`",
        kw_asc | kw_desc => "`asc`/`desc`",
        kw_nulls => "`nulls`",
        kw_first | kw_last => "`first`/`last`",
        kw_default => "`default`",
        json_array | json_object | json_null | json_number | json_member => "a dynamic value",
        expr_list => "a parenthesized list",
        between_range => "a range `(a .. b)`",
        lambda | lambda_body => "a function body",
        subquery => "a query operator",
        parse_column => "a column",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The folded expression of the first `print` column, as an S-expression.
    fn expr(src: &str) -> String {
        let text = format!("print {src}");
        let tree = parse_tree(&text).unwrap_or_else(|e| panic!("{src}: {e}"));
        let found = tree
            .find_all("expr")
            .next()
            .map(|n| n.to_sexp())
            .unwrap_or_default();
        found
    }

    #[test]
    fn precedence_follows_kusto() {
        assert_eq!(
            expr("a or b and c == d"),
            r#"(expr (binary name_ref:"a" kw_or:"or" (binary name_ref:"b" kw_and:"and" (binary name_ref:"c" eq_op:"==" name_ref:"d"))))"#
        );
        // Kusto.Language: string operators bind tighter than `<`, which binds tighter than `==`.
        assert_eq!(
            expr("a == b has c"),
            r#"(expr (binary name_ref:"a" eq_op:"==" (binary name_ref:"b" str_op:"has" name_ref:"c")))"#
        );
        assert_eq!(
            expr("a < b == c"),
            r#"(expr (binary (binary name_ref:"a" rel_op:"<" name_ref:"b") eq_op:"==" name_ref:"c"))"#
        );
        assert_eq!(
            expr("1 + 2 * 3 - 4"),
            r#"(expr (binary long:"1" add_op:"+" (binary long:"2" mul_op:"*" long:"3") add_op:"-" long:"4"))"#
        );
        assert_eq!(
            expr("-a.b[0]"),
            r#"(expr (unary sign:"-" (postfix name_ref:"a" (member member_name:"b") (index (expr long:"0")))))"#
        );
    }

    #[test]
    fn chains_stay_flat() {
        let tree = parse_tree("print a and b and c and d").expect("parses");
        let binary = tree.find_all("binary").next().expect("a binary node");
        assert_eq!(binary.children.len(), 7);
        assert_eq!(tree.find_all("binary").count(), 1);
    }

    #[test]
    fn non_chaining_levels_are_errors() {
        for bad in [
            "a == b == c",
            "a < b < c",
            "a has b has c",
            "x in (1) in (2)",
            "a =~ b !~ c",
        ] {
            assert!(parse(&format!("print {bad}")).is_err(), "{bad}");
        }
    }

    #[test]
    fn keywords_as_names_follow_kusto() {
        assert!(parse("T | project type, count, kind, on, with, step").is_ok());
        assert!(parse("T | project time").is_err());
        assert!(parse("T | project ['time']").is_ok());
        assert!(parse("let where = 1; print 1").is_err());
        assert!(parse("T | extend kind = 1").is_err());
    }

    #[test]
    fn errors_name_the_place_and_the_expectation() {
        let e = parse("SigninLogs\n| where").expect_err("fails");
        assert_eq!((e.line, e.col), (2, 8));
        assert_eq!(e.message, "expected an expression, found end of input");
        let e = parse("T\n| frobnicate x").expect_err("fails");
        assert_eq!((e.line, e.col), (2, 3));
        assert!(
            e.message.starts_with("expected a query operator"),
            "{}",
            e.message
        );
        let e = parse("T | where f(a\n| take 1").expect_err("fails");
        assert!(
            e.message.contains("`(` at 1:12 is never closed"),
            "{}",
            e.message
        );
        let e = parse("print \"\\d\"").expect_err("bad escape");
        assert!(e.message.contains("malformed string"), "{}", e.message);
    }

    #[test]
    fn literals() {
        for ok in [
            r#"print @"C:\dir", @'it''s', h"x", h@'y', "a" 'b', ```multi
line```, ~~~x~~~"#,
            "print 1d, 30m, 1.5h, 100ms, 2days, 10tick, time(1d), timespan(1.02:03:04)",
            "print 1e5, 1.5E-3, 0x1F, 1., int(null), long(5), real(nan), decimal(1.5), bool(true)",
            "print datetime(2024-01-01 10:00), guid(74be27de-1e4e-49d9-b579-fe0b331d3642)",
            r#"print dynamic([1, -2, "x", {"k": [true, null, datetime(2020-01-01)]}]), dynamic(null), dynamic({})"#,
        ] {
            if let Err(e) = parse(ok) {
                panic!("{ok}: {e}");
            }
        }
        for bad in [
            "print .5",
            "print \"a\nb\"",
            "print dynamic([1,])",
            "print dynamic({a: 1})",
            "print - -1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
