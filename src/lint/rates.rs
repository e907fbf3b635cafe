//! How often each lint fires on the real-content corpus (tests/corpus/real), for docs/lints.md. The
//! numbers are docs/lint-rates.json, which tests/it/corpus_real.rs measures and keeps in step
//! (`TOKENWARD_UPDATE_DOCS=1 cargo test --test it corpus_real` rewrites it).

use std::sync::OnceLock;

use super::survey::Survey;

const DATA: &str = include_str!("../../docs/lint-rates.json");

fn survey() -> &'static Survey {
    static S: OnceLock<Survey> = OnceLock::new();
    S.get_or_init(|| serde_json::from_str(DATA).unwrap_or_default())
}

/// `2.7% (16 of 603)`: the share of the corpus files of the lint's language it fires on, at its
/// default level (a lint that is off by default fires on none).
pub fn cell(code: &str) -> String {
    match survey().rates.get(code) {
        Some(r) if r.files > 0 => format!("{:.1}% ({} of {})", r.percent(), r.fired, r.files),
        _ => "—".to_string(),
    }
}

/// What the levels mean, what the rates were measured on, and how a repository silences, adopts and
/// fixes findings: the paragraphs under the table of docs/lints.md.
pub fn notes() -> String {
    let s = survey();
    format!(
        "Levels: `error` only where Sentinel or Splunk would refuse or fail the query: a syntax error \
         (KQL001, SPL001), an unknown column of a table whose schema is known (KQL002; Kusto fails the \
         query), a query over Sentinel's analytic-rule length limit (KQL009; the rule cannot be saved), \
         a command Splunk does not have (SPL002; the search fails). On the corpus no default error fires \
         on a query the SIEM runs as is; the only errors are syntax errors of queries the SIEM refuses \
         too ({} Splunk searches, {} KQL queries; docs/grammars.md). A pitfall of detection logic is a `warning`; SPL009 is off by \
         default, since a saved search takes its time range from its schedule.\n\n\
         Fires on real files: the share of the real-content corpus (tests/corpus/real: {} production \
         Splunk searches, {} Sentinel KQL queries) each lint reports on at its default level.\n\n\
         Silencing one finding: a comment `// tokenward-ignore: KQL010 reason` (KQL) or \
         ```` ``` tokenward-ignore: SPL005 reason ``` ```` (SPL) silences those codes on its own line when \
         code comes before it, otherwise on the next line that holds code; `tokenward-ignore-file: CODE` \
         silences a code in the whole file. Adopting the linter on existing content: \
         `tokenward lint rules/ --baseline lint-baseline.json --update-baseline` records today's findings, \
         and `--baseline lint-baseline.json` then shows and fails on new ones only (a finding is known by its \
         code, file, line text and span text, not its line number). `--fix` applies the mechanical fixes \
         (KQL003: `kind=inner`; KQL010: the number of an `==`/`!=` comparison quoted) through a temporary \
         file and a rename; a second run changes nothing.",
        s.spl_files - s.spl_parsed,
        s.kql_both_rejected,
        s.spl_files,
        s.kql_kusto_accepted + s.kql_kusto_rejected
    )
}
