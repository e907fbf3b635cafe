//! The hand-written KQL parser: pipes and the relational operators (where … parse-kv).

use super::*;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ pipes

    pub(super) fn pipe_expr(&mut self) -> bool {
        self.node(
            k::PIPE_EXPR,
            |p| seq!(p; p.pipe_head(), p.star(|p| seq!(p; p.lit(b"|"), p.tab_op()))),
        )
    }

    pub(super) fn pipe_head(&mut self) -> bool {
        // print_op | range_op | union_op | search_op | evaluate_op each start with their keyword.
        let source_op = match self.peek() {
            b'p' => self.print_op(),
            b'r' => self.range_op(),
            b'u' => self.union_op(),
            b's' => self.search_op(),
            b'e' => self.evaluate_op(),
            _ => false,
        };
        source_op || self.expr()
    }

    pub(super) fn subquery(&mut self) -> bool {
        self.node(
            k::SUBQUERY,
            |p| seq!(p; p.tab_op(), p.star(|p| seq!(p; p.lit(b"|"), p.tab_op()))),
        )
    }

    /// The grammar's ordered list of operators; each starts with its keyword, so only the operators
    /// whose keyword starts with the current letter can match, and they are tried in the grammar's order.
    pub(super) fn tab_op(&mut self) -> bool {
        match self.peek() {
            b'w' => self.where_op(),
            b'f' => self.where_op() || self.facet_op() || self.fork_op(),
            b'e' => self.extend_op() || self.evaluate_op(),
            b'p' => {
                self.project_away_op()
                    || self.project_keep_op()
                    || self.project_rename_op()
                    || self.project_reorder_op()
                    || self.project_op()
                    || self.parse_kv_op()
                    || self.parse_op()
                    || self.partition_op()
            }
            b's' => {
                self.summarize_op()
                    || self.sort_op()
                    || self.serialize_op()
                    || self.scan_op()
                    || self.search_op()
                    || self.sample_distinct_op()
                    || self.sample_op()
            }
            b'j' => self.join_op(),
            b'l' => self.lookup_op() || self.take_op(),
            b'u' => self.union_op(),
            b'm' => self.mv_expand_op() || self.mv_apply_op() || self.make_series_op(),
            b't' => {
                self.top_nested_op() || self.top_hitters_op() || self.top_op() || self.take_op()
            }
            b'o' => self.sort_op(),
            b'd' => self.distinct_op(),
            b'c' => self.count_op() || self.consume_op(),
            b'a' => self.as_op(),
            b'i' => self.invoke_op(),
            b'r' => self.render_op() || self.reduce_op(),
            b'g' => self.getschema_op(),
            _ => false,
        }
    }

    pub(super) fn where_op(&mut self) -> bool {
        self.node(k::WHERE_OP, |p| {
            seq!(p;
                p.kw(&t::KW_WHERE) || p.kw(&t::KW_FILTER),
                p.attempt(|p| seq!(p; p.decl_name(), p.assign_eq(), p.expr())) || p.expr(),
            )
        })
    }

    pub(super) fn extend_op(&mut self) -> bool {
        self.node(
            k::EXTEND_OP,
            |p| seq!(p; p.kw(&t::KW_EXTEND), p.assign_list()),
        )
    }

    pub(super) fn project_op(&mut self) -> bool {
        self.node(
            k::PROJECT_OP,
            |p| seq!(p; p.kw(&t::KW_PROJECT), p.opt(|p| p.assign_list())),
        )
    }

    pub(super) fn project_away_op(&mut self) -> bool {
        self.node(
            k::PROJECT_AWAY_OP,
            |p| seq!(p; p.kw(&t::KW_PROJECT_AWAY), p.name_patterns()),
        )
    }

    pub(super) fn project_keep_op(&mut self) -> bool {
        self.node(
            k::PROJECT_KEEP_OP,
            |p| seq!(p; p.kw(&t::KW_PROJECT_KEEP), p.name_patterns()),
        )
    }

    pub(super) fn project_rename_op(&mut self) -> bool {
        self.node(k::PROJECT_RENAME_OP, |p| {
            seq!(p;
                p.kw(&t::KW_PROJECT_RENAME),
                p.comma_list(|p| p.rename()),
            )
        })
    }

    pub(super) fn rename(&mut self) -> bool {
        self.node(
            k::RENAME,
            |p| seq!(p; p.decl_name(), p.assign_eq(), p.name_ref()),
        )
    }

    pub(super) fn project_reorder_op(&mut self) -> bool {
        self.node(k::PROJECT_REORDER_OP, |p| {
            seq!(p;
                p.kw(&t::KW_PROJECT_REORDER),
                p.comma_list(|p| p.reorder_key()),
            )
        })
    }

    pub(super) fn reorder_key(&mut self) -> bool {
        self.node(k::REORDER_KEY, |p| {
            seq!(p;
                p.name_pattern(),
                p.opt(|p| {
                    p.kw(&t::KW_GRANNY_ASC)
                        || p.kw(&t::KW_GRANNY_DESC)
                        || p.kw(&t::KW_ASC)
                        || p.kw(&t::KW_DESC)
                }),
            )
        })
    }

    pub(super) fn summarize_op(&mut self) -> bool {
        self.node(k::SUMMARIZE_OP, |p| {
            seq!(p;
                p.kw(&t::KW_SUMMARIZE),
                p.star(|p| p.op_param()),
                p.opt(|p| p.assign_list()),
                p.opt(|p| p.by_clause()),
            )
        })
    }

    pub(super) fn by_clause(&mut self) -> bool {
        self.node(k::BY_CLAUSE, |p| seq!(p; p.kw(&t::KW_BY), p.assign_list()))
    }

    pub(super) fn join_op(&mut self) -> bool {
        self.node(k::JOIN_OP, |p| {
            seq!(p;
                p.kw(&t::KW_JOIN),
                p.star(|p| p.op_param()),
                p.join_right(),
                p.opt(|p| p.join_on() || p.join_where()),
            )
        })
    }

    pub(super) fn join_where(&mut self) -> bool {
        self.node(k::JOIN_WHERE, |p| seq!(p; p.kw(&t::KW_WHERE), p.expr()))
    }

    pub(super) fn lookup_op(&mut self) -> bool {
        self.node(k::LOOKUP_OP, |p| {
            seq!(p;
                p.kw(&t::KW_LOOKUP),
                p.star(|p| p.op_param()),
                p.join_right(),
                p.opt(|p| p.join_on()),
            )
        })
    }

    pub(super) fn join_right(&mut self) -> bool {
        self.paren_expr() || self.table_ref()
    }

    pub(super) fn join_on(&mut self) -> bool {
        self.node(
            k::JOIN_ON,
            |p| seq!(p; p.kw(&t::KW_ON), p.comma_list(|p| p.expr())),
        )
    }

    pub(super) fn union_op(&mut self) -> bool {
        self.node(k::UNION_OP, |p| {
            seq!(p;
                p.kw(&t::KW_UNION),
                p.star(|p| p.op_param()),
                p.comma_list(|p| p.union_operand()),
            )
        })
    }

    pub(super) fn union_operand(&mut self) -> bool {
        self.paren_expr() || self.wild_table() || self.table_ref()
    }

    pub(super) fn wild_table(&mut self) -> bool {
        // @{ ident_char* ~ "*" ~ (ident_char | "*")* }
        let i = self.ident_run(self.pos);
        if self.b.get(i) != Some(&b'*') {
            return false;
        }
        let end = self.ident_or_star_run(i);
        self.leaf(k::WILD_TABLE, Some(end))
    }

    pub(super) fn ident_or_star_run(&self, mut i: usize) -> usize {
        loop {
            if let Some(next) = self.ident_char_at(i) {
                i = next;
            } else if self.b.get(i) == Some(&b'*') {
                i += 1;
            } else {
                return i;
            }
        }
    }

    pub(super) fn mv_expand_op(&mut self) -> bool {
        self.node(k::MV_EXPAND_OP, |p| {
            seq!(p;
                p.kw(&t::KW_MV_EXPAND),
                p.star(|p| p.op_param()),
                p.comma_list(|p| p.mv_item()),
                p.opt(|p| p.mv_limit()),
            )
        })
    }

    pub(super) fn mv_apply_op(&mut self) -> bool {
        self.node(k::MV_APPLY_OP, |p| {
            seq!(p;
                p.kw(&t::KW_MV_APPLY),
                p.star(|p| p.op_param()),
                p.comma_list(|p| p.mv_item()),
                p.opt(|p| p.mv_limit()),
                p.kw(&t::KW_ON),
                p.open(b'('),
                p.subquery(),
                p.close(b')'),
            )
        })
    }

    pub(super) fn mv_item(&mut self) -> bool {
        self.node(k::MV_ITEM, |p| {
            seq!(p;
                p.opt(|p| seq!(p; p.decl_name(), p.assign_eq())),
                p.expr(),
                p.opt(|p| {
                    seq!(p;
                        p.kw(&t::KW_TO),
                        p.kw(&t::KW_TYPEOF),
                        p.open(b'('),
                        p.opt(|p| p.type_name() || p.name_ref()),
                        p.close(b')'),
                    )
                }),
            )
        })
    }

    pub(super) fn mv_limit(&mut self) -> bool {
        self.node(k::MV_LIMIT, |p| seq!(p; p.kw(&t::KW_LIMIT), p.expr()))
    }

    pub(super) fn parse_op(&mut self) -> bool {
        self.node(k::PARSE_OP, |p| {
            seq!(p;
                p.kw(&t::KW_PARSE_WHERE) || p.kw(&t::KW_PARSE),
                p.star(|p| p.op_param()),
                p.expr(),
                p.kw(&t::KW_WITH),
                p.parse_pattern(),
            )
        })
    }

    pub(super) fn parse_pattern(&mut self) -> bool {
        self.node(k::PARSE_PATTERN, |p| {
            p.plus(|p| p.star_node() || p.string_lit() || p.parse_column())
        })
    }

    pub(super) fn parse_column(&mut self) -> bool {
        self.node(
            k::PARSE_COLUMN,
            |p| seq!(p; p.decl_name(), p.opt(|p| seq!(p; p.lit(b":"), p.type_name()))),
        )
    }

    pub(super) fn parse_kv_op(&mut self) -> bool {
        self.node(k::PARSE_KV_OP, |p| {
            seq!(p;
                p.kw(&t::KW_PARSE_KV),
                p.expr(),
                p.kw(&t::KW_AS),
                p.open(b'('),
                p.comma_list(|p| p.col_decl()),
                p.opt(|p| p.lit(b",")),
                p.close(b')'),
                p.opt(|p| {
                    seq!(p;
                        p.kw(&t::KW_WITH),
                        p.open(b'('),
                        p.comma_list(|p| p.kv_prop()),
                        p.close(b')'),
                    )
                }),
            )
        })
    }

    pub(super) fn kv_prop(&mut self) -> bool {
        self.node(
            k::KV_PROP,
            |p| seq!(p; p.word_in(k::KV_PROP_NAME, KV_PROPS), p.assign_eq(), p.expr()),
        )
    }
}
