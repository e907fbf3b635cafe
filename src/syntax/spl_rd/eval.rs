//! The hand-written SPL parser: eval, where, fieldformat.

use super::*;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ eval, where, fieldformat

    /// eval_cmd        = { kw_eval ~ eval_assign ~ ("," ~ eval_assign)* }
    /// fieldformat_cmd = { kw_fieldformat ~ eval_assign ~ ("," ~ eval_assign)* }
    pub(super) fn assign_cmd(
        &self,
        kind: &'static str,
        kw_kind: &'static str,
        pos: usize,
        kw_end: usize,
    ) -> Option<Node<'i>> {
        let first = self.eval_assign(self.skip(kw_end))?;
        let mut end = self.skip(first.end);
        let mut children = list(4, [self.leaf(kw_kind, pos, kw_end), first]);
        loop {
            let at = self.skip(end);
            if !self.is(at, b',') {
                break;
            }
            match self.eval_assign(self.skip(at + 1)) {
                Some(a) => {
                    end = a.end;
                    children.push(a);
                }
                None => break,
            }
        }
        Some(self.node(kind, pos, end, children))
    }

    /// where_cmd = { kw_where ~ eval_expr }
    pub(super) fn where_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let e = self.eval_expr(self.skip(kw_end))?;
        let kw = self.leaf(k::KW_WHERE, pos, kw_end);
        Some(self.node(k::WHERE_CMD, pos, e.end, vec![kw, e]))
    }

    /// eval_assign = { eval_target ~ assign_eq ~ eval_expr }
    /// eval_target = _{ sq_field | target_name } (target_name cannot start with `'`)
    /// assign_eq   = _{ "=" ~ !"=" } (non-atomic: whitespace may come between `=` and the lookahead)
    pub(super) fn eval_assign(&self, pos: usize) -> Option<Node<'i>> {
        let target = if self.is(pos, b'\'') {
            self.sq_field_node(pos)?
        } else {
            let end = self.scan_with_templates(pos, TARGET);
            if end == pos {
                return None;
            }
            self.leaf(k::TARGET_NAME, pos, end)
        };
        let eq = self.skip(target.end);
        if !self.is(eq, b'=') {
            return None;
        }
        let at = self.skip(eq + 1);
        if self.is(at, b'=') {
            return None;
        }
        let e = self.eval_expr(at)?;
        Some(self.node(k::EVAL_ASSIGN, pos, e.end, vec![target, e]))
    }

    /// eval_expr = { e_xor }
    pub(super) fn eval_expr(&self, pos: usize) -> Option<Node<'i>> {
        let mut items = self.items();
        let Some(end) = self.e_xor(pos, &mut items) else {
            self.recycle(items);
            return None;
        };
        let kept = Vec::with_capacity(1);
        Some(self.expr(k::EVAL_EXPR, pos, end, kept, items, None))
    }

    /// `operand ~ (op ~ operand)*`: e_xor, e_or, e_and, e_add, e_mul and s_or have this shape. `op`
    /// gives the operator's kind, end and role where one matches.
    #[inline]
    pub(super) fn chain<O, Op>(
        &self,
        pos: usize,
        items: &mut Items<'i>,
        operand: O,
        op: Op,
    ) -> Option<usize>
    where
        O: Fn(&Self, usize, &mut Items<'i>) -> Option<usize>,
        Op: Fn(&Self, usize) -> Option<(&'static str, usize, Role)>,
    {
        let mut end = self.skip(operand(self, pos, items)?);
        loop {
            let at = self.skip(end);
            let Some((kind, op_end, role)) = op(self, at) else {
                return Some(end);
            };
            let mark = items.len();
            items.push((self.leaf(kind, at, op_end), role));
            match operand(self, self.skip(op_end), items) {
                Some(e) => end = e,
                None => {
                    items.truncate(mark);
                    return Some(end);
                }
            }
        }
    }

    /// e_xor = _{ e_or ~ (op_xor ~ e_or)* }
    pub(super) fn e_xor(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::e_or, |p, at| {
            p.kw(at, &OP_XOR).map(|e| (k::OP_XOR, e, Role::Infix(1)))
        })
    }

    /// e_or = _{ e_and ~ (op_or ~ e_and)* }
    pub(super) fn e_or(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::e_and, |p, at| {
            p.kw(at, &OP_OR).map(|e| (k::OP_OR, e, Role::Infix(2)))
        })
    }

    /// e_and = _{ e_not ~ (op_and ~ e_not)* }
    pub(super) fn e_and(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::e_not, |p, at| {
            p.kw(at, &OP_AND).map(|e| (k::OP_AND, e, Role::Infix(3)))
        })
    }

    /// e_not = _{ op_not* ~ e_cmp }
    pub(super) fn e_not(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        let mut end = pos;
        let mut at = pos;
        while let Some(k) = self.kw(at, &OP_NOT) {
            items.push((self.leaf(k::OP_NOT, at, k), Role::Prefix(4)));
            end = k;
            at = self.skip(k);
        }
        self.e_cmp(self.skip(end), items)
    }

    /// e_cmp = _{ e_add ~ (e_cmp_op ~ e_add | op_like ~ e_add | op_in ~ e_list)? }
    ///
    /// The three alternatives start with punctuation, `l` and `i`: at most one operator matches.
    pub(super) fn e_cmp(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        let end = self.skip(self.e_add(pos, items)?);
        let mark = items.len();
        if let Some(op) = self.e_cmp_op(end) {
            items.push((self.leaf(k::E_CMP_OP, end, op), Role::Infix(5)));
            if let Some(e) = self.e_add(self.skip(op), items) {
                return Some(e);
            }
        } else if let Some(k) = self.kw(end, &OP_LIKE) {
            items.push((self.leaf(k::OP_LIKE, end, k), Role::Infix(5)));
            if let Some(e) = self.e_add(self.skip(k), items) {
                return Some(e);
            }
        } else if let Some(k) = self.kw(end, &OP_IN) {
            items.push((self.leaf(k::OP_IN, end, k), Role::Infix(5)));
            if let Some(list) = self.e_list(self.skip(k)) {
                let e = list.end;
                items.push((list, Role::Operand));
                return Some(e);
            }
        }
        items.truncate(mark);
        Some(end)
    }

    /// e_cmp_op = @{ "==" | "!=" | "<>" | "<=" | ">=" | "=" | "<" | ">" }
    pub(super) fn e_cmp_op(&self, pos: usize) -> Option<usize> {
        let next = self.peek(pos + 1);
        match self.peek(pos)? {
            b'=' | b'!' if next == Some(b'=') => Some(pos + 2),
            b'<' if matches!(next, Some(b'>' | b'=')) => Some(pos + 2),
            b'>' if next == Some(b'=') => Some(pos + 2),
            b'=' | b'<' | b'>' => Some(pos + 1),
            _ => None,
        }
    }

    /// e_add = _{ e_mul ~ (e_add_op ~ e_mul)* }, e_add_op = @{ "+" | "-" | "." }
    pub(super) fn e_add(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::e_mul, |p, at| {
            matches!(p.peek(at), Some(b'+' | b'-' | b'.')).then_some((
                k::E_ADD_OP,
                at + 1,
                Role::Infix(6),
            ))
        })
    }

    /// e_mul = _{ e_unary ~ (e_mul_op ~ e_unary)* }, e_mul_op = @{ "*" | "/" | "%" }
    pub(super) fn e_mul(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::e_unary, |p, at| {
            matches!(p.peek(at), Some(b'*' | b'/' | b'%')).then_some((
                k::E_MUL_OP,
                at + 1,
                Role::Infix(7),
            ))
        })
    }

    /// e_unary = _{ e_sign? ~ e_primary }, e_sign = @{ "-" | "+" }
    pub(super) fn e_unary(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        let mut at = pos;
        if matches!(self.peek(pos), Some(b'-' | b'+')) {
            items.push((self.leaf(k::E_SIGN, pos, pos + 1), Role::Prefix(8)));
            at = self.skip(pos + 1);
        }
        let primary = self.e_primary(at)?;
        let end = primary.end;
        items.push((primary, Role::Operand));
        Some(end)
    }

    /// e_primary = _{ e_group | e_call | number | string | sq_field | macro_call | e_field }
    ///
    /// On the first byte: `(` starts only e_group; a letter or `_` only e_call or e_field; `@` and
    /// `<` only e_field; a digit or `.` only number; `"` only string; `'` only sq_field; "`" only
    /// macro_call.
    pub(super) fn e_primary(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'(' => self.e_group(pos),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                self.e_call(pos).or_else(|| self.e_field(pos))
            }
            b'@' | b'<' => self.e_field(pos),
            b'`' => self.macro_call(pos),
            b'0'..=b'9' | b'.' => {
                let end = self.number(pos)?;
                Some(self.leaf(k::NUMBER, pos, end))
            }
            b'"' => self.string_node(pos),
            b'\'' => self.sq_field_node(pos),
            _ => None,
        }
    }

    /// e_group = { "(" ~ eval_expr ~ ")" }
    pub(super) fn e_group(&self, pos: usize) -> Option<Node<'i>> {
        let e = self.nested(pos, || self.eval_expr(self.skip(pos + 1)))?;
        let close = self.skip(e.end);
        if !self.is(close, b')') {
            return None;
        }
        Some(self.node(k::E_GROUP, pos, close + 1, vec![e]))
    }

    /// e_list = { "(" ~ eval_expr ~ ("," ~ eval_expr)* ~ ")" }
    pub(super) fn e_list(&self, pos: usize) -> Option<Node<'i>> {
        if !self.is(pos, b'(') {
            return None;
        }
        self.nested(pos, || {
            let first = self.eval_expr(self.skip(pos + 1))?;
            let end = self.skip(first.end);
            let mut children = list(4, [first]);
            let close = self.skip(self.more_eval_exprs(end, &mut children));
            if !self.is(close, b')') {
                return None;
            }
            Some(self.node(k::E_LIST, pos, close + 1, children))
        })
    }

    /// `("," ~ eval_expr)*` after `end` (where the sequence's whitespace is already skipped): its end.
    pub(super) fn more_eval_exprs(&self, mut end: usize, children: &mut Vec<Node<'i>>) -> usize {
        loop {
            let at = self.skip(end);
            if !self.is(at, b',') {
                return end;
            }
            match self.eval_expr(self.skip(at + 1)) {
                Some(e) => {
                    end = e.end;
                    children.push(e);
                }
                None => return end,
            }
        }
    }

    /// e_call = { fn_name ~ "(" ~ (eval_expr ~ ("," ~ eval_expr)*)? ~ ")" }
    /// fn_name = @{ (ASCII_ALPHA | "_") ~ (ASCII_ALPHANUMERIC | "_")* } (the caller checked the first)
    pub(super) fn e_call(&self, pos: usize) -> Option<Node<'i>> {
        let name_end = self.word_end(pos + 1);
        let open = self.skip(name_end);
        if !self.is(open, b'(') {
            return None;
        }
        self.nested(open, || {
            let mut children = list(4, [self.leaf(k::FN_NAME, pos, name_end)]);
            let mut end = self.skip(open + 1);
            if let Some(e) = self.eval_expr(end) {
                end = self.skip(e.end);
                children.push(e);
                end = self.more_eval_exprs(end, &mut children);
            }
            let close = self.skip(end);
            if !self.is(close, b')') {
                return None;
            }
            Some(self.node(k::E_CALL, pos, close + 1, children))
        })
    }

    /// e_field = @{ !((^"and" | ^"or" | ^"not" | ^"xor" | ^"like" | ^"in") ~ !field_char)
    ///              ~ (template | ASCII_ALPHA | "_" | "@") ~ (template | field_char)* }
    /// (the caller checked that the first character is a letter, `_`, `@` or `<`). No keyword is a
    /// prefix of another, so the lookahead fails exactly when the run of field characters at `pos`
    /// is one of them.
    pub(super) fn e_field(&self, pos: usize) -> Option<Node<'i>> {
        let plain = self.scan_ascii(pos, FIELD_CHAR);
        if EVAL_OPERATORS
            .iter()
            .any(|k| self.b[pos..plain].eq_ignore_ascii_case(k.as_bytes()))
        {
            return None;
        }
        let end = self.scan_with_templates(pos, FIELD_CHAR);
        (end > pos).then(|| self.leaf(k::E_FIELD, pos, end))
    }

    /// `(template | class)+` over an ASCII class (target_name, and e_field after its first
    /// character, whose classes differ only in characters e_field's caller has already checked):
    /// its end. template = _{ "<<" ~ (ASCII_ALPHANUMERIC | "_")+ ~ ">>" }
    pub(super) fn scan_with_templates(&self, mut i: usize, class: u16) -> usize {
        loop {
            let next = self.scan_ascii(i, class);
            if next > i {
                i = next;
                continue;
            }
            match self.template_end(i) {
                Some(e) => i = e,
                None => return i,
            }
        }
    }

    /// template at `i`: its end.
    pub(super) fn template_end(&self, i: usize) -> Option<usize> {
        if !(self.is(i, b'<') && self.is(i + 1, b'<')) {
            return None;
        }
        let body = self.scan_ascii(i + 2, WORD);
        (body > i + 2 && self.is(body, b'>') && self.is(body + 1, b'>')).then_some(body + 2)
    }

    /// number = @{ (ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? | "." ~ ASCII_DIGIT+)
    ///             ~ (("e" | "E") ~ ("+" | "-")? ~ ASCII_DIGIT+)? ~ !(ASCII_ALPHA | "_") }: its end.
    pub(super) fn number(&self, pos: usize) -> Option<usize> {
        let digit = |i| self.peek(i).is_some_and(|c: u8| c.is_ascii_digit());
        let digits = |mut i| {
            while digit(i) {
                i += 1;
            }
            i
        };
        let mut i = if digit(pos) {
            let i = digits(pos);
            if self.is(i, b'.') && digit(i + 1) {
                digits(i + 1)
            } else {
                i
            }
        } else if self.is(pos, b'.') && digit(pos + 1) {
            digits(pos + 1)
        } else {
            return None;
        };
        if matches!(self.peek(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(self.peek(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if digit(j) {
                i = digits(j);
            }
        }
        if self
            .peek(i)
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        {
            return None;
        }
        Some(i)
    }
}
