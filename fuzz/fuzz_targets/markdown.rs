//! Markdown to HTML sanitization. Invariant: whatever the body, the HTML has
//! no forbidden tag (`<script>`, `<iframe>`...), no `on*` event handler
//! attribute and no `javascript:`/`vbscript:`/`data:` URL, as judged by an
//! independent tokenizer.
#![no_main]

use changeportal::render::markdown::{slugify, to_html, to_text};
use changeportal_fuzz::html_check::body_problems;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let markdown = String::from_utf8_lossy(data);
    let html = to_html(&markdown, "p-");
    let problems = body_problems(&html);
    assert!(
        problems.is_empty(),
        "unsafe HTML {problems:?}\n--- markdown ---\n{markdown}\n--- html ---\n{html}"
    );
    let _ = to_text(&markdown);
    let slug = slugify(&markdown);
    assert!(!slug.is_empty() && !slug.contains(['/', '\\', '<', '>', '"', '\'', ' ']));
});
