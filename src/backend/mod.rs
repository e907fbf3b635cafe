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
    pub contents: String,
}

/// Both targets' profiles, loaded once per build.
pub struct Profiles {
    pub sentinel: kql::Profile,
    pub splunk: spl::Profile,
}

impl Profiles {
    /// The bundled profiles, or the ones in `dir` (`sentinel.yaml`, `splunk.yaml`) where present.
    pub fn load(dir: Option<&Path>) -> Result<Self, Vec<Diagnostic>> {
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

/// The query for one detection and target.
pub fn compile(d: &Detection, target: Target, profiles: &Profiles) -> Result<Artifact, Diagnostic> {
    match target {
        Target::Sentinel => kql::compile(d, &profiles.sentinel),
        Target::Splunk => spl::compile(d, &profiles.splunk),
    }
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
