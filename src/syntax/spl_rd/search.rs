//! The hand-written SPL parser: pipeline, search terms.

use super::*;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ pipeline

    /// spl = { SOI ~ pipeline? ~ EOI } (EOI is hidden in the tree)
    pub(super) fn spl(&self) -> Option<Node<'i>> {
        let start = self.skip(0);
        let mut children = Vec::new();
        let mut end = start;
        if let Some(p) = self.pipeline(start) {
            end = p.end;
            children.push(p);
        }
        if self.skip(end) != self.b.len() {
            return None;
        }
        Some(self.node(k::SPL, 0, self.b.len(), children))
    }

    /// pipeline = { (pipe ~ command | search_cmd | base_search) ~ (pipe ~ command)* }
    ///
    /// At `|` only the first alternative can match (no search term starts with `|`); where `search`
    /// is the keyword, base_search fails by its `!kw_search`, so only search_cmd can match.
    pub(super) fn pipeline(&self, pos: usize) -> Option<Node<'i>> {
        let first = if self.is(pos, b'|') {
            self.command(self.skip(pos + 1))?
        } else if let Some(k) = self.kw(pos, &KW_SEARCH) {
            self.search_cmd(pos, k)?
        } else {
            self.base_search(pos)?
        };
        let mut end = self.skip(first.end);
        let mut children = list(8, [first]);
        loop {
            let at = self.skip(end);
            if !self.is(at, b'|') {
                break;
            }
            match self.command(self.skip(at + 1)) {
                Some(c) => {
                    end = c.end;
                    children.push(c);
                }
                None => break,
            }
        }
        Some(self.node(k::PIPELINE, pos, end, children))
    }

    /// command = _{ macro_cmd | eval_cmd | where_cmd | fieldformat_cmd | search_cmd | tstats_cmd
    ///            | stats_cmd | rename_cmd | lookup_cmd | foreach_cmd | generic_cmd }
    ///
    /// The alternatives start with "`" or with distinct keywords, and generic_cmd refuses all of those
    /// keywords (`!special_cmd`) and needs a letter; so the word at `pos` picks the one that can match.
    pub(super) fn command(&self, pos: usize) -> Option<Node<'i>> {
        if self.is(pos, b'`') {
            // macro_cmd = { macro_call }
            let m = self.macro_call(pos)?;
            return Some(self.node(k::MACRO_CMD, pos, m.end, vec![m]));
        }
        let w = self.word_end(pos);
        match special(&self.b[pos..w]) {
            Some(Special::Eval) => self.assign_cmd(k::EVAL_CMD, k::KW_EVAL, pos, w),
            Some(Special::Fieldformat) => {
                self.assign_cmd(k::FIELDFORMAT_CMD, k::KW_FIELDFORMAT, pos, w)
            }
            Some(Special::Where) => self.where_cmd(pos, w),
            Some(Special::Search) => self.search_cmd(pos, w),
            Some(Special::Tstats) => self.tstats_cmd(pos, w),
            Some(Special::Stats) => self.stats_cmd(pos, w),
            Some(Special::Rename) => self.rename_cmd(pos, w),
            Some(Special::Lookup) => self.lookup_cmd(pos, w),
            Some(Special::Foreach) => self.foreach_cmd(pos, w),
            None => self.generic_cmd(pos),
        }
    }

    // ------------------------------------------------------------ search terms

    /// base_search = { !kw_search ~ search_expr } (the caller checked `!kw_search`)
    pub(super) fn base_search(&self, pos: usize) -> Option<Node<'i>> {
        let e = self.search_expr(self.skip(pos))?;
        Some(self.node(k::BASE_SEARCH, pos, e.end, vec![e]))
    }

    /// search_cmd = { kw_search ~ search_expr } (the caller matched kw_search, up to `kw_end`)
    pub(super) fn search_cmd(&self, pos: usize, kw_end: usize) -> Option<Node<'i>> {
        let e = self.search_expr(self.skip(kw_end))?;
        let kw = self.leaf(k::KW_SEARCH, pos, kw_end);
        Some(self.node(k::SEARCH_CMD, pos, e.end, vec![kw, e]))
    }

    /// search_expr = { s_and }
    pub(super) fn search_expr(&self, pos: usize) -> Option<Node<'i>> {
        let mut items = self.items();
        let Some(end) = self.s_and(pos, &mut items) else {
            self.recycle(items);
            return None;
        };
        let kept = Vec::with_capacity(1);
        Some(self.expr(k::SEARCH_EXPR, pos, end, kept, items, Some(1)))
    }

    /// s_and = _{ s_or ~ (kw_AND? ~ s_or)* }
    pub(super) fn s_and(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        let mut end = self.skip(self.s_or(pos, items)?);
        loop {
            let at = self.skip(end);
            let mark = items.len();
            let mut p = at;
            if let Some(k) = self.kw(at, &KW_AND) {
                items.push((self.leaf(k::KW_AND, at, k), Role::Infix(1)));
                p = self.skip(k);
            }
            match self.s_or(p, items) {
                Some(e) => end = e,
                None => {
                    items.truncate(mark);
                    return Some(end);
                }
            }
        }
    }

    /// s_or = _{ s_not ~ (kw_OR ~ s_not)* }
    pub(super) fn s_or(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        self.chain(pos, items, Self::s_not, |p, at| {
            p.kw(at, &KW_OR).map(|e| (k::KW_OR, e, Role::Infix(2)))
        })
    }

    /// s_not = _{ kw_NOT* ~ s_atom }
    pub(super) fn s_not(&self, pos: usize, items: &mut Items<'i>) -> Option<usize> {
        let at = self.skip(self.nots(pos, items, Role::Prefix(3)));
        let atom = self.s_atom(at)?;
        let end = atom.end;
        items.push((atom, Role::Operand));
        Some(end)
    }

    /// `kw_NOT*` from `pos`, pushed as prefix operators: the end of the repetition.
    pub(super) fn nots(&self, pos: usize, items: &mut Items<'i>, role: Role) -> usize {
        let mut end = pos;
        let mut at = pos;
        while let Some(k) = self.kw(at, &KW_NOT) {
            items.push((self.leaf(k::KW_NOT, at, k), role));
            end = k;
            at = self.skip(k);
        }
        end
    }

    /// s_atom = _{ s_group | subsearch | directive | field_in | field_cmp | macro_call | string | s_word }
    ///
    /// On the first byte: `(`, `[` and "`" start only s_group, subsearch and macro_call (no name, word
    /// or string contains them); `"` starts a string, which is also the s_field of field_in and
    /// field_cmp; anything else can only start a directive, an s_name (field_in, field_cmp) or an s_word.
    pub(super) fn s_atom(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'(' => self.s_group(pos),
            b'[' => self.subsearch(pos),
            b'`' => self.macro_call(pos),
            b'"' => {
                let end = self.string(pos)?;
                self.field_in_or_cmp(pos, self.leaf(k::STRING, pos, end))
                    .or_else(|| Some(self.leaf(k::STRING, pos, end)))
            }
            c => {
                if c == b'T' || c == b'C' {
                    if let Some(d) = self.directive(pos) {
                        return Some(d);
                    }
                }
                let name_end = self.s_name(pos);
                if name_end > pos {
                    let name = self.leaf(k::S_NAME, pos, name_end);
                    if let Some(n) = self.field_in_or_cmp(pos, name) {
                        return Some(n);
                    }
                }
                self.s_word(pos)
            }
        }
    }

    /// s_group = { "(" ~ search_expr? ~ ")" }
    pub(super) fn s_group(&self, pos: usize) -> Option<Node<'i>> {
        let inner = self.skip(pos + 1);
        let e = self.nested(pos, || Some(self.search_expr(inner)))?;
        let close = self.skip(e.as_ref().map_or(inner, |e| e.end));
        if !self.is(close, b')') {
            return None;
        }
        Some(self.node(k::S_GROUP, pos, close + 1, e.into_iter().collect()))
    }

    /// field_in  = { s_field ~ kw_IN ~ "(" ~ (in_value ~ (","? ~ in_value)*)? ~ ")" }
    /// field_cmp = { s_field ~ s_cmp ~ s_value }
    /// s_field   = { string | s_name }
    ///
    /// Both start with the s_field `field` (a string or s_name node at `pos`), parsed once. Where kw_IN
    /// matches, s_cmp cannot (it starts with punctuation), so a failed field_in is a failed field_cmp.
    pub(super) fn field_in_or_cmp(&self, pos: usize, field: Node<'i>) -> Option<Node<'i>> {
        let field_end = field.end;
        let at = self.skip(field_end);
        let s_field = |field| self.node(k::S_FIELD, pos, field_end, vec![field]);
        if let Some(k) = self.kw(at, &KW_IN) {
            let open = self.skip(k);
            if !self.is(open, b'(') {
                return None;
            }
            let mut children = list(6, [s_field(field), self.leaf(k::KW_IN, at, k)]);
            let mut end = self.skip(open + 1);
            if let Some(v) = self.in_value(end) {
                end = self.skip(v.end);
                children.push(v);
                loop {
                    let at = self.skip(end);
                    let p = if self.is(at, b',') {
                        self.skip(at + 1)
                    } else {
                        at
                    };
                    match self.in_value(p) {
                        Some(v) => {
                            end = v.end;
                            children.push(v);
                        }
                        None => break,
                    }
                }
            }
            let close = self.skip(end);
            if !self.is(close, b')') {
                return None;
            }
            return Some(self.node(k::FIELD_IN, pos, close + 1, children));
        }
        let cmp_end = self.s_cmp(at)?;
        let value = self.s_value(self.skip(cmp_end))?;
        let end = value.end;
        let children = vec![s_field(field), self.leaf(k::S_CMP, at, cmp_end), value];
        Some(self.node(k::FIELD_CMP, pos, end, children))
    }

    /// s_cmp = @{ "!=" | "<=" | ">=" | "::" | "=" | "<" | ">" }
    pub(super) fn s_cmp(&self, pos: usize) -> Option<usize> {
        let two = |c| self.is(pos + 1, c);
        match self.peek(pos)? {
            b'!' if two(b'=') => Some(pos + 2),
            b'<' | b'>' if two(b'=') => Some(pos + 2),
            b':' if two(b':') => Some(pos + 2),
            b'=' | b'<' | b'>' => Some(pos + 1),
            _ => None,
        }
    }

    /// in_value = _{ string | macro_call | value_word } (value_word cannot start with `"` or "`")
    pub(super) fn in_value(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'"' => self.string_node(pos),
            b'`' => self.macro_call(pos),
            _ => self.value_word(pos),
        }
    }

    /// s_value = _{ string | macro_call | subsearch | value_word } (value_word cannot start with `"`,
    /// "`" or `[`)
    pub(super) fn s_value(&self, pos: usize) -> Option<Node<'i>> {
        match self.peek(pos)? {
            b'"' => self.string_node(pos),
            b'`' => self.macro_call(pos),
            b'[' => self.subsearch(pos),
            _ => self.value_word(pos),
        }
    }

    /// s_name = @{ (!("!=" | "::") ~ s_name_char)+ }: its end (`pos` when it does not match).
    pub(super) fn s_name(&self, pos: usize) -> usize {
        let mut i = pos;
        while let Some(c) = self.peek(i) {
            if (c == b'!' && self.is(i + 1, b'=')) || (c == b':' && self.is(i + 1, b':')) {
                break;
            }
            if !has(c, S_NAME) || (c >= 0x80 && self.uni_space(i)) {
                break;
            }
            i += 1;
        }
        i
    }

    /// value_word = @{ ("\\" ~ ANY | value_char)+ }
    pub(super) fn value_word(&self, pos: usize) -> Option<Node<'i>> {
        let end = self.scan_escaped(pos, VALUE);
        (end > pos).then(|| self.leaf(k::VALUE_WORD, pos, end))
    }

    /// s_word = @{ !(("AND" | "OR" | "NOT") ~ !s_name_char) ~ ("\\" ~ ANY | s_word_char)+ }
    pub(super) fn s_word(&self, pos: usize) -> Option<Node<'i>> {
        for kw in SEARCH_OPERATORS {
            if self.b[pos..].starts_with(kw.as_bytes()) && !self.class_at(pos + kw.len(), S_NAME) {
                return None;
            }
        }
        let end = self.scan_escaped(pos, S_WORD);
        (end > pos).then(|| self.leaf(k::S_WORD, pos, end))
    }

    /// directive = ${ ("TERM" | "CASE") ~ "(" ~ directive_body ~ ")" }
    /// directive_body = @{ (string_raw | !(")" | "\"") ~ ANY)* }
    pub(super) fn directive(&self, pos: usize) -> Option<Node<'i>> {
        let head = self.b.get(pos..pos + 5)?;
        if head != b"TERM(" && head != b"CASE(" {
            return None;
        }
        let from = pos + 5;
        let mut i = from;
        loop {
            match self.peek(i) {
                None | Some(b')') => break,
                Some(b'"') => match self.string(i) {
                    Some(e) => i = e,
                    None => break,
                },
                // Byte by byte: `)` and `"` never occur inside a multi-byte character.
                Some(_) => i += 1,
            }
        }
        if !self.is(i, b')') {
            return None;
        }
        let body = self.leaf(k::DIRECTIVE_BODY, from, i);
        Some(self.node(k::DIRECTIVE, pos, i + 1, vec![body]))
    }
}
