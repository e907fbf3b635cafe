//! The hand-written SPL parser: stats family.

use super::*;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ stats family

    /// stats_cmd = { kw_stats ~ stats_arg+ }
    pub(super) fn stats_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        self.args_cmd(k::STATS_CMD, k::KW_STATS, pos, kw_end, Self::stats_arg)
    }

    /// tstats_cmd = { kw_tstats ~ (stats_arg | tstats_from | tstats_where)+ }
    pub(super) fn tstats_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        self.args_cmd(k::TSTATS_CMD, k::KW_TSTATS, pos, kw_end, Self::tstats_arg)
    }

    /// `kw ~ arg+`: stats_cmd and tstats_cmd. `arg+` is `arg ~ arg*`, so the whitespace after the first
    /// arg stays in the span when no second one follows.
    pub(super) fn args_cmd(
        &self,
        kind: &'static str,
        kw_kind: &'static str,
        pos: usize,
        kw_end: usize,
        arg: fn(&Self, usize) -> Option<Node<'i>>,
    ) -> Option<Node<'i>> {
        let first = arg(self, self.skip(kw_end))?;
        let mut end = self.skip(first.end);
        let mut children = list(4, [self.leaf(kw_kind, pos, kw_end), first]);
        while let Some(a) = arg(self, self.skip(end)) {
            end = a.end;
            children.push(a);
        }
        Some(self.node(kind, pos, end, children))
    }

    /// `stats_arg | tstats_from | tstats_where`
    pub(super) fn tstats_arg(&self, pos: usize) -> Option<Node<'i>> {
        if let Some(a) = self.stats_arg(pos) {
            return Some(a);
        }
        if let Some(k) = self.kw(pos, &KW_FROM) {
            return self.tstats_from(pos, k);
        }
        let k = self.kw(pos, &KW_WHERE)?;
        self.tstats_where(pos, k)
    }

    /// stats_arg = _{ option | by_clause | over_clause | macro_call | agg }
    ///
    /// "`" starts only macro_call; the others need a letter or `_`. After option, the word decides:
    /// agg_name refuses `by` and `over`, so where by_clause or over_clause fails, nothing else matches.
    pub(super) fn stats_arg(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'`' => self.macro_call(pos),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                if let Some(o) = self.option(pos) {
                    return Some(o);
                }
                let w = self.word_end(pos);
                if self.kw(pos, &KW_BY).is_some() {
                    self.by_clause(pos, w)
                } else if self.kw(pos, &KW_OVER).is_some() {
                    self.over_clause(pos, w)
                } else {
                    self.agg(pos, w)
                }
            }
            _ => None,
        }
    }

    /// agg      = { agg_name ~ ("(" ~ (agg_arg ~ ("," ~ agg_arg)*)? ~ ")")? ~ (kw_as ~ out_name)? ~ ","? }
    /// agg_name = @{ !((^"by" | ^"as" | ^"over" | ^"from" | ^"where") ~ !word_char)
    ///               ~ (ASCII_ALPHA | "_") ~ (ASCII_ALPHANUMERIC | "_")* }
    /// The caller checked the first character; `name_end` ends the run of word characters.
    pub(super) fn agg(&self, pos: usize, name_end: usize) -> Option<Node<'i>> {
        let name = &self.b[pos..name_end];
        if NOT_AGGREGATES
            .iter()
            .any(|k| name.eq_ignore_ascii_case(k.as_bytes()))
        {
            return None;
        }
        let mut children = list(4, [self.leaf(k::AGG_NAME, pos, name_end)]);
        let mut end = self.skip(name_end);
        if self.is(end, b'(') {
            let mark = children.len();
            let mut p = self.skip(end + 1);
            if let Some(a) = self.agg_arg(p) {
                p = self.skip(a.end);
                children.push(a);
                loop {
                    let at = self.skip(p);
                    if !self.is(at, b',') {
                        break;
                    }
                    match self.agg_arg(self.skip(at + 1)) {
                        Some(a) => {
                            p = a.end;
                            children.push(a);
                        }
                        None => break,
                    }
                }
            }
            let close = self.skip(p);
            if self.is(close, b')') {
                end = close + 1;
            } else {
                children.truncate(mark);
            }
        }
        end = self.skip(end);
        if let Some(k) = self.kw(end, &KW_AS) {
            if let Some(o) = self.out_name(self.skip(k)) {
                children.push(self.leaf(k::KW_AS, end, k));
                end = o.end;
                children.push(o);
            }
        }
        end = self.skip(end);
        if self.is(end, b',') {
            end += 1;
        }
        Some(self.node(k::AGG, pos, end, children))
    }

    /// agg_arg = _{ eval_call | string | field_pat } (field_pat cannot start with `"`)
    pub(super) fn agg_arg(&self, pos: usize) -> Option<Node<'i>> {
        if self.is(pos, b'"') {
            return self.string_node(pos);
        }
        if let Some(e) = self.eval_call(pos) {
            return Some(e);
        }
        self.field_pat(pos)
    }

    /// eval_call = { ^"eval" ~ "(" ~ eval_expr ~ ")" }
    pub(super) fn eval_call(&self, pos: usize) -> Option<Node<'i>> {
        if !self.b.get(pos..pos + 4)?.eq_ignore_ascii_case(b"eval") {
            return None;
        }
        let open = self.skip(pos + 4);
        if !self.is(open, b'(') {
            return None;
        }
        let e = self.nested(open, || self.eval_expr(self.skip(open + 1)))?;
        let close = self.skip(e.end);
        if !self.is(close, b')') {
            return None;
        }
        Some(self.node(k::EVAL_CALL, pos, close + 1, vec![e]))
    }

    /// out_name = _{ string | sq_field | field_pat } (field_pat cannot start with `"` or `'`)
    pub(super) fn out_name(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'"' => self.string_node(pos),
            b'\'' => self.sq_field_node(pos),
            _ => self.field_pat(pos),
        }
    }

    /// by_clause = { kw_by ~ field_list }
    pub(super) fn by_clause(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let list = self.field_list(self.skip(kw_end))?;
        let kw = self.leaf(k::KW_BY, pos, kw_end);
        Some(self.node(k::BY_CLAUSE, pos, list.end, vec![kw, list]))
    }

    /// over_clause = { kw_over ~ field_pat }
    pub(super) fn over_clause(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let f = self.field_pat(self.skip(kw_end))?;
        let kw = self.leaf(k::KW_OVER, pos, kw_end);
        Some(self.node(k::OVER_CLAUSE, pos, f.end, vec![kw, f]))
    }

    /// field_list = { by_field ~ (","? ~ (option | by_field))* }
    pub(super) fn field_list(&self, pos: usize) -> Option<Node<'i>> {
        let first = self.by_field(pos)?;
        let mut end = self.skip(first.end);
        let mut children = list(4, [first]);
        loop {
            let at = self.skip(end);
            let p = if self.is(at, b',') {
                self.skip(at + 1)
            } else {
                at
            };
            match self.option(p).or_else(|| self.by_field(p)) {
                Some(f) => {
                    end = f.end;
                    children.push(f);
                }
                None => break,
            }
        }
        Some(self.node(k::FIELD_LIST, pos, end, children))
    }

    /// by_field = _{ !(option_key ~ "=") ~ !kw_over ~ (string | field_pat) }
    /// (non-atomic: the first lookahead allows whitespace before `=`)
    pub(super) fn by_field(&self, pos: usize) -> Option<Node<'i>> {
        if let Some(k) = self.option_key(pos) {
            if self.is(self.skip(k), b'=') {
                return None;
            }
        }
        let p = self.skip(pos);
        if self.kw(p, &KW_OVER).is_some() {
            return None;
        }
        let p = self.skip(p);
        self.string_or_field_pat(p)
    }

    /// tstats_from = { kw_from ~ option_key ~ "=" ~ (string | value_word) }
    pub(super) fn tstats_from(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let key_at = self.skip(kw_end);
        let key_end = self.option_key(key_at)?;
        let eq = self.skip(key_end);
        if !self.is(eq, b'=') {
            return None;
        }
        let at = self.skip(eq + 1);
        let value = if self.is(at, b'"') {
            self.string_node(at)?
        } else {
            self.value_word(at)?
        };
        let children = vec![
            self.leaf(k::KW_FROM, pos, kw_end),
            self.leaf(k::OPTION_KEY, key_at, key_end),
            value,
        ];
        Some(self.node(k::TSTATS_FROM, pos, children[2].end, children))
    }

    /// tstats_where = { kw_where ~ t_term ~ (!kw_by ~ (kw_AND | kw_OR)? ~ t_term)* }
    pub(super) fn tstats_where(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let mut items = self.items();
        let Some(first) = self.t_term(self.skip(kw_end), &mut items) else {
            self.recycle(items);
            return None;
        };
        let mut end = self.skip(first);
        loop {
            let at = self.skip(end);
            if self.kw(at, &KW_BY).is_some() {
                break;
            }
            let mark = items.len();
            let mut p = self.skip(at);
            if let Some(k) = self.kw(p, &KW_AND) {
                items.push((self.leaf(k::KW_AND, p, k), Role::Infix(1)));
                p = k;
            } else if let Some(k) = self.kw(p, &KW_OR) {
                items.push((self.leaf(k::KW_OR, p, k), Role::Infix(2)));
                p = k;
            }
            match self.t_term(self.skip(p), &mut items) {
                Some(e) => end = e,
                None => {
                    items.truncate(mark);
                    break;
                }
            }
        }
        let mut kept = Vec::with_capacity(2);
        kept.push(self.leaf(k::KW_WHERE, pos, kw_end));
        Some(self.expr(k::TSTATS_WHERE, pos, end, kept, items, Some(1)))
    }

    /// t_term = _{ !kw_by ~ kw_NOT* ~ s_atom }
    pub(super) fn t_term(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        if self.kw(pos, &KW_BY).is_some() {
            return None;
        }
        self.s_not(self.skip(pos), items)
    }
}
