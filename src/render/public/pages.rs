//! Single pages: one per published change, the subscribe page and the
//! portal's extra pages (at [`paths::public::extra_page_dir`]; a page whose
//! output another source takes is refused when the portal is loaded).

use super::site::{feed_links, PageRenderer, PageSpec};
use crate::model::{Config, Page};
use crate::paths;
use crate::render::feeds::tier_description;
use crate::render::markdown;
use crate::render::view::{type_label, PublicChange, Published};
use crate::render::{OutputFile, RenderError, Sink};
use rayon::prelude::*;
use serde::Serialize;

/// A feed as the subscribe page describes it.
#[derive(Debug, Serialize)]
struct FeedEntry {
    title: String,
    tier: Option<String>,
    path: String,
    url: String,
    notice_days: u32,
    types: Option<Vec<&'static str>>,
    carries: String,
}

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
}

/// `changes/<slug>/index.html` for every published change, rendered in
/// parallel and handed to `sink` one by one; returns their paths. Errors:
/// a template fails or `sink` refuses a file.
pub fn change_pages(
    renderer: &PageRenderer<'_>,
    published: &[Published<'_>],
    sink: &dyn Sink,
) -> Result<Vec<String>, RenderError> {
    published
        .par_iter()
        .map(|entry| {
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
            let file = renderer.page(spec, &page)?;
            let path = file.path.clone();
            sink.put(file)?;
            Ok(path)
        })
        .collect()
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
    let links = feed_links(config);
    let mut entries = Vec::with_capacity(links.len());
    for link in links {
        let entry = match config.tiers.get(&link.key) {
            Some(tier) => FeedEntry {
                title: tier.title.clone(),
                tier: Some(link.key),
                path: link.path,
                url: link.url,
                notice_days: tier.notice_days,
                types: tier
                    .types
                    .as_ref()
                    .map(|types| types.iter().map(|t| type_label(*t)).collect()),
                carries: tier
                    .description
                    .clone()
                    .unwrap_or_else(|| tier_description(tier)),
            },
            None => FeedEntry {
                title: "All changes".to_string(),
                tier: None,
                path: link.path,
                url: link.url,
                notice_days: 0,
                types: None,
                carries: "Every public change: upcoming changes when they are announced, then each change when it is live.".to_string(),
            },
        };
        entries.push(entry);
    }
    let spec = PageSpec {
        template: "public/subscribe.html",
        dir: paths::public::subscribe_dir(),
        title: "Subscribe",
        section: "subscribe",
    };
    renderer.page(spec, &SubscribePage { feeds: entries })
}
