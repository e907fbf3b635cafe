//! The hand-written SPL parser: rename, lookup, foreach, generic commands.

use super::*;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ rename, lookup

    /// rename_cmd = { kw_rename ~ rename_pair ~ (","? ~ rename_pair)* }
    pub(super) fn rename_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let first = self.rename_pair(self.skip(kw_end))?;
        let mut end = self.skip(first.end);
        let mut children = list(4, [self.leaf(k::KW_RENAME, pos, kw_end), first]);
        loop {
            let at = self.skip(end);
            let p = if self.is(at, b',') {
                self.skip(at + 1)
            } else {
                at
            };
            match self.rename_pair(p) {
                Some(r) => {
                    end = r.end;
                    children.push(r);
                }
                None => break,
            }
        }
        Some(self.node(k::RENAME_CMD, pos, end, children))
    }

    /// rename_pair = { (string | field_pat) ~ kw_as ~ (string | field_pat) }
    pub(super) fn rename_pair(&self, pos: usize) -> Option<Node<'i>> {
        let from = self.string_or_field_pat(pos)?;
        let at = self.skip(from.end);
        let k = self.kw(at, &KW_AS)?;
        let to = self.string_or_field_pat(self.skip(k))?;
        let end = to.end;
        let children = vec![from, self.leaf(k::KW_AS, at, k), to];
        Some(self.node(k::RENAME_PAIR, pos, end, children))
    }

    /// lookup_cmd = { kw_lookup ~ option* ~ lookup_table ~ lookup_field+ ~ (kw_output ~ lookup_field+)? }
    /// lookup_table = { field_pat }
    pub(super) fn lookup_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let mut children = list(8, [self.leaf(k::KW_LOOKUP, pos, kw_end)]);
        let mut end = self.skip(kw_end);
        if let Some(o) = self.option(end) {
            end = o.end;
            children.push(o);
            while let Some(o) = self.option(self.skip(end)) {
                end = o.end;
                children.push(o);
            }
        }
        let table_at = self.skip(end);
        let table = self.field_pat(table_at)?;
        let table_end = table.end;
        children.push(self.node(k::LOOKUP_TABLE, table_at, table_end, vec![table]));
        end = self.lookup_fields(self.skip(table_end), &mut children)?;
        end = self.skip(end);
        if let Some(k) = self.kw_output(end) {
            let mark = children.len();
            children.push(self.leaf(k::KW_OUTPUT, end, k));
            match self.lookup_fields(self.skip(k), &mut children) {
                Some(e) => end = e,
                None => children.truncate(mark),
            }
        }
        Some(self.node(k::LOOKUP_CMD, pos, end, children))
    }

    /// kw_output = @{ (^"outputnew" | ^"output") ~ !word_char }
    pub(super) fn kw_output(&self, pos: usize) -> Option<usize> {
        self.kw(pos, &KW_OUTPUT)
    }

    /// `lookup_field+` (that is `lookup_field ~ lookup_field*`) at `pos`: its end.
    pub(super) fn lookup_fields(&self, pos: usize, children: &mut Vec<Node<'i>>) -> Option<usize> {
        let first = self.lookup_field(pos)?;
        let mut end = self.skip(first.end);
        children.push(first);
        while let Some(f) = self.lookup_field(self.skip(end)) {
            end = f.end;
            children.push(f);
        }
        Some(end)
    }

    /// lookup_field = { !kw_output ~ (string | field_pat) ~ (kw_as ~ (string | field_pat))? ~ ","? }
    pub(super) fn lookup_field(&self, pos: usize) -> Option<Node<'i>> {
        if self.kw_output(pos).is_some() {
            return None;
        }
        let first = self.string_or_field_pat(self.skip(pos))?;
        let mut end = self.skip(first.end);
        let mut children = list(3, [first]);
        if let Some(k) = self.kw(end, &KW_AS) {
            if let Some(to) = self.string_or_field_pat(self.skip(k)) {
                children.push(self.leaf(k::KW_AS, end, k));
                end = to.end;
                children.push(to);
            }
        }
        end = self.skip(end);
        if self.is(end, b',') {
            end += 1;
        }
        Some(self.node(k::LOOKUP_FIELD, pos, end, children))
    }

    // ------------------------------------------------------------ foreach

    /// foreach_cmd = { kw_foreach ~ (option | string | field_pat)* ~ foreach_body }
    pub(super) fn foreach_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let mut children = list(4, [self.leaf(k::KW_FOREACH, pos, kw_end)]);
        let mut at = self.skip(kw_end);
        loop {
            // `[` starts none of the arguments; a string starts with `"`, which neither an option
            // nor a field_pat does.
            let arg = if self.is(at, b'"') {
                self.string_node(at)
            } else {
                self.option(at).or_else(|| self.field_pat(at))
            };
            match arg {
                Some(a) => {
                    at = self.skip(a.end);
                    children.push(a);
                }
                None => break,
            }
        }
        let body = self.foreach_body(at)?;
        let end = body.end;
        children.push(body);
        Some(self.node(k::FOREACH_CMD, pos, end, children))
    }

    /// foreach_body = { "[" ~ pipe? ~ command ~ (pipe ~ command)* ~ "]" }
    pub(super) fn foreach_body(&self, pos: usize) -> Option<Node<'i>> {
        if !self.is(pos, b'[') {
            return None;
        }
        self.nested(pos, || {
            let mut at = self.skip(pos + 1);
            if self.is(at, b'|') {
                at = self.skip(at + 1);
            }
            let first = self.command(at)?;
            let mut end = first.end;
            let mut children = list(2, [first]);
            loop {
                let bar = self.skip(end);
                if !self.is(bar, b'|') {
                    break;
                }
                match self.command(self.skip(bar + 1)) {
                    Some(c) => {
                        end = c.end;
                        children.push(c);
                    }
                    None => break,
                }
            }
            let close = self.skip(end);
            if !self.is(close, b']') {
                return None;
            }
            Some(self.node(k::FOREACH_BODY, pos, close + 1, children))
        })
    }

    // ------------------------------------------------------------ generic commands

    /// generic_cmd = { !special_cmd ~ cmd_name ~ g_arg* } (the caller checked `!special_cmd`)
    /// cmd_name    = @{ ASCII_ALPHA ~ (ASCII_ALPHANUMERIC | "_" | "-")* }
    pub(super) fn generic_cmd(&self, pos: usize) -> Option<Node<'i>> {
        let at = self.skip(pos);
        if !self.peek(at).is_some_and(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let name_end = self.scan_ascii(at + 1, CMD);
        let mut children = list(8, [self.leaf(k::CMD_NAME, at, name_end)]);
        let end = self.g_args(self.skip(name_end), &mut children);
        Some(self.node(k::GENERIC_CMD, pos, end, children))
    }

    /// `g_arg*` at `pos`: its end (`pos` when there is none).
    pub(super) fn g_args(&self, pos: usize, children: &mut Vec<Node<'i>>) -> usize {
        let mut end = pos;
        let mut at = pos;
        while let Some(a) = self.g_arg(at) {
            end = a.end;
            children.push(a);
            at = self.skip(end);
        }
        end
    }

    /// g_arg = _{ subsearch | macro_call | option | g_group | string | g_op | g_comma | g_word }
    ///
    /// On the first byte: `[`, "`", `(`, `"`, `,` start only subsearch, macro_call, g_group, string
    /// and g_comma; `=`, `<`, `>` only g_op; `!` g_op before `=`, else g_word; a letter or `_` an
    /// option, else g_word; anything else only g_word.
    pub(super) fn g_arg(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'[' => self.subsearch(pos),
            b'`' => self.macro_call(pos),
            b'(' => self.g_group(pos),
            b'"' => self.string_node(pos),
            b',' => Some(self.leaf(k::G_COMMA, pos, pos + 1)),
            c @ (b'!' | b'=' | b'<' | b'>') => {
                // g_op = @{ "!=" | "==" | "<=" | ">=" | "=" | "<" | ">" }
                if self.is(pos + 1, b'=') {
                    Some(self.leaf(k::G_OP, pos, pos + 2))
                } else if c == b'!' {
                    self.g_word(pos)
                } else {
                    Some(self.leaf(k::G_OP, pos, pos + 1))
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                self.option(pos).or_else(|| self.g_word(pos))
            }
            _ => self.g_word(pos),
        }
    }

    /// g_group = { "(" ~ g_arg* ~ ")" }
    pub(super) fn g_group(&self, pos: usize) -> Option<Node<'i>> {
        let mut children = Vec::with_capacity(4);
        let end = self.nested(pos, || Some(self.g_args(self.skip(pos + 1), &mut children)))?;
        let close = self.skip(end);
        if !self.is(close, b')') {
            return None;
        }
        Some(self.node(k::G_GROUP, pos, close + 1, children))
    }

    /// g_word = @{ ("\\" ~ ANY | g_word_char | "!" ~ !"=")+ }
    pub(super) fn g_word(&self, pos: usize) -> Option<Node<'i>> {
        let mut i = pos;
        while let Some(c) = self.peek(i) {
            if c == b'\\' {
                i += 1;
                if let Some(n) = self.peek(i) {
                    i += utf8_len(n);
                }
            } else if c == b'!' {
                if self.is(i + 1, b'=') {
                    break;
                }
                i += 1;
            } else if has(c, G_WORD) && (c < 0x80 || !self.uni_space(i)) {
                i += 1;
            } else {
                break;
            }
        }
        (i > pos).then(|| self.leaf(k::G_WORD, pos, i))
    }

    /// option = { option_key ~ "=" ~ option_value }
    /// option_value = _{ string | macro_call | value_word } (value_word cannot start with `"` or "`")
    pub(super) fn option(&self, pos: usize) -> Option<Node<'i>> {
        let key_end = self.option_key(pos)?;
        let eq = self.skip(key_end);
        if !self.is(eq, b'=') {
            return None;
        }
        let value = self.in_value(self.skip(eq + 1))?;
        let end = value.end;
        let children = vec![self.leaf(k::OPTION_KEY, pos, key_end), value];
        Some(self.node(k::OPTION, pos, end, children))
    }

    /// option_key = @{ (ASCII_ALPHA | "_") ~ (ASCII_ALPHANUMERIC | "_" | "." | "-")* }: its end.
    pub(super) fn option_key(&self, pos: usize) -> Option<usize> {
        let c = self.peek(pos)?;
        (c.is_ascii_alphabetic() || c == b'_').then(|| self.scan_ascii(pos + 1, OPTION_KEY))
    }
}
