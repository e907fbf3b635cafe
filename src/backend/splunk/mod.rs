//! Splunk: plans as SPL over the Entra sign-in events the Microsoft Cloud Services add-on indexes, and
//! an app with saved searches. Layout lives in templates/splunk, data in profiles/splunk.yaml.

mod cond;
pub mod escape;
pub mod events;
mod health;
pub mod profile;
pub mod publish;
mod query;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde_json::Value as Json;

pub use profile::Profile;

use super::{Artifact, ArtifactKind, Backend, Prelude, Target};
use crate::catalogue::Field;
use crate::diag::Diagnostic;
use crate::duration::Duration;
use crate::events::{AuthDetails, Event};
use crate::ir::{Cond, EventShape, FieldRef, List, Value};
use crate::plan::{Output, Plan, Pred, Role};
use crate::render::Templates;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "splunk/header.spl",
        include_str!("../../../templates/splunk/header.spl.j2"),
    ),
    (
        "splunk/correlation.spl",
        include_str!("../../../templates/splunk/correlation.spl.j2"),
    ),
    (
        "splunk/single.spl",
        include_str!("../../../templates/splunk/single.spl.j2"),
    ),
    (
        "splunk/health.spl",
        include_str!("../../../templates/splunk/health.spl.j2"),
    ),
    (
        "splunk/macros.conf",
        include_str!("../../../templates/splunk/macros.conf.j2"),
    ),
];

static ENV: LazyLock<Result<Templates, String>> =
    LazyLock::new(|| Templates::new(TEMPLATES, escape::register));

fn templates() -> Result<&'static Templates, Diagnostic> {
    ENV.as_ref()
        .map_err(|e| Diagnostic::error("E090", e.clone()))
}

/// The Splunk backend, configured with its profile.
pub struct Splunk {
    pub profile: Profile,
}

/// The bundled profile, or `splunk.yaml` in `dir`.
pub fn load(dir: Option<&Path>) -> Result<Splunk, Vec<Diagnostic>> {
    let file = super::profile_source(
        dir,
        "splunk.yaml",
        include_str!("../../../profiles/splunk.yaml"),
    )
    .map_err(|d| vec![d])?;
    Ok(Splunk {
        profile: Profile::load(&file)?,
    })
}

impl Backend for Splunk {
    fn target(&self) -> Target {
        Target::Splunk
    }

    fn event_shape(&self) -> EventShape {
        EventShape::Splunk
    }

    fn query_extension(&self) -> &'static str {
        "spl"
    }

    fn string(&self, s: &str) -> String {
        escape::string(s)
    }

    fn value(&self, v: &Value) -> String {
        escape::value(v)
    }

    fn column(&self, f: FieldRef) -> String {
        cond::column(f)
    }

    /// CIM names where Splunk has one (`_time`, `user`), the canonical name otherwise.
    fn output_name(&self, o: &Output) -> String {
        match o.role {
            Role::Time => "_time".into(),
            Role::Account => "user".into(),
            _ => o.name.clone(),
        }
    }

    fn and(&self) -> &'static str {
        " AND "
    }

    fn or(&self) -> &'static str {
        " OR "
    }

    fn not(&self, inner: &str) -> String {
        format!("NOT ({inner})")
    }

    fn atom(&self, c: &Cond, lists: &[List], prelude: &mut Prelude) -> String {
        cond::atom(c, lists, prelude)
    }

    fn plan_atom(&self, p: &Pred) -> (String, u8) {
        cond::plan_atom(p)
    }

    fn duration(&self, d: Duration) -> String {
        escape::relative(d)
    }

    fn render(&self, plan: &Plan) -> Result<Artifact, Diagnostic> {
        let text = query::render(self, plan).map_err(|e| super::naming_rule(e, plan))?;
        Ok(Artifact::of_rule(
            Target::Splunk,
            ArtifactKind::Query,
            &plan.meta.id,
            PathBuf::from(format!("splunk/{}.spl", plan.meta.id)),
            text,
        ))
    }

    fn companions(&self) -> Result<Vec<Artifact>, Diagnostic> {
        health::companions(self)
    }

    fn publish(
        &self,
        rules: &[(&Plan, &Artifact)],
        companions: &[Artifact],
    ) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        publish::app(self, rules, companions).map_err(|e| vec![e])
    }

    fn read_event(&self, record: &Json) -> (Event, AuthDetails) {
        (
            events::read(&self.profile, record),
            events::auth_details(&self.profile, record),
        )
    }

    fn source_of(&self, f: Field) -> String {
        self.profile.source_of(f)
    }
    fn key_used(&self, f: Field, record: &Json) -> Option<String> {
        (f == Field::LogTime)
            .then(|| events::time_key(record))
            .flatten()
            .map(str::to_string)
    }

    fn profile_schema(&self) -> schemars::Schema {
        profile::schema()
    }

    fn health(&self) -> &crate::health::HealthPlan {
        &self.profile.health
    }
}
