//! The project config (`tokenward.yaml`): lint levels per code, extra table schemas.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Lint, Setting};
use crate::diag::Diagnostic;
use crate::model::{self, Spanned};

pub const FILE_NAME: &str = "tokenward.yaml";

#[derive(Debug, Default)]
pub struct Config {
    pub levels: BTreeMap<String, Setting>,
    /// Folders of extra KQL table schemas (JSON in the Azure-Sentinel validation format).
    pub schema_dirs: Vec<PathBuf>,
    pub gates: Gates,
}

/// What `tokenward test` enforces beyond the cases passing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Gates {
    /// Every rule has at least one `alert` and one `no_alert` test case.
    pub require_alert_and_no_alert: bool,
}

/// The project config, `tokenward.yaml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "tokenward project config (tokenward.yaml)")]
struct Raw {
    /// The level of a lint code: error, warning or off (`KQL006: error`).
    #[serde(default)]
    lints: BTreeMap<String, Spanned<String>>,
    /// Folders of extra KQL table schemas, relative to this file.
    #[serde(default)]
    schemas: Vec<Spanned<String>>,
    /// Gates the commands enforce on the rule set.
    #[serde(default)]
    gates: Option<Spanned<RawGates>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawGates {
    /// Gates `tokenward test` enforces.
    #[serde(default)]
    tests: Option<Spanned<RawTestGates>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawTestGates {
    /// Every rule must have at least one `alert` and one `no_alert` test case.
    #[serde(default)]
    require_alert_and_no_alert: Option<Spanned<bool>>,
}

/// The JSON Schema of `tokenward.yaml`, from the structs it is read with.
pub fn schema() -> schemars::Schema {
    model::schema_generator().into_root_schema_for::<Raw>()
}

impl Config {
    /// Overrides one code's level.
    pub fn set(&mut self, code: &str, level: Setting) {
        self.levels.insert(code.to_string(), level);
    }

    pub fn level(&self, lint: &Lint) -> Setting {
        self.levels.get(lint.code).copied().unwrap_or(lint.level)
    }

    /// Reads `path`, or `tokenward.yaml` in the current folder when present, or defaults.
    pub fn load(path: Option<&Path>) -> Result<Self, Vec<Diagnostic>> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None if Path::new(FILE_NAME).is_file() => PathBuf::from(FILE_NAME),
            None => return Ok(Self::default()),
        };
        let file = model::read_source(&path).map_err(|d| vec![d])?;
        let raw: Raw = model::parse_yaml(&file).map_err(|d| vec![d])?;
        // Every problem of the config is reported, each at its own place.
        let mut errs = Vec::new();
        let mut levels = BTreeMap::new();
        for (code, level) in &raw.lints {
            let Some(lint) = super::find(code) else {
                let codes: Vec<&str> = super::registry::LINTS.iter().map(|l| l.code).collect();
                let help = match crate::diag::did_you_mean(code, codes.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "`tokenward rule --list` lists the codes".to_string(),
                };
                errs.push(
                    Diagnostic::error("E070", format!("unknown lint code `{code}`"))
                        .at(model::span_of(&file, level))
                        .help(help),
                );
                continue;
            };
            let l = match level.value.as_str() {
                "error" => Setting::Error,
                "warning" => Setting::Warning,
                "off" => Setting::Off,
                other => {
                    errs.push(
                        Diagnostic::error("E070", format!("unknown level `{other}`"))
                            .at(model::span_of(&file, level))
                            .help("use error, warning or off"),
                    );
                    continue;
                }
            };
            levels.insert(lint.code.to_string(), l);
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let base = path.parent().unwrap_or(Path::new(""));
        let require_alert_and_no_alert = raw
            .gates
            .as_ref()
            .and_then(|g| g.value.tests.as_ref())
            .and_then(|t| t.value.require_alert_and_no_alert.as_ref())
            .is_some_and(|b| b.value);
        Ok(Self {
            levels,
            schema_dirs: raw.schemas.iter().map(|s| base.join(&s.value)).collect(),
            gates: Gates {
                require_alert_and_no_alert,
            },
        })
    }
}
