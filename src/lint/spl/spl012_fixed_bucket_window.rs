//! SPL012: a correlation window made of fixed `_time` buckets per user or session.

use super::command_name;
use crate::lint::kql::is_identity;
use crate::lint::{Doc, Finding, Language, Lint, Setting, Source};
use crate::syntax::kinds::spl as k;
use crate::syntax::Node;

pub static LINT: Lint = Lint {
    code: "SPL012",
    name: "fixed-bucket-correlation-window",
    language: Language::Spl,
    level: Setting::Warning,
    summary: "`bin _time span=1h` then `stats … by _time, user`: events a minute apart across a bucket boundary are never correlated",
    doc: Doc {
        what: "Finds `_time` cut into fixed buckets (`bin`/`bucket _time span=…`, or `tstats … by _time span=…`) followed by a `stats`/`eventstats`/`streamstats` grouped by `_time` and a user or session field, when a later `where` or `search` tests what was aggregated.",
        why: "A fixed bucket is not a window: with `span=1h`, a token issued at 10:59 and replayed at 11:01 land in different buckets, so a search that counts or pairs events per user or session inside one bucket misses exactly the sessions that cross the hour. The miss is systematic, not random.",
        example: "`azure_monitor_aad`\n| bin _time span=1h\n| stats dc(src_ip) as ips by _time, user\n| where ips > 1",
        fix: "Correlate on a sliding window: `streamstats time_window=1h dc(src_ip) as ips by user`, or `stats min(_time) as first max(_time) as last dc(src_ip) as ips by user | where last - first <= 3600`.",
    },
    check,
};

/// The leaf field names of a command's BY list.
fn by_fields<'a>(cmd: &'a Node<'a>) -> Vec<&'a str> {
    cmd.children
        .iter()
        .filter(|c| c.kind == k::BY_CLAUSE)
        .flat_map(|b| b.find_all(k::FIELD_PAT).map(|f| f.text))
        .collect()
}

fn has_span(n: &Node<'_>) -> bool {
    n.find_all(k::OPTION).any(|o| {
        o.child(k::OPTION_KEY)
            .is_some_and(|key| key.text.eq_ignore_ascii_case("span"))
    })
}

/// The names a stats command's aggregations produce (`AS` names, else the aggregation's text).
fn outputs<'a>(cmd: &'a Node<'a>) -> Vec<&'a str> {
    cmd.children
        .iter()
        .filter(|c| c.kind == k::AGG)
        .map(|a| {
            let named = a.children.iter().skip_while(|c| c.kind != k::KW_AS).nth(1);
            named.map_or_else(
                || a.child(k::AGG_NAME).map_or("", |n| n.text),
                |n| n.text.trim_matches(['"', '\'']),
            )
        })
        .filter(|n| !n.is_empty())
        .collect()
}

fn tested_later(after: &[&Node<'_>], names: &[&str]) -> bool {
    after
        .iter()
        .filter(|c| matches!(c.kind, k::WHERE_CMD | k::SEARCH_CMD))
        .any(|c| {
            c.descendants().any(|n| {
                matches!(n.kind, k::E_FIELD | k::S_NAME | k::SQ_FIELD)
                    && names.contains(&n.text.trim_matches('\''))
            })
        })
}

fn check(src: &Source<'_>) -> Vec<Finding> {
    let Some(tree) = src.tree else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for pipeline in tree.find_all(k::PIPELINE) {
        let cmds: Vec<&Node<'_>> = pipeline.children.iter().collect();
        let mut bucket: Option<&Node<'_>> = None;
        for (i, cmd) in cmds.iter().enumerate() {
            let name = command_name(cmd);
            let after = &cmds[i + 1..];
            match cmd.kind {
                k::GENERIC_CMD if matches!(name.as_str(), "bin" | "bucket") => {
                    let on_time = cmd
                        .children
                        .iter()
                        .any(|c| c.kind == k::G_WORD && c.text == "_time");
                    if on_time && has_span(cmd) {
                        bucket = Some(cmd);
                    }
                }
                k::STATS_CMD if matches!(name.as_str(), "stats" | "eventstats" | "streamstats") => {
                    let by = by_fields(cmd);
                    if let Some(b) = bucket {
                        if by.contains(&"_time")
                            && by.iter().any(|f| is_identity(f))
                            && tested_later(after, &outputs(cmd))
                        {
                            out.push(finding(b));
                        }
                    }
                }
                k::TSTATS_CMD => {
                    let by = by_fields(cmd);
                    let spanned = cmd
                        .children
                        .iter()
                        .filter(|c| c.kind == k::BY_CLAUSE)
                        .any(has_span);
                    if spanned
                        && by.contains(&"_time")
                        && by.iter().any(|f| is_identity(f))
                        && tested_later(after, &outputs(cmd))
                    {
                        out.push(finding(cmd));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn finding(at: &Node<'_>) -> Finding {
    Finding::at(
        at,
        "fixed _time buckets per user or session: events that cross a bucket boundary are never correlated",
    )
    .help("use a sliding window: streamstats time_window=1h … by user, or compare min(_time)/max(_time) per user")
}
