//! Durations and the schedule: how often a query runs and how late events may arrive.

use super::{Checker, DEFAULT_DELAY, DEFAULT_EVERY};
use crate::diag::Diagnostic;
use crate::duration::Duration;
use crate::model::Spanned;

impl Checker<'_> {
    pub(super) fn duration(&mut self, s: &Spanned<String>) -> Option<Duration> {
        match Duration::parse(&s.value) {
            Ok(d) => Some(d),
            Err(why) => {
                self.err(
                    Diagnostic::error("E014", format!("bad duration: {why}"))
                        .at(self.at(s))
                        .help("write a number and a unit: 90s, 60m, 2h, 1d"),
                );
                None
            }
        }
    }

    pub(super) fn schedule(&mut self) -> (Duration, Duration) {
        let Some(s) = &self.raw.schedule else {
            return (DEFAULT_EVERY, DEFAULT_DELAY);
        };
        let every = match &s.value.every {
            Some(e) => match self.duration(e) {
                Some(d) if d < Duration::minutes(5) || d > Duration::days(14) => {
                    self.err(
                        Diagnostic::error("E015", format!("`every: {d}` is outside 5m..14d"))
                            .at(self.at(e))
                            .help("Sentinel runs scheduled rules every 5 minutes to 14 days"),
                    );
                    DEFAULT_EVERY
                }
                Some(d) => d,
                None => DEFAULT_EVERY,
            },
            None => DEFAULT_EVERY,
        };
        let delay = match &s.value.ingestion_delay {
            Some(e) => self.duration(e).unwrap_or(DEFAULT_DELAY),
            None => DEFAULT_DELAY,
        };
        (every, delay)
    }
}
