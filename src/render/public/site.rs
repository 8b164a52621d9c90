//! Site-level template context and the page renderer every public page goes
//! through.

use super::super::feeds;
use super::super::{escape_markup, OutputFile, RenderError, Theme};
use crate::model::{Config, Page};
use serde::Serialize;

/// What every public page knows about the site.
#[derive(Debug, Serialize)]
struct SiteContext<'a> {
    title: &'a str,
    description: Option<&'a str>,
    base_url: &'a str,
    /// The IANA name of the zone pages show times in.
    timezone: &'static str,
    feeds: Vec<FeedLink>,
    pages: Vec<PageLink<'a>>,
}

/// A feed, for autodiscovery links and the subscribe page.
#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    /// Tier key, or empty for the all-changes feed.
    pub key: String,
    /// Feed title.
    pub title: String,
    /// Path relative to the site root.
    pub path: String,
    /// Absolute URL.
    pub url: String,
}

/// An extra page in the navigation.
#[derive(Debug, Serialize)]
struct PageLink<'a> {
    slug: &'a str,
    title: &'a str,
    path: String,
}

/// Renders public templates with the shared site context, cloned per page.
pub struct PageRenderer<'a> {
    theme: &'a Theme,
    base: tera::Context,
    base_url: &'a str,
    root_path: String,
}

/// The page being rendered: where it lives and what it is.
pub struct PageSpec<'a> {
    /// Template name, e.g. `public/change.html`.
    pub template: &'a str,
    /// Folder of the page relative to the site root, `""` or ending in `/`.
    pub dir: String,
    /// Title of the page (the site title is added by the layout).
    pub title: &'a str,
    /// Navigation section to mark as current (`home`, `types`, `subscribe`,
    /// a page slug).
    pub section: &'a str,
}

impl<'a> PageRenderer<'a> {
    /// Prepares the site context once.
    pub fn new(theme: &'a Theme, config: &'a Config, pages: &'a [Page]) -> Self {
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
                    path: format!("{}/index.html", page.slug),
                })
                .collect(),
        };
        let mut base = tera::Context::new();
        base.insert("site", &site);
        Self {
            theme,
            base,
            base_url: config.base(),
            root_path: root_path(config.base()),
        }
    }

    /// Renders `spec` into `<dir>index.html`; `fill` adds the page's own
    /// variables to the context.
    pub fn page(
        &self,
        spec: PageSpec<'_>,
        fill: impl FnOnce(&mut tera::Context),
    ) -> Result<OutputFile, RenderError> {
        let depth = spec.dir.matches('/').count();
        let mut context = self.base.clone();
        context.insert("root", &"../".repeat(depth));
        let canonical = format!("{}/{}", self.base_url, spec.dir);
        context.insert("canonical", &escape_markup(&canonical));
        context.insert("page_title", spec.title);
        context.insert("section", spec.section);
        fill(&mut context);
        let html = self.theme.render(spec.template, &context)?;
        Ok(OutputFile::new(format!("{}index.html", spec.dir), html))
    }

    /// The ids the public templates use, for the markdown rendered into a
    /// page (see [`crate::render::markdown::PageIds`]).
    pub fn page_ids(&self) -> crate::render::markdown::PageIds {
        self.theme.page_ids("public")
    }

    /// Renders `404.html`, whose links start at the path of `base_url`
    /// (e.g. `/`), since it is served at any depth.
    pub fn not_found(&self) -> Result<OutputFile, RenderError> {
        let mut context = self.base.clone();
        context.insert("root", &self.root_path);
        context.insert("page_title", "Page not found");
        context.insert("section", "");
        let html = self.theme.render("public/404.html", &context)?;
        Ok(OutputFile::new("404.html", html))
    }
}

/// The all-changes feed, then one per tier in the portal's order.
pub fn feed_links(config: &Config) -> Vec<FeedLink> {
    let base = config.base();
    let all = FeedLink {
        key: String::new(),
        title: format!("{}: all changes", config.title),
        path: "feed.xml".to_string(),
        url: format!("{base}/feed.xml"),
    };
    std::iter::once(all)
        .chain(config.tiers.iter().map(|(key, tier)| {
            let path = feeds::tier_feed_path(key);
            FeedLink {
                key: key.clone(),
                title: format!("{}: {}", config.title, tier.title),
                url: format!("{base}/{path}"),
                path,
            }
        }))
        .collect()
}

/// The path part of `base_url`, ending in `/`: `https://x.example/log` gives
/// `/log/`.
fn root_path(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("", |index| &after_scheme[index..]);
    format!("{}/", path.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::root_path;

    #[test]
    fn root_path_of_base_url() {
        assert_eq!(root_path("https://x.example"), "/");
        assert_eq!(root_path("https://x.example/log"), "/log/");
        assert_eq!(root_path("http://x.example:8080/a/b"), "/a/b/");
    }
}
