//! The companion health query: are authenticationDetails still arriving in each sign-in table?

use std::path::PathBuf;

use serde::Serialize;

use super::escape::timespan;
use super::query::Leg;
use super::Sentinel;
use crate::backend::{Artifact, Target};
use crate::catalogue::Field;
use crate::diag::Diagnostic;

#[derive(Serialize)]
struct HealthCx<'a> {
    lookback: String,
    threshold: f64,
    min_events: u64,
    legs: Vec<Leg>,
    time_column: &'a str,
    details_column: String,
    method_key: String,
    result_key: String,
}

pub(super) fn companions(b: &Sentinel) -> Result<Vec<Artifact>, Diagnostic> {
    let p = &b.profile;
    let methods = p.map(Field::AuthMethods)?;
    let results = p.map(Field::AuthStepResults)?;
    let cx = HealthCx {
        lookback: timespan(p.health_lookback),
        threshold: p.health.threshold,
        min_events: p.health.min_events,
        legs: p
            .tables
            .iter()
            .map(|t| Leg {
                table: t.clone(),
                converts: Vec::new(),
            })
            .collect(),
        time_column: &p.time_column,
        details_column: methods.column.clone(),
        method_key: methods
            .each
            .clone()
            .unwrap_or_else(|| "authenticationMethod".into()),
        result_key: results
            .each
            .clone()
            .unwrap_or_else(|| "authenticationStepResultDetail".into()),
    };
    Ok(vec![Artifact::shared(
        Target::Sentinel,
        PathBuf::from("sentinel/_health/auth-details-health.kql"),
        super::templates()?.render("sentinel/health.kql", &cx)?,
    )])
}
