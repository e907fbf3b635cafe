//! The hand-written KQL parser: the other tabular operators (top … scan, search), the source
//! operators (print, range, datatable, externaldata) and operator parameters.

use super::*;

impl<'i> Parser<'i> {
    pub(super) fn top_op(&mut self) -> bool {
        self.node(
            k::TOP_OP,
            |p| seq!(p; p.kw(&t::KW_TOP), p.expr(), p.kw(&t::KW_BY), p.sort_key()),
        )
    }

    pub(super) fn top_hitters_op(&mut self) -> bool {
        self.node(k::TOP_HITTERS_OP, |p| {
            seq!(p;
                p.kw(&t::KW_TOP_HITTERS),
                p.expr(),
                p.kw(&t::KW_OF),
                p.expr(),
                p.opt(|p| seq!(p; p.kw(&t::KW_BY), p.expr())),
            )
        })
    }

    pub(super) fn top_nested_op(&mut self) -> bool {
        self.node(k::TOP_NESTED_OP, |p| p.comma_list(|p| p.top_nested()))
    }

    pub(super) fn top_nested(&mut self) -> bool {
        self.node(k::TOP_NESTED, |p| {
            seq!(p;
                p.kw(&t::KW_TOP_NESTED),
                p.opt(|p| p.expr()),
                p.kw(&t::KW_OF),
                p.assign(),
                p.opt(|p| {
                    seq!(p;
                        p.kw(&t::KW_WITH),
                        p.kw(&t::KW_OTHERS),
                        p.assign_eq(),
                        p.expr(),
                    )
                }),
                p.kw(&t::KW_BY),
                p.assign(),
                p.opt(|p| p.kw(&t::KW_ASC) || p.kw(&t::KW_DESC)),
            )
        })
    }

    pub(super) fn sort_op(&mut self) -> bool {
        self.node(k::SORT_OP, |p| {
            seq!(p;
                p.kw(&t::KW_SORT) || p.kw(&t::KW_ORDER),
                p.star(|p| p.op_param()),
                p.kw(&t::KW_BY),
                p.comma_list(|p| p.sort_key()),
            )
        })
    }

    pub(super) fn sort_key(&mut self) -> bool {
        self.node(k::SORT_KEY, |p| {
            seq!(p;
                p.expr(),
                p.opt(|p| p.kw(&t::KW_ASC) || p.kw(&t::KW_DESC)),
                p.opt(|p| {
                    seq!(p;
                        p.kw(&t::KW_NULLS),
                        p.kw(&t::KW_FIRST) || p.kw(&t::KW_LAST),
                    )
                }),
            )
        })
    }

    pub(super) fn distinct_op(&mut self) -> bool {
        self.node(k::DISTINCT_OP, |p| {
            seq!(p;
                p.kw(&t::KW_DISTINCT),
                p.star(|p| p.op_param()),
                p.star_node() || p.assign_list(),
            )
        })
    }

    pub(super) fn take_op(&mut self) -> bool {
        self.node(k::TAKE_OP, |p| {
            seq!(p;
                p.kw(&t::KW_TAKE) || p.kw(&t::KW_LIMIT),
                p.expr(),
            )
        })
    }

    pub(super) fn count_op(&mut self) -> bool {
        self.node(k::COUNT_OP, |p| p.kw(&t::KW_COUNT))
    }

    pub(super) fn evaluate_op(&mut self) -> bool {
        self.node(k::EVALUATE_OP, |p| {
            seq!(p;
                p.kw(&t::KW_EVALUATE),
                p.star(|p| p.op_param()),
                p.call(),
            )
        })
    }

    pub(super) fn make_series_op(&mut self) -> bool {
        self.node(k::MAKE_SERIES_OP, |p| {
            seq!(p;
                p.kw(&t::KW_MAKE_SERIES),
                p.star(|p| p.op_param()),
                p.comma_list(|p| p.series_agg()),
                p.kw(&t::KW_ON),
                p.expr(),
                p.series_range(),
                p.opt(|p| p.by_clause()),
            )
        })
    }

    pub(super) fn series_agg(&mut self) -> bool {
        self.node(k::SERIES_AGG, |p| {
            seq!(p;
                p.assign(),
                p.opt(|p| seq!(p; p.kw(&t::KW_DEFAULT), p.assign_eq(), p.expr())),
            )
        })
    }

    pub(super) fn series_range(&mut self) -> bool {
        self.node(k::SERIES_RANGE, |p| {
            p.attempt(|p| seq!(p; p.kw(&t::KW_IN), p.call()))
                || seq!(p;
                    p.opt(|p| seq!(p; p.kw(&t::KW_FROM), p.expr())),
                    p.opt(|p| seq!(p; p.kw(&t::KW_TO), p.expr())),
                    p.kw(&t::KW_STEP),
                    p.expr(),
                )
        })
    }

    pub(super) fn as_op(&mut self) -> bool {
        self.node(
            k::AS_OP,
            |p| seq!(p; p.kw(&t::KW_AS), p.star(|p| p.op_param()), p.decl_name()),
        )
    }

    pub(super) fn invoke_op(&mut self) -> bool {
        self.node(
            k::INVOKE_OP,
            |p| seq!(p; p.kw(&t::KW_INVOKE), p.table_ref()),
        )
    }

    pub(super) fn render_op(&mut self) -> bool {
        self.node(k::RENDER_OP, |p| {
            seq!(p;
                p.kw(&t::KW_RENDER),
                p.ident(),
                p.attempt(|p| {
                    seq!(p;
                        p.kw(&t::KW_WITH),
                        p.open(b'('),
                        p.opt(|p| p.comma_list(|p| p.render_prop())),
                        p.close(b')'),
                    )
                }) || p.star(|p| p.render_prop()),
            )
        })
    }

    pub(super) fn render_prop(&mut self) -> bool {
        self.node(
            k::RENDER_PROP,
            |p| seq!(p; p.word_in(k::RENDER_PROP_NAME, RENDER_PROPS), p.assign_eq(), p.expr()),
        )
    }

    pub(super) fn with_props(&mut self) -> bool {
        self.node(k::WITH_PROPS, |p| {
            seq!(p;
                p.kw(&t::KW_WITH),
                p.open(b'('),
                p.opt(|p| p.comma_list(|p| p.named_value())),
                p.close(b')'),
            )
        })
    }

    pub(super) fn named_value(&mut self) -> bool {
        self.node(
            k::NAMED_VALUE,
            |p| seq!(p; p.name_ref(), p.assign_eq(), p.expr()),
        )
    }

    pub(super) fn getschema_op(&mut self) -> bool {
        self.node(k::GETSCHEMA_OP, |p| p.kw(&t::KW_GETSCHEMA))
    }

    pub(super) fn serialize_op(&mut self) -> bool {
        self.node(
            k::SERIALIZE_OP,
            |p| seq!(p; p.kw(&t::KW_SERIALIZE), p.opt(|p| p.assign_list())),
        )
    }

    pub(super) fn sample_op(&mut self) -> bool {
        self.node(k::SAMPLE_OP, |p| seq!(p; p.kw(&t::KW_SAMPLE), p.expr()))
    }

    pub(super) fn sample_distinct_op(&mut self) -> bool {
        self.node(k::SAMPLE_DISTINCT_OP, |p| {
            seq!(p;
                p.kw(&t::KW_SAMPLE_DISTINCT),
                p.expr(),
                p.kw(&t::KW_OF),
                p.expr(),
            )
        })
    }

    pub(super) fn facet_op(&mut self) -> bool {
        self.node(k::FACET_OP, |p| {
            seq!(p;
                p.kw(&t::KW_FACET),
                p.kw(&t::KW_BY),
                p.comma_list(|p| p.table_ref()),
                p.opt(|p| {
                    seq!(p; p.kw(&t::KW_WITH), p.open(b'('), p.subquery(), p.close(b')'))
                }),
            )
        })
    }

    pub(super) fn fork_op(&mut self) -> bool {
        self.node(
            k::FORK_OP,
            |p| seq!(p; p.kw(&t::KW_FORK), p.plus(|p| p.fork_branch())),
        )
    }

    pub(super) fn fork_branch(&mut self) -> bool {
        self.node(k::FORK_BRANCH, |p| {
            seq!(p;
                p.opt(|p| seq!(p; p.decl_name(), p.assign_eq())),
                p.open(b'('),
                p.subquery(),
                p.close(b')'),
            )
        })
    }

    pub(super) fn partition_op(&mut self) -> bool {
        self.node(k::PARTITION_OP, |p| {
            seq!(p;
                p.kw(&t::KW_PARTITION),
                p.star(|p| p.op_param()),
                p.kw(&t::KW_BY),
                p.name_ref(),
                p.attempt(|p| seq!(p; p.open(b'('), p.subquery(), p.close(b')')))
                    || p.attempt(|p| seq!(p; p.open(b'{'), p.pipe_expr(), p.close(b'}'))),
            )
        })
    }

    pub(super) fn reduce_op(&mut self) -> bool {
        self.node(k::REDUCE_OP, |p| {
            seq!(p;
                p.kw(&t::KW_REDUCE),
                p.kw(&t::KW_BY),
                p.expr(),
                p.opt(|p| seq!(p; p.kw(&t::KW_WITH), p.comma_list(|p| p.reduce_prop()))),
            )
        })
    }

    pub(super) fn reduce_prop(&mut self) -> bool {
        self.node(
            k::REDUCE_PROP,
            |p| seq!(p; p.word_in(k::REDUCE_PROP_NAME, REDUCE_PROPS), p.assign_eq(), p.expr()),
        )
    }

    pub(super) fn consume_op(&mut self) -> bool {
        self.node(
            k::CONSUME_OP,
            |p| seq!(p; p.kw(&t::KW_CONSUME), p.star(|p| p.op_param())),
        )
    }

    pub(super) fn scan_op(&mut self) -> bool {
        self.node(k::SCAN_OP, |p| {
            seq!(p;
                p.kw(&t::KW_SCAN),
                p.star(|p| p.op_param()),
                p.opt(|p| {
                    seq!(p;
                        p.kw(&t::KW_DECLARE),
                        p.open(b'('),
                        p.comma_list(|p| p.lambda_param()),
                        p.close(b')'),
                    )
                }),
                p.kw(&t::KW_WITH),
                p.open(b'('),
                p.plus(|p| p.scan_step()),
                p.close(b')'),
            )
        })
    }

    pub(super) fn scan_step(&mut self) -> bool {
        self.node(k::SCAN_STEP, |p| {
            seq!(p;
                p.kw(&t::KW_STEP),
                p.decl_name(),
                p.opt(|p| seq!(p; p.kw(&t::KW_OUTPUT), p.assign_eq(), p.ident())),
                p.lit(b":"),
                p.expr(),
                p.opt(|p| seq!(p; p.lit(b"=>"), p.assign_list())),
                p.lit(b";"),
            )
        })
    }

    pub(super) fn search_op(&mut self) -> bool {
        self.node(k::SEARCH_OP, |p| {
            seq!(p;
                p.kw(&t::KW_SEARCH),
                p.star(|p| p.op_param()),
                p.opt(|p| {
                    seq!(p;
                        p.kw(&t::KW_IN),
                        p.open(b'('),
                        p.comma_list(|p| p.union_operand()),
                        p.close(b')'),
                    )
                }),
                p.search_pred(),
            )
        })
    }

    pub(super) fn search_pred(&mut self) -> bool {
        self.node(k::SEARCH_PRED, |p| {
            p.expr()
                || seq!(p;
                    p.star_node(),
                    p.opt(|p| seq!(p; p.kw(&t::KW_AND), p.expr())),
                )
        })
    }

    pub(super) fn print_op(&mut self) -> bool {
        self.node(
            k::PRINT_OP,
            |p| seq!(p; p.kw(&t::KW_PRINT), p.assign_list()),
        )
    }

    pub(super) fn range_op(&mut self) -> bool {
        self.node(k::RANGE_OP, |p| {
            seq!(p;
                p.kw(&t::KW_RANGE),
                p.decl_name(),
                p.kw(&t::KW_FROM),
                p.expr(),
                p.kw(&t::KW_TO),
                p.expr(),
                p.kw(&t::KW_STEP),
                p.expr(),
            )
        })
    }

    pub(super) fn datatable_op(&mut self) -> bool {
        if self.peek() != b'd' {
            return false;
        }
        self.node(k::DATATABLE_OP, |p| {
            seq!(p;
                p.kw(&t::KW_DATATABLE),
                p.star(|p| p.op_param()),
                p.open(b'('),
                p.comma_list(|p| p.col_decl()),
                p.opt(|p| p.lit(b",")),
                p.close(b')'),
                p.open(b'['),
                p.opt(|p| {
                    seq!(p;
                        p.comma_list(|p| p.signed_literal()),
                        p.opt(|p| p.lit(b",")),
                    )
                }),
                p.close(b']'),
            )
        })
    }

    pub(super) fn externaldata_op(&mut self) -> bool {
        if self.peek() != b'e' {
            return false;
        }
        self.node(k::EXTERNALDATA_OP, |p| {
            seq!(p;
                p.kw(&t::KW_EXTERNALDATA),
                p.star(|p| p.op_param()),
                p.open(b'('),
                p.comma_list(|p| p.col_decl()),
                p.opt(|p| p.lit(b",")),
                p.close(b')'),
                p.open(b'['),
                p.comma_list(|p| p.string_lit()),
                p.opt(|p| p.lit(b",")),
                p.close(b']'),
                p.opt(|p| p.with_props()),
            )
        })
    }

    pub(super) fn op_param(&mut self) -> bool {
        if !matches!(self.peek(), b'b' | b'd' | b'f' | b'h' | b'i' | b'k' | b'w') {
            return false;
        }
        self.node(
            k::OP_PARAM,
            |p| seq!(p; p.param_name(), p.assign_eq(), p.param_value()),
        )
    }

    pub(super) fn param_name(&mut self) -> bool {
        // "hint." + a hint name, or a parameter name; `.` is no ident character, so the word after
        // "hint." (or the whole word) decides.
        let end = if self.b[self.pos..].starts_with(b"hint.") {
            let at = self.pos + 5;
            let e = self.ident_run(at);
            HINT_PARAMS.contains(&&self.src[at..e]).then_some(e)
        } else {
            let w = self.word();
            PARAMS.contains(&w).then_some(self.pos + w.len())
        };
        self.leaf(k::PARAM_NAME, end)
    }

    pub(super) fn param_value(&mut self) -> bool {
        self.string_lit()
            || self.bool_lit()
            || self.timespan()
            || self.real()
            || self.long()
            || self.ident()
    }
}
