//! Feeds (SPEC section 5): which feeds a portal has, and which items each
//! carries, with their guids, dates and content, independent of any format.
//! One file per format writes them: [`rss`] (RSS 2.0), [`atom`] (Atom 1.0),
//! [`json`] (JSON Feed 1.1) and [`ical`] (iCalendar, which takes the
//! announced change windows rather than items).
//!
//! A feed is a log of events, each an item with a real date and a guid that
//! is an absolute URL under the record's page (`<base>` =
//! `<base_url>/changes/<id lower-cased>/`), so the same item has the same
//! guid in every feed of a portal and no two portals share one:
//! - *notice* (`<base>#notice-<scheduled as YYYYMMDDTHHMMSSZ>`): a published
//!   change with a `scheduled` start was announced; dated when the feed's
//!   readers were told (for a tier `notified[tier]` else `created`; for the
//!   all-changes and system feeds `created`), or when the embargo lifted if
//!   later ([`Published::notice_at`]). Only advance-notice tiers, the
//!   all-changes feed and system feeds carry notices. A notice stays after
//!   the change is deployed or cancelled; a reschedule is a new notice (its
//!   guid carries the new `scheduled`) and the old one disappears, since
//!   only the current `scheduled` is known;
//! - *reminder* (`<base>#reminder-<scheduled>-<N>d`): a tier's `reminders`,
//!   N days before `scheduled`, once that instant has passed, while the
//!   change is still pending and after the tier's notice;
//! - *cancelled* (`<base>#cancelled`): a cancelled change, only in a feed
//!   whose readers got its notice before it was called off; dated
//!   `cancelled`, else `scheduled`;
//! - *deployed* (`<base>`): a change went live, dated `deployed`;
//! - *rolled back* (`<base>#rolled-back`): a live change was rolled back,
//!   dated `deployed` (the deployed item stays beside it).
//!
//! Tier feeds keep only changes that concern the tier and whose type the
//! tier accepts; system feeds only changes that list the system. Items are
//! newest first (ties by guid) and capped at `feed_items`. Nothing depends
//! on the clock beyond `now` (items dated after it are left out, except a
//! cancellation, which is news as soon as the record says so), so the same
//! input and `--now` give the same bytes. What is published at all is
//! [`view::is_published`]'s decision alone.

pub mod atom;
pub mod ical;
pub mod json;
pub mod rss;
pub mod subscribe;

use super::view::{self, Published};
use super::{escape_markup, OutputFile, RenderError};
use crate::model::config::Tier;
use crate::model::{Config, Timestamp, Zone};
use crate::paths::{self, FeedFormat};
use rayon::prelude::*;
use std::collections::HashSet;

/// Renders every feed of the portal ([`channels`]) in every format it has
/// ([`Channel::formats`]), even feeds without items, and the calendar event
/// of every upcoming change ([`ical::change_events`]). Inputs: the
/// published changes ([`view::published`]), the portal's settings and the
/// build's `now` (an instant). Errors: a feed a format writer cannot
/// serialize.
pub fn render(
    published: &[Published<'_>],
    config: &Config,
    now: &Timestamp,
) -> Result<Vec<OutputFile>, RenderError> {
    let channels = channels(config);
    let feeds: Vec<Vec<OutputFile>> = channels
        .par_iter()
        .map(|channel| render_channel(channel, published, config, now))
        .collect::<Result<_, _>>()?;
    let mut files: Vec<OutputFile> = feeds.into_iter().flatten().collect();
    files.extend(ical::change_events(published, config, now));
    Ok(files)
}

/// The files of one channel, one per format.
fn render_channel(
    channel: &Channel<'_>,
    published: &[Published<'_>],
    config: &Config,
    now: &Timestamp,
) -> Result<Vec<OutputFile>, RenderError> {
    let items = items(published, channel, now, config);
    channel
        .formats()
        .iter()
        .map(|format| match format {
            FeedFormat::Rss => rss::write(channel, &items),
            FeedFormat::Atom => atom::write(channel, &items),
            FeedFormat::Json => json::write(channel, &items),
            FeedFormat::Ical => Ok(ical::write_feed(channel, published, config, now)),
        })
        .collect()
}

/// What a feed selects from.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every published change.
    All,
    /// The changes for one tier of customers.
    Tier {
        /// The tier's key in `portal.yaml`.
        key: &'a str,
        /// The tier's settings.
        tier: &'a Tier,
    },
    /// The changes that list one system of the catalogue.
    System {
        /// The system's key in `portal.yaml`.
        key: &'a str,
    },
}

/// One feed: where it is published and how it describes itself.
#[derive(Debug, Clone)]
pub struct Channel<'a> {
    /// Which changes it carries.
    pub scope: Scope<'a>,
    /// The file name stem its paths are built from: the tier key, the
    /// system's file name ([`system_files`]), or empty for the all-changes
    /// feed.
    pub stem: String,
    /// The public base URL, without trailing slash.
    pub base: String,
    /// The RSS file's path relative to the public site root.
    pub path: String,
    /// The RSS file's absolute URL.
    pub url: String,
    /// The absolute URL of the public site's home.
    pub home: String,
    /// The feed's own title (the portal's title, or `<portal>: <tier>`).
    pub title: String,
    /// The feed's name in links and on the subscribe page
    /// (`<portal>: all changes`, `<portal>: <tier>`).
    pub name: String,
    /// What it carries, in a sentence or two.
    pub description: String,
}

impl Channel<'_> {
    /// The formats this feed is published in: all four, except system
    /// feeds, which have no calendar (SPEC section 5).
    pub fn formats(&self) -> &'static [FeedFormat] {
        match self.scope {
            Scope::System { .. } => &FeedFormat::ALL[..3],
            Scope::All | Scope::Tier { .. } => &FeedFormat::ALL,
        }
    }

    /// The file of this feed in `format`, relative to the public site root
    /// ([`paths::public`]).
    pub fn path_of(&self, format: FeedFormat) -> String {
        match self.scope {
            Scope::All => paths::public::all_feed(format).to_string(),
            Scope::Tier { .. } => paths::public::tier_feed(&self.stem, format),
            Scope::System { .. } => paths::public::system_feed(&self.stem, format),
        }
    }

    /// The absolute URL of this feed in `format`.
    pub fn url_of(&self, format: FeedFormat) -> String {
        paths::url(&self.base, &self.path_of(format))
    }
}

/// The portal's feeds: the all-changes feed, then one per tier in the
/// portal's order, then one per catalogued system in the catalogue's order.
/// Input: the portal's settings. Output: the channels, with paths from
/// [`paths::public`].
pub fn channels(config: &Config) -> Vec<Channel<'_>> {
    let base = config.base();
    let channel = |scope, stem: String, title: String, name: String, description: String| {
        let mut channel = Channel {
            scope,
            stem,
            base: base.to_string(),
            path: String::new(),
            url: String::new(),
            home: paths::url(base, ""),
            title,
            name,
            description,
        };
        channel.path = channel.path_of(FeedFormat::Rss);
        channel.url = channel.url_of(FeedFormat::Rss);
        channel
    };
    let all = channel(
        Scope::All,
        String::new(),
        config.title.clone(),
        format!("{}: all changes", config.title),
        config
            .description
            .clone()
            .unwrap_or_else(|| format!("Every public change of {}.", config.title)),
    );
    let tiers = config.tiers.iter().map(|(key, tier)| {
        let title = format!("{}: {}", config.title, tier.title);
        channel(
            Scope::Tier { key, tier },
            key.clone(),
            title.clone(),
            title,
            tier_description(tier),
        )
    });
    let systems = system_files(config).into_iter().map(|(key, file)| {
        let title = format!("{}: {}", config.title, config.system_title(key));
        channel(
            Scope::System { key },
            file,
            title.clone(),
            title,
            format!(
                "Every public change to {}: upcoming changes when they are announced, then each change when it is live.",
                config.system_title(key)
            ),
        )
    });
    std::iter::once(all).chain(tiers).chain(systems).collect()
}

/// Each catalogued system's key with the file name of its feeds: the key
/// lower-cased with every character other than ASCII letters, digits, `_`
/// and `-` (and a leading `-`) turned into `-`, `system` when nothing is
/// left, and `-2`, `-3`... appended when two keys give one name. Input: the
/// portal's settings. Output: pairs in the catalogue's order.
pub fn system_files(config: &Config) -> Vec<(&str, String)> {
    let mut taken = HashSet::new();
    let keys = config.systems.iter().flat_map(|systems| systems.keys());
    keys.map(|key| {
        let safe: String = key
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let safe = safe.trim_start_matches('-');
        let stem = if safe.is_empty() { "system" } else { safe };
        let mut file = stem.to_string();
        let mut number = 1;
        while !taken.insert(file.clone()) {
            number += 1;
            file = format!("{stem}-{number}");
        }
        (key.as_str(), file)
    })
    .collect()
}

/// What a tier's feed carries, in one sentence (feed description and the
/// subscribe page).
pub fn tier_description(tier: &Tier) -> String {
    let timing = if tier.is_advance_notice() {
        let reminders = match tier.reminders.as_slice() {
            [] => String::new(),
            days => {
                let days: Vec<String> = days.iter().map(u32::to_string).collect();
                format!(", reminders {} days before", days.join(" and "))
            }
        };
        format!(
            "Upcoming changes as soon as they are announced (at least {} days ahead){reminders}, cancellations, then each change when it is live",
            tier.notice_days
        )
    } else {
        "Each change when it is live".to_string()
    };
    let scope = match &tier.types {
        Some(types) => {
            let labels: Vec<&str> = types.iter().map(|t| view::type_label(*t)).collect();
            format!(", for these types: {}.", labels.join(", "))
        }
        None => ", for every type of change.".to_string(),
    };
    format!("{timing}{scope}")
}

/// What a feed item announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// The change is announced ahead of its window.
    Notice,
    /// The change's window starts in a few days.
    Reminder {
        /// Days before `scheduled`.
        days: u32,
    },
    /// The announced change will not take place.
    Cancelled,
    /// The change went live.
    Deployed,
    /// The change went live, and was rolled back since.
    RolledBack,
}

/// One feed item, in no particular format.
#[derive(Debug, Clone)]
pub struct FeedItem {
    /// Stable, globally unique id: an absolute URL under the change's page
    /// (see the module documentation).
    pub guid: String,
    /// What it announces.
    pub kind: ItemKind,
    /// Headline: the change's title, prefixed `Upcoming: `, `Reminder: `,
    /// `Cancelled: ` or `Rolled back: ` by kind.
    pub title: String,
    /// The change page's absolute URL.
    pub link: String,
    /// When it happened (an instant), per kind (module documentation).
    pub date: Timestamp,
    /// The customer-facing summary as plain text, followed by a sentence
    /// on the kind (`Scheduled for <date>.` in the portal's time zone...).
    pub summary: String,
    /// The change type for readers (`Bug fix`).
    pub category: &'static str,
    /// The public body part as HTML with absolute links, followed by the
    /// change window in the portal's time zone and in UTC, when scheduled.
    pub content_html: String,
}

/// The items of `channel` among `published` at `now` (an instant): newest
/// first, ties by guid, at most `config.feed_items`; nothing dated after
/// `now` except cancellations.
pub fn items(
    published: &[Published<'_>],
    channel: &Channel<'_>,
    now: &Timestamp,
    config: &Config,
) -> Vec<FeedItem> {
    let mut events: Vec<Event<'_, '_>> = published
        .iter()
        .flat_map(|entry| events_of(entry, channel.scope, now))
        .collect();
    events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.guid().cmp(&b.guid())));
    events.truncate(config.feed_items);
    events
        .iter()
        .map(|event| event.item(config.timezone))
        .collect()
}

/// One item before its texts are built.
struct Event<'p, 'r> {
    at: Timestamp,
    kind: ItemKind,
    entry: &'p Published<'r>,
}

/// `YYYYMMDDTHHMMSSZ`: an instant in UTC as guids and iCalendar write it.
pub fn compact_utc(at: &Timestamp) -> String {
    at.instant().format("%Y%m%dT%H%M%SZ").to_string()
}

impl Event<'_, '_> {
    fn guid(&self) -> String {
        let base = &self.entry.change.url;
        let scheduled = || self.entry.scheduled().map(|at| compact_utc(&at));
        match self.kind {
            ItemKind::Deployed => base.clone(),
            ItemKind::Notice => format!("{base}#notice-{}", scheduled().unwrap_or_default()),
            ItemKind::Reminder { days } => format!(
                "{base}#reminder-{}-{days}d",
                scheduled().unwrap_or_default()
            ),
            ItemKind::Cancelled => format!("{base}#cancelled"),
            ItemKind::RolledBack => format!("{base}#rolled-back"),
        }
    }

    fn item(&self, zone: Zone) -> FeedItem {
        let change = &self.entry.change;
        let starts = self.entry.scheduled().map(|at| zone.display(&at));
        let starts = starts.as_deref().unwrap_or("a date to be announced");
        let (prefix, sentence) = match self.kind {
            ItemKind::Notice => ("Upcoming: ", format!("Scheduled for {starts}.")),
            ItemKind::Reminder { days } => (
                "Reminder: ",
                format!(
                    "Starts in {days} day{}, at {starts}.",
                    if days == 1 { "" } else { "s" }
                ),
            ),
            ItemKind::Cancelled => (
                "Cancelled: ",
                format!("This change, planned for {starts}, has been cancelled and will not take place."),
            ),
            ItemKind::RolledBack => ("Rolled back: ", "This change was rolled back.".to_string()),
            ItemKind::Deployed => ("", String::new()),
        };
        let summary = [change.summary.as_str(), &sentence]
            .iter()
            .filter(|text| !text.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let mut content_html = self.entry.feed_html();
        content_html.push_str(&window_html(self.entry, zone));
        FeedItem {
            guid: self.guid(),
            kind: self.kind,
            title: format!("{prefix}{}", change.title),
            link: change.url.clone(),
            date: self.at,
            summary,
            category: change.type_label,
            content_html,
        }
    }
}

/// The change window as an HTML paragraph, in `zone` and in UTC:
/// `Change window: <start> to <end> (<start UTC> to <end UTC>).`, or the
/// start alone without `window_end`; empty when not scheduled.
pub fn window_html(entry: &Published<'_>, zone: Zone) -> String {
    let Some(start) = entry.scheduled() else {
        return String::new();
    };
    let span = |show: &dyn Fn(&Timestamp) -> String| match entry.window_end() {
        Some(end) => format!("{} to {}", show(&start), show(&end)),
        None => format!("from {}", show(&start)),
    };
    let local = span(&|at| zone.display(at));
    let utc = span(&|at| at.instant().format("%Y-%m-%d %H:%M UTC").to_string());
    let text = if local == utc {
        format!("Change window: {local}.")
    } else {
        format!("Change window: {local} ({utc}).")
    };
    format!("\n<p>{}</p>\n", escape_markup(&text))
}

/// Whether a feed of `scope` carries `entry` at all: a tier feed only
/// changes that concern the tier and whose type it accepts, a system feed
/// only changes that list the system.
pub fn in_scope(entry: &Published<'_>, scope: Scope<'_>) -> bool {
    match scope {
        Scope::All => true,
        Scope::Tier { key, tier } => entry.concerns_tier(key) && tier.accepts(entry.change_type()),
        Scope::System { key } => entry.concerns_system(key),
    }
}

/// When the readers of a feed of `scope` got the notice of `entry`, if they
/// did (at or before `now`): never for a real-time tier.
pub fn notice_in(entry: &Published<'_>, scope: Scope<'_>, now: &Timestamp) -> Option<Timestamp> {
    let announced = match scope {
        Scope::All | Scope::System { .. } => entry.announced(),
        Scope::Tier { key, tier } if tier.is_advance_notice() => entry.announced_to(key),
        Scope::Tier { .. } => return None,
    };
    entry.notice_at(announced).filter(|at| at <= now)
}

/// Every item `entry` gives a feed of `scope` at `now`.
fn events_of<'p, 'r>(
    entry: &'p Published<'r>,
    scope: Scope<'_>,
    now: &Timestamp,
) -> Vec<Event<'p, 'r>> {
    if !in_scope(entry, scope) {
        return Vec::new();
    }
    let event = |at, kind| Event { at, kind, entry };
    let mut events = Vec::new();
    let notice = notice_in(entry, scope, now);
    if let Some(at) = notice {
        events.push(event(at, ItemKind::Notice));
        if let Some(off) = entry.called_off_at() {
            events.push(event(off, ItemKind::Cancelled));
        }
    }
    if let (Some(told), Scope::Tier { tier, .. }) = (notice, scope) {
        events.extend(
            reminders(entry, tier, told, now)
                .map(|(at, days)| event(at, ItemKind::Reminder { days })),
        );
    }
    if let Some(at) = entry.live_at().filter(|at| at <= now) {
        events.push(event(at, ItemKind::Deployed));
        if entry.is_rolled_back() {
            events.push(event(at, ItemKind::RolledBack));
        }
    }
    events
}

/// The reminders of `tier` for `entry`, told at `told`: each `(instant,
/// days)` with the instant `days` before `scheduled`, passed by `now`, not
/// before the notice, while the change is pending.
pub fn reminders<'a>(
    entry: &'a Published<'_>,
    tier: &'a Tier,
    told: Timestamp,
    now: &'a Timestamp,
) -> impl Iterator<Item = (Timestamp, u32)> + 'a {
    reminder_instants(entry.scheduled().filter(|_| entry.is_pending()), tier)
        .filter(move |(at, _)| *at >= told && at <= now)
}

/// Each reminder instant of `tier` before `scheduled` (none without it):
/// `(scheduled minus days, days)`, in the tier's order. The one reminder
/// rule, shared by feeds and the rebuild schedule.
pub fn reminder_instants(
    scheduled: Option<Timestamp>,
    tier: &Tier,
) -> impl Iterator<Item = (Timestamp, u32)> + '_ {
    scheduled.into_iter().flat_map(move |scheduled| {
        tier.reminders.iter().filter_map(move |days| {
            let before = chrono::Duration::days(i64::from(*days));
            let at = scheduled.instant().checked_sub_signed(before)?;
            Some((Timestamp::from_instant(at), *days))
        })
    })
}
