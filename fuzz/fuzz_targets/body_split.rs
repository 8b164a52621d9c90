//! The internal-marker split. Invariants: the public part is a prefix of the
//! body and never holds the marker or a look-alike, nor any text that was
//! below the first one; internal records publish nothing.
#![no_main]

use changeportal::load::body::split_body;
use libfuzzer_sys::fuzz_target;

/// Text placed below a marker: it must never reach the public part.
const CANARY: &str = "CANARY-BELOW-THE-MARKER";

/// The exact marker and look-alikes the build must treat as the marker.
const MARKERS: &[&str] = &[
    "<!-- internal -->",
    "<!--internal-->",
    "<!-- Internal -->",
    "<!--  INTERNAL  -->",
    "  <!-- internal -->",
    "<!-- internal -->  ",
    "<!-- internal -->\r",
    "\t<!-- internal:-->",
    "<!-- internal ->",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    check_consistent(&text, selector & 0x80 == 0);
    if text.contains(CANARY) {
        return;
    }
    let marker = MARKERS[usize::from(selector & 0x7f) % MARKERS.len()];
    let body = format!("{text}\n{marker}\n{CANARY}\n{text}");
    let split = split_body(&body, 1, true);
    assert!(
        !split.public.contains(CANARY),
        "text below a marker was published"
    );
    let hidden = split_body(&body, 1, false);
    assert!(
        hidden.public.is_empty(),
        "an internal record published its body"
    );
    assert_eq!(hidden.internal, body);
});

/// For any body: the public part is a prefix, the internal part a suffix,
/// and between them is nothing (a look-alike: its line starts the internal
/// part) or the exact marker line; the public part holds no marker-like
/// comment; flagged lines are lines of the body.
fn check_consistent(body: &str, is_public: bool) {
    let split = split_body(body, 7, is_public);
    let line_count = line_count(body);
    assert!(split
        .malformed_marker_lines
        .windows(2)
        .all(|pair| pair[0] < pair[1]));
    assert!(split
        .malformed_marker_lines
        .iter()
        .all(|line| (7..7 + line_count).contains(line)));
    if !is_public {
        assert!(split.public.is_empty());
        assert_eq!(split.internal, body);
        return;
    }
    assert!(body.starts_with(&split.public));
    assert!(body.ends_with(&split.internal));
    assert!(split.public.len() + split.internal.len() <= body.len());
    let middle = &body[split.public.len()..body.len() - split.internal.len()];
    if middle.is_empty() {
        if !split.internal.is_empty() {
            let first = split.internal.split(['\n', '\r']).next().unwrap_or("");
            assert!(
                first.contains("<!--"),
                "split at a non-marker line {first:?}"
            );
        }
    } else {
        assert_eq!(
            middle.trim_end_matches(['\r', '\n']),
            "<!-- internal -->",
            "split at a non-marker line"
        );
    }
    assert!(
        !holds_marker_like_comment(&split.public),
        "marker-like comment published: {:?}",
        split.public
    );
}

/// Lines of `text`, ending at LF, CRLF or a bare CR.
fn line_count(text: &str) -> usize {
    let breaks =
        text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count();
    let last_open = !text.is_empty() && !text.ends_with(['\n', '\r']);
    breaks + usize::from(last_open)
}

/// Independent oracle for SPEC section 2 (a subset of the rule: no
/// invisible characters or look-alike letters): an HTML comment opener
/// followed, after dashes and white space, by the word `internal` in any
/// ASCII case, ended by white space or ASCII punctuation.
fn holds_marker_like_comment(text: &str) -> bool {
    text.match_indices("<!--").any(|(at, opener)| {
        let rest =
            text[at + opener.len()..].trim_start_matches(|c: char| c == '-' || c.is_whitespace());
        let word: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
        let after = rest[word.len()..].chars().next();
        let ends = after.is_none_or(|c| c.is_ascii_punctuation() || c.is_whitespace());
        word.eq_ignore_ascii_case("internal") && ends
    })
}
