//! The companion health query: the health plan (src/health.rs) as KQL over the sign-in tables.

use std::path::PathBuf;

use serde::Serialize;

use super::escape::{dynamic, timespan};
use super::query::Leg;
use super::Sentinel;
use crate::backend::{Artifact, Target};
use crate::catalogue::Field;
use crate::diag::Diagnostic;
use crate::health::Thresholds;

/// Where the health query is written; the health rule deploys it.
pub(super) const HEALTH_QUERY: &str = "sentinel/_health/sign-in-health.kql";
use crate::ir::Value;

#[derive(Serialize)]
struct HealthCx<'a> {
    lookback: String,
    #[serde(flatten)]
    t: Thresholds,
    expected: String,
    legs: Vec<Leg>,
    time_column: &'a str,
    time_column_event: String,
    session_column: String,
    details_column: String,
    method_key: String,
    result_key: String,
}

pub(super) fn companions(b: &Sentinel) -> Result<Vec<Artifact>, Diagnostic> {
    let p = &b.profile;
    let methods = p.map(Field::AuthMethods)?;
    let results = p.map(Field::AuthStepResults)?;
    let plain = |f: Field| -> Result<String, Diagnostic> { Ok(p.map(f)?.column.clone()) };
    let cx = HealthCx {
        lookback: timespan(p.health.lookback),
        t: p.health.thresholds(),
        expected: dynamic(
            &p.health
                .sources
                .iter()
                .cloned()
                .map(Value::Str)
                .collect::<Vec<_>>(),
        ),
        legs: p
            .tables
            .iter()
            .map(|t| Leg {
                table: t.clone(),
                extends: Vec::new(),
            })
            .collect(),
        time_column: &p.time_column,
        time_column_event: plain(Field::Time)?,
        session_column: plain(Field::SessionId)?,
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
        PathBuf::from(HEALTH_QUERY),
        super::templates()?.render("sentinel/health.kql", &cx)?,
    )])
}
