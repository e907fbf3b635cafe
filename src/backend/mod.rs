//! Backends: a plan rendered for one SIEM through its profile and templates. [`Target::backend`] is the
//! only place a target becomes code; everything else goes through the [`Backend`] trait, which holds the
//! dialect (literals, operators, list membership, CIDR tests, durations) and the stages (query text,
//! companion queries, deployment artifacts, event readers). A third SIEM is one folder and a profile.

pub mod sentinel;
pub mod splunk;
mod text;

use std::path::Path;

use serde_json::Value as Json;

pub use crate::target::{Artifact, ArtifactKind, Target};
pub use text::{cond_text, pred_text, Prelude};

use crate::catalogue::Field;
use crate::diag::Diagnostic;
use crate::duration::Duration;
use crate::events::{AuthDetails, Event};
use crate::ir::{Cond, EventShape, FieldRef, List, Value};
use crate::plan::{Output, Plan, Pred};

impl Target {
    /// The target's backend, configured with its profile: the bundled one, or `<name>.yaml` in
    /// `profiles` when that file exists.
    pub fn backend(self, profiles: Option<&Path>) -> Result<Box<dyn Backend>, Vec<Diagnostic>> {
        match self {
            Target::Sentinel => sentinel::load(profiles).map(|b| Box::new(b) as Box<dyn Backend>),
            Target::Splunk => splunk::load(profiles).map(|b| Box::new(b) as Box<dyn Backend>),
        }
    }
}

/// One SIEM: its dialect and its stages. Implemented once per target folder.
pub trait Backend: Send + Sync {
    fn target(&self) -> Target;
    /// The shape of the events files this target's readers take (`*.<name>.json`).
    fn event_shape(&self) -> EventShape;
    /// The extension of query files (`kql`, `spl`).
    fn query_extension(&self) -> &'static str;

    // ---- dialect: the only ways a value or a test becomes query text ----
    /// A string literal; whatever `s` holds stays data.
    fn string(&self, s: &str) -> String;
    fn value(&self, v: &Value) -> String;
    /// The column holding a field of one event of the pair (or of the event, in single-event rules).
    fn column(&self, f: FieldRef) -> String;
    /// The name an output column has in this target.
    fn output_name(&self, o: &Output) -> String;
    fn and(&self) -> &'static str;
    fn or(&self) -> &'static str;
    fn not(&self, inner: &str) -> String;
    /// An atomic condition: equality, list membership, CIDR test, text test. Commands the test needs
    /// to run first (Splunk lookups) go into `prelude`.
    fn atom(&self, c: &Cond, lists: &[List], prelude: &mut Prelude) -> String;
    /// A plan-level test (`differs`, `labelled`, `risk_found`) and its precedence (2 for an `and` chain,
    /// 3 for an atom).
    fn plan_atom(&self, p: &Pred) -> (String, u8);
    /// A duration as this target writes time arithmetic.
    fn duration(&self, d: Duration) -> String;

    // ---- stages ----
    /// The query of one plan.
    fn render(&self, plan: &Plan) -> Result<Artifact, Diagnostic>;
    /// Queries and files that do not depend on a rule (health checks, the base-search macro).
    fn companions(&self) -> Result<Vec<Artifact>, Diagnostic>;
    /// Deployment artifacts from the rendered queries and companions.
    fn publish(
        &self,
        rules: &[(&Plan, &Artifact)],
        companions: &[Artifact],
    ) -> Result<Vec<Artifact>, Vec<Diagnostic>>;
    /// One exported record as a canonical event, and what became of its authenticationDetails.
    fn read_event(&self, record: &Json) -> (Event, AuthDetails);
    /// Every record of an events file exported from this target.
    fn read_events(&self, path: &Path) -> Result<Vec<(Event, AuthDetails)>, Diagnostic> {
        let mut out = Vec::new();
        self.each_event(path, &mut |e, d| out.push((e, d)))?;
        Ok(out)
    }
    /// Every record of an events file, streamed: one record in memory at a time.
    fn each_event(
        &self,
        path: &Path,
        f: &mut dyn FnMut(Event, AuthDetails),
    ) -> Result<(), Diagnostic> {
        crate::events::for_each_record(path, &mut |r| {
            let (e, d) = self.read_event(&r);
            f(e, d);
            Ok(())
        })
    }
    /// Where this target reads a canonical field, for reports.
    fn source_of(&self, f: Field) -> String;
    /// The key `record` carried `f` under, when the reader falls back from the profile's mapping (a
    /// raw Azure Monitor record's `time` for Splunk's `_time`).
    fn key_used(&self, _f: Field, _record: &Json) -> Option<String> {
        None
    }
    /// What this target's health query checks (its profile's `health:` section).
    fn health(&self) -> &crate::health::HealthPlan;
    /// The JSON Schema of this target's profile file, from the structs the profile is read with.
    fn profile_schema(&self) -> schemars::Schema;
}

/// Every target's backend, configured once per run.
pub struct Backends(Vec<Box<dyn Backend>>);

impl Backends {
    /// The bundled profiles, or the ones in `dir` where present.
    pub fn load(dir: Option<&Path>) -> Result<Self, Vec<Diagnostic>> {
        if let Some(d) = dir.filter(|d| !d.is_dir()) {
            return Err(vec![Diagnostic::error("E030", "no such profiles folder")
                .in_file(d)
                .help(
                    "pass a folder holding sentinel.yaml and/or splunk.yaml (copies of profiles/)",
                )]);
        }
        let mut out = Vec::new();
        let mut errs = Vec::new();
        for t in Target::ALL {
            match t.backend(dir) {
                Ok(b) => out.push(b),
                Err(e) => errs.extend(e),
            }
        }
        if errs.is_empty() {
            Ok(Self(out))
        } else {
            Err(errs)
        }
    }

    pub fn get(&self, t: Target) -> &dyn Backend {
        self.0
            .iter()
            .find(|b| b.target() == t)
            .map(|b| b.as_ref())
            .expect("every target is loaded")
    }

    /// The backend whose readers take this event shape.
    pub fn for_shape(&self, shape: EventShape) -> Option<&dyn Backend> {
        self.0
            .iter()
            .find(|b| b.event_shape() == shape)
            .map(|b| b.as_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Backend> {
        self.0.iter().map(|b| b.as_ref())
    }

    /// Reads each events file of each test case of the plans, in order, and hands it to `f` with its
    /// case, path and shape; every file that cannot be read is an error (E050), and then `f` has been
    /// given only the others.
    pub fn each_case_file(
        &self,
        plans: &[Plan],
        mut f: impl FnMut(&Plan, &crate::ir::TestCase, &str, EventShape, &[Event]),
    ) -> Result<(), Vec<Diagnostic>> {
        let mut errs = Vec::new();
        for plan in plans {
            for case in &plan.tests {
                for (file, shape) in &case.events {
                    let Some(b) = self.for_shape(*shape) else {
                        continue;
                    };
                    match b.read_events(Path::new(file)) {
                        Ok(r) => {
                            let events: Vec<Event> = r.into_iter().map(|(e, _)| e).collect();
                            f(plan, case, file, *shape, &events);
                        }
                        Err(d) => errs.push(d),
                    }
                }
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

/// Reads a profile file: `<dir>/<name>` when it exists, else the bundled text.
pub(crate) fn profile_source(
    dir: Option<&Path>,
    name: &str,
    bundled: &str,
) -> Result<std::sync::Arc<crate::diag::SourceFile>, Diagnostic> {
    match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
        Some(p) => crate::model::read_source(&p),
        None => Ok(crate::diag::SourceFile::new(
            format!("<bundled>/profiles/{name}"),
            bundled.to_string(),
        )),
    }
}

/// A profile's `target:` must name the target it is loaded for.
pub(crate) fn expect_target(
    file: &std::sync::Arc<crate::diag::SourceFile>,
    target: &crate::model::Spanned<String>,
    want: Target,
) -> Result<(), Diagnostic> {
    if target.value == want.name() {
        return Ok(());
    }
    Err(
        Diagnostic::error("E030", format!("profile target is `{}`", target.value))
            .at(crate::model::span_of(file, target))
            .help(format!(
                "the {} profile has `target: {}`",
                want.name(),
                want.name()
            )),
    )
}

/// An unmapped field is fixed in the profile; the message says which rule needs it.
pub(crate) fn naming_rule(mut e: Diagnostic, plan: &Plan) -> Diagnostic {
    if e.code == "E031" {
        e.message = format!(
            "{}, which rule `{}` ({}) reads",
            e.message, plan.meta.id, plan.meta.source
        );
    }
    e
}

/// A one-column CSV (watchlists, lookups): the header, then one value a row, quoted where RFC 4180
/// needs it (csv crate).
pub(crate) fn list_csv(column: &str, values: &[Value]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    let mut row = |s: &str| {
        // Writing into memory cannot fail.
        let _ = w.write_record([s]);
    };
    row(column);
    for v in values {
        match v {
            Value::Str(s) => row(s),
            Value::Int(i) => row(&i.to_string()),
            Value::Bool(b) => row(&b.to_string()),
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields() {
        let csv = list_csv(
            "value",
            &[
                Value::Str("a,b".into()),
                Value::Str("say \"hi\"".into()),
                Value::Str("line\nbreak".into()),
                Value::Int(7),
                Value::Str("plain".into()),
            ],
        );
        assert_eq!(
            csv,
            "value\n\"a,b\"\n\"say \"\"hi\"\"\"\n\"line\nbreak\"\n7\nplain\n"
        );
    }

    #[test]
    fn targets_round_trip_by_name() {
        for t in Target::ALL {
            assert_eq!(Target::by_name(t.name()), Some(t));
        }
    }
}
