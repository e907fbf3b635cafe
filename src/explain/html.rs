//! The picture: one self-contained HTML page per rule (inline CSS and SVG, no script, no external
//! asset) with a timeline per explained session: events on a time axis, one lane per table, the
//! window band from each issuance, a line from each use to its issuance coloured by verdict, and the
//! signals and suppressions as labels. Every value from rules or events is escaped; output is
//! deterministic.

use std::fmt::Write as _;

use super::{Explanation, PairVerdict, Role, SessionView, Verdict};
use crate::events::Timestamp;

/// Escapes text for HTML and SVG (element content and quoted attributes).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "&#x{:x};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// An `id` attribute made of the text's letters and digits (the rest become `-`).
pub fn anchor(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

const STYLE: &str =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1100px}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}\
h3{font-size:1em;margin:1.2em 0 .3em}.alert{color:#b00020}.quiet{color:#2e7d32}\
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:12px}\
svg{background:#fff;border:1px solid #ddd}svg text{font-family:system-ui,sans-serif}\
.legend span{display:inline-block;margin-right:1.2em;font-size:13px}\
.sw{display:inline-block;width:14px;height:4px;margin-right:.3em;vertical-align:middle}";

const COLOURS: &[(&str, &str)] = &[
    ("alert", "#d32f2f"),
    ("suppressed", "#1976d2"),
    ("below_score", "#9e9e9e"),
    ("filtered", "#7b1fa2"),
    ("outside_window", "#ef6c00"),
];

fn colour(verdict: &str) -> &'static str {
    COLOURS
        .iter()
        .find(|(v, _)| *v == verdict)
        .map_or("#000", |(_, c)| c)
}

fn role_colour(r: Role) -> &'static str {
    match r {
        Role::Issuance => "#1565c0",
        Role::Use => "#ef6c00",
        Role::Both => "#6a1b9a",
        Role::Match => "#d32f2f",
        Role::Suppressed => "#1976d2",
        Role::Ignored | Role::NoMatch | Role::Detection => "#9e9e9e",
    }
}

fn verdict_name(v: PairVerdict) -> &'static str {
    match v {
        PairVerdict::Alert => "alert",
        PairVerdict::BelowScore => "below_score",
        PairVerdict::Filtered => "filtered",
        PairVerdict::Suppressed => "suppressed",
        PairVerdict::NoIssuance => "outside_window",
    }
}

/// One page for a rule: a section per explained events file, a timeline per session.
pub fn page(rule: &str, title: &str, explanations: &[Explanation]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{} — tokenward explain</title>\n<style>{STYLE}</style>\n</head><body>\n\
         <h1><code>{}</code>: {}</h1>\n",
        escape(rule),
        escape(rule),
        escape(title)
    );
    out.push_str("<p class=\"legend\">");
    for (v, c) in COLOURS {
        let _ = write!(
            out,
            "<span><i class=\"sw\" style=\"background:{c}\"></i>{}</span>",
            v.replace('_', " ")
        );
    }
    out.push_str(
        "<span>shaded band: the window after each issuance</span>\
         <span>● issuance (blue) · use (orange) · both (purple) · ignored (grey)</span></p>\n",
    );
    for x in explanations {
        let id = match &x.case {
            Some(c) => format!("{}-{}", c.name, x.shape),
            None => x.file.clone(),
        };
        let _ = write!(out, "<section id=\"{}\">\n<h2>", anchor(&id));
        match &x.case {
            Some(c) => {
                let _ = write!(
                    out,
                    "{} <small>({}; expects {})</small>",
                    escape(&c.name),
                    escape(&x.shape),
                    escape(&c.expect.replace('_', " "))
                );
            }
            None => out.push_str(&escape(&x.file)),
        }
        out.push_str("</h2>\n");
        if let Some(c) = &x.case {
            let _ = writeln!(out, "<p>{}</p>", escape(&c.reason));
        }
        let _ = writeln!(
            out,
            "<p><small>{}</small></p>",
            escape(&format!("{} ({} shape)", x.file, x.shape))
        );
        for n in &x.notes {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(n));
        }
        for s in &x.sessions {
            let (class, word) = match s.verdict {
                Verdict::Alert => ("alert", "alert"),
                Verdict::Quiet => ("quiet", "quiet"),
            };
            let _ = writeln!(
                out,
                "<h3>session <code>{}</code> {}: <span class=\"{class}\">{word}</span></h3>",
                escape(if s.session_id.is_empty() {
                    "(none)"
                } else {
                    &s.session_id
                }),
                escape(&s.user)
            );
            out.push_str(&timeline_svg(x, s));
            out.push('\n');
            if let Some(c) = s.counterfactuals.first() {
                let _ = writeln!(
                    out,
                    "<p>{}: {} <small>({})</small></p>",
                    match s.verdict {
                        Verdict::Alert => "would clear it",
                        Verdict::Quiet => "smallest change that alerts",
                    },
                    escape(&c.change),
                    escape(&c.verified)
                );
            }
        }
        let _ = writeln!(
            out,
            "<details><summary>trace</summary><pre>{}</pre></details>\n</section>",
            escape(&super::human(x))
        );
    }
    out.push_str("</body></html>\n");
    out
}

fn parse(t: &Option<String>) -> Option<Timestamp> {
    t.as_deref().and_then(|s| s.parse().ok())
}

/// The lane of an event: its table, or interactive / non-interactive when the record names none.
fn lane_of(e: &super::EventView) -> String {
    e.source.clone().unwrap_or_else(|| match e.interactive {
        Some(true) => "interactive".into(),
        Some(false) => "non-interactive".into(),
        None => "sign-ins".into(),
    })
}

/// A session's timeline as inline SVG. Elements carry classes a test can count: `event` (one per
/// event with a time), `window` (one per issuance), `pair` (one per use: to its issuance, or, with
/// none, to the latest issuance outside the window).
pub fn timeline_svg(x: &Explanation, s: &SessionView) -> String {
    const W: f64 = 1000.0;
    const LEFT: f64 = 210.0;
    const RIGHT: f64 = 30.0;
    const TOP: f64 = 30.0;
    const LANE: f64 = 64.0;
    let window_ns: i128 = x
        .schedule
        .window
        .as_deref()
        .and_then(|w| crate::duration::Duration::parse(w).ok())
        .map_or(0, |d| d.seconds as i128 * 1_000_000_000);
    let timed: Vec<(&super::EventView, Timestamp)> = s
        .events
        .iter()
        .filter_map(|e| parse(&e.time).map(|t| (e, t)))
        .collect();
    let issuing = |r: Role| matches!(r, Role::Issuance | Role::Both);
    let mut lanes: Vec<(bool, String)> = timed
        .iter()
        .map(|(e, _)| (e.interactive != Some(true), lane_of(e)))
        .collect();
    lanes.sort();
    lanes.dedup();
    let lane_y = |e: &super::EventView| {
        let key = (e.interactive != Some(true), lane_of(e));
        let k = lanes.iter().position(|l| *l == key).unwrap_or(0);
        TOP + LANE * k as f64 + LANE / 2.0
    };
    let height = TOP + LANE * lanes.len().max(1) as f64 + 44.0 + 18.0 * s.pairs.len() as f64;
    let ns: Vec<i128> = timed
        .iter()
        .flat_map(|(e, t)| {
            let t = t.as_nanosecond();
            let end = if issuing(e.role) { t + window_ns } else { t };
            [t, end]
        })
        .collect();
    let (lo, hi) = match (ns.iter().min(), ns.iter().max()) {
        (Some(&lo), Some(&hi)) => (lo, hi.max(lo + 60_000_000_000)),
        _ => (0, 60_000_000_000),
    };
    let pad = (hi - lo) / 25;
    let (lo, hi) = (lo - pad, hi + pad);
    let xpos = |t: i128| LEFT + (W - LEFT - RIGHT) * ((t - lo) as f64 / (hi - lo) as f64);
    let at = |n: usize| timed.iter().find(|(e, _)| e.n == n);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"{W:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {W:.0} {height:.0}\" role=\"img\" aria-label=\"timeline of session {}\" data-session=\"{}\">",
        escape(&s.session_id),
        escape(&s.session_id)
    );
    // Lanes.
    for (k, (_, name)) in lanes.iter().enumerate() {
        let y = TOP + LANE * k as f64;
        let _ = writeln!(
            out,
            "<rect class=\"lane\" x=\"{LEFT:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{LANE:.1}\" fill=\"{}\"/>\
             <text x=\"8\" y=\"{:.1}\" font-size=\"13\">{}</text>",
            W - LEFT - RIGHT,
            if k % 2 == 0 { "#fafafa" } else { "#f2f2f2" },
            y + LANE / 2.0 + 4.0,
            escape(name)
        );
    }
    let bottom = TOP + LANE * lanes.len().max(1) as f64;
    // Axis: about six ticks on whole minutes.
    let minute: i128 = 60_000_000_000;
    let steps = [1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440];
    let step = steps
        .iter()
        .map(|m| m * minute)
        .find(|s| (hi - lo) / s <= 8)
        .unwrap_or(1440 * minute);
    let mut t = (lo / step + 1) * step;
    while t < hi {
        let xx = xpos(t);
        let label = Timestamp::from_nanosecond(t)
            .map(|ts| ts.strftime("%H:%M").to_string())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<line class=\"tick\" x1=\"{xx:.1}\" y1=\"{TOP:.1}\" x2=\"{xx:.1}\" y2=\"{bottom:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{xx:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{label}</text>",
            bottom + 14.0
        );
        t += step;
    }
    if let Some((_, first)) = timed.iter().min_by_key(|(_, t)| *t) {
        let _ = writeln!(
            out,
            "<text x=\"{LEFT:.1}\" y=\"18\" font-size=\"12\" fill=\"#555\">{} UTC</text>",
            first.strftime("%Y-%m-%d")
        );
    }
    // Window bands.
    for (e, t) in timed.iter().filter(|(e, _)| issuing(e.role)) {
        let x0 = xpos(t.as_nanosecond());
        let x1 = xpos(t.as_nanosecond() + window_ns);
        let _ = writeln!(
            out,
            "<rect class=\"window\" data-issuance=\"{}\" x=\"{x0:.1}\" y=\"{TOP:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
             fill=\"#1565c0\" fill-opacity=\"0.08\" stroke=\"#1565c0\" stroke-opacity=\"0.3\" stroke-dasharray=\"4 3\">\
             <title>{}</title></rect>",
            e.n,
            x1 - x0,
            bottom - TOP,
            escape(&format!(
                "window of #{}: {} after {}",
                e.n,
                x.schedule.window.as_deref().unwrap_or(""),
                e.time.as_deref().unwrap_or("")
            ))
        );
    }
    // Pair lines and their labels.
    for (k, p) in s.pairs.iter().enumerate() {
        let to = match p.issuance {
            Some(i) => Some(i),
            None => p
                .candidates
                .iter()
                .rev()
                .find(|c| c.fate == "outside_window")
                .map(|c| c.event),
        };
        let (Some((ue, ut)), Some((ie, it))) = (at(p.use_event), to.and_then(at)) else {
            continue;
        };
        let verdict = verdict_name(p.verdict);
        let (x1, y1, x2, y2) = (
            xpos(it.as_nanosecond()),
            lane_y(ie),
            xpos(ut.as_nanosecond()),
            lane_y(ue),
        );
        let _ = writeln!(
            out,
            "<line class=\"pair {verdict}\" data-use=\"{}\" data-issuance=\"{}\" data-verdict=\"{verdict}\" \
             x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{}\" stroke-width=\"2.5\"{}>\
             <title>{}</title></line>",
            p.use_event,
            ie.n,
            colour(verdict),
            if p.issuance.is_none() {
                " stroke-dasharray=\"6 4\""
            } else {
                ""
            },
            escape(&format!(
                "use #{} ← issuance #{}: {}",
                p.use_event,
                ie.n,
                p.verdict.name()
            ))
        );
        let fired: Vec<&str> = p
            .signals
            .iter()
            .filter(|s| s.fired)
            .map(|s| s.name.as_str())
            .collect();
        let suppressed: Vec<&str> = p
            .suppressions
            .iter()
            .filter(|s| s.holds)
            .map(|s| s.name.as_str())
            .collect();
        let mut parts = vec![format!("#{} ← #{}", p.use_event, ie.n)];
        if let Some(score) = p.score {
            parts.push(if fired.is_empty() {
                "no signal".to_string()
            } else {
                fired.join(", ")
            });
            parts.push(format!("score {score}/{}", p.min_score));
        }
        parts.push(match p.verdict {
            PairVerdict::Alert => format!("ALERT {}", p.severity.as_deref().unwrap_or("")),
            PairVerdict::NoIssuance => format!(
                "outside the {} window",
                x.schedule.window.as_deref().unwrap_or("")
            ),
            v => v.name().to_string(),
        });
        if !suppressed.is_empty() {
            parts.push(format!("suppressed by {}", suppressed.join(", ")));
        }
        // One row per use, so labels never overlap.
        let ly = bottom + 36.0 + k as f64 * 18.0;
        let anchor = if x2 > W / 2.0 + 100.0 { "end" } else { "start" };
        let _ = writeln!(
            out,
            "<line x1=\"{x2:.1}\" y1=\"{y2:.1}\" x2=\"{x2:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-opacity=\"0.35\"/>\
             <text class=\"label\" x=\"{x2:.1}\" y=\"{ly:.1}\" font-size=\"12\" text-anchor=\"{anchor}\" fill=\"{}\">{}</text>",
            ly - 12.0,
            colour(verdict),
            colour(verdict),
            escape(&parts.join(" · "))
        );
    }
    // Events, on top.
    for (e, t) in &timed {
        let cx = xpos(t.as_nanosecond());
        let cy = lane_y(e);
        let _ = writeln!(
            out,
            "<circle class=\"event {}\" data-event=\"{}\" data-role=\"{}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"7\" \
             fill=\"{}\" stroke=\"#fff\" stroke-width=\"1.5\"><title>{}</title></circle>\
             <text x=\"{cx:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">#{}</text>",
            role_class(e.role),
            e.n,
            role_class(e.role),
            role_colour(e.role),
            escape(&format!(
                "#{} {} at {}",
                e.n,
                e.role.name(),
                e.time.as_deref().unwrap_or("")
            )),
            cy - 11.0,
            e.n
        );
    }
    out.push_str("</svg>");
    out
}

fn role_class(r: Role) -> &'static str {
    match r {
        Role::Issuance => "issuance",
        Role::Use => "use",
        Role::Both => "both",
        Role::Ignored => "ignored",
        Role::Match => "match",
        Role::Suppressed => "suppressed",
        Role::NoMatch => "no_match",
        Role::Detection => "detection",
    }
}
