//! Every public page of the example portal passes the Nu HTML Checker, and
//! every link between public pages points at a file that exists.
//!
//! Needs Java and `node_modules/vnu-jar` (`npm ci`); fails without them unless
//! `CHANGEPORTAL_SKIP_EXTERNAL=1`.

mod common;

use common::site::{attribute_values, build_example, html_files};
use common::tools;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[test]
fn every_public_page_passes_the_nu_html_checker() {
    let (_dir, out) = build_example();
    let public = out.join("public");
    let pages = html_files(&public);
    assert!(
        pages.len() > 40,
        "expected the whole site, found {} pages",
        pages.len()
    );
    tools::assert_nu_html_valid(&public);
}

#[test]
fn every_relative_link_of_every_public_page_resolves() {
    let (_dir, out) = build_example();
    let public = out.join("public");
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in html_files(&public) {
        let html = std::fs::read_to_string(&page).unwrap();
        let ids: BTreeSet<String> = attribute_values(&html, &["id"]).into_iter().collect();
        for link in attribute_values(&html, &["href", "src"]) {
            checked += 1;
            if let Some(problem) = check_link(&public, &page, &link, &ids) {
                broken.push(format!(
                    "{}: {link}: {problem}",
                    page.strip_prefix(&public).unwrap().display()
                ));
            }
        }
    }
    assert!(checked > 500, "expected many links, checked {checked}");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// `None` when `link` on `page` resolves, else what is wrong. External links
/// are not followed; `/…` links (only on 404.html) start at the site root.
fn check_link(public: &Path, page: &Path, link: &str, ids: &BTreeSet<String>) -> Option<String> {
    let lower = link.to_ascii_lowercase();
    if ["http://", "https://", "mailto:", "tel:", "data:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
    {
        return None;
    }
    if link.starts_with("//") {
        return Some("protocol-relative link".to_string());
    }
    if let Some(fragment) = link.strip_prefix('#') {
        return (!fragment.is_empty() && !ids.contains(fragment))
            .then(|| "no such id on the page".to_string());
    }
    let path = link.split(['#', '?']).next().unwrap_or_default();
    let mut target = if let Some(from_root) = path.strip_prefix('/') {
        public.join(from_root)
    } else {
        page.parent().unwrap().join(path)
    };
    if path.is_empty() || path.ends_with('/') {
        target = target.join("index.html");
    }
    let resolved = normalize(&target);
    if !resolved.starts_with(public) {
        return Some("points outside the site".to_string());
    }
    (!resolved.is_file()).then(|| format!("{} does not exist", resolved.display()))
}

/// Resolves `.` and `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut parts = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::CurDir => {}
            other => parts.push(other),
        }
    }
    parts
}
