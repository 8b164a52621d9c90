//! Site-level template context and the page renderer every public page goes
//! through.

use super::super::feeds::{self, subscribe::FeedEntry};
use super::super::theme::SharedVars;
use super::super::{escape_markup, OutputFile, RenderError, Theme};
use crate::model::{Config, Page};
use crate::paths;
use serde::Serialize;

/// What every public page knows about the site.
#[derive(Debug, Serialize)]
struct SiteContext<'a> {
    title: &'a str,
    description: Option<&'a str>,
    base_url: &'a str,
    /// The IANA name of the zone pages show times in.
    timezone: &'static str,
    feeds: Vec<FeedEntry>,
    pages: Vec<PageLink<'a>>,
}

/// The variables every public page shares.
#[derive(Serialize)]
struct SiteVars<'a> {
    site: SiteContext<'a>,
}

/// An extra page in the navigation.
#[derive(Debug, Serialize)]
struct PageLink<'a> {
    slug: &'a str,
    title: &'a str,
    path: String,
}

/// A public page's template context: the layout's variables and the
/// page's own (`page`, a struct whose fields become top-level variables).
#[derive(Serialize)]
struct PageContext<'a, T> {
    /// `../` per folder level of the page.
    root: String,
    /// The page's absolute URL, escaped for an attribute.
    canonical: String,
    page_title: &'a str,
    section: &'a str,
    /// Whether the head announces every feed ([`announces_every_feed`]).
    all_feeds: bool,
    #[serde(flatten)]
    page: &'a T,
}

/// The context of `404.html`: no canonical URL, links from the base path.
#[derive(Serialize)]
struct NotFoundContext<'a> {
    root: &'a str,
    page_title: &'static str,
    section: &'static str,
    all_feeds: bool,
}

/// Renders public templates with the shared site context.
pub struct PageRenderer<'a> {
    theme: &'a Theme,
    shared: SharedVars,
    base_url: &'a str,
    root_path: String,
}

/// The page being rendered: where it lives and what it is.
pub struct PageSpec<'a> {
    /// Template name, e.g. `public/change.html`.
    pub template: &'a str,
    /// Folder of the page relative to the site root, `""` or ending in `/`
    /// (from [`paths::public`]).
    pub dir: String,
    /// Title of the page (the site title is added by the layout).
    pub title: &'a str,
    /// Navigation section to mark as current (`home`, `types`, `subscribe`,
    /// a page slug).
    pub section: &'a str,
}

impl<'a> PageRenderer<'a> {
    /// Prepares the site context once. Errors: none in practice (the site
    /// context always serializes as a map).
    pub fn new(
        theme: &'a Theme,
        config: &'a Config,
        pages: &'a [Page],
    ) -> Result<Self, RenderError> {
        let site = SiteContext {
            title: &config.title,
            description: config.description.as_deref(),
            base_url: config.base(),
            timezone: config.timezone.name(),
            feeds: feed_links(config),
            pages: pages
                .iter()
                .map(|page| PageLink {
                    slug: &page.slug,
                    title: &page.title,
                    path: paths::index_of(&paths::public::extra_page_dir(&page.slug)),
                })
                .collect(),
        };
        Ok(Self {
            theme,
            shared: SharedVars::new(&SiteVars { site })?,
            base_url: config.base(),
            root_path: paths::site_root_path(config.base()),
        })
    }

    /// Renders `spec` into `<dir>index.html`; the fields of `page` (a
    /// struct) are the page's own variables. Errors: the template fails.
    pub fn page<T: Serialize>(
        &self,
        spec: PageSpec<'_>,
        page: &T,
    ) -> Result<OutputFile, RenderError> {
        let context = PageContext {
            root: paths::root_of(&spec.dir),
            canonical: escape_markup(&paths::url(self.base_url, &spec.dir)),
            page_title: spec.title,
            section: spec.section,
            all_feeds: announces_every_feed(&spec),
            page,
        };
        let html = self
            .theme
            .render_with(spec.template, &self.shared, &context)?;
        Ok(OutputFile::new(paths::index_of(&spec.dir), html))
    }

    /// The ids the public templates use, for the markdown rendered into a
    /// page (see [`crate::render::markdown::PageIds`]).
    pub fn page_ids(&self) -> crate::render::markdown::PageIds {
        self.theme.page_ids("public")
    }

    /// Renders `404.html`, whose links start at the path of `base_url`
    /// (e.g. `/`, [`paths::site_root_path`]), since it is served at any
    /// depth. Errors: the template fails.
    pub fn not_found(&self) -> Result<OutputFile, RenderError> {
        let context = NotFoundContext {
            root: &self.root_path,
            page_title: "Page not found",
            section: "",
            all_feeds: false,
        };
        let html = self
            .theme
            .render_with("public/404.html", &self.shared, &context)?;
        Ok(OutputFile::new(paths::public::NOT_FOUND, html))
    }
}

/// The feeds pages' heads announce for autodiscovery: the all-changes and
/// tier feeds ([`feeds::subscribe::entries`]; system feeds are listed on the
/// subscribe page only, to keep every page's head short).
fn feed_links(config: &Config) -> Vec<FeedEntry> {
    feeds::subscribe::entries(config)
        .into_iter()
        .filter(|entry| entry.kind != "system")
        .collect()
}

/// Whether the page's head links every tier feed for autodiscovery (SPEC 5
/// "feed autodiscovery links"): the home page and the subscribe page do;
/// every other page links only the all-changes feed, as Hugo and Zola link
/// the section feed, which keeps ~1.4 KB of links out of each page.
fn announces_every_feed(spec: &PageSpec<'_>) -> bool {
    spec.dir.is_empty() || spec.section == "subscribe"
}
