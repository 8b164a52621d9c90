//! RSS 2.0 feeds, written with the `rss` crate from the format-neutral
//! [`Channel`] and [`FeedItem`]s of [`super`].

use super::{Channel, FeedItem, ItemKind};
use crate::checks::characters;
use crate::model::Timestamp;
use crate::render::{escape_markup, OutputFile, RenderError};
use ::rss::extension::atom::{AtomExtension, Link};
use ::rss::{Category, Guid, Item};
use std::borrow::Cow;

/// The RSS document of `channel` with `items` (in order), at the channel's
/// path. `lastBuildDate` is the first (newest) item's date, absent without
/// items, so the bytes depend on the input alone and reveal nothing
/// unpublished. Errors: the `rss` crate cannot serialize the feed.
pub fn write(channel: &Channel<'_>, items: &[FeedItem]) -> Result<OutputFile, RenderError> {
    let mut rss = ::rss::Channel::default();
    rss.set_title(channel.title.clone());
    rss.set_link(channel.home.clone());
    rss.set_description(channel.description.clone());
    rss.set_language("en".to_string());
    rss.set_generator("changeportal".to_string());
    rss.set_last_build_date(items.first().map(|item| rfc2822(&item.date)));
    let mut atom = AtomExtension::default();
    atom.set_links(vec![Link {
        href: channel.url.clone(),
        rel: "self".to_string(),
        mime_type: Some("application/rss+xml".to_string()),
        ..Link::default()
    }]);
    rss.set_atom_ext(atom);
    rss.set_items(items.iter().map(item).collect::<Vec<_>>());
    let bytes = rss
        .pretty_write_to(Vec::new(), b' ', 2)
        .map_err(|e| RenderError(format!("cannot write {}: {e}", channel.path)))?;
    Ok(OutputFile::new(channel.path.clone(), xml_safe(bytes)))
}

/// The `<item>` of `feed_item`.
fn item(feed_item: &FeedItem) -> Item {
    let mut guid = Guid::default();
    guid.set_value(feed_item.guid.clone());
    // Only the deployed item's guid is the page itself (SPEC section 5);
    // `isPermaLink` defaults to true in RSS 2.0, so only `false` is written.
    guid.set_permalink(feed_item.kind == ItemKind::Deployed);
    let mut category = Category::default();
    category.set_name(feed_item.category.to_string());
    let mut item = Item::default();
    item.set_title(feed_item.title.clone());
    item.set_link(feed_item.link.clone());
    // Feed readers render `description` as HTML: the summary is plain text.
    item.set_description(escape_markup(&feed_item.summary));
    item.set_guid(guid);
    item.set_pub_date(rfc2822(&feed_item.date));
    item.set_categories(vec![category]);
    if !feed_item.content_html.trim().is_empty() {
        item.set_content(feed_item.content_html.clone());
    }
    item
}

/// A feed without the characters XML forbids (and those SPEC section 4
/// flags as `invalid-character`), each replaced by U+FFFD. The loader keeps
/// them out of the model already; this keeps any feed well-formed whatever
/// reaches the writer. Safe on the serialized document: markup and escapes
/// never contain such characters.
pub fn xml_safe(bytes: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
    match characters::scrub(&text) {
        Cow::Borrowed(_) => text.into_bytes(),
        Cow::Owned(scrubbed) => scrubbed.into_bytes(),
    }
}

/// RFC 2822 form of an instant, in UTC (`Tue, 3 Nov 2026 10:00:00 +0000`).
fn rfc2822(timestamp: &Timestamp) -> String {
    timestamp.instant().to_rfc2822()
}
