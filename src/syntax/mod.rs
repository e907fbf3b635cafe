//! Syntax front end of tokenward's linter: pest grammars for Sentinel KQL (`kql`) and Splunk SPL (`spl`).
//! Each module offers `parse` (syntax check) and `parse_tree` (an owned [`Node`] tree for lint rules).

mod engine;
mod error;
mod fold;
pub mod kql;
pub mod spl;
mod tree;

pub use error::ParseError;
pub use tree::Node;

/// Brackets may nest this deep; deeper input is refused before pest runs, since pest recurses per level.
pub const MAX_DEPTH: usize = 256;
