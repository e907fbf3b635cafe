//! The one error type both parsers return, with pest's failures turned into words.

use std::fmt;

use pest::error::{ErrorVariant, InputLocation};
use pest::RuleType;

/// A syntax error: 1-based line and column (in characters) and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    /// Byte offset of the error in the parsed text.
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    pub(crate) fn at(text: &str, byte: usize, message: impl Into<String>) -> Self {
        let (line, col) = crate::diag::line_col(text, byte);
        ParseError {
            line,
            col,
            offset: byte.min(text.len()),
            message: message.into(),
        }
    }

    /// Turns a pest failure into words; `describe` names a rule for people (None hides it).
    pub(crate) fn from_pest<R: RuleType>(
        text: &str,
        err: &pest::error::Error<R>,
        describe: fn(R) -> Option<&'static str>,
    ) -> Self {
        let byte = match err.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
        let found = found_at(text, byte);
        let message = match &err.variant {
            ErrorVariant::ParsingError { positives, .. } => {
                let mut names: Vec<&str> = Vec::new();
                for name in positives.iter().filter_map(|r| describe(*r)) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                // A name is an expression too; saying both reads as two different things.
                if names.contains(&"an expression") {
                    names.retain(|n| *n != "a name");
                }
                if names.is_empty() {
                    format!("unexpected {found}")
                } else {
                    format!("expected {}, found {found}", join_or(&names))
                }
            }
            // pest's own limits ("stack limit reached", "call limit reached").
            ErrorVariant::CustomError { message } => {
                format!("input too complex to parse: {message}")
            }
        };
        ParseError::at(text, byte, message)
    }
}

/// A short quote of what sits at `byte`, for "found …".
fn found_at(text: &str, byte: usize) -> String {
    let rest = text.get(byte..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return "end of input".to_string();
    };
    if first == '\n' || first == '\r' {
        return "end of line".to_string();
    }
    if first == '"' || first == '\'' {
        return format!("an unterminated or malformed string starting with {first}");
    }
    let word: String = if first.is_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .take(24)
            .collect()
    } else {
        first.to_string()
    };
    format!("`{}`", word.escape_debug())
}

fn join_or(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
