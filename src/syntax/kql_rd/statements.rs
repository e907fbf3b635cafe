//! The hand-written KQL parser: statements.

use super::*;

impl<'i> Parser<'i> {
    // ------------------------------------------------------------ statements

    pub(super) fn query(&mut self) -> bool {
        self.node(k::QUERY, |p| {
            p.skip();
            p.opt(|p| {
                seq!(p;
                    p.statement(),
                    p.star(|p| seq!(p; p.lit(b";"), p.statement())),
                    p.opt(|p| p.lit(b";")),
                )
            });
            p.skip();
            p.pos == p.b.len()
        })
    }

    pub(super) fn statement(&mut self) -> bool {
        self.let_stmt() || self.set_stmt() || self.declare_stmt() || self.pipe_expr()
    }

    pub(super) fn let_stmt(&mut self) -> bool {
        if self.peek() != b'l' {
            return false;
        }
        self.node(k::LET_STMT, |p| {
            seq!(p;
                p.kw(&t::KW_LET),
                p.let_name(),
                p.lit(b"="),
                p.lambda() || p.view_lambda() || p.materialized() || p.pipe_expr(),
            )
        })
    }

    pub(super) fn materialized(&mut self) -> bool {
        if self.peek() != b'm' {
            return false;
        }
        self.node(
            k::MATERIALIZED,
            |p| seq!(p; p.materialize(), p.star(|p| seq!(p; p.lit(b"|"), p.tab_op()))),
        )
    }

    pub(super) fn materialize(&mut self) -> bool {
        self.node(k::MATERIALIZE, |p| {
            seq!(p;
                p.kw(&t::KW_MATERIALIZE),
                p.open(b'('),
                p.pipe_expr(),
                p.close(b')'),
            )
        })
    }

    pub(super) fn lambda(&mut self) -> bool {
        if self.peek() != b'(' {
            return false;
        }
        self.node(k::LAMBDA, |p| {
            seq!(p;
                p.open(b'('),
                p.opt(|p| p.comma_list(|p| p.lambda_param())),
                p.close(b')'),
                p.lambda_body(),
            )
        })
    }

    pub(super) fn view_lambda(&mut self) -> bool {
        self.node(k::VIEW_LAMBDA, |p| seq!(p; p.kw(&t::KW_VIEW), p.lambda()))
    }

    pub(super) fn lambda_param(&mut self) -> bool {
        self.node(k::LAMBDA_PARAM, |p| {
            seq!(p;
                p.decl_name(),
                p.lit(b":"),
                p.tabular_schema() || p.type_name(),
                p.opt(|p| seq!(p; p.lit(b"="), p.signed_literal())),
            )
        })
    }

    pub(super) fn signed_literal(&mut self) -> bool {
        self.node(
            k::SIGNED_LITERAL,
            |p| seq!(p; p.opt(|p| p.sign()), p.literal()),
        )
    }

    pub(super) fn tabular_schema(&mut self) -> bool {
        self.node(k::TABULAR_SCHEMA, |p| {
            seq!(p;
                p.open(b'('),
                p.opt(|p| {
                    p.lit(b"*")
                        || seq!(p;
                            p.comma_list(|p| p.col_decl()),
                            p.opt(|p| p.attempt(|p| seq!(p; p.lit(b","), p.lit(b"*"))) || p.lit(b",")),
                        )
                }),
                p.close(b')'),
            )
        })
    }

    pub(super) fn lambda_body(&mut self) -> bool {
        self.node(k::LAMBDA_BODY, |p| {
            seq!(p;
                p.open(b'{'),
                p.star(|p| seq!(p; p.let_stmt(), p.lit(b";"))),
                p.opt(|p| seq!(p; p.pipe_expr(), p.opt(|p| p.lit(b";")))),
                p.close(b'}'),
            )
        })
    }

    pub(super) fn set_stmt(&mut self) -> bool {
        if self.peek() != b's' {
            return false;
        }
        self.node(k::SET_STMT, |p| {
            seq!(p;
                p.kw(&t::KW_SET),
                p.option_name(),
                p.opt(|p| seq!(p; p.lit(b"="), p.literal() || p.option_name())),
            )
        })
    }

    pub(super) fn option_name(&mut self) -> bool {
        // @{ ident ~ ("." ~ ident)* }
        let Some(mut end) = self.ident_end(self.pos) else {
            return false;
        };
        while self.b.get(end) == Some(&b'.') {
            match self.ident_end(end + 1) {
                Some(e) => end = e,
                None => break,
            }
        }
        self.leaf(k::OPTION_NAME, Some(end))
    }

    pub(super) fn declare_stmt(&mut self) -> bool {
        if self.peek() != b'd' {
            return false;
        }
        self.node(k::DECLARE_STMT, |p| {
            seq!(p;
                p.kw(&t::KW_DECLARE),
                p.kw(&t::KW_QUERY_PARAMETERS),
                p.open(b'('),
                p.opt(|p| p.comma_list(|p| p.lambda_param())),
                p.close(b')'),
            )
        })
    }
}
