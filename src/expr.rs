//! The condition language (grammar/expr.pest) parsed into an untyped AST with byte spans.

use std::ops::Range;
use std::sync::LazyLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/expr.pest"]
    pub(super) struct ExprParser;
}
use grammar::{ExprParser, Rule};

/// Expressions deeper than this are refused rather than risking the stack.
pub const MAX_DEPTH: usize = 64;
/// Most `and` / `or` operators one condition may hold: every stage walks a condition recursively, and a
/// flat chain of thousands of terms is a list written the long way.
pub const MAX_TERMS: usize = 512;

/// Which event of a correlated pair a field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The issuance (interactive) sign-in; written `first.` in rules.
    First,
    /// The later (replayed) sign-in; written `later.`.
    Later,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    In,
    NotIn,
    InCidr,
    Contains,
    StartsWith,
    EndsWith,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::In => "in",
            CmpOp::NotIn => "!in",
            CmpOp::InCidr => "in_cidr",
            CmpOp::Contains => "contains",
            CmpOp::StartsWith => "startswith",
            CmpOp::EndsWith => "endswith",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// `first.asn`, `later.ip`, or a bare name (a field in single-event rules, else a list).
    Reference {
        event: Option<String>,
        name: String,
        span: Range<usize>,
        /// Span of the name alone, for "unknown field" carets.
        name_span: Range<usize>,
    },
    Str(String, Range<usize>),
    Int(i64, Range<usize>),
    Bool(bool, Range<usize>),
    Duration(String, Range<usize>),
    Cidr(String, Range<usize>),
    List(Vec<Operand>, Range<usize>),
}

impl Operand {
    pub fn span(&self) -> Range<usize> {
        match self {
            Operand::Reference { span, .. }
            | Operand::Str(_, span)
            | Operand::Int(_, span)
            | Operand::Bool(_, span)
            | Operand::Duration(_, span)
            | Operand::Cidr(_, span)
            | Operand::List(_, span) => span.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>, Range<usize>),
    Compare {
        left: Operand,
        op: CmpOp,
        right: Operand,
        span: Range<usize>,
    },
    /// A lone operand used as a condition, e.g. `is_interactive`.
    Truthy(Operand),
}

impl Expr {
    pub fn span(&self) -> Range<usize> {
        match self {
            Expr::And(l, r) | Expr::Or(l, r) => l.span().start..r.span().end,
            Expr::Not(_, span) | Expr::Compare { span, .. } => span.clone(),
            Expr::Truthy(op) => op.span(),
        }
    }
}

/// A parse failure: where (byte range in the expression) and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub span: Range<usize>,
    pub message: String,
}

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
});

pub fn parse(text: &str) -> Result<Expr, ParseError> {
    if let Some(at) = nesting_too_deep(text) {
        return Err(ParseError {
            span: at..at + 1,
            message: format!("expression nests deeper than {MAX_DEPTH} levels"),
        });
    }
    let mut pairs = ExprParser::parse(Rule::condition, text).map_err(from_pest)?;
    // `flatten` walks pest's token queue without recursion.
    if let Some(op) = pairs
        .clone()
        .flatten()
        .filter(|p| matches!(p.as_rule(), Rule::op_and | Rule::op_or))
        .nth(MAX_TERMS)
    {
        return Err(ParseError {
            span: span_of(&op),
            message: format!(
                "a condition may join at most {MAX_TERMS} terms with `and` / `or`; put the values in a list (`field in [...]` or a list file)"
            ),
        });
    }
    let condition = pairs.next().ok_or_else(|| empty_error(text))?;
    let expr = condition
        .into_inner()
        .find(|p| p.as_rule() == Rule::expr)
        .ok_or_else(|| empty_error(text))?;
    build_expr(expr.into_inner())
}

fn empty_error(text: &str) -> ParseError {
    ParseError {
        span: 0..text.len(),
        message: "expected a condition".into(),
    }
}

/// Bracket depth is checked before pest runs: its recursion follows the nesting.
fn nesting_too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    // `not not not …` recurses too.
    let nots = text.split_whitespace().filter(|w| *w == "not").count();
    (nots > MAX_DEPTH).then_some(0)
}

fn from_pest(e: pest::error::Error<Rule>) -> ParseError {
    use pest::error::{ErrorVariant, InputLocation};
    let span = match e.location {
        InputLocation::Pos(p) => p..p + 1,
        InputLocation::Span((s, end)) => s..end,
    };
    let message = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
            names.sort_unstable();
            names.dedup();
            // "a field, list or value" already covers the literal kinds.
            if names.contains(&"a field, list or value") {
                names.retain(|n| {
                    !matches!(
                        *n,
                        "a string"
                            | "a list `[…]`"
                            | "an integer"
                            | "a duration"
                            | "a CIDR"
                            | "true or false"
                    )
                });
            }
            if names.is_empty() {
                "unexpected input".to_string()
            } else {
                format!("expected {}", join_or(&names))
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    ParseError { span, message }
}

fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of condition",
        Rule::expr | Rule::comparison | Rule::primary => "a condition",
        Rule::operand | Rule::reference | Rule::ident => "a field, list or value",
        Rule::cmp_op
        | Rule::eq
        | Rule::ne
        | Rule::not_in
        | Rule::in_cidr
        | Rule::in_list
        | Rule::contains
        | Rule::startswith
        | Rule::endswith => "an operator (== != in !in in_cidr contains startswith endswith)",
        Rule::op_and | Rule::op_or | Rule::infix => "`and` or `or`",
        Rule::op_not | Rule::prefix => "`not`",
        Rule::string => "a string",
        Rule::list => "a list `[…]`",
        Rule::integer => "an integer",
        Rule::duration => "a duration",
        Rule::cidr => "a CIDR",
        Rule::boolean => "true or false",
        _ => return None,
    })
}

fn join_or(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn span_of(pair: &Pair<'_, Rule>) -> Range<usize> {
    let s = pair.as_span();
    s.start()..s.end()
}

fn build_expr(pairs: Pairs<'_, Rule>) -> Result<Expr, ParseError> {
    PRATT
        .map_primary(|primary| match primary.as_rule() {
            Rule::expr => build_expr(primary.into_inner()),
            Rule::comparison => build_comparison(primary),
            _ => Err(unexpected(&primary)),
        })
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let span = op.as_span().start()..rhs.span().end;
            Ok(Expr::Not(Box::new(rhs), span))
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (Box::new(lhs?), Box::new(rhs?));
            Ok(match op.as_rule() {
                Rule::op_and => Expr::And(lhs, rhs),
                _ => Expr::Or(lhs, rhs),
            })
        })
        .parse(pairs)
}

fn unexpected(pair: &Pair<'_, Rule>) -> ParseError {
    ParseError {
        span: span_of(pair),
        message: format!("unexpected `{}`", pair.as_str()),
    }
}

fn build_comparison(pair: Pair<'_, Rule>) -> Result<Expr, ParseError> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let left = build_operand(inner.next().ok_or_else(|| ParseError {
        span: span.clone(),
        message: "expected a field, list or value".into(),
    })?)?;
    let Some(op) = inner.next() else {
        return Ok(Expr::Truthy(left));
    };
    let op = match op.into_inner().next().map(|p| p.as_rule()) {
        Some(Rule::not_in) => CmpOp::NotIn,
        Some(Rule::in_cidr) => CmpOp::InCidr,
        Some(Rule::in_list) => CmpOp::In,
        Some(Rule::contains) => CmpOp::Contains,
        Some(Rule::startswith) => CmpOp::StartsWith,
        Some(Rule::endswith) => CmpOp::EndsWith,
        Some(Rule::ne) => CmpOp::Ne,
        _ => CmpOp::Eq,
    };
    let right = build_operand(inner.next().ok_or_else(|| ParseError {
        span: span.clone(),
        message: "expected a value after the operator".into(),
    })?)?;
    Ok(Expr::Compare {
        left,
        op,
        right,
        span,
    })
}

fn build_operand(pair: Pair<'_, Rule>) -> Result<Operand, ParseError> {
    let span = span_of(&pair);
    let text = pair.as_str();
    Ok(match pair.as_rule() {
        Rule::reference => {
            let mut idents = pair.into_inner();
            let first = idents.next().ok_or_else(|| ParseError {
                span: span.clone(),
                message: "expected a name".into(),
            })?;
            match idents.next() {
                Some(second) => Operand::Reference {
                    event: Some(first.as_str().to_string()),
                    name: second.as_str().to_string(),
                    name_span: span_of(&second),
                    span,
                },
                None => Operand::Reference {
                    event: None,
                    name: first.as_str().to_string(),
                    name_span: span.clone(),
                    span,
                },
            }
        }
        Rule::string => {
            let quote = text.chars().next().unwrap_or('"');
            let inner = &text[1..text.len() - 1];
            Operand::Str(unescape(inner, quote, span.start + 1)?, span)
        }
        Rule::integer => Operand::Int(
            text.parse().map_err(|_| ParseError {
                span: span.clone(),
                message: format!("integer `{text}` is out of range"),
            })?,
            span,
        ),
        Rule::boolean => Operand::Bool(text == "true", span),
        Rule::duration => Operand::Duration(text.to_string(), span),
        Rule::cidr => Operand::Cidr(text.to_string(), span),
        Rule::list => Operand::List(
            pair.into_inner()
                .map(build_operand)
                .collect::<Result<_, _>>()?,
            span,
        ),
        _ => return Err(unexpected(&pair)),
    })
}

fn unescape(inner: &str, quote: char, base: usize) -> Result<String, ParseError> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let bad = |len: usize, what: &str| ParseError {
            span: base + i..base + i + len,
            message: what.to_string(),
        };
        match chars.next() {
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, 'r')) => out.push('\r'),
            Some((_, c)) if c == quote || c == '"' || c == '\'' => out.push(c),
            Some((_, 'u')) => {
                let rest = &inner[i + 2..];
                let close = rest.find('}').filter(|_| rest.starts_with('{'));
                let code = close
                    .and_then(|end| u32::from_str_radix(&rest[1..end], 16).ok())
                    .and_then(char::from_u32);
                match (code, close) {
                    (Some(ch), Some(end)) => {
                        out.push(ch);
                        for _ in 0..=end {
                            chars.next();
                        }
                    }
                    _ => return Err(bad(2, "a unicode escape is written \\u{hex}")),
                }
            }
            Some((_, other)) => {
                return Err(bad(
                    1 + other.len_utf8(),
                    &format!(
                        "unknown escape `\\{other}`; use \\\\ \\\" \\' \\n \\t \\r or \\u{{…}}"
                    ),
                ))
            }
            None => return Err(bad(1, "a string cannot end with a lone backslash")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(e: &Expr) -> (CmpOp, String) {
        match e {
            Expr::Compare { op, right, .. } => (*op, format!("{right:?}")),
            other => panic!("not a comparison: {other:?}"),
        }
    }

    #[test]
    fn precedence_and_binds_tighter_than_or() {
        let e = parse("a == 1 or b == 2 and c == 3").unwrap();
        match e {
            Expr::Or(_, r) => assert!(matches!(*r, Expr::And(..))),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn not_and_parentheses() {
        let e = parse("not (later.asn in hosting or later.ip in_cidr corp)").unwrap();
        let Expr::Not(inner, span) = e else { panic!() };
        assert_eq!(span.start, 0);
        assert!(matches!(*inner, Expr::Or(..)));
    }

    #[test]
    fn operators() {
        for (text, op) in [
            ("a == 1", CmpOp::Eq),
            ("a != 1", CmpOp::Ne),
            ("a in [1, 2]", CmpOp::In),
            ("a !in x", CmpOp::NotIn),
            ("a in_cidr 10.0.0.0/8", CmpOp::InCidr),
            ("a contains \"x\"", CmpOp::Contains),
            ("a startswith 'x'", CmpOp::StartsWith),
            ("a endswith \"x\"", CmpOp::EndsWith),
        ] {
            assert_eq!(cmp(&parse(text).unwrap()).0, op, "{text}");
        }
    }

    #[test]
    fn keyword_prefixes_are_names() {
        // `index` starts with `in`, `notes` with `not`, `order` with `or`.
        let e = parse("notes == index or order").unwrap();
        assert!(matches!(e, Expr::Or(..)));
    }

    #[test]
    fn literals() {
        let e = parse(
            r#"a in ["x\"y", 'it\'s', 5, 10.1.0.0/16, 2001:db8::/32, 60m, true, "\u{1F600}"]"#,
        )
        .unwrap();
        let Expr::Compare {
            right: Operand::List(items, _),
            ..
        } = e
        else {
            panic!()
        };
        assert_eq!(items[0], Operand::Str("x\"y".into(), 6..12));
        assert!(matches!(&items[1], Operand::Str(s, _) if s == "it's"));
        assert!(matches!(items[2], Operand::Int(5, _)));
        assert!(matches!(&items[3], Operand::Cidr(s, _) if s == "10.1.0.0/16"));
        assert!(matches!(&items[4], Operand::Cidr(s, _) if s == "2001:db8::/32"));
        assert!(matches!(&items[5], Operand::Duration(s, _) if s == "60m"));
        assert!(matches!(items[6], Operand::Bool(true, _)));
        assert!(matches!(&items[7], Operand::Str(s, _) if s == "😀"));
    }

    #[test]
    fn spans_point_into_the_text() {
        let text = "later.asn contains 5";
        let Expr::Compare { left, span, .. } = parse(text).unwrap() else {
            panic!()
        };
        assert_eq!(span, 0..text.len());
        let Operand::Reference { name_span, .. } = left else {
            panic!()
        };
        assert_eq!(&text[name_span], "asn");
    }

    #[test]
    fn errors_say_what_was_expected() {
        let e = parse("later.asn ==").unwrap_err();
        assert_eq!(e.span.start, 12);
        assert!(
            e.message.contains("a field, list or value"),
            "{}",
            e.message
        );
        let e = parse("a == 1 b").unwrap_err();
        assert_eq!(e.span.start, 7);
        assert!(e.message.contains("`and` or `or`"), "{}", e.message);
        let e = parse("a == \"\\q\"").unwrap_err();
        assert!(e.message.contains("unknown escape"));
        assert!(parse("").is_err());
        assert!(parse("(((a)").is_err());
    }

    #[test]
    fn long_chains_are_refused_not_overflowed() {
        let ok: Vec<String> = (0..=MAX_TERMS)
            .map(|i| format!("app_id == \"{i}\""))
            .collect();
        assert!(parse(&ok.join(" or ")).is_ok());
        // Ten times the cap: refused, pointing at the first operator past it.
        let long: Vec<String> = (0..10 * MAX_TERMS)
            .map(|i| format!("app_id == \"{i}\""))
            .collect();
        let text = long.join(" or ");
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("at most 512 terms"), "{e:?}");
        assert_eq!(&text[e.span.clone()], "or");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deep).unwrap_err().message.contains("nests deeper"));
        let nots = format!("{}a", "not ".repeat(10_000));
        assert!(parse(&nots).is_err());
        let ok = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }
}
