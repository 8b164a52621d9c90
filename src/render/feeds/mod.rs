//! Feeds (SPEC section 5): which feeds a portal has, and which items each
//! carries, with their guids, dates and content, independent of any format.
//! One file per format writes them: [`rss`] (`feed.xml`, `feeds/<tier>.xml`).
//!
//! A feed is a log of events, each an item with a real date:
//! - a *deployed* item (`guid` = the record id) when a published change went
//!   live (status `deployed` or `rolled_back`), dated `deployed`;
//! - an *upcoming* item (`guid` = `<id>#notice`) when a published change with a
//!   `scheduled` date was announced, dated at the announcement: for a tier,
//!   `notified[tier]` else `created`; for the all-changes feed, `created`.
//!   When an embargo lifted after that, the notice is dated when the embargo
//!   lifted, since no customer could read it before. A notice is only issued
//!   while the change was not live yet (announced before `deployed`). It
//!   stays in the feed after the change is deployed, next to the deployed
//!   item (see [`Published::notice_at`]).
//!
//! Advance-notice tiers (`notice_days > 0`) and the all-changes feed carry
//! both kinds; real-time tiers carry deployed items only. Tier feeds keep only
//! changes that concern the tier and whose type the tier accepts. Cancelled
//! records are in no feed. Items are newest first (ties by guid) and capped
//! at `feed_items`. Nothing depends on the clock beyond `now` (items dated
//! after it are left out), so the same input and `--now` give the same bytes.

pub mod rss;

use super::view::{self, Published};
use super::{OutputFile, RenderError};
use crate::model::config::Tier;
use crate::model::{Config, Timestamp};
use crate::paths;

/// Renders every feed of the portal ([`channels`]) in every format: today
/// RSS 2.0 ([`rss::write`]), even feeds without items. Inputs: the published
/// changes ([`view::published`]), the portal's settings and the build's
/// `now` (an instant). Errors: a feed the format writer cannot serialize.
pub fn render(
    published: &[Published<'_>],
    config: &Config,
    now: &Timestamp,
) -> Result<Vec<OutputFile>, RenderError> {
    channels(config)
        .iter()
        .map(|channel| rss::write(channel, &items(published, channel, now, config.feed_items)))
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
}

/// One feed: where it is published and how it describes itself.
#[derive(Debug, Clone)]
pub struct Channel<'a> {
    /// Which changes it carries.
    pub scope: Scope<'a>,
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

/// The portal's feeds: the all-changes feed, then one per tier in the
/// portal's order. Input: the portal's settings. Output: the channels, with
/// paths from [`paths::public`].
pub fn channels(config: &Config) -> Vec<Channel<'_>> {
    let base = config.base();
    let all = Channel {
        scope: Scope::All,
        path: paths::public::ALL_FEED.to_string(),
        url: paths::url(base, paths::public::ALL_FEED),
        home: paths::url(base, ""),
        title: config.title.clone(),
        name: format!("{}: all changes", config.title),
        description: config
            .description
            .clone()
            .unwrap_or_else(|| format!("Every public change of {}.", config.title)),
    };
    let tiers = config.tiers.iter().map(|(key, tier)| {
        let path = paths::public::feed(key);
        let title = format!("{}: {}", config.title, tier.title);
        Channel {
            scope: Scope::Tier { key, tier },
            url: paths::url(base, &path),
            home: paths::url(base, ""),
            name: title.clone(),
            title,
            description: tier_description(tier),
            path,
        }
    });
    std::iter::once(all).chain(tiers).collect()
}

/// What a tier's feed carries, in one sentence (feed description and the
/// subscribe page).
pub fn tier_description(tier: &Tier) -> String {
    let timing = if tier.is_advance_notice() {
        format!(
            "Upcoming changes as soon as they are announced (at least {} days ahead), then each change when it is live",
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
    /// The change went live.
    Deployed,
    /// The change went live, and was rolled back since.
    RolledBack,
}

/// One feed item, in no particular format.
#[derive(Debug, Clone)]
pub struct FeedItem {
    /// Stable id: the record id, `<id>#notice` for a notice.
    pub guid: String,
    /// What it announces.
    pub kind: ItemKind,
    /// Headline: the change's title, prefixed `Upcoming: ` for a notice and
    /// `Rolled back: ` for a rolled-back change.
    pub title: String,
    /// The change page's absolute URL.
    pub link: String,
    /// When it happened (an instant): announced (notice) or `deployed`.
    pub date: Timestamp,
    /// The customer-facing summary as plain text, followed for a notice by
    /// `Scheduled for <date>.` in the portal's time zone.
    pub summary: String,
    /// The change type for readers (`Bug fix`).
    pub category: &'static str,
    /// The public body part as HTML with absolute links, possibly empty.
    pub content_html: String,
}

/// The items of `channel` among `published` at `now` (an instant): newest
/// first, ties by guid, at most `cap`; nothing dated after `now`.
pub fn items(
    published: &[Published<'_>],
    channel: &Channel<'_>,
    now: &Timestamp,
    cap: usize,
) -> Vec<FeedItem> {
    let mut events: Vec<Event<'_, '_>> = published
        .iter()
        .flat_map(|entry| events_of(entry, channel.scope))
        .flatten()
        .filter(|event| event.at <= *now)
        .collect();
    events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.guid().cmp(&b.guid())));
    events.truncate(cap);
    events.iter().map(Event::item).collect()
}

/// One item before its texts are built.
struct Event<'p, 'r> {
    at: Timestamp,
    kind: ItemKind,
    entry: &'p Published<'r>,
}

impl Event<'_, '_> {
    fn guid(&self) -> String {
        match self.kind {
            ItemKind::Notice => format!("{}#notice", self.entry.change.id),
            ItemKind::Deployed | ItemKind::RolledBack => self.entry.change.id.clone(),
        }
    }

    fn item(&self) -> FeedItem {
        let change = &self.entry.change;
        let (title, summary) = match self.kind {
            ItemKind::Notice => (
                format!("Upcoming: {}", change.title),
                match &change.scheduled {
                    Some(scheduled) => {
                        format!("{} Scheduled for {}.", change.summary, scheduled.display)
                    }
                    None => change.summary.clone(),
                },
            ),
            ItemKind::RolledBack => (
                format!("Rolled back: {}", change.title),
                change.summary.clone(),
            ),
            ItemKind::Deployed => (change.title.clone(), change.summary.clone()),
        };
        FeedItem {
            guid: self.guid(),
            kind: self.kind,
            title,
            link: change.url.clone(),
            date: self.at,
            summary,
            category: change.type_label,
            content_html: self.entry.feed_html(),
        }
    }
}

/// The notice and the deployed item of `entry` in a feed of `scope`: a
/// tier feed has nothing unless the change concerns the tier and the tier
/// accepts its type, and notices only for advance-notice tiers.
fn events_of<'p, 'r>(entry: &'p Published<'r>, scope: Scope<'_>) -> [Option<Event<'p, 'r>>; 2] {
    let announced = match scope {
        Scope::All => Some(entry.announced()),
        Scope::Tier { key, tier } => {
            if !entry.concerns_tier(key) || !tier.accepts(entry.change_type()) {
                return [None, None];
            }
            tier.is_advance_notice().then(|| entry.announced_to(key))
        }
    };
    let notice = announced
        .and_then(|announced| entry.notice_at(announced))
        .map(|at| Event {
            at,
            kind: ItemKind::Notice,
            entry,
        });
    let deployed = entry.live_at().map(|at| Event {
        at,
        kind: if entry.is_rolled_back() {
            ItemKind::RolledBack
        } else {
            ItemKind::Deployed
        },
        entry,
    });
    [notice, deployed]
}
