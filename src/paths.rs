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

/// A feed format of SPEC section 5, with its file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    /// RSS 2.0 (`.xml`).
    Rss,
    /// Atom 1.0 (`.atom`).
    Atom,
    /// JSON Feed 1.1 (`.json`).
    Json,
    /// iCalendar, RFC 5545 (`.ics`).
    Ical,
}

impl FeedFormat {
    /// Every format, in the order pages list them.
    pub const ALL: [FeedFormat; 4] = [Self::Rss, Self::Atom, Self::Json, Self::Ical];

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Rss => "xml",
            Self::Atom => "atom",
            Self::Json => "json",
            Self::Ical => "ics",
        }
    }

    /// The media type servers send it with.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml",
            Self::Atom => "application/atom+xml",
            Self::Json => "application/feed+json",
            Self::Ical => "text/calendar",
        }
    }

    /// The format's name for readers (`RSS`, `Atom`, `JSON Feed`,
    /// `iCalendar`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Rss => "RSS",
            Self::Atom => "Atom",
            Self::Json => "JSON Feed",
            Self::Ical => "iCalendar",
        }
    }
}

/// Paths of the public site (`out/public/`).
pub mod public {
    pub use super::FeedFormat;

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
    /// The search and filter script's index of published changes.
    pub const SEARCH_INDEX: &str = "search-index.js";
    /// The Atom feed of every public change.
    pub const ALL_ATOM: &str = "feed.atom";
    /// The JSON Feed of every public change.
    pub const ALL_JSON: &str = "feed.json";
    /// The iCalendar feed of every public change.
    pub const CALENDAR: &str = "calendar.ics";
    /// The file name of a change's own calendar event, in its page folder.
    const EVENT: &str = "event.ics";
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
    /// Folder of the list of every upcoming change.
    const UPCOMING: &str = "upcoming";

    /// Names at the site root the build generates: the home page, the
    /// 404 page, the sitemap, `robots.txt`, the all-changes feeds in every
    /// format and the search index, so no portal file takes them.
    pub const FILES: &[&str] = &[
        HOME,
        NOT_FOUND,
        SITEMAP,
        ROBOTS,
        ALL_FEED,
        ALL_ATOM,
        ALL_JSON,
        CALENDAR,
        SEARCH_INDEX,
    ];

    /// Folders whose whole content the build generates (names without the
    /// trailing `/`): change pages, type pages, pagination, the subscribe
    /// page, tier and system feeds, the upcoming changes' pages.
    pub const FOLDERS: &[&str] = &[CHANGES, TYPES, PAGE, SUBSCRIBE, FEEDS, UPCOMING];

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

    /// Folder of the first page of the upcoming changes: `upcoming/`
    /// (following pages at [`paged_dir`]`("upcoming/", n)`).
    pub fn upcoming_dir() -> String {
        format!("{UPCOMING}/")
    }

    /// The format of the feed at `path` (a file path of the public site):
    /// one of the all-changes feeds, a file under `feeds/` by its
    /// extension, or a change's `event.ics` ([`change_event`]); `None` for
    /// anything else.
    pub fn feed_format(path: &str) -> Option<FeedFormat> {
        let in_feeds = path
            .strip_prefix(FEEDS)
            .is_some_and(|rest| rest.starts_with('/'));
        let is_event = path.starts_with(CHANGES) && path.ends_with(EVENT);
        let known =
            [ALL_FEED, ALL_ATOM, ALL_JSON, CALENDAR].contains(&path) || in_feeds || is_event;
        let extension = path.rsplit_once('.').map(|(_, ext)| ext)?;
        FeedFormat::ALL
            .into_iter()
            .find(|format| known && format.extension() == extension)
    }

    /// The all-changes feed in `format`: [`ALL_FEED`], [`ALL_ATOM`],
    /// [`ALL_JSON`] or [`CALENDAR`].
    pub fn all_feed(format: FeedFormat) -> &'static str {
        match format {
            FeedFormat::Rss => ALL_FEED,
            FeedFormat::Atom => ALL_ATOM,
            FeedFormat::Json => ALL_JSON,
            FeedFormat::Ical => CALENDAR,
        }
    }

    /// The RSS feed of tier `key`: `feeds/<key>.xml`.
    pub fn feed(key: &str) -> String {
        tier_feed(key, FeedFormat::Rss)
    }

    /// The feed of tier `key` in `format`: `feeds/<key>.<extension>`
    /// (`xml`, `atom`, `json`, `ics`).
    pub fn tier_feed(key: &str, format: FeedFormat) -> String {
        format!("{FEEDS}/{key}.{}", format.extension())
    }

    /// The feed of the catalogue system whose file name is `file` (a
    /// file-name-safe form of its key, unique in the portal) in `format`:
    /// `feeds/systems/<file>.<extension>`.
    pub fn system_feed(file: &str, format: FeedFormat) -> String {
        format!("{FEEDS}/systems/{file}.{}", format.extension())
    }

    /// The calendar event of the change with `slug` ("Add to calendar"):
    /// `changes/<slug>/event.ics`.
    pub fn change_event(slug: &str) -> String {
        format!("{}{EVENT}", change_dir(slug))
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
    /// The filterable table of every record (its first page).
    pub const RECORDS: &str = "records/index.html";
    /// The records table's index: every record's row fields and search
    /// text, from which `records.js` renders the filtered rows.
    pub const SEARCH_INDEX: &str = "records/search-index.js";

    /// Page `number` (1-based) of the records table as it lists every
    /// record without JavaScript: [`RECORDS`], then `records/page-<n>.html`
    /// (beside it, so that its relative links are the same).
    pub fn records_page(number: usize) -> String {
        if number <= 1 {
            RECORDS.to_string()
        } else {
            format!("records/page-{number}.html")
        }
    }
    /// Every open flag.
    pub const FLAGS: &str = "flags/index.html";
    /// The calendar's year-by-month overview.
    pub const CALENDAR: &str = "calendar/index.html";
    /// The systems index.
    pub const SYSTEMS: &str = "systems/index.html";
    /// The deploy-log reconciliation (SPEC 5), when `deploy_log` is set.
    pub const RECONCILIATION: &str = "reconciliation/index.html";

    /// When the next rebuild is due, and the coming events (never in the
    /// public site: it could reveal an embargo).
    pub const SCHEDULE: &str = "schedule.json";

    /// Names at the site root the build generates: the dashboard and
    /// [`SCHEDULE`].
    pub const FILES: &[&str] = &[DASHBOARD, SCHEDULE];

    /// Folders whose whole content the build generates (names without the
    /// trailing `/`).
    pub const FOLDERS: &[&str] = &[
        "changes",
        "records",
        "calendar",
        "flags",
        "systems",
        "export",
        "period",
        "cab",
        "workpaper",
        "reconciliation",
    ];

    /// The CAB agenda: changes awaiting approval (SPEC 5).
    pub const CAB: &str = "cab/index.html";

    /// The dashboard of one audit period, `key` being `YYYY` (a calendar
    /// year) or `YYYY-qN` (a quarter): `period/<key>/index.html`.
    pub fn period_page(key: &str) -> String {
        format!("period/{key}/index.html")
    }

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

    /// The list of workpapers, one per calendar year with deployed records.
    pub const WORKPAPERS: &str = "workpaper/index.html";

    /// The printable workpaper of calendar year `year`:
    /// `workpaper/<year>/index.html`.
    pub fn workpaper_page(year: i32) -> String {
        format!("workpaper/{year}/index.html")
    }
}

/// The population exports, in the internal site.
pub mod export {
    /// Every record as CSV.
    pub const CSV: &str = "export/changes.csv";
    /// Every record as JSON.
    pub const JSON: &str = "export/changes.json";
    /// The population's manifest: each record file's SHA-256 (SPEC 5).
    pub const MANIFEST: &str = "export/manifest.json";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_follow_depth_without_a_cap() {
        assert_eq!(root_of("index.html"), "");
        assert_eq!(root_of("records/index.html"), "../");
        assert_eq!(internal::records_page(1), internal::RECORDS);
        assert_eq!(internal::records_page(3), "records/page-3.html");
        assert_eq!(root_of(&internal::records_page(3)), "../");
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
        let rss = Some(FeedFormat::Rss);
        assert_eq!(public::feed_format(&public::feed("pro")), rss);
        assert_eq!(public::feed_format(public::ALL_FEED), rss);
        assert_eq!(public::feed_format(public::SITEMAP), None);
        assert_eq!(public::feed_format("feedsx/a.xml"), None);
        assert_eq!(
            public::paged_dir(&public::upcoming_dir(), 2),
            "upcoming/page/2/"
        );
        assert_eq!(public::tier_feed("pro", FeedFormat::Ical), "feeds/pro.ics");
        assert_eq!(
            public::system_feed("billing-api", FeedFormat::Atom),
            "feeds/systems/billing-api.atom"
        );
        assert_eq!(public::change_event("chg-1"), "changes/chg-1/event.ics");
        for format in FeedFormat::ALL {
            assert_eq!(public::feed_format(public::all_feed(format)), Some(format));
            assert_eq!(
                public::feed_format(&public::tier_feed("pro", format)),
                Some(format)
            );
        }
        assert_eq!(
            public::feed_format(&public::change_event("x")),
            Some(FeedFormat::Ical)
        );
        assert_eq!(public::feed_format("static/a.json"), None);
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
        assert_eq!(
            internal::period_page("2026-q4"),
            "period/2026-q4/index.html"
        );
        assert_eq!(root_of(&internal::period_page("2026")), "../../");
    }
}
