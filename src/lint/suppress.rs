//! Inline suppression: a comment `tokenward-ignore: CODE[, CODE…] reason` silences those codes on
//! its own line when code comes before it, otherwise on the next line that holds code;
//! `tokenward-ignore-file: CODE… reason` silences them in the whole file. KQL writes the comment
//! `// tokenward-ignore: KQL010 ResultType is numeric in our custom table`, SPL
//! ```` ``` tokenward-ignore: SPL005 the macro sets the index ``` ````.

use super::Language;

const LINE: &str = "tokenward-ignore:";
const FILE: &str = "tokenward-ignore-file:";

/// The suppressions of one file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Suppressions {
    /// (1-based line, code) pairs.
    pub lines: Vec<(usize, String)>,
    pub file: Vec<String>,
}

impl Suppressions {
    /// Reads the suppression comments of `text`.
    pub fn of(text: &str, language: Language) -> Self {
        let mut s = Suppressions::default();
        if !text.contains("tokenward-ignore") {
            return s;
        }
        let starts = line_starts(text);
        let line_of = |byte: usize| starts.partition_point(|&l| l <= byte);
        for (start, end) in comments(text, language) {
            let body = &text[start..end];
            let (file, rest) = if let Some(at) = body.find(FILE) {
                (true, &body[at + FILE.len()..])
            } else if let Some(at) = body.find(LINE) {
                (false, &body[at + LINE.len()..])
            } else {
                continue;
            };
            let codes = codes(rest);
            if file {
                s.file.extend(codes);
                continue;
            }
            let first = line_of(start);
            let line_start = starts[first - 1];
            let target = if text[line_start..start].trim().is_empty() {
                next_code_line(text, &starts, line_of(end.saturating_sub(1)), language)
            } else {
                Some(first)
            };
            if let Some(line) = target {
                s.lines.extend(codes.into_iter().map(|c| (line, c)));
            }
        }
        s
    }

    /// Whether a finding of `code` on `line` is silenced.
    pub fn covers(&self, code: &str, line: usize) -> bool {
        self.file.iter().any(|c| c.eq_ignore_ascii_case(code))
            || self
                .lines
                .iter()
                .any(|(l, c)| *l == line && c.eq_ignore_ascii_case(code))
    }
}

/// The codes at the start of a suppression's text (`KQL010, KQL003 reason` gives both codes).
fn codes(rest: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in rest.split(|c: char| c.is_whitespace() || c == ',') {
        if word.is_empty() {
            continue;
        }
        let w = word.trim_end_matches("```");
        let is_code = w.len() >= 4
            && w.chars().take_while(char::is_ascii_alphabetic).count() >= 1
            && w.chars()
                .skip_while(char::is_ascii_alphabetic)
                .all(|c| c.is_ascii_digit())
            && w.chars().any(|c| c.is_ascii_digit());
        if !is_code {
            break;
        }
        out.push(w.to_ascii_uppercase());
    }
    out
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// The first line after `line` that holds something other than whitespace and comments.
fn next_code_line(text: &str, starts: &[usize], line: usize, language: Language) -> Option<usize> {
    let comments = comments(text, language);
    for (i, &start) in starts.iter().enumerate().skip(line) {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let mut code = false;
        let mut at = start;
        for (idx, ch) in text[start..end].char_indices() {
            let pos = start + idx;
            if pos < at || ch.is_whitespace() {
                continue;
            }
            match comments.iter().find(|(s, e)| *s <= pos && pos < *e) {
                Some((_, e)) => at = *e,
                None => {
                    code = true;
                    break;
                }
            }
        }
        if code {
            return Some(i + 1);
        }
    }
    None
}

/// The byte ranges of the comments of `text`, strings skipped as each language lexes them.
fn comments(text: &str, language: Language) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let find = |from: usize, pat: &[u8]| {
        b[from.min(b.len())..]
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|p| from + p)
    };
    while i < b.len() {
        match (language, b[i]) {
            (Language::Kql, b'/') if b.get(i + 1) == Some(&b'/') => {
                let end = find(i, b"\n").unwrap_or(b.len());
                out.push((i, end));
                i = end;
            }
            (Language::Kql, b'`') if b[i..].starts_with(b"```") => {
                i = find(i + 3, b"```").map_or(b.len(), |e| e + 3);
            }
            (Language::Kql, b'~') if b[i..].starts_with(b"~~~") => {
                i = find(i + 3, b"~~~").map_or(b.len(), |e| e + 3);
            }
            (Language::Kql, b'@') if matches!(b.get(i + 1), Some(b'"' | b'\'')) => {
                let q = b[i + 1];
                let mut j = i + 2;
                while j < b.len() && b[j] != b'\n' {
                    if b[j] == q {
                        if b.get(j + 1) == Some(&q) {
                            j += 2;
                            continue;
                        }
                        j += 1;
                        break;
                    }
                    j += 1;
                }
                i = j;
            }
            (Language::Kql, q @ (b'"' | b'\'')) => {
                let mut j = i + 1;
                while j < b.len() && b[j] != q && b[j] != b'\n' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                i = j + 1;
            }
            (Language::Spl, b'`') if b[i..].starts_with(b"```") => {
                let end = find(i + 3, b"```").map_or(b.len(), |e| e + 3);
                out.push((i, end));
                i = end;
            }
            (Language::Spl, b'"') => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kql_comments_silence_their_line_or_the_next() {
        let text = "SigninLogs\n// tokenward-ignore: KQL010, KQL003 numeric in our tenant\n\n| where ResultType == 0 // tokenward-ignore: KQL006 hunting\n| extend u = \"http://x // tokenward-ignore: KQL002\"\n";
        let s = Suppressions::of(text, Language::Kql);
        assert_eq!(
            s.lines,
            [
                (4, "KQL010".to_string()),
                (4, "KQL003".to_string()),
                (4, "KQL006".to_string())
            ]
        );
        assert!(s.covers("kql010", 4) && !s.covers("KQL010", 5) && !s.covers("KQL002", 5));
    }

    #[test]
    fn spl_comments_and_whole_file() {
        let text = "``` tokenward-ignore-file: SPL009 scheduled ```\n`m`\n``` tokenward-ignore: SPL005\nthe macro scopes it ```\nfoo=bar | stats count\n| eval x=\"``` tokenward-ignore: SPL006 ```\"\n";
        let s = Suppressions::of(text, Language::Spl);
        assert_eq!(s.file, ["SPL009"]);
        assert_eq!(s.lines, [(5, "SPL005".to_string())]);
    }
}
