//! SPL lint rules, one file each, and what they share.

pub mod fields;
pub mod spl001_syntax;
pub mod spl002_unknown_command;
pub mod spl003_transaction;
pub mod spl004_subsearch_limits;
pub mod spl005_unscoped_search;
pub mod spl006_unquoted_field;
pub mod spl007_mvindex_auth_details;
pub mod spl008_leading_wildcard;
pub mod spl009_no_time_range;
pub mod spl010_unknown_field;
pub mod spl011_graph_sourcetype;
pub mod spl012_fixed_bucket_window;

use crate::syntax::kinds::spl as k;
use crate::syntax::Node;

/// The name of a command node: its keyword or `cmd_name`, lower-cased.
pub fn command_name(cmd: &Node<'_>) -> String {
    match cmd.kind {
        k::BASE_SEARCH => "search".into(),
        k::MACRO_CMD => "`macro`".into(),
        _ => cmd
            .children
            .first()
            .map_or("", |c| c.text)
            .to_ascii_lowercase(),
    }
}

/// The commands of the top-level pipeline, in order.
pub fn commands<'a, 'i>(tree: &'a Node<'i>) -> Vec<&'a Node<'i>> {
    tree.child(k::PIPELINE)
        .map(|p| p.children.iter().collect())
        .unwrap_or_default()
}

/// Whether the search text (outside comments) sets a time modifier.
pub fn has_time_range(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("earliest=")
        || t.contains("latest=")
        || t.contains("earliest_time")
        || t.contains("starttime=")
}
