//! The hand-written KQL parser: scalar expressions.

use super::*;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ scalar expressions

    /// `expr` and its silent precedence levels; the flat children are folded as tree.rs folds them.
    pub(super) fn expr(&mut self) -> bool {
        let (start, mark, depth) = (self.pos, self.out.len(), self.depth);
        let ok = seq!(self;
            self.and_expr(),
            self.star(|p| seq!(p; p.kw(&t::KW_OR), p.and_expr())),
        );
        if !ok {
            self.pos = start;
            self.out.truncate(mark);
            self.depth = depth;
            return false;
        }
        let items: Vec<(Node<'i>, Role)> = self
            .out
            .drain(mark..)
            .map(|n| {
                let role = role(n.kind);
                (n, role)
            })
            .collect();
        let children = match fold(self.src, items, None) {
            Ok(folded) => vec![folded],
            Err(flat) => flat,
        };
        self.out.push(Node {
            kind: k::EXPR,
            text: &self.src[start..self.pos],
            start,
            end: self.pos,
            children,
        });
        true
    }

    pub(super) fn and_expr(&mut self) -> bool {
        seq!(self;
            self.eq_expr(),
            self.star(|p| seq!(p; p.kw(&t::KW_AND), p.eq_expr())),
        )
    }

    pub(super) fn eq_expr(&mut self) -> bool {
        seq!(self;
            self.rel_expr(),
            self.opt(|p| {
                p.attempt(|p| seq!(p; p.eq_op(), p.rel_expr()))
                    || p.attempt(|p| seq!(p; p.list_op(), p.expr_list()))
                    || p.attempt(|p| seq!(p; p.between_op(), p.between_range()))
            }),
        )
    }

    pub(super) fn rel_expr(&mut self) -> bool {
        seq!(self;
            self.str_expr(),
            self.opt(|p| seq!(p; p.rel_op(), p.str_expr())),
        )
    }

    pub(super) fn str_expr(&mut self) -> bool {
        seq!(self;
            self.colon_expr(),
            self.opt(|p| seq!(p; p.str_op(), p.colon_expr())),
        )
    }

    pub(super) fn colon_expr(&mut self) -> bool {
        seq!(self;
            self.add_expr(),
            self.opt(|p| seq!(p; p.leaf_byte(k::COLON_OP, b':'), p.add_expr())),
        )
    }

    pub(super) fn add_expr(&mut self) -> bool {
        seq!(self;
            self.mul_expr(),
            self.star(|p| seq!(p; p.add_op(), p.mul_expr())),
        )
    }

    pub(super) fn mul_expr(&mut self) -> bool {
        seq!(self;
            self.unary(),
            self.star(|p| seq!(p; p.mul_op(), p.unary())),
        )
    }

    pub(super) fn unary(&mut self) -> bool {
        if self.peek() == b'*' {
            return self.star_operand();
        }
        self.attempt(|p| {
            seq!(p;
                p.opt(|p| p.sign()),
                p.primary(),
                p.star(|p| p.postfix_op()),
            )
        })
    }

    /// `star ~ &("==" | str_op | colon_op)`. No alternative of `sign? ~ primary` starts with `*`.
    pub(super) fn star_operand(&mut self) -> bool {
        self.attempt(|p| {
            p.star_node() && {
                let (at, mark) = (p.pos, p.out.len());
                p.skip();
                let ok = p.b[p.pos..].starts_with(b"==") || p.str_op() || p.lit(b":");
                p.out.truncate(mark);
                p.pos = at;
                ok
            }
        })
    }

    /// postfix_op = _{ member | dot_index | index }, dot_index = _{ "." ~ index }
    pub(super) fn postfix_op(&mut self) -> bool {
        self.member() || self.attempt(|p| seq!(p; p.lit(b"."), p.index())) || self.index()
    }

    pub(super) fn table_ref(&mut self) -> bool {
        self.node(k::TABLE_REF, |p| {
            seq!(p;
                p.datatable_op()
                    || p.externaldata_op()
                    || p.call()
                    || p.bracket_name()
                    || p.name_ref(),
                p.star(|p| p.postfix_op()),
            )
        })
    }

    pub(super) fn expr_list(&mut self) -> bool {
        self.node(
            k::EXPR_LIST,
            |p| seq!(p; p.open(b'('), p.comma_list(|p| p.pipe_expr()), p.close(b')')),
        )
    }

    pub(super) fn between_range(&mut self) -> bool {
        self.node(
            k::BETWEEN_RANGE,
            |p| seq!(p; p.open(b'('), p.expr(), p.lit(b".."), p.expr(), p.close(b')')),
        )
    }

    pub(super) fn leaf_byte(&mut self, kind: &'static str, c: u8) -> bool {
        let ok = self.peek() == c && self.pos < self.b.len();
        self.leaf(kind, ok.then_some(self.pos + 1))
    }

    pub(super) fn eq_op(&mut self) -> bool {
        let ok = matches!(
            &self.b[self.pos..],
            [b'=' | b'!', b'=', ..] | [b'<', b'>', ..]
        );
        self.leaf(k::EQ_OP, ok.then_some(self.pos + 2))
    }

    pub(super) fn rel_op(&mut self) -> bool {
        let end = match &self.b[self.pos..] {
            [b'<' | b'>', b'=', ..] => Some(self.pos + 2),
            [b'<' | b'>', ..] => Some(self.pos + 1),
            _ => None,
        };
        self.leaf(k::REL_OP, end)
    }

    pub(super) fn add_op(&mut self) -> bool {
        let ok = matches!(self.peek(), b'+' | b'-');
        self.leaf(k::ADD_OP, ok.then_some(self.pos + 1))
    }

    pub(super) fn mul_op(&mut self) -> bool {
        let ok = matches!(self.peek(), b'*' | b'/' | b'%');
        self.leaf(k::MUL_OP, ok.then_some(self.pos + 1))
    }

    pub(super) fn sign(&mut self) -> bool {
        let ok = matches!(self.peek(), b'+' | b'-');
        self.leaf(k::SIGN, ok.then_some(self.pos + 1))
    }

    pub(super) fn list_op(&mut self) -> bool {
        // @{ "!in~" | "in~" | ("!in" | "in" | "has_any" | "has_all") ~ !ident_char }
        let rest = &self.b[self.pos..];
        let end = match LIST_OPS_TILDE
            .iter()
            .find(|w| rest.starts_with(w.as_bytes()))
        {
            Some(w) => Some(self.pos + w.len()),
            None => LIST_OPS
                .iter()
                .find(|w| rest.starts_with(w.as_bytes()))
                .map(|w| self.pos + w.len())
                .filter(|&e| self.ident_char_at(e).is_none()),
        };
        self.leaf(k::LIST_OP, end)
    }

    pub(super) fn between_op(&mut self) -> bool {
        self.kw_any(k::BETWEEN_OP, BETWEEN_OPS)
    }

    pub(super) fn str_op(&mut self) -> bool {
        // "=~" | "!~" | (the spaced words | the other words) ~ !ident_char, in the tables' order: the
        // first word that matches is the one tried; a space stands for `ws_char+`.
        let rest = &self.b[self.pos..];
        if rest.starts_with(b"=~") || rest.starts_with(b"!~") {
            return self.leaf(k::STR_OP, Some(self.pos + 2));
        }
        if !STR_OP_FIRST[usize::from(self.peek())] {
            return false;
        }
        let spaced = STR_OPS
            .iter()
            .filter(|w| w.contains(' '))
            .find_map(|w| self.spaced_word_end(w));
        let end = spaced.or_else(|| {
            STR_OPS
                .iter()
                .filter(|w| !w.contains(' '))
                .find(|w| rest.starts_with(w.as_bytes()))
                .map(|w| self.pos + w.len())
        });
        let end = end.filter(|&e| self.ident_char_at(e).is_none());
        self.leaf(k::STR_OP, end)
    }

    /// `"a" ~ ws_char+ ~ "b"` for the word `a b` at the current position: its end.
    pub(super) fn spaced_word_end(&self, w: &str) -> Option<usize> {
        let mut i = self.pos;
        for (n, part) in w.split(' ').enumerate() {
            if n > 0 {
                let start = i;
                while let Some(next) = self.ws_char_at(i) {
                    i = next;
                }
                if i == start {
                    return None;
                }
            }
            if !self.b[i..].starts_with(part.as_bytes()) {
                return None;
            }
            i += part.len();
        }
        Some(i)
    }

    /// One `ws_char` at `i` (not a comment).
    pub(super) fn ws_char_at(&self, i: usize) -> Option<usize> {
        match *self.b.get(i)? {
            c if c < 0x80 => ASCII_WS[usize::from(c)].then_some(i + 1),
            _ => self.uni_ws_at(i),
        }
    }

    pub(super) fn member(&mut self) -> bool {
        if self.peek() != b'.' {
            return false;
        }
        self.node(k::MEMBER, |p| {
            seq!(p;
                p.lit(b"."),
                p.call() || p.bracket_name() || p.member_name(),
            )
        })
    }

    pub(super) fn member_name(&mut self) -> bool {
        // @{ !(timespan | real | reserved_name | bool_lit) ~ ident }
        if self.timespan_end().is_some()
            || self.real_end().is_some()
            || self.reserved(RESERVED_NAME)
            || BOOLS.contains(&self.word())
        {
            return false;
        }
        let end = self.ident_end(self.pos);
        self.leaf(k::MEMBER_NAME, end)
    }

    pub(super) fn index(&mut self) -> bool {
        if self.peek() != b'[' {
            return false;
        }
        self.node(k::INDEX, |p| seq!(p; p.open(b'['), p.expr(), p.close(b']')))
    }

    /// The grammar's `primary` alternatives in order, skipping those that cannot start with the
    /// current byte.
    pub(super) fn primary(&mut self) -> bool {
        match self.peek() {
            b'(' => self.paren_expr(),
            b'[' => self.bracket_name() || self.bracket_expr(),
            b'"' | b'\'' | b'@' | b'`' | b'~' => self.string_lit(),
            b'0'..=b'9' => {
                self.timespan() || self.real() || self.long() || self.call() || self.name_ref()
            }
            _ => {
                self.typed_literal()
                    || self.dynamic_lit()
                    || self.string_lit()
                    || self.bool_lit()
                    || self.datatable_op()
                    || self.externaldata_op()
                    || self.typeof_expr()
                    || self.call()
                    || self.name_ref()
            }
        }
    }

    pub(super) fn typeof_expr(&mut self) -> bool {
        if self.peek() != b't' {
            return false;
        }
        self.node(k::TYPEOF_EXPR, |p| {
            seq!(p;
                p.kw(&t::KW_TYPEOF),
                p.open(b'('),
                p.type_name() || p.name_ref(),
                p.close(b')'),
            )
        })
    }

    pub(super) fn bracket_expr(&mut self) -> bool {
        self.node(
            k::BRACKET_EXPR,
            |p| seq!(p; p.open(b'['), p.expr(), p.close(b']')),
        )
    }

    pub(super) fn paren_expr(&mut self) -> bool {
        if self.peek() != b'(' {
            return false;
        }
        self.node(
            k::PAREN_EXPR,
            |p| seq!(p; p.open(b'('), p.pipe_expr(), p.close(b')')),
        )
    }

    pub(super) fn call(&mut self) -> bool {
        self.node(k::CALL, |p| {
            p.toscalar()
                || seq!(p;
                    p.call_name(),
                    p.open(b'('),
                    p.opt(|p| p.comma_list(|p| p.arg())),
                    p.close(b')'),
                )
        })
    }

    pub(super) fn toscalar(&mut self) -> bool {
        if self.peek() != b't' {
            return false;
        }
        self.node(k::TOSCALAR, |p| {
            seq!(p;
                p.kw(&t::KW_TOSCALAR),
                p.open(b'('),
                p.pipe_expr(),
                p.close(b')'),
            )
        })
    }

    pub(super) fn arg(&mut self) -> bool {
        self.named_arg() || self.expr() || self.star_node()
    }

    pub(super) fn named_arg(&mut self) -> bool {
        self.node(
            k::NAMED_ARG,
            |p| seq!(p; p.decl_name(), p.assign_eq(), p.expr()),
        )
    }

    pub(super) fn star_node(&mut self) -> bool {
        self.leaf_byte(k::STAR, b'*')
    }
}
