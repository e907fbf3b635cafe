//! SPL006: a field with `.` or `{}` unquoted inside eval/where.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::spl as k;

pub static LINT: Lint = Lint {
    code: "SPL006",
    name: "unquoted-json-field",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "a field name with `.` or `{}` is not single-quoted inside eval/where",
    doc: Doc {
        what: "Finds flattened JSON field names (`properties.ipAddress`, `properties.authenticationDetails{}.succeeded`) written without single quotes inside `eval`, `where` or `fieldformat`.",
        why: "In eval, `.` is string concatenation and `{` is not allowed: `properties.ipAddress` means the field `properties` joined to the field `ipAddress` (both null, so the result is null), and a `{}` name makes the command fail. The search runs and quietly tests nothing.",
        example: "`azure_monitor_aad`\n| where properties.authenticationDetails{}.succeeded=\"true\"",
        fix: "Single-quote the field: `where 'properties.authenticationDetails{}.succeeded'=\"true\"`.",
    },
    check,
};

/// Unquoted `a.b` / `a{}.b` runs in the text of an eval-like command, outside strings and quotes.
fn scan(cmd_text: &str, base: usize, out: &mut Vec<Finding>) {
    let b = cmd_text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'@' => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || matches!(b[i], b'_' | b'@' | b'.' | b'{' | b'}'))
                {
                    i += 1;
                }
                let word = &cmd_text[start..i];
                let followed_by_call = b.get(i) == Some(&b'(');
                let dotted = word.contains('.') && !word.ends_with('.') && !word.starts_with('.');
                let braces = word.contains("{}");
                let json_root = word.starts_with("properties.")
                    || word.starts_with("body.")
                    || word.contains("{}");
                if !followed_by_call && (braces || (dotted && json_root)) {
                    out.push(
                        Finding::new(
                            base + start,
                            base + i,
                            format!("`{word}` must be single-quoted in eval/where"),
                        )
                        .help(format!("write '{word}'")),
                    );
                }
            }
            _ => i += 1,
        }
    }
}

fn check(src: &Source<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    match src.tree {
        Some(tree) => {
            for cmd in tree
                .descendants()
                .filter(|n| matches!(n.kind, k::EVAL_CMD | k::WHERE_CMD | k::FIELDFORMAT_CMD))
            {
                scan(cmd.text, cmd.start, &mut out);
            }
        }
        None => {
            // The search does not parse (a `{}` name in eval is one way to get there): scan the text of
            // every eval-like command so the cause is named.
            let mut at = 0;
            for part in src.text.split('|') {
                let trimmed = part.trim_start();
                let lead = part.len() - trimmed.len();
                let lower = trimmed.to_ascii_lowercase();
                if ["eval ", "where ", "fieldformat "]
                    .iter()
                    .any(|k| lower.starts_with(k))
                {
                    scan(trimmed, at + lead, &mut out);
                }
                at += part.len() + 1;
            }
        }
    }
    out
}
