//! The hand-written KQL parser: assignments and declarations, names.

use super::*;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ assignments and declarations

    pub(super) fn assign_list(&mut self) -> bool {
        self.node(k::ASSIGN_LIST, |p| p.comma_list(|p| p.assign()))
    }

    pub(super) fn assign(&mut self) -> bool {
        self.node(k::ASSIGN, |p| {
            (p.peek() == b'(' && p.attempt(|p| seq!(p; p.tuple_decl(), p.assign_eq(), p.expr())))
                || p.attempt(|p| seq!(p; p.decl_name(), p.assign_eq(), p.expr()))
                || p.expr()
        })
    }

    pub(super) fn tuple_decl(&mut self) -> bool {
        self.node(
            k::TUPLE_DECL,
            |p| seq!(p; p.open(b'('), p.comma_list(|p| p.decl_name()), p.close(b')')),
        )
    }

    /// `"=" ~ !("=" | "~" | ">")`: the lookahead comes after pest's whitespace skip.
    pub(super) fn assign_eq(&mut self) -> bool {
        self.attempt(|p| {
            p.lit(b"=") && {
                p.skip();
                !matches!(p.peek(), b'=' | b'~' | b'>')
            }
        })
    }

    pub(super) fn col_decl(&mut self) -> bool {
        self.node(
            k::COL_DECL,
            |p| seq!(p; p.decl_name(), p.lit(b":"), p.type_name()),
        )
    }

    pub(super) fn type_name(&mut self) -> bool {
        self.word_in(k::TYPE_NAME, TYPE_NAMES)
    }

    pub(super) fn name_patterns(&mut self) -> bool {
        self.node(k::NAME_PATTERNS, |p| p.comma_list(|p| p.name_pattern()))
    }

    pub(super) fn name_pattern(&mut self) -> bool {
        self.bracket_name() || self.wild_name()
    }

    pub(super) fn wild_name(&mut self) -> bool {
        // @{ !(reserved_name ~ !"*") ~ !dashed_kw ~ (ident_char | "*")+ }
        let w = self.word();
        if self.reserved(RESERVED_NAME) && self.b.get(self.pos + w.len()) != Some(&b'*') {
            return false;
        }
        if self.b.get(self.pos + w.len()) == Some(&b'-') && self.dashed_kw_at(self.pos) {
            return false;
        }
        let end = self.ident_or_star_run(self.pos);
        self.leaf(k::WILD_NAME, (end > self.pos).then_some(end))
    }

    // ------------------------------------------------------------ names

    /// End of an `ident` starting at `i`.
    pub(super) fn ident_end(&self, i: usize) -> Option<usize> {
        let c = self.char_at(i)?;
        if c == '$' || c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && LETTER(c)) {
            let end = self.ident_run(i + c.len_utf8());
            // `!dashed_kw`: every dashed keyword is a word, then `-`.
            if self.b.get(end) == Some(&b'-') && self.dashed_kw_at(i) {
                return None;
            }
            return Some(end);
        }
        if c.is_ascii_digit() {
            // `!(timespan | real)`: `1e3` and `1d` are numbers, `1dx` is a name.
            if self.timespan_end_at(i).is_some() || self.real_end_at(i).is_some() {
                return None;
            }
            let mut j = i;
            while self.b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            let c = self.char_at(j)?;
            if c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && LETTER(c)) {
                return Some(self.ident_run(j + c.len_utf8()));
            }
        }
        None
    }

    pub(super) fn ident(&mut self) -> bool {
        let end = self.ident_end(self.pos);
        self.leaf(k::IDENT, end)
    }

    pub(super) fn bracket_name(&mut self) -> bool {
        if self.peek() != b'[' {
            return false;
        }
        self.node(
            k::BRACKET_NAME,
            |p| seq!(p; p.open(b'['), p.string_lit(), p.close(b']')),
        )
    }

    pub(super) fn name_ref(&mut self) -> bool {
        if self.reserved(RESERVED_NAME) {
            return false;
        }
        let end = self.ident_end(self.pos);
        self.leaf(k::NAME_REF, end)
    }

    pub(super) fn call_name(&mut self) -> bool {
        if self.reserved(RESERVED_CALL) {
            return false;
        }
        let end = self.ident_end(self.pos);
        self.leaf(k::CALL_NAME, end)
    }

    pub(super) fn decl_name(&mut self) -> bool {
        self.node(k::DECL_NAME, |p| p.bracket_name() || p.decl_ident())
    }

    pub(super) fn decl_ident(&mut self) -> bool {
        if self.reserved(RESERVED_DECL) {
            return false;
        }
        let end = self.ident_end(self.pos);
        self.leaf(k::DECL_IDENT, end)
    }

    pub(super) fn let_name(&mut self) -> bool {
        self.node(k::LET_NAME, |p| p.bracket_name() || p.let_ident())
    }

    pub(super) fn let_ident(&mut self) -> bool {
        if self.reserved(RESERVED_NAME) || self.reserved(RESERVED_DECL) {
            return false;
        }
        let end = self.ident_end(self.pos);
        self.leaf(k::LET_IDENT, end)
    }
}
