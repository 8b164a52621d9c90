//! The internal audit site (SPEC section 5), rendered from the same
//! [`Analysis`] as `check`.
//!
//! Pages (paths from [`crate::paths::internal`]): `index.html` (dashboard),
//! `records/index.html` (filterable table, with `records/search-index.js`),
//! `changes/<slug>.html` (one per record), `flags/index.html`,
//! `calendar/index.html` and `calendar/<yyyy-mm>/index.html`,
//! `systems/index.html` and `systems/<slug>/index.html`, `cab/index.html`
//! (the CAB agenda), `period/<key>/index.html` (the dashboard of each year
//! and quarter with deployments), `workpaper/index.html` and
//! `workpaper/<year>/index.html` (printable workpapers),
//! `reconciliation/index.html` when `deploy_log` is set, and the population
//! as `export/changes.csv`, `export/changes.json` and `export/manifest.json`.
//!
//! Conventions:
//! - Links are relative and name `index.html` explicitly, so the site works
//!   from any mount point (serve puts it under `/internal/`) and from
//!   `file://`. Each page gets a `root` prefix (`""`, `"../"`, ...).
//! - Evidence URLs of records (`links`, `review.link`, timeline links and
//!   follow-up URLs) are links when they are http(s) ([`EvidenceUrl`]):
//!   `rel="noopener noreferrer"` and marked "(external)" (SPEC 5). Nothing
//!   else links to an external host: links in bodies are shown as text
//!   ([`offsite`]), and a record's public page is shown as its absolute URL
//!   under `base_url`, not as a link. Every page also sends no referrer.
//! - Every page carries `noindex,nofollow` and a Content-Security-Policy
//!   that allows only the site's own script and stylesheet.
//! - Pages render in parallel, each from a small context of its own.

mod cab;
mod calendar;
mod charts;
pub mod compliance;
mod dashboard;
mod flags;
mod metrics;
mod offsite;
mod periods;
mod provenance;
mod reconciliation;
mod record;
mod records;
mod systems;
mod workpaper;

use super::export::{Export, ExportError, FlagIndex, Period};
use super::theme::SharedVars;
use super::{put_all, OutputFile, Parts, Pieces, RenderError, Sink, Theme};
use crate::checks::{Flag, Level};
use crate::model::portal::Document;
use crate::model::record::{is_valid_id, ChangeClass, Record, Status};
use crate::model::{Config, Timestamp, Zone};
use crate::paths;
use crate::pipeline::Analysis;
use crate::policy::RecordFacts;
use chrono::Datelike;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Renders `parts` of the internal site (every page for
/// [`Parts::EVERYTHING`]), handing each file to `sink` as soon as it is
/// rendered (record pages one by one, never all at once). Errors: a
/// template fails, an export cannot be serialized, or `sink` refuses a file.
pub fn render(
    analysis: &Analysis,
    theme: &Theme,
    parts: Parts<'_>,
    sink: &dyn Sink,
) -> Result<(), RenderError> {
    // Only some records' pages: only what their pages read is indexed.
    let only = match parts.records {
        Some(super::Records::Only(slugs)) if !parts.aggregates => Some(slugs),
        _ => None,
    };
    let site = Site::new(analysis, only);
    type Task = fn(&Site<'_>, &Theme, &dyn Sink) -> Result<(), RenderError>;
    let aggregates: [Task; 8] = [
        |site, theme, sink| put_all(sink, dashboard::render(site, theme)?),
        |site, theme, sink| put_all(sink, workpaper::render(site, theme)?),
        |site, theme, sink| put_all(sink, cab::render(site, theme)?),
        // The two largest files (1.5 and 1.3 KB a record: 150 and 130 MB
        // at 100,000 records) one after the other, never both in memory.
        |site, theme, sink| {
            records::render(site, theme, sink)?;
            export_files(site, theme, sink)
        },
        |site, theme, sink| put_all(sink, flags::render(site, theme)?),
        calendar::render,
        systems::render,
        |site, theme, sink| put_all(sink, reconciliation::render(site, theme)?),
    ];
    let aggregates: &[Task] = if parts.aggregates { &aggregates } else { &[] };
    let (records, others) = rayon::join(
        || {
            parts.records.map_or(Ok(()), |records| {
                record::render_all(&site, theme, records, sink)
            })
        },
        || {
            aggregates
                .par_iter()
                .try_for_each(|task| task(&site, theme, sink))
        },
    );
    records?;
    others
}

/// `export/changes.csv`, `export/changes.json` and `export/manifest.json`:
/// the population of all dates (SPEC 5), as `changeportal export` prints it.
/// Each file goes to `sink` in [`Pieces`] as soon as it is serialized and
/// is never joined, so one is being made (130 MB of JSON at 100,000
/// records) while at most the one before waits to be written.
fn export_files(site: &Site<'_>, _theme: &Theme, sink: &dyn Sink) -> Result<(), RenderError> {
    let export = Export::new(site.analysis, &site.flags, Period::default());
    type Serialize = fn(&Export<'_, '_>) -> Result<Pieces, ExportError>;
    let files: [(&str, Serialize); 3] = [
        (paths::export::CSV, |export| export.csv()),
        (paths::export::JSON, |export| export.json()),
        (paths::export::MANIFEST, |export| export.manifest_json()),
    ];
    files.into_iter().try_for_each(|(path, serialize)| {
        let contents =
            serialize(&export).map_err(|e| RenderError(format!("cannot write {path}: {e}")))?;
        sink.put_pieces(path, contents)
    })
}

/// What every page shares, computed once per build.
struct Site<'a> {
    analysis: &'a Analysis,
    config: &'a Config,
    now: Timestamp,
    /// `now` as every page's footer shows it: in the portal's zone
    /// ([`Zone::display`]) and in UTC, RFC 3339 ([`Timestamp::iso`]);
    /// formatted once, not once per page.
    now_text: String,
    now_iso: String,
    flags: FlagIndex<'a>,
    /// Every record, sorted by id.
    documents: Vec<&'a Document>,
    /// Records by lower-cased id, for resolving follow-ups.
    by_slug: HashMap<String, &'a Document>,
    /// Each record's policy facts ([`Analysis::facts`]), by file path.
    facts: HashMap<&'a str, &'a RecordFacts>,
    /// Each record's index in `portal.documents`, by file path.
    indices: HashMap<&'a str, usize>,
    /// Catalogued systems in `portal.yaml` order, then uncatalogued ones
    /// used by records, sorted.
    systems: Vec<SystemEntry<'a>>,
    /// Index into `systems` by key.
    system_index: HashMap<&'a str, usize>,
}

/// A system with its page's slug.
struct SystemEntry<'a> {
    key: &'a str,
    title: &'a str,
    owner: Option<&'a str>,
    description: Option<&'a str>,
    catalogued: bool,
    slug: String,
}

impl<'a> Site<'a> {
    /// What the pages of `analysis` share; with `only`, what the record
    /// pages of the records with these slugs read (`documents` holds just
    /// them, `by_slug` just the records their follow-ups name).
    fn new(analysis: &'a Analysis, only: Option<&HashSet<String>>) -> Self {
        let config = &analysis.portal.config;
        // A record with an invalid id has an `invalid-record` flag, which
        // stops the build; it is skipped here too, as its id cannot be a path.
        let selected: Vec<(usize, &Document)> = analysis
            .portal
            .documents
            .iter()
            .enumerate()
            .filter(|(_, d)| is_valid_id(&d.record.id))
            .filter(|(_, d)| only.is_none_or(|slugs| slugs.contains(&d.record.slug())))
            .map(|(index, d)| (index, &**d))
            .collect();
        let mut documents: Vec<&Document> = selected.iter().map(|(_, d)| *d).collect();
        documents.sort_by(|a, b| a.record.id.cmp(&b.record.id));
        let by_slug = match only {
            None => documents.iter().map(|d| (d.record.slug(), *d)).collect(),
            Some(_) => followed_up(analysis, &documents),
        };
        let facts = selected
            .iter()
            .map(|&(index, document)| (document.path.as_str(), &analysis.facts[index]))
            .collect();
        let indices = selected
            .iter()
            .map(|&(index, document)| (document.path.as_str(), index))
            .collect();
        let systems = system_entries(analysis);
        let system_index = systems
            .iter()
            .enumerate()
            .map(|(i, s)| (s.key, i))
            .collect();
        Site {
            analysis,
            config,
            now: analysis.now,
            now_text: config.timezone.display(&analysis.now),
            now_iso: analysis.now.iso(),
            flags: FlagIndex::new(analysis),
            documents,
            by_slug,
            facts,
            indices,
            systems,
            system_index,
        }
    }

    /// The policy facts of `document`, one of the analysis's documents
    /// (the map holds every one of them, by their distinct file paths).
    fn facts_of(&self, document: &Document) -> &'a RecordFacts {
        self.facts
            .get(document.path.as_str())
            .copied()
            .unwrap_or_else(|| unreachable!("every document of the analysis has facts"))
    }

    /// The index of `document`, one of the analysis's documents, in
    /// `portal.documents`.
    fn index_of(&self, document: &Document) -> usize {
        self.indices
            .get(document.path.as_str())
            .copied()
            .unwrap_or_else(|| unreachable!("every document of the analysis has an index"))
    }

    /// The portal's display time zone.
    fn zone(&self) -> Zone {
        self.config.timezone
    }

    /// The system entry of `key`.
    fn system(&self, key: &str) -> Option<&SystemEntry<'a>> {
        self.system_index
            .get(key)
            .map(|&index| &self.systems[index])
    }

    /// Renders `template` into `path` (relative to the site root, see
    /// [`paths::internal`]). The page's own context `page` (a struct)
    /// provides the top-level variables, next to the layout's [`Layout`]
    /// ones. Errors: the template fails.
    fn page<T: Serialize>(
        &self,
        theme: &Theme,
        template: &str,
        path: String,
        section: &'static str,
        title: String,
        page: &T,
    ) -> Result<OutputFile, RenderError> {
        let context = PageContext {
            layout: Layout {
                root: paths::root_of(&path),
                portal: &self.config.title,
                page_title: title,
                section,
                now: &self.now_text,
                timezone: self.zone().name(),
                now_iso: &self.now_iso,
                reconciliation: self.analysis.reconciliation.is_some(),
            },
            page,
        };
        let html = theme.render(template, &context)?;
        Ok(OutputFile::new(path, html))
    }

    /// The rows of `documents` for a `record_table` on the page at `path`,
    /// dated by `date` (`scheduled` or `deployed`).
    fn record_rows(
        &self,
        theme: &Theme,
        documents: &[&'a Document],
        path: &str,
        date: &str,
    ) -> Result<TableRows, RenderError> {
        let links: Vec<RecordLink<'a>> = documents.iter().map(|d| self.link(d)).collect();
        let shared = SharedVars::new(&RowsContext {
            root: paths::root_of(path),
            date,
        })?;
        Ok(TableRows {
            count: links.len(),
            html: theme
                .render_rows("internal/record_rows.html", &links, &shared)?
                .concat(),
        })
    }

    /// The summary of a record used in lists.
    fn link(&self, document: &'a Document) -> RecordLink<'a> {
        let record = &document.record;
        let flags = self.flags.of(&record.id);
        RecordLink {
            heading: Heading::of(record),
            href: paths::internal::change_page(&record.slug()),
            scheduled: record
                .scheduled
                .as_ref()
                .map(|at| When::day(at, self.zone())),
            deployed: record
                .deployed
                .as_ref()
                .map(|at| When::day(at, self.zone())),
            flags: flags.len(),
            deny: flags.iter().filter(|f| f.level == Level::Deny).count(),
        }
    }
}

/// The records of `analysis` (with valid ids) that the follow-ups of
/// `documents` name, by slug.
fn followed_up<'a>(
    analysis: &'a Analysis,
    documents: &[&Document],
) -> HashMap<String, &'a Document> {
    let wanted: HashSet<String> = documents
        .iter()
        .flat_map(|d| d.record.post_incident.iter().flat_map(|p| &p.follow_ups))
        .map(|text| text.to_lowercase())
        .collect();
    if wanted.is_empty() {
        return HashMap::new();
    }
    // In the order of the full site's `by_slug`, so that of two records
    // with one slug (a `duplicate-id`) the same one is found.
    let mut named: Vec<(String, &Document)> = analysis
        .portal
        .documents
        .iter()
        .filter(|d| is_valid_id(&d.record.id))
        .map(|d| (d.record.slug(), &**d))
        .filter(|(slug, _)| wanted.contains(slug))
        .collect();
    named.sort_by(|(_, a), (_, b)| a.record.id.cmp(&b.record.id));
    named.into_iter().collect()
}

/// How many counted approvals `record`'s class needs under `config`: the
/// rule's `min`, and at least one for a normal change (SPEC 4
/// `missing-approval`). Shared by the record page and the CAB agenda.
fn approvals_needed(record: &Record, config: &Config) -> u32 {
    let min = config.policy.approvals.for_class(record.class).min;
    match record.class {
        ChangeClass::Normal => min.max(1),
        _ => min,
    }
}

/// The systems of the catalogue, then those records use without it.
fn system_entries(analysis: &Analysis) -> Vec<SystemEntry<'_>> {
    let config = &analysis.portal.config;
    let mut entries: Vec<SystemEntry<'_>> = Vec::new();
    if let Some(catalogue) = &config.systems {
        for (key, system) in catalogue {
            entries.push(SystemEntry {
                key,
                title: &system.title,
                owner: system.owner.as_deref(),
                description: system.description.as_deref(),
                catalogued: true,
                slug: String::new(),
            });
        }
    }
    let mut used: Vec<&str> = analysis
        .portal
        .documents
        .iter()
        .flat_map(|d| d.record.systems.iter().map(String::as_str))
        .filter(|key| {
            config
                .systems
                .as_ref()
                .is_none_or(|c| !c.contains_key(*key))
        })
        .collect();
    used.sort_unstable();
    used.dedup();
    entries.extend(used.into_iter().map(|key| SystemEntry {
        key,
        title: key,
        owner: None,
        description: None,
        catalogued: false,
        slug: String::new(),
    }));
    let mut taken: HashMap<String, usize> = HashMap::new();
    for entry in &mut entries {
        entry.slug = unique_slug(&mut taken, super::markdown::slugify(entry.key));
    }
    entries
}

/// `slug`, or `slug-2`, `slug-3`... when already taken.
fn unique_slug(taken: &mut HashMap<String, usize>, slug: String) -> String {
    let count = taken.entry(slug.clone()).or_insert(0);
    *count += 1;
    if *count == 1 {
        slug
    } else {
        let candidate = format!("{slug}-{count}");
        unique_slug(taken, candidate)
    }
}

/// What every internal page's layout (`internal/base.html`) shows. Names
/// are top-level: cheaper for Tera to look up than dotted paths, which
/// matters on 10,000 record pages.
#[derive(Serialize)]
struct Layout<'a> {
    /// The prefix from the page back to the site root ([`paths::root_of`]).
    root: String,
    /// The portal's title.
    portal: &'a str,
    page_title: String,
    /// The navigation section to mark as current.
    section: &'static str,
    /// The build's `now` in the portal's zone.
    now: &'a str,
    /// The portal zone's IANA name.
    timezone: &'static str,
    /// The build's `now` in UTC, RFC 3339.
    now_iso: &'a str,
    /// Whether the site has a deploy-log reconciliation page (nav link).
    reconciliation: bool,
}

/// A page's template context: the layout's variables and the page's own.
#[derive(Serialize)]
struct PageContext<'a, T> {
    #[serde(flatten)]
    layout: Layout<'a>,
    #[serde(flatten)]
    page: &'a T,
}

/// The variables every chunk of a `record_table`'s rows shares.
#[derive(Serialize)]
struct RowsContext<'a> {
    root: String,
    /// Which date the table shows: `scheduled` or `deployed`.
    date: &'a str,
}

/// A date for a `<time>` element.
#[derive(Debug, Clone, Serialize)]
struct When {
    iso: String,
    text: String,
}

impl When {
    /// Full form in the portal's zone: `2026-10-31 20:30 PDT`, a date-only
    /// value as written ([`Zone::display`]); `iso` stays UTC.
    fn full(at: &Timestamp, zone: Zone) -> Self {
        Self {
            iso: at.iso(),
            text: zone.display(at),
        }
    }

    /// The date in the portal's zone ([`Zone::date_of`]): `2026-03-14`.
    fn day(at: &Timestamp, zone: Zone) -> Self {
        let date = zone.date_of(at);
        Self {
            iso: at.iso(),
            text: crate::model::time::date_text(date.year(), date.month(), date.day()),
        }
    }
}

/// What every internal view of a record starts with: its id, title and the
/// keys and labels of its badges. Flattened, so templates see the fields
/// at the top of the record's object.
#[derive(Serialize)]
struct Heading<'a> {
    id: &'a str,
    title: &'a str,
    change_type: &'static str,
    class: &'static str,
    status: &'static str,
    status_label: &'static str,
    risk: &'static str,
}

impl<'a> Heading<'a> {
    fn of(record: &'a Record) -> Self {
        Heading {
            id: &record.id,
            title: &record.title,
            change_type: record.change_type.as_str(),
            class: record.class.as_str(),
            status: record.status.as_str(),
            status_label: status_label(record.status),
            risk: record.risk.as_str(),
        }
    }
}

/// A record in a list.
#[derive(Serialize)]
struct RecordLink<'a> {
    #[serde(flatten)]
    heading: Heading<'a>,
    href: String,
    scheduled: Option<When>,
    deployed: Option<When>,
    flags: usize,
    deny: usize,
}

/// The body rows of a `record_table` (macros.html), rendered apart with
/// `internal/record_rows.html` (see [`Theme::render_rows`]).
#[derive(Serialize)]
struct TableRows {
    /// How many rows.
    count: usize,
    /// Their HTML.
    html: String,
}

/// An evidence URL from a record (SPEC 5: links, review and follow-up
/// links, timeline links): `external` when it is an absolute http(s) URL,
/// which the theme makes a link leaving the site; anything else (a ticket
/// key, `javascript:`, a relative path) stays text.
#[derive(Serialize)]
struct EvidenceUrl<'a> {
    text: &'a str,
    external: bool,
}

impl<'a> EvidenceUrl<'a> {
    fn new(text: &'a str) -> Self {
        EvidenceUrl {
            text,
            external: is_web_url(text),
        }
    }
}

/// Whether `text` is one absolute `http://` or `https://` URL with a host
/// and no whitespace or control characters.
fn is_web_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &text[8..]
    } else if lower.starts_with("http://") {
        &text[7..]
    } else {
        return false;
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    host_end > 0 && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A flag as shown on record and flag pages.
#[derive(Serialize)]
struct FlagView<'a> {
    code: &'static str,
    level: &'static str,
    description: &'static str,
    message: &'a str,
    hint: Option<&'a str>,
    location: String,
    source_line: Option<&'a str>,
}

impl<'a> FlagView<'a> {
    fn new(flag: &'a Flag, analysis: &'a Analysis) -> Self {
        FlagView {
            code: flag.code.as_str(),
            level: flag.level.as_str(),
            description: flag.code.description(),
            message: &flag.message,
            hint: flag.hint.as_deref(),
            location: format!("{}:{}:{}", flag.file, flag.line, flag.column),
            source_line: analysis
                .sources
                .get(&flag.file)
                .and_then(|text| text.lines().nth(flag.line.saturating_sub(1)))
                .map(str::trim_end)
                .filter(|line| !line.trim().is_empty()),
        }
    }
}

/// `text` percent-encoded for a URL query or hash value (everything but
/// ASCII letters, digits and `-._~`), as `decodeURIComponent` reads it.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A status for reading: `in progress` for `in_progress`.
fn status_label(status: Status) -> &'static str {
    match status {
        Status::InProgress => "in progress",
        Status::RolledBack => "rolled back",
        other => other.as_str(),
    }
}

/// `YYYY-MM` of the month `at` falls in, in the portal's zone.
fn month_key(at: &Timestamp, zone: Zone) -> String {
    zone.month_of(at)
}

/// `January 2026` for `2026-01`.
fn month_title(key: &str) -> String {
    let (year, month) = key.split_once('-').unwrap_or((key, ""));
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let name = month
        .parse::<usize>()
        .ok()
        .and_then(|m| NAMES.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or(month);
    format!("{name} {year}")
}

/// Every `YYYY-MM` from `first` to `last` inclusive.
fn month_range(first: &str, last: &str) -> Vec<String> {
    let parse = |key: &str| -> Option<(i32, u32)> {
        let (year, month) = key.split_once('-')?;
        Some((year.parse().ok()?, month.parse().ok()?))
    };
    let (Some((mut year, mut month)), Some(end)) = (parse(first), parse(last)) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    while (year, month) <= end {
        keys.push(format!("{year:04}-{month:02}"));
        month += 1;
        if month > 12 {
            month = 1;
            year += 1;
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_dates_match_timestamp_formatting() {
        for text in [
            "2026-03-14",
            "2026-03-14T02:05:09Z",
            "2026-12-31T23:59:59+01:00",
            "0001-01-01",
            "0999-10-05T10:00:07Z",
        ] {
            let at = Timestamp::parse(text).unwrap();
            let full = When::full(&at, Zone::default());
            assert_eq!(full.iso, at.iso());
            assert_eq!(full.text, at.display());
            assert_eq!(
                When::day(&at, Zone::default()).text,
                at.date().format("%Y-%m-%d").to_string()
            );
        }
    }

    #[test]
    fn dates_show_in_the_portal_zone() {
        let zone = Zone::parse("America/Los_Angeles").unwrap();
        let at = Timestamp::parse("2026-11-01T03:30:00Z").unwrap();
        assert_eq!(When::full(&at, zone).text, "2026-10-31 20:30 PDT");
        assert_eq!(When::full(&at, zone).iso, "2026-11-01T03:30:00Z");
        assert_eq!(When::day(&at, zone).text, "2026-10-31");
        assert_eq!(month_key(&at, zone), "2026-10");
    }

    #[test]
    fn slugs_stay_unique() {
        let mut taken = HashMap::new();
        assert_eq!(unique_slug(&mut taken, "api".into()), "api");
        assert_eq!(unique_slug(&mut taken, "api".into()), "api-2");
        assert_eq!(unique_slug(&mut taken, "api-2".into()), "api-2-2");
        assert_eq!(month_title("2026-01"), "January 2026");
        assert_eq!(percent_encode("a b&c/é"), "a%20b%26c%2F%C3%A9");
    }

    #[test]
    fn only_http_urls_are_external() {
        for url in [
            "https://git.example/pr/1",
            "HTTP://x.example",
            "https://h?q",
        ] {
            assert!(is_web_url(url), "{url}");
        }
        for text in [
            "javascript:alert(1)",
            "OPS-12",
            "https://",
            "https:///path",
            "//cdn.example/x",
            "https://a.example/x y",
            "ftp://x.example",
            "chg-1",
        ] {
            assert!(!is_web_url(text), "{text}");
        }
    }

    #[test]
    fn month_range_crosses_years() {
        assert_eq!(
            month_range("2025-11", "2026-02"),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
        assert_eq!(month_range("2026-02", "2026-02"), ["2026-02"]);
        assert!(month_range("bad", "2026-02").is_empty());
    }
}
