//! Templates rendered with minijinja. Each backend owns its templates (templates/<target>/*.j2, compiled
//! into the binary) and registers its own escaping filters; this module knows none of them.

use serde::Serialize;

use crate::diag::Diagnostic;

/// A set of templates with the filters of one target.
pub struct Templates {
    env: minijinja::Environment<'static>,
}

impl Templates {
    /// Parses the templates; `register` adds the target's filters. An error here is a bug in tokenward.
    pub fn new(
        sources: &[(&'static str, &'static str)],
        register: fn(&mut minijinja::Environment<'static>),
    ) -> Result<Self, String> {
        let mut env = minijinja::Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        // Nothing is auto-escaped: every value goes through a target filter or a backend escaper.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_filter("yaml_string", |s: String| yaml_string(&s));
        register(&mut env);
        for (name, source) in sources {
            env.add_template(name, source)
                .map_err(|e| format!("template {name}: {e:#}"))?;
        }
        Ok(Self { env })
    }

    /// Renders one template; a failure is a bug in tokenward, reported as E090.
    pub fn render<C: Serialize>(&self, name: &str, cx: &C) -> Result<String, Diagnostic> {
        let tmpl = self
            .env
            .get_template(name)
            .map_err(|e| Diagnostic::error("E090", format!("template {name}: {e}")))?;
        tmpl.render(cx)
            .map_err(|e| Diagnostic::error("E090", format!("template {name}: {e:#}")))
    }
}

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
}
