//! The hand-written KQL parser: literals.

use super::*;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ literals

    pub(super) fn literal(&mut self) -> bool {
        self.typed_literal()
            || self.dynamic_lit()
            || self.string_lit()
            || self.timespan()
            || self.real()
            || self.long()
            || self.bool_lit()
    }

    pub(super) fn typed_literal(&mut self) -> bool {
        let rest = &self.b[self.pos..];
        let Some(w) = TYPED_LITERAL
            .iter()
            .find(|w| rest.starts_with(w.as_bytes()))
        else {
            return false;
        };
        let mut i = self.pos + w.len();
        if self.b.get(i) != Some(&b'(') {
            return false;
        }
        i += 1;
        while let Some(&c) = self.b.get(i) {
            match c {
                b')' => return self.leaf(k::TYPED_LITERAL, Some(i + 1)),
                b'\n' | b'\r' => return false,
                _ => i += 1,
            }
        }
        false
    }

    pub(super) fn dynamic_lit(&mut self) -> bool {
        if self.peek() != b'd' {
            return false;
        }
        self.node(k::DYNAMIC_LIT, |p| {
            seq!(p;
                p.kw(&t::KW_DYNAMIC),
                p.open(b'('),
                p.json_top(),
                p.close(b')'),
            )
        })
    }

    pub(super) fn json_top(&mut self) -> bool {
        self.json_array()
            || self.json_object()
            || self.json_null()
            || self.typed_literal()
            || self.string_lit()
            || self.timespan()
            || self.real()
            || self.long()
            || self.bool_lit()
    }

    pub(super) fn json_value(&mut self) -> bool {
        self.json_array()
            || self.json_object()
            || self.json_null()
            || self.typed_literal()
            || self.string_lit()
            || self.json_number()
            || self.bool_lit()
    }

    pub(super) fn json_array(&mut self) -> bool {
        if self.peek() != b'[' {
            return false;
        }
        self.node(k::JSON_ARRAY, |p| {
            seq!(p;
                p.open(b'['),
                p.opt(|p| p.comma_list(|p| p.json_value())),
                p.close(b']'),
            )
        })
    }

    pub(super) fn json_object(&mut self) -> bool {
        if self.peek() != b'{' {
            return false;
        }
        self.node(k::JSON_OBJECT, |p| {
            seq!(p;
                p.open(b'{'),
                p.opt(|p| p.comma_list(|p| p.json_member())),
                p.close(b'}'),
            )
        })
    }

    pub(super) fn json_member(&mut self) -> bool {
        self.node(
            k::JSON_MEMBER,
            |p| seq!(p; p.string_lit(), p.lit(b":"), p.json_value()),
        )
    }

    pub(super) fn json_null(&mut self) -> bool {
        self.kw_any(k::JSON_NULL, &["null"])
    }

    pub(super) fn json_number(&mut self) -> bool {
        // ${ sign? ~ (timespan | real | long) }: compound-atomic, no whitespace after the sign.
        self.node(k::JSON_NUMBER, |p| {
            p.opt(|p| p.sign());
            p.timespan() || p.real() || p.long()
        })
    }

    pub(super) fn string_lit(&mut self) -> bool {
        if !matches!(self.peek(), b'"' | b'\'' | b'@' | b'`' | b'~' | b'h' | b'H') {
            return false;
        }
        self.node(
            k::STRING_LIT,
            |p| seq!(p; p.string_part(), p.star(|p| p.string_part())),
        )
    }

    pub(super) fn string_part(&mut self) -> bool {
        let end = self.string_part_end();
        self.leaf(k::STRING_PART, end)
    }

    pub(super) fn string_part_end(&self) -> Option<usize> {
        let b = self.b;
        let mut i = self.pos;
        if b[i..].starts_with(b"```") || b[i..].starts_with(b"~~~") {
            let fence = &b[i..i + 3];
            let body = i + 3;
            return (body..b.len().saturating_sub(2))
                .find(|&j| &b[j..j + 3] == fence)
                .map(|j| j + 3);
        }
        if matches!(b.get(i), Some(b'h' | b'H')) {
            i += 1;
        }
        match b.get(i)? {
            b'@' => {
                let q = *b.get(i + 1)?;
                if q != b'"' && q != b'\'' {
                    return None;
                }
                let mut j = i + 2;
                loop {
                    match *b.get(j)? {
                        c if c == q => {
                            if b.get(j + 1) == Some(&q) {
                                j += 2;
                            } else {
                                return Some(j + 1);
                            }
                        }
                        b'\n' | b'\r' => return None,
                        _ => j += 1,
                    }
                }
            }
            &q @ (b'"' | b'\'') => {
                let mut j = i + 1;
                loop {
                    match *b.get(j)? {
                        c if c == q => return Some(j + 1),
                        b'\n' | b'\r' => return None,
                        b'\\' => j = escape_end(b, j + 1)?,
                        _ => j += 1,
                    }
                }
            }
            _ => None,
        }
    }

    /// `@{ digits ~ ("." ~ digits)? ~ ts_unit ~ !ident_char }`: the unit is the rest of the word.
    pub(super) fn timespan_end(&self) -> Option<usize> {
        self.timespan_end_at(self.pos)
    }

    pub(super) fn timespan_end_at(&self, at: usize) -> Option<usize> {
        let b = self.b;
        let mut i = at;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == at {
            return None;
        }
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        let end = self.ident_run(i);
        TS_UNITS.contains(&&self.src[i..end]).then_some(end)
    }

    pub(super) fn timespan(&mut self) -> bool {
        let end = self.timespan_end();
        self.leaf(k::TIMESPAN, end)
    }

    /// `@{ digits ~ ("." ~ !"." ~ digits* ~ exponent? | exponent) ~ !ident_char }`
    pub(super) fn real_end(&self) -> Option<usize> {
        self.real_end_at(self.pos)
    }

    pub(super) fn real_end_at(&self, at: usize) -> Option<usize> {
        let b = self.b;
        let mut i = at;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == at {
            return None;
        }
        if b.get(i) == Some(&b'.') && b.get(i + 1) != Some(&b'.') {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if let Some(e) = exponent_end(b, i) {
                i = e;
            }
        } else {
            i = exponent_end(b, i)?;
        }
        self.ident_char_at(i).is_none().then_some(i)
    }

    pub(super) fn real(&mut self) -> bool {
        let end = self.real_end();
        self.leaf(k::REAL, end)
    }

    pub(super) fn long(&mut self) -> bool {
        // @{ ("0x" | "0X") ~ hex+ ~ !ident_char | digits ~ !ident_char }
        let b = self.b;
        let p = self.pos;
        let mut end = None;
        if b.get(p) == Some(&b'0') && matches!(b.get(p + 1), Some(b'x' | b'X')) {
            let mut i = p + 2;
            while b.get(i).is_some_and(u8::is_ascii_hexdigit) {
                i += 1;
            }
            if i > p + 2 && self.ident_char_at(i).is_none() {
                end = Some(i);
            }
        }
        if end.is_none() {
            let mut i = p;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i > p && self.ident_char_at(i).is_none() {
                end = Some(i);
            }
        }
        self.leaf(k::LONG, end)
    }

    pub(super) fn bool_lit(&mut self) -> bool {
        if !matches!(self.peek(), b't' | b'f' | b'T' | b'F') {
            return false;
        }
        self.word_in(k::BOOL_LIT, BOOLS)
    }
}
