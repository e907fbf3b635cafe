//! Syntax front end of tokenward's linter: pest grammars for Sentinel KQL (`kql`) and Splunk SPL (`spl`).
//! Each module offers `parse` (syntax check) and `parse_tree` (an owned [`Node`] tree for lint rules).
//! The grammars define the language and the trees; hand-written recursive-descent parsers (`kql_rd`,
//! `spl_rd`) build the same trees several times faster, and the pest parsers report the errors.

mod build;
mod engine;
mod error;
mod fold;
pub mod kinds;
pub mod kql;
mod kql_rd;
pub mod spl;
mod spl_rd;
mod tables;
mod tree;

pub use error::ParseError;
pub use tree::Node;

/// Why a hand-written parser returned no tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Not in the language: the pest grammar parses again to say why and where.
    Syntax,
    /// Brackets nest deeper than [`MAX_DEPTH`] at this byte.
    TooDeep(usize),
}

/// Brackets may nest this deep; deeper input is refused before pest runs, since pest recurses per level.
pub const MAX_DEPTH: usize = 256;
