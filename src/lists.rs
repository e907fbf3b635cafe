//! Lists (ASNs, CIDRs, app ids, strings) and the user-agent family table, validated into IR.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{did_you_mean, Diagnostic, SourceFile};
use crate::ir::{External, List, ListKind, UaFamily, UaTable, Value};
use crate::model::{self, span_of, ListValue, RawList, RawUaTable, Spanned};

/// More values than this belong in a watchlist/lookup, not in query text.
pub const MAX_LIST_VALUES: usize = 10_000;
pub const UA_TABLE_FILE: &str = "ua_families.yaml";
/// Classes of user-agent families: a `client` is a first-party app that legitimately shares a browser's
/// session (Teams, Outlook, the Windows broker).
pub const UA_CLASSES: [&str; 4] = ["browser", "client", "scripted", "other"];

/// Validates one list (from a list file or a rule's `lists:`).
pub fn validate_list(
    file: &Arc<SourceFile>,
    name: &str,
    raw: &Spanned<RawList>,
    origin: &str,
) -> Result<List, Vec<Diagnostic>> {
    let mut errs = Vec::new();
    let list = &raw.value;
    let kind = match ListKind::ALL.iter().find(|(n, _)| *n == list.kind.value) {
        Some((_, k)) => Some(*k),
        None => {
            let names = ListKind::ALL.map(|(n, _)| n);
            errs.push(
                Diagnostic::error("E024", format!("unknown list kind `{}`", list.kind.value))
                    .at(span_of(file, &list.kind))
                    .help(suggest(&list.kind.value, &names)),
            );
            None
        }
    };
    if !is_identifier(name) {
        errs.push(
            Diagnostic::error("E024", format!("list name `{name}` is not an identifier"))
                .at(span_of(file, raw))
                .help("use lower-case letters, digits and `_`, starting with a letter"),
        );
    }
    let external = list.external.as_ref().map(|e| External {
        watchlist: e.value.watchlist.value.clone(),
        lookup: e.value.lookup.value.clone(),
        lookup_field: e
            .value
            .lookup_field
            .as_ref()
            .map_or_else(|| "value".to_string(), |f| f.value.clone()),
    });
    if let Some(e) = &list.external {
        for (what, v) in [
            ("watchlist alias", &e.value.watchlist),
            ("lookup name", &e.value.lookup),
        ] {
            if !is_object_name(&v.value) {
                errs.push(
                    Diagnostic::error("E024", format!("{what} `{}` is not a valid name", v.value))
                        .at(span_of(file, v))
                        .help("use letters, digits, `_` and `-` (at most 64)"),
                );
            }
        }
        if let Some(f) = &e.value.lookup_field {
            if !is_identifier_loose(&f.value) {
                errs.push(
                    Diagnostic::error(
                        "E024",
                        format!("lookup field `{}` is not a valid field name", f.value),
                    )
                    .at(span_of(file, f))
                    .help("use letters, digits and `_`"),
                );
            }
        }
    }
    let mut values = Vec::new();
    match &list.values {
        None if list.external.is_none() => errs.push(
            Diagnostic::error(
                "E024",
                format!("list `{name}` has neither `values` nor `external`"),
            )
            .at(span_of(file, raw))
            .help("give the values inline, or name a watchlist/lookup under `external:`"),
        ),
        None => {}
        Some(vals) if vals.value.is_empty() => errs.push(
            Diagnostic::error("E024", format!("list `{name}` is empty"))
                .at(span_of(file, vals))
                .help("an empty list matches nothing; add values or remove the list"),
        ),
        Some(vals) if vals.value.len() > MAX_LIST_VALUES => errs.push(
            Diagnostic::error(
                "E024",
                format!(
                    "list `{name}` has {} values, more than {MAX_LIST_VALUES}",
                    vals.value.len()
                ),
            )
            .at(span_of(file, vals))
            .help("move it to a watchlist/lookup with `external:`"),
        ),
        Some(vals) => {
            let mut seen: HashMap<String, ()> = HashMap::new();
            for v in &vals.value {
                let Some(kind) = kind else { break };
                match normalize_value(kind, &v.value) {
                    Ok(value) => {
                        let key = value_key(&value);
                        if seen.insert(key.clone(), ()).is_some() {
                            errs.push(
                                Diagnostic::error(
                                    "E024",
                                    format!("duplicate value {key} in list `{name}`"),
                                )
                                .at(span_of(file, v))
                                .help("remove the repeated value"),
                            );
                        } else {
                            values.push(value);
                        }
                    }
                    Err((msg, help)) => errs.push(
                        Diagnostic::error("E024", msg)
                            .at(span_of(file, v))
                            .help(help),
                    ),
                }
            }
        }
    }
    values.sort_by(compare_values);
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(List {
        name: name.to_string(),
        kind: kind.unwrap_or(ListKind::String),
        description: list
            .description
            .as_ref()
            .map(|d| d.value.trim().to_string()),
        sources: list.sources.iter().map(|s| s.value.clone()).collect(),
        origin: origin.to_string(),
        networks: values
            .iter()
            .filter_map(|v| match v {
                Value::Str(s) => s.parse().ok(),
                _ => None,
            })
            .collect(),
        values,
        external,
    })
}

fn suggest(name: &str, candidates: &[&str]) -> String {
    match did_you_mean(name, candidates.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("one of: {}", candidates.join(", ")),
    }
}

fn value_key(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("{s:?}"),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

fn compare_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        _ => value_key(a).cmp(&value_key(b)),
    }
}

/// Checks a value against its list kind; app ids are lower-cased (Entra writes them so).
pub fn normalize_value(kind: ListKind, v: &ListValue) -> Result<Value, (String, String)> {
    match (kind, v) {
        (ListKind::Asn, ListValue::Int(n)) if (0..=i64::from(u32::MAX)).contains(n) => {
            Ok(Value::Int(*n))
        }
        (ListKind::Asn, ListValue::Int(n)) => Err((
            format!("{n} is not an AS number"),
            "AS numbers run from 0 to 4294967295".into(),
        )),
        (ListKind::Asn, ListValue::Str(s)) => Err((
            format!("ASN `{s}` is a string"),
            match s.trim_start_matches(['A', 'S', 'a', 's']).parse::<u32>() {
                Ok(n) => format!("write the number alone: {n}"),
                Err(_) => "write AS numbers as plain integers, e.g. 14061".into(),
            },
        )),
        (ListKind::Cidr, ListValue::Str(s)) => parse_cidr(s).map(|n| Value::Str(n.to_string())),
        (ListKind::AppId, ListValue::Str(s)) if is_guid(s) => {
            Ok(Value::Str(s.to_ascii_lowercase()))
        }
        (ListKind::AppId, ListValue::Str(s)) => Err((
            format!("app id `{s}` is not a GUID"),
            "app ids look like 27922004-5251-4030-b22d-91ecd9a37ea4".into(),
        )),
        (ListKind::String, ListValue::Str(s)) => match crate::ir::refused_char(s) {
            Some((_, why)) => Err((
                format!("the value {} holds {why}", crate::diag::escape_invisible(s)),
                "remove it from the value; tokenward cannot carry it to every target as data"
                    .to_string(),
            )),
            None => Ok(Value::Str(s.clone())),
        },
        (_, ListValue::Int(n)) => Err((
            format!("{n} is a number, but this list holds strings"),
            "quote the value".into(),
        )),
    }
}

/// Validates a CIDR (ipnet) and returns the network; host bits must be zero.
pub fn parse_cidr(s: &str) -> Result<ipnet::IpNet, (String, String)> {
    let bad = |why: &str| {
        (
            format!("`{s}` is not a CIDR: {why}"),
            "write a network and prefix length, e.g. 192.0.2.0/24 or 2001:db8::/32".to_string(),
        )
    };
    let (addr, len) = s.split_once('/').ok_or_else(|| bad("no `/prefix`"))?;
    let ip: IpAddr = addr.parse().map_err(|_| bad("not an IP address"))?;
    let len: u8 = len
        .parse()
        .map_err(|_| bad("prefix length is not a number"))?;
    let net = ipnet::IpNet::new(ip, len).map_err(|_| {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        bad(&format!("prefix length {len} is longer than {max}"))
    })?;
    if net.trunc() != net {
        return Err((
            format!("`{s}` has host bits set"),
            format!("did you mean {}?", net.trunc()),
        ));
    }
    Ok(net)
}

pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 64
}

fn is_identifier_loose(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_object_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Lists found in `lists/` folders, loaded on first use and cached per folder.
#[derive(Default)]
pub struct ListStore {
    loaded: BTreeMap<PathBuf, Result<List, Vec<Diagnostic>>>,
    tables: BTreeMap<PathBuf, Result<UaTable, Vec<Diagnostic>>>,
    /// List origins are named relative to this folder.
    root: PathBuf,
}

impl ListStore {
    /// A store naming list files relative to `root` (as given, when `root` is empty).
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            ..Self::default()
        }
    }

    /// The shared list `name` from `dir`, or `None` when no such file exists.
    pub fn get(&mut self, dir: &Path, name: &str) -> Option<Result<List, Vec<Diagnostic>>> {
        if !is_identifier(name) {
            return None;
        }
        let path = dir.join(format!("{name}.yaml"));
        if !path.is_file() {
            return None;
        }
        let origin = path
            .strip_prefix(&self.root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let entry = self.loaded.entry(path.clone()).or_insert_with(|| {
            let file = model::read_source(&path).map_err(|d| vec![d])?;
            let raw: Spanned<RawList> = model::parse_yaml(&file).map_err(|d| vec![d])?;
            validate_list(&file, name, &raw, &origin)
        });
        Some(entry.clone())
    }

    /// Names of the list files in `dir`, for did-you-mean.
    pub fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let p = e.path();
                (p.extension()? == "yaml")
                    .then(|| p.file_stem()?.to_str().map(str::to_string))
                    .flatten()
            })
            .filter(|n| Some(n.as_str()) != UA_TABLE_FILE.strip_suffix(".yaml"))
            .collect();
        names.sort();
        names
    }

    pub fn ua_table(&mut self, dir: Option<&Path>) -> Result<UaTable, Vec<Diagnostic>> {
        let Some(dir) = dir else {
            return Err(vec![Diagnostic::error(
                "E025",
                "the rule uses `ua_family`, but no lists/ folder was found",
            )
            .help(format!(
                "put {UA_TABLE_FILE} in a lists/ folder beside the rules (see rules/lists/)"
            ))]);
        };
        let path = dir.join(UA_TABLE_FILE);
        self.tables
            .entry(path.clone())
            .or_insert_with(|| load_ua_table(&path))
            .clone()
    }
}

fn load_ua_table(path: &Path) -> Result<UaTable, Vec<Diagnostic>> {
    let file = model::read_source(path).map_err(|d| vec![d])?;
    let raw: RawUaTable = model::parse_yaml(&file).map_err(|d| vec![d])?;
    let mut errs = Vec::new();
    let mut families: Vec<UaFamily> = Vec::new();
    let check_name = |errs: &mut Vec<Diagnostic>, name: &Spanned<String>| {
        let ok = !name.value.is_empty()
            && name.value.len() <= 40
            && name
                .value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            errs.push(
                Diagnostic::error(
                    "E025",
                    format!("family name `{}` is not kebab-case", name.value),
                )
                .at(span_of(&file, name))
                .help("use lower-case letters, digits and `-`"),
            );
        }
    };
    check_name(&mut errs, &raw.default);
    for fam in &raw.families {
        let f = &fam.value;
        check_name(&mut errs, &f.name);
        if families.iter().any(|x| x.name == f.name.value) || f.name.value == raw.default.value {
            errs.push(
                Diagnostic::error(
                    "E025",
                    format!("family `{}` is defined twice", f.name.value),
                )
                .at(span_of(&file, &f.name))
                .help("merge the two entries' match_any lists"),
            );
        }
        if f.match_any.is_empty() {
            errs.push(
                Diagnostic::error(
                    "E025",
                    format!("family `{}` has no match_any substrings", f.name.value),
                )
                .at(span_of(&file, &f.name))
                .help("list at least one substring the user agent contains"),
            );
        }
        for m in &f.match_any {
            if let Some((_, why)) = crate::ir::refused_char(&m.value) {
                errs.push(
                    Diagnostic::error("E025", format!("a match_any substring holds {why}"))
                        .at(span_of(&file, m))
                        .help("user agents never hold it: remove it"),
                );
            } else if m.value.trim().is_empty() || m.value.contains('\n') {
                errs.push(
                    Diagnostic::error("E025", "a match_any substring is empty or spans lines")
                        .at(span_of(&file, m))
                        .help("give a non-empty, one-line substring"),
                );
            }
        }
        let scripted = f.scripted.as_ref().is_some_and(|s| s.value);
        let class = match &f.class {
            Some(c) if UA_CLASSES.contains(&c.value.as_str()) => {
                if scripted && c.value != "scripted" {
                    errs.push(
                        Diagnostic::error(
                            "E025",
                            format!(
                                "family `{}` is scripted but of class `{}`",
                                f.name.value, c.value
                            ),
                        )
                        .at(span_of(&file, c))
                        .help("drop `scripted: true`, or make the class `scripted`"),
                    );
                }
                c.value.clone()
            }
            Some(c) => {
                errs.push(
                    Diagnostic::error("E025", format!("unknown client class `{}`", c.value))
                        .at(span_of(&file, c))
                        .help(suggest(&c.value, &UA_CLASSES)),
                );
                String::new()
            }
            None if scripted => "scripted".into(),
            None => "other".into(),
        };
        families.push(UaFamily {
            name: f.name.value.clone(),
            class,
            match_any: f.match_any.iter().map(|m| m.value.clone()).collect(),
        });
    }
    if families.is_empty() {
        errs.push(Diagnostic::error("E025", "the user-agent table has no families").in_file(path));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(UaTable {
        default: raw.default.value.clone(),
        families,
    })
}

/// Finds the `lists/` folder for a rule file: beside it or in the nearest ancestor.
pub fn lists_dir_for(rule: &Path) -> Option<PathBuf> {
    let start = if rule.is_dir() { rule } else { rule.parent()? };
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = if d.as_os_str().is_empty() {
            PathBuf::from("lists")
        } else {
            d.join("lists")
        };
        if candidate.is_dir() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_are_checked_and_canonical() {
        assert_eq!(
            parse_cidr("192.0.2.0/24").unwrap().to_string(),
            "192.0.2.0/24"
        );
        assert_eq!(
            parse_cidr("2001:DB8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(parse_cidr("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
        let (msg, help) = parse_cidr("192.0.2.1/24").unwrap_err();
        assert!(msg.contains("host bits"));
        assert_eq!(help, "did you mean 192.0.2.0/24?");
        assert!(parse_cidr("192.0.2.0/33").is_err());
        assert!(parse_cidr("192.0.2.0").is_err());
        assert!(parse_cidr("x/8").is_err());
        assert_eq!(
            parse_cidr("2001:db8::1/64").unwrap_err().1,
            "did you mean 2001:db8::/64?"
        );
    }

    #[test]
    fn values_follow_their_kind() {
        assert_eq!(
            normalize_value(ListKind::Asn, &ListValue::Int(14061)),
            Ok(Value::Int(14061))
        );
        assert!(
            normalize_value(ListKind::Asn, &ListValue::Str("AS14061".into()))
                .unwrap_err()
                .1
                .contains("14061")
        );
        assert_eq!(
            normalize_value(
                ListKind::AppId,
                &ListValue::Str("27922004-5251-4030-B22D-91ECD9A37EA4".into())
            ),
            Ok(Value::Str("27922004-5251-4030-b22d-91ecd9a37ea4".into()))
        );
        assert!(normalize_value(ListKind::AppId, &ListValue::Str("outlook".into())).is_err());
        assert!(normalize_value(ListKind::String, &ListValue::Int(5)).is_err());
    }
}
