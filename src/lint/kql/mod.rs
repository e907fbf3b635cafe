//! KQL lint rules, one file each, and what they share.

pub mod columns;
pub mod kql001_syntax;
pub mod kql002_unknown_column;
pub mod kql003_join_kind;
pub mod kql004_first_auth_step;
pub mod kql005_interactive_only;
pub mod kql006_no_time_filter;
pub mod kql007_geo_travel;
pub mod kql008_self_join_on_user;
pub mod kql009_rule_length;
pub mod kql010_string_vs_number;
pub mod kql011_fixed_bucket_window;
pub mod schema;

use crate::syntax::kinds::kql as k;
use crate::syntax::Node;

pub const INTERACTIVE: &str = "SigninLogs";
pub const NON_INTERACTIVE: &str = "AADNonInteractiveUserSignInLogs";

/// Name references (`name_ref`) with this exact text.
pub fn refs<'a, 'i>(tree: &'a Node<'i>, name: &'a str) -> impl Iterator<Item = &'a Node<'i>> + 'a {
    tree.find_all(k::NAME_REF).filter(move |n| n.text == name)
}

/// The name of a call node (`call_name` child).
pub fn call_name<'a>(call: &'a Node<'_>) -> &'a str {
    call.child(k::CALL_NAME).map_or("", |n| n.text)
}

/// Every (parent, child) pair, depth first, without recursion.
pub fn with_parents<'a, 'i>(tree: &'a Node<'i>) -> Vec<(&'a Node<'i>, &'a Node<'i>)> {
    let mut out = Vec::new();
    let mut stack = vec![tree];
    while let Some(n) = stack.pop() {
        for c in n.children.iter().rev() {
            out.push((n, c));
            stack.push(c);
        }
    }
    out
}

/// Whether a column or field name identifies a user or a session (the keys of a per-user or
/// per-session correlation).
pub fn is_identity(name: &str) -> bool {
    let last = name
        .rsplit(['.', '{', '}'])
        .find(|s| !s.is_empty())
        .unwrap_or(name);
    let l = last.to_ascii_lowercase();
    ["user", "session", "account", "principal", "upn", "identity"]
        .iter()
        .any(|w| l.contains(w))
}
