//! Serve-time changes to HTML responses: the live-reload script, the error
//! overlay, and a Content-Security-Policy meta tag relaxed just enough for
//! them. Built files are never touched; this runs on each response.

use crate::render::escape_markup;

/// URL of the live-reload script.
pub const RELOAD_SCRIPT_URL: &str = "/__changeportal/reload.js";
/// URL of the overlay style sheet.
pub const OVERLAY_STYLE_URL: &str = "/__changeportal/overlay.css";

/// CSP directives the injected script and style sheet need, with `'self'`.
const NEEDED_DIRECTIVES: [&str; 3] = ["script-src", "connect-src", "style-src"];

/// What to add to a page.
#[derive(Debug, Clone, Copy)]
pub struct Injection<'a> {
    /// The build generation the page belongs to; the script reloads the page
    /// when the server announces another one.
    pub generation: &'a str,
    /// Diagnostics of a failed rebuild, shown in an overlay.
    pub problems: Option<&'a str>,
    /// The flags of the record this page shows (internal site only), listed
    /// in a panel even when the build succeeded, so warnings are seen while
    /// editing.
    pub flags: &'a [PageFlag],
}

/// One flag as the serve panel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFlag {
    /// `error` (deny) or `warning`.
    pub severity: &'static str,
    /// The flag code.
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// `file:line:col`, the file relative to the portal root.
    pub location: String,
    /// A link that opens the file at the line in an editor
    /// (`vscode://file/<absolute path>:<line>:<col>`).
    pub editor_link: String,
}

/// Adds the reload script (and the overlay when there are problems) to
/// `html`, relaxing its CSP meta tag when that would block them.
pub fn inject(html: &str, injection: Injection<'_>) -> String {
    let html = allow_self_in_csp(html);
    let head_tags = head_tags(injection);
    let mut page = insert_before_close_head(&html, &head_tags);
    if !injection.flags.is_empty() {
        page = insert_after_open_body(&page, &flags_panel(injection.flags));
    }
    if let Some(problems) = injection.problems {
        page = insert_after_open_body(&page, &overlay(problems));
    }
    page
}

/// The panel listing a record page's flags: a `<details>` element (no
/// script needed to open or close it), each flag with its code, message and
/// a `file:line:col` link that opens the file in an editor.
fn flags_panel(flags: &[PageFlag]) -> String {
    let errors = flags.iter().filter(|flag| flag.severity == "error").count();
    let mut items = String::new();
    for flag in flags {
        items.push_str(&format!(
            "<li class=\"changeportal-flag changeportal-flag-{severity}\">\
             <span class=\"changeportal-flag-code\">{severity}[{code}]</span> {message} \
             <a class=\"changeportal-flag-location\" href=\"{link}\">{location}</a></li>",
            severity = flag.severity,
            code = flag.code,
            message = escape_markup(&flag.message),
            link = escape_markup(&flag.editor_link),
            location = escape_markup(&flag.location),
        ));
    }
    format!(
        "\n<details id=\"changeportal-flags\" class=\"changeportal-flags\" open>\
         <summary>changeportal: {count} flag(s) on this record ({errors} error(s))</summary>\
         <ul>{items}</ul></details>\n",
        count = flags.len(),
    )
}

/// A complete page for when no build has succeeded yet.
pub fn error_page(generation: &str, problems: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Build failed · changeportal</title>\n{tags}</head>\n<body class=\"changeportal-error-page\">\n\
         <main>\n<h1>changeportal could not build the portal</h1>\n\
         <p>Fix the problems below; this page reloads by itself once the build succeeds.</p>\n\
         <pre class=\"changeportal-overlay-text\">{text}</pre>\n</main>\n</body>\n</html>\n",
        tags = head_tags(Injection {
            generation,
            problems: Some(problems),
            flags: &[],
        }),
        text = escape_markup(problems),
    )
}

fn head_tags(injection: Injection<'_>) -> String {
    let mut tags = String::new();
    if injection.problems.is_some() || !injection.flags.is_empty() {
        tags.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"{OVERLAY_STYLE_URL}\">\n"
        ));
    }
    tags.push_str(&format!(
        "<script src=\"{RELOAD_SCRIPT_URL}\" data-generation=\"{}\" defer></script>\n",
        escape_markup(injection.generation)
    ));
    tags
}

fn overlay(problems: &str) -> String {
    format!(
        "\n<div id=\"changeportal-overlay\" class=\"changeportal-overlay\" role=\"alert\">\
         <div class=\"changeportal-overlay-box\">\
         <p class=\"changeportal-overlay-title\">changeportal: the last edit broke the build. \
         This is the last good build; it updates once the problems below are fixed.</p>\
         <pre class=\"changeportal-overlay-text\">{}</pre>\
         <button type=\"button\" class=\"changeportal-overlay-close\" data-changeportal-dismiss>Hide</button>\
         </div></div>\n",
        escape_markup(problems)
    )
}

/// Byte offset of the first case-insensitive (ASCII) match of `needle`.
fn find_ignore_case(haystack: &str, needle: &str, from: usize) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .get(from..)?
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
        .map(|position| position + from)
}

fn insert_before_close_head(html: &str, tags: &str) -> String {
    let at = find_ignore_case(html, "</head", 0).unwrap_or(0);
    let mut page = String::with_capacity(html.len() + tags.len());
    page.push_str(&html[..at]);
    page.push_str(tags);
    page.push_str(&html[at..]);
    page
}

fn insert_after_open_body(html: &str, markup: &str) -> String {
    let at = find_ignore_case(html, "<body", 0)
        .and_then(|start| html[start..].find('>').map(|end| start + end + 1))
        .unwrap_or(html.len());
    let mut page = String::with_capacity(html.len() + markup.len());
    page.push_str(&html[..at]);
    page.push_str(markup);
    page.push_str(&html[at..]);
    page
}

/// Rewrites every `<meta http-equiv="Content-Security-Policy">` whose policy
/// would block same-origin scripts, connections or style sheets.
fn allow_self_in_csp(html: &str) -> std::borrow::Cow<'_, str> {
    let mut output = String::new();
    let mut copied = 0;
    let mut cursor = 0;
    while let Some(start) = find_ignore_case(html, "<meta", cursor) {
        let Some(end) = html[start..].find('>').map(|end| start + end + 1) else {
            break;
        };
        if let Some(rewritten) = rewrite_csp_tag(&html[start..end]) {
            output.push_str(&html[copied..start]);
            output.push_str(&rewritten);
            copied = end;
        }
        cursor = end;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(html);
    }
    output.push_str(&html[copied..]);
    std::borrow::Cow::Owned(output)
}

/// The tag with a relaxed policy, or `None` when it is not a CSP tag or
/// already allows what serve needs.
fn rewrite_csp_tag(tag: &str) -> Option<String> {
    let equiv = attribute(tag, "http-equiv")?;
    if !tag[equiv.clone()].eq_ignore_ascii_case("content-security-policy") {
        return None;
    }
    let content = attribute(tag, "content")?;
    let policy = relax_policy(&tag[content.clone()])?;
    let (value_start, value_end) = quoted_span(tag, content);
    Some(format!(
        "{}\"{}\"{}",
        &tag[..value_start],
        policy.replace('"', "&quot;"),
        &tag[value_end..]
    ))
}

/// The byte range of attribute `name`'s value (without quotes) in `tag`.
fn attribute(tag: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let mut from = 0;
    loop {
        let at = find_ignore_case(tag, name, from)?;
        from = at + name.len();
        let preceded_by_space = tag[..at].ends_with(|c: char| c.is_ascii_whitespace());
        let rest = tag[from..].trim_start();
        if !preceded_by_space || !rest.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - rest[1..].trim_start().len();
        let value = &tag[value_start..];
        return match value.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let end = value[1..].find(quote)?;
                Some(value_start + 1..value_start + 1 + end)
            }
            Some(_) => {
                let end = value
                    .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
                    .unwrap_or(value.len());
                Some(value_start..value_start + end)
            }
            None => None,
        };
    }
}

/// Widens a value range to include its quotes, if it has them.
fn quoted_span(tag: &str, value: std::ops::Range<usize>) -> (usize, usize) {
    let quoted = value.start > 0 && matches!(tag.as_bytes()[value.start - 1], b'"' | b'\'');
    if quoted {
        (value.start - 1, value.end + 1)
    } else {
        (value.start, value.end)
    }
}

/// Adds `'self'` to the script, connect and style directives (copying
/// `default-src` where a directive is missing and `default-src` restricts
/// it). `None` when the policy already allows them.
fn relax_policy(policy: &str) -> Option<String> {
    let mut directives: Vec<(String, Vec<String>)> = policy
        .split(';')
        .filter_map(|directive| {
            let mut parts = directive.split_ascii_whitespace();
            let name = parts.next()?.to_ascii_lowercase();
            Some((name, parts.map(str::to_string).collect()))
        })
        .collect();
    let default = directives
        .iter()
        .find(|(name, _)| name == "default-src")
        .map(|(_, sources)| sources.clone());
    let mut changed = false;
    for needed in NEEDED_DIRECTIVES {
        match directives.iter_mut().find(|(name, _)| name == needed) {
            Some((_, sources)) => changed |= add_self(sources),
            None => {
                if let Some(mut sources) = default.clone() {
                    if add_self(&mut sources) {
                        directives.push((needed.to_string(), sources));
                        changed = true;
                    }
                }
            }
        }
    }
    changed.then(|| {
        directives
            .iter()
            .map(|(name, sources)| {
                std::iter::once(name.as_str())
                    .chain(sources.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// Replaces `'none'` by `'self'` or appends `'self'`; whether anything changed.
fn add_self(sources: &mut Vec<String>) -> bool {
    let has =
        |sources: &[String], token: &str| sources.iter().any(|s| s.eq_ignore_ascii_case(token));
    if has(sources, "'self'") || has(sources, "*") {
        return false;
    }
    sources.retain(|source| !source.eq_ignore_ascii_case("'none'"));
    sources.push("'self'".to_string());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const THEME_CSP: &str = "<!doctype html><html><head><meta charset=\"utf-8\">\
        <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'\">\
        <title>x</title></head><body class=\"home\"><h1>Hi</h1></body></html>";

    #[test]
    fn strict_policy_gains_self_scripts_and_connections() {
        let page = inject(
            THEME_CSP,
            Injection {
                generation: "g1",
                problems: None,
                flags: &[],
            },
        );
        assert!(page.contains(
            "content=\"default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; script-src 'self'; connect-src 'self'\""
        ), "{page}");
        assert!(page.contains("<script src=\"/__changeportal/reload.js\" data-generation=\"g1\" defer></script>\n</head>"));
        assert!(!page.contains("changeportal-overlay"));
    }

    #[test]
    fn permissive_or_absent_policies_are_left_alone() {
        let html = "<html><head><meta http-equiv='content-security-policy' content=\"script-src 'self'; connect-src *; style-src 'self'\"></head><body></body></html>";
        assert!(inject(
            html,
            Injection {
                generation: "g",
                problems: None,
                flags: &[],
            }
        )
        .contains("content=\"script-src 'self'; connect-src *; style-src 'self'\""));
        let plain = "<html><head><meta name=\"description\" content=\"default-src 'none'\"></head><body></body></html>";
        assert!(inject(
            plain,
            Injection {
                generation: "g",
                problems: None,
                flags: &[],
            }
        )
        .contains("content=\"default-src 'none'\""));
    }

    #[test]
    fn none_is_replaced_and_single_quoted_content_is_requoted() {
        assert_eq!(
            relax_policy("script-src 'none'; connect-src 'none'").as_deref(),
            Some("script-src 'self'; connect-src 'self'")
        );
        let html = "<head><META HTTP-EQUIV=Content-Security-Policy CONTENT='script-src https://cdn.example'></head>";
        let page = inject(
            html,
            Injection {
                generation: "g",
                problems: None,
                flags: &[],
            },
        );
        assert!(
            page.contains("CONTENT=\"script-src https://cdn.example 'self'\">"),
            "{page}"
        );
    }

    #[test]
    fn overlay_is_escaped_and_placed_after_body() {
        let page = inject(
            THEME_CSP,
            Injection {
                generation: "g2",
                problems: Some("error: <script>alert(1)</script> in content/changes/a.md"),
                flags: &[],
            },
        );
        let body = page.find("<body class=\"home\">").unwrap();
        let overlay = page.find("id=\"changeportal-overlay\"").unwrap();
        assert!(overlay > body && overlay < page.find("<h1>Hi").unwrap());
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; in content/changes/a.md"));
        assert!(!page.contains("<script>alert(1)"));
        assert!(page.contains("href=\"/__changeportal/overlay.css\""));
    }

    #[test]
    fn pages_without_head_or_body_still_get_the_script() {
        let page = inject(
            "<p>bare</p>",
            Injection {
                generation: "g",
                problems: Some("x"),
                flags: &[],
            },
        );
        assert!(page.starts_with("<link rel=\"stylesheet\""));
        assert!(page.contains("reload.js"));
        assert!(page.ends_with("</div></div>\n"));
    }

    #[test]
    fn error_page_shows_escaped_problems() {
        let page = error_page("g", "a < b");
        assert!(page.contains("<pre class=\"changeportal-overlay-text\">a &lt; b</pre>"));
        assert!(page.contains("reload.js"));
    }

    #[test]
    fn flags_panel_is_escaped_and_links_to_the_editor() {
        let flags = [PageFlag {
            severity: "warning",
            code: "internal-detail-in-public",
            message: "summary names <b>db1.acme.internal</b>".to_string(),
            location: "content/changes/a.md:4:10".to_string(),
            editor_link: "vscode://file/portal/content/changes/a.md:4:10".to_string(),
        }];
        let page = inject(
            THEME_CSP,
            Injection {
                generation: "g",
                problems: None,
                flags: &flags,
            },
        );
        assert!(
            page.contains("&lt;b&gt;db1.acme.internal&lt;/b&gt;"),
            "{page}"
        );
        assert!(page.contains(
            "<a class=\"changeportal-flag-location\" href=\"vscode://file/portal/content/changes/a.md:4:10\">content/changes/a.md:4:10</a>"
        ));
        assert!(page.contains("1 flag(s) on this record (0 error(s))"));
        assert!(!page.contains("changeportal-overlay\""));
    }
}
