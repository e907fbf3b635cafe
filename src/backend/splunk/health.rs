//! Companions of every Splunk build: the authenticationDetails health search and the base-search macro.

use std::path::PathBuf;

use serde::Serialize;

use super::escape::{field, relative};
use super::Splunk;
use crate::backend::{Artifact, Target};
use crate::catalogue::Field;
use crate::diag::Diagnostic;

#[derive(Serialize)]
struct HealthCx<'a> {
    base_macro: &'a str,
    earliest: String,
    lookback: String,
    threshold: f64,
    min_events: u64,
    category: String,
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
    let cx = HealthCx {
        base_macro: &p.base_macro,
        earliest: relative(p.health_lookback),
        lookback: p.health_lookback.to_string(),
        threshold: p.health.threshold,
        min_events: p.health.min_events,
        category: p.health.category_field.clone(),
        method: field(p.path(Field::AuthMethods)?),
        result: field(p.path(Field::AuthStepResults)?),
    };
    let t = super::templates()?;
    Ok(vec![
        Artifact::shared(
            Target::Splunk,
            PathBuf::from("splunk/_health/auth-details-health.spl"),
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
