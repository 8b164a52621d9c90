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
use super::{put_all, RenderError, Sink, Theme};
use crate::pipeline::Analysis;
use site::PageRenderer;
use std::collections::HashSet;

/// Renders every page and feed of the public site into `sink`. Change pages,
/// the bulk of the site, go to `sink` as they are rendered. Errors: two
/// published ids differ only in case, a template fails, a feed cannot be
/// written, or `sink` refuses a file.
pub fn render(analysis: &Analysis, theme: &Theme, sink: &dyn Sink) -> Result<(), RenderError> {
    let portal = &analysis.portal;
    let config = &portal.config;
    let now = &analysis.now;
    let published = view::published(&portal.documents, config, now);
    ensure_unique_slugs(&published)?;
    let renderer = PageRenderer::new(theme, config, &portal.pages)?;
    let (changes, (lists, others)) = rayon::join(
        || pages::change_pages(&renderer, &published, sink),
        || {
            rayon::join(
                || lists::list_pages(&renderer, &published, now, config.per_page),
                || pages::other_pages(&renderer, config, &portal.pages),
            )
        },
    );
    let mut files = lists?;
    files.extend(others?);
    let mut paths = changes?;
    paths.extend(files.iter().map(|file| file.path.clone()));
    files.push(sitemap::render(&paths, config));
    files.push(sitemap::robots(config));
    files.push(renderer.not_found()?);
    files.push(search::render(&published)?);
    files.extend(super::feeds::render(&published, config, now)?);
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
