//! RSS 2.0 feeds: `feed.xml` (every public change) and one
//! `feeds/<tier>.xml` per tier, built with the `rss` crate.
//!
//! A feed is a log of events, each an item with a real date:
//! - a *deployed* item (`guid` = the record id) when a published change went
//!   live (status `deployed` or `rolled_back`), dated `deployed`;
//! - an *upcoming* item (`guid` = `<id>#notice`) when a published change with a
//!   `scheduled` date was announced, dated at the announcement: for a tier,
//!   `notified[tier]` else `created`; for `feed.xml`, `created`. When an embargo
//!   lifted after that, the notice is dated when the embargo lifted, since no
//!   customer could read it before. A notice is only issued while the change
//!   was not live yet (announced before `deployed`). It stays in the feed after
//!   the change is deployed, next to the deployed item.
//!
//! Advance-notice tiers (`notice_days > 0`) and `feed.xml` carry both kinds;
//! real-time tiers carry deployed items only. Tier feeds keep only changes
//! that concern the tier and whose type the tier accepts. Cancelled records
//! are in no feed. Items are newest first (ties by guid) and capped at
//! `feed_items`. Nothing depends on the clock: `lastBuildDate` is the newest
//! item's date, so the same input and `--now` give the same bytes.

use super::view::Published;
use super::{OutputFile, RenderError};
use crate::checks::characters;
use crate::model::config::Tier;
use crate::model::record::Status;
use crate::model::{Config, Timestamp};
use rss::extension::atom::{AtomExtension, Link};
use rss::{Category, Channel, Guid, Item};
use std::borrow::Cow;

/// Renders `feed.xml` and `feeds/<tier>.xml` for every tier, even empty ones.
pub fn render(
    published: &[Published<'_>],
    config: &Config,
    now: &Timestamp,
) -> Result<Vec<OutputFile>, RenderError> {
    let mut files = Vec::with_capacity(config.tiers.len() + 1);
    let all = FeedSpec {
        path: "feed.xml".to_string(),
        title: config.title.clone(),
        description: config
            .description
            .clone()
            .unwrap_or_else(|| format!("Every public change of {}.", config.title)),
    };
    let items = select(published, now, config.feed_items, |entry| {
        all_changes_events(entry, now)
    });
    files.push(write_feed(&all, items, config)?);
    for (key, tier) in &config.tiers {
        let spec = FeedSpec {
            path: tier_feed_path(key),
            title: format!("{}: {}", config.title, tier.title),
            description: tier_description(tier),
        };
        let items = select(published, now, config.feed_items, |entry| {
            tier_events(entry, key, tier, now)
        });
        files.push(write_feed(&spec, items, config)?);
    }
    Ok(files)
}

/// Path of the feed of tier `key`, relative to the site root.
pub fn tier_feed_path(key: &str) -> String {
    format!("feeds/{key}.xml")
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
            let labels: Vec<&str> = types.iter().map(|t| super::view::type_label(*t)).collect();
            format!(", for these types: {}.", labels.join(", "))
        }
        None => ", for every type of change.".to_string(),
    };
    format!("{timing}{scope}")
}

/// One feed's identity.
struct FeedSpec {
    path: String,
    title: String,
    description: String,
}

/// What a feed item announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventKind {
    /// The change is announced ahead of its window.
    Notice,
    /// The change went live (or was rolled back).
    Deployed,
}

/// One feed item before it becomes XML.
struct Event<'p, 'r> {
    at: Timestamp,
    kind: EventKind,
    entry: &'p Published<'r>,
}

impl Event<'_, '_> {
    fn guid(&self) -> String {
        match self.kind {
            EventKind::Notice => format!("{}#notice", self.entry.change.id),
            EventKind::Deployed => self.entry.change.id.clone(),
        }
    }
}

/// Events of every entry, newest first, ties by guid, at most `cap`.
fn select<'p, 'r, F>(
    published: &'p [Published<'r>],
    now: &Timestamp,
    cap: usize,
    events_of: F,
) -> Vec<Event<'p, 'r>>
where
    F: Fn(&'p Published<'r>) -> [Option<Event<'p, 'r>>; 2],
{
    let mut events: Vec<Event<'p, 'r>> = published
        .iter()
        .flat_map(&events_of)
        .flatten()
        .filter(|event| event.at <= *now)
        .collect();
    events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.guid().cmp(&b.guid())));
    events.truncate(cap);
    events
}

/// `feed.xml`: notices dated at `created`, and deployments.
fn all_changes_events<'p, 'r>(
    entry: &'p Published<'r>,
    now: &Timestamp,
) -> [Option<Event<'p, 'r>>; 2] {
    [notice(entry, entry.record.created, now), deployment(entry)]
}

/// A tier feed: nothing unless the change concerns the tier and the tier
/// accepts its type; notices only for advance-notice tiers.
fn tier_events<'p, 'r>(
    entry: &'p Published<'r>,
    key: &str,
    tier: &Tier,
    now: &Timestamp,
) -> [Option<Event<'p, 'r>>; 2] {
    let record = entry.record;
    if !record.concerns_tier(key) || !tier.accepts(record.change_type) {
        return [None, None];
    }
    let notice = if tier.is_advance_notice() {
        notice(entry, record.announced_to(key), now)
    } else {
        None
    };
    [notice, deployment(entry)]
}

/// The upcoming item of a scheduled, not cancelled change, announced at
/// `announced` (or when its embargo lifted, if later), before it went live.
fn notice<'p, 'r>(
    entry: &'p Published<'r>,
    announced: Timestamp,
    now: &Timestamp,
) -> Option<Event<'p, 'r>> {
    let record = entry.record;
    let schedulable = matches!(
        record.status,
        Status::Approved
            | Status::Scheduled
            | Status::InProgress
            | Status::Deployed
            | Status::RolledBack
    );
    record.scheduled?;
    let at = record
        .embargo_until
        .map_or(announced, |until| until.max(announced));
    let before_live = record.deployed.is_none_or(|deployed| at < deployed);
    (schedulable && before_live && at <= *now).then_some(Event {
        at,
        kind: EventKind::Notice,
        entry,
    })
}

/// The deployed item of a change that went live.
fn deployment<'p, 'r>(entry: &'p Published<'r>) -> Option<Event<'p, 'r>> {
    let record = entry.record;
    let deployed = record.deployed.filter(|_| record.is_live())?;
    Some(Event {
        at: deployed,
        kind: EventKind::Deployed,
        entry,
    })
}

fn write_feed(
    spec: &FeedSpec,
    events: Vec<Event<'_, '_>>,
    config: &Config,
) -> Result<OutputFile, RenderError> {
    let base = config.base();
    let mut channel = Channel::default();
    channel.set_title(spec.title.clone());
    channel.set_link(format!("{base}/"));
    channel.set_description(spec.description.clone());
    channel.set_language("en".to_string());
    channel.set_generator("changeportal".to_string());
    channel.set_last_build_date(events.first().map(|event| rfc2822(&event.at)));
    let mut atom = AtomExtension::default();
    atom.set_links(vec![Link {
        href: format!("{base}/{}", spec.path),
        rel: "self".to_string(),
        mime_type: Some("application/rss+xml".to_string()),
        ..Link::default()
    }]);
    channel.set_atom_ext(atom);
    channel.set_items(events.iter().map(item).collect::<Vec<_>>());
    let bytes = channel
        .pretty_write_to(Vec::new(), b' ', 2)
        .map_err(|e| RenderError(format!("cannot write {}: {e}", spec.path)))?;
    Ok(OutputFile::new(spec.path.clone(), xml_safe(bytes)))
}

fn item(event: &Event<'_, '_>) -> Item {
    let change = &event.entry.change;
    let (title, description) = match event.kind {
        EventKind::Notice => (
            format!("Upcoming: {}", change.title),
            match &change.scheduled {
                Some(scheduled) => {
                    format!("{} Scheduled for {}.", change.summary, scheduled.display)
                }
                None => change.summary.clone(),
            },
        ),
        EventKind::Deployed if event.entry.record.status == Status::RolledBack => (
            format!("Rolled back: {}", change.title),
            change.summary.clone(),
        ),
        EventKind::Deployed => (change.title.clone(), change.summary.clone()),
    };
    let mut guid = Guid::default();
    guid.set_value(event.guid());
    guid.set_permalink(false);
    let mut category = Category::default();
    category.set_name(change.type_label.to_string());
    let mut item = Item::default();
    item.set_title(title);
    item.set_link(change.url.clone());
    // Feed readers render `description` as HTML: the summary is plain text.
    item.set_description(crate::render::escape_markup(&description));
    item.set_guid(guid);
    item.set_pub_date(rfc2822(&event.at));
    item.set_categories(vec![category]);
    let body_html = event.entry.feed_html();
    if !body_html.trim().is_empty() {
        item.set_content(body_html);
    }
    item
}

/// A feed without the characters XML forbids (and those SPEC section 4
/// flags as `invalid-character`), each replaced by U+FFFD. The loader keeps
/// them out of the model already; this keeps any feed well-formed whatever
/// reaches the writer. Safe on the serialized document: markup and escapes
/// never contain such characters.
fn xml_safe(bytes: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
    match characters::scrub(&text) {
        Cow::Borrowed(_) => text.into_bytes(),
        Cow::Owned(scrubbed) => scrubbed.into_bytes(),
    }
}

fn rfc2822(timestamp: &Timestamp) -> String {
    timestamp.instant().to_rfc2822()
}
