//! Every internal page of the example portal passes the Nu HTML Checker, and
//! every relative link and asset reference of the internal site resolves to
//! a file (and to an element, when it names a fragment id).
//!
//! The checker needs Java and `node_modules/vnu-jar` (`npm ci`); that test
//! fails without them unless `CHANGEPORTAL_SKIP_EXTERNAL=1`.

mod common;

use common::{run_in, stderr};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const JAVA: &str = "/usr/bin/java";

/// The example portal built at the reference instant; returns the temp
/// folder (kept alive by the caller) and `out/internal`.
fn build_example() -> (tempfile::TempDir, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = run_in(
        root,
        &[
            "build",
            "--root",
            &root.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--now",
            "2026-11-24",
        ],
    );
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    (dir, out.join("internal"))
}

fn files_with(dir: &Path, extension: &str) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == extension))
        .map(|e| e.path().to_path_buf())
        .collect()
}

#[test]
fn every_internal_page_passes_the_nu_html_checker() {
    let jar = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/vnu-jar/build/dist/vnu.jar");
    if !Path::new(JAVA).exists() || !jar.exists() {
        if std::env::var("CHANGEPORTAL_SKIP_EXTERNAL").is_ok_and(|v| v == "1") {
            eprintln!("skipped: needs {JAVA} and {} (npm ci)", jar.display());
            return;
        }
        panic!(
            "the Nu HTML Checker needs {JAVA} and {} (apt-get install default-jre-headless; npm ci), or set CHANGEPORTAL_SKIP_EXTERNAL=1",
            jar.display()
        );
    }
    let (_dir, internal) = build_example();
    let pages = files_with(&internal, "html");
    assert!(
        pages.len() > 80,
        "expected the whole site, found {} pages",
        pages.len()
    );
    let output = Command::new(JAVA)
        .arg("-jar")
        .arg(&jar)
        .args(["--skip-non-html", "--errors-only"])
        .arg(&internal)
        .output()
        .expect("run the Nu HTML Checker");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && report.trim().is_empty(),
        "Nu HTML Checker errors:\n{report}"
    );
}

#[test]
fn every_relative_link_of_the_internal_site_resolves() {
    let (_dir, internal) = build_example();
    let mut broken = Vec::new();
    let mut checked = 0;
    let mut ids_cache: std::collections::HashMap<PathBuf, HashSet<String>> = Default::default();
    for page in files_with(&internal, "html") {
        let html = std::fs::read_to_string(&page).unwrap();
        for link in attribute_values(&html, &["href", "src"]) {
            if link.starts_with("data:") || link.starts_with("mailto:") {
                continue;
            }
            assert!(
                !link.contains("://") && !link.starts_with("//"),
                "{} links off-site: {link}",
                page.display()
            );
            checked += 1;
            let (path, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if path.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(path)
            };
            let target = if path.ends_with('/') {
                target.join("index.html")
            } else {
                target
            };
            let Ok(target) = target.canonicalize() else {
                broken.push(format!("{}: {link}: no such file", page.display()));
                continue;
            };
            if !target.starts_with(internal.canonicalize().unwrap()) {
                broken.push(format!("{}: {link}: outside the site", page.display()));
                continue;
            }
            // Fragments holding `=` are the records table's filter state.
            if !fragment.is_empty() && !fragment.contains('=') {
                let ids = ids_cache.entry(target.clone()).or_insert_with(|| {
                    let text = std::fs::read_to_string(&target).unwrap_or_default();
                    attribute_values(&text, &["id"]).into_iter().collect()
                });
                if !ids.contains(fragment) {
                    broken.push(format!(
                        "{}: {link}: no element with that id",
                        page.display()
                    ));
                }
            }
        }
    }
    assert!(checked > 1000, "expected many links, checked {checked}");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The values of the named attributes (double-quoted, as the theme writes
/// them), with entity-escaped `/` and `&` decoded.
fn attribute_values(html: &str, names: &[&str]) -> Vec<String> {
    let mut values = Vec::new();
    for name in names {
        let needle = format!(" {name}=\"");
        let mut rest = html;
        while let Some(start) = rest.find(&needle) {
            rest = &rest[start + needle.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            values.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    values
}
