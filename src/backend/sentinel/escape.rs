//! KQL literals: the only way a value from a rule becomes KQL text.

use crate::duration::Duration;
use crate::ir::{Severity, Value};

/// A KQL string literal: double quotes, with backslash escapes for `\`, `"` and control characters.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn value(v: &Value) -> String {
    match v {
        Value::Str(s) => string(s),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

/// RE2 text matching `s` literally: metacharacters escaped, control characters as `\x{..}`.
pub fn regex_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{{{:x}}}", c as u32));
        } else if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

/// A `dynamic([...])` literal.
pub fn dynamic(values: &[Value]) -> String {
    let items: Vec<String> = values.iter().map(value).collect();
    format!("dynamic([{}])", items.join(", "))
}

/// Text for a `//` comment: one line, whatever the input.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Sentinel spells severities in title case (`High`).
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Informational => "Informational",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
    }
}

/// A KQL timespan literal: `90m`, `1h`, `1d`.
pub fn timespan(d: Duration) -> String {
    d.to_string()
}

/// The template filters that escape for KQL.
pub fn register(env: &mut minijinja::Environment<'static>) {
    env.add_filter("kql_string", |s: String| string(&s));
    env.add_filter("kql_comment", |s: String| comment(&s));
    env.add_filter(
        "kql_dynamic",
        |v: minijinja::Value| -> Result<String, minijinja::Error> {
            let mut values = Vec::new();
            for item in v.try_iter()? {
                if let Some(i) = item.as_i64() {
                    values.push(Value::Int(i));
                } else if let Some(s) = item.as_str() {
                    values.push(Value::Str(s.to_string()));
                } else {
                    return Err(minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        "list values are strings or integers",
                    ));
                }
            }
            Ok(dynamic(&values))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_stay_strings() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("x\ny\r\t"), r#""x\ny\r\t""#);
        assert_eq!(string("\u{1}"), r#""\u0001""#);
        assert_eq!(string("| where 1==1 // ]"), r#""| where 1==1 // ]""#);
        assert_eq!(comment("evil\n| take 1"), "evil | take 1");
    }

    #[test]
    fn regexes_match_literally() {
        assert_eq!(regex_literal("a.b|c(d)"), r"a\.b\|c\(d\)");
        assert_eq!(regex_literal("x\ny"), r"x\x{a}y");
        assert_eq!(string(&regex_literal("\\\"")), r#""\\\\\"""#);
    }

    #[test]
    fn dynamic_literals() {
        assert_eq!(
            dynamic(&[Value::Int(14061), Value::Str("a'b".into())]),
            r#"dynamic([14061, "a'b"])"#
        );
    }
}
