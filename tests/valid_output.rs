//! Output that validates everywhere (SPEC sections 2, 4, 5): the cases under
//! `tests/cases/` built into temp folders and read back, then each family:
//! invalid characters in every place a record or page can hold them, links
//! of every form in feed items, headings and footnotes that repeat, tables
//! with every alignment.

mod common;

use changeportal::render::markdown::{to_feed_html, to_html, to_html_on_page, PageIds};
use common::site::{attribute_values, html_files};
use common::{run_in, TempPortal};
use proptest::prelude::*;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The reference instant of the cases.
const NOW: &str = "2026-11-24";

/// One line of `check --format json`.
#[derive(Debug, Deserialize)]
struct Reported {
    code: String,
    level: String,
    file: String,
    line: usize,
    column: usize,
}

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name)
}

/// `check --format json` of the portal at `root`: flags and exit code.
fn check(root: &Path) -> (Vec<Reported>, i32) {
    let output = run_in(
        root,
        &[
            "check",
            "--root",
            &root.to_string_lossy(),
            "--now",
            NOW,
            "--format",
            "json",
        ],
    );
    let flags = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    (flags, output.status.code().expect("exit code"))
}

/// Builds the portal at `root` (with `extra` arguments) into a temp folder;
/// returns the folder (keep it alive), `out` and the exit code.
fn build(root: &Path, extra: &[&str]) -> (tempfile::TempDir, PathBuf, i32) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let root_arg = root.to_string_lossy();
    let out_arg = out.to_string_lossy();
    let mut args = vec![
        "build", "--root", &root_arg, "--out", &out_arg, "--now", NOW,
    ];
    args.extend(extra);
    let output = run_in(root, &args);
    let code = output.status.code().expect("exit code");
    (dir, out, code)
}

/// Builds and asserts success.
fn build_ok(root: &Path) -> (tempfile::TempDir, PathBuf) {
    let (dir, out, code) = build(root, &[]);
    assert_eq!(code, 0, "build of {} failed", root.display());
    (dir, out)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file below `dir`.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.is_file())
        .collect()
}

/// Every feed (`*.xml` but the sitemap) of a public site.
fn feeds(public: &Path) -> Vec<PathBuf> {
    all_files(public)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xml") && !p.ends_with("sitemap.xml"))
        .collect()
}

/// XML 1.0 `Char` (independent of the crate's own rule), and neither a C1
/// control, DEL nor a non-character (which SPEC section 4 also forbids).
fn allowed_in_output(c: char) -> bool {
    let code = u32::from(c);
    let xml_char =
        matches!(code, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF);
    let c1_or_del = (0x7F..=0x9F).contains(&code);
    let nonchar = (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE;
    xml_char && !c1_or_del && !nonchar
}

/// Asserts that no file of `out` holds a character [`allowed_in_output`]
/// refuses.
fn assert_no_invalid_characters(out: &Path) {
    for path in all_files(out) {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        if let Some(c) = text.chars().find(|c| !allowed_in_output(*c)) {
            panic!("{} holds U+{:04X}", path.display(), u32::from(c));
        }
    }
}

/// Asserts that every feed parses: with feed-rs and as well-formed XML
/// (quick-xml reads every event to the end).
fn assert_feeds_parse(public: &Path) {
    let feeds = feeds(public);
    assert!(!feeds.is_empty());
    for feed in feeds {
        let bytes = std::fs::read(&feed).unwrap();
        feed_rs::parser::parse(bytes.as_slice())
            .unwrap_or_else(|e| panic!("feed-rs: {}: {e}", feed.display()));
        let mut reader = quick_xml::Reader::from_reader(bytes.as_slice());
        let mut buffer = Vec::new();
        loop {
            match reader.read_event_into(&mut buffer) {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => buffer.clear(),
                Err(e) => panic!("XML: {}: {e}", feed.display()),
            }
        }
    }
}

/// The `id` values of a page, each of which must be unique, without
/// whitespace.
fn assert_ids_valid(html: &str, page: &str) -> Vec<String> {
    let ids = attribute_values(html, &["id"]);
    let mut seen = HashSet::new();
    for id in &ids {
        assert!(seen.insert(id.clone()), "{page}: id `{id}` twice");
        assert!(
            !id.is_empty() && !id.contains(char::is_whitespace),
            "{page}: bad id `{id}`"
        );
    }
    ids
}

// ---------------------------------------------------------------- cases

#[test]
fn feed_control_char_is_flagged_and_kept_out_of_every_output() {
    let root = case("feed-control-char");
    let (flags, code) = check(&root);
    assert_eq!(code, 1);
    let flag = flags
        .iter()
        .find(|f| f.code == "invalid-character")
        .expect("invalid-character");
    assert_eq!(
        (
            flag.level.as_str(),
            flag.file.as_str(),
            flag.line,
            flag.column
        ),
        ("deny", "content/changes/CHG-0003.md", 13, 29)
    );
    let (_strict_dir, _, strict) = build(&root, &["--strict"]);
    assert_eq!(strict, 1);
    let (_dir, out) = build_ok(&root);
    assert_feeds_parse(&out.join("public"));
    assert_no_invalid_characters(&out);
    let page = read(&out.join("public/changes/chg-0003/index.html"));
    assert!(page.contains("twice as fast \u{fffd} for large accounts"));
}

#[test]
fn diagnostic_terminal_escape_value_is_an_invalid_character_at_its_field() {
    let root = case("diagnostic-terminal-escape");
    let (flags, code) = check(&root);
    assert_eq!(code, 1);
    let flag = flags
        .iter()
        .find(|f| f.code == "invalid-character")
        .expect("invalid-character");
    assert_eq!(
        (flag.level.as_str(), flag.file.as_str(), flag.line),
        ("deny", "content/changes/CHG-0001.md", 12)
    );
    assert!(flags.iter().any(|f| f.code == "approval-after-deploy"));
    let (_dir, out) = build_ok(&root);
    assert_no_invalid_characters(&out);
}

#[test]
fn feed_relative_link_is_absolute_in_every_feed_and_relative_on_the_page() {
    let (_dir, out) = build_ok(&case("feed-relative-link"));
    let public = out.join("public");
    for feed in ["feed.xml", "feeds/standard.xml"] {
        let xml = read(&public.join(feed));
        assert!(
            xml.contains("href=\"https://changes.example.com/changes/chg-0001/\""),
            "{feed}: {xml}"
        );
        assert!(!xml.contains("href=\"../chg-0001/\""), "{feed}");
    }
    let page = read(&public.join("changes/chg-0002/index.html"));
    assert!(page.contains("href=\"../chg-0001/\""));
    assert_feeds_parse(&public);
}

#[test]
fn heading_id_collision_gets_distinct_ids_and_the_link_reaches_its_heading() {
    let (_dir, out) = build_ok(&case("heading-id-collision"));
    let public = read(&out.join("public/changes/chg-0004/index.html"));
    for expected in [
        "<h2 id=\"sec-impact\">Impact</h2>",
        "<h2 id=\"sec-impact-2\">Impact</h2>",
        "<h2 id=\"sec-impact-1\">Impact 1</h2>",
    ] {
        assert!(public.contains(expected), "{expected} missing");
    }
    assert!(public.contains("href=\"#sec-impact-1\""));
    assert_ids_valid(&public, "public");
    assert_fragments_resolve(&public, "public");
    let internal = read(&out.join("internal/changes/chg-0004.html"));
    for expected in [
        "<h2 id=\"public-impact\">Impact</h2>",
        "<h2 id=\"public-impact-2\">Impact</h2>",
        "<h2 id=\"public-impact-1\">Impact 1</h2>",
    ] {
        assert!(internal.contains(expected), "{expected} missing");
    }
    // The body's own link reaches "Impact 1" on the internal page too.
    assert!(internal.contains("href=\"#public-impact-1\""));
    assert_ids_valid(&internal, "internal");
    assert_fragments_resolve(&internal, "internal");
}

/// Every fragment-only link of `html` names an id of the page.
fn assert_fragments_resolve(html: &str, page: &str) {
    let ids: std::collections::HashSet<String> =
        attribute_values(html, &["id"]).into_iter().collect();
    for href in attribute_values(html, &["href"]) {
        if let Some(fragment) = href.strip_prefix('#') {
            assert!(ids.contains(fragment), "{page}: dead link #{fragment}");
        }
    }
}

#[test]
fn footnote_label_space_gives_an_id_without_spaces_that_the_reference_reaches() {
    let (_dir, out) = build_ok(&case("footnote-label-space"));
    for page in [
        "public/changes/chg-0005/index.html",
        "internal/changes/chg-0005.html",
    ] {
        let html = read(&out.join(page));
        assert!(html.contains("id=\"fn-shared-devices\""), "{page}");
        assert!(html.contains("href=\"#fn-shared-devices\""), "{page}");
        for value in attribute_values(&html, &["id", "href"]) {
            assert!(!value.contains(char::is_whitespace), "{page}: `{value}`");
        }
        assert_ids_valid(&html, page);
    }
}

#[test]
fn table_align_csp_uses_classes_that_both_stylesheets_define() {
    let (_dir, out) = build_ok(&case("table-align-csp"));
    for page in [
        "public/changes/chg-0010/index.html",
        "internal/changes/chg-0010.html",
    ] {
        let html = read(&out.join(page));
        assert!(!html.contains("style="), "{page} has a style attribute");
        assert!(
            html.contains("<td class=\"align-right\">9.00</td>"),
            "{page}"
        );
        assert!(
            html.contains("<th class=\"align-right\">Price (EUR)</th>"),
            "{page}"
        );
        assert!(
            html.contains("<td class=\"align-left\">Basic</td>"),
            "{page}"
        );
    }
    for css in ["public/static/style.css", "internal/style.css"] {
        let css = read(&out.join(css));
        for align in ["left", "center", "right"] {
            assert!(
                css.contains(&format!(
                    ".prose td.align-{align} {{ text-align: {align}; }}"
                )),
                "no rule for align-{align}"
            );
        }
    }
}

/// The Nu HTML Checker reports no error over both sites of every case.
#[test]
fn every_case_builds_valid_html() {
    let dir = tempfile::tempdir().unwrap();
    let mut builds = Vec::new();
    for name in [
        "feed-control-char",
        "feed-relative-link",
        "heading-id-collision",
        "footnote-label-space",
        "table-align-csp",
        "diagnostic-terminal-escape",
    ] {
        let (build_dir, out) = build_ok(&case(name));
        for file in html_files(&out) {
            let html = read(&file);
            assert_ids_valid(&html, &file.to_string_lossy());
            assert!(!html.contains(" style=\""), "{}", file.display());
        }
        let target = dir.path().join(name);
        std::fs::rename(&out, &target).unwrap_or_else(|_| {
            copy_dir(&out, &target);
        });
        builds.push(build_dir);
    }
    common::tools::assert_nu_html_valid(dir.path());
}

fn copy_dir(from: &Path, to: &Path) {
    for file in all_files(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}

// ------------------------------------------------- invalid characters

/// One code point of each forbidden class.
const INVALID: &[char] = &[
    '\u{1}',
    '\u{8}',
    '\u{b}',
    '\u{c}',
    '\u{10}',
    '\u{1b}',
    '\u{1f}',
    '\u{7f}',
    '\u{85}',
    '\u{9f}',
    '\u{fdd0}',
    '\u{fdef}',
    '\u{fffe}',
    '\u{ffff}',
    '\u{1fffe}',
    '\u{10ffff}',
];

/// Characters that look close but are allowed.
const ALLOWED: &[char] = &[
    '\t', '\u{a0}', '\u{fffd}', '\u{200b}', '\u{fdcf}', '\u{fdf0}',
];

/// A public record whose title, summary, approval note and body line can
/// each carry a character; the line of each is fixed.
fn record_with(id: &str, title: &str, summary: &str, note: &str, body: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: \"{title}\"\ntype: feature\nclass: standard\nstatus: deployed\nvisibility: public\nsummary: {summary}\nauthor: Sam Writer\ncreated: 2026-01-01\ndeployed: 2026-03-01T10:30:00Z\napprovals:\n  - by: Alice Chen\n    role: engineering\n    decision: approve\n    at: 2026-01-10T09:00:00Z\n    note: {note}\n---\n{body}\n\n<!-- internal -->\nInternal.\n"
    )
}

/// Where a character goes, the text that carries it and the expected
/// (line, column) of the flag.
struct Placement {
    name: &'static str,
    make: fn(&str, &str) -> String,
    line: usize,
    column: usize,
}

/// Every place a record or page holds text, raw and (in a double-quoted
/// value) as a YAML escape. `make(id, text)` gives the file.
fn placements() -> Vec<Placement> {
    vec![
        Placement {
            name: "title",
            make: |id, t| record_with(id, &format!("A{t}b"), "S.", "N.", "Body."),
            line: 3,
            column: 10,
        },
        Placement {
            name: "summary",
            make: |id, t| record_with(id, "T", &format!("Sum{t}mary."), "N.", "Body."),
            line: 8,
            column: 13,
        },
        Placement {
            name: "approval-note",
            make: |id, t| record_with(id, "T", "S.", &format!("ok{t}"), "Body."),
            line: 17,
            column: 13,
        },
        Placement {
            name: "body",
            make: |id, t| record_with(id, "T", "S.", "N.", &format!("Line one.\nTwo é{t}.")),
            line: 20,
            column: 6,
        },
        Placement {
            name: "body-crlf",
            make: |id, t| record_with(id, "T", "S.", "N.", &format!("Line one.\r\nTwo é{t}.\r\n")),
            line: 20,
            column: 6,
        },
    ]
}

/// The escape that writes `c` in a double-quoted YAML scalar.
fn yaml_escape(c: char) -> String {
    let code = u32::from(c);
    if code > 0xFFFF {
        format!("\\U{code:08X}")
    } else {
        format!("\\u{code:04X}")
    }
}

#[test]
fn every_invalid_character_in_every_place_is_flagged_and_absent_from_every_output() {
    let portal = TempPortal::with_config(common::PORTAL_YAML);
    let mut expected: Vec<(String, usize, usize)> = Vec::new();
    for (n, c) in INVALID.iter().enumerate() {
        for placement in placements() {
            let id = format!("R-{n}-{}", placement.name);
            let file = format!("{id}.md");
            portal.record(&file, &(placement.make)(&id, &c.to_string()));
            expected.push((
                format!("content/changes/{file}"),
                placement.line,
                placement.column,
            ));
        }
        // Written as an escape in the double-quoted title: flagged at the key.
        let id = format!("E-{n}");
        portal.record(
            &format!("{id}.md"),
            &record_with(&id, &format!("A{}b", yaml_escape(*c)), "S.", "N.", "Body."),
        );
        expected.push((format!("content/changes/{id}.md"), 3, 1));
        // A page: title (raw, in the front matter) and body.
        portal.write(
            &format!("content/pages/p{n}.md"),
            format!("---\ntitle: Page {c} title\n---\nText {c}.\n").as_bytes(),
        );
        expected.push((format!("content/pages/p{n}.md"), 2, 13));
        expected.push((format!("content/pages/p{n}.md"), 4, 6));
    }
    for (n, c) in ALLOWED.iter().enumerate() {
        let id = format!("OK-{n}");
        portal.record(
            &format!("{id}.md"),
            &record_with(
                &id,
                &format!("A{c}b"),
                "S.",
                &format!("ok{c}"),
                &format!("B{c}."),
            ),
        );
    }
    let (flags, code) = check(portal.root());
    assert_eq!(code, 1);
    let mut found: Vec<(String, usize, usize)> = flags
        .iter()
        .filter(|f| f.code == "invalid-character")
        .inspect(|f| assert_eq!(f.level, "deny"))
        .map(|f| (f.file.clone(), f.line, f.column))
        .collect();
    let others: Vec<&Reported> = flags
        .iter()
        .filter(|f| f.code != "invalid-character")
        .collect();
    assert!(others.is_empty(), "other flags: {others:#?}");
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
    let (_dir, out) = build_ok(portal.root());
    assert_no_invalid_characters(&out);
    assert_feeds_parse(&out.join("public"));
    let exported = read(&out.join("internal/export/changes.json"));
    assert!(exported.contains("A\u{fffd}b"));
}

// ---------------------------------------------------------- feed links

#[test]
fn feed_links_of_every_form_resolve_against_the_record_page() {
    let page = "https://changes.test.example/changes/chg-7/";
    let table = [
        (
            "[a](../chg-1/)",
            "href=\"https://changes.test.example/changes/chg-1/\"",
        ),
        (
            "![i](./img.png)",
            "src=\"https://changes.test.example/changes/chg-7/img.png\"",
        ),
        (
            "[a](/abs/path)",
            "href=\"https://changes.test.example/abs/path\"",
        ),
        (
            "[a](?q=1)",
            "href=\"https://changes.test.example/changes/chg-7/?q=1\"",
        ),
        (
            "[a](#frag)",
            "href=\"https://changes.test.example/changes/chg-7/#frag\"",
        ),
        (
            "[a](//cdn.test.example/x)",
            "href=\"https://cdn.test.example/x\"",
        ),
        (
            "[a](https://other.example/y)",
            "href=\"https://other.example/y\"",
        ),
        (
            "[a](mailto:ops@test.example)",
            "href=\"mailto:ops@test.example\"",
        ),
        (
            "[a](javascript:alert(1))",
            "href=\"https://changes.test.example/changes/chg-7/#\"",
        ),
        (
            "[a](data:text/html,x)",
            "href=\"https://changes.test.example/changes/chg-7/#\"",
        ),
        ("[a]()", &format!("href=\"{page}\"")),
        (
            "<a href=\"../raw/\">r</a>",
            "href=\"https://changes.test.example/changes/raw/\"",
        ),
        (
            "<img src=\"pic.png\" alt=\"p\">",
            "src=\"https://changes.test.example/changes/chg-7/pic.png\"",
        ),
        (
            "<a href=\"ftp://x.example/\">f</a>",
            "<a rel=\"noopener noreferrer\">f</a>",
        ),
        (
            "Note[^n].\n\n[^n]: Text.",
            "href=\"https://changes.test.example/changes/chg-7/#fn-n\"",
        ),
        (
            "Note[^n]. <b>raw</b>\n\n[^n]: Text.",
            "href=\"https://changes.test.example/changes/chg-7/#fn-n\"",
        ),
    ];
    for (markdown, expected) in table {
        let html = to_feed_html(markdown, page);
        assert!(html.contains(expected), "{markdown}: {html}");
        for value in attribute_values(&html, &["href", "src"]) {
            assert!(
                value.starts_with("https://") || value.starts_with("mailto:"),
                "{markdown}: relative or unsafe `{value}` in {html}"
            );
        }
    }
    // The page itself keeps links as written.
    let html = to_html("[a](../chg-1/) [b](#frag)", "sec-");
    assert!(html.contains("href=\"../chg-1/\"") && html.contains("href=\"#frag\""));
}

// ------------------------------------------------- headings, footnotes

#[test]
fn repeated_headings_take_suffixes_no_other_heading_claims() {
    let mut ids = PageIds::new(["main".to_string(), "sec-x".to_string()]);
    let html = to_html_on_page(
        "# Impact\n## Impact\n## Impact 1\n## Impact\n## Impact 2\n# X\n# Main\n#  \n# ???\n# Été à Zürich",
        "sec-",
        &mut ids,
    );
    let found = attribute_values(&html, &["id"]);
    assert_eq!(
        found,
        vec![
            "sec-impact",
            "sec-impact-3",
            "sec-impact-1",
            "sec-impact-4",
            "sec-impact-2",
            "sec-x-1",
            "sec-main",
            "sec-section",
            "sec-section-1",
            "sec-été-à-zürich",
        ]
    );
    // The next fragment of the same page avoids them all.
    let next = to_html_on_page("# Impact\n\nA[^impact].\n\n[^impact]: B.", "sec-", &mut ids);
    assert_eq!(
        attribute_values(&next, &["id"]),
        vec!["sec-impact-5", "fn-impact"]
    );
}

#[test]
fn footnote_ids_are_unique_on_a_page_and_labels_match_like_commonmark() {
    let mut ids = PageIds::default();
    let public = to_html_on_page(
        "One[^Shared  Devices], two[^x].\n\n[^shared devices]: A.\n\n[^x]: B.\n",
        "public-",
        &mut ids,
    );
    assert!(
        public.contains("<a href=\"#fn-shared-devices\">1</a>"),
        "{public}"
    );
    assert!(public.contains("<a href=\"#fn-x\">2</a>"), "{public}");
    assert!(public.contains("id=\"fn-shared-devices\""));
    let internal = to_html_on_page("Three[^x].\n\n[^x]: C.\n", "internal-", &mut ids);
    assert!(internal.contains("href=\"#fn-x-1\"") && internal.contains("id=\"fn-x-1\""));
    // Raw HTML ids never reach the page: they could repeat one of its ids.
    let raw = to_html_on_page(
        "<p id=\"fn-x\">raw</p>\n\n# Head\n\nN[^a].\n\n[^a]: D.\n",
        "raw-",
        &mut ids,
    );
    assert_eq!(attribute_values(&raw, &["id"]), vec!["raw-head", "fn-a"]);
    assert!(raw.contains("class=\"footnote-definition\""));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random headings (repeats, numeric suffixes, unicode, empty) and
    /// footnote labels, in two fragments of one page with theme ids: every
    /// id unique, without whitespace, never a theme id, and every footnote
    /// reference reaching a definition.
    #[test]
    fn ids_are_unique_and_space_free(
        headings in prop::collection::vec(
            prop::sample::select(vec!["Impact", "Impact 1", "impact-1", "Impact 2", "", "  ", "Ünïcödé", "日本", "a b", "A  B", "-", "main", "1", "fn x"]),
            0..12,
        ),
        labels in prop::collection::vec(
            prop::sample::select(vec!["1", "a b", "A B", "shared devices", "x", "fn", "日本", "Impact"]),
            0..6,
        ),
    ) {
        let theme = ["main", "sec-impact", "fn-x", "fields"];
        let mut ids = PageIds::new(theme.iter().map(|s| s.to_string()));
        let mut markdown = String::new();
        for heading in &headings {
            markdown.push_str(&format!("## {heading}\n\n"));
        }
        for (n, label) in labels.iter().enumerate() {
            markdown.push_str(&format!("Ref {n}[^{label}].\n\n[^{label}]: Note {n}.\n\n"));
        }
        let first = to_html_on_page(&markdown, "sec-", &mut ids);
        let second = to_html_on_page(&markdown, "", &mut ids);
        let html = format!("{first}{second}");
        let found = attribute_values(&html, &["id"]);
        let mut seen = HashSet::new();
        for id in &found {
            prop_assert!(seen.insert(id.clone()), "duplicate {} in {}", id, html);
            prop_assert!(!id.is_empty() && !id.contains(char::is_whitespace));
            prop_assert!(!theme.contains(&id.as_str()), "theme id {}", id);
            prop_assert!(ids.contains(id));
        }
        for href in attribute_values(&html, &["href"]) {
            let target = href.strip_prefix('#').unwrap_or(&href);
            prop_assert!(seen.contains(target), "dangling {}", href);
        }
    }
}

// ---------------------------------------------------------------- tables

#[test]
fn every_alignment_is_a_class_and_no_style_survives() {
    let html = to_html(
        "| n | l | c | r |\n|---|:--|:-:|--:|\n| 1 | 2 | 3 | 4 |\n| 5 |\n",
        "",
    );
    assert!(html.contains("<th>n</th><th class=\"align-left\">l</th><th class=\"align-center\">c</th><th class=\"align-right\">r</th>"), "{html}");
    assert!(html.contains("<td>1</td><td class=\"align-left\">2</td><td class=\"align-center\">3</td><td class=\"align-right\">4</td>"), "{html}");
    assert!(!html.contains("style"));
    // Through the sanitizer: raw style attributes and foreign classes go,
    // the align classes stay.
    let raw = to_html(
        "| a | b |\n|--:|---|\n| <span style=\"color:red\">1</span> | 2 |\n\n<table><tr><td style=\"text-align:right\" class=\"align-right evil\">x</td></tr></table>\n",
        "",
    );
    assert!(!raw.contains("style"), "{raw}");
    assert!(!raw.contains("evil"), "{raw}");
    assert!(raw.contains("<th class=\"align-right\">a</th>"), "{raw}");
    assert!(raw.contains("<td class=\"align-right\">x</td>"), "{raw}");
    // Obsolete presentational attributes (invalid HTML5) are dropped.
    let obsolete = to_html(
        "<table summary=\"s\" align=\"center\"><tr valign=\"top\"><td align=\"center\" char=\".\" charoff=\"2\">x</td></tr></table>\n\n<hr size=\"3\" width=\"50%\">\n",
        "",
    );
    for attribute in [
        "align=", "valign=", "char=", "charoff=", "summary=", "size=", "width=",
    ] {
        assert!(!obsolete.contains(attribute), "{attribute} in {obsolete}");
    }
    assert!(obsolete.contains("<td>x</td>"), "{obsolete}");
}

/// Markdown decodes numeric character references, so `&#x10;` in a body or
/// page is the same invalid character as the raw byte: flagged at the `&`,
/// and no output holds what it decodes to.
#[test]
fn numeric_references_to_invalid_characters_are_flagged_and_never_output() {
    let portal = TempPortal::new();
    let record = common::normal_record("CHG-1").replace(
        "Invoice search is now faster.\n\n<!-- internal -->",
        "Faster &#x10; search &#1; [x &#X7F; y](https://x.example/ \"t&#16;\").\n\n<!-- internal -->",
    );
    portal.record("a.md", &record);
    portal.write(
        "content/pages/about.md",
        b"---\ntitle: About\n---\nA &#x10; B and &#9; tab and &#x41; letter.\n",
    );
    let (flags, code) = check(portal.root());
    assert_eq!(code, 1);
    let text = record.lines().find(|l| l.starts_with("Faster")).unwrap();
    let line = record
        .lines()
        .position(|l| l.starts_with("Faster"))
        .unwrap()
        + 1;
    let columns: Vec<usize> = text
        .match_indices("&#")
        .map(|(at, _)| text[..at].chars().count() + 1)
        .collect();
    let invalid: Vec<(String, usize, usize)> = flags
        .iter()
        .filter(|f| f.code == "invalid-character")
        .map(|f| (f.file.clone(), f.line, f.column))
        .collect();
    assert_eq!(
        invalid,
        columns
            .iter()
            .map(|column| ("content/changes/a.md".to_string(), line, *column))
            .chain([("content/pages/about.md".to_string(), 4, 3)])
            .collect::<Vec<_>>()
    );
    let (_dir, out, code) = build(portal.root(), &[]);
    assert_eq!(code, 0);
    for file in all_files(&out) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        let bad: Vec<char> = text.chars().filter(|c| !allowed_in_output(*c)).collect();
        assert!(bad.is_empty(), "{}: {bad:?}", file.display());
    }
}
