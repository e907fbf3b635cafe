//! Splunk SPL syntax check and parse tree, over grammar/spl.pest.

use std::sync::OnceLock;

use pest::Parser as _;

use crate::syntax::build::{self, Shape};
use crate::syntax::engine::{self, BracketScanner, Scan};
use crate::syntax::fold::Role;
use crate::syntax::tables;
pub use crate::syntax::{Node, ParseError};

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/spl.pest"]
    #[grammar = "../grammar/spl.tables.pest"]
    pub(super) struct SplParser;
}
use grammar::{Rule, SplParser};

/// Checks that `text` is a syntactically valid SPL search (a pipeline of commands).
pub fn parse(text: &str) -> Result<(), ParseError> {
    parse_tree(text).map(drop)
}

/// Parses `text` into a tree whose root has kind `"spl"`.
///
/// The hand-written parser (spl_rd.rs) does the work; it builds exactly the tree the pest grammar
/// (grammar/spl.pest) defines, which tests/syntax_differential.rs checks on corpora, mutations and
/// token soup. When it rejects the text, the pest grammar parses it again for the error message and
/// position (and, should the two ever disagree, its tree is the one returned).
pub fn parse_tree(text: &str) -> Result<Node<'_>, ParseError> {
    engine::run(text, scan(text), |text| {
        engine::fast_or_reference(text, super::spl_rd::parse(text), reference)
    })
}

/// The hand-written parser alone: None where it rejects the text. For the differential tests.
#[doc(hidden)]
pub fn parse_tree_fast(text: &str) -> Option<Node<'_>> {
    engine::run(text, scan(text), |text| {
        super::spl_rd::parse(text).map_err(|_| ParseError::at(text, 0, "rejected"))
    })
    .ok()
}

/// The pest grammar alone: the reference tree or its error. For the differential tests.
#[doc(hidden)]
pub fn parse_tree_reference(text: &str) -> Result<Node<'_>, ParseError> {
    engine::run(text, scan(text), reference)
}

fn reference(text: &str) -> Result<Node<'_>, ParseError> {
    let mut pairs =
        SplParser::parse(Rule::spl, text).map_err(|e| ParseError::from_pest(text, &e, describe))?;
    let root = pairs
        .next()
        .ok_or_else(|| ParseError::at(text, 0, "expected a search"))?;
    Ok(build::build(text, root, &SHAPE))
}

static SHAPE: Shape<Rule> = Shape {
    name,
    hidden,
    role,
    implicit_and,
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
    tables::precedence(tables::spl::PRECEDENCE, name(parent)).map(|p| p.role(name(child)))
}

fn implicit_and(parent: Rule) -> Option<u8> {
    tables::precedence(tables::spl::PRECEDENCE, name(parent)).and_then(|p| p.implicit_and)
}

/// Bracket depth outside double-quoted strings, comments and macros (their bodies cannot nest commands).
fn scan(text: &str) -> Scan {
    let b = text.as_bytes();
    let mut brackets = BracketScanner::new(text);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'`' if b[i..].starts_with(b"```") => i = skip_past(b, i + 3, b"```"),
            // Outside strings a backslash escapes the next character (`\"` is no quote).
            b'\\' => i += 2,
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            c @ (b'(' | b'[') => {
                if !brackets.open(c, i) {
                    break;
                }
                i += 1;
            }
            c @ (b')' | b']') => {
                brackets.close(c, i);
                i += 1;
            }
            _ => i += 1,
        }
    }
    brackets.finish()
}

fn skip_past(b: &[u8], from: usize, end: &[u8]) -> usize {
    let mut i = from;
    while i < b.len() {
        if b[i..].starts_with(end) {
            return i + end.len();
        }
        i += 1;
    }
    b.len()
}

fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "end of search",
        eval_expr | e_group | e_call | number | sq_field | e_field | e_sign => "an eval expression",
        search_expr | s_group | field_in | field_cmp | s_word | directive | s_field | s_name => {
            "a search term"
        }
        string => "a quoted string",
        subsearch => "a subsearch `[ … ]`",
        macro_call | macro_cmd => "a macro",
        macro_name => "a macro name",
        macro_args | macro_arg => "macro arguments",
        kw_eval | kw_where | kw_search | kw_stats | kw_tstats | kw_rename | kw_lookup
        | kw_fieldformat | kw_foreach | cmd_name => "a command",
        foreach_body => "a subsearch `[ … ]`",
        eval_assign | target_name => "`field=expression`",
        e_cmp_op | op_like | op_in | e_add_op | e_mul_op | kw_AND | kw_OR | op_and | op_or
        | op_xor => "an operator",
        kw_NOT | op_not => "`NOT`",
        s_cmp => "a comparison (=, !=, <, >, …)",
        value_word => "a value",
        agg | agg_name => "an aggregation like `count` or `values(field)`",
        by_clause | kw_by => "`BY`",
        kw_as => "`AS`",
        field_pat | field_list | lookup_table | lookup_field => "a field name",
        option | option_key => "an option `name=value`",
        rename_pair => "`field AS newname`",
        kw_output => "`OUTPUT`",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str, kind: &str) -> String {
        let tree = parse_tree(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let found = tree
            .find_all(kind)
            .next()
            .map(|n| n.to_sexp())
            .unwrap_or_default();
        found
    }

    #[test]
    fn search_or_binds_tighter_than_and() {
        assert_eq!(
            first("a b OR c", "search_expr"),
            r#"(search_expr (binary s_word:"a" implicit_and:"" (binary s_word:"b" kw_OR:"OR" s_word:"c")))"#
        );
        assert_eq!(
            first("NOT a=1 b", "search_expr"),
            r#"(search_expr (binary (unary kw_NOT:"NOT" (field_cmp (s_field s_name:"a") s_cmp:"=" value_word:"1")) implicit_and:"" s_word:"b"))"#
        );
    }

    #[test]
    fn eval_and_binds_tighter_than_or() {
        assert_eq!(
            first("| where a=1 OR b=2 AND NOT c", "eval_expr"),
            r#"(eval_expr (binary (binary e_field:"a" e_cmp_op:"=" number:"1") op_or:"OR" (binary (binary e_field:"b" e_cmp_op:"=" number:"2") op_and:"AND" (unary op_not:"NOT" e_field:"c"))))"#
        );
        assert_eq!(
            first(r#"| eval x="a" . b + 1 * 2"#, "eval_expr"),
            r#"(eval_expr (binary string:"\"a\"" e_add_op:"." e_field:"b" e_add_op:"+" (binary number:"1" e_mul_op:"*" number:"2")))"#
        );
    }

    #[test]
    fn stats_aggregations_and_by() {
        let tree = parse_tree("| stats count min(_time) AS first, dc(eval(x>1)) as n BY user, src")
            .expect("parses");
        assert_eq!(tree.find_all("agg").count(), 3);
        assert_eq!(tree.find_all("eval_call").count(), 1);
        let by = tree.find_all("by_clause").next().expect("by clause");
        assert_eq!(by.find_all("field_pat").count(), 2);
    }

    #[test]
    fn broken_eval_is_not_a_generic_command() {
        for bad in [
            "| eval x=",
            "| eval if(a, 1, 0)",
            "| where",
            "| where x >",
            "| stats count BY",
            "||",
            "| x |",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn comments_macros_subsearches() {
        for ok in [
            "``` c ``` `m` ``` d ``` | stats ``` e ``` count",
            r#"`m(a, "b c", 1)` x=1 | `f(x)`"#,
            "a [ search b [ | inputlookup c ] ] | join x [ search y ]",
            "| eval s=\"line\nbreak \\\" \\\\\"",
        ] {
            if let Err(e) = parse(ok) {
                panic!("{ok}: {e}");
            }
        }
        let e = parse("``` never closed").expect_err("fails");
        assert_eq!((e.line, e.col), (1, 2));
        let e = parse("a [ search b").expect_err("fails");
        assert!(
            e.message.contains("`[` at 1:3 is never closed"),
            "{}",
            e.message
        );
    }
}
