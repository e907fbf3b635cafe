//! Runs a parse under the nesting guard, on a thread with a roomy stack when the input nests deeply.

use crate::syntax::{Node, ParseError, Refused, MAX_DEPTH};

/// Inputs nesting at most this deep parse on the caller's stack.
const SHALLOW: usize = 24;
/// pest recurses a dozen frames per bracket level; 256 levels fit well inside this (it is only reserved).
const DEEP_STACK: usize = 256 << 20;

/// What a bracket scan found: how deep the input nests and the first bracket that does not pair up.
pub(crate) struct Scan {
    depth: Depth,
    unbalanced: Option<String>,
}

enum Depth {
    Max(usize),
    TooDeep(usize),
}

/// Follows brackets as the language scanners report them (they skip strings and comments).
pub(crate) struct BracketScanner<'t> {
    text: &'t str,
    open: Vec<(u8, usize)>,
    max: usize,
    stray: Option<String>,
}

impl<'t> BracketScanner<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        BracketScanner {
            text,
            open: Vec::new(),
            max: 0,
            stray: None,
        }
    }

    /// Returns false once the nesting limit is passed: the scan should stop there.
    pub(crate) fn open(&mut self, bracket: u8, at: usize) -> bool {
        self.open.push((bracket, at));
        self.max = self.max.max(self.open.len());
        self.open.len() <= MAX_DEPTH
    }

    pub(crate) fn close(&mut self, bracket: u8, at: usize) {
        let want = match bracket {
            b')' => b'(',
            b']' => b'[',
            _ => b'{',
        };
        match self.open.pop() {
            Some((b, _)) if b == want => {}
            Some((b, from)) if self.stray.is_none() => {
                self.stray = Some(format!(
                    "`{}` at {} does not match `{}` at {}",
                    bracket as char,
                    here(self.text, at),
                    b as char,
                    here(self.text, from)
                ));
            }
            None if self.stray.is_none() => {
                self.stray = Some(format!(
                    "`{}` at {} has no opening bracket",
                    bracket as char,
                    here(self.text, at)
                ));
            }
            _ => {}
        }
    }

    pub(crate) fn finish(self) -> Scan {
        if self.open.len() > MAX_DEPTH {
            let at = self.open.last().map_or(0, |(_, at)| *at);
            return Scan {
                depth: Depth::TooDeep(at),
                unbalanced: None,
            };
        }
        let unclosed = self.open.last().map(|(b, at)| {
            format!(
                "`{}` at {} is never closed",
                *b as char,
                here(self.text, *at)
            )
        });
        Scan {
            depth: Depth::Max(self.max),
            unbalanced: self.stray.or(unclosed),
        }
    }
}

fn here(text: &str, byte: usize) -> String {
    let (line, col) = crate::diag::line_col(text, byte);
    format!("{line}:{col}")
}

/// The hand-written parser's tree; where it found a syntax error, the pest grammar's result (the error's
/// words and position come from there).
pub(crate) fn fast_or_reference<'i>(
    text: &'i str,
    fast: Result<Node<'i>, Refused>,
    reference: impl FnOnce(&'i str) -> Result<Node<'i>, ParseError>,
) -> Result<Node<'i>, ParseError> {
    match fast {
        Ok(tree) => Ok(tree),
        Err(Refused::Syntax) => reference(text),
        Err(Refused::TooDeep(at)) => Err(too_deep(text, at)),
    }
}

/// The error for brackets nesting past the limit at byte `at`.
pub(crate) fn too_deep(text: &str, at: usize) -> ParseError {
    ParseError::at(
        text,
        at,
        format!("brackets nest deeper than {MAX_DEPTH} levels"),
    )
}

/// Parses under the nesting limit; a failure gains a note when the scan saw an unpaired bracket.
pub(crate) fn run<'i, T, F>(text: &'i str, scan: Scan, f: F) -> Result<T, ParseError>
where
    T: Send,
    F: Fn(&'i str) -> Result<T, ParseError> + Sync,
{
    let note = scan.unbalanced;
    let with_note = |e: ParseError| match &note {
        Some(n) => ParseError {
            message: format!("{} ({n})", e.message),
            ..e
        },
        None => e,
    };
    let max = match scan.depth {
        Depth::TooDeep(at) => return Err(too_deep(text, at)),
        Depth::Max(max) => max,
    };
    if max <= SHALLOW {
        return f(text).map_err(with_note);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("tokenward-parse".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, move || f(text));
        match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(ParseError::at(text, 0, "internal parser error"))),
            // No thread to be had: pest's own stack guard still turns exhaustion into an error.
            Err(_) => f(text),
        }
    })
    .map_err(with_note)
}
