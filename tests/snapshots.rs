//! Snapshots of the example portal's key outputs at a fixed `--now`, so that
//! every change to what customers, auditors or code-scanning tools read is
//! reviewed as a diff (`cargo insta review`, or `INSTA_UPDATE=always` and
//! `git diff tests/snapshots/`).
//!
//! Pages: the public home page, a public record page, an emergency record's
//! internal page, the dashboard; feeds: a tier feed; diagnostics: the SARIF
//! output of `check`.

mod common;

use common::site::build_example;
use common::{run_in, stdout};
use std::path::Path;

fn page(out: &Path, relative: &str) -> String {
    std::fs::read_to_string(out.join(relative))
        .unwrap_or_else(|error| panic!("{relative}: {error}"))
}

#[test]
fn key_pages_and_feeds_of_the_example_portal() {
    let (_dir, out) = build_example();
    for (name, relative) in [
        ("public_home", "public/index.html"),
        ("public_record", "public/changes/chg-0040/index.html"),
        (
            "internal_emergency_record",
            "internal/changes/chg-0013.html",
        ),
        ("internal_dashboard", "internal/index.html"),
        ("feed_enterprise", "public/feeds/enterprise.xml"),
    ] {
        insta::assert_snapshot!(name, page(&out, relative));
    }
}

#[test]
fn sarif_output_of_the_example_portal() {
    let (_example, root) = common::site::example_copy();
    let root = root.as_path();
    let output = run_in(
        root,
        &[
            "check",
            "--root",
            &root.to_string_lossy(),
            "--now",
            "2026-11-24",
            "--format",
            "sarif",
        ],
    );
    insta::assert_snapshot!("sarif", stdout(&output));
}
