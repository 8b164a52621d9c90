//! The internal-marker split of a record or page body (SPEC section 2).
//!
//! The rule fails closed: besides the exact marker line, any line holding an
//! HTML comment whose first word is `internal` (any case, any number of
//! dashes, any spacing or invisible characters, words after it, a blockquote
//! or list prefix, text after the comment) counts as the marker. Nothing
//! from that line on is public; look-alikes are also reported as
//! `malformed-internal-marker`. Lines end at LF, CRLF or a bare CR, as they do
//! for the markdown renderer, so the split and the rendering agree.

use crate::diagnostics::{Code, Flag};
use crate::model::config::Config;
use crate::model::portal::Position;

/// The exact marker line.
pub const INTERNAL_MARKER: &str = "<!-- internal -->";

/// A body split into its customer-facing and internal parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodySplit {
    /// Markdown above the marker (empty for internal records).
    pub public: String,
    /// Markdown below the marker (the whole body for internal records). After
    /// a look-alike, the look-alike's own line is kept here too, so text after
    /// the comment on that line stays on the internal site.
    pub internal: String,
    /// 1-based file lines of marker look-alikes that are not exactly the marker.
    pub malformed_marker_lines: Vec<usize>,
}

/// Splits `body`, whose first line is file line `first_line`. The first line
/// that is the marker, or looks like it, ends the public part: a look-alike
/// still hides what follows, so nothing below it is published. For an
/// internal record (`is_public` false) everything is internal, but
/// look-alikes are still reported.
pub fn split_body(body: &str, first_line: usize, is_public: bool) -> BodySplit {
    let mut split_at = None;
    let mut malformed = Vec::new();
    for (index, line) in lines(body).enumerate() {
        let kind = marker_kind(line.text, &body[line.start..]);
        if kind == MarkerKind::Malformed {
            malformed.push(first_line + index);
        }
        if kind != MarkerKind::None && split_at.is_none() {
            split_at = Some(match kind {
                MarkerKind::Exact => (line.start, line.end_with_break),
                _ => (line.start, line.start),
            });
        }
    }
    let (public, internal) = match split_at {
        Some((start, resume)) if is_public => (&body[..start], &body[resume..]),
        _ if is_public => (body, ""),
        _ => ("", body),
    };
    BodySplit {
        public: public.to_string(),
        internal: internal.to_string(),
        malformed_marker_lines: malformed,
    }
}

/// One `malformed-internal-marker` flag per look-alike line of `split`, in
/// the file `path` (relative to the portal root); `record` is the record's
/// id, `None` for a page.
pub fn marker_flags(
    split: &BodySplit,
    path: &str,
    config: &Config,
    record: Option<&str>,
) -> Vec<Flag> {
    split
        .malformed_marker_lines
        .iter()
        .map(|line| {
            super::record::flag_at(
                config,
                Code::MalformedInternalMarker,
                path,
                Position { line: *line, column: 1 },
                "this line looks like the internal marker but is not exactly `<!-- internal -->`; it is treated as the marker, so nothing from this line on is published".to_string(),
                Some("write the marker exactly as `<!-- internal -->` on a line of its own, with nothing before or after it".to_string()),
                record.map(str::to_string),
            )
        })
        .collect()
}

/// A line of a text: its text without the line break, where it starts, and
/// where the next line starts (byte offsets).
pub struct Line<'a> {
    /// The line without its line break.
    pub text: &'a str,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset of the next line.
    pub end_with_break: usize,
}

/// The lines of `text`, ending at LF, CRLF or a bare CR (the line endings of
/// CommonMark and YAML): the one idea of a line that the front-matter split,
/// the key scanner and the marker split share.
pub fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = memchr::memchr2(b'\n', b'\r', &bytes[start..])
            .map_or(bytes.len(), |offset| start + offset);
        let next = match bytes.get(end) {
            Some(b'\r') if bytes.get(end + 1) == Some(&b'\n') => end + 2,
            Some(_) => end + 1,
            None => end,
        };
        let line = Line {
            text: &text[start..end],
            start,
            end_with_break: next,
        };
        start = next;
        Some(line)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MarkerKind {
    None,
    Exact,
    Malformed,
}

/// Whether `line` is the exact marker, a look-alike, or neither. `rest` is
/// the body from the start of the line on, so that a comment opened at the
/// end of the line and continued on the next (`<!--` then `internal`) is seen.
fn marker_kind(line: &str, rest: &str) -> MarkerKind {
    if line == INTERNAL_MARKER {
        return MarkerKind::Exact;
    }
    if !line.contains('<') {
        // Most lines: no comment can open on them (a byte search, cheaper
        // than setting up the substring search below for every line).
        return MarkerKind::None;
    }
    let mut search = 0;
    while let Some(found) = rest[search..line.len()].find("<!--") {
        let after = search + found + "<!--".len();
        if first_word_is_internal(&rest[after..]) {
            return MarkerKind::Malformed;
        }
        search = after;
    }
    MarkerKind::None
}

/// Whether the comment text `after_open` (what follows `<!--`) starts,
/// after dashes, white space and invisible characters (line breaks
/// included), with the word `internal` in any case.
fn first_word_is_internal(after_open: &str) -> bool {
    let text = after_open.trim_start_matches(|c: char| c == '-' || is_blank(c));
    let word: String = text
        .chars()
        .filter(|c| !is_invisible(*c))
        .take_while(|c| c.is_alphanumeric())
        .take(32)
        .collect();
    skeleton(&word) == skeleton("internal")
}

/// `word` as it looks rather than as it is encoded: compatibility forms
/// folded (NFKC: full-width `ｉ`, mathematical letters), lower-cased, and
/// letters that look alike in common fonts made one (Cyrillic `і`, `е`,
/// `а`, `г`, `т`, `п`; Greek `ι`, `τ`, `ε`, `α`, `η`; dotless `ı`; and `l`
/// with `i`), so that a look-alike of `internal` is still the marker.
fn skeleton(word: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    word.nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'l' | 'ı' | 'і' | 'ι' | 'ӏ' | 'ǀ' | 'ɩ' | '|' => 'i',
            'ո' | 'η' | 'п' => 'n',
            'τ' | 'т' => 't',
            'е' | 'ε' | 'ҽ' => 'e',
            'г' => 'r',
            'а' | 'α' | 'ɑ' => 'a',
            other => other,
        })
        .collect()
}

/// White space or a character that renders as nothing.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || is_invisible(c)
}

/// Characters that show nothing: zero-width spaces and joiners, the BOM,
/// bidi marks and isolates, the soft hyphen, invisible operators, and
/// variation selectors.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_exact_marker() {
        let split = split_body("public\n<!-- internal -->\nsecret\n", 5, true);
        assert_eq!(split.public, "public\n");
        assert_eq!(split.internal, "secret\n");
        assert!(split.malformed_marker_lines.is_empty());
    }

    #[test]
    fn malformed_marker_still_hides_and_is_reported() {
        for marker in [
            "<!--internal-->",
            "<!-- Internal -->",
            "  <!-- internal -->",
            "<!--  INTERNAL  -->",
            "<!-- internal links below -->",
            "<!-- internal: ops notes below, do not publish -->",
            "<!-- internal --> Runbook",
            "> <!-- internal -->",
            "- <!-- internal -->",
            "<!---- internal ---->",
            "<!--\u{200B}internal-->",
            "\u{FEFF}<!-- internal -->",
            "<!--\u{00A0}internal\u{00A0}-->",
            "<!-- \u{FF49}\u{FF4E}\u{FF54}\u{FF45}\u{FF52}\u{FF4E}\u{FF41}\u{FF4C} -->",
            "<!-- \u{0456}nternal -->",
            "<!-- int\u{0435}rn\u{0430}l -->",
            "<!-- INTERNAI -->",
            "<!-- \u{1D422}nternal -->",
        ] {
            for eol in ["\n", "\r\n", "\r"] {
                let body = format!("public{eol}{marker}{eol}secret{eol}");
                let split = split_body(&body, 10, true);
                assert_eq!(split.public, format!("public{eol}"), "{marker:?}");
                assert!(split.internal.contains("secret"), "{marker:?}");
                assert_eq!(split.malformed_marker_lines, vec![11], "{marker:?}");
            }
        }
    }

    #[test]
    fn text_after_a_look_alike_stays_internal() {
        let split = split_body("a\n<!-- internal --> RUNBOOK\nb\n", 1, true);
        assert_eq!(split.public, "a\n");
        assert!(split.internal.contains("RUNBOOK") && split.internal.contains('b'));
    }

    #[test]
    fn bare_cr_lines_are_lines() {
        let split = split_body("Public note.\r<!-- internal -->\rSECRET_CR\r", 5, true);
        assert_eq!(split.public, "Public note.\r");
        assert_eq!(split.internal, "SECRET_CR\r");
        assert!(split.malformed_marker_lines.is_empty());
    }

    #[test]
    fn a_comment_opened_on_one_line_and_named_on_the_next_is_a_marker() {
        let split = split_body("a\n<!--\ninternal\n-->\nsecret\n", 1, true);
        assert_eq!(split.public, "a\n");
        assert_eq!(split.malformed_marker_lines, vec![2]);
    }

    #[test]
    fn other_comments_and_words_are_not_markers() {
        for line in [
            "<!-- internally reviewed -->",
            "<!-- note: internal -->",
            "internal notes follow",
            "<!-- todo -->",
        ] {
            let split = split_body(&format!("a\n{line}\nb\n"), 1, true);
            assert!(split.malformed_marker_lines.is_empty(), "{line}");
            assert_eq!(split.internal, "", "{line}");
        }
    }

    #[test]
    fn internal_records_keep_everything_internal() {
        let split = split_body("all\n<!-- internal -->\nsecret\n", 1, false);
        assert_eq!(split.public, "");
        assert!(split.internal.contains("all") && split.internal.contains("secret"));
    }
}
