//! An independent checker for HTML that must be safe to publish: a small
//! tokenizer that follows the HTML tokenizer's rules for tags and attributes
//! (not the sanitizer's code), then looks for what a sanitizer must remove.
//!
//! Shared by the fuzz targets and the integration tests
//! (`#[path = "../fuzz/src/html_check.rs"] mod html_check;`), so it uses only
//! the standard library.
#![allow(dead_code)]

/// One start tag with its attributes (names lower-cased, values raw).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Lower-cased tag name.
    pub name: String,
    /// Attributes in source order: lower-cased name, raw (undecoded) value.
    pub attributes: Vec<(String, String)>,
    /// For `<script>` and `<style>`: the raw text up to the end tag.
    pub raw_text: String,
}

impl Tag {
    /// The raw value of attribute `name`, if present.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Every start tag of `html`, comments and end tags skipped.
pub fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut found = Vec::new();
    let mut index = 0;
    while let Some(offset) = html[index..].find('<') {
        let start = index + offset;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            index = skip_past(html, start + 4, "-->");
        } else if rest.starts_with("<!") || rest.starts_with("<?") || rest.starts_with("</") {
            index = skip_past(html, start + 2, ">");
        } else if bytes.get(start + 1).is_some_and(u8::is_ascii_alphabetic) {
            let (mut tag, end) = parse_start_tag(html, start + 1);
            index = end;
            if tag.name == "script" || tag.name == "style" {
                let close = format!("</{}", tag.name);
                let body_end = find_ignore_case(html, index, &close).unwrap_or(html.len());
                tag.raw_text = html[index..body_end].to_string();
                index = body_end;
            }
            found.push(tag);
        } else {
            index = start + 1;
        }
    }
    found
}

/// Offset just after the first `needle` at or after `from` (or the end).
fn skip_past(html: &str, from: usize, needle: &str) -> usize {
    html.get(from..)
        .and_then(|rest| rest.find(needle))
        .map_or(html.len(), |offset| from + offset + needle.len())
}

fn find_ignore_case(html: &str, from: usize, needle: &str) -> Option<usize> {
    let haystack = html.get(from..)?.to_ascii_lowercase();
    haystack.find(needle).map(|offset| from + offset)
}

/// Parses a start tag whose name begins at `at`; returns it and the offset
/// after its `>`.
fn parse_start_tag(html: &str, at: usize) -> (Tag, usize) {
    let bytes = html.as_bytes();
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
    let mut index = at;
    while index < bytes.len()
        && !is_space(bytes[index])
        && bytes[index] != b'/'
        && bytes[index] != b'>'
    {
        index += 1;
    }
    let mut tag = Tag {
        name: html[at..index].to_ascii_lowercase(),
        attributes: Vec::new(),
        raw_text: String::new(),
    };
    loop {
        while index < bytes.len() && (is_space(bytes[index]) || bytes[index] == b'/') {
            index += 1;
        }
        if index >= bytes.len() {
            return (tag, index);
        }
        if bytes[index] == b'>' {
            return (tag, index + 1);
        }
        // Attribute name: up to whitespace, `/`, `>` or `=` (a leading `=` is
        // part of the name, as in the HTML tokenizer).
        let name_start = index;
        index += 1;
        while index < bytes.len()
            && !is_space(bytes[index])
            && !matches!(bytes[index], b'/' | b'>' | b'=')
        {
            index += 1;
        }
        let name = html[name_start..index].to_ascii_lowercase();
        while index < bytes.len() && is_space(bytes[index]) {
            index += 1;
        }
        let mut value = String::new();
        if index < bytes.len() && bytes[index] == b'=' {
            index += 1;
            while index < bytes.len() && is_space(bytes[index]) {
                index += 1;
            }
            match bytes.get(index) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let value_start = index + 1;
                    let value_end = html[value_start..]
                        .find(quote as char)
                        .map_or(html.len(), |offset| value_start + offset);
                    value = html[value_start..value_end].to_string();
                    index = (value_end + 1).min(html.len());
                }
                _ => {
                    let value_start = index;
                    while index < bytes.len() && !is_space(bytes[index]) && bytes[index] != b'>' {
                        index += 1;
                    }
                    value = html[value_start..index].to_string();
                }
            }
        }
        tag.attributes.push((name, value));
    }
}

/// Decodes the character references a browser would decode in an attribute
/// value (numeric ones with or without `;`, and the named ones that matter
/// for URL schemes).
pub fn decode_entities(value: &str) -> String {
    const NAMED: &[(&str, char)] = &[
        ("amp", '&'),
        ("quot", '"'),
        ("apos", '\''),
        ("lt", '<'),
        ("gt", '>'),
        ("colon", ':'),
        ("tab", '\t'),
        ("newline", '\n'),
        ("nbsp", '\u{a0}'),
        ("sol", '/'),
        ("lpar", '('),
        ("rpar", ')'),
    ];
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(position) = rest.find('&') {
        out.push_str(&rest[..position]);
        rest = &rest[position + 1..];
        if let Some((decoded, used)) = decode_numeric(rest) {
            out.push(decoded);
            rest = &rest[used..];
            continue;
        }
        let lower = rest.to_ascii_lowercase();
        let named = NAMED
            .iter()
            .find(|(name, _)| lower.starts_with(name))
            .map(|(name, c)| (*c, name.len()));
        match named {
            Some((decoded, used)) => {
                out.push(decoded);
                rest = &rest[used..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
            }
            None => out.push('&'),
        }
    }
    out.push_str(rest);
    out
}

/// `#123;` or `#x7B;` (the `;` optional) after an `&`: the character and
/// the number of bytes used.
fn decode_numeric(rest: &str) -> Option<(char, usize)> {
    let digits = rest.strip_prefix('#')?;
    let (radix, digits, prefix) = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => (16, hex, 2),
        None => (10, digits, 1),
    };
    let length = digits.chars().take_while(|c| c.is_digit(radix)).count();
    if length == 0 {
        return None;
    }
    let number = u32::from_str_radix(&digits[..length.min(8)], radix).unwrap_or(0xFFFD);
    let decoded = char::from_u32(number)
        .filter(|c| *c != '\0')
        .unwrap_or('\u{fffd}');
    let semicolon = usize::from(digits[length..].starts_with(';'));
    Some((decoded, prefix + length + semicolon))
}

/// The scheme a browser would see in a URL attribute value, lower-cased
/// (after decoding references, dropping tabs and newlines, trimming control
/// characters and spaces), or `None` for a relative URL.
pub fn url_scheme(raw: &str) -> Option<String> {
    let decoded: String = decode_entities(raw)
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let trimmed = decoded.trim_matches(|c: char| c <= ' ');
    let colon = trimmed.find(':')?;
    let scheme = &trimmed[..colon];
    let is_scheme = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme.then(|| scheme.to_ascii_lowercase())
}

/// Attributes whose value is fetched or navigated to as a URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "cite",
    "data",
    "srcset",
];

/// Schemes that run script or smuggle a document.
const DANGEROUS_SCHEMES: &[&str] = &["javascript", "vbscript", "data"];

/// Tags a sanitized body must never contain.
const FORBIDDEN_IN_BODIES: &[&str] = &[
    "script", "iframe", "object", "embed", "style", "base", "meta", "link", "form", "frame",
    "frameset", "applet", "svg", "math", "template",
];

/// What a sanitized markdown body (the output of `markdown::to_html`) contains
/// that it must not: forbidden tags, `on*` event handler attributes, and URL
/// attributes with a `javascript:`, `vbscript:` or `data:` scheme.
pub fn body_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for tag in tags(html) {
        if FORBIDDEN_IN_BODIES.contains(&tag.name.as_str()) {
            problems.push(format!("forbidden tag <{}>", tag.name));
        }
        problems.extend(attribute_problems(&tag, true));
    }
    problems
}

/// What a whole page contains that it must not under a strict CSP: inline
/// `<script>` bodies, `on*` attributes, and script-running URLs. `<script
/// src>` with an empty body is allowed (CSP `script-src 'self'`), and so is a
/// `data:` URL where it cannot run script (an icon `<link>`, an `<img>`).
pub fn page_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for tag in tags(html) {
        if tag.name == "script" && !tag.raw_text.trim().is_empty() {
            problems.push("inline <script> body (blocked by a strict CSP)".to_string());
        }
        let navigable = matches!(
            tag.name.as_str(),
            "a" | "area"
                | "iframe"
                | "frame"
                | "embed"
                | "object"
                | "script"
                | "form"
                | "button"
                | "input"
                | "base"
        );
        problems.extend(attribute_problems(&tag, navigable));
    }
    problems
}

/// `on*` attributes and `javascript:`/`vbscript:` URLs; `data:` URLs too
/// when `data_is_dangerous`.
fn attribute_problems(tag: &Tag, data_is_dangerous: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, value) in &tag.attributes {
        if name.starts_with("on") {
            problems.push(format!("event handler attribute {name} on <{}>", tag.name));
        }
        if URL_ATTRIBUTES.contains(&name.as_str()) {
            let dangerous = |scheme: &String| {
                DANGEROUS_SCHEMES.contains(&scheme.as_str())
                    && (data_is_dangerous || scheme != "data")
            };
            if let Some(scheme) = url_scheme(value).filter(dangerous) {
                problems.push(format!("{scheme}: URL in {name} of <{}>", tag.name));
            }
        }
    }
    problems
}

/// The `content` of `<meta http-equiv="Content-Security-Policy">`, if any.
pub fn csp_meta(html: &str) -> Option<String> {
    tags(html)
        .into_iter()
        .filter(|tag| tag.name == "meta")
        .find(|tag| {
            tag.attribute("http-equiv")
                .is_some_and(|v| v.eq_ignore_ascii_case("content-security-policy"))
        })
        .and_then(|tag| tag.attribute("content").map(decode_entities))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_a_browser_would_run() {
        for bad in [
            "<script>x</script>",
            "<SCRIPT src=a></SCRIPT>",
            "<img src=x onerror=alert(1)>",
            "<img/src=\"x\"/onerror=alert(1)>",
            "<a href=\"java&#x09;script:alert(1)\">",
            "<a href='&#106avascript:alert(1)'>",
            "<a href=\" javascript&colon;alert(1)\">",
            "<a href=\"\u{1}javascript:x\">",
        ] {
            assert!(!body_problems(bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn passes_plain_markup() {
        let html = "<p>a onclick=b &lt;script&gt; javascript:x</p><a href=\"https://a.example/javascript:x\">y</a><a href=\"#x\">z</a><!-- <script> -->";
        assert_eq!(body_problems(html), Vec::<String>::new());
    }

    #[test]
    fn csp_meta_is_read() {
        let html = "<head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;self&#39;\"></head>";
        assert_eq!(csp_meta(html).as_deref(), Some("default-src 'self'"));
    }
}
