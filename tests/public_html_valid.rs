//! Every public page of the example portal passes the Nu HTML Checker, and
//! every link between public pages points at a file that exists.
//!
//! Needs Java and `node_modules/vnu-jar` (`npm ci`); fails without them unless
//! `CHANGEPORTAL_SKIP_EXTERNAL=1`.

mod common;

use common::{run_in, stderr};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const JAVA: &str = "/usr/bin/java";

/// The example portal built at the reference instant, in a temp folder.
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
    let public = out.join("public");
    (dir, public)
}

/// Whether the external tools may be missing.
fn skipping_external() -> bool {
    std::env::var("CHANGEPORTAL_SKIP_EXTERNAL").is_ok_and(|value| value == "1")
}

#[test]
fn every_public_page_passes_the_nu_html_checker() {
    let jar = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/vnu-jar/build/dist/vnu.jar");
    if !Path::new(JAVA).exists() || !jar.exists() {
        if skipping_external() {
            eprintln!("skipped: needs {JAVA} and {} (run `npm ci`)", jar.display());
            return;
        }
        panic!(
            "the Nu HTML Checker needs {JAVA} and {} (apt-get install default-jre-headless; npm ci), or set CHANGEPORTAL_SKIP_EXTERNAL=1",
            jar.display()
        );
    }
    let (_dir, public) = build_example();
    let pages = html_files(&public);
    assert!(
        pages.len() > 40,
        "expected the whole site, found {} pages",
        pages.len()
    );
    let output = Command::new(JAVA)
        .arg("-jar")
        .arg(&jar)
        .args(["--skip-non-html", "--errors-only"])
        .arg(&public)
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
fn every_relative_link_of_every_public_page_resolves() {
    let (_dir, public) = build_example();
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in html_files(&public) {
        let html = std::fs::read_to_string(&page).unwrap();
        let ids = ids_of(&html);
        for link in links_of(&html) {
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

/// Every `.html` file below `dir`, sorted.
fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "html"))
        .collect();
    files.sort();
    files
}

/// Values of every `href` and `src` attribute (double-quoted, as the theme
/// and the markdown renderer write them), entities decoded.
fn links_of(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attribute in [" href=\"", " src=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("closing quote");
            links.push(decode_entities(&rest[..end]));
            rest = &rest[end..];
        }
    }
    links
}

/// Every `id` attribute value of the page.
fn ids_of(html: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut rest = html;
    while let Some(start) = rest.find(" id=\"") {
        rest = &rest[start + 5..];
        let end = rest.find('"').expect("closing quote");
        ids.insert(decode_entities(&rest[..end]));
        rest = &rest[end..];
    }
    ids
}

fn decode_entities(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
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
