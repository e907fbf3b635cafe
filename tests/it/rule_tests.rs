//! `tokenward test` on the bundled rules and fixtures, and proof that the fixtures can fail: each condition of
//! the rules is removed or weakened on a copy, and exactly the fixture written for it must fail.
//!
//! rules/tests/generate.py makes the same edits to its own model of the rules and checks the same lists of
//! failing cases before it writes the fixtures; keep the two in step.

use crate::common::{copy_dir, root, tokenward, tokenward_in, Run};

const AITM: &str = "rules/aitm-session-replay.yaml";
const HOSTING: &str = "rules/mfa-from-hosting-infrastructure.yaml";

/// An edit of a file's text.
type Edit<'a> = &'a dyn Fn(&str) -> String;

/// A copy of the bundled rules with each `(file, edit)` applied; `file` is relative to the repository
/// (`rules/...`, `rules/lists/...` or `profiles/...`). Edited profiles are passed with `--profiles`.
/// Returns the `test` run in JSON.
fn run_with(edits: &[(&str, Edit<'_>)]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), &tmp.path().join("rules"));
    let mut args = vec!["test", "--format", "json"];
    for (file, edit) in edits {
        let dest = tmp.path().join(file);
        let text = if dest.is_file() {
            std::fs::read_to_string(&dest).unwrap()
        } else {
            std::fs::read_to_string(root().join(file)).unwrap()
        };
        let edited = edit(&text);
        assert_ne!(text, edited, "the edit of {file} changed nothing");
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(&dest, edited).unwrap();
        if file.starts_with("profiles/") && !args.contains(&"--profiles") {
            args.extend(["--profiles", "profiles"]);
        }
    }
    tokenward_in(tmp.path(), &args)
}

/// A copy of the bundled rules with `edit` applied to the AiTM rule; returns the `test` run.
fn run_edited(edit: impl Fn(&str) -> String) -> Run {
    run_with(&[(AITM, &edit)])
}

/// The (case, shape) pairs that failed, sorted.
fn failing(run: &Run) -> Vec<(String, String)> {
    let outcomes: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    let mut out: Vec<(String, String)> = outcomes
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["passed"] == false)
        .map(|o| {
            (
                o["case"].as_str().unwrap().to_string(),
                o["shape"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Both shapes of each case, sorted as [`failing`] returns them.
fn both(cases: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = cases
        .iter()
        .flat_map(|c| ["sentinel", "splunk"].map(|shape| (c.to_string(), shape.to_string())))
        .collect();
    out.sort();
    out
}

/// Asserts that the run failed exactly the cases expected.
fn assert_fails(what: &str, run: &Run, expected: Vec<(String, String)>) {
    assert_eq!(run.code, 1, "{what}: {}{}", run.stdout, run.stderr);
    assert_eq!(failing(run), expected, "{what}");
}

/// Replaces `old`, which must occur exactly once.
fn replace_once(text: &str, old: &str, new: &str) -> String {
    assert_eq!(text.matches(old).count(), 1, "{old:?}");
    text.replacen(old, new, 1)
}

/// Removes a suppression's whole item: from `  - name: NAME` to the next item or the end of the list
/// (a blank line), so a folded `when: >` goes with it.
fn without_suppression(text: &str, name: &str) -> String {
    let start = text
        .find(&format!("  - name: {name}\n"))
        .unwrap_or_else(|| panic!("no suppression {name}"));
    let rest = &text[start + 1..];
    let end = start
        + 1
        + [rest.find("\n  - name:"), rest.find("\n\n")]
            .into_iter()
            .flatten()
            .min()
            .unwrap()
        + 1;
    format!("{}{}", &text[..start], &text[end..])
}

/// Drops a signal from the rule's `extra:` signals and from every test's `signals:` list (a test naming a
/// signal the rule lacks is an error, E060).
fn without_extra_signal(text: &str, name: &str) -> String {
    let start = text.find("  extra:\n").expect("an extra: block");
    let end = start + text[start..].find("  min_score:").unwrap();
    let block = &text[start..end];
    assert_eq!(block.matches("    - name:").count(), 1, "one extra signal");
    assert!(block.contains(&format!("    - name: {name}\n")));
    let text = format!("{}{}", &text[..start], &text[end..]);
    text.lines()
        .filter_map(|line| {
            let Some(list) = line
                .strip_prefix("    signals: [")
                .and_then(|l| l.strip_suffix(']'))
            else {
                return Some(line.to_string());
            };
            let kept: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|s| *s != name)
                .collect();
            (!kept.is_empty()).then(|| format!("    signals: [{}]", kept.join(", ")))
        })
        .map(|l| l + "\n")
        .collect()
}

#[test]
fn bundled_rule_tests_pass() {
    let run = tokenward(&["test"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // 21 AiTM scenarios and 4 of mfa-from-hosting-infrastructure, each in both shapes.
    assert!(
        run.stdout.contains("\n58 passed, 0 failed\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("\naitm-session-replay ").count(),
        42,
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout
            .matches("\nmfa-from-hosting-infrastructure ")
            .count(),
        8,
        "{}",
        run.stdout
    );
    // The only fixture with absent fields is auth-details-missing, in both shapes; the oversized Splunk
    // event lacks flattened fields but has them in _raw, which the reader falls back to.
    assert_eq!(
        run.stdout
            .matches("    absent from the events: auth_methods in 1/2, auth_step_results in 1/2\n")
            .count(),
        2,
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("absent from the events").count(),
        2,
        "{}",
        run.stdout
    );
}

#[test]
fn widening_the_window_makes_the_late_replay_alert() {
    let run = run_edited(|t| replace_once(t, "  window: 60m", "  window: 2h"));
    assert_fails("window 2h", &run, both(&["replay-after-window"]));
}

#[test]
fn removing_a_suppression_makes_its_own_fixture_alert() {
    for (suppression, fixture) in [
        ("corporate-egress", "split-tunnel-vpn"),
        ("tenant-sase-egress", "teams-via-tenant-sase"),
        ("microsoft-service-egress", "microsoft-service-refresh"),
        ("same-device", "same-device-second-browser"),
        ("first-party-mobile-on-carrier", "outlook-mobile-carrier"),
    ] {
        let run = run_edited(|t| without_suppression(t, suppression));
        assert_fails(&format!("without {suppression}"), &run, both(&[fixture]));
    }
}

#[test]
fn removing_the_proxied_issuance_signal_misses_the_proxy_issuances() {
    // Without it, a replay from the proxy's own provider with the relayed user agent scores 0, the
    // Cloudflare Worker case 1 (asn) and the immediate replay 1 (user_agent): all under min_score 2.
    let run = run_edited(|t| without_extra_signal(t, "proxied_issuance"));
    assert_fails(
        "without proxied_issuance",
        &run,
        both(&[
            "proxied-issuance-same-provider",
            "proxied-issuance-cloudflare-worker",
            "published-before-issuance",
        ]),
    );
}

#[test]
fn anchoring_on_the_first_issuance_misreads_the_stolen_cookie() {
    // The cookie import pairs with the 08:41 home MFA (same AS7922) instead of the 09:03 step-up on the
    // VPN: its signals become [device, user_agent], not the [asn, device, user_agent] the case expects.
    let run = run_edited(|t| replace_once(t, "  anchor: latest", "  anchor: first"));
    assert_fails("anchor first", &run, both(&["stolen-cookie-import"]));
}

#[test]
fn a_later_condition_without_claim_reuse_misses_the_cookie_import() {
    // The interactive import is the one use within 60 minutes of the last MFA; refreshes alone miss it.
    let run = run_edited(|t| {
        replace_once(
            t,
            "(not is_interactive\n           or auth_step_results in previously_satisfied_results\n           or auth_methods == \"Previously satisfied\")",
            "not is_interactive",
        )
    });
    assert_fails(
        "later without claim reuse",
        &run,
        both(&["stolen-cookie-import"]),
    );
}

#[test]
fn an_issuance_without_mfa_performed_lets_claim_reuse_anchor() {
    // phone-on-personal-vpn: the SharePoint sign-in through NordVPN (claim reuse) becomes an anchor and
    // the refresh behind it alerts on proxied_issuance. auth-details-missing: the sign-in without
    // authenticationDetails becomes an issuance and the replay pairs with it.
    let run = run_edited(|t| {
        replace_once(
            t,
            "\n      and auth_step_results in mfa_performed_results\n  later:",
            "\n  later:",
        )
    });
    assert_fails(
        "issuance without mfa_performed_results",
        &run,
        both(&["auth-details-missing", "phone-on-personal-vpn"]),
    );
}

#[test]
fn suppressing_cloudflare_again_hides_the_consumer_vpn_replay() {
    // AS13335 back on sase_asns, with the ASN suppression the rule used to have.
    let list = |t: &str| replace_once(t, "values:\n", "values:\n  - 13335    # Cloudflare, Inc.\n");
    let rule = |t: &str| {
        replace_once(
            t,
            "suppressions:\n",
            "suppressions:\n  - name: shared-sase-asn\n    when: later.asn in sase_asns\n",
        )
    };
    let run = run_with(&[("rules/lists/sase_asns.yaml", &list), (AITM, &rule)]);
    assert_fails("13335 on sase_asns", &run, both(&["consumer-vpn-warp"]));
    // Or written directly.
    let run = run_edited(|t| {
        replace_once(
            t,
            "suppressions:\n",
            "suppressions:\n  - name: cloudflare\n    when: later.asn == 13335\n",
        )
    });
    assert_fails("later.asn == 13335", &run, both(&["consumer-vpn-warp"]));
}

#[test]
fn scoping_the_mobile_suppression_to_the_later_event_would_hide_the_proxy() {
    // The suppression as it was: a first-party app id on a carrier, both the attacker's choice.
    let first_side = "\n      and first.asn in carrier_asns and first.device_id == \"\"";
    let run = run_edited(|t| replace_once(t, first_side, ""));
    assert_fails(
        "mobile suppression without the issuance's side",
        &run,
        both(&["residential-proxy-on-carrier"]),
    );
    // And the carrier ASN alone.
    let run = run_edited(|t| {
        replace_once(
            t,
            &format!(
                "later.app_id in first_party_mobile_apps and later.asn in carrier_asns{first_side}"
            ),
            "later.asn in carrier_asns",
        )
    });
    assert_fails(
        "mobile suppression on the carrier alone",
        &run,
        both(&["residential-proxy-on-carrier"]),
    );
}

#[test]
fn without_attacker_in_the_middle_the_detection_does_not_escalate() {
    let run = run_edited(|t| {
        replace_once(
            t,
            "  risk_events: [anomalousToken, attackerinTheMiddle, tokenIssuerAnomaly]",
            "  risk_events: [anomalousToken, tokenIssuerAnomaly]",
        )
    });
    assert_fails(
        "risk_events without attackerinTheMiddle",
        &run,
        both(&["identity-protection-escalation"]),
    );
}

#[test]
fn ordering_by_time_generated_loses_the_replay_published_first() {
    // The replay's row is stamped 3m30s before its issuance's, though it happened 6.77 s after it. Only the
    // Sentinel profile is edited, so only the Sentinel shape fails.
    let profile = |t: &str| {
        replace_once(
            t,
            "  time: { column: CreatedDateTime }",
            "  time: { column: TimeGenerated }",
        )
    };
    let run = run_with(&[("profiles/sentinel.yaml", &profile)]);
    assert_fails(
        "time mapped to TimeGenerated",
        &run,
        vec![(
            "published-before-issuance".to_string(),
            "sentinel".to_string(),
        )],
    );
}

#[test]
fn each_condition_of_the_hosting_rule_has_a_fixture() {
    let run = run_with(&[(HOSTING, &|t: &str| {
        without_suppression(t, "corporate-egress")
    })]);
    assert_fails(
        "hosting rule without corporate-egress",
        &run,
        both(&["cloud-desktop-corp-egress"]),
    );
    let run = run_with(&[(HOSTING, &|t: &str| {
        replace_once(
            t,
            "\n    and auth_step_results in mfa_performed_results",
            "",
        )
    })]);
    assert_fails(
        "hosting rule without mfa_performed_results",
        &run,
        both(&["claim-reuse-from-hosting"]),
    );
    let run = run_with(&[(HOSTING, &|t: &str| {
        replace_once(t, "\n    and device_id == \"\"", "")
    })]);
    assert_fails(
        "hosting rule without device_id == \"\"",
        &run,
        both(&["registered-device-on-hosting"]),
    );
}

#[test]
fn both_shapes_give_the_same_alerts() {
    use tokenward::backend::{Backends, Target};
    let backends = Backends::load(None).unwrap();
    for (rule, expected) in [
        ("aitm-session-replay", 21),
        ("mfa-from-hosting-infrastructure", 4),
    ] {
        let files =
            tokenward::pipeline::find_rules(&[root().join(format!("rules/{rule}.yaml"))]).unwrap();
        let detections = tokenward::check::check_all(&files, std::path::Path::new("")).unwrap();
        let d = &tokenward::plan::lower(&detections[0]);
        let dir = root().join(format!("rules/tests/{rule}"));
        let mut scenarios = 0;
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".sentinel.json") else {
                continue;
            };
            let events = |shape, file: &str| -> Vec<_> {
                backends
                    .get(shape)
                    .read_events(&dir.join(file))
                    .unwrap()
                    .into_iter()
                    .map(|(e, _)| e)
                    .collect()
            };
            // The shapes keep time at their engine's precision (100 ns and 1 µs): compare at 1 µs.
            let at_micros = |mut alerts: Vec<tokenward::eval::Alert>| {
                use tokenward::events::Precision::Micros;
                for a in &mut alerts {
                    a.time = Micros.truncate(a.time);
                    a.issuance_time = a.issuance_time.map(|t| Micros.truncate(t));
                }
                alerts
            };
            let sentinel = at_micros(tokenward::eval::evaluate(
                d,
                &events(Target::Sentinel, &name),
            ));
            let splunk = at_micros(tokenward::eval::evaluate(
                d,
                &events(Target::Splunk, &format!("{stem}.splunk.json")),
            ));
            assert_eq!(sentinel, splunk, "{rule}: {stem}");
            scenarios += 1;
        }
        assert_eq!(scenarios, expected, "{rule}");
    }
}

#[test]
fn junit_output() {
    let run = tokenward(&["test", "--format", "junit"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tokenward\" tests=\"58\" skipped=\"0\" failures=\"0\" errors=\"0\">"), "{}", run.stdout);
    assert_eq!(run.stdout.matches("<testcase ").count(), 58);
    assert!(run.stdout.contains(
        "<testcase name=\"auth-details-missing [splunk]\" classname=\"aitm-session-replay\"/>"
    ));
    assert!(run.stdout.contains(
        "<testcase name=\"kit-proxy-mfa [sentinel]\" classname=\"mfa-from-hosting-infrastructure\"/>"
    ));
}

#[test]
fn junit_reports_failures() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), &tmp.path().join("rules"));
    let rule = tmp.path().join(AITM);
    let text = std::fs::read_to_string(&rule)
        .unwrap()
        .replace("  window: 60m", "  window: 2h");
    std::fs::write(&rule, text).unwrap();
    let run = tokenward_in(tmp.path(), &["test", "--format", "junit"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("failures=\"2\""), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "<failure message=\"expected no alert but 982b2c49-af56-56c0-a196-998574b70689 alerted"
        ),
        "{}",
        run.stdout
    );
}
