//! Companions of every Splunk build: the health plan (src/health.rs) as a search, and the base-search
//! macro.

use std::path::PathBuf;

use serde::Serialize;

use super::escape::{field, string};
use super::Splunk;
use crate::backend::{Artifact, Target};
use crate::catalogue::Field;
use crate::diag::Diagnostic;
use crate::health::Thresholds;

#[derive(Serialize)]
struct HealthCx<'a> {
    base_macro: &'a str,
    #[serde(flatten)]
    t: Thresholds,
    category: String,
    sources: String,
    sources_csv: String,
    session: String,
    session_path: String,
    event_time: String,
    event_time_path: String,
    method: String,
    result: String,
}

#[derive(Serialize)]
struct MacrosCx<'a> {
    base_macro: &'a str,
    definition: &'a str,
}

pub(super) fn companions(b: &Splunk) -> Result<Vec<Artifact>, Diagnostic> {
    let p = &b.profile;
    let sources: Vec<String> = p.health.sources.iter().map(|s| string(s)).collect();
    let cx = HealthCx {
        base_macro: &p.base_macro,
        t: p.health.thresholds(),
        category: field(&p.category_field),
        sources: sources.join(", "),
        sources_csv: string(&p.health.sources.join(",")),
        session: field(p.path(Field::SessionId)?),
        session_path: string(p.path(Field::SessionId)?),
        event_time: field(p.path(Field::Time)?),
        event_time_path: string(p.path(Field::Time)?),
        method: field(p.path(Field::AuthMethods)?),
        result: field(p.path(Field::AuthStepResults)?),
    };
    let t = super::templates()?;
    Ok(vec![
        Artifact::shared(
            Target::Splunk,
            PathBuf::from("splunk/_health/sign-in-health.spl"),
            t.render("splunk/health.spl", &cx)?,
        ),
        Artifact::shared(
            Target::Splunk,
            PathBuf::from("splunk/macros.conf"),
            t.render(
                "splunk/macros.conf",
                &MacrosCx {
                    base_macro: &p.base_macro,
                    definition: &p.base_definition,
                },
            )?,
        ),
    ])
}
