//! Single pages: one per published change, the subscribe page and the
//! portal's extra pages (at [`paths::public::extra_page_dir`]; a page whose
//! output another source takes is refused when the portal is loaded).

use super::site::{PageRenderer, PageSpec};
use crate::model::{Config, Page};
use crate::paths;
use crate::render::feeds::subscribe::{self, FeedEntry};
use crate::render::markdown;
use crate::render::view::{PublicChange, Published};
use crate::render::{OutputFile, RenderError, Sink};
use rayon::prelude::*;
use serde::Serialize;

/// The variables of a change page.
#[derive(Serialize)]
struct ChangePage<'a> {
    /// The page's meta description: the change's summary.
    description: &'a str,
    change: &'a PublicChange,
    body_html: String,
}

/// The variables of an extra page.
#[derive(Serialize)]
struct ExtraPage {
    body_html: String,
}

/// The variables of the subscribe page.
#[derive(Serialize)]
struct SubscribePage {
    feeds: Vec<FeedEntry>,
    /// The portal's time zone, in which feed items show times.
    timezone: &'static str,
}

/// `changes/<slug>/index.html` for each of `published`, rendered in
/// parallel and handed to `sink` one by one. Errors: a template fails or
/// `sink` refuses a file.
pub fn change_pages(
    renderer: &PageRenderer<'_>,
    published: &[&Published<'_>],
    sink: &dyn Sink,
) -> Result<(), RenderError> {
    published.par_iter().try_for_each(|entry| {
        let change = &entry.change;
        let spec = PageSpec {
            template: "public/change.html",
            dir: paths::public::change_dir(&change.slug),
            title: &change.title,
            section: "",
        };
        let page = ChangePage {
            description: &change.summary,
            change,
            body_html: entry.body_html(&mut renderer.page_ids()),
        };
        sink.put(renderer.page(spec, &page)?)
    })
}

/// The subscribe page and the portal's extra pages. Errors: a template
/// fails.
pub fn other_pages(
    renderer: &PageRenderer<'_>,
    config: &Config,
    pages: &[Page],
) -> Result<Vec<OutputFile>, RenderError> {
    let mut files = vec![subscribe_page(renderer, config)?];
    for page in pages {
        let body = markdown::to_html_on_page(&page.body, "sec-", &mut renderer.page_ids());
        let spec = PageSpec {
            template: "public/page.html",
            dir: paths::public::extra_page_dir(&page.slug),
            title: &page.title,
            section: &page.slug,
        };
        files.push(renderer.page(spec, &ExtraPage { body_html: body })?);
    }
    Ok(files)
}

/// `subscribe/index.html`: every feed and what it carries.
fn subscribe_page(renderer: &PageRenderer<'_>, config: &Config) -> Result<OutputFile, RenderError> {
    let spec = PageSpec {
        template: "public/subscribe.html",
        dir: paths::public::subscribe_dir(),
        title: "Subscribe",
        section: "subscribe",
    };
    let page = SubscribePage {
        feeds: subscribe::entries(config),
        timezone: config.timezone.name(),
    };
    renderer.page(spec, &page)
}
