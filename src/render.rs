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
    // A YAML double-quoted scalar: JSON string syntax, which YAML reads the same way.
    env.add_filter("yaml_string", |s: String| {
        serde_json::to_string(&s).unwrap_or_default()
    });
    kql::register(&mut env);
    spl::register(&mut env);
    Ok(env)
});

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
    fn bundled_templates_parse() {
        for (name, _) in super::TEMPLATES {
            super::ENV.as_ref().unwrap().get_template(name).unwrap();
        }
    }
}
