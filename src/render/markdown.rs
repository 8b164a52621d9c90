//! Markdown to safe HTML: CommonMark with tables, footnotes, strikethrough and
//! task lists; headings get anchor ids; links and images with schemes other
//! than http(s), mailto and tel are neutralised; raw HTML, when a body has
//! any, is cleaned by ammonia (no scripts, event handlers or `javascript:`).
//!
//! Bodies without raw HTML skip the sanitizer: pulldown-cmark escapes all text
//! and attribute values itself, and URLs are filtered here, so the result is
//! already safe and the common case stays fast.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Renders `markdown` to sanitized HTML; heading ids start with `id_prefix`.
pub fn to_html(markdown: &str, id_prefix: &str) -> String {
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
                dest_url: safe_url(dest_url),
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
                dest_url: safe_url(dest_url),
                title,
                id,
            }),
            other => other,
        };
        events.push(event);
    }
    add_heading_ids(&mut events, id_prefix);
    let mut output = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut output, events.into_iter());
    if has_raw_html {
        SANITIZER.clean(&output).to_string()
    } else {
        output
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

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_generic_attributes(["id"])
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .add_url_schemes(["tel"]);
    builder
});

/// Keeps relative URLs, fragments and http(s)/mailto/tel; replaces any other
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
    if matches!(scheme.as_str(), "http" | "https" | "mailto" | "tel") {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// Gives every heading an `id` made from its text, unique within the body.
fn add_heading_ids(events: &mut [Event<'_>], prefix: &str) {
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut index = 0;
    while index < events.len() {
        if let Event::Start(Tag::Heading { .. }) = &events[index] {
            let mut text = String::new();
            let mut end = index + 1;
            while end < events.len() && !matches!(events[end], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[end] {
                    text.push_str(t);
                }
                end += 1;
            }
            let slug = unique(&mut used, format!("{prefix}{}", slugify(&text)));
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[index] {
                *id = Some(CowStr::from(slug));
            }
            index = end;
        }
        index += 1;
    }
}

fn unique(used: &mut HashMap<String, usize>, slug: String) -> String {
    let count = used.entry(slug.clone()).or_insert(0);
    *count += 1;
    if *count == 1 {
        slug
    } else {
        format!("{slug}-{}", *count - 1)
    }
}

/// Lower-case, alphanumerics kept, everything else collapsed to `-`.
pub fn slugify(text: &str) -> String {
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
        "section".to_string()
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
