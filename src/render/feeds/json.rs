//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>), written with serde
//! from the format-neutral [`Channel`] and [`FeedItem`]s of [`super`].

use super::{Channel, FeedItem};
use crate::paths::FeedFormat;
use crate::render::{OutputFile, RenderError};
use serde::Serialize;

/// The top-level JSON Feed object.
#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: String,
    description: &'a str,
    language: &'static str,
    items: Vec<Item<'a>>,
}

/// One JSON Feed item.
#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    content_html: &'a str,
    summary: &'a str,
    /// RFC 3339 in UTC.
    date_published: String,
    tags: [&'static str; 1],
}

/// The JSON Feed of `channel` with `items` (in order), at the channel's
/// `.json` path: `id` = guid, `date_published` = the item's date in RFC
/// 3339 UTC; no date of the feed itself. Errors: serialization fails
/// (never in practice).
pub fn write(channel: &Channel<'_>, items: &[FeedItem]) -> Result<OutputFile, RenderError> {
    let path = channel.path_of(FeedFormat::Json);
    let document = Document {
        version: "https://jsonfeed.org/version/1.1",
        title: &channel.title,
        home_page_url: &channel.home,
        feed_url: channel.url_of(FeedFormat::Json),
        description: &channel.description,
        language: "en",
        items: items
            .iter()
            .map(|item| Item {
                id: &item.guid,
                url: &item.link,
                title: &item.title,
                content_html: item.content_html.trim(),
                summary: &item.summary,
                date_published: item
                    .date
                    .instant()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                tags: [item.category],
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&document)
        .map_err(|e| RenderError(format!("cannot write {path}: {e}")))?;
    bytes.push(b'\n');
    Ok(OutputFile::new(path, bytes))
}
