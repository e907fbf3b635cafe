//! One registry of every diagnostic code: the compiler's errors (`E0xx`) and the lint rules (`KQL0xx`,
//! `SPL0xx`), each with its name, summary, explanation, example and fix. It feeds docs/errors.md,
//! docs/lints.md, `tokenward rule CODE`, the SARIF rule metadata and the JSON output.

use serde::Serialize;

use crate::lint::{self, Language, Setting};

/// Where a code's documentation is published; SARIF `helpUri` and JSON `help_uri` point here.
pub const DOCS_BASE: &str = "https://github.com/tokenward/tokenward/blob/main/docs/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Raised while checking rules, profiles, configs and events, or while publishing.
    Compiler,
    Lint(Language),
}

/// A code's documentation, in the fixed headings every output uses.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Entry {
    pub code: &'static str,
    /// kebab-case, stable like the code.
    pub name: &'static str,
    /// One line: what is wrong when it is reported.
    pub summary: &'static str,
    /// What the check does (lints), or what the error means (compiler).
    pub what: &'static str,
    /// Why it matters.
    pub explanation: &'static str,
    /// Input that triggers it.
    pub example: &'static str,
    pub fix: &'static str,
    pub origin: Origin,
    /// The level it is reported at unless a project config says otherwise.
    pub level: Setting,
}

impl Entry {
    /// The page and anchor documenting the code.
    pub fn help_uri(&self) -> String {
        let page = match self.origin {
            Origin::Compiler => "errors.md",
            Origin::Lint(_) => "lints.md",
        };
        format!(
            "{DOCS_BASE}{page}#{}-{}",
            self.code.to_ascii_lowercase(),
            self.name
        )
    }

    /// The documentation in Markdown with the fixed headings (`tokenward rule CODE`).
    pub fn markdown(&self) -> String {
        let (kind, fence) = match self.origin {
            Origin::Compiler => ("compiler", "yaml"),
            Origin::Lint(Language::Kql) => ("KQL", "kql"),
            Origin::Lint(Language::Spl) => ("SPL", "spl"),
        };
        let level = level_name(self.level);
        format!(
            "## {} {}\n\n{kind} · default level: {level}\n\n### What it does\n{}\n\n### Why it matters\n{}\n\n### Example\n```{fence}\n{}\n```\n\n### Fix\n{}\n",
            self.code,
            self.name,
            self.what,
            self.explanation,
            self.example.trim_end(),
            self.fix
        )
    }
}

/// A compiler warning: reported, and the build goes on.
const fn w(
    code: &'static str,
    name: &'static str,
    summary: &'static str,
    explanation: &'static str,
    example: &'static str,
    fix: &'static str,
) -> Entry {
    let mut entry = e(code, name, summary, explanation, example, fix);
    entry.level = Setting::Warning;
    entry
}

/// Every code, compiler errors first, then the lints in registry order.
pub fn all() -> Vec<Entry> {
    let mut out: Vec<Entry> = COMPILER.to_vec();
    out.extend(lint::registry::LINTS.iter().map(|l| Entry {
        code: l.code,
        name: l.name,
        summary: l.summary,
        what: l.doc.what,
        explanation: l.doc.why,
        example: l.doc.example,
        fix: l.doc.fix,
        origin: Origin::Lint(l.language),
        level: l.level,
    }));
    out
}

fn level_name(l: Setting) -> &'static str {
    match l {
        Setting::Error => "error",
        Setting::Warning => "warning",
        Setting::Off => "off",
    }
}

/// docs/lints.md, generated from the registry (a test keeps the file in step).
pub fn lints_md() -> String {
    let mut out = String::from(
        "# Lint rules\n\nGenerated from the code registry (`src/codes.rs`, lints from `src/lint/registry.rs`); `tokenward rule CODE` prints one.\n\
         Levels can be changed per code in `tokenward.yaml` (`lints: { KQL006: error, SPL008: off }`).\n\n\
         | code | name | language | level | fires on real files | fires when |\n|---|---|---|---|---|---|\n",
    );
    let lints: Vec<Entry> = all()
        .into_iter()
        .filter(|e| matches!(e.origin, Origin::Lint(_)))
        .collect();
    for e in &lints {
        let Origin::Lint(language) = e.origin else {
            continue;
        };
        out.push_str(&format!(
            "| [{}](#{}-{}) | {} | {} | {} | {} | {} |\n",
            e.code,
            e.code.to_lowercase(),
            e.name,
            e.name,
            language.name(),
            level_name(e.level),
            lint::rates::cell(e.code),
            e.summary
        ));
    }
    out.push('\n');
    out.push_str(&lint::rates::notes());
    out.push('\n');
    for e in &lints {
        out.push('\n');
        out.push_str(&e.markdown());
    }
    out
}

/// The entry of a code, in any case (`e022`, `kql003`).
pub fn find(code: &str) -> Option<Entry> {
    all()
        .into_iter()
        .find(|e| e.code.eq_ignore_ascii_case(code))
}

const fn e(
    code: &'static str,
    name: &'static str,
    summary: &'static str,
    explanation: &'static str,
    example: &'static str,
    fix: &'static str,
) -> Entry {
    Entry {
        code,
        name,
        summary,
        what: summary,
        explanation,
        example,
        fix,
        origin: Origin::Compiler,
        level: Setting::Error,
    }
}

/// The compiler's codes. Codes are stable: a retired code is never reused.
pub const COMPILER: &[Entry] = &[
    e(
        "E001",
        "unreadable-input",
        "a file cannot be read, is not UTF-8, is too large, or a path does not exist",
        "Nothing can be checked or built from an input tokenward cannot read; the build stops before writing anything.",
        "tokenward build rules/no-such-rule.yaml",
        "Pass existing rule files or folders; keep rule files UTF-8 and under 1 MiB.",
    ),
    e(
        "E002",
        "malformed-yaml",
        "malformed YAML or a duplicate key",
        "A YAML parser that guessed at a broken file would compile something the author did not write.",
        "title: \"never closed",
        "Fix the quoting or indentation at the position shown; give each key once.",
    ),
    e(
        "E003",
        "unknown-key",
        "a key the rule format does not have",
        "A misspelt key (`windw:`) would otherwise be ignored and the rule would run with a default the author did not choose.",
        "correlation:\n  windw: 60m",
        "Use the key the did-you-mean suggests, or remove it (docs/rule-format.md lists every key).",
    ),
    e(
        "E004",
        "missing-key",
        "a required key is missing",
        "A rule without its title, severity or window cannot be compiled or reviewed.",
        "id: x\ntitle: t",
        "Add the key named in the message.",
    ),
    e(
        "E005",
        "wrong-type",
        "a value of the wrong type (a list where a string is expected, a word where a number is)",
        "Values are checked by type so a typo cannot change what the rule means.",
        "attack: T1550",
        "Write the value in the type the key takes (here a list: `attack: [T1550]`).",
    ),
    e(
        "E010",
        "bad-metadata",
        "a bad id, an empty title or description, or a title on several lines",
        "Ids name every output file and SIEM object; titles and descriptions are what analysts read.",
        "id: AiTM_Replay",
        "Use a kebab-case id of at most 64 characters and a one-line title.",
    ),
    e(
        "E011",
        "duplicate-id",
        "two rules share an id",
        "Both would write the same output files and the same Sentinel rule id; one would silently replace the other.",
        "id: aitm-session-replay   # in two files",
        "Give each rule its own id.",
    ),
    e(
        "E012",
        "unknown-severity-or-status",
        "a severity or status outside the allowed words",
        "Severities map to each SIEM's scale and statuses to review policy; an unknown word has no mapping.",
        "severity: critical",
        "Use informational, low, medium or high; experimental, test, stable or deprecated.",
    ),
    e(
        "E013",
        "bad-framework-id",
        "a malformed ATT&CK technique or NIST 800-53 control id",
        "Coverage reports and Sentinel tactics are derived from these ids; a typo drops the rule from its technique.",
        "attack: [T15504]",
        "Write techniques as T1550 or T1550.004 and controls as SC-23 or AC-2(12).",
    ),
    e(
        "E014",
        "bad-duration",
        "a duration that is not a number and a unit",
        "Windows and schedules must be exact: `60` could mean seconds or minutes.",
        "window: 60",
        "Write a number and a unit: 90s, 60m, 2h, 1d.",
    ),
    e(
        "E015",
        "bad-window-or-schedule",
        "a zero window, a lookback beyond 14 days, or `every` outside 5m..14d",
        "Sentinel refuses query periods beyond 14 days and frequencies outside 5 minutes to 14 days; a zero window pairs nothing.",
        "window: 14d",
        "Shorten the window or the schedule so window + every + ingestion delay stays within 14 days.",
    ),
    e(
        "E016",
        "bad-rule-shape",
        "both or neither of `correlation` and `match`, `signals` on a `match` rule, or a bad suppression name",
        "A rule is either a correlation of two events or a single-event match; mixing them has no meaning.",
        "match: { when: 'result == \"0\"' }\nsignals: { asn: true }",
        "Keep one of `correlation` or `match`; name suppressions in kebab-case, once each.",
    ),
    e(
        "E017",
        "bad-signals",
        "signals that cannot work: a bad `min_disagreements`, no signals and no `where`, a bad risk event or key",
        "A correlation with nothing to compare would alert on every session.",
        "signals: { asn: true, min_disagreements: 3 }",
        "Enable signals, or add a `where:` over first./later. fields; keep min_disagreements within the enabled signals.",
    ),
    e(
        "E020",
        "condition-syntax",
        "a syntax error in a condition",
        "A condition that does not parse cannot be compiled for any target.",
        "when: later.asn in",
        "Complete the condition at the position shown (docs/rule-format.md, Conditions).",
    ),
    e(
        "E021",
        "unknown-catalogue-field",
        "a field that is not in the canonical catalogue",
        "Fields are mapped per target by the profiles; an unknown name has no column anywhere.",
        "when: later.asnn in hosting_asns",
        "Use the field the did-you-mean suggests (docs/rule-format.md, Field catalogue).",
    ),
    e(
        "E022",
        "type-mismatch",
        "a comparison of a field with a value or list of the wrong type",
        "`ResultType == 0` compiles in KQL and silently matches nothing; types are checked once, here.",
        "when: result == 0",
        "Compare with a value of the field's type (here the string \"0\").",
    ),
    e(
        "E023",
        "unknown-list",
        "a list that is neither in the rule nor in lists/",
        "A condition over a missing list would be empty in every target.",
        "when: later.asn in hosting_asn",
        "Use the list the did-you-mean suggests, or define it under `lists:` or as lists/<name>.yaml.",
    ),
    e(
        "E024",
        "bad-list",
        "a bad list: unknown kind, empty, a bad or duplicate value, too long, or a name clash",
        "List values reach queries as data; each kind is validated so an ASN list holds numbers and a CIDR list networks.",
        "kind: asn\nvalues: [AS14061]",
        "Write values in the list's kind (integers for asn, canonical CIDRs, GUIDs for app ids).",
    ),
    e(
        "E025",
        "bad-ua-table",
        "the user-agent family table is missing or malformed",
        "The user-agent signal needs one family table both targets compile the same way.",
        "families: [{ name: edge }]",
        "Put a valid lists/ua_families.yaml beside the rules.",
    ),
    e(
        "E026",
        "bad-event-reference",
        "`first.`/`later.` missing where a pair is compared, misplaced in a single-event condition, or unknown",
        "A pair condition must say which event a field belongs to; a single-event condition has only one.",
        "where: asn != first.asn",
        "Qualify fields with first. (the issuance) or later. (the later event) in `where` and suppressions only.",
    ),
    e(
        "E030",
        "bad-profile",
        "a target profile is malformed",
        "Profiles map every canonical field to a column or path; a bad mapping would compile queries that read nothing.",
        "fields:\n  asn: { column: \"Autonomous System\" }",
        "Fix the profile at the position shown (copy profiles/ and edit it).",
    ),
    e(
        "E031",
        "unmapped-field",
        "the profile does not map a field a rule reads",
        "The rule cannot be compiled for a target that has no column for one of its fields.",
        "fields: {}   # in a project sentinel.yaml",
        "Map the field under `fields:` in the target's profile.",
    ),
    e(
        "E040",
        "output-folder",
        "the output folder cannot be written, or was not written by tokenward",
        "tokenward replaces its own output atomically and never deletes or overwrites files it did not write.",
        "tokenward build --out src",
        "Choose an output folder tokenward owns, or an empty one.",
    ),
    e(
        "E050",
        "bad-events",
        "an events file cannot be read or is not JSON",
        "Tests and field checks run on sample events; a file that does not parse proves nothing.",
        "[{\"TimeGenerated\": ",
        "Export events as a JSON array, JSON lines, or {\"records\": [...]}.",
    ),
    e(
        "E051",
        "explain-input",
        "`explain` or `diff --events` was asked for what is not there: a rule id, an events file whose name gives no shape, a session, a folder of events",
        "An explanation of another rule, or of events read in the wrong shape, would mislead more than no explanation.",
        "tokenward explain aitm-session-replay export.json",
        "Pass a rule id found under --rules, name events files *.sentinel.json or *.splunk.json, and a --session the events hold.",
    ),
    e(
        "E060",
        "bad-test",
        "a malformed rule test: unknown `expect`, a missing events file, an unknown shape, or sessions that contradict `expect`",
        "A test that cannot run, or cannot fail, gives false confidence.",
        "tests:\n  - { name: t, events: [x.json], expect: alert, reason: r }",
        "Name events files *.sentinel.json or *.splunk.json, and list sessions only for `alert`.",
    ),
    e(
        "E061",
        "missing-test-kind",
        "a rule lacks an `alert` or a `no_alert` test case while tokenward.yaml requires both",
        "A rule tested only on events it must alert on can be made to alert on everything, and one tested only on quiet events can be made blind; with `gates: { tests: { require_alert_and_no_alert: true } }` `tokenward test` fails on either.",
        "# tokenward.yaml\ngates: { tests: { require_alert_and_no_alert: true } }\n# rules/x.yaml has only `expect: alert` cases",
        "Add the missing kind of case under `tests:`, with its events in both shapes (`tokenward new rule` writes one of each).",
    ),
    e(
        "E062",
        "uncovered-technique",
        "`report --require` names an ATT&CK technique no stable rule covers",
        "A coverage claim in a pull request or an audit is only as good as the rules behind it: experimental rules and missing ones do not count.",
        "tokenward report --require T1078.004",
        "Write a rule for the technique, tag an existing one's `attack:`, or promote a rule that covers it to `status: stable`.",
    ),
    e(
        "E070",
        "bad-config",
        "a malformed project config (tokenward.yaml)",
        "Lint levels and schema folders change what fails CI; a typo must not silently keep the defaults.",
        "lints: { KQL999: error }",
        "Use known lint codes and the levels off, warning, error.",
    ),
    e(
        "E080",
        "unknown-tactics",
        "a rule's ATT&CK technique has no Sentinel tactics in the profile",
        "Sentinel analytic rules carry tactics; a technique without them would publish an incomplete rule.",
        "attack: [T1649]",
        "Add the technique and its tactics under `tactics:` in a project copy of the Sentinel profile.",
    ),
    e(
        "E081",
        "query-too-long",
        "a rule's Sentinel query exceeds the 10,000-character analytic-rule limit",
        "Sentinel refuses the rule at deployment, after review.",
        "lists:\n  corp: { kind: cidr, values: [ … thousands … ] }",
        "Read long lists at query time: give the list `external: { watchlist: …, lookup: … }`.",
    ),
    e(
        "E082",
        "cannot-schedule-splunk",
        "a rule cannot be scheduled in Splunk, or a search line cannot be written to savedsearches.conf",
        "cron cannot express every interval, and a line ending in a backslash continues the .conf value.",
        "schedule: { every: 45m }",
        "Use an interval that divides an hour or a day.",
    ),
    w(
        "W001",
        "suppression-always-true",
        "a suppression that can never be false: it drops every pair (or event)",
        "A suppression is meant to drop the benign cases it names; one that holds whatever the events say (`x or not x`) silently turns the rule off. Reported as a warning: the rule still builds.",
        "suppressions:\n  - name: everything\n    when: later.asn in carrier_asns or not later.asn in carrier_asns",
        "Narrow the condition to what the benign case looks like, or remove the suppression.",
    ),
    w(
        "W002",
        "suppression-drops-every-use",
        "a suppression that every later event satisfies: no pair can survive it",
        "When the later condition already implies the suppression (a suppression `not later.is_interactive` under a later condition `not is_interactive`), every pair is dropped and the rule can never alert. Reported as a warning: the rule still builds.",
        "later: { when: not is_interactive }\nsuppressions:\n  - name: refreshes\n    when: not later.is_interactive",
        "Test something the later condition does not already require.",
    ),
    e(
        "E090",
        "internal",
        "an internal template error",
        "A bug in tokenward, not in the rule.",
        "",
        "Report it with the rule that triggers it.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_found_in_any_case() {
        let all = all();
        for (i, e) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|o| o.code != e.code), "{}", e.code);
            // Names are unique within a language (KQL001 and SPL001 are both `syntax-error`).
            assert!(
                all[i + 1..]
                    .iter()
                    .all(|o| o.name != e.name || o.origin != e.origin),
                "{}",
                e.name
            );
            assert_eq!(find(&e.code.to_lowercase()).map(|x| x.code), Some(e.code));
        }
        assert_eq!(find("E022").map(|e| e.name), Some("type-mismatch"));
        assert!(find("E999").is_none());
    }
}
