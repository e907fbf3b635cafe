//! Microsoft Sentinel: plans as KQL over the two Entra sign-in tables, analytic rules as ARM and YAML,
//! watchlists. Layout lives in templates/sentinel, data in profiles/sentinel.yaml.

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

pub use profile::{Profile, SENTINEL_TACTICS};

use super::{Artifact, ArtifactKind, Backend, Prelude, Target};
use crate::catalogue::Field;
use crate::diag::Diagnostic;
use crate::duration::Duration;
use crate::events::{AuthDetails, Event};
use crate::ir::{Cond, EventShape, FieldRef, List, Value};
use crate::plan::{Output, Plan, Pred, Role};
use crate::render::{pascal_case, Templates};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "sentinel/header.kql",
        include_str!("../../../templates/sentinel/header.kql.j2"),
    ),
    (
        "sentinel/lets.kql",
        include_str!("../../../templates/sentinel/lets.kql.j2"),
    ),
    (
        "sentinel/correlation.kql",
        include_str!("../../../templates/sentinel/correlation.kql.j2"),
    ),
    (
        "sentinel/single.kql",
        include_str!("../../../templates/sentinel/single.kql.j2"),
    ),
    (
        "sentinel/health.kql",
        include_str!("../../../templates/sentinel/health.kql.j2"),
    ),
    (
        "sentinel/analytic-rule.yaml",
        include_str!("../../../templates/sentinel/analytic-rule.yaml.j2"),
    ),
];

static ENV: LazyLock<Result<Templates, String>> =
    LazyLock::new(|| Templates::new(TEMPLATES, escape::register));

fn templates() -> Result<&'static Templates, Diagnostic> {
    ENV.as_ref()
        .map_err(|e| Diagnostic::error("E090", e.clone()))
}

/// The Sentinel backend, configured with its profile.
pub struct Sentinel {
    pub profile: Profile,
}

/// A deployed query stays this far under Sentinel's 10,000-character limit; longer, its biggest inline
/// lists are read from watchlists instead (room is left for a site's own longer values).
pub const QUERY_BUDGET: usize = 9_500;

impl Sentinel {
    /// The plan as this target deploys it: inline lists that would push the query past
    /// [`QUERY_BUDGET`] become watchlists (`tokenward_<list>`), the largest first, until it fits.
    pub fn deployable(&self, plan: &Plan) -> Result<Plan, Diagnostic> {
        let length = |p: &Plan| -> Result<usize, Diagnostic> {
            let text = query::render(self, p).map_err(|e| super::naming_rule(e, p))?;
            Ok(publish::deployed_query(&text).chars().count())
        };
        let mut plan = plan.clone();
        let mut len = length(&plan)?;
        while len > QUERY_BUDGET {
            // The inline list whose move to a watchlist shortens the query most; none that lengthens it.
            let mut best: Option<(usize, Plan)> = None;
            for (i, l) in plan.lists.iter().enumerate() {
                if l.external.is_some() {
                    continue;
                }
                let mut moved = plan.clone();
                let name = format!("tokenward_{}", l.name);
                moved.lists[i].external = Some(crate::ir::External {
                    watchlist: name.clone(),
                    lookup: name,
                    lookup_field: "value".into(),
                });
                let n = length(&moved)?;
                if n < best.as_ref().map_or(len, |(b, _)| *b) {
                    best = Some((n, moved));
                }
            }
            match best {
                Some((n, moved)) => {
                    plan = moved;
                    len = n;
                }
                // Publishing reports what is left (E081).
                None => break,
            }
        }
        Ok(plan)
    }
}

/// The bundled profile, or `sentinel.yaml` in `dir`.
pub fn load(dir: Option<&Path>) -> Result<Sentinel, Vec<Diagnostic>> {
    let file = super::profile_source(
        dir,
        "sentinel.yaml",
        include_str!("../../../profiles/sentinel.yaml"),
    )
    .map_err(|d| vec![d])?;
    Ok(Sentinel {
        profile: Profile::load(&file)?,
    })
}

impl Backend for Sentinel {
    fn target(&self) -> Target {
        Target::Sentinel
    }

    fn event_shape(&self) -> EventShape {
        EventShape::Sentinel
    }

    fn query_extension(&self) -> &'static str {
        "kql"
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

    fn output_name(&self, o: &Output) -> String {
        match o.role {
            Role::Time => self.profile.time_column.clone(),
            _ => pascal_case(&o.name),
        }
    }

    fn and(&self) -> &'static str {
        " and "
    }

    fn or(&self) -> &'static str {
        " or "
    }

    fn not(&self, inner: &str) -> String {
        format!("not({inner})")
    }

    fn atom(&self, c: &Cond, lists: &[List], _prelude: &mut Prelude) -> String {
        cond::atom(c, lists)
    }

    fn plan_atom(&self, p: &Pred) -> (String, u8) {
        cond::plan_atom(p)
    }

    fn duration(&self, d: Duration) -> String {
        escape::timespan(d)
    }

    fn render(&self, plan: &Plan) -> Result<Artifact, Diagnostic> {
        let plan = &self.deployable(plan)?;
        let text = query::render(self, plan).map_err(|e| super::naming_rule(e, plan))?;
        Ok(Artifact::of_rule(
            Target::Sentinel,
            ArtifactKind::Query,
            &plan.meta.id,
            PathBuf::from(format!("sentinel/{}.kql", plan.meta.id)),
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
        publish::publish(self, rules, companions)
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
    fn profile_schema(&self) -> schemars::Schema {
        profile::schema()
    }

    fn health(&self) -> &crate::health::HealthPlan {
        &self.profile.health
    }
}
