//! The JSON Schema of every file a user writes: `tokenward schema KIND` prints what is committed under
//! schemas/json/ (`TOKENWARD_UPDATE_SCHEMAS=1 cargo test --test it schema` rewrites it), every bundled
//! rule, list, table, profile and config validates, and a schema error lands where the loader's does.

use std::path::{Path, PathBuf};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::common::{root, tokenward};

/// (file under schemas/json, the arguments that print it)
const KINDS: &[(&str, &[&str])] = &[
    ("rule.json", &["schema", "rule"]),
    ("list.json", &["schema", "list"]),
    ("ua-table.json", &["schema", "ua-table"]),
    ("config.json", &["schema", "config"]),
    (
        "profile-sentinel.json",
        &["schema", "profile", "--target", "sentinel"],
    ),
    (
        "profile-splunk.json",
        &["schema", "profile", "--target", "splunk"],
    ),
];

#[test]
fn committed_schemas_are_what_the_model_generates() {
    let update = std::env::var_os("TOKENWARD_UPDATE_SCHEMAS").is_some();
    let dir = root().join("schemas/json");
    let mut stale = Vec::new();
    for (file, args) in KINDS {
        let run = tokenward(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let v: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(v["$schema"], "http://json-schema.org/draft-07/schema#");
        let path = dir.join(file);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            // Renamed into place: the other tests read these files at the same time.
            let tmp = path.with_extension("json.tmp");
            std::fs::write(&tmp, &run.stdout).unwrap();
            std::fs::rename(&tmp, &path).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(run.stdout.as_str()) {
            stale.push(file.to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/json is stale for {stale:?}: run TOKENWARD_UPDATE_SCHEMAS=1 cargo test --test it schema and commit the result"
    );
    let bad = tokenward(&["schema", "rules"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("one of: rule, list"), "{}", bad.stderr);
}

fn validator(file: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schemas/json").join(file)).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    out.sort();
    out
}

fn errors(v: &jsonschema::Validator, path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let instance: Value = serde_saphyr::from_str(&text).unwrap();
    v.iter_errors(&instance)
        .map(|e| format!("{}: {}", e.instance_path, e))
        .collect()
}

#[test]
fn every_bundled_file_validates_against_its_schema() {
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    let mut check = |schema: &str, files: Vec<PathBuf>| {
        let v = validator(schema);
        for f in files {
            let errs = errors(&v, &f);
            if !errs.is_empty() {
                failures.push(format!("{}: {errs:?}", f.display()));
            }
            checked.push(f);
        }
    };
    let rules = root().join("rules");
    let lists = rules.join("lists");
    check("rule.json", yaml_files(&rules));
    check("rule.json", yaml_files(&root().join("tests/fixtures/good")));
    let (tables, lists): (Vec<PathBuf>, Vec<PathBuf>) = yaml_files(&lists)
        .into_iter()
        .partition(|p| p.ends_with("ua_families.yaml"));
    check("list.json", lists);
    check("ua-table.json", tables);
    check(
        "profile-sentinel.json",
        vec![root().join("profiles/sentinel.yaml")],
    );
    check(
        "profile-splunk.json",
        vec![root().join("profiles/splunk.yaml")],
    );
    check("config.json", vec![root().join("tokenward.yaml")]);
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked.len() >= 20, "{checked:?}");
    // The modelines point at these schemas, relative to each file.
    for f in &checked {
        let text = std::fs::read_to_string(f).unwrap();
        if f.starts_with(root().join("tests")) {
            continue;
        }
        let line = text.lines().next().unwrap();
        let rel = line
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{} has no schema modeline: {line}", f.display()));
        assert!(
            f.parent().unwrap().join(rel).is_file(),
            "{}: {rel} does not exist",
            f.display()
        );
    }
    // And a wrong file fails: the schema can say no.
    let v = validator("rule.json");
    let bad: Value = serde_saphyr::from_str("id: x\ntitle: t\n").unwrap();
    assert!(v.iter_errors(&bad).count() >= 3);
}

/// A YAML document with the location of every key and value (1-based line and column).
#[derive(Debug)]
enum Node {
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    Leaf,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<Spanned<String>>()? {
                    out.push((k, m.next_value::<Spanned<Node>>()?));
                }
                Ok(Node::Map(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = s.next_element::<Spanned<Node>>()? {
                    out.push(v);
                }
                Ok(Node::Seq(out))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
        }
        d.deserialize_any(V)
    }
}

fn line_col(loc: &serde_saphyr::Location) -> (usize, usize) {
    (loc.line() as usize, loc.column() as usize)
}

/// Where a schema error points in the YAML: the value at its instance path; for an unexpected property
/// the key itself; for a missing (`required`) property the key that holds the mapping, or the mapping's
/// first key when nothing does (the document, a list item).
fn schema_error_at(text: &str, err: &jsonschema::ValidationError) -> (usize, usize) {
    let doc: Spanned<Node> = serde_saphyr::from_str(text).unwrap();
    let mut at = &doc;
    let mut holder: Option<&Spanned<String>> = None;
    for seg in err
        .instance_path
        .as_str()
        .split('/')
        .filter(|s| !s.is_empty())
    {
        at = match &at.value {
            Node::Map(m) => {
                let (k, v) = m.iter().find(|(k, _)| k.value == seg).unwrap();
                holder = Some(k);
                v
            }
            Node::Seq(s) => {
                holder = None;
                &s[seg.parse::<usize>().unwrap()]
            }
            Node::Leaf => panic!("no {seg} in a scalar"),
        };
    }
    match &err.kind {
        jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
            let Node::Map(m) = &at.value else {
                panic!("additionalProperties on a non-mapping")
            };
            let (k, _) = m.iter().find(|(k, _)| k.value == unexpected[0]).unwrap();
            line_col(&k.referenced)
        }
        jsonschema::error::ValidationErrorKind::Required { .. } => match holder {
            Some(k) => line_col(&k.referenced),
            None => match &at.value {
                Node::Map(m) => line_col(&m[0].0.referenced),
                _ => line_col(&at.referenced),
            },
        },
        _ => line_col(&at.referenced),
    }
}

#[test]
fn schema_errors_and_loader_errors_agree_on_the_location() {
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/good/minimal.yaml")).unwrap();
    let v = validator("rule.json");
    // (mistake, the text, the loader's code, the schema keyword)
    let cases = [
        (
            "unknown key",
            minimal.replace("  window: 30m", "  window: 30m\n  windw: 60m"),
            "E003",
            "additionalProperties",
        ),
        (
            "wrong type",
            minimal.replace("  asn: true", "  asn: [true]"),
            "E005",
            "type",
        ),
        (
            "wrong type of a top-level key",
            minimal.replace("severity: low", "severity:\n  - low"),
            "E005",
            "type",
        ),
        (
            "missing key",
            minimal.replace("  window: 30m\n", ""),
            "E004",
            "required",
        ),
        (
            "missing top-level key",
            minimal.replace("title: Minimal replay\n", ""),
            "E004",
            "required",
        ),
        (
            "missing key in a list item",
            format!(
                "{minimal}tests:\n  - name: t\n    events:\n      - a.sentinel.json\n    expect: no_alert\n"
            ),
            "E004",
            "required",
        ),
    ];
    for (what, text, code, keyword) in cases {
        let file = tokenward::diag::SourceFile::new("x.yaml", text.clone());
        let d =
            tokenward::model::parse_yaml::<tokenward::model::RawDetection>(&file).expect_err(what);
        assert_eq!(d.code, code, "{what}: {}", d.message);
        let loader = d.span.as_ref().expect("located").line_col();
        let instance: Value = serde_saphyr::from_str(&text).unwrap();
        let errs: Vec<_> = v.iter_errors(&instance).collect();
        // One mistake, one place: a closed set (`enum`) may also say no to a value of the wrong type,
        // but at the same value.
        assert!(
            !errs.is_empty()
                && errs
                    .iter()
                    .all(|e| e.instance_path == errs[0].instance_path),
            "{what}: {errs:?}"
        );
        let err = errs
            .iter()
            .find(|e| e.schema_path.as_str().ends_with(keyword))
            .unwrap_or_else(|| panic!("{what}: no `{keyword}` error in {errs:?}"));
        let schema = schema_error_at(&text, err);
        assert_eq!(
            schema, loader,
            "{what}: schema error at {schema:?}, loader at {loader:?}"
        );
    }
}

/// The config's schema knows the lint codes and levels the loader accepts: what one refuses, the other does.
#[test]
fn the_config_schema_and_loader_agree_on_codes_and_levels() {
    let v = validator("config.json");
    for (text, ok) in [
        ("lints: { KQL006: error, SPL009: warning }\n", true),
        ("lints: { KQL099: warning }\n", false),
        ("lints: { KQL006: loud }\n", false),
        (
            "gates: { tests: { require_alert_and_no_alert: true } }\n",
            true,
        ),
        (
            "gates: { tests: { require_alert_and_no_alert: yes please } }\n",
            false,
        ),
    ] {
        let instance: Value = serde_saphyr::from_str(text).unwrap();
        let schema_ok = v.iter_errors(&instance).next().is_none();
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("tokenward.yaml");
        std::fs::write(&path, text).unwrap();
        let loader_ok = tokenward::lint::Config::load(Some(&path)).is_ok();
        assert_eq!((schema_ok, loader_ok), (ok, ok), "{text}");
    }
}
