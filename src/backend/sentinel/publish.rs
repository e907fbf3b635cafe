//! What Sentinel deployments consume: a Scheduled analytic rule per query as an ARM template (the
//! workspace-nested `alertRules` form the Repositories connector deploys) and in the Azure-Sentinel YAML
//! format, plus watchlists (CSV + ARM) for external lists.

use std::path::PathBuf;

use serde_json::{json, Value as Json};

use super::escape::severity as sentinel_severity;
use super::Sentinel;
use crate::backend::{Artifact, ArtifactKind, Backend, Target};
use crate::diag::Diagnostic;
use crate::duration::Duration;
use crate::ir::Meta;
use crate::plan::{EntityKind, OutputValue, Plan};

/// Stable in every workspace: `uuid5(uuid5(NAMESPACE_URL, "urn:tokenward:sentinel:alert-rule"), id)`.
pub fn rule_guid(id: &str) -> String {
    let ns = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        b"urn:tokenward:sentinel:alert-rule",
    );
    uuid::Uuid::new_v5(&ns, id.as_bytes()).to_string()
}

pub const API_VERSION: &str = "2025-09-01";

fn tactics<'p>(
    d: &Meta,
    profile: &'p super::Profile,
) -> Result<(Vec<&'p str>, Vec<String>), Diagnostic> {
    let mut tactics = Vec::new();
    let mut techniques = Vec::new();
    for (i, t) in d.attack.iter().enumerate() {
        let parent = t.split('.').next().unwrap_or(t);
        let Some(ts) = profile.tactics.get(parent) else {
            let mut e = Diagnostic::error(
                "E080",
                format!("rule `{}`: the Sentinel profile knows no tactics for {t}", d.id),
            )
            .help(format!(
                "add `{parent}: [Tactic, …]` under `tactics:` in the Sentinel profile ({}; a project copy is passed with --profiles)",
                profile.source.display()
            ));
            if let Some(span) = d.attack_at.get(i) {
                e = e.at(span.clone());
            }
            return Err(e);
        };
        tactics.extend(ts.iter().map(String::as_str));
        if !techniques.contains(&parent.to_string()) {
            techniques.push(parent.to_string());
        }
    }
    // Sentinel's order (the REST enum), so the output does not depend on the rule's order.
    tactics.sort_by_key(|t| super::SENTINEL_TACTICS.iter().position(|o| o == t));
    tactics.dedup();
    Ok((tactics, techniques))
}

/// ISO 8601 duration as ARM wants it: PT15M, PT1H30M, P1D.
pub fn iso(d: Duration) -> String {
    let s = d.seconds;
    let (days, rest) = (s / 86_400, s % 86_400);
    let (h, m, sec) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if rest > 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if sec > 0 {
            out.push_str(&format!("{sec}S"));
        }
    }
    if out == "P" {
        out.push_str("T0M");
    }
    out
}

/// Entity mappings, custom details and the alert title, from the plan's outputs.
fn entities_and_details(b: &Sentinel, plan: &Plan) -> (Json, Json, String) {
    let name = |o: &crate::plan::Output| b.output_name(o);
    let mut mappings = Vec::new();
    for e in plan
        .outputs
        .entities
        .iter()
        .filter(|e| e.kind == EntityKind::Account)
    {
        let Some(o) = plan.output(&e.output) else {
            continue;
        };
        let mut fields = vec![json!({"identifier": "FullName", "columnName": name(o)})];
        if let Some(id) = e.id_output.as_deref().and_then(|i| plan.output(i)) {
            fields.push(json!({"identifier": "AadUserId", "columnName": name(id)}));
        }
        mappings.push(json!({"entityType": "Account", "fieldMappings": fields}));
    }
    for o in plan.entities(EntityKind::Ip) {
        mappings.push(json!({
            "entityType": "IP",
            "fieldMappings": [{"identifier": "Address", "columnName": name(o)}],
        }));
    }
    let details: serde_json::Map<String, Json> = plan
        .outputs
        .details
        .iter()
        .filter_map(|d| plan.output(d))
        .map(|o| (name(o), Json::from(name(o))))
        .collect();
    let account = plan.entities(EntityKind::Account).next().map(name);
    let ip = plan.entities(EntityKind::Ip).next().map(name);
    let score = plan
        .outputs
        .columns
        .iter()
        .find(|o| o.value == OutputValue::Score)
        .map(name);
    let mut title = short(&plan.meta.title);
    if let Some(a) = account {
        title.push_str(&format!(": {{{{{a}}}}}"));
    }
    if let Some(i) = ip {
        title.push_str(&format!(" from {{{{{i}}}}}"));
    }
    if let Some(s) = score {
        title.push_str(&format!(" (score {{{{{s}}}}})"));
    }
    (Json::Array(mappings), Json::Object(details), title)
}

fn short(title: &str) -> String {
    title.chars().take(150).collect()
}

/// The properties of a Scheduled alert rule for `query`.
fn rule_properties(b: &Sentinel, plan: &Plan, query: &str) -> Result<Json, Diagnostic> {
    let d = &plan.meta;
    let (tactics, techniques) = tactics(d, &b.profile)?;
    let (entities, details, title) = entities_and_details(b, plan);
    let grouping_key = plan
        .output(&plan.outputs.group_by)
        .map(|o| b.output_name(o))
        .unwrap_or_default();
    let severity_column = plan
        .output_with(crate::plan::Role::Severity)
        .map(|o| b.output_name(o))
        .unwrap_or_default();
    Ok(json!({
        "displayName": d.title,
        "description": d.description,
        "severity": sentinel_severity(d.severity),
        "enabled": true,
        "query": query,
        "queryFrequency": iso(plan.schedule.every),
        "queryPeriod": iso(plan.schedule.lookback),
        "triggerOperator": "GreaterThan",
        "triggerThreshold": 0,
        "suppressionDuration": "PT1H",
        "suppressionEnabled": false,
        "tactics": tactics,
        "techniques": techniques,
        "entityMappings": entities,
        "customDetails": details,
        "alertDetailsOverride": {
            "alertDisplayNameFormat": title,
            "alertSeverityColumnName": severity_column,
        },
        "eventGroupingSettings": {"aggregationKind": "AlertPerResult"},
        "incidentConfiguration": {
            "createIncident": true,
            "groupingConfiguration": {
                "enabled": true,
                "reopenClosedIncident": false,
                "lookbackDuration": "P1D",
                "matchingMethod": "Selected",
                "groupByEntities": [],
                "groupByAlertDetails": [],
                "groupByCustomDetails": [grouping_key],
            },
        },
    }))
}

fn arm(resources: Vec<Json>) -> String {
    let template = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "workspace": {
                "type": "String",
                "metadata": {"description": "Name of the Log Analytics workspace that has Microsoft Sentinel enabled."},
            },
        },
        "resources": resources,
    });
    let mut s = serde_json::to_string_pretty(&template).unwrap_or_default();
    s.push('\n');
    s
}

fn alert_rule(guid: &str, properties: Json) -> Json {
    json!({
        "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
        "apiVersion": API_VERSION,
        "name": format!("[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '{guid}')]"),
        "kind": "Scheduled",
        "properties": properties,
    })
}

/// The query as deployed: the .kql file without its whole-line comments (the rule object carries the
/// header's facts, the committed .kql keeps the rest for reviewers, and every character counts against
/// Sentinel's limit).
pub fn deployed_query(query: &str) -> String {
    crate::limits::deployed_kql(query)
}

/// Points a "query too long" error at the rule's longest line: the inline values or the condition that
/// make the query long (the rule file is re-read; when it cannot be, the error names the file).
fn longest_line(d: Diagnostic, rule: &std::path::Path) -> Diagnostic {
    let Ok(file) = crate::model::read_source(rule) else {
        return d.in_file(rule);
    };
    let mut best = 0..0;
    let mut offset = 0;
    for line in file.text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.len() > best.len() {
            best = offset..offset + body.len();
        }
        offset += line.len();
    }
    let span = crate::diag::Span::new(&file, best.start, best.end);
    d.at(span)
        .note("the rule's longest line, where the query's length most likely comes from")
}

/// The ARM template and Azure-Sentinel YAML of one rule, from its compiled query.
fn rule_artifacts(b: &Sentinel, plan: &Plan, query: &str) -> Result<Vec<Artifact>, Diagnostic> {
    let d = &plan.meta;
    let query = &deployed_query(query);
    let chars = query.chars().count();
    if chars > crate::limits::SENTINEL_QUERY_CHARS {
        return Err(longest_line(
            Diagnostic::error(
                "E081",
                format!("rule `{}`: the Sentinel query is {chars} characters, over the 10,000-character limit", d.id),
            ),
            std::path::Path::new(&d.source),
        )
        .help("named lists that shorten the query are already read from watchlists (tokenward_<list>); move inline `[…]` values into `lists:` so they can be too, or split the rule"));
    }
    // ARM reads a string starting with `[` as an expression; a query never starts so (it starts with `//`).
    let guid = rule_guid(&d.id);
    let props = rule_properties(b, plan, query)?;
    let arm_text = arm(vec![alert_rule(&guid, props.clone())]);
    let (tactics, _) = tactics(d, &b.profile)?;
    let yaml = super::templates()?.render(
        "sentinel/analytic-rule.yaml",
        &json!({
            "id": guid,
            "name": d.title,
            "description": d.description,
            "severity": sentinel_severity(d.severity),
            "frequency": plan.schedule.every.to_string(),
            "period": plan.schedule.lookback.to_string(),
            "tactics": tactics,
            "techniques": d.attack,
            "query_lines": query.lines().collect::<Vec<_>>(),
            "entity_mappings": props["entityMappings"],
            "custom_details": props["customDetails"],
            "display_format": props["alertDetailsOverride"]["alertDisplayNameFormat"],
            "severity_column": props["alertDetailsOverride"]["alertSeverityColumnName"],
            "grouping_key": props["incidentConfiguration"]["groupingConfiguration"]["groupByCustomDetails"][0],
            "controls": d.controls,
        }),
    )?;
    Ok(vec![
        Artifact::of_rule(
            Target::Sentinel,
            ArtifactKind::Deployment,
            &d.id,
            PathBuf::from(format!("sentinel/arm/{}.json", d.id)),
            arm_text,
        ),
        Artifact::of_rule(
            Target::Sentinel,
            ArtifactKind::Deployment,
            &d.id,
            PathBuf::from(format!("sentinel/analytic-rules/{}.yaml", d.id)),
            yaml,
        ),
    ])
}

/// Every deployment artifact: each rule's analytic rule, the health rule, and the watchlists.
pub(super) fn publish(
    b: &Sentinel,
    rules: &[(&Plan, &Artifact)],
    companions: &[Artifact],
) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    // The plans as deployed: long inline lists moved to watchlists, as the queries read them.
    let mut deployed = Vec::new();
    for (plan, _) in rules {
        match b.deployable(plan) {
            Ok(p) => deployed.push(p),
            Err(e) => errs.push(e),
        }
    }
    let rules: Vec<(&Plan, &Artifact)> =
        deployed.iter().zip(rules.iter().map(|(_, a)| *a)).collect();
    for (plan, query) in &rules {
        match rule_artifacts(b, plan, &query.contents) {
            Ok(a) => out.extend(a),
            Err(e) => errs.push(e),
        }
    }
    match companions
        .iter()
        .find(|a| a.path == std::path::Path::new(super::health::HEALTH_QUERY))
    {
        Some(health) => out.push(health_artifact(
            &deployed_query(&health.contents),
            b.profile.health.lookback,
        )),
        None => errs.push(Diagnostic::error(
            "E090",
            format!(
                "the health query {} was not rendered",
                super::health::HEALTH_QUERY
            ),
        )),
    }
    for (plan, _) in rules.iter().filter(|(p, _)| p.correlation().is_none()) {
        match nrt_artifact(b, plan) {
            Ok(a) => out.push(a),
            Err(e) => errs.push(e),
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (plan, _) in &rules {
        for l in &plan.lists {
            if l.external
                .as_ref()
                .is_some_and(|e| seen.insert(e.watchlist.clone()))
            {
                out.extend(watchlist_artifacts(l));
            }
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// The health query as a scheduled rule of its own, every hour over its lookback.
fn health_artifact(query: &str, lookback: Duration) -> Artifact {
    let guid = rule_guid("tokenward-sign-in-health");
    let props = json!({
        "displayName": "tokenward health: Entra sign-in data missing or degraded",
        "description": "Fires when no sign-in arrives, when one sign-in table stops while the other flows, or when sign-ins lose their SessionId, their authenticationDetails steps or their own time, so the detections that read them do not go blind silently.",
        "severity": "Low",
        "enabled": true,
        "query": query,
        "queryFrequency": "PT1H",
        "queryPeriod": iso(lookback),
        "triggerOperator": "GreaterThan",
        "triggerThreshold": 0,
        "suppressionDuration": "PT1H",
        "suppressionEnabled": false,
        "tactics": ["DefenseEvasion"],
        "techniques": ["T1562"],
        "eventGroupingSettings": {"aggregationKind": "AlertPerResult"},
        "incidentConfiguration": {"createIncident": true},
    });
    Artifact::shared(
        Target::Sentinel,
        PathBuf::from("sentinel/arm/_health-sign-ins.json"),
        arm(vec![alert_rule(&guid, props)]),
    )
}

/// Near-real-time analytic rules exist only in the SecurityInsights preview API.
pub const NRT_API_VERSION: &str = "2022-11-01-preview";

/// A single-event rule as a near-real-time (NRT) analytic rule: Sentinel runs it every minute over what
/// arrived since the last run, so its query has no lookback or slice of its own. Correlations need the
/// window's history and stay scheduled (docs/deploy.md).
fn nrt_artifact(b: &Sentinel, plan: &Plan) -> Result<Artifact, Diagnostic> {
    let d = &plan.meta;
    let query = deployed_query(&super::query::render_nrt(b, plan)?);
    let (tactics, techniques) = tactics(d, &b.profile)?;
    let (entities, details, title) = entities_and_details(b, plan);
    let props = json!({
        "displayName": format!("{} (NRT)", d.title),
        "description": d.description,
        "severity": sentinel_severity(d.severity),
        "enabled": false,
        "query": query,
        "suppressionDuration": "PT1H",
        "suppressionEnabled": false,
        "tactics": tactics,
        "techniques": techniques,
        "entityMappings": entities,
        "customDetails": details,
        "alertDetailsOverride": {
            "alertDisplayNameFormat": title,
            "alertSeverityColumnName": "Severity",
        },
        "eventGroupingSettings": {"aggregationKind": "AlertPerResult"},
        "incidentConfiguration": {"createIncident": true},
    });
    let guid = rule_guid(&format!("{}-nrt", d.id));
    let resource = json!({
        "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
        "apiVersion": NRT_API_VERSION,
        "name": format!("[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '{guid}')]"),
        "kind": "NRT",
        "properties": props,
    });
    Ok(Artifact::of_rule(
        Target::Sentinel,
        ArtifactKind::Deployment,
        &d.id,
        PathBuf::from(format!("sentinel/arm/{}-nrt.json", d.id)),
        arm(vec![resource]),
    ))
}

/// A watchlist for an external list: its CSV (seeded with the list's values) and an ARM template.
fn watchlist_artifacts(list: &crate::ir::List) -> Vec<Artifact> {
    let Some(ext) = &list.external else {
        return Vec::new();
    };
    let csv = crate::backend::list_csv("SearchKey", &list.values);
    let resource = json!({
        "type": "Microsoft.OperationalInsights/workspaces/providers/Watchlists",
        "apiVersion": API_VERSION,
        "name": format!("[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '{}')]", ext.watchlist),
        "properties": {
            "displayName": ext.watchlist,
            "watchlistAlias": ext.watchlist,
            "description": list.description.clone().unwrap_or_else(|| format!("tokenward list {}", list.name)),
            "provider": "tokenward",
            "source": "Local file",
            "itemsSearchKey": "SearchKey",
            "contentType": "text/csv",
            "numberOfLinesToSkip": 0,
            "rawContent": csv,
        },
    });
    vec![
        Artifact::shared(
            Target::Sentinel,
            PathBuf::from(format!("sentinel/watchlists/{}.csv", ext.watchlist)),
            csv,
        ),
        Artifact::shared(
            Target::Sentinel,
            PathBuf::from(format!("sentinel/watchlists/{}.json", ext.watchlist)),
            arm(vec![resource]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_uuid5_of_the_rule_id() {
        assert_eq!(
            rule_guid("aitm-session-replay"),
            "9b5a9716-553f-5047-bb34-7ff6b2631817"
        );
    }

    #[test]
    fn iso_durations() {
        assert_eq!(iso(Duration::minutes(15)), "PT15M");
        assert_eq!(iso(Duration::minutes(90)), "PT1H30M");
        assert_eq!(iso(Duration::days(1)), "P1D");
        assert_eq!(
            iso(Duration {
                seconds: 86_400 + 3_600
            }),
            "P1DT1H"
        );
    }
}
