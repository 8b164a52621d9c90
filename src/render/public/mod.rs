//! The public changelog site (SPEC section 5): home pages with an "Upcoming"
//! section and pagination, one page per published change, pages per type, the
//! subscribe page, the portal's extra pages, feeds, `sitemap.xml`, `robots.txt`,
//! `404.html` and the search script's index.
//!
//! Templates receive only [`PublicChange`](super::view::PublicChange) values
//! (or their [`ChangeCard`](super::view::ChangeCard) subset) plus site-level
//! settings; what is published is decided by
//! [`is_published`](super::view::is_published). Links between pages are
//! relative (`root` is `../` per level) so the site works from any path and
//! from `file://`; only `404.html`, which is served at any depth, uses links
//! from the root of `base_url`'s path. Every path and URL comes from
//! [`crate::paths::public`].

mod lists;
mod pages;
mod search;
mod site;
mod sitemap;

use super::view::{self, Published};
use super::{put_all, Parts, Records, RenderError, Sink, Theme};
use crate::model::portal::Document;
use crate::pipeline::Analysis;
use site::PageRenderer;
use std::collections::HashSet;

/// Renders `parts` of the public site into `sink`: every page and feed for
/// [`Parts::EVERYTHING`]. Change pages, the bulk of the site, go to `sink`
/// as they are rendered. Errors: two published ids differ only in case, a
/// template fails, a feed cannot be written, or `sink` refuses a file.
pub fn render(
    analysis: &Analysis,
    theme: &Theme,
    parts: Parts<'_>,
    sink: &dyn Sink,
) -> Result<(), RenderError> {
    let portal = &analysis.portal;
    let config = &portal.config;
    let now = &analysis.now;
    let history = analysis.provenance.history();
    // Only some records' pages: only those records are viewed.
    let subset = matches!(parts.records, Some(Records::Only(_))) && !parts.aggregates;
    let selected: Vec<std::sync::Arc<Document>> = match parts.records {
        Some(Records::Only(slugs)) if subset => portal
            .documents
            .iter()
            .filter(|d| slugs.contains(&d.record.slug()))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let documents = if subset { &selected } else { &portal.documents };
    let published = view::published(documents, config, now, history);
    let renderer = PageRenderer::new(theme, config, &portal.pages)?;
    let changes = |records: Records<'_>| {
        let wanted: Vec<&Published<'_>> = published
            .iter()
            .filter(|entry| records.includes(&entry.change.slug))
            .collect();
        pages::change_pages(&renderer, &wanted, sink)
    };
    let (changes, aggregates) = rayon::join(
        || parts.records.map_or(Ok(()), changes),
        || {
            if parts.aggregates {
                aggregates(analysis, &renderer, &published, sink)
            } else {
                Ok(())
            }
        },
    );
    changes?;
    aggregates
}

/// Every file of the public site but the change pages: lists, extra pages,
/// `sitemap.xml`, `robots.txt`, `404.html`, the search index and the feeds.
fn aggregates(
    analysis: &Analysis,
    renderer: &PageRenderer<'_>,
    published: &[Published<'_>],
    sink: &dyn Sink,
) -> Result<(), RenderError> {
    let portal = &analysis.portal;
    let config = &portal.config;
    let now = &analysis.now;
    ensure_unique_slugs(published)?;
    let (lists, others) = rayon::join(
        || lists::list_pages(renderer, published, now, config.per_page),
        || pages::other_pages(renderer, config, &portal.pages),
    );
    let mut files = lists?;
    files.extend(others?);
    let mut paths: Vec<String> = published
        .iter()
        .map(|entry| crate::paths::public::change_page(&entry.change.slug))
        .collect();
    paths.extend(files.iter().map(|file| file.path.clone()));
    files.push(sitemap::render(&paths, config));
    files.push(sitemap::robots(config));
    files.push(renderer.not_found()?);
    files.push(search::render(published)?);
    files.extend(super::feeds::render(published, config, now)?);
    put_all(sink, files)
}

/// Two published ids that differ only in case would share a page.
fn ensure_unique_slugs(published: &[Published<'_>]) -> Result<(), RenderError> {
    let mut seen = HashSet::with_capacity(published.len());
    for entry in published {
        if !seen.insert(entry.change.slug.as_str()) {
            return Err(RenderError(format!(
                "two public records have the id `{}` (ignoring case); they would share one page",
                entry.change.id
            )));
        }
    }
    Ok(())
}
