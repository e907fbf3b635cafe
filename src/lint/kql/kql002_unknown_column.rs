//! KQL002: a column that does not exist at that point of the pipeline.

use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};

pub static LINT: Lint = Lint {
    code: "KQL002",
    name: "unknown-column",
    language: Language::Kql,
    level: Setting::Error,
    summary: "a column that does not exist at that point of the pipeline",
    doc: Doc {
        what: "Follows the columns of each table (from the schemas) through the pipeline — project, extend, summarize, join, union, mv-expand, parse — and reports names that are not columns or let-bound names where they are used (the column and type model KQL006 and KQL010 share). Where the flow is not modelled (plugins, functions, columns Kusto names itself) it stays quiet. It models the union type split: a column whose type differs between the tables of a `union` becomes `Column_type` columns.",
        why: "A misspelt or vanished column is a query error in Sentinel, and the union trap is worse: `union SigninLogs, AADNonInteractiveUserSignInLogs` turns `DeviceDetail` into `DeviceDetail_dynamic` and `DeviceDetail_string`, so `DeviceDetail.deviceId` no longer exists after the union.",
        example: "union SigninLogs, AADNonInteractiveUserSignInLogs\n| extend DeviceId = tostring(DeviceDetail.deviceId)",
        fix: "Use the column's real name (the hint suggests the closest); before a union, convert differing columns in each table: `extend DeviceDetail = todynamic(DeviceDetail)`.",
    },
    check,
};

fn check(src: &Source<'_>) -> Vec<Finding> {
    src.kql_model()
        .map(|m| m.unknown.clone())
        .unwrap_or_default()
}
