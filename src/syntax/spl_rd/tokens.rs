//! The hand-written SPL parser: subsearches and macros, tokens.

use super::*;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ subsearches and macros

    /// subsearch = { "[" ~ pipeline ~ "]" }
    pub(super) fn subsearch(&self, pos: usize) -> Option<Node<'i>> {
        let p = self.nested(pos, || self.pipeline(self.skip(pos + 1)))?;
        let close = self.skip(p.end);
        if !self.is(close, b']') {
            return None;
        }
        Some(self.node(k::SUBSEARCH, pos, close + 1, vec![p]))
    }

    /// macro_call = ${ "`" ~ macro_name ~ ("(" ~ macro_args ~ ")")? ~ "`" }
    /// macro_name = @{ (ASCII_ALPHANUMERIC | "_" | "-" | "." | ":")+ }
    pub(super) fn macro_call(&self, pos: usize) -> Option<Node<'i>> {
        if !self.is(pos, b'`') {
            return None;
        }
        let name_end = self.scan_ascii(pos + 1, MACRO_NAME);
        if name_end == pos + 1 {
            return None;
        }
        let mut children = list(2, [self.leaf(k::MACRO_NAME, pos + 1, name_end)]);
        let mut end = name_end;
        if self.is(end, b'(') {
            let args = self.macro_args(end + 1);
            if self.is(args.end, b')') {
                end = args.end + 1;
                children.push(args);
            }
        }
        if !self.is(end, b'`') {
            return None;
        }
        Some(self.node(k::MACRO_CALL, pos, end + 1, children))
    }

    /// macro_args = ${ macro_ws ~ (macro_arg ~ macro_ws ~ ("," ~ macro_ws ~ macro_arg ~ macro_ws)*)? }
    /// (compound-atomic: no implicit whitespace; always matches)
    pub(super) fn macro_args(&self, pos: usize) -> Node<'i> {
        let mut end = self.macro_ws(pos);
        let mut args = Vec::with_capacity(4);
        if let Some(e) = self.macro_arg(end) {
            args.push(self.leaf(k::MACRO_ARG, end, e));
            end = self.macro_ws(e);
            while self.is(end, b',') {
                let at = self.macro_ws(end + 1);
                match self.macro_arg(at) {
                    Some(e) => {
                        args.push(self.leaf(k::MACRO_ARG, at, e));
                        end = self.macro_ws(e);
                    }
                    None => break,
                }
            }
        }
        self.node(k::MACRO_ARGS, pos, end, args)
    }

    /// macro_ws = _{ (" " | "\t" | "\r" | "\n")* }
    pub(super) fn macro_ws(&self, mut i: usize) -> usize {
        while matches!(self.peek(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            i += 1;
        }
        i
    }

    /// macro_arg = @{ (string_raw | !("," | "(" | ")" | "`" | "\"") ~ ANY)+ }: its end.
    pub(super) fn macro_arg(&self, pos: usize) -> Option<usize> {
        let mut i = pos;
        loop {
            match self.peek(i) {
                None | Some(b',' | b'(' | b')' | b'`') => break,
                Some(b'"') => match self.string(i) {
                    Some(e) => i = e,
                    None => break,
                },
                // Byte by byte: the excluded characters never occur inside a multi-byte character.
                Some(_) => i += 1,
            }
        }
        (i > pos).then_some(i)
    }

    // ------------------------------------------------------------ tokens

    /// `string | field_pat` (field_pat cannot start with `"`)
    pub(super) fn string_or_field_pat(&self, pos: usize) -> Option<Node<'i>> {
        if self.is(pos, b'"') {
            self.string_node(pos)
        } else {
            self.field_pat(pos)
        }
    }

    /// field_pat = @{ ("\\" ~ ANY | field_pat_char)+ }
    pub(super) fn field_pat(&self, pos: usize) -> Option<Node<'i>> {
        let end = self.scan_escaped(pos, FIELD_PAT);
        (end > pos).then(|| self.leaf(k::FIELD_PAT, pos, end))
    }

    /// string = @{ string_raw }
    pub(super) fn string_node(&self, pos: usize) -> Option<Node<'i>> {
        let end = self.string(pos)?;
        Some(self.leaf(k::STRING, pos, end))
    }

    /// string_raw = _{ "\"" ~ (dq_plain | "\\" ~ ANY)* ~ "\"" }: its end. dq_plain is any character
    /// but `"` and `\`.
    pub(super) fn string(&self, pos: usize) -> Option<usize> {
        self.quoted(pos, b'"')
    }

    /// sq_field = @{ "'" ~ (sq_plain | "\\" ~ ANY)* ~ "'" } (sq_plain: any character but `'` and `\`)
    pub(super) fn sq_field_node(&self, pos: usize) -> Option<Node<'i>> {
        let end = self.quoted(pos, b'\'')?;
        Some(self.leaf(k::SQ_FIELD, pos, end))
    }

    /// `q ~ (plain | "\\" ~ ANY)* ~ q` where plain is anything but `q` and `\`: its end. A backslash
    /// at the end of the input matches neither, so the closing quote is missing.
    pub(super) fn quoted(&self, pos: usize, q: u8) -> Option<usize> {
        if !self.is(pos, q) {
            return None;
        }
        let mut i = pos + 1;
        loop {
            let c = self.peek(i)?;
            if c == q {
                return Some(i + 1);
            }
            if c == b'\\' {
                i += 1 + utf8_len(self.peek(i + 1)?);
            } else {
                i += 1;
            }
        }
    }
}
