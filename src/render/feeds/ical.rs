//! iCalendar (RFC 5545) feeds and per-change events (SPEC section 5), with a
//! small writer of our own: CRLF line ends, lines folded at 75 octets on
//! UTF-8 boundaries, TEXT values escaped. Nothing comes from the clock or a
//! random source: `UID` is `<id lower-cased>@<host of base_url>` and
//! `DTSTAMP` the record's latest public instant, so builds stay
//! byte-identical.
//!
//! A calendar holds one event per announced scheduled (or cancelled)
//! change: advance-notice tiers' calendars once the tier was told (the
//! notice of [`super::notice_in`]), real-time tiers' calendars and
//! `calendar.ics` once the change is published. A reschedule moves the same
//! event (same `UID`, `SEQUENCE` from [`sequence`]); a cancellation sets
//! `STATUS:CANCELLED`.

use super::{compact_utc, in_scope, notice_in, Channel, Scope};
use crate::model::{Config, Timestamp};
use crate::paths::{self, FeedFormat};
use crate::render::view::Published;
use crate::render::OutputFile;

/// An event's `STATUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// Planned but not confirmed (record status `approved`).
    Tentative,
    /// Going ahead, under way or done.
    Confirmed,
    /// Called off.
    Cancelled,
}

impl EventStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Tentative => "TENTATIVE",
            Self::Confirmed => "CONFIRMED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// One `VEVENT`, in no particular syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalEvent {
    /// `<id lower-cased>@<host of base_url>`: the same for the change in
    /// every calendar, across reschedules.
    pub uid: String,
    /// How often the event moved ([`sequence`]).
    pub sequence: u32,
    /// `DTSTAMP`: the record's latest public instant at or before now.
    pub stamp: Timestamp,
    /// `DTSTART`: `scheduled`.
    pub start: Timestamp,
    /// `DTEND`: `window_end`, else one hour after the start.
    pub end: Timestamp,
    /// `SUMMARY`: the change's title.
    pub summary: String,
    /// `DESCRIPTION`: the customer-facing summary and the page's URL.
    pub description: String,
    /// `URL`: the change page.
    pub url: String,
    /// `STATUS`.
    pub status: EventStatus,
}

/// The `SEQUENCE` of an event whose current start is `current`: the number
/// of earlier, different `scheduled` values in the record's history
/// (`history`, oldest first, from git when available; SPEC section 5), 0
/// without history. The one place the git history can feed calendars.
pub fn sequence(current: Timestamp, history: Option<&[Timestamp]>) -> u32 {
    let mut earlier: Vec<Timestamp> = history
        .unwrap_or_default()
        .iter()
        .copied()
        .filter(|at| *at != current)
        .collect();
    earlier.sort();
    earlier.dedup();
    u32::try_from(earlier.len()).unwrap_or(u32::MAX)
}

/// The event of `entry`, if it is scheduled. Inputs: the portal's settings,
/// the build's `now` (an instant).
pub fn event(entry: &Published<'_>, config: &Config, now: &Timestamp) -> Option<CalEvent> {
    let start = entry.scheduled()?;
    let end = entry
        .window_end()
        .filter(|end| *end > start)
        .unwrap_or_else(|| Timestamp::from_instant(start.instant() + chrono::Duration::hours(1)));
    let status = if entry.called_off_at().is_some() {
        EventStatus::Cancelled
    } else if entry.is_tentative() {
        EventStatus::Tentative
    } else {
        EventStatus::Confirmed
    };
    let change = &entry.change;
    Some(CalEvent {
        uid: format!("{}@{}", change.slug, host(config)),
        sequence: sequence(start, None),
        stamp: entry.last_public_change(now),
        start,
        end,
        summary: change.title.clone(),
        description: format!("{}\n{}", change.summary, change.url),
        url: change.url.clone(),
        status,
    })
}

/// The host of `base_url` (`changes.acme.example`), as `UID`s carry it.
fn host(config: &Config) -> String {
    url::Url::parse(config.base())
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default()
}

/// The events of a calendar of `scope` at `now`: advance-notice tiers'
/// once the tier was told, the others' once published; the `feed_items`
/// latest starts, ordered by start then `UID`.
pub fn events(
    published: &[Published<'_>],
    scope: Scope<'_>,
    config: &Config,
    now: &Timestamp,
) -> Vec<CalEvent> {
    let advance = matches!(scope, Scope::Tier { tier, .. } if tier.is_advance_notice());
    let mut events: Vec<CalEvent> = published
        .iter()
        .filter(|entry| in_scope(entry, scope))
        .filter(|entry| !advance || notice_in(entry, scope, now).is_some())
        .filter_map(|entry| event(entry, config, now))
        .collect();
    events.sort_by(|a, b| b.start.cmp(&a.start).then_with(|| a.uid.cmp(&b.uid)));
    events.truncate(config.feed_items);
    events.reverse();
    events
}

/// The `.ics` file of `channel` (a tier's or the all-changes calendar).
pub fn write_feed(
    channel: &Channel<'_>,
    published: &[Published<'_>],
    config: &Config,
    now: &Timestamp,
) -> OutputFile {
    let events = events(published, channel.scope, config, now);
    OutputFile::new(
        channel.path_of(FeedFormat::Ical),
        write(&channel.title, &events),
    )
}

/// `changes/<slug>/event.ics` for every upcoming published change with a
/// `scheduled` start ("Add to calendar", [`paths::public::change_event`]).
pub fn change_events(
    published: &[Published<'_>],
    config: &Config,
    now: &Timestamp,
) -> Vec<OutputFile> {
    published
        .iter()
        .filter(|entry| entry.is_upcoming(now))
        .filter_map(|entry| {
            let event = event(entry, config, now)?;
            let path = paths::public::change_event(&entry.change.slug);
            Some(OutputFile::new(path, write(&entry.change.title, &[event])))
        })
        .collect()
}

/// A `VCALENDAR` named `name` holding `events`, as RFC 5545 bytes.
pub fn write(name: &str, events: &[CalEvent]) -> Vec<u8> {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&fold(&text));
        out.push_str("\r\n");
    };
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//changeportal//changeportal//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    for event in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", event.uid));
        line(format!("SEQUENCE:{}", event.sequence));
        line(format!("DTSTAMP:{}", compact_utc(&event.stamp)));
        line(format!("DTSTART:{}", compact_utc(&event.start)));
        line(format!("DTEND:{}", compact_utc(&event.end)));
        line(format!("STATUS:{}", event.status.as_str()));
        line(format!("SUMMARY:{}", escape_text(&event.summary)));
        line(format!("DESCRIPTION:{}", escape_text(&event.description)));
        line(format!("URL:{}", event.url));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out.into_bytes()
}

/// A TEXT value (RFC 5545 section 3.3.11): `\`, `;` and `,` escaped, line
/// ends as `\n`, other control characters dropped.
fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                escaped.push_str("\\n");
            }
            '\n' => escaped.push_str("\\n"),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// A content line folded (RFC 5545 section 3.1): at most 75 octets per
/// physical line, continuation lines starting with one space, never
/// splitting a UTF-8 character.
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + line.len() / 64 * 3);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            folded.push_str("\r\n ");
            width = 1;
        }
        folded.push(c);
        width += c.len_utf8();
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_at_75_octets_on_character_boundaries() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&line);
        for physical in folded.split("\r\n") {
            assert!(physical.len() <= 75, "{physical:?}");
        }
        assert_eq!(folded.replace("\r\n ", ""), line);
        assert_eq!(fold("SHORT"), "SHORT");
    }

    #[test]
    fn escapes_text_values() {
        assert_eq!(
            escape_text("a,b;c\\d\r\ne\nf\u{7}"),
            "a\\,b\\;c\\\\d\\ne\\nf"
        );
    }

    #[test]
    fn sequence_counts_earlier_different_starts() {
        let at = |t: &str| Timestamp::parse(t).unwrap();
        let now = at("2026-05-01T10:00:00Z");
        assert_eq!(sequence(now, None), 0);
        let history = [
            at("2026-04-01T10:00:00Z"),
            at("2026-04-01T10:00:00Z"),
            at("2026-04-15T10:00:00Z"),
            now,
        ];
        assert_eq!(sequence(now, Some(&history)), 2);
    }
}
