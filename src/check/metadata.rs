//! Metadata: the id, title, description, status, ATT&CK and NIST 800-53 ids, list names.

use super::{is_kebab, Checker, STATUSES};
use crate::catalogue::Field;
use crate::diag::{did_you_mean, Diagnostic};

impl Checker<'_> {
    pub(super) fn check_metadata(&mut self) {
        let raw = self.raw;
        let id = &raw.id.value;
        let shown = crate::diag::escape_invisible(id);
        if id.chars().count() > 64 {
            self.err(
                Diagnostic::error(
                    "E010",
                    format!("rule id is {} characters long, over 64", id.chars().count()),
                )
                .at(self.at(&raw.id))
                .help("shorten it: ids name files, watchlists and saved searches"),
            );
        } else if !is_kebab(id) {
            self.err(
                Diagnostic::error("E010", format!("rule id {shown} is not kebab-case"))
                    .at(self.at(&raw.id))
                    .help("use lower-case words joined by `-`, e.g. aitm-session-replay (at most 64 characters)"),
            );
        }
        for (what, s) in [("title", &raw.title), ("description", &raw.description)] {
            if s.value.trim().is_empty() {
                self.err(
                    Diagnostic::error("E010", format!("the {what} is empty"))
                        .at(self.at(s))
                        .help("reviewers and SOC analysts read it: say what the rule detects"),
                );
            }
        }
        if raw.title.value.contains('\n') {
            self.err(
                Diagnostic::error("E010", "the title spans several lines")
                    .at(self.at(&raw.title))
                    .help("keep the title to one line; put detail in `description`"),
            );
        }
        if !STATUSES.contains(&raw.status.value.as_str()) {
            let help = match did_you_mean(&raw.status.value, STATUSES) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("one of: {}", STATUSES.join(", ")),
            };
            self.err(
                Diagnostic::error("E012", format!("unknown status `{}`", raw.status.value))
                    .at(self.at(&raw.status))
                    .help(help),
            );
        }
        for t in &raw.attack {
            if !is_attack_id(&t.value) {
                self.err(
                    Diagnostic::error(
                        "E013",
                        format!("`{}` is not an ATT&CK technique id", t.value),
                    )
                    .at(self.at(t))
                    .help("write techniques as T1550 or sub-techniques as T1550.004"),
                );
            }
        }
        for c in &raw.controls {
            if !is_control_id(&c.value) {
                self.err(
                    Diagnostic::error(
                        "E013",
                        format!("`{}` is not a NIST 800-53 control id", c.value),
                    )
                    .at(self.at(c))
                    .help("write controls as SC-23, or enhancements as AC-2(12)"),
                );
            }
        }
        for (name, l) in &raw.lists {
            if Field::by_name(name).is_some() {
                self.err(
                    Diagnostic::error("E024", format!("list `{name}` has the name of a field"))
                        .at(self.at(l))
                        .help("rename the list, e.g. with a plural: `known_asns`"),
                );
            }
        }
    }
}

pub(super) fn is_attack_id(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
        _ => false,
    }
}

pub(super) fn is_control_id(s: &str) -> bool {
    let (base, enh) = match s.split_once('(') {
        Some((b, rest)) => match rest.strip_suffix(')') {
            Some(e) => (b, Some(e)),
            None => return false,
        },
        None => (s, None),
    };
    let Some((family, num)) = base.split_once('-') else {
        return false;
    };
    family.len() == 2
        && family.chars().all(|c| c.is_ascii_uppercase())
        && !num.is_empty()
        && num.len() <= 2
        && num.chars().all(|c| c.is_ascii_digit())
        && enh
            .is_none_or(|e| !e.is_empty() && e.len() <= 2 && e.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_kebab("aitm-session-replay"));
        assert!(!is_kebab("AiTM"));
        assert!(!is_kebab("a--b"));
        assert!(is_attack_id("T1550.004"));
        assert!(is_attack_id("T1557"));
        assert!(!is_attack_id("T155"));
        assert!(is_control_id("AC-2(12)"));
        assert!(is_control_id("SC-23"));
        assert!(is_control_id("IA-2(1)"));
        assert!(!is_control_id("sc-23"));
        assert!(!is_control_id("AC-2(12"));
    }
}
