//! No panics and no hangs on hostile rule files and conditions: random and mutated input to the rule loader
//! and the condition grammar. `TOKENWARD_FUZZ_CASES` raises the number of cases for a soak run.

use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("TOKENWARD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

const SEED: &str = include_str!("../../rules/aitm-session-replay.yaml");

fn mutate(text: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for &(at, op, b) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = at % bytes.len();
        match op % 4 {
            0 => bytes[i] = b,
            1 => {
                bytes.remove(i);
            }
            2 => bytes.insert(i, b),
            _ => {
                let end = (i + usize::from(b % 32)).min(bytes.len());
                let chunk = bytes[i..end].to_vec();
                bytes.splice(i..i, chunk);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A folder holding a copy of the bundled lists, so mutated rules reach the deep checks.
static DIR: std::sync::LazyLock<tempfile::TempDir> = std::sync::LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    std::fs::create_dir(&lists).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/lists");
    for e in std::fs::read_dir(src).unwrap().flatten() {
        std::fs::copy(e.path(), lists.join(e.file_name())).unwrap();
    }
    dir
});
static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn check_text(text: &str) {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = DIR.path().join(format!("rule-{n}.yaml"));
    std::fs::write(&path, text).unwrap();
    let mut store = tokenward::lists::ListStore::default();
    // Ok or a list of diagnostics; every diagnostic renders.
    if let Err(diags) = tokenward::check::check_file(&path, &path, &mut store) {
        for d in diags {
            let _ = d.render_human();
        }
    }
    let _ = std::fs::remove_file(&path);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn conditions_never_panic(text in "\\PC{0,200}") {
        let _ = tokenward::expr::parse(&text);
    }

    #[test]
    fn condition_token_soup_never_panics(tokens in prop::collection::vec(prop_oneof![
        Just("("), Just(")"), Just("["), Just("]"), Just("and"), Just("or"), Just("not"), Just("=="),
        Just("!="), Just("in"), Just("!in"), Just("in_cidr"), Just("contains"), Just("later.asn"),
        Just("first.ip"), Just("\""), Just("'"), Just("\\"), Just("10.0.0.0/8"), Just("60m"), Just("5"),
        Just(","), Just("x"),
    ], 0..60)) {
        let _ = tokenward::expr::parse(&tokens.join(" "));
    }

    #[test]
    fn mutated_rules_never_panic(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12)) {
        check_text(&mutate(SEED, &edits));
    }

    #[test]
    fn random_bytes_as_a_rule_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_text(&String::from_utf8_lossy(&bytes));
    }
}
