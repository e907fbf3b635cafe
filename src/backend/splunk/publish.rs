//! What Splunk deployments consume: an app (`tokenward_detections`) with the searches as scheduled
//! alerts and Enterprise Security correlation searches, the base-search macro, lookups for external
//! lists, and a byte-stable .tgz package that passes AppInspect.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use super::Splunk;
use crate::backend::{Artifact, Backend, Target};
use crate::diag::Diagnostic;
use crate::duration::Duration;
use crate::ir::{ListKind, Severity};
use crate::plan::{EntityKind, Plan};

pub const APP: &str = "tokenward_detections";

/// Splunk's alert.severity scale: 1 debug … 6 fatal.
fn alert_severity(s: Severity) -> u8 {
    match s {
        Severity::Informational => 2,
        Severity::Low => 3,
        Severity::Medium => 4,
        Severity::High => 5,
    }
}

fn risk_score(s: Severity) -> u8 {
    match s {
        Severity::Informational => 10,
        Severity::Low => 25,
        Severity::Medium => 50,
        Severity::High => 75,
    }
}

/// A cron expression that runs every `every`, or an error when cron cannot say it.
pub fn cron(every: Duration) -> Result<String, String> {
    let m = every.seconds / 60;
    if !every.seconds.is_multiple_of(60) || m == 0 {
        return Err(format!("every {every} is not whole minutes"));
    }
    Ok(match m {
        m if m < 60 && 60u64.is_multiple_of(m) => format!("*/{m} * * * *"),
        60 => "0 * * * *".into(),
        m if m.is_multiple_of(60) && m < 1440 && 24u64.is_multiple_of(m / 60) => {
            format!("0 */{} * * *", m / 60)
        }
        1440 => "0 0 * * *".into(),
        _ => {
            return Err(format!(
                "cron cannot run every {every}: use a divisor of an hour or of a day"
            ))
        }
    })
}

/// A .conf value: one line (descriptions fold their line breaks).
fn conf_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A search as a multi-line .conf value: every line but the last ends with a continuation `\`.
/// The leading ``` header comments ``` are dropped; the stanza carries the same facts.
fn conf_search(search: &str, id: &str) -> Result<String, Diagnostic> {
    let lines: Vec<&str> = search
        .lines()
        .skip_while(|l| l.starts_with("```"))
        .collect();
    if let Some(bad) = lines.iter().find(|l| l.ends_with('\\')) {
        return Err(Diagnostic::error(
            "E082",
            format!("rule `{id}`: a search line ends with a backslash, which savedsearches.conf reads as a continuation: {bad}"),
        )
        .help("a list value ending in a backslash followed by a line break cannot be shipped; change the value"));
    }
    Ok(lines.join("\\\n"))
}

fn stanza(b: &Splunk, plan: &Plan, search: &str) -> Result<String, Diagnostic> {
    let d = &plan.meta;
    let lookback = plan.schedule.lookback;
    let cron = cron(plan.schedule.every).map_err(|why| {
        Diagnostic::error("E082", format!("rule `{}`: {why}", d.id))
            .in_file(std::path::Path::new(&d.source))
            .help("set schedule.every to 5m, 10m, 15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h or 1d")
    })?;
    let name = |o: &crate::plan::Output| b.output_name(o);
    let user_field = plan
        .entities(EntityKind::Account)
        .next()
        .map(name)
        .unwrap_or_default();
    let ip_field = plan
        .entities(EntityKind::Ip)
        .next()
        .map(name)
        .unwrap_or_default();
    let group = plan
        .output(&plan.outputs.group_by)
        .map(name)
        .unwrap_or_default();
    let group_path = plan
        .output(&plan.outputs.group_by)
        .and_then(|o| match &o.value {
            crate::plan::OutputValue::Field { field } => Some(b.source_of(field.field)),
            _ => None,
        })
        .unwrap_or_default();
    let annotations = serde_json::json!({ "mitre_attack": d.attack, "nist": d.controls });
    let risk = serde_json::json!([
        {"risk_object_field": user_field, "risk_object_type": "user", "risk_score": risk_score(d.severity)},
        {"threat_object_field": ip_field, "threat_object_type": "ip_address"},
    ]);
    let title = conf_line(&d.title);
    let description = conf_line(&d.description);
    let mut s = String::new();
    let _ = writeln!(s, "[tokenward - {} - Rule]", d.id);
    let _ = writeln!(s, "description = {description}");
    scheduled_alert(
        &mut s,
        &Alert {
            cron: &cron,
            lookback,
            severity: alert_severity(d.severity),
            suppress_field: &group,
            suppress_period: &format!("{}m", lookback.seconds / 60),
        },
    );
    let _ = writeln!(s, "action.correlationsearch.enabled = 1");
    let _ = writeln!(s, "action.correlationsearch.label = tokenward - {title}");
    let _ = writeln!(s, "action.correlationsearch.annotations = {annotations}");
    let _ = writeln!(s, "action.notable = 1");
    let _ = writeln!(
        s,
        "action.notable.param.rule_title = {title} (${user_field}$)"
    );
    let _ = writeln!(s, "action.notable.param.rule_description = {description}");
    let _ = writeln!(s, "action.notable.param.security_domain = identity");
    let _ = writeln!(s, "action.notable.param.severity = {}", d.severity.name());
    // Enterprise Security 8 reads the finding's entities from here: the same objects as the risk.
    let _ = writeln!(s, "action.notable.param._entities = {risk}");
    let _ = writeln!(
        s,
        "action.notable.param.drilldown_name = Sign-ins of session ${group}$"
    );
    let _ = writeln!(
        s,
        "action.notable.param.drilldown_search = `{}` {group_path}=\"${group}$\"",
        b.profile.base_macro
    );
    let _ = writeln!(s, "action.risk = 1");
    let _ = writeln!(s, "action.risk.param._risk = {risk}");
    let _ = writeln!(s, "action.risk.param._risk_message = {title}: user ${user_field}$, session ${group}$, from ${ip_field}$");
    let _ = writeln!(s, "search = {}", conf_search(search, &d.id)?);
    Ok(s)
}

/// How a saved search is scheduled and alerts; shared by the detections and the health search.
struct Alert<'a> {
    cron: &'a str,
    lookback: Duration,
    severity: u8,
    suppress_field: &'a str,
    suppress_period: &'a str,
}

/// Ships disabled: each site points the macro at its index first.
fn scheduled_alert(s: &mut String, a: &Alert<'_>) {
    let _ = writeln!(s, "disabled = 1");
    let _ = writeln!(s, "enableSched = 1");
    let _ = writeln!(s, "cron_schedule = {}", a.cron);
    let _ = writeln!(s, "schedule_window = auto");
    let _ = writeln!(
        s,
        "dispatch.earliest_time = {}@m",
        super::escape::relative(a.lookback)
    );
    let _ = writeln!(s, "dispatch.latest_time = now");
    let _ = writeln!(s, "counttype = number of events");
    let _ = writeln!(s, "relation = greater than");
    let _ = writeln!(s, "quantity = 0");
    let _ = writeln!(s, "alert.track = 1");
    let _ = writeln!(s, "alert.digest_mode = 0");
    let _ = writeln!(s, "alert.severity = {}", a.severity);
    let _ = writeln!(s, "alert.suppress = 1");
    let _ = writeln!(s, "alert.suppress.fields = {}", a.suppress_field);
    let _ = writeln!(s, "alert.suppress.period = {}", a.suppress_period);
}

fn health_stanza(search: &str, lookback: Duration) -> Result<String, Diagnostic> {
    let mut s = String::new();
    let _ = writeln!(s, "[tokenward - health - sign-ins]");
    let _ = writeln!(s, "description = tokenward health check: fires when no sign-in arrives (the macro misses the index), when one sign-in category stops while the other flows, or when sign-ins lose their session id, their authenticationDetails steps or their own time, so detections that read them do not go blind silently.");
    scheduled_alert(
        &mut s,
        &Alert {
            cron: "7 * * * *",
            lookback,
            severity: 3,
            suppress_field: "category",
            suppress_period: "24h",
        },
    );
    let _ = writeln!(s, "search = {}", conf_search(search, "health")?);
    Ok(s)
}

const APP_CONF: &str = "# tokenward detections: scheduled searches and ES correlation searches generated by tokenward.

[install]
is_configured = false
build = 1

[package]
id = tokenward_detections
check_for_updates = false

[id]
name = tokenward_detections
version = 0.1.0

[launcher]
author = tokenward
version = 0.1.0
description = Entra ID session replay and token theft detections compiled by tokenward, as scheduled searches and Splunk Enterprise Security correlation searches.

[ui]
is_visible = false
label = tokenward detections
";

const DEFAULT_META: &str = "# Everyone can read every object in this app; only admin and sc_admin (Splunk Cloud) can change them.
# export = system makes the macro and lookups visible to Enterprise Security and other apps.
[]
access = read : [ * ], write : [ admin, sc_admin ]
export = system
";

const README: &str = "tokenward detections
====================

Scheduled searches and Splunk Enterprise Security correlation searches for Entra ID session replay,
compiled by tokenward from its rule files. Do not edit the searches here: edit the rules and rebuild.

Setup
1. Redefine the macro `tokenward_entra_signin` (Settings > Advanced search > Search macros) so it
   selects your Entra sign-in events, e.g.
   index=azure sourcetype=\"azure:monitor:aad\" (category=\"SignInLogs\" OR category=\"NonInteractiveUserSignInLogs\" OR category=\"UserRiskEvents\")
2. Fill the lookups in lookups/ with your own values where the rules read lists at search time.
3. Enable the searches you want. Every search ships disabled (disabled = 1).
   \"tokenward - health - sign-ins\" checks that both sign-in categories flow with session ids, authentication steps and their own times.

Requires the Splunk Add-on for Microsoft Cloud Services (sourcetype azure:monitor:aad).
Enterprise Security is optional: without it the notable and risk actions do nothing and the
searches still run as plain alerts (Triggered Alerts).
";

/// The app folder and its package, from the compiled searches.
pub(super) fn app(
    b: &Splunk,
    rules: &[(&Plan, &Artifact)],
    companions: &[Artifact],
) -> Result<Vec<Artifact>, Diagnostic> {
    let text_of = |suffix: &str| {
        companions
            .iter()
            .find(|a| a.path.to_string_lossy().ends_with(suffix))
            .map(|a| a.contents.clone())
            .unwrap_or_default()
    };
    let mut saved = String::from(
        "# Generated by tokenward. Shipped disabled: redefine the tokenward_entra_signin macro for your\n\
         # index first, then enable each search.\n",
    );
    for (plan, search) in rules {
        saved.push('\n');
        saved.push_str(&stanza(b, plan, &search.contents)?);
    }
    saved.push('\n');
    saved.push_str(&health_stanza(
        &text_of("sign-in-health.spl"),
        b.profile.health.lookback,
    )?);

    let mut files: Vec<(String, String)> = vec![
        ("README.txt".into(), README.into()),
        ("default/app.conf".into(), APP_CONF.into()),
        ("default/macros.conf".into(), text_of("macros.conf")),
        ("default/savedsearches.conf".into(), saved),
        ("metadata/default.meta".into(), DEFAULT_META.into()),
    ];
    // Lookups for external lists, once each.
    let mut transforms = String::from(
        "# Lookups for lists the searches read at search time. Edit the CSV files for your site.\n",
    );
    let mut seen = std::collections::BTreeSet::new();
    for (plan, _) in rules {
        for l in &plan.lists {
            let Some(ext) = &l.external else { continue };
            if !seen.insert(ext.lookup.clone()) {
                continue;
            }
            let _ = writeln!(transforms, "\n[{}]", ext.lookup);
            let _ = writeln!(transforms, "filename = {}.csv", ext.lookup);
            if l.kind == ListKind::Cidr {
                let _ = writeln!(transforms, "match_type = CIDR({})", ext.lookup_field);
            } else {
                let _ = writeln!(transforms, "case_sensitive_match = true");
            }
            let _ = writeln!(transforms, "max_matches = 1");
            files.push((
                format!("lookups/{}.csv", ext.lookup),
                crate::backend::list_csv(&ext.lookup_field, &l.values),
            ));
        }
    }
    if !seen.is_empty() {
        files.push(("default/transforms.conf".into(), transforms));
    }
    files.sort();
    let package = package(&files)
        .map_err(|e| Diagnostic::error("E040", format!("cannot package the Splunk app: {e}")))?;
    let mut out: Vec<Artifact> = files
        .iter()
        .map(|(path, text)| {
            Artifact::shared(
                Target::Splunk,
                PathBuf::from(format!("splunk/app/{APP}/{path}")),
                text.clone(),
            )
        })
        .collect();
    let mut tgz = Artifact::shared(
        Target::Splunk,
        PathBuf::from(format!("splunk/{APP}.tgz")),
        String::new(),
    );
    tgz.binary = Some(package);
    out.push(tgz);
    Ok(out)
}

/// A byte-stable .tgz: sorted entries, owner 0/0, mode 644/755, mtime 0, no gzip name or time.
fn package(files: &[(String, String)]) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    tar.mode(tar::HeaderMode::Deterministic);
    let mut dirs = std::collections::BTreeSet::new();
    for (path, _) in files {
        let mut prefix = String::from(APP);
        dirs.insert(prefix.clone());
        for part in path
            .split('/')
            .collect::<Vec<_>>()
            .iter()
            .rev()
            .skip(1)
            .rev()
        {
            prefix = format!("{prefix}/{part}");
            dirs.insert(prefix.clone());
        }
    }
    for d in &dirs {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_size(0);
        h.set_cksum();
        tar.append_data(&mut h, format!("{d}/"), std::io::empty())?;
    }
    for (path, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_size(text.len() as u64);
        h.set_cksum();
        tar.append_data(&mut h, format!("{APP}/{path}"), text.as_bytes())?;
    }
    let raw = tar.into_inner()?;
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    gz.write_all(&raw)?;
    gz.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crons() {
        assert_eq!(cron(Duration::minutes(15)).unwrap(), "*/15 * * * *");
        assert_eq!(cron(Duration::minutes(60)).unwrap(), "0 * * * *");
        assert_eq!(cron(Duration::minutes(240)).unwrap(), "0 */4 * * *");
        assert_eq!(cron(Duration::days(1)).unwrap(), "0 0 * * *");
        assert!(cron(Duration::minutes(45)).is_err());
        assert!(cron(Duration::minutes(7 * 60)).is_err());
    }

    #[test]
    fn searches_continue_over_lines() {
        let s = "``` header ```\n`m` earliest=-90m\n| stats count";
        assert_eq!(
            conf_search(s, "x").unwrap(),
            "`m` earliest=-90m\\\n| stats count"
        );
        assert!(conf_search("`m`\n| eval a=\"x\\\n\"", "x").is_err());
    }
}
