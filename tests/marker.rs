//! The internal marker fails closed (SPEC section 2): the cases of the
//! hostile-input issue, and a generated family of look-alikes (spellings x
//! prefixes x invisible characters x line endings) in records and pages.

mod common;

use common::cases::{build, check, copy_case, files_containing};
use common::{stderr, stdout, TempPortal};
use serde_json::Value;
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The JSON flags of `check --format json`.
fn json_flags(root: &Path, now: &str) -> Vec<Value> {
    let output = common::run_in(
        root,
        &[
            "check",
            "--root",
            &root.to_string_lossy(),
            "--now",
            now,
            "--format",
            "json",
        ],
    );
    stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("json flag"))
        .collect()
}

/// Asserts the case raises exactly one malformed marker flag at `file:line:1`.
fn assert_malformed_at(root: &Path, file: &str, line: u64) {
    let output = check(root, "2026-11-24");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let flags = json_flags(root, "2026-11-24");
    let marker: Vec<&Value> = flags
        .iter()
        .filter(|f| f["code"] == "malformed-internal-marker")
        .collect();
    assert_eq!(marker.len(), 1, "{flags:?}");
    assert_eq!(marker[0]["level"], "deny");
    assert_eq!(marker[0]["file"], file);
    assert_eq!(marker[0]["line"], line);
    assert_eq!(marker[0]["column"], 1);
}

#[test]
fn case_marker_annotated() {
    let (_guard, root) = copy_case("marker-annotated");
    assert_malformed_at(&root, "content/changes/CHG-0011.md", 15);
    let out = root.join("out");
    build(&root, &out, "2026-11-24", &[]);
    assert!(files_containing(&out.join("public"), "smtp-relay-3").is_empty());
    assert!(files_containing(&out.join("public"), "vault").is_empty());
    let page = read(&out.join("public/changes/chg-0011/index.html"));
    assert!(page.contains("Invoice emails now go out within a minute of the invoice being issued."));
    let internal = read(&out.join("internal/changes/chg-0011.html"));
    assert!(internal.contains("smtp-relay-3"));
}

#[test]
fn case_marker_text_after() {
    let (_guard, root) = copy_case("marker-text-after");
    assert_malformed_at(&root, "content/changes/CHG-0001.md", 15);
    let out = root.join("out");
    build(&root, &out, "2026-06-01", &[]);
    assert!(files_containing(&out.join("public"), "SECRET_SAMELINE").is_empty());
    let page = read(&out.join("public/changes/chg-0001/index.html"));
    assert!(page.contains("Public note."));
    let internal = read(&out.join("internal/changes/chg-0001.html"));
    assert!(internal.contains("SECRET_SAMELINE"));
}

#[test]
fn case_marker_bare_cr() {
    let (_guard, root) = copy_case("marker-bare-cr");
    let output = check(&root, "2026-06-01");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("no deny-level flags"));
    let out = root.join("out");
    let built = build(&root, &out, "2026-06-01", &[]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(files_containing(&out.join("public"), "SECRET_CR").is_empty());
    let page = read(&out.join("public/changes/chg-0001/index.html"));
    assert!(page.contains("Public note."));
    let internal = read(&out.join("internal/changes/chg-0001.html"));
    assert!(internal.contains("SECRET_CR"));
}

#[test]
fn case_page_marker() {
    let (_guard, root) = copy_case("page-marker");
    let output = check(&root, "2026-06-01");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = root.join("out");
    let built = build(&root, &out, "2026-06-01", &[]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(files_containing(&out.join("public"), "PAGE_SECRET").is_empty());
    let page = read(&out.join("public/about/index.html"));
    assert!(page.contains("We publish every customer-facing change here."));
}

const SPELLINGS: &[&str] = &[
    "<!-- internal -->",
    "<!--internal-->",
    "<!-- INTERNAL -->",
    "<!-- Internal: ops notes below, do not publish -->",
    "<!--- internal --->",
    "<!---- internal ---->",
    "<!--\tinternal\t-->",
    "<!--   internal   -->",
    "<!-- internal ->",
    "<!-- internal",
    "<!-- internal --> SAMELINE",
    "<!--\ninternal\n-->",
];

const PREFIXES: &[&str] = &["", "   ", "> ", ">> ", "- ", "* ", "1. ", "    "];

const INVISIBLES: &[&str] = &[
    "", "\u{200B}", "\u{FEFF}", "\u{200E}", "\u{00A0}", "\u{2060}", "\u{202F}", "\u{00AD}",
];

const LINE_ENDINGS: &[&str] = &["\n", "\r\n", "\r"];

/// One generated look-alike: its marker line and whether it is exactly the
/// marker.
struct Variant {
    line: String,
    eol: &'static str,
    exact: bool,
}

/// Every spelling with every line ending, and the other dimensions cycled
/// through (prefixes, invisible characters before the word or the line).
fn variants() -> Vec<Variant> {
    let mut all = Vec::new();
    let mut n = 0usize;
    for spelling in SPELLINGS {
        for eol in LINE_ENDINGS {
            for round in 0..4 {
                let prefix = PREFIXES[(n + round) % PREFIXES.len()];
                let invisible = INVISIBLES[(n * 3 + round) % INVISIBLES.len()];
                let spelling = spelling.replace('\n', eol);
                let line = match n % 3 {
                    0 => format!("{prefix}{invisible}{spelling}"),
                    1 => format!(
                        "{prefix}{}",
                        spelling.replacen("internal", &format!("{invisible}internal"), 1)
                    ),
                    _ => format!(
                        "{prefix}{}",
                        spelling.replacen("<!--", &format!("<!--{invisible}"), 1)
                    ),
                };
                all.push(Variant {
                    exact: line == "<!-- internal -->",
                    line,
                    eol,
                });
                n += 1;
            }
        }
    }
    all
}

fn record(id: &str, variant: &Variant) -> String {
    let eol = variant.eol;
    format!(
        "---\nid: {id}\ntitle: Change {id}\ntype: bugfix\nclass: standard\nstatus: deployed\n\
         visibility: public\nsummary: Fixed {id}.\nauthor: Sam Writer\ncreated: 2026-01-01\n\
         deployed: 2026-01-02T10:00:00Z\n---\nPublic note of {id}.{eol}{eol}{line}{eol}ZqCanaryX{n}Qz below.{eol}",
        line = variant.line,
        n = id.trim_start_matches("M-"),
    )
}

#[test]
fn no_marker_look_alike_publishes_what_follows_it() {
    let portal = TempPortal::new();
    let variants = variants();
    assert!(variants.len() > 100);
    for (index, variant) in variants.iter().enumerate() {
        portal.record(
            &format!("M-{index}.md"),
            &record(&format!("M-{index}"), variant),
        );
    }
    // Pages follow the same rule.
    for (index, variant) in variants.iter().enumerate().step_by(7) {
        let text = format!(
            "---\ntitle: Page {index}\n---\nAbout us.{eol}{line}{eol}ZqPageX{index}Qz{eol}",
            eol = variant.eol,
            line = variant.line
        );
        portal.write(&format!("content/pages/p{index}.md"), text.as_bytes());
    }
    let flags = json_flags(portal.root(), "2026-06-01");
    for (index, variant) in variants.iter().enumerate() {
        let file = format!("content/changes/M-{index}.md");
        let found: Vec<&Value> = flags
            .iter()
            .filter(|f| f["file"] == file.as_str() && f["code"] == "malformed-internal-marker")
            .collect();
        if variant.exact {
            assert!(found.is_empty(), "{:?}: {found:?}", variant.line);
        } else {
            assert_eq!(
                found.len(),
                1,
                "{:?} {:?}: {found:?}",
                variant.line,
                variant.eol
            );
            assert_eq!(found[0]["line"], 15, "{:?}", variant.line);
            assert_eq!(found[0]["level"], "deny");
        }
    }
    let out = portal.root().join("out");
    let built = build(portal.root(), &out, "2026-06-01", &[]);
    assert!(built.status.success(), "{}", stderr(&built));
    for needle in ["ZqCanaryX", "ZqPageX", "SAMELINE"] {
        let leaks = files_containing(&out.join("public"), needle);
        assert!(leaks.is_empty(), "{needle} in {leaks:?}");
    }
    // Each note's public part is still published, and its internal part is
    // on the audit site.
    for index in [0, variants.len() / 2, variants.len() - 1] {
        let page = read(&out.join(format!("public/changes/m-{index}/index.html")));
        assert!(page.contains(&format!("Public note of M-{index}.")));
        let internal = read(&out.join(format!("internal/changes/m-{index}.html")));
        assert!(internal.contains(&format!("ZqCanaryX{index}Qz")));
    }
}

/// Whole files (front matter included) with CRLF or bare CR line ends are
/// read like LF files: same flags at the same lines, nothing internal
/// published.
#[test]
fn whole_files_in_every_line_ending_split_alike() {
    for eol in LINE_ENDINGS {
        let portal = TempPortal::new();
        let record = record(
            "M-1",
            &Variant {
                line: "<!-- internal: notes -->".to_string(),
                eol: "\n",
                exact: false,
            },
        )
        .replace('\n', eol);
        portal.record("M-1.md", &record);
        let page =
            "---\ntitle: About\n---\nHello.\n<!--INTERNAL-->\nZqPageX1Qz\n".replace('\n', eol);
        portal.write("content/pages/about.md", page.as_bytes());
        let flags = json_flags(portal.root(), "2026-06-01");
        let lines: Vec<(String, u64)> = flags
            .iter()
            .filter(|f| f["code"] == "malformed-internal-marker")
            .map(|f| {
                (
                    f["file"].as_str().unwrap_or("").to_string(),
                    f["line"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        assert_eq!(
            lines,
            vec![
                ("content/changes/M-1.md".to_string(), 15),
                ("content/pages/about.md".to_string(), 5)
            ],
            "{eol:?}: {flags:?}"
        );
        let out = portal.root().join("out");
        let built = build(portal.root(), &out, "2026-06-01", &[]);
        assert!(built.status.success(), "{eol:?}: {}", stderr(&built));
        for needle in ["ZqCanaryX", "ZqPageX"] {
            assert!(
                files_containing(&out.join("public"), needle).is_empty(),
                "{eol:?} {needle}"
            );
        }
        assert!(std::fs::read_to_string(out.join("public/about/index.html"))
            .unwrap_or_default()
            .contains("Hello."));
    }
}
