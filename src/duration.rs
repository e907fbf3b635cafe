//! Durations as rules write them (`90s`, `60m`, `2h`, `14d`), kept in seconds.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Duration {
    pub seconds: u64,
}

impl Duration {
    pub const fn minutes(m: u64) -> Self {
        Self { seconds: m * 60 }
    }

    pub const fn days(d: u64) -> Self {
        Self {
            seconds: d * 86_400,
        }
    }

    /// Parses `<digits><unit>` with unit `s`, `m`, `h` or `d`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("`{text}` has no unit"))?;
        let (digits, unit) = text.split_at(split);
        if digits.is_empty() {
            return Err(format!("`{text}` does not start with a number"));
        }
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("`{digits}` is too large"))?;
        let factor = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            _ => return Err(format!("unknown unit `{unit}`")),
        };
        n.checked_mul(factor)
            .filter(|s| *s <= Self::MAX.seconds)
            .map(|seconds| Self { seconds })
            .ok_or_else(|| {
                format!(
                    "`{text}` is longer than {} days",
                    Self::MAX.seconds / 86_400
                )
            })
    }

    /// The longest duration a rule may write (far beyond any SIEM's limits, so sums never overflow).
    pub const MAX: Duration = Duration::days(36_500);

    /// `self + other`, or `None` past [`Duration::MAX`].
    pub fn checked_add(self, other: Duration) -> Option<Duration> {
        self.seconds
            .checked_add(other.seconds)
            .filter(|s| *s <= Self::MAX.seconds)
            .map(|seconds| Duration { seconds })
    }
}

/// Prints the largest unit that divides exactly: `60m` prints as `1h`, `90m` as `90m`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds;
        if s == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
            if s.is_multiple_of(size) {
                return write!(f, "{}{unit}", s / size);
            }
        }
        write!(f, "{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!(Duration::parse("60m").unwrap().seconds, 3600);
        assert_eq!(Duration::parse("2h").unwrap().to_string(), "2h");
        assert_eq!(Duration::parse("90m").unwrap().to_string(), "90m");
        assert_eq!(Duration::parse("14d").unwrap(), Duration::days(14));
        assert!(Duration::parse("60").is_err());
        assert!(Duration::parse("m").is_err());
        assert!(Duration::parse("5w").is_err());
        assert!(Duration::parse("99999999999999999999d").is_err());
        // Values that fit in u64 but would wrap when a lookback adds them up.
        assert!(Duration::parse("18446744073709551615s").is_err());
        assert!(Duration::parse("36501d")
            .unwrap_err()
            .contains("longer than 36500 days"));
        assert_eq!(Duration::MAX.checked_add(Duration::minutes(1)), None);
    }
}
