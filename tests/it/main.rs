//! The integration tests, in one binary so a two-core machine links the crate once.
//! Each module is one concern; `common` holds the helpers they share.

mod common;

mod build;
mod check_fields;
mod ci;
mod corpus_real;
mod coverage;
mod deploy;
mod docs;
mod errors_doc;
mod escaping;
mod eval;
mod explain;
mod fuzz_rules;
mod gate;
mod health;
mod injection;
mod layers;
mod lint;
mod lsp;
mod noise;
mod publish;
mod rule_tests;
mod scaffold;
mod schema;
mod security;
mod syntax_corpus;
mod syntax_differential;
mod syntax_fuzz;
mod syntax_robustness;
