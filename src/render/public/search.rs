//! `search-index.js`: what the public search and filter script
//! (`static/search.js`) searches, built from public views only, so it holds
//! exactly the published changes ([`crate::render::view::is_published`]:
//! no internal or embargoed record, no internal field).
//!
//! A script file rather than JSON, so that it loads under the public site's
//! content security policy (`script-src 'self'`, no `connect-src`) and from
//! `file://` too. The script loads it on the first search only.

use crate::paths;
use crate::render::view::Published;
use crate::render::{OutputFile, RenderError};
use serde::Serialize;

/// One published change as the search script sees it. Short keys keep the
/// index small: a 10,000-change portal gives about 2 MB.
#[derive(Serialize)]
struct Entry<'a> {
    /// Id.
    i: &'a str,
    /// Title.
    t: &'a str,
    /// Type key.
    y: &'static str,
    /// Type label.
    n: &'static str,
    /// Systems' titles.
    s: &'a [String],
    /// Summary.
    m: &'a str,
    /// Stage ([`crate::render::view::Stage`]).
    k: crate::render::view::Stage,
    /// Stage label ([`crate::render::view::Stage::label`]).
    l: &'static str,
    /// What the date is (`Deployed`, `Scheduled`, `Announced`).
    d: &'static str,
    /// The date in the portal's time zone, with the zone's abbreviation.
    w: &'a str,
    /// The date, UTC machine form.
    a: &'a str,
    /// Page path relative to the site root.
    p: &'a str,
}

/// `search-index.js` for `published` (newest first, as lists show them):
/// `window.changeportalPublicSearch = [...]`. Errors: serialization fails.
pub fn render(published: &[Published<'_>]) -> Result<OutputFile, RenderError> {
    let entries: Vec<Entry<'_>> = published
        .iter()
        .map(|entry| {
            let change = &entry.change;
            Entry {
                i: &change.id,
                t: &change.title,
                y: change.change_type,
                n: change.type_label,
                s: &change.systems,
                m: &change.summary,
                k: change.stage,
                l: change.stage_label,
                d: change.date_label,
                w: &change.date.display,
                a: &change.date.iso,
                p: &change.path,
            }
        })
        .collect();
    let json = serde_json::to_string(&entries)
        .map_err(|error| RenderError(format!("search index: {error}")))?;
    let script = format!("window.changeportalPublicSearch = {json};\n");
    Ok(OutputFile::new(
        paths::public::SEARCH_INDEX,
        script.into_bytes(),
    ))
}
