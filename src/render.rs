//! Templates (templates/<target>/*.j2, compiled into the binary) rendered with minijinja.

use std::sync::LazyLock;

use serde::Serialize;

use crate::backend::{kql, spl};
use crate::diag::Diagnostic;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "kql/correlation.kql",
        include_str!("../templates/kql/correlation.kql.j2"),
    ),
    (
        "kql/single.kql",
        include_str!("../templates/kql/single.kql.j2"),
    ),
    (
        "kql/health.kql",
        include_str!("../templates/kql/health.kql.j2"),
    ),
    (
        "kql/header.kql",
        include_str!("../templates/kql/header.kql.j2"),
    ),
    (
        "kql/analytic-rule.yaml",
        include_str!("../templates/kql/analytic-rule.yaml.j2"),
    ),
    (
        "spl/correlation.spl",
        include_str!("../templates/spl/correlation.spl.j2"),
    ),
    (
        "spl/single.spl",
        include_str!("../templates/spl/single.spl.j2"),
    ),
    (
        "spl/health.spl",
        include_str!("../templates/spl/health.spl.j2"),
    ),
    (
        "spl/header.spl",
        include_str!("../templates/spl/header.spl.j2"),
    ),
    (
        "spl/macros.conf",
        include_str!("../templates/spl/macros.conf.j2"),
    ),
];

static ENV: LazyLock<Result<minijinja::Environment<'static>, String>> = LazyLock::new(|| {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    // Nothing is auto-escaped: every value goes through a target filter or a backend escaper.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| format!("template {name}: {e:#}"))?;
    }
    env.add_filter("yaml_string", |s: String| yaml_string(&s));
    kql::register(&mut env);
    spl::register(&mut env);
    Ok(env)
});

/// `session_id` and `join-without-kind` in PascalCase: `SessionId`, `JoinWithoutKind`.
pub fn pascal_case(name: &str) -> String {
    name.split(['_', '-'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A YAML double-quoted scalar. Characters outside YAML's printable set (DEL, C1 controls, U+FFFE …)
/// are escaped, since YAML forbids them even inside quotes.
pub fn yaml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        let printable = matches!(c as u32,
            0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF);
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Renders a bundled template; a failure here is a bug in tokenward, reported as E090.
pub fn render<C: Serialize>(name: &str, cx: &C) -> Result<String, Diagnostic> {
    let env = ENV
        .as_ref()
        .map_err(|e| Diagnostic::error("E090", e.clone()))?;
    let tmpl = env
        .get_template(name)
        .map_err(|e| Diagnostic::error("E090", format!("template {name}: {e}")))?;
    tmpl.render(cx)
        .map_err(|e| Diagnostic::error("E090", format!("template {name}: {e:#}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn yaml_strings_escape_what_yaml_forbids() {
        assert_eq!(super::yaml_string("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(super::yaml_string("del\u{7f}"), r#""del\u007f""#);
        let hostile = "x\u{7f}\u{9f}\u{fffe}\u{1}😀\"\\";
        let back: String = serde_saphyr::from_str(&super::yaml_string(hostile)).unwrap();
        assert_eq!(back, hostile);
    }

    #[test]
    fn bundled_templates_parse() {
        for (name, _) in super::TEMPLATES {
            super::ENV.as_ref().unwrap().get_template(name).unwrap();
        }
    }
}
