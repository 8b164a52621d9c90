//! What the subscribe page and the pages' autodiscovery links say about each
//! feed (SPEC section 5): every feed of [`super::channels`] in every format
//! it has, with absolute URLs and what it carries.

use super::{channels, tier_description, Channel, Scope};
use crate::model::Config;
use crate::paths::FeedFormat;
use crate::render::view::type_label;
use serde::Serialize;

/// One format of a feed.
#[derive(Debug, Clone, Serialize)]
pub struct FormatLink {
    /// The format's name for readers (`RSS`, `Atom`, `JSON Feed`,
    /// `iCalendar`).
    pub label: &'static str,
    /// Its media type (`application/atom+xml`).
    pub media_type: &'static str,
    /// Whether feed readers find it through `<link rel="alternate">`
    /// (every format but iCalendar).
    pub discoverable: bool,
    /// The file, relative to the public site root.
    pub path: String,
    /// Its absolute URL, to copy into a reader or calendar.
    pub url: String,
}

/// One feed as pages describe it.
#[derive(Debug, Clone, Serialize)]
pub struct FeedEntry {
    /// `all`, `tier` or `system`.
    pub kind: &'static str,
    /// The tier or system key, empty for the all-changes feed.
    pub key: String,
    /// Heading: `All changes`, the tier's or the system's title.
    pub title: String,
    /// The feed's name for autodiscovery (`<portal>: <tier>`).
    pub name: String,
    /// What it carries, in a sentence or two.
    pub carries: String,
    /// Days of advance notice (0: real time; the all-changes and system
    /// feeds carry notices as soon as a change is public).
    pub notice_days: u32,
    /// Reminder days before a change (tiers with `reminders`).
    pub reminders: Vec<u32>,
    /// The change types it carries, for readers; `None`: every type.
    pub types: Option<Vec<&'static str>>,
    /// Each format it is published in.
    pub formats: Vec<FormatLink>,
}

/// Every feed of the portal, in [`channels`] order (all changes, tiers,
/// systems), with its formats. Input: the portal's settings.
pub fn entries(config: &Config) -> Vec<FeedEntry> {
    channels(config)
        .iter()
        .map(|channel| entry(channel, config))
        .collect()
}

/// The description of `channel`.
fn entry(channel: &Channel<'_>, config: &Config) -> FeedEntry {
    let formats = channel
        .formats()
        .iter()
        .map(|format| FormatLink {
            label: format.label(),
            media_type: format.media_type(),
            discoverable: *format != FeedFormat::Ical,
            path: channel.path_of(*format),
            url: channel.url_of(*format),
        })
        .collect();
    let (kind, key, title, carries, notice_days, reminders, types) = match channel.scope {
        Scope::All => (
            "all",
            String::new(),
            "All changes".to_string(),
            "Every public change: upcoming changes when they are announced, cancellations, then each change when it is live.".to_string(),
            0,
            Vec::new(),
            None,
        ),
        Scope::Tier { key, tier } => (
            "tier",
            key.to_string(),
            tier.title.clone(),
            tier.description.clone().unwrap_or_else(|| tier_description(tier)),
            tier.notice_days,
            tier.reminders.clone(),
            tier.types
                .as_ref()
                .map(|types| types.iter().map(|t| type_label(*t)).collect()),
        ),
        Scope::System { key } => (
            "system",
            key.to_string(),
            config.system_title(key).to_string(),
            channel.description.clone(),
            0,
            Vec::new(),
            None,
        ),
    };
    FeedEntry {
        kind,
        key,
        title,
        name: channel.name.clone(),
        carries,
        notice_days,
        reminders,
        types,
        formats,
    }
}
