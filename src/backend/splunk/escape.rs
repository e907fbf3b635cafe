//! SPL literals: the only way a value from a rule becomes SPL text.

use crate::duration::Duration;
use crate::ir::Value;

/// A double-quoted SPL string: `\` and `"` escaped. A newline stays data inside the quotes.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A field name inside eval/where: single-quoted (needed for `.` and `{}`).
pub fn field(path: &str) -> String {
    format!("'{path}'")
}

/// PCRE text matching `s` literally: regex metacharacters escaped, control characters as `\x{..}`.
pub fn regex_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{{{:x}}}", c as u32));
        } else if matches!(
            c,
            '\\' | '^'
                | '$'
                | '.'
                | '|'
                | '?'
                | '*'
                | '+'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '#'
        ) {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

pub fn value(v: &Value) -> String {
    match v {
        Value::Str(s) => string(s),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
    }
}

/// Text for a ``` comment ```: no backticks and no line breaks.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                ' '
            } else if c == '`' {
                '\''
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Splunk relative time: `-90m`.
pub fn relative(d: Duration) -> String {
    let s = d.seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if s.is_multiple_of(size) {
            return format!("-{}{unit}", s / size);
        }
    }
    format!("-{s}s")
}

/// The template filters that escape for SPL.
pub fn register(env: &mut minijinja::Environment<'static>) {
    env.add_filter("spl_string", |s: String| string(&s));
    env.add_filter("spl_comment", |s: String| comment(&s));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_regexes_stay_data() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("x | delete ]"), r#""x | delete ]""#);
        assert_eq!(regex_literal("a.b|c$/-"), r"a\.b\|c\$/-");
        assert_eq!(regex_literal("new\nline"), r"new\x{a}line");
        assert_eq!(comment("a ``` b\nc"), "a ''' b c");
    }

    #[test]
    fn relative_times() {
        assert_eq!(relative(Duration::minutes(90)), "-90m");
        assert_eq!(relative(Duration::minutes(120)), "-2h");
        assert_eq!(relative(Duration { seconds: 61 }), "-61s");
    }
}
