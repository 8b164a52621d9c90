//! Nothing in the internal site links to an external host: staff open it
//! with audit evidence on screen, and a click (or an image load) must not
//! leak the internal URL to a third party through `Referer`. Record bodies
//! rendered from markdown may hold links; this turns each off-site link into
//! its text followed by the URL as code, and each off-site image into its
//! URL as code. Mail and phone links stay.
//!
//! The input is the sanitized HTML of [`crate::render::markdown::to_html`]
//! (serialized by pulldown-cmark or ammonia), where every `<a ` and `<img `
//! is a real tag and attribute values are quoted.

use std::borrow::Cow;

/// `html` with off-site `<a href>` and `<img src>` replaced by text.
pub fn without_offsite_links(html: &str) -> Cow<'_, str> {
    let Some(first) = next_tag(html) else {
        return Cow::Borrowed(html);
    };
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    let mut found = Some(first);
    while let Some(start) = found {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let Some(tag) = parse_tag(rest) else {
            out.push_str(rest);
            return Cow::Owned(out);
        };
        let after_tag = &rest[tag.length..];
        match (tag.name, tag.url) {
            ("img", Some(url)) if is_offsite(url) => {
                push_url(&mut out, url);
                rest = after_tag;
            }
            ("a", Some(url)) if is_offsite(url) => {
                let (inner, remainder) = match after_tag.find("</a>") {
                    Some(end) => (&after_tag[..end], &after_tag[end + 4..]),
                    None => (after_tag, ""),
                };
                out.push_str("<span class=\"offsite\">");
                out.push_str(inner);
                out.push_str("</span> ");
                push_url(&mut out, url);
                rest = remainder;
            }
            _ => {
                out.push_str(&rest[..tag.length]);
                rest = after_tag;
            }
        }
        found = next_tag(rest);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Appends `url` (still HTML-escaped) as code.
fn push_url(out: &mut String, url: &str) {
    out.push_str("<code class=\"url\">");
    out.push_str(url);
    out.push_str("</code>");
}

/// Whether a (still HTML-escaped) URL leaves the site.
fn is_offsite(url: &str) -> bool {
    let url = url.trim_start().to_ascii_lowercase();
    url.starts_with("http:") || url.starts_with("https:") || url.starts_with("//")
}

/// The byte offset of the next `<a ` or `<img ` tag: one pass over the
/// `<`s of `html` (searching for each tag name apart read all of the rest
/// of a body twice per tag).
fn next_tag(html: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(offset) = html[from..].find('<') {
        let at = from + offset;
        let tag = &html[at..];
        if tag.starts_with("<a ") || tag.starts_with("<img ") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

struct Tag<'a> {
    name: &'a str,
    /// `href` of an `a`, `src` of an `img`.
    url: Option<&'a str>,
    /// Bytes up to and including the closing `>`.
    length: usize,
}

/// Reads the start tag at the beginning of `html`.
fn parse_tag(html: &str) -> Option<Tag<'_>> {
    let bytes = html.as_bytes();
    let name_end = html.find(' ')?;
    let name = &html[1..name_end];
    let wanted = if name == "a" { "href" } else { "src" };
    let mut url = None;
    let mut index = name_end;
    loop {
        while bytes.get(index)?.is_ascii_whitespace() {
            index += 1;
        }
        match bytes.get(index)? {
            b'>' => break,
            b'/' => {
                index += 1;
                continue;
            }
            _ => {}
        }
        let attribute_start = index;
        while !matches!(bytes.get(index)?, b'=' | b'>' | b' ' | b'/') {
            index += 1;
        }
        let attribute = &html[attribute_start..index];
        if bytes[index] != b'=' {
            continue;
        }
        index += 1;
        let quote = *bytes.get(index)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let value_start = index + 1;
        let value_end = value_start + html[value_start..].find(quote as char)?;
        if attribute.eq_ignore_ascii_case(wanted) {
            url = Some(&html[value_start..value_end]);
        }
        index = value_end + 1;
    }
    Some(Tag {
        name,
        url,
        length: index + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::markdown::to_html;

    #[test]
    fn offsite_links_become_text_and_local_ones_stay() {
        let html = to_html(
            "See [the PR](https://github.example/pr/1 \"a > b\"), <https://x.example/?a=1&b=2>, [local](../x/) and [mail](mailto:a@b.example).",
            "",
        );
        let out = without_offsite_links(&html);
        assert!(!out.contains("href=\"https"), "{out}");
        assert!(out.contains("<span class=\"offsite\">the PR</span> <code class=\"url\">https://github.example/pr/1</code>"), "{out}");
        assert!(out.contains("https://x.example/?a=1&amp;b=2"), "{out}");
        assert!(out.contains("href=\"../x/\"") && out.contains("href=\"mailto:a@b.example\""));
    }

    #[test]
    fn raw_html_links_and_images_are_neutralised() {
        let html = to_html(
            "<a title='t' href=\"HTTPS://evil.example/\">x</a> <img src=\"//cdn.example/i.png\" alt=\"i\">",
            "",
        );
        let out = without_offsite_links(&html);
        assert!(
            !out.contains("href=\"HTTPS") && !out.contains("<img"),
            "{out}"
        );
        assert!(out.contains("//cdn.example/i.png"));
    }

    #[test]
    fn other_tags_starting_like_links_are_kept() {
        let html = "<p><abbr title=\"x\">A</abbr> <a href=\"../y/\">y</a> <b>b</b><a href=\"https://z.example/\">z</a><i>i</i></p>";
        assert_eq!(
            without_offsite_links(html),
            "<p><abbr title=\"x\">A</abbr> <a href=\"../y/\">y</a> <b>b</b><span class=\"offsite\">z</span> <code class=\"url\">https://z.example/</code><i>i</i></p>"
        );
        assert_eq!(
            without_offsite_links("<abbr>a</abbr><image>"),
            "<abbr>a</abbr><image>"
        );
    }

    #[test]
    fn text_without_links_is_borrowed() {
        assert!(matches!(
            without_offsite_links("<p>a</p>"),
            Cow::Borrowed(_)
        ));
    }
}
