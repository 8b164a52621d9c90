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

/// For any body: public + marker line + internal == body, and the public part
/// holds no marker-like line.
fn check_consistent(body: &str, is_public: bool) {
    let split = split_body(body, 7, is_public);
    let line_count = body.split_inclusive('\n').count();
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
    let middle_end = body.len() - split.internal.len();
    assert!(split.public.len() <= middle_end);
    let middle = &body[split.public.len()..middle_end];
    if middle.is_empty() {
        assert!(split.internal.is_empty(), "internal text without a marker");
    } else {
        assert!(
            looks_like_marker(middle),
            "split at a non-marker line {middle:?}"
        );
    }
    for line in split.public.lines() {
        assert!(
            !looks_like_marker(line),
            "marker-like line published: {line:?}"
        );
    }
}

/// Independent oracle for SPEC section 2: a line holding an HTML comment
/// opener that, without whitespace and case, reads `<!--internal-->` (or is
/// within two characters of it).
fn looks_like_marker(line: &str) -> bool {
    if !line.contains("<!--") {
        return false;
    }
    let squeezed: String = line
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    squeezed == "<!--internal-->"
        || (squeezed.starts_with("<!--internal") && squeezed.len() <= "<!--internal-->".len() + 2)
}
