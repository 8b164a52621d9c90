//! `sitemap.xml` (every generated page, absolute URLs) and `robots.txt`.

use crate::model::Config;
use crate::paths;
use crate::render::{escape_markup, OutputFile};

/// A sitemap of every `…/index.html` page among the file `paths`, sorted,
/// with absolute URLs from `base_url`. Only published pages are ever
/// rendered, so only they are listed. `paths` are relative to the site
/// root ([`crate::paths`]).
pub fn render(paths: &[String], config: &Config) -> OutputFile {
    let base = config.base();
    let mut dirs: Vec<&str> = paths
        .iter()
        .filter_map(|path| path.strip_suffix(paths::INDEX))
        .collect();
    dirs.sort_unstable();
    let mut xml = String::with_capacity(128 + dirs.len() * (base.len() + 40));
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for dir in dirs {
        xml.push_str("  <url><loc>");
        xml.push_str(&escape_markup(&paths::url(base, dir)));
        xml.push_str("</loc></url>\n");
    }
    xml.push_str("</urlset>\n");
    OutputFile::new(paths::public::SITEMAP, xml.into_bytes())
}

/// `robots.txt` pointing crawlers at the sitemap.
pub fn robots(config: &Config) -> OutputFile {
    let sitemap = paths::url(config.base(), paths::public::SITEMAP);
    let text = format!("User-agent: *\nAllow: /\nSitemap: {sitemap}\n");
    OutputFile::new(paths::public::ROBOTS, text.into_bytes())
}
