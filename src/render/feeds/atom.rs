//! Atom 1.0 feeds (RFC 4287), written with the `atom_syndication` crate (the
//! `rss` crate's sibling) from the format-neutral [`Channel`] and
//! [`FeedItem`]s of [`super`].

use super::rss::xml_safe;
use super::{Channel, FeedItem};
use crate::model::Timestamp;
use crate::paths::FeedFormat;
use crate::render::{OutputFile, RenderError};
use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Text, WriteConfig,
};

/// The Atom document of `channel` with `items` (in order), at the
/// channel's `.atom` path. The feed's `updated` is the first (newest)
/// item's date, or 1970-01-01T00:00:00Z without items, so the bytes depend
/// on the input alone and reveal nothing unpublished. Errors: the crate
/// cannot serialize the feed.
pub fn write(channel: &Channel<'_>, items: &[FeedItem]) -> Result<OutputFile, RenderError> {
    let path = channel.path_of(FeedFormat::Atom);
    let mut feed = Feed::default();
    feed.set_id(channel.url_of(FeedFormat::Atom));
    feed.set_title(Text::plain(channel.title.clone()));
    feed.set_subtitle(Some(Text::plain(channel.description.clone())));
    feed.set_updated(
        items
            .first()
            .map_or_else(FixedDateTime::default, |item| fixed(&item.date)),
    );
    feed.set_lang(Some("en".to_string()));
    feed.set_generator(Some(Generator {
        value: "changeportal".to_string(),
        ..Generator::default()
    }));
    feed.set_links(vec![
        link(
            &channel.url_of(FeedFormat::Atom),
            "self",
            FeedFormat::Atom.media_type(),
        ),
        link(&channel.home, "alternate", "text/html"),
    ]);
    feed.set_entries(items.iter().map(entry).collect::<Vec<_>>());
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    let bytes = feed
        .write_with_config(Vec::new(), config)
        .map_err(|e| RenderError(format!("cannot write {path}: {e}")))?;
    Ok(OutputFile::new(path, xml_safe(bytes)))
}

/// The `<entry>` of `item`: id = guid, `published` = `updated` = its date,
/// the summary as text and the content as HTML.
fn entry(item: &FeedItem) -> Entry {
    let mut entry = Entry::default();
    entry.set_id(item.guid.clone());
    entry.set_title(Text::plain(item.title.clone()));
    entry.set_updated(fixed(&item.date));
    entry.set_published(Some(fixed(&item.date)));
    entry.set_links(vec![link(&item.link, "alternate", "text/html")]);
    entry.set_summary(Some(Text::plain(item.summary.clone())));
    entry.set_categories(vec![Category {
        term: item.category.to_string(),
        ..Category::default()
    }]);
    if !item.content_html.trim().is_empty() {
        let mut content = Content::default();
        content.set_content_type(Some("html".to_string()));
        content.set_value(Some(item.content_html.clone()));
        entry.set_content(Some(content));
    }
    entry
}

/// A `<link>` to `href` with `rel` and media type `mime_type`.
fn link(href: &str, rel: &str, mime_type: &str) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: Some(mime_type.to_string()),
        ..Link::default()
    }
}

/// An instant as Atom dates take it, in UTC.
fn fixed(at: &Timestamp) -> FixedDateTime {
    at.instant().fixed_offset()
}
