//! Every output path and URL of both sites, in one place (SPEC section 5).
//!
//! Paths are relative to their site's root, `/`-separated; folder paths
//! (`changes/chg-1/`) end in `/` and are published as the folder's
//! `index.html` ([`index_of`]). URLs are absolute, built from the portal's
//! `base_url` without its trailing slash ([`crate::model::Config::base`]).
//! Links between pages are relative: a page at depth *n* reaches the site
//! root through [`root_prefix`]`(n)`.
//!
//! Links, the sitemap, feeds, serve's content types and the output-clash
//! check's list of generated paths ([`crate::layout::generated`]) are all
//! derived from this module. It imports nothing from the rest of the crate.

/// The file a folder path is published as: `changes/chg-1/` gives
/// `changes/chg-1/index.html`, `""` (the site root) gives `index.html`.
/// Input: a folder path, `""` or ending in `/`. Output: a file path.
pub fn index_of(dir: &str) -> String {
    format!("{dir}{INDEX}")
}

/// The file name every page folder is published as.
pub const INDEX: &str = "index.html";

/// The relative prefix from a page `depth` folders below the site root back
/// to the root: `""`, `"../"`, `"../../"`... (no cap on the depth). Input:
/// the number of folders above the page. Output: the prefix.
pub fn root_prefix(depth: usize) -> String {
    "../".repeat(depth)
}

/// The relative prefix from the page at `path` (a file path, or a folder
/// path ending in `/`) back to its site root: one `../` per `/` in `path`.
/// `changes/chg-1.html` and `types/` give `../`.
pub fn root_of(path: &str) -> String {
    root_prefix(path.matches('/').count())
}

/// The path part of `base_url`, ending in `/`: `https://x.example/log`
/// gives `/log/`, `https://x.example` gives `/`. The root of links on pages
/// served at any depth (`404.html`). Input: an absolute URL; anything after
/// the host is taken as its path.
pub fn site_root_path(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("", |index| &after_scheme[index..]);
    format!("{}/", path.trim_end_matches('/'))
}

/// The absolute URL of `path` (a file or folder path of the public site)
/// under `base`, the base URL without its trailing slash: `<base>/<path>`.
pub fn url(base: &str, path: &str) -> String {
    format!("{base}/{path}")
}

/// Paths of the public site (`out/public/`).
pub mod public {
    /// The home page.
    pub const HOME: &str = "index.html";
    /// The page served for any missing path.
    pub const NOT_FOUND: &str = "404.html";
    /// Every page's absolute URL.
    pub const SITEMAP: &str = "sitemap.xml";
    /// Points crawlers at [`SITEMAP`].
    pub const ROBOTS: &str = "robots.txt";
    /// The RSS feed of every public change.
    pub const ALL_FEED: &str = "feed.xml";
    /// Folder of the per-tier (and, later, per-system) feeds.
    const FEEDS: &str = "feeds";
    /// Folder of the types index and the type pages.
    const TYPES: &str = "types";
    /// The subscribe page's folder.
    const SUBSCRIBE: &str = "subscribe";
    /// Folder of the change pages.
    const CHANGES: &str = "changes";
    /// Folder of the home list's following pages.
    const PAGE: &str = "page";

    /// Names at the site root the build generates or reserves: today's
    /// pages and feeds, and the all-changes feeds of the next formats
    /// (Atom, JSON Feed, iCalendar), so no portal file takes them first.
    pub const FILES: &[&str] = &[
        HOME,
        NOT_FOUND,
        SITEMAP,
        ROBOTS,
        ALL_FEED,
        "feed.atom",
        "feed.json",
        "calendar.ics",
    ];

    /// Folders whose whole content the build generates (names without the
    /// trailing `/`): change pages, type pages, pagination, the subscribe
    /// page, tier and system feeds.
    pub const FOLDERS: &[&str] = &[CHANGES, TYPES, PAGE, SUBSCRIBE, FEEDS];

    /// Folder of the types index: `types/`.
    pub fn types_dir() -> String {
        format!("{TYPES}/")
    }

    /// Folder of the subscribe page: `subscribe/`.
    pub fn subscribe_dir() -> String {
        format!("{SUBSCRIBE}/")
    }

    /// Folder of the page of the change with `slug` (the lower-cased id):
    /// `changes/<slug>/`.
    pub fn change_dir(slug: &str) -> String {
        format!("{CHANGES}/{slug}/")
    }

    /// The page of the change with `slug`: `changes/<slug>/index.html`.
    pub fn change_page(slug: &str) -> String {
        super::index_of(&change_dir(slug))
    }

    /// The canonical URL of the change with `slug` under `base` (the base
    /// URL without trailing slash): `<base>/changes/<slug>/`.
    pub fn change_url(base: &str, slug: &str) -> String {
        super::url(base, &change_dir(slug))
    }

    /// Whether `path` is one of the RSS feeds: [`ALL_FEED`] or a file under
    /// `feeds/`.
    pub fn is_feed(path: &str) -> bool {
        path == ALL_FEED
            || path
                .strip_prefix(FEEDS)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    /// The RSS feed of tier `key`: `feeds/<key>.xml`.
    pub fn feed(key: &str) -> String {
        format!("{FEEDS}/{key}.xml")
    }

    /// Folder of the first page of the changes of type `key`:
    /// `types/<key>/`.
    pub fn type_dir(key: &str) -> String {
        format!("{TYPES}/{key}/")
    }

    /// Folder of page `number` (1-based) of a list whose first page is at
    /// folder `first` (`""` for the home pages, [`type_dir`] for a type):
    /// `first` itself, then `<first>page/<number>/`.
    pub fn paged_dir(first: &str, number: usize) -> String {
        if number == 1 {
            first.to_string()
        } else {
            format!("{first}{PAGE}/{number}/")
        }
    }

    /// Folder of the portal's extra page with `slug`
    /// (`content/pages/<slug>.md`): `<slug>/`.
    pub fn extra_page_dir(slug: &str) -> String {
        format!("{slug}/")
    }
}

/// Paths of the internal site (`out/internal/`).
pub mod internal {
    /// The dashboard.
    pub const DASHBOARD: &str = "index.html";
    /// The filterable table of every record.
    pub const RECORDS: &str = "records/index.html";
    /// The records table's search text.
    pub const SEARCH_INDEX: &str = "records/search-index.js";
    /// Every open flag.
    pub const FLAGS: &str = "flags/index.html";
    /// The calendar's year-by-month overview.
    pub const CALENDAR: &str = "calendar/index.html";
    /// The systems index.
    pub const SYSTEMS: &str = "systems/index.html";
    /// The deploy-log reconciliation (SPEC 5), when `deploy_log` is set.
    pub const RECONCILIATION: &str = "reconciliation/index.html";

    /// Names at the site root the build generates or reserves (the
    /// dashboard, and the schedule export of the next issue).
    pub const FILES: &[&str] = &[DASHBOARD, "schedule.json"];

    /// Folders whose whole content the build generates (names without the
    /// trailing `/`).
    pub const FOLDERS: &[&str] = &[
        "changes",
        "records",
        "calendar",
        "flags",
        "systems",
        "export",
        "reconciliation",
    ];

    /// The page of the record with `slug`: `changes/<slug>.html`. A plain
    /// file rather than the public site's folder: staff open the internal
    /// site from disk as often as from a server, and a folder per record
    /// doubled the file-system work of writing and replacing the site.
    pub fn change_page(slug: &str) -> String {
        format!("changes/{slug}.html")
    }

    /// The page of the system whose page slug is `slug` (unique among the
    /// portal's systems): `systems/<slug>/index.html`.
    pub fn system_page(slug: &str) -> String {
        format!("systems/{slug}/index.html")
    }

    /// The calendar page of month `key` (`YYYY-MM`):
    /// `calendar/<key>/index.html`.
    pub fn month_page(key: &str) -> String {
        format!("calendar/{key}/index.html")
    }
}

/// The population exports, in the internal site.
pub mod export {
    /// Every record as CSV.
    pub const CSV: &str = "export/changes.csv";
    /// Every record as JSON.
    pub const JSON: &str = "export/changes.json";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_follow_depth_without_a_cap() {
        assert_eq!(root_of("index.html"), "");
        assert_eq!(root_of("records/index.html"), "../");
        assert_eq!(root_of("changes/chg-1.html"), "../");
        assert_eq!(root_of("types/"), "../");
        assert_eq!(root_of("systems/api/index.html"), "../../");
        assert_eq!(root_of("a/b/c/d/e.html"), "../../../../");
    }

    #[test]
    fn site_root_path_of_base_url() {
        assert_eq!(site_root_path("https://x.example"), "/");
        assert_eq!(site_root_path("https://x.example/log"), "/log/");
        assert_eq!(site_root_path("http://x.example:8080/a/b"), "/a/b/");
    }

    #[test]
    fn public_paths() {
        assert_eq!(public::change_page("chg-1"), "changes/chg-1/index.html");
        assert_eq!(
            public::change_url("https://x.example", "chg-1"),
            "https://x.example/changes/chg-1/"
        );
        assert_eq!(public::feed("pro"), "feeds/pro.xml");
        assert!(public::is_feed(&public::feed("pro")) && public::is_feed(public::ALL_FEED));
        assert!(!public::is_feed(public::SITEMAP) && !public::is_feed("feedsx/a.xml"));
        assert_eq!(public::types_dir(), "types/");
        assert_eq!(public::subscribe_dir(), "subscribe/");
        assert_eq!(public::paged_dir("", 1), "");
        assert_eq!(public::paged_dir("", 2), "page/2/");
        assert_eq!(
            public::paged_dir(&public::type_dir("bugfix"), 3),
            "types/bugfix/page/3/"
        );
        assert_eq!(
            index_of(&public::extra_page_dir("about")),
            "about/index.html"
        );
    }

    #[test]
    fn internal_paths() {
        assert_eq!(internal::change_page("chg-1"), "changes/chg-1.html");
        assert_eq!(internal::system_page("api"), "systems/api/index.html");
        assert_eq!(
            internal::month_page("2026-03"),
            "calendar/2026-03/index.html"
        );
    }
}
