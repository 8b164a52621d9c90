//! Markdown to safe, valid HTML (SPEC sections 2 and 5): CommonMark with
//! tables, footnotes, strikethrough and task lists.
//!
//! - Links and images with schemes other than http(s), mailto and tel are
//!   neutralised ([`SAFE_SCHEMES`]); for feed item content every link and
//!   image is made absolute against the record's public page URL
//!   ([`to_feed_html`]).
//! - Heading and footnote ids are unique on the page they go into, also
//!   against the theme's own ids and against the other markdown fragments of
//!   the same page ([`PageIds`]), and contain no whitespace.
//! - Table alignment is a class (`align-left`, `align-center`,
//!   `align-right`, defined by both sites' stylesheets), never an inline
//!   `style` attribute, which the sites' CSP would block.
//! - Raw HTML, when a body has any, is cleaned by ammonia: no scripts, event
//!   handlers, `style` attributes, unknown classes or ids of its own (an id
//!   written in raw HTML could repeat one of the page's ids).
//!
//! Bodies without raw HTML skip the sanitizer: pulldown-cmark escapes all text
//! and attribute values itself, and URLs are filtered here, so the result is
//! already safe and the common case stays fast.

use ammonia::{Url, UrlRelative};
use pulldown_cmark::{html, Alignment, CowStr, Event, Options, Parser, Tag, TagEnd};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, LazyLock};

/// URL schemes a link or image may use; any other becomes `#`.
pub const SAFE_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// The classes table cells may carry, by [`Alignment`].
const ALIGN_CLASSES: [&str; 3] = ["align-left", "align-center", "align-right"];

/// Classes of the footnote markup this module writes.
const FOOTNOTE_CLASSES: [&str; 3] = [
    "footnote-reference",
    "footnote-definition",
    "footnote-definition-label",
];

/// The ids already taken on one HTML page: the theme's own ids and those of
/// the markdown fragments rendered into the page so far. Rendering a fragment
/// claims its heading and footnote ids here, so that a page made of several
/// fragments (the internal record page) never repeats an id.
#[derive(Debug, Clone, Default)]
pub struct PageIds {
    /// The template's ids, shared by every page of a site.
    reserved: Arc<HashSet<String>>,
    /// The ids claimed by the page's markdown so far.
    claimed: HashSet<String>,
}

impl PageIds {
    /// A page whose template already uses the ids `reserved`.
    pub fn new(reserved: impl IntoIterator<Item = String>) -> Self {
        Self::shared(Arc::new(reserved.into_iter().collect()))
    }

    /// A page whose template uses the ids `reserved`, shared with other
    /// pages rather than copied.
    pub fn shared(reserved: Arc<HashSet<String>>) -> Self {
        Self {
            reserved,
            claimed: HashSet::new(),
        }
    }

    /// Whether `id` is taken.
    pub fn contains(&self, id: &str) -> bool {
        self.reserved.contains(id) || self.claimed.contains(id)
    }

    /// Claims `id` if it is free; returns whether it was.
    fn claim(&mut self, id: &str) -> bool {
        if self.contains(id) {
            return false;
        }
        self.claimed.insert(id.to_string());
        true
    }

    /// Claims `base`, else the first free `base-1`, `base-2`, ...
    fn claim_with_suffix(&mut self, base: &str) -> String {
        if self.claim(base) {
            return base.to_string();
        }
        let mut n = 1usize;
        loop {
            let candidate = format!("{base}-{n}");
            if self.claim(&candidate) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// Renders `markdown` as a standalone fragment (no other ids on its page);
/// heading ids start with `id_prefix`, footnote ids with `fn-`.
pub fn to_html(markdown: &str, id_prefix: &str) -> String {
    render(markdown, id_prefix, &mut PageIds::default(), None)
}

/// Renders `markdown` into a page whose ids so far are `ids`, and claims the
/// fragment's heading ids (`id_prefix` + slug of the heading text) and
/// footnote ids (`fn-` + slug of the label) there. Relative links stay
/// relative.
pub fn to_html_on_page(markdown: &str, id_prefix: &str, ids: &mut PageIds) -> String {
    render(markdown, id_prefix, ids, None)
}

/// Renders a record's public note for a feed item (SPEC section 5): every
/// link and image, raw HTML ones included, made absolute against
/// `page_url` (the record's public page, `<base_url>/changes/<slug>/`);
/// fragment-only links point into that page. When `page_url` is not an
/// absolute URL, links are left as written.
pub fn to_feed_html(markdown: &str, page_url: &str) -> String {
    let base = Url::parse(page_url).ok();
    render(
        markdown,
        PUBLIC_PREFIX,
        &mut PageIds::default(),
        base.as_ref(),
    )
}

fn render(markdown: &str, id_prefix: &str, ids: &mut PageIds, base: Option<&Url>) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    let mut has_raw_html = false;
    let mut events: Vec<Event<'_>> = Vec::new();
    for event in Parser::new_ext(markdown, options) {
        let event = match event {
            Event::Html(_) | Event::InlineHtml(_) => {
                has_raw_html = true;
                event
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: resolve_url(dest_url, base),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Image {
                link_type,
                dest_url: resolve_url(dest_url, base),
                title,
                id,
            }),
            other => other,
        };
        events.push(event);
    }
    // Ids of our own markup carry a secret marker while raw HTML is
    // sanitized: only marked ids survive, so raw HTML cannot add ids.
    let marker = if has_raw_html { ID_MARKER.as_str() } else { "" };
    let moved = add_heading_ids(&mut events, id_prefix, ids, marker);
    retarget_heading_links(&mut events, &moved);
    render_footnotes(&mut events, ids, marker, base);
    align_table_cells(&mut events);
    let mut output = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut output, events.into_iter());
    let output = if has_raw_html {
        sanitize(&output, base)
    } else {
        output
    };
    // A numeric character reference (`&#x10;`) decodes to a character no
    // output may hold (SPEC section 4, `invalid-character`).
    match crate::load::characters::scrub(&output) {
        std::borrow::Cow::Borrowed(_) => output,
        std::borrow::Cow::Owned(scrubbed) => scrubbed,
    }
}

/// Plain text of `markdown` (for search indexes and summaries).
pub fn to_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) if !text.ends_with(' ') => {
                text.push(' ');
            }
            _ => {}
        }
    }
    text.trim().to_string()
}

/// The prefix of our own ids while raw HTML is sanitized: random per process
/// (the process's hash keys), so no body can guess it, and removed again by
/// the sanitizer, so output stays deterministic.
static ID_MARKER: LazyLock<String> = LazyLock::new(|| {
    let nonce = RandomState::new().hash_one("changeportal");
    format!("cp{nonce:016x}-")
});

/// The sanitizer of pages (relative URLs kept), built once.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(sanitizer);

/// Cleans HTML that holds raw HTML from the body (see [`sanitizer`]);
/// relative URLs are resolved against `base` when given (feeds).
fn sanitize(html: &str, base: Option<&Url>) -> String {
    match base {
        None => SANITIZER.clean(html).to_string(),
        Some(base) => {
            let mut builder = sanitizer();
            builder.url_relative(UrlRelative::RewriteWithBase(base.clone()));
            builder.clean(html).to_string()
        }
    }
}

/// ammonia's defaults (no scripts, event handlers, `style` or unknown
/// attributes) with task-list checkboxes and code classes, links limited to
/// [`SAFE_SCHEMES`], only the align and footnote classes, and only ids that
/// start with [`ID_MARKER`] (which is removed).
fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .add_generic_attributes(["id"])
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("code", ["class"])
        .url_schemes(SAFE_SCHEMES.into_iter().collect())
        .add_allowed_classes("th", ALIGN_CLASSES)
        .add_allowed_classes("td", ALIGN_CLASSES)
        .add_allowed_classes("sup", FOOTNOTE_CLASSES)
        .add_allowed_classes("div", FOOTNOTE_CLASSES)
        .attribute_filter(|element, attribute, value| match attribute {
            "id" => value.strip_prefix(ID_MARKER.as_str()).map(Cow::Borrowed),
            _ if is_obsolete_attribute(element, attribute) => None,
            _ => Some(Cow::Borrowed(value)),
        });
    builder
}

/// Presentational attributes that ammonia's defaults keep but HTML5 made
/// obsolete (the Nu HTML Checker reports them as errors): `align`, `char`,
/// `charoff`, `valign`, a table's `summary`, a rule's `size` and `width`.
fn is_obsolete_attribute(element: &str, attribute: &str) -> bool {
    matches!(attribute, "align" | "char" | "charoff" | "valign")
        || (element == "table" && attribute == "summary")
        || (element == "hr" && matches!(attribute, "size" | "width"))
}

/// [`safe_url`], then, when `base` is given, made absolute against it.
fn resolve_url<'a>(url: CowStr<'a>, base: Option<&Url>) -> CowStr<'a> {
    let url = safe_url(url);
    match base {
        Some(base) => CowStr::from(absolute_url(base, &url)),
        None => url,
    }
}

/// `url` resolved against `base` (RFC 3986); `base` itself when the result
/// would not use a [`SAFE_SCHEMES`] scheme or `url` cannot be resolved.
fn absolute_url(base: &Url, url: &str) -> String {
    match base.join(url) {
        Ok(joined) if SAFE_SCHEMES.contains(&joined.scheme()) => joined.into(),
        _ => base.to_string(),
    }
}

/// Keeps relative URLs, fragments and [`SAFE_SCHEMES`]; replaces any other
/// scheme (`javascript:`, `data:`, `vbscript:`...) with `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let trimmed = url.trim_start();
    let scheme_end = trimmed.find(':');
    let path_start = trimmed.find(['/', '?', '#']);
    let has_scheme = match (scheme_end, path_start) {
        (Some(colon), Some(slash)) => colon < slash,
        (Some(_), None) => true,
        _ => false,
    };
    if !has_scheme {
        return url;
    }
    let scheme: String = trimmed[..scheme_end.unwrap_or(0)]
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    if SAFE_SCHEMES.contains(&scheme.as_str()) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// Gives every heading an id: `prefix` + the slug of its text, claimed in
/// `ids`. Headings whose id is free get it first, in order; a repeated
/// heading then gets the first free `-1`, `-2`... suffix, so a suffix never
/// takes the id of another heading ("Impact", "Impact", "Impact 1" give
/// `impact`, `impact-2`, `impact-1`).
///
/// Returns, when `prefix` is not the public pages' [`PUBLIC_PREFIX`], each
/// heading's id as the record's public page has it with its id on this
/// page, so that the body's own `#sec-...` links can be pointed here.
fn add_heading_ids(
    events: &mut [Event<'_>],
    prefix: &str,
    ids: &mut PageIds,
    marker: &str,
) -> Vec<(String, String)> {
    let texts = heading_texts(events);
    let assigned = assign_heading_ids(&texts, prefix, ids);
    let moved = if prefix == PUBLIC_PREFIX || !has_fragment_link(events) {
        Vec::new()
    } else {
        let public = assign_heading_ids(&texts, PUBLIC_PREFIX, &mut PageIds::default());
        let here: HashMap<usize, &String> = assigned.iter().map(|(i, id)| (*i, id)).collect();
        public
            .iter()
            .filter_map(|(index, id)| Some((id.clone(), here.get(index)?.to_string())))
            .collect()
    };
    for (index, id) in assigned {
        if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[index] {
            *slot = Some(CowStr::from(format!("{marker}{id}")));
        }
    }
    moved
}

/// The heading ids prefixed `prefix` of the headings `texts` (event index,
/// text), claimed in `ids`, as [`add_heading_ids`] describes.
fn assign_heading_ids(
    texts: &[(usize, String)],
    prefix: &str,
    ids: &mut PageIds,
) -> Vec<(usize, String)> {
    let mut assigned: Vec<(usize, String)> = Vec::with_capacity(texts.len());
    let mut repeated = Vec::new();
    for (index, text) in texts {
        let base = format!("{prefix}{}", slugify(text));
        if ids.claim(&base) {
            assigned.push((*index, base));
        } else {
            repeated.push((*index, base));
        }
    }
    for (index, base) in repeated {
        let id = ids.claim_with_suffix(&base);
        assigned.push((index, id));
    }
    assigned
}

/// Whether any link of `events` is fragment-only (`#...`): only those are
/// retargeted ([`retarget_heading_links`]), so most fragments need not
/// work out their public page's ids.
fn has_fragment_link(events: &[Event<'_>]) -> bool {
    events.iter().any(
        |event| matches!(event, Event::Start(Tag::Link { dest_url, .. }) if dest_url.starts_with('#')),
    )
}

/// Points fragment-only links written for the public page (`#sec-impact`)
/// at the same heading's id on this page (`moved`: public id, id here).
fn retarget_heading_links(events: &mut [Event<'_>], moved: &[(String, String)]) {
    if moved.is_empty() {
        return;
    }
    for event in events.iter_mut() {
        if let Event::Start(Tag::Link { dest_url, .. }) = event {
            let target = dest_url.strip_prefix('#').and_then(|fragment| {
                moved
                    .iter()
                    .find(|(public, _)| public == fragment)
                    .map(|(_, here)| format!("#{here}"))
            });
            if let Some(target) = target {
                *dest_url = CowStr::from(target);
            }
        }
    }
}

/// The heading-id prefix of the public pages, which bodies link to.
const PUBLIC_PREFIX: &str = "sec-";

/// The index of each heading's start event and its text.
fn heading_texts(events: &[Event<'_>]) -> Vec<(usize, String)> {
    let mut headings = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, event) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Heading { .. }) => current = Some((index, String::new())),
            Event::End(TagEnd::Heading(_)) => headings.extend(current.take()),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = &mut current {
                    text.push_str(t);
                }
            }
            _ => {}
        }
    }
    headings
}

/// A footnote's id and number.
struct Note {
    id: String,
    number: usize,
}

/// Writes footnote references and definitions as pulldown-cmark would, but
/// with ids of our own: `fn-` + the slug of the label, claimed in `ids`
/// (a label such as `shared devices` gives `fn-shared-devices`), and
/// references pointing at exactly that id (made absolute against `base`
/// when given). Numbers follow first appearance. A label defined twice
/// keeps its id for the first definition (the one references reach); the
/// other gets an id of its own.
fn render_footnotes(events: &mut [Event<'_>], ids: &mut PageIds, marker: &str, base: Option<&Url>) {
    let mut notes: HashMap<String, Note> = HashMap::new();
    for event in events.iter() {
        if let Event::FootnoteReference(label) | Event::Start(Tag::FootnoteDefinition(label)) =
            event
        {
            let number = notes.len() + 1;
            notes.entry(label_key(label)).or_insert_with(|| Note {
                id: ids.claim_with_suffix(&footnote_id(label)),
                number,
            });
        }
    }
    let mut defined: HashSet<String> = HashSet::new();
    let mut in_image = 0usize;
    for event in events.iter_mut() {
        let replacement = match &*event {
            Event::Start(Tag::Image { .. }) => {
                in_image += 1;
                continue;
            }
            Event::End(TagEnd::Image) => {
                in_image = in_image.saturating_sub(1);
                continue;
            }
            Event::FootnoteReference(label) => {
                let Some(note) = notes.get(&label_key(label)) else {
                    continue;
                };
                if in_image > 0 {
                    // Inside an image's alt text only text is written.
                    Event::Text(CowStr::from(format!("[{}]", note.number)))
                } else {
                    let fragment = format!("#{}", note.id);
                    let href = match base {
                        Some(base) => absolute_url(base, &fragment),
                        None => fragment,
                    };
                    Event::InlineHtml(CowStr::from(format!(
                        "<sup class=\"footnote-reference\"><a href=\"{}\">{}</a></sup>",
                        crate::render::escape_markup(&href),
                        note.number
                    )))
                }
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let key = label_key(label);
                let Some(note) = notes.get(&key) else {
                    continue;
                };
                let id = if defined.insert(key) {
                    note.id.clone()
                } else {
                    ids.claim_with_suffix(&footnote_id(label))
                };
                Event::Html(CowStr::from(format!(
                    "\n<div class=\"footnote-definition\" id=\"{marker}{id}\"><sup class=\"footnote-definition-label\">{}</sup>",
                    note.number
                )))
            }
            Event::End(TagEnd::FootnoteDefinition) => Event::Html(CowStr::Borrowed("</div>\n")),
            _ => continue,
        };
        *event = replacement;
    }
}

/// The id a footnote with `label` asks for: `fn-` + its slug.
fn footnote_id(label: &str) -> String {
    format!("fn-{}", slug_or(label, "note"))
}

/// Footnote labels match case-insensitively, whitespace collapsed
/// (CommonMark link label matching).
fn label_key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Writes table cells with an `align-*` class instead of pulldown-cmark's
/// inline `style="text-align: ..."`.
fn align_table_cells(events: &mut [Event<'_>]) {
    let mut alignments: Vec<Alignment> = Vec::new();
    let mut in_head = false;
    let mut column = 0usize;
    for event in events.iter_mut() {
        let replacement = match event {
            Event::Start(Tag::Table(table)) => {
                alignments = std::mem::take(table);
                continue;
            }
            Event::Start(Tag::TableHead) => {
                (in_head, column) = (true, 0);
                continue;
            }
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                continue;
            }
            Event::Start(Tag::TableRow) => {
                column = 0;
                continue;
            }
            Event::Start(Tag::TableCell) => {
                let tag = if in_head { "th" } else { "td" };
                match align_class(alignments.get(column)) {
                    Some(class) => format!("<{tag} class=\"{class}\">"),
                    None => format!("<{tag}>"),
                }
            }
            Event::End(TagEnd::TableCell) => {
                column += 1;
                format!("</{}>", if in_head { "th" } else { "td" })
            }
            _ => continue,
        };
        *event = Event::Html(CowStr::from(replacement));
    }
}

/// The class of a column's alignment (`None` when it has none).
fn align_class(alignment: Option<&Alignment>) -> Option<&'static str> {
    match alignment? {
        Alignment::None => None,
        Alignment::Left => Some(ALIGN_CLASSES[0]),
        Alignment::Center => Some(ALIGN_CLASSES[1]),
        Alignment::Right => Some(ALIGN_CLASSES[2]),
    }
}

/// Lower-case, alphanumerics kept (any script), everything else collapsed
/// to `-`; `section` when nothing is left. Never contains whitespace.
pub fn slugify(text: &str) -> String {
    slug_or(text, "section")
}

/// [`slugify`] with `fallback` for text without alphanumerics.
fn slug_or(text: &str, fallback: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        fallback.to_string()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_urls_do_not_survive() {
        let html = to_html(
            "Hi <script>alert(1)</script> <img src=x onerror=\"alert(2)\">\n\n[x](javascript:alert(3)) [y]( JaVaScRiPt:alert(4))\n\n<a href=\"javascript:alert(5)\">z</a>",
            "",
        );
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "JaVaScRiPt",
            "alert(1)",
        ] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
    }

    #[test]
    fn headings_get_unique_ids_and_tables_render() {
        let html = to_html(
            "# Hello World\n\n## Hello World\n\n|a|b|\n|-|-|\n|1|2|\n",
            "p-",
        );
        assert!(html.contains("id=\"p-hello-world\""));
        assert!(html.contains("id=\"p-hello-world-1\""));
        assert!(html.contains("<table>"));
    }

    #[test]
    fn safe_links_are_kept() {
        let html = to_html(
            "[a](https://x.example/a) [b](/rel) [c](#frag) [d](mailto:a@b.c)",
            "",
        );
        assert!(
            html.contains("https://x.example/a")
                && html.contains("/rel")
                && html.contains("#frag")
                && html.contains("mailto:")
        );
    }
}
