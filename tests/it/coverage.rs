//! Coverage that gates: the ATT&CK Navigator layer `report` writes, `report --require`, and the
//! `require_alert_and_no_alert` test gate of tokenward.yaml.

use serde_json::Value;

use crate::common::{copy_dir, root, tokenward, tokenward_in};

/// The fields the ATT&CK Navigator's layer format 4.5 requires (and the types it gives them):
/// github.com/mitre-attack/attack-navigator/blob/master/layers/spec/v4.5/layerformat.md.
fn check_layer(v: &Value) {
    assert!(v["name"].as_str().is_some_and(|s| !s.is_empty()), "name");
    assert_eq!(v["domain"], "enterprise-attack");
    assert_eq!(v["versions"]["layer"], "4.5");
    for k in ["navigator", "attack"] {
        assert!(
            v["versions"][k].as_str().is_some_and(|s| !s.is_empty()),
            "versions.{k}"
        );
    }
    let techniques = v["techniques"].as_array().expect("techniques is an array");
    assert!(!techniques.is_empty());
    let id = |s: &str| {
        let (t, sub) = s.split_once('.').unwrap_or((s, "000"));
        t.len() == 5
            && t.starts_with('T')
            && t[1..].bytes().all(|b| b.is_ascii_digit())
            && sub.len() == 3
            && sub.bytes().all(|b| b.is_ascii_digit())
    };
    for t in techniques {
        let tid = t["techniqueID"].as_str().expect("techniqueID");
        assert!(id(tid), "{tid}");
        assert!(t["score"].is_u64(), "{t}");
        assert!(t["color"].is_string(), "{t}");
        assert!(t["comment"]
            .as_str()
            .is_some_and(|c| c.contains("tokenward rules:")));
        if let Some(tactic) = t.get("tactic") {
            assert!(tactic.is_string());
        }
        assert!(t["enabled"].is_boolean());
        for m in t["metadata"].as_array().unwrap() {
            assert!(m["name"].is_string() && m["value"].is_string(), "{m}");
        }
    }
    let g = &v["gradient"];
    assert_eq!(g["colors"].as_array().unwrap().len(), 2);
    assert!(g["minValue"].is_number() && g["maxValue"].is_number());
}

#[test]
fn report_writes_a_navigator_layer_and_require_gates_on_stable_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let o = out.to_str().unwrap();
    let run = tokenward(&["report", "rules", "--out", o]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for f in ["coverage.md", "coverage.html", "coverage-layer.json"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let layer: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("coverage-layer.json")).unwrap())
            .unwrap();
    check_layer(&layer);
    let by_id = |t: &str| {
        layer["techniques"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["techniqueID"] == t)
            .unwrap_or_else(|| panic!("{t} not in the layer"))
            .clone()
    };
    // T1550.004: aitm-session-replay is stable, the two others tagged with it are experimental.
    let t = by_id("T1550.004");
    assert_eq!(t["score"], 1, "{t}");
    assert!(t["comment"]
        .as_str()
        .unwrap()
        .contains("aitm-session-replay (stable)"));

    let ok = tokenward(&[
        "report",
        "rules",
        "--out",
        o,
        "--require",
        "T1550.004,T1539",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok
        .stderr
        .contains("every required technique has a stable rule: T1550.004, T1539"));

    // A technique no rule names, and one only experimental rules name.
    let tmp_rules = tmp.path().join("rules");
    copy_dir(&root().join("rules"), &tmp_rules);
    let rule = tmp_rules.join("session-impossible-travel.yaml");
    let text = std::fs::read_to_string(&rule).unwrap().replace(
        "attack: [T1550.004, T1539]",
        "attack: [T1550.004, T1539, T1078.004]",
    );
    std::fs::write(&rule, text).unwrap();
    let bad = tokenward_in(
        tmp.path(),
        &["report", "rules", "--require", "T1539, T1078.004,T1110.003"],
    );
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(
        bad.stderr
            .contains("error[E062]: required technique T1078.004 has no stable rule"),
        "{}",
        bad.stderr
    );
    assert!(
        bad.stderr.contains(
            "covered only by rules that are not stable: session-impossible-travel (experimental)"
        ),
        "{}",
        bad.stderr
    );
    assert!(bad
        .stderr
        .contains("required technique T1110.003 has no stable rule"));
    assert!(!bad.stderr.contains("technique T1539 "), "{}", bad.stderr);
    // The same in GitHub's annotation syntax.
    let gh = tokenward_in(
        tmp.path(),
        &[
            "report",
            "rules",
            "--require",
            "T1110.003",
            "--format",
            "github",
        ],
    );
    assert_eq!(gh.code, 1);
    assert!(
        gh.stdout.lines().any(|l| l.starts_with("::error title=E062 uncovered-technique::required technique T1110.003 has no stable rule%0Ahelp: ")),
        "{}",
        gh.stdout
    );
}

#[test]
fn the_test_gate_requires_an_alert_and_a_no_alert_case() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), &tmp.path().join("rules"));
    // The bundled repository has the gate on, and every bundled rule passes it.
    let bundled = tokenward(&["test"]);
    assert_eq!(bundled.code, 0, "{}{}", bundled.stdout, bundled.stderr);
    let config_text = std::fs::read_to_string(root().join("tokenward.yaml")).unwrap();
    assert!(config_text.contains("require_alert_and_no_alert: true"));
    let config = tmp.path().join("tokenward.yaml");
    std::fs::write(&config, &config_text).unwrap();
    // A rule without cases.
    let travel = tmp.path().join("rules/session-impossible-travel.yaml");
    let text = std::fs::read_to_string(&travel).unwrap();
    let cut = text
        .find("\n# Hand-written cases")
        .expect("the cases block");
    std::fs::write(&travel, &text[..cut + 1]).unwrap();
    let on = tokenward_in(tmp.path(), &["test", "rules"]);
    assert_eq!(on.code, 1, "{}{}", on.stdout, on.stderr);
    assert!(
        on.stderr.contains(
            "error[E061]: rule `session-impossible-travel` has no `alert` and no `no_alert` test case"
        ),
        "{}",
        on.stderr
    );
    assert!(
        on.stderr
            .contains("--> rules/session-impossible-travel.yaml:"),
        "{}",
        on.stderr
    );
    assert!(!on.stderr.contains("rule `aitm-session-replay`"));
    // Off: the same rules pass.
    std::fs::write(
        &config,
        "gates:\n  tests:\n    require_alert_and_no_alert: false\n",
    )
    .unwrap();
    let off = tokenward_in(tmp.path(), &["test", "rules"]);
    assert_eq!(off.code, 0, "{}{}", off.stdout, off.stderr);
    // On, and a rule with only alert cases lacks the no_alert kind.
    std::fs::write(
        &config,
        "gates:\n  tests:\n    require_alert_and_no_alert: true\n",
    )
    .unwrap();
    let hosting = tmp
        .path()
        .join("rules/mfa-from-hosting-infrastructure.yaml");
    let text = std::fs::read_to_string(&hosting).unwrap();
    let only_alert: String = {
        let (head, tests) = text.split_at(text.find("\ntests:\n").unwrap());
        let first_case_end = tests[8..]
            .find("\n  - name:")
            .map_or(tests.len(), |i| i + 8);
        format!("{head}{}\n", &tests[..first_case_end])
    };
    std::fs::write(&hosting, &only_alert).unwrap();
    let one = tokenward_in(
        tmp.path(),
        &["test", "rules/mfa-from-hosting-infrastructure.yaml"],
    );
    assert_eq!(one.code, 1, "{}{}", one.stdout, one.stderr);
    assert!(
        one.stderr
            .contains("rule `mfa-from-hosting-infrastructure` has no `no_alert` test case"),
        "{}",
        one.stderr
    );
    // A config with a wrong key is a located error, not a silent default.
    std::fs::write(
        &config,
        "gates:\n  tests:\n    require_alert_and_noalert: true\n",
    )
    .unwrap();
    let typo = tokenward_in(tmp.path(), &["test", "rules"]);
    assert_eq!(typo.code, 2, "{}", typo.stderr);
    assert!(
        typo.stderr.contains("tokenward.yaml:3:5"),
        "{}",
        typo.stderr
    );
}
