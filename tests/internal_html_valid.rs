//! Every internal page of the example portal passes the Nu HTML Checker, and
//! every relative link and asset reference of the internal site resolves to
//! a file (and to an element, when it names a fragment id).
//!
//! The checker needs Java and `node_modules/vnu-jar` (`npm ci`); that test
//! fails without them unless `CHANGEPORTAL_SKIP_EXTERNAL=1`.

mod common;

use common::site::{attribute_values, build_example, html_files};
use common::tools;
use std::collections::HashSet;
use std::path::PathBuf;

#[test]
fn every_internal_page_passes_the_nu_html_checker() {
    let (_dir, out) = build_example();
    let internal = out.join("internal");
    let pages = html_files(&internal);
    assert!(
        pages.len() > 80,
        "expected the whole site, found {} pages",
        pages.len()
    );
    tools::assert_nu_html_valid(&internal);
}

#[test]
fn every_relative_link_of_the_internal_site_resolves() {
    let (_dir, out) = build_example();
    let internal = out.join("internal");
    let mut broken = Vec::new();
    let mut checked = 0;
    let mut ids_cache: std::collections::HashMap<PathBuf, HashSet<String>> = Default::default();
    for page in html_files(&internal) {
        let html = std::fs::read_to_string(&page).unwrap();
        for link in attribute_values(&html, &["href", "src"]) {
            if link.starts_with("data:") || link.starts_with("mailto:") {
                continue;
            }
            if link.starts_with("https://") || link.starts_with("http://") {
                // Evidence URLs leave the site, marked and without referrer.
                let tag = format!(
                    "<a class=\"url external\" href=\"{}\" rel=\"noopener noreferrer\">",
                    link.replace('&', "&amp;")
                );
                assert!(
                    html.contains(&tag),
                    "{} links off-site outside an evidence link: {link}",
                    page.display()
                );
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
