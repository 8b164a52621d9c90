//! Dates and instants as written in records (SPEC section 2): `YYYY-MM-DD`
//! (midnight UTC) or RFC 3339 datetimes; and the portal's display time zone
//! (SPEC section 3).

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Timelike, Utc};
use serde::de::Visitor;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// An instant from a record, remembering whether it was written as a bare date
/// so that it can be shown the way the writer wrote it.
///
/// Equality, order and hashing are on the instant alone (SPEC section 2):
/// `2026-01-02` equals `2026-01-02T00:00:00Z` and `2026-01-01T19:00:00-05:00`
/// in every comparison; how it was written only changes how it is shown.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp {
    instant: DateTime<Utc>,
    date_only: bool,
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.instant == other.instant
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant.cmp(&other.instant)
    }
}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.instant.hash(state);
    }
}

impl Timestamp {
    /// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 datetime (`T` or
    /// `t` between date and time, `Z`, `z` or an offset up to ±23:59,
    /// optional fractional seconds). A day or month out of range, an hour
    /// over 23, a minute or second over 59 (a leap second `:60` included)
    /// and a year outside 0000-9999 once in UTC are errors, as a sentence
    /// naming the value.
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
        // chrono reads a leap second (`23:59:60`) as a second of 59 with
        // more than a second of nanoseconds; feeds, `<time datetime>` and
        // common date parsers refuse it.
        if instant.nanosecond() >= 1_000_000_000 {
            return Err(format!(
                "invalid time `{text}`: a second of 60 (a leap second) is not allowed; seconds go from 00 to 59"
            ));
        }
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
    /// Written digit by digit for years 0 to 9999 (a build writes tens of
    /// thousands; chrono's formatting machinery was a visible share of
    /// rendering), by chrono for the others.
    pub fn iso(&self) -> String {
        let t = self.instant;
        if !(0..=9999).contains(&t.year()) {
            return if self.date_only {
                self.date().format("%Y-%m-%d").to_string()
            } else {
                t.to_rfc3339_opts(SecondsFormat::Secs, true)
            };
        }
        let mut text = date_text(t.year(), t.month(), t.day());
        if !self.date_only {
            text.push('T');
            push_digits(&mut text, t.hour(), 2);
            text.push(':');
            push_digits(&mut text, t.minute(), 2);
            text.push(':');
            push_digits(&mut text, t.second(), 2);
            text.push('Z');
        }
        text
    }

    /// Reader form in UTC, for diagnostics: `2026-03-14` or
    /// `2026-03-14 02:00 UTC` (pages use [`Zone::display`]).
    pub fn display(&self) -> String {
        if self.date_only {
            self.date().format("%Y-%m-%d").to_string()
        } else {
            self.instant.format("%Y-%m-%d %H:%M UTC").to_string()
        }
    }

    /// The instant a period whose last instant or day is `self` ends
    /// (exclusive): the next midnight UTC when `self` was written as a bare
    /// date (a date-only `to` includes that whole day), else `self`. Used
    /// for `policy.blackouts` and board membership `to` (SPEC 3).
    pub fn period_end(&self) -> Timestamp {
        if self.date_only {
            let next = self.date().succ_opt().unwrap_or(NaiveDate::MAX);
            Self::from_instant(next.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        } else {
            *self
        }
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier),
    /// counted on instants: 23 hours is 0 days.
    pub fn days_until(&self, later: &Timestamp) -> i64 {
        (later.instant - self.instant).num_days()
    }
}

/// A stretch of time between two UTC instants, `start` included and `end`
/// excluded; a span with `end == start` is the single instant `start` (a
/// deploy, or a change window given only by `scheduled`). Used for change
/// windows, blackouts and board membership (SPEC 3 and 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First instant of the span.
    pub start: Timestamp,
    /// The instant the span ends (excluded), or `start` for a single instant.
    pub end: Timestamp,
}

impl Span {
    /// The single instant `at`.
    pub fn instant(at: Timestamp) -> Self {
        Span { start: at, end: at }
    }

    /// Whether the span is a single instant.
    pub fn is_instant(&self) -> bool {
        self.end <= self.start
    }

    /// Whether `at` lies in the span: `start <= at < end`, or `at == start`
    /// for a single instant.
    pub fn contains(&self, at: Timestamp) -> bool {
        if self.is_instant() {
            at == self.start
        } else {
            self.start <= at && at < self.end
        }
    }

    /// Whether the spans share an instant. Spans that only touch (one ends
    /// where the other starts) do not overlap; a single instant overlaps a
    /// span that contains it, and the same instant.
    pub fn overlaps(&self, other: &Span) -> bool {
        match (self.is_instant(), other.is_instant()) {
            (false, false) => self.start < other.end && other.start < self.end,
            (true, _) => other.contains(self.start),
            (false, true) => self.contains(other.start),
        }
    }
}

/// A `SOURCE_DATE_EPOCH` that cannot be the build's "now".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NowError {
    /// Not an integer number of seconds.
    #[error("SOURCE_DATE_EPOCH `{0}` is not a number of seconds")]
    NotSeconds(String),
    /// Seconds beyond what a timestamp can hold.
    #[error("SOURCE_DATE_EPOCH `{0}` is out of range")]
    OutOfRange(String),
}

/// The build's "now" (an instant in UTC): `now` when given (`--now`), else
/// `SOURCE_DATE_EPOCH` (seconds since 1970-01-01T00:00:00Z) when set and not
/// blank, else the system clock. Errors: a `SOURCE_DATE_EPOCH` that is not a
/// whole number of seconds, or is out of range.
pub fn resolve_now(now: Option<Timestamp>) -> Result<Timestamp, NowError> {
    if let Some(now) = now {
        return Ok(now);
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) if !value.trim().is_empty() => {
            let seconds: i64 = value
                .trim()
                .parse()
                .map_err(|_| NowError::NotSeconds(value.clone()))?;
            DateTime::from_timestamp(seconds, 0)
                .map(Timestamp::from_instant)
                .ok_or(NowError::OutOfRange(value))
        }
        _ => Ok(Timestamp::from_instant(Utc::now())),
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

impl Serialize for Timestamp {
    /// Writes the form [`Timestamp::parse`] reads back to the same value:
    /// `YYYY-MM-DD` for a bare date, else RFC 3339 in UTC with as many
    /// fractional digits as the instant has (load cache, `load::cache`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.date_only {
            serializer.collect_str(&self.date().format("%Y-%m-%d"))
        } else {
            serializer.serialize_str(&self.instant.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
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

/// The portal's display time zone (`timezone` in portal.yaml, SPEC section
/// 3): an IANA name such as `Europe/Berlin`. Pages show times in it with the
/// zone's abbreviation and group by its calendar months; comparisons stay on
/// instants ([`Timestamp`]) and machine forms (`<time datetime>`, feeds,
/// exports) stay UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Zone(chrono_tz::Tz);

impl Zone {
    /// The zone named `name` (an IANA time zone name, exact spelling), or a
    /// sentence saying it is unknown.
    pub fn parse(name: &str) -> Result<Self, String> {
        name.parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            format!("unknown time zone `{name}`: use an IANA name such as UTC, Europe/Berlin or America/Los_Angeles")
        })
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The calendar date `at` falls on in this zone. A date-only value is
    /// its own date (it is shown as written, so it is filed as written).
    pub fn date_of(&self, at: &Timestamp) -> NaiveDate {
        if at.is_date_only() {
            at.date()
        } else {
            at.instant().with_timezone(&self.0).date_naive()
        }
    }

    /// `YYYY-MM` of [`Zone::date_of`]: the month a page files `at` under.
    pub fn month_of(&self, at: &Timestamp) -> String {
        let date = self.date_of(at);
        format!("{:04}-{:02}", date.year(), date.month())
    }

    /// Reader form in this zone: `2026-10-31 20:30 PDT` for a datetime (the
    /// zone's abbreviation, or its UTC offset where the zone has none), the
    /// date as written (`2026-03-14`) for a date-only value.
    pub fn display(&self, at: &Timestamp) -> String {
        if at.is_date_only() {
            return at.date().format("%Y-%m-%d").to_string();
        }
        let local = at.instant().with_timezone(&self.0);
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02} {}",
            local.year(),
            local.month(),
            local.day(),
            local.hour(),
            local.minute(),
            local.offset()
        )
    }
}

impl<'de> Deserialize<'de> for Zone {
    /// Reads the name through a visitor, so that an unknown zone is reported
    /// at the value's own line and column.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(ZoneVisitor)
    }
}

/// Parses a time zone name inside the deserializer (see [`Zone::parse`]).
struct ZoneVisitor;

impl Visitor<'_> for ZoneVisitor {
    type Value = Zone;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an IANA time zone name such as Europe/Berlin")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Zone, E> {
        Zone::parse(text).map_err(E::custom)
    }
}

/// `YYYY-MM-DD` (a calendar date as pages and exports write it), digit by
/// digit for years 0 to 9999, as `format!("{year:04}-{month:02}-{day:02}")`
/// for the others.
pub fn date_text(year: i32, month: u32, day: u32) -> String {
    let Ok(four_digit_year @ 0..=9999) = u32::try_from(year) else {
        return format!("{year:04}-{month:02}-{day:02}");
    };
    let mut text = String::with_capacity(20);
    push_digits(&mut text, four_digit_year, 4);
    text.push('-');
    push_digits(&mut text, month, 2);
    text.push('-');
    push_digits(&mut text, day, 2);
    text
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        text.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_timestamps_parse_back_to_the_same_value_and_form() {
        for text in [
            "2026-01-02",
            "0000-01-01",
            "9999-12-31",
            "2026-01-02T00:00:00Z",
            "2026-03-14T02:00:00.123456789+05:30",
            "2026-03-14T02:00:00.5-23:59",
            "1999-12-31t23:59:59z",
        ] {
            let timestamp = Timestamp::parse(text).unwrap();
            let json = serde_json::to_string(&timestamp).unwrap();
            let back: Timestamp = serde_json::from_str(&json).unwrap();
            assert_eq!(back.instant(), timestamp.instant(), "{text} -> {json}");
            assert_eq!(back.is_date_only(), timestamp.is_date_only(), "{text}");
        }
    }

    #[test]
    fn iso_written_by_hand_matches_chrono() {
        for text in [
            "2026-03-14",
            "2026-03-14T02:05:09Z",
            "2026-12-31T23:59:59+01:00",
            "0001-01-01",
            "0999-10-05T10:00:07Z",
            "9999-12-31T23:59:59Z",
        ] {
            let at = Timestamp::parse(text).unwrap();
            let chrono = if at.is_date_only() {
                at.date().format("%Y-%m-%d").to_string()
            } else {
                at.instant().to_rfc3339_opts(SecondsFormat::Secs, true)
            };
            assert_eq!(at.iso(), chrono, "{text}");
        }
        assert_eq!(date_text(-1, 2, 3), format!("{:04}-{:02}-{:02}", -1, 2, 3));
        assert_eq!(date_text(12345, 2, 3), "12345-02-03");
    }

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
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "yesterday",
            "2026-3-1",
            "",
            "2026-12-31T23:59:60Z",
            "2026-12-31T00:00:00+24:00",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_date_is_its_midnight_instant() {
        let date = Timestamp::parse("2026-01-02").unwrap();
        let midnight = Timestamp::parse("2026-01-01T19:00:00-05:00").unwrap();
        assert_eq!(date, midnight);
        assert_eq!(date.cmp(&midnight), Ordering::Equal);
        assert_eq!(date.iso(), "2026-01-02");
        assert_eq!(midnight.iso(), "2026-01-02T00:00:00Z");
    }

    #[test]
    fn zones_show_local_time_and_file_by_local_month() {
        let zone = Zone::parse("Asia/Kolkata").unwrap();
        let at = Timestamp::parse("2026-10-31T18:30:00Z").unwrap();
        assert_eq!(zone.display(&at), "2026-11-01 00:00 IST");
        assert_eq!(zone.month_of(&at), "2026-11");
        let date = Timestamp::parse("2026-10-31").unwrap();
        assert_eq!(zone.display(&date), "2026-10-31");
        assert_eq!(zone.month_of(&date), "2026-10");
        assert_eq!(Zone::default().name(), "UTC");
        assert!(Zone::parse("Mars/Olympus_Mons").is_err());
    }
}
