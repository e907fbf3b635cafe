//! `tokenward check-fields`: which fields each compiled query needs, and how many exported events carry
//! them, so a Splunk or Sentinel deployment that drops or mangles them is caught before a query goes blind.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::backend::Backend;
use crate::diag::Diagnostic;
use crate::events::AuthDetails;
use crate::plan::Plan;

#[derive(Debug, Serialize)]
pub struct Report {
    pub target: &'static str,
    pub files: Vec<String>,
    pub events: usize,
    /// How authenticationDetails arrived, verdict → events.
    pub auth_details: BTreeMap<String, usize>,
    pub rules: Vec<RuleReport>,
    /// What the target's health query would report over these events (see src/health.rs).
    pub health: Vec<crate::health::Finding>,
    /// True when a field a query tests is missing from more than the allowed share of events, or a
    /// health check fires.
    pub failed: bool,
    /// When no event carries any field a query tests: the target whose shape the events have instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RuleReport {
    pub rule: String,
    pub fields: Vec<FieldShare>,
}

#[derive(Debug, Serialize)]
pub struct FieldShare {
    pub field: &'static str,
    /// The column or flattened path the profile maps it to.
    pub source: String,
    pub present: usize,
    pub share: f64,
    /// False for a field the query only outputs for triage: missing, the alert loses context, not its logic.
    pub tested: bool,
    pub ok: bool,
}

/// `others` are the other targets' backends: when the samples carry none of the fields in `backend`'s
/// shape, they are asked whether the samples are in theirs (a wrong `--target`).
pub fn check(
    plans: &[Plan],
    backend: &dyn Backend,
    others: &[&dyn Backend],
    samples: &[PathBuf],
    max_missing: f64,
) -> Result<Report, Vec<Diagnostic>> {
    // Streamed: counts per field, verdict and health check, never the events themselves.
    let mut total = 0usize;
    let mut auth_details: BTreeMap<String, usize> = BTreeMap::new();
    let mut present: BTreeMap<crate::catalogue::Field, usize> = BTreeMap::new();
    let mut tally = crate::health::Tally::new(backend.health());
    let needed: std::collections::BTreeSet<crate::catalogue::Field> = plans
        .iter()
        .flat_map(|d| d.fields.iter().copied())
        .filter(|f| !f.is_derived())
        .collect();
    let mut errs = Vec::new();
    // The key each field was found under, when the record says (`time` or `_time`).
    let mut keys: BTreeMap<crate::catalogue::Field, BTreeMap<String, usize>> = BTreeMap::new();
    // Events whose tested fields the other targets' readers find (a wrong --target).
    let mut elsewhere: Vec<usize> = vec![0; others.len()];
    for s in samples {
        let read = crate::events::for_each_record(s, &mut |record| {
            let (e, verdict) = backend.read_event(&record);
            total += 1;
            *auth_details.entry(verdict.describe()).or_insert(0) += 1;
            for &f in &needed {
                if !e.missing.contains(&f) {
                    *present.entry(f).or_insert(0) += 1;
                    if let Some(k) = backend.key_used(f, &record) {
                        *keys.entry(f).or_default().entry(k).or_insert(0) += 1;
                    }
                }
            }
            // Fewer than half the fields found here (a reader may default one, like Splunk's
            // `_indextime`), and the other target's reader finds most of them: that target's shape.
            let found = |missing: &std::collections::BTreeSet<crate::catalogue::Field>| {
                needed.iter().filter(|f| !missing.contains(f)).count()
            };
            let here = found(&e.missing);
            if here * 2 < needed.len() {
                for (i, other) in others.iter().enumerate() {
                    let (o, _) = other.read_event(&record);
                    if found(&o.missing) * 2 > needed.len() {
                        elsewhere[i] += 1;
                    }
                }
            }
            tally.add(&e, &verdict);
            Ok(())
        });
        if let Err(e) = read {
            errs.push(e);
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    if total == 0 {
        return Err(vec![Diagnostic::error(
            "E050",
            "the samples hold no events",
        )
        .help("export sign-in events from the SIEM as JSON")]);
    }
    let mut failed = false;
    let mut rules = Vec::new();
    for d in plans {
        let mut fields = Vec::new();
        for &f in d.fields.iter().filter(|f| !f.is_derived()) {
            let present = present.get(&f).copied().unwrap_or(0);
            let share = present as f64 / total as f64;
            let ok = 1.0 - share <= max_missing + f64::EPSILON;
            let is_tested = !d.context_fields.contains(&f);
            failed |= !ok && is_tested;
            fields.push(FieldShare {
                field: f.name(),
                source: source_label(backend.source_of(f), keys.get(&f)),
                present,
                share,
                tested: is_tested,
                ok,
            });
        }
        rules.push(RuleReport {
            rule: d.meta.id.clone(),
            fields,
        });
    }
    let health = tally.findings(backend.health());
    failed |= !health.is_empty();
    let hint = others
        .iter()
        .zip(&elsewhere)
        .filter(|(_, n)| **n * 2 > total)
        .max_by_key(|(_, n)| **n)
        .map(|(other, n)| {
            format!(
                "the events lack the fields of the {} shape, and {n} of {total} read as {} events: --target is probably wrong; pass --target {}",
                backend.target().name(),
                other.target().name(),
                other.target().name()
            )
        });
    Ok(Report {
        target: backend.target().name(),
        files: samples.iter().map(|p| p.display().to_string()).collect(),
        events: total,
        auth_details,
        rules,
        health,
        failed,
        hint,
    })
}

/// The profile's source of a field, or the keys the events really carried it under when they differ
/// (raw Azure Monitor records carry `time` where Splunk's own events carry `_time`).
fn source_label(mapped: String, used: Option<&BTreeMap<String, usize>>) -> String {
    match used {
        Some(k) if k.len() == 1 && k.contains_key(&mapped) => mapped,
        Some(k) if k.len() == 1 => k.keys().next().cloned().unwrap_or(mapped),
        Some(k) if !k.is_empty() => k
            .iter()
            .map(|(key, n)| format!("{key} ({n})"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => mapped,
    }
}

/// What failed, by name: each tested field missing from too many events (with its rules), and each
/// health check that fires.
pub fn failures(r: &Report) -> Vec<String> {
    let mut fields: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for rule in &r.rules {
        for f in rule.fields.iter().filter(|f| !f.ok && f.tested) {
            fields.entry(f.field).or_default().push(&rule.rule);
        }
    }
    let mut out: Vec<String> = fields
        .iter()
        .map(|(f, rules)| format!("{f} ({})", rules.join(", ")))
        .collect();
    // A check fires once per source it watches; the line names it once.
    let checks: std::collections::BTreeSet<String> =
        r.health.iter().map(|h| h.check.to_string()).collect();
    out.extend(checks.into_iter().map(|c| format!("health check {c}")));
    out
}

/// GitHub Actions annotations: one error per missing field and per firing health check.
pub fn render_github(r: &Report) -> String {
    let mut out = String::new();
    let files = r.files.join(", ");
    for rule in &r.rules {
        for f in rule.fields.iter().filter(|f| !f.ok && f.tested) {
            let _ = writeln!(
                out,
                "::error title={}::{}",
                crate::output::gh_property("check-fields missing field"),
                crate::output::gh_data(&format!(
                    "{}: field {} ({}) is in {}/{} events of {files}; rule {} tests it",
                    r.target, f.field, f.source, f.present, r.events, rule.rule
                ))
            );
        }
    }
    for h in &r.health {
        let _ = writeln!(
            out,
            "::error title={}::{}",
            crate::output::gh_property("check-fields health check"),
            crate::output::gh_data(&format!(
                "{}: the health check {} fires over {files} (share {:.4}, threshold {})",
                r.target, h.check, h.share, h.threshold
            ))
        );
    }
    if let Some(h) = &r.hint {
        let _ = writeln!(
            out,
            "::notice title={}::{}",
            crate::output::gh_property("check-fields target"),
            crate::output::gh_data(h)
        );
    }
    out
}

pub fn render_human(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "check-fields: {} events from {} file(s), target {}",
        r.events,
        r.files.len(),
        r.target
    );
    let ok = AuthDetails::Ok.describe();
    let raw_only = AuthDetails::RawOnly.describe();
    let verdicts: Vec<String> = r
        .auth_details
        .iter()
        .map(|(v, n)| format!("{v} in {n}/{}", r.events))
        .collect();
    let _ = writeln!(out, "authenticationDetails: {}", verdicts.join("; "));
    if r.auth_details.keys().any(|k| *k != ok && *k != raw_only) {
        let _ = writeln!(
            out,
            "  warning: rules that read authentication steps cannot see them in these events"
        );
    }
    if r.auth_details.contains_key(&raw_only) {
        let _ = writeln!(
            out,
            "  note: the searches recover steps found only in _raw with spath (slower); Splunk's [spath] extraction_cutoff cut them from the flattened fields"
        );
    }
    for rule in &r.rules {
        let _ = writeln!(out, "\n{}", rule.rule);
        let w = rule
            .fields
            .iter()
            .map(|f| f.field.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let sw = rule
            .fields
            .iter()
            .map(|f| f.source.len())
            .max()
            .unwrap_or(6)
            .max(6);
        let _ = writeln!(
            out,
            "  {:<w$}  {:<sw$}  {:>9}  {:>6}",
            "FIELD", "SOURCE", "PRESENT", "SHARE"
        );
        for f in &rule.fields {
            let _ = writeln!(
                out,
                "  {:<w$}  {:<sw$}  {:>9}  {:>5.1}%{}",
                f.field,
                f.source,
                format!("{}/{}", f.present, r.events),
                f.share * 100.0,
                match (f.ok, f.tested) {
                    (true, _) => "",
                    (false, true) => "  MISSING",
                    (false, false) => "  missing (output only: the alert loses triage context)",
                }
            );
        }
    }
    let _ = writeln!(
        out,
        "\nhealth checks ({} query over these events)",
        r.target
    );
    if r.health.is_empty() {
        let _ = writeln!(out, "  none fires");
    }
    for h in &r.health {
        let source = if h.source.is_empty() {
            "all sources"
        } else {
            h.source.as_str()
        };
        let _ = writeln!(
            out,
            "  FIRES {:<22} {:<32} events {:>7}  share {:.4}  threshold {}",
            h.check, source, h.events, h.share, h.threshold
        );
    }
    if let Some(h) = &r.hint {
        let _ = writeln!(out, "\nhint: {h}");
    }
    let failures = failures(r);
    let _ = writeln!(
        out,
        "\n{}",
        if r.failed {
            format!("FAILED: {}", failures.join("; "))
        } else {
            "ok: every field the queries need is present".to_string()
        }
    );
    out
}
