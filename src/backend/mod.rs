//! Backends: IR + target profile → query text. One file per target; this module only dispatches.

pub mod kql;
pub mod spl;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::ir::Detection;
use crate::model;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Sentinel,
    Splunk,
}

impl Target {
    pub const ALL: [Target; 2] = [Target::Sentinel, Target::Splunk];

    pub fn name(self) -> &'static str {
        match self {
            Target::Sentinel => "sentinel",
            Target::Splunk => "splunk",
        }
    }
}

/// One output file, relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: PathBuf,
    /// Text artifacts (queries, templates, conf files).
    pub contents: String,
    /// Binary artifacts (the Splunk package); written instead of `contents` when present.
    pub binary: Option<Vec<u8>>,
}

impl Artifact {
    /// A text artifact (everything but the Splunk package).
    pub fn text(path: impl Into<PathBuf>, contents: String) -> Self {
        Self {
            path: path.into(),
            contents,
            binary: None,
        }
    }
}

/// Both targets' profiles, loaded once per build.
pub struct Profiles {
    pub sentinel: kql::Profile,
    pub splunk: spl::Profile,
}

impl Profiles {
    /// The bundled profiles, or the ones in `dir` (`sentinel.yaml`, `splunk.yaml`) where present.
    pub fn load(dir: Option<&Path>) -> Result<Self, Vec<Diagnostic>> {
        if let Some(d) = dir.filter(|d| !d.is_dir()) {
            return Err(vec![Diagnostic::error("E030", "no such profiles folder")
                .in_file(d)
                .help(
                    "pass a folder holding sentinel.yaml and/or splunk.yaml (copies of profiles/)",
                )]);
        }
        let read = |name: &str,
                    bundled: &str|
         -> Result<std::sync::Arc<crate::diag::SourceFile>, Diagnostic> {
            match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
                Some(p) => model::read_source(&p),
                None => Ok(crate::diag::SourceFile::new(
                    format!("<bundled>/profiles/{name}"),
                    bundled.to_string(),
                )),
            }
        };
        let mut errs = Vec::new();
        let sentinel = read(
            "sentinel.yaml",
            include_str!("../../profiles/sentinel.yaml"),
        )
        .and_then(|f| kql::Profile::load(&f));
        let splunk = read("splunk.yaml", include_str!("../../profiles/splunk.yaml"))
            .and_then(|f| spl::Profile::load(&f));
        if let Err(e) = &sentinel {
            errs.push(e.clone());
        }
        if let Err(e) = &splunk {
            errs.push(e.clone());
        }
        match (sentinel, splunk) {
            (Ok(sentinel), Ok(splunk)) => Ok(Self { sentinel, splunk }),
            _ => Err(errs),
        }
    }
}

/// A profile's `target:` must name the target it is loaded for.
pub(crate) fn expect_target(
    file: &std::sync::Arc<crate::diag::SourceFile>,
    target: &model::S<String>,
    want: Target,
) -> Result<(), Diagnostic> {
    if target.value == want.name() {
        return Ok(());
    }
    Err(
        Diagnostic::error("E030", format!("profile target is `{}`", target.value))
            .at(model::span_of(file, target))
            .help(format!(
                "the {} profile has `target: {}`",
                want.name(),
                want.name()
            )),
    )
}

/// The health query's look-back and threshold, checked.
pub(crate) fn health_settings(
    file: &crate::diag::SourceFile,
    lookback: &str,
    threshold: f64,
) -> Result<crate::duration::Duration, Diagnostic> {
    let lookback = crate::duration::Duration::parse(lookback).map_err(|e| {
        Diagnostic::error("E030", format!("health lookback: {e}")).in_file(&file.path)
    })?;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(
            Diagnostic::error("E030", "health threshold must be between 0 and 1")
                .in_file(&file.path),
        );
    }
    Ok(lookback)
}

/// The query for one detection and target.
pub fn compile(d: &Detection, target: Target, profiles: &Profiles) -> Result<Artifact, Diagnostic> {
    let compiled = match target {
        Target::Sentinel => kql::compile(d, &profiles.sentinel),
        Target::Splunk => spl::compile(d, &profiles.splunk),
    };
    compiled.map_err(|mut e| {
        // The profile is where the fix goes; say which rule needs the field.
        if e.code == "E031" {
            e.message = format!("{}, which rule `{}` ({}) reads", e.message, d.id, d.source);
        }
        e
    })
}

/// Reads an events file exported from `shape` into canonical events, with each record's
/// authenticationDetails verdict.
pub fn read_events(
    shape: Target,
    profiles: &Profiles,
    path: &Path,
) -> Result<Vec<(crate::events::Event, crate::events::AuthDetails)>, Diagnostic> {
    let records = crate::events::read_records(path)?;
    Ok(records
        .iter()
        .map(|r| match shape {
            Target::Sentinel => (
                kql::events::read(&profiles.sentinel, r),
                kql::events::auth_details(&profiles.sentinel, r),
            ),
            Target::Splunk => (
                spl::events::read(&profiles.splunk, r),
                spl::events::auth_details(&profiles.splunk, r),
            ),
        })
        .collect())
}

/// The deployment artifacts built from the compiled queries: Sentinel ARM templates, analytic-rule YAML
/// and watchlists; the Splunk app and its package.
pub fn publish(
    target: Target,
    profiles: &Profiles,
    compiled: &[(&Detection, &Artifact)],
    companions: &[Artifact],
) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let text_of = |suffix: &str| {
        companions
            .iter()
            .find(|a| a.path.to_string_lossy().ends_with(suffix))
            .map(|a| a.contents.clone())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    let mut errs = Vec::new();
    match target {
        Target::Sentinel => {
            for (d, q) in compiled {
                match kql::publish::rule_artifacts(d, &q.contents, &profiles.sentinel) {
                    Ok(a) => out.extend(a),
                    Err(e) => errs.push(e),
                }
            }
            out.push(kql::publish::health_artifact(
                &text_of("auth-details-health.kql"),
                profiles.sentinel.health_lookback,
            ));
            let mut seen = std::collections::BTreeSet::new();
            for (d, _) in compiled {
                for l in &d.lists {
                    if l.external
                        .as_ref()
                        .is_some_and(|e| seen.insert(e.watchlist.clone()))
                    {
                        out.extend(kql::publish::watchlist_artifacts(l));
                    }
                }
            }
        }
        Target::Splunk => {
            let searches: Vec<spl::publish::Compiled<'_>> = compiled
                .iter()
                .map(|(d, q)| spl::publish::Compiled {
                    detection: d,
                    search: &q.contents,
                })
                .collect();
            match spl::publish::app(
                &profiles.splunk,
                &searches,
                &text_of("auth-details-health.spl"),
                &text_of("macros.conf"),
            ) {
                Ok(a) => out.extend(a),
                Err(e) => errs.push(e),
            }
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// Where the target reads a canonical field, for reports.
pub fn source_of(target: Target, profiles: &Profiles, f: crate::catalogue::Field) -> String {
    match target {
        Target::Sentinel => profiles.sentinel.source_of(f),
        Target::Splunk => profiles.splunk.source_of(f),
    }
}

/// The companion queries that do not depend on a rule (the authenticationDetails health check, the
/// Splunk base-search macro).
pub fn companions(target: Target, profiles: &Profiles) -> Result<Vec<Artifact>, Diagnostic> {
    match target {
        Target::Sentinel => kql::companions(&profiles.sentinel),
        Target::Splunk => spl::companions(&profiles.splunk),
    }
}
