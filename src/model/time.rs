//! Dates and instants as written in records: `YYYY-MM-DD` (midnight UTC) or
//! RFC 3339 datetimes.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde::de::Visitor;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// An instant from a record, remembering whether it was written as a bare date
/// so that it can be shown the way the writer wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    instant: DateTime<Utc>,
    date_only: bool,
}

impl Timestamp {
    /// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 datetime.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            if text.len() == 10 {
                return Ok(Self::from_date(date));
            }
        }
        let instant = DateTime::parse_from_rfc3339(text)
            .map_err(|_| {
                format!("invalid date `{text}`: expected YYYY-MM-DD or an RFC 3339 datetime such as 2026-03-14T02:00:00Z")
            })?
            .with_timezone(&Utc);
        // An offset can push 0000-01-01 or 9999-12-31 out of the four-digit
        // years that feeds (RFC 2822) and every display format can show.
        if !(0..=9999).contains(&instant.year()) {
            return Err(format!(
                "date `{text}` is out of range: in UTC it falls outside the years 0000 to 9999"
            ));
        }
        Ok(Self {
            instant,
            date_only: false,
        })
    }

    /// Midnight UTC of `date`.
    pub fn from_date(date: NaiveDate) -> Self {
        Self {
            instant: date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            date_only: true,
        }
    }

    /// A precise instant.
    pub fn from_instant(instant: DateTime<Utc>) -> Self {
        Self {
            instant,
            date_only: false,
        }
    }

    /// The instant this timestamp denotes.
    pub fn instant(&self) -> DateTime<Utc> {
        self.instant
    }

    /// The UTC calendar date.
    pub fn date(&self) -> NaiveDate {
        self.instant.date_naive()
    }

    /// Whether the source gave only a date.
    pub fn is_date_only(&self) -> bool {
        self.date_only
    }

    /// Machine form: `YYYY-MM-DD` for dates, RFC 3339 (seconds, `Z`) otherwise.
    pub fn iso(&self) -> String {
        if self.date_only {
            self.date().format("%Y-%m-%d").to_string()
        } else {
            self.instant.to_rfc3339_opts(SecondsFormat::Secs, true)
        }
    }

    /// Reader form: `2026-03-14` or `2026-03-14 02:00 UTC`.
    pub fn display(&self) -> String {
        if self.date_only {
            self.date().format("%Y-%m-%d").to_string()
        } else {
            self.instant.format("%Y-%m-%d %H:%M UTC").to_string()
        }
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier),
    /// counted on instants: 23 hours is 0 days.
    pub fn days_until(&self, later: &Timestamp) -> i64 {
        (later.instant - self.instant).num_days()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    /// Reads a scalar through a visitor, so that a bad date is reported by the
    /// YAML library at the value's own line and column.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TimestampVisitor)
    }
}

/// Parses a date scalar inside the deserializer (see [`Timestamp::parse`]).
struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a date (YYYY-MM-DD) or an RFC 3339 datetime")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
        Timestamp::parse(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms() {
        let date = Timestamp::parse("2026-03-14").unwrap();
        assert!(date.is_date_only());
        assert_eq!(date.iso(), "2026-03-14");
        let instant = Timestamp::parse("2026-03-14T02:30:00+01:00").unwrap();
        assert_eq!(instant.iso(), "2026-03-14T01:30:00Z");
        assert!(date < instant);
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["2026-13-01", "2026-02-30", "yesterday", "2026-3-1", ""] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
