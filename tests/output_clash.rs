//! SPEC 5: a content page or static file whose output path is a file the
//! build generates, or that another page or static file also produces, is an
//! error that `check` reports (exit 1) naming both paths; `build` refuses
//! with the same message (exit 1) and writes nothing. The reserved paths
//! come from `changeportal::layout`; a drift test renders a real portal and
//! checks that every file the build writes is one `layout` knows about.

mod common;

use changeportal::layout::{self, Site};
use common::{normal_record, TempPortal};
use serde::Deserialize;
use std::path::Path;

const NOW: &str = "2026-06-01";

/// One line of `--format json`.
#[derive(Debug, Deserialize)]
struct Reported {
    code: String,
    level: String,
    file: String,
    line: usize,
    message: String,
}

fn check_flags(root: &Path) -> (Option<i32>, Vec<Reported>) {
    let output = common::run_in(
        root,
        &["check", "--root", ".", "--format", "json", "--now", NOW],
    );
    let flags = common::stdout(&output)
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("a JSON flag per line"))
        .collect();
    (output.status.code(), flags)
}

/// Builds into `<root>/../out-<name>`; asserts exit 1 and that nothing was
/// written; returns stderr.
fn build_refused(root: &Path) -> String {
    let out = root.with_file_name(format!(
        "out-{}",
        root.file_name().unwrap_or_default().to_string_lossy()
    ));
    let output = common::run_in(
        root,
        &[
            "build",
            "--root",
            ".",
            "--out",
            &out.to_string_lossy(),
            "--now",
            NOW,
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", common::stderr(&output));
    assert!(!out.exists(), "build wrote {}", out.display());
    common::stderr(&output)
}

#[test]
fn case_page_named_feed_xml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("portal");
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/page-named-feed-xml");
    for relative in [
        "portal.yaml",
        "content/changes/CHG-0001.md",
        "content/pages/feed.xml.md",
    ] {
        let target = root.join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(case.join(relative), target).expect("copy");
    }
    let (code, flags) = check_flags(&root);
    assert_eq!(code, Some(1), "{flags:#?}");
    assert_eq!(flags.len(), 1, "{flags:#?}");
    let flag = &flags[0];
    assert_eq!(
        (
            flag.code.as_str(),
            flag.level.as_str(),
            flag.file.as_str(),
            flag.line
        ),
        ("invalid-record", "deny", "content/pages/feed.xml.md", 1)
    );
    assert!(
        flag.message.contains("content/pages/feed.xml.md")
            && flag
                .message
                .contains("`feed.xml`, which the build generates"),
        "{}",
        flag.message
    );
    let stderr = build_refused(&root);
    assert!(stderr.contains(&flag.message), "{stderr}");
    assert!(!stderr.contains("os error"), "{stderr}");
}

/// A portal with one record, plus `files` (path, text); asserts that
/// `check` reports exactly one clash, at `at`, naming `other`, and that
/// `build` writes nothing.
fn assert_clash(files: &[(&str, &str)], at: &str, other: &str) {
    let portal = TempPortal::new();
    portal.record("CHG-1.md", &normal_record("CHG-1"));
    for (path, text) in files {
        portal.write(path, text.as_bytes());
    }
    let (code, flags) = check_flags(portal.root());
    let what = format!("{files:?}");
    assert_eq!(code, Some(1), "{what}: {flags:#?}");
    assert_eq!(flags.len(), 1, "{what}: {flags:#?}");
    assert_eq!(flags[0].file, at, "{what}");
    assert_eq!(flags[0].code, "invalid-record", "{what}");
    assert!(
        flags[0].message.contains(at) && flags[0].message.contains(other),
        "{what}: {}",
        flags[0].message
    );
    build_refused(portal.root());
}

const PAGE: &str = "---\ntitle: A page\n---\nText.\n";

#[test]
fn pages_and_static_files_that_take_a_generated_path_clash() {
    let generated_files = [
        "feed.xml",
        "feed.atom",
        "feed.json",
        "calendar.ics",
        "sitemap.xml",
        "404.html",
        "index.html",
        "robots.txt",
    ];
    for file in generated_files {
        assert_clash(
            &[(&format!("content/pages/{file}.md"), PAGE)],
            &format!("content/pages/{file}.md"),
            &format!("`{file}`, which the build generates"),
        );
        assert_clash(
            &[(&format!("static/{file}"), "x")],
            &format!("static/{file}"),
            &format!("`{file}`, which the build generates"),
        );
    }
    for folder in ["changes", "types", "subscribe", "feeds", "page"] {
        assert_clash(
            &[(&format!("content/pages/{folder}.md"), PAGE)],
            &format!("content/pages/{folder}.md"),
            &format!("`{folder}/` folder, which the build generates"),
        );
    }
    for path in [
        "changes/chg-1/index.html",
        "feeds/enterprise.xml",
        "feeds/systems/api.json",
        "subscribe/index.html",
        "types/index.html",
        "export/changes.csv",
        "export/manifest.json",
        "records/index.html",
        "schedule.json",
    ] {
        let first = path.split('/').next().unwrap_or(path);
        let other = if path.contains('/') {
            format!("`{first}/` folder")
        } else {
            format!("`{path}`")
        };
        assert_clash(
            &[(&format!("static/{path}"), "x")],
            &format!("static/{path}"),
            &other,
        );
    }
    // A file where the build needs a folder.
    assert_clash(&[("static/feeds", "x")], "static/feeds", "`feeds/` folder");
}

#[test]
fn two_sources_of_one_output_clash() {
    assert_clash(
        &[
            ("content/pages/about.md", PAGE),
            ("static/about/index.html", "x"),
        ],
        "static/about/index.html",
        "content/pages/about.md",
    );
    assert_clash(
        &[
            ("content/pages/about.md", PAGE),
            ("content/pages/team/about.md", PAGE),
        ],
        "content/pages/team/about.md",
        "content/pages/about.md",
    );
    assert_clash(
        &[
            ("content/pages/About.md", PAGE),
            ("content/pages/about.md", PAGE),
        ],
        "content/pages/about.md",
        "content/pages/About.md",
    );
    assert_clash(
        &[("content/pages/about.md", PAGE), ("static/about", "x")],
        "static/about",
        "content/pages/about.md",
    );
    // static/ may not replace a theme asset: templates/ is for that.
    assert_clash(
        &[("static/static/style.css", "x")],
        "static/static/style.css",
        "the theme's `static/style.css`",
    );
    assert_clash(
        &[("static/style.css", "x")],
        "static/style.css",
        "the theme's `style.css`",
    );
    assert_clash(
        &[("templates/public/robots.txt", "x")],
        "templates/public/robots.txt",
        "`robots.txt`, which the build generates",
    );
}

#[test]
fn pages_and_static_files_of_their_own_paths_build() {
    let portal = TempPortal::new();
    portal.record("CHG-1.md", &normal_record("CHG-1"));
    portal.write("content/pages/about.md", PAGE.as_bytes());
    portal.write("content/pages/static.md", PAGE.as_bytes());
    portal.write("static/logo.png", b"png");
    portal.write("static/static/logo.png", b"png");
    portal.write("static/about/team.html", b"<p>team</p>");
    portal.write("templates/public/static/style.css", b"body{}");
    let (code, flags) = check_flags(portal.root());
    assert_eq!(code, Some(0), "{flags:#?}");
    let out = tempfile::tempdir().expect("tempdir");
    let output = portal.run(&[
        "build",
        "--out",
        &out.path().join("site").to_string_lossy(),
        "--now",
        NOW,
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let public = out.path().join("site/public");
    assert_eq!(
        std::fs::read(public.join("static/style.css")).expect("css"),
        b"body{}"
    );
    for path in [
        "about/index.html",
        "static/index.html",
        "logo.png",
        "static/logo.png",
        "about/team.html",
    ] {
        assert!(public.join(path).is_file(), "{path}");
    }
}

/// Every file a build of the example portal writes is a path `layout`
/// reserves, a theme asset or a page: the reserved set cannot drift from
/// the renderers without this test failing.
#[test]
fn every_rendered_path_is_known_to_the_layout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let now = changeportal::model::Timestamp::parse("2026-11-24").expect("now");
    let build = changeportal::build::Build::new(root, now);
    let analysis = build.analyze().expect("example loads");
    let theme = build.theme().expect("theme");
    let buildable = analysis.buildable(false).expect("the example builds");
    let sites = changeportal::build::render(buildable, &theme).expect("render");
    let mut known = changeportal::layout::asset_claims(&[]);
    known.extend(
        analysis
            .portal
            .pages
            .iter()
            .map(|page| layout::page_claim("content/pages/x.md", &page.slug)),
    );
    for (site, files) in [
        (Site::Public, &sites.public),
        (Site::Internal, &sites.internal),
    ] {
        assert!(!files.is_empty());
        for file in files {
            let is_known = layout::is_generated(site, &file.path)
                || known
                    .iter()
                    .any(|claim| claim.site == site && claim.path == file.path);
            assert!(
                is_known,
                "{}/{} is written but not in layout",
                site.name(),
                file.path
            );
        }
    }
}
