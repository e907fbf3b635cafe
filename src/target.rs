//! The SIEMs tokenward compiles for, and the files a build writes for them. The backend of each target
//! is in src/backend (`Target::backend`); this module only names them.

use std::path::PathBuf;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Sentinel,
    Splunk,
}

impl Target {
    pub const ALL: [Target; 2] = [Target::Sentinel, Target::Splunk];
    const NAMES: [(&'static str, Target); 2] =
        [("sentinel", Target::Sentinel), ("splunk", Target::Splunk)];

    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("?", |(n, _)| n)
    }

    pub fn by_name(name: &str) -> Option<Target> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }
}

/// What an output file is, for gates and reports: a rule's query, a rule's deployment object, or
/// something no single rule owns (health queries, the Splunk app, watchlists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    Query,
    Deployment,
    Shared,
}

/// One output file, relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: PathBuf,
    /// Text artifacts (queries, templates, conf files).
    pub contents: String,
    /// Binary artifacts (the Splunk package); written instead of `contents` when present.
    pub binary: Option<Vec<u8>>,
    pub kind: ArtifactKind,
    pub target: Target,
    /// The rule the file belongs to, when one does.
    pub rule: Option<String>,
}

impl Artifact {
    /// A file no single rule owns.
    pub fn shared(target: Target, path: impl Into<PathBuf>, contents: String) -> Self {
        Self {
            path: path.into(),
            contents,
            binary: None,
            kind: ArtifactKind::Shared,
            target,
            rule: None,
        }
    }

    /// A rule's query or deployment object.
    pub fn of_rule(
        target: Target,
        kind: ArtifactKind,
        rule: &str,
        path: impl Into<PathBuf>,
        contents: String,
    ) -> Self {
        Self {
            path: path.into(),
            contents,
            binary: None,
            kind,
            target,
            rule: Some(rule.to_string()),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        self.binary.as_deref().unwrap_or(self.contents.as_bytes())
    }
}
