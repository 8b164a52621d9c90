//! Request targets: which site (or tool endpoint) a URL names, and the file
//! key inside that site.
//!
//! Files are looked up in an in-memory map, so a request can never reach the
//! file system; this module still rejects every traversal attempt outright
//! (`..` or `.` segments after percent-decoding, encoded `/`, backslashes,
//! NUL, empty segments, URLs that are not origin-form) so that the answer is
//! a clear 400 rather than a lookup of a strange key.

use crate::paths;

/// Where the internal site is mounted; the public site is at `/`.
pub const INTERNAL_MOUNT: &str = "/internal/";

/// The first path segment of serve's own endpoints.
pub const TOOL_SEGMENT: &str = "__changeportal";

/// One of the two sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mount {
    /// The public changelog, at `/`.
    Public,
    /// The internal audit site, at [`INTERNAL_MOUNT`].
    Internal,
}

impl Mount {
    /// The URL path prefix of the site.
    pub fn prefix(self) -> &'static str {
        match self {
            Mount::Public => "/",
            Mount::Internal => INTERNAL_MOUNT,
        }
    }
}

/// serve's own endpoints under `/__changeportal/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// The server-sent events stream.
    Events,
    /// The live-reload script.
    ReloadScript,
    /// The error overlay's style sheet.
    OverlayStyle,
}

/// What a request URL asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file of a site: `key` is relative to the site root, `""` or ending
    /// in `/` for a folder.
    Site {
        /// Which site.
        mount: Mount,
        /// The decoded path inside the site, segments joined by `/`.
        key: String,
    },
    /// One of serve's own endpoints.
    Tool(Tool),
    /// A URL to redirect to (a mount point without its trailing slash).
    Redirect(String),
    /// Not a path serve can answer (unknown tool endpoint).
    NotFound,
    /// A malformed or hostile path.
    BadRequest(&'static str),
}

/// Parses the request URL (origin-form, as sent) into a [`Target`].
pub fn parse(url: &str) -> Target {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let Some(relative) = path.strip_prefix('/') else {
        return Target::BadRequest("the request path must start with `/`");
    };
    let segments = match decode_segments(relative) {
        Ok(segments) => segments,
        Err(reason) => return Target::BadRequest(reason),
    };
    match segments.first().map(String::as_str) {
        Some(TOOL_SEGMENT) => tool(&segments[1..]),
        Some("internal") if segments.len() == 1 => Target::Redirect(INTERNAL_MOUNT.to_string()),
        Some("internal") => Target::Site {
            mount: Mount::Internal,
            key: segments[1..].join("/"),
        },
        _ => Target::Site {
            mount: Mount::Public,
            key: segments.join("/"),
        },
    }
}

fn tool(rest: &[String]) -> Target {
    match rest {
        [name] if name == "events" => Target::Tool(Tool::Events),
        [name] if name == "reload.js" => Target::Tool(Tool::ReloadScript),
        [name] if name == "overlay.css" => Target::Tool(Tool::OverlayStyle),
        _ => Target::NotFound,
    }
}

/// Splits on `/` and percent-decodes each segment, rejecting anything that
/// could name a file outside the site or is ambiguous. The last segment may
/// be empty (a folder URL ending in `/`).
fn decode_segments(path: &str) -> Result<Vec<String>, &'static str> {
    let raw: Vec<&str> = path.split('/').collect();
    let last = raw.len() - 1;
    let mut segments = Vec::with_capacity(raw.len());
    for (index, segment) in raw.iter().enumerate() {
        let decoded = percent_decode(segment)?;
        if decoded.is_empty() && index != last {
            return Err("empty path segment");
        }
        if decoded == "." || decoded == ".." {
            return Err("`.` and `..` segments are not allowed");
        }
        if decoded.contains(['/', '\\', '\0']) {
            return Err("encoded slash, backslash or NUL in the path");
        }
        if decoded.chars().any(char::is_control) {
            return Err("control character in the path");
        }
        segments.push(decoded);
    }
    Ok(segments)
}

/// Decodes `%XX` escapes; the result must be UTF-8.
fn percent_decode(segment: &str) -> Result<String, &'static str> {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let high = bytes.get(index + 1).and_then(|b| hex_value(*b));
            let low = bytes.get(index + 2).and_then(|b| hex_value(*b));
            match (high, low) {
                (Some(high), Some(low)) => decoded.push(high * 16 + low),
                _ => return Err("malformed percent escape"),
            }
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| "the path is not UTF-8")
}

fn hex_value(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

/// The Content-Type of a file by its extension.
pub fn content_type(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    if let Some(format) = paths::public::feed_format(key) {
        return feed_content_type(format);
    }
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The Content-Type of a feed or calendar: its format's media type
/// ([`paths::FeedFormat::media_type`]) in UTF-8.
fn feed_content_type(format: paths::FeedFormat) -> &'static str {
    match format {
        paths::FeedFormat::Rss => "application/rss+xml; charset=utf-8",
        paths::FeedFormat::Atom => "application/atom+xml; charset=utf-8",
        paths::FeedFormat::Json => "application/feed+json; charset=utf-8",
        paths::FeedFormat::Ical => "text/calendar; charset=utf-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(mount: Mount, key: &str) -> Target {
        Target::Site {
            mount,
            key: key.to_string(),
        }
    }

    #[test]
    fn mounts_split_public_and_internal() {
        assert_eq!(parse("/"), site(Mount::Public, ""));
        assert_eq!(
            parse("/changes/chg-1/?x=1"),
            site(Mount::Public, "changes/chg-1/")
        );
        assert_eq!(parse("/internal/"), site(Mount::Internal, ""));
        assert_eq!(
            parse("/internal/flags/index.html"),
            site(Mount::Internal, "flags/index.html")
        );
        assert_eq!(
            parse("/internal"),
            Target::Redirect("/internal/".to_string())
        );
        assert_eq!(parse("/a%20b.html"), site(Mount::Public, "a b.html"));
    }

    #[test]
    fn tool_endpoints_are_recognised() {
        assert_eq!(parse("/__changeportal/events"), Target::Tool(Tool::Events));
        assert_eq!(
            parse("/__changeportal/reload.js?v=1"),
            Target::Tool(Tool::ReloadScript)
        );
        assert_eq!(
            parse("/__changeportal/overlay.css"),
            Target::Tool(Tool::OverlayStyle)
        );
        assert_eq!(parse("/__changeportal/nope"), Target::NotFound);
    }

    #[test]
    fn traversal_and_hostile_paths_are_bad_requests() {
        for url in [
            "/../portal.yaml",
            "/%2e%2e/portal.yaml",
            "/%2E%2E/portal.yaml",
            "/%2e%2e%2fportal.yaml",
            "/..%5cportal.yaml",
            "/..%5Cportal.yaml",
            "/internal/../../portal.yaml",
            "/./index.html",
            "//etc/passwd",
            "/a%00b",
            "/a%2",
            "/%ff",
            "http://example.com/index.html",
            "*",
        ] {
            assert!(
                matches!(parse(url), Target::BadRequest(_)),
                "{url} was accepted"
            );
        }
    }

    #[test]
    fn content_types_follow_extensions() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("static/style.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("feeds/enterprise.xml"),
            "application/rss+xml; charset=utf-8"
        );
        assert_eq!(
            content_type("sitemap.xml"),
            "application/xml; charset=utf-8"
        );
        assert_eq!(
            content_type("export/changes.csv"),
            "text/csv; charset=utf-8"
        );
        assert_eq!(content_type("export/changes.json"), "application/json");
        assert_eq!(
            content_type("feeds/enterprise.atom"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(
            content_type("feed.json"),
            "application/feed+json; charset=utf-8"
        );
        assert_eq!(
            content_type("changes/chg-0001/event.ics"),
            "text/calendar; charset=utf-8"
        );
        assert_eq!(
            content_type("feeds/systems/billing-api.xml"),
            "application/rss+xml; charset=utf-8"
        );
        assert_eq!(content_type("static/favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("logo.PNG"), "image/png");
        assert_eq!(content_type("robots.txt"), "text/plain; charset=utf-8");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }
}
