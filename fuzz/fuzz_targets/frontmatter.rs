//! Front matter split and record parse: bytes -> text -> `---` split -> YAML
//! into `Record` -> body split, then every resulting flag printed as a
//! diagnostic. No input may panic, and the split must be consistent.
#![no_main]

use changeportal::load::frontmatter::{split, strip_bom};
use changeportal::load::{record, Sources};
use changeportal::model::record::is_valid_id;
use changeportal::report;
use changeportal_fuzz::config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = strip_bom(&text);
    check_split(text);
    let outcome = record::parse_str(text, "content/changes/fuzz.md", config());
    if let Some(document) = &outcome.document {
        assert!(is_valid_id(&document.record.id), "invalid id accepted");
        assert!(
            outcome.flags.iter().all(|flag| !flag.code.blocks_build()),
            "a record with a blocking flag was kept"
        );
    } else {
        assert!(
            outcome.flags.iter().any(|flag| flag.code.blocks_build()),
            "a record was dropped without a blocking flag"
        );
    }
    let mut sources = Sources::default();
    if let Some(source) = outcome.source {
        sources.insert(source);
    }
    for flag in &outcome.flags {
        assert!(
            flag.line >= 1 && flag.column >= 1,
            "flag position is not 1-based"
        );
        let shown = report::human_text(flag, &sources);
        assert!(shown.contains(flag.code.as_str()));
    }
    let _ = report::sarif(&outcome.flags, &sources, "");
});

/// The YAML and the body are the text between and after the fences, and the
/// line numbers given for them are right.
fn check_split(text: &str) {
    let Ok(parts) = split(text) else { return };
    let base = text.as_ptr() as usize;
    let yaml_start = parts.yaml.as_ptr() as usize - base;
    let body_start = parts.body.as_ptr() as usize - base;
    assert!(text.starts_with("---"));
    assert!(yaml_start + parts.yaml.len() <= body_start);
    assert_eq!(body_start + parts.body.len(), text.len());
    // Lines end at LF, CRLF or a bare CR (SPEC section 2).
    let lines_before = |offset: usize| {
        let before = &text[..offset];
        before.matches('\n').count() + before.matches('\r').count() - before.matches("\r\n").count()
            + 1
    };
    assert_eq!(parts.yaml_first_line, lines_before(yaml_start));
    // A closing fence without a newline ends the file: the (empty) body
    // would start on the next line.
    let fence_unterminated = !text[..body_start].ends_with(['\n', '\r']);
    assert_eq!(
        parts.body_first_line,
        lines_before(body_start) + usize::from(fence_unterminated)
    );
}
