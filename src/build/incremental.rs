//! Incremental rebuilds, as `serve` runs them after an edit (issue 17).
//!
//! One rebuild ([`Incremental::rebuild`]):
//! 1. **Load** through [`load::load_with`] and its [`RecordCache`]: only the
//!    record files the edit names are read and parsed again; the folders
//!    are scanned again and every step across records (duplicate ids,
//!    output clashes, the deploy log) runs over the whole portal.
//! 2. **Analyze** ([`pipeline::analyze_since`]): records whose document is
//!    the one the cache handed out last time keep their policy facts and
//!    their checks' flags; every rule across records runs again.
//! 3. **Record pages**: each record's own pages (public change page,
//!    internal record page) are rendered again only when one of their
//!    inputs differs from the last rebuild ([`PageInputs`]), or for every
//!    record when an input every page shares changed ([`shared_inputs_differ`]:
//!    `portal.yaml`, the theme, `now`, the set of record files, anything
//!    that is not a record file). The other pages keep their bytes.
//! 4. **Aggregates** (lists, feeds, indexes, exports, figures, assets) are
//!    rendered by [`aggregates`] from the same analysis, which `serve` runs
//!    off the critical path.
//!
//! Record pages plus aggregates are byte for byte a full
//! [`crate::build::render`] of the same tree at the same `now`
//! (`tests/incremental.rs`).

use crate::deploys::Match;
use crate::diagnostics::Flag;
use crate::history::{Origin, Provenance};
use crate::load::{self, ConfigError, RecordCache, Sources};
use crate::model::deploys::DeployEntry;
use crate::model::portal::same_documents;
use crate::model::Timestamp;
use crate::paths;
use crate::pipeline::{self, Analysis, Blocked, Trail};
use crate::policy::RecordFacts;
use crate::render::{self, Collected, OutputFile, Parts, Records, RenderError, Sink, Theme};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A site's files by path relative to the site root.
pub type Files = HashMap<String, Arc<[u8]>>;

/// A site's record pages by path relative to the site root: the pages of
/// the last full render, and over them the pages rendered (or removed)
/// since. A rebuild that renders a few records copies only the changes since
/// the last full render, not the map of every record (10,000 paths: tens
/// of milliseconds); once those are more than an eighth of the rest, both
/// are merged into one.
#[derive(Debug, Clone, Default)]
pub struct Pages {
    base: Arc<Files>,
    /// Pages rendered since `base`; `None` for a page removed since.
    recent: Arc<HashMap<String, Option<Arc<[u8]>>>>,
}

impl Pages {
    /// The page at `path`.
    pub fn get(&self, path: &str) -> Option<&Arc<[u8]>> {
        match self.recent.get(path) {
            Some(page) => page.as_ref(),
            None => self.base.get(path),
        }
    }

    /// Every page, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Arc<[u8]>)> {
        let recent = &self.recent;
        recent
            .iter()
            .filter_map(|(path, page)| Some((path, page.as_ref()?)))
            .chain(
                self.base
                    .iter()
                    .filter(move |(path, _)| !recent.contains_key(*path)),
            )
    }

    /// These pages without the pages at `removed`, then with `rendered`
    /// added or replacing the pages at their paths.
    fn with(&self, removed: impl IntoIterator<Item = String>, rendered: Files) -> Pages {
        let mut recent = HashMap::clone(&self.recent);
        recent.extend(removed.into_iter().map(|path| (path, None)));
        recent.extend(rendered.into_iter().map(|(path, page)| (path, Some(page))));
        if recent.len() * 8 <= self.base.len() {
            return Pages {
                base: Arc::clone(&self.base),
                recent: Arc::new(recent),
            };
        }
        let mut base = Files::clone(&self.base);
        for (path, page) in recent {
            match page {
                Some(page) => base.insert(path, page),
                None => base.remove(&path),
            };
        }
        Pages::from(base)
    }
}

impl From<Files> for Pages {
    fn from(files: Files) -> Self {
        Pages {
            base: Arc::new(files),
            recent: Arc::default(),
        }
    }
}

/// What changed since the last rebuild.
#[derive(Debug, Clone, Copy)]
pub struct Edits<'a> {
    /// Changed paths relative to the portal root, `/`-separated.
    pub paths: &'a BTreeSet<String>,
    /// Templates or static files changed: the theme is compiled again.
    pub theme: bool,
    /// Anything may have changed (first build, lost watcher events).
    pub everything: bool,
}

/// Why a rebuild rendered nothing.
#[derive(Debug)]
pub enum Failure {
    /// `portal.yaml` cannot be used.
    Config(ConfigError),
    /// Records or source files could not be used
    /// ([`Blocked::Unreadable`]): the flags, with the sources they quote.
    Unreadable {
        /// The blocking flags.
        flags: Vec<Flag>,
        /// Texts of the flagged files.
        sources: Sources,
    },
    /// The theme or a renderer failed.
    Render(RenderError),
}

/// The result of one rebuild: the analysis, the theme, and every record
/// page of both sites (the aggregates come from [`aggregates`]).
#[derive(Debug)]
pub struct Rebuilt {
    /// The analysis every page of this rebuild comes from.
    pub analysis: Arc<Analysis>,
    /// The compiled theme.
    pub theme: Arc<Theme>,
    /// Every record page of the public site.
    pub public: Pages,
    /// Every record page of the internal site.
    pub internal: Pages,
    /// How many records' pages were rendered this time.
    pub rendered: usize,
    /// Time spent loading and checking.
    pub analyze_time: std::time::Duration,
}

/// The state kept between rebuilds of one portal.
pub struct Incremental {
    root: PathBuf,
    origin: Origin,
    cache: RecordCache,
    theme: Option<Arc<Theme>>,
    last: Option<Last>,
}

/// The last successful rebuild.
struct Last {
    analysis: Arc<Analysis>,
    /// What the analysis leaves for the next one ([`pipeline::analyze_since`]).
    trail: Trail,
    /// The analysis's [`Lookups`].
    lookups: Lookups,
    public: Pages,
    internal: Pages,
}

impl Incremental {
    /// An engine for the portal at `root` with nothing cached.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            origin: Origin::Head,
            cache: RecordCache::default(),
            theme: None,
            last: None,
        }
    }

    /// Loads, checks and renders the record pages after `edits`, at `now`.
    /// Errors: see [`Failure`]; the state of the last successful rebuild
    /// is kept, except that a theme that failed to compile is compiled
    /// again next time.
    pub fn rebuild(&mut self, edits: Edits<'_>, now: Timestamp) -> Result<Rebuilt, Failure> {
        let started = std::time::Instant::now();
        let reparse_all = self.forget(edits);
        let loaded = load::load_with(&self.root, Some(&mut self.cache)).map_err(Failure::Config)?;
        let earlier = self
            .last
            .as_ref()
            .map(|last| (&*last.analysis, &last.trail));
        let (analysis, trail) =
            pipeline::analyze_since(&self.root, &self.origin, loaded, now, earlier);
        if let Err(blocked) = analysis.buildable(false) {
            return Err(match blocked {
                Blocked::Unreadable(flags) => Failure::Unreadable {
                    flags,
                    sources: analysis.sources,
                },
                other => Failure::Render(RenderError(other.to_string())),
            });
        }
        let analysis = Arc::new(analysis);
        let analyze_time = started.elapsed();
        let theme_changed = edits.theme || edits.everything || self.theme.is_none();
        if theme_changed {
            // Drop a stale theme first, so that a broken template is
            // reported again on the next rebuild instead of being reused.
            self.theme = None;
            self.theme = Some(Arc::new(Theme::load(&self.root).map_err(Failure::Render)?));
        }
        let theme = self
            .theme
            .clone()
            .ok_or_else(|| Failure::Render(RenderError("no theme".to_string())))?;
        let shared_unchanged = self
            .last
            .as_ref()
            .is_some_and(|last| !shared_inputs_differ(&last.analysis, &analysis));
        let lookups = Lookups::new(
            &analysis,
            self.last
                .as_ref()
                .filter(|_| shared_unchanged)
                .map(|last| &last.lookups),
        );
        let changed = match &self.last {
            Some(last) if !reparse_all && !theme_changed && shared_unchanged => Some(
                changed_records((&last.analysis, &last.lookups), (&analysis, &lookups)),
            ),
            _ => None,
        };
        let (public, internal, rendered) =
            self.record_pages(&analysis, &theme, changed.as_ref())?;
        let previous = self.last.replace(Last {
            analysis: Arc::clone(&analysis),
            trail,
            lookups,
            public: public.clone(),
            internal: internal.clone(),
        });
        // Freeing 10,000 records takes tens of milliseconds: not on the
        // path from an edit to its page.
        std::thread::spawn(move || drop(previous));
        Ok(Rebuilt {
            analysis,
            theme,
            public,
            internal,
            rendered,
            analyze_time,
        })
    }

    /// The portal folder.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// Empties the cache entries `edits` names; whether every record must
    /// be read again (anything but record files changed, or everything).
    fn forget(&mut self, edits: Edits<'_>) -> bool {
        // A file that came and went between two scans (an editor's or
        // `sed -i`'s temporary file, renamed over a record) changed nothing.
        let relevant = edits
            .paths
            .iter()
            .filter(|path| !self.cache.came_and_went(&self.root, path));
        let all =
            edits.everything || edits.theme || !relevant.clone().all(|p| load::is_record_file(p));
        if all {
            self.cache.clear();
        } else {
            for path in relevant.cloned().collect::<Vec<_>>() {
                self.cache.forget(&self.root, &path);
            }
        }
        all
    }

    /// Renders the pages of the records in `changed` (every record's when
    /// `None`) and merges them into the last rebuild's record pages. Output:
    /// both sites' record pages and the number of records rendered.
    fn record_pages(
        &self,
        analysis: &Analysis,
        theme: &Theme,
        changed: Option<&HashSet<String>>,
    ) -> Result<(Pages, Pages, usize), Failure> {
        let records = changed.map_or(Records::All, Records::Only);
        let (public, internal) = (Collected::default(), Collected::default());
        let parts = Parts {
            records: Some(records),
            aggregates: false,
        };
        render::render_parts(analysis, theme, parts, &public, &internal)
            .map_err(Failure::Render)?;
        let rendered = changed.map_or(analysis.portal.documents.len(), HashSet::len);
        let public = by_path(public.into_sorted());
        let internal = by_path(internal.into_sorted());
        Ok(match (&self.last, changed) {
            // Only changed records: each one's old pages go, its new ones
            // come (a record that is no longer public has none).
            (Some(last), Some(changed)) => (
                last.public.with(
                    changed.iter().map(|slug| paths::public::change_page(slug)),
                    public,
                ),
                last.internal.with(
                    changed
                        .iter()
                        .map(|slug| paths::internal::change_page(slug)),
                    internal,
                ),
                rendered,
            ),
            _ => (Pages::from(public), Pages::from(internal), rendered),
        })
    }
}

/// Every file of both sites but the record pages, from `analysis` with
/// `theme`: (public, internal). Stops early, with an error, once
/// `cancelled` is set (a newer rebuild made the result useless). Errors:
/// a renderer failed.
pub fn aggregates(
    analysis: &Analysis,
    theme: &Theme,
    cancelled: &AtomicBool,
) -> Result<(Files, Files), RenderError> {
    let public = Cancellable {
        files: Collected::default(),
        cancelled,
    };
    let internal = Cancellable {
        files: Collected::default(),
        cancelled,
    };
    let parts = Parts {
        records: None,
        aggregates: true,
    };
    render::render_parts(analysis, theme, parts, &public, &internal)?;
    Ok((
        by_path(public.files.into_sorted()),
        by_path(internal.files.into_sorted()),
    ))
}

/// A [`Collected`] that refuses files once `cancelled` is set.
struct Cancellable<'a> {
    files: Collected,
    cancelled: &'a AtomicBool,
}

impl Sink for Cancellable<'_> {
    fn put(&self, file: OutputFile) -> Result<(), RenderError> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(RenderError("superseded by a newer rebuild".to_string()));
        }
        self.files.put(file)
    }
}

/// `files` by path, their contents moved, not copied.
pub fn by_path(files: Vec<OutputFile>) -> Files {
    files
        .into_iter()
        .map(|file| (file.path, Arc::from(file.contents)))
        .collect()
}

/// Whether an input every record page reads differs between `old` and
/// `new`: `now`, `portal.yaml`, the record files and ids (in order: pages
/// find deploy-log entries by index), the systems records use (their
/// pages' slugs are made unique across all of them), the git history read,
/// and whether there is a deploy log.
fn shared_inputs_differ(old: &Analysis, new: &Analysis) -> bool {
    let (before, after) = (&old.portal.documents, &new.portal.documents);
    let same_files = same_documents(before, after, |a, b| {
        a.path == b.path && a.record.id == b.record.id
    });
    let same_systems = || {
        same_documents(before, after, |a, b| a.record.systems == b.record.systems)
            || systems_of(old) == systems_of(new)
    };
    old.now != new.now
        || old.sources.get(load::CONFIG_FILE) != new.sources.get(load::CONFIG_FILE)
        || old.reconciliation.is_some() != new.reconciliation.is_some()
        || history_key(&old.provenance) != history_key(&new.provenance)
        || !same_files
        || !same_systems()
}

/// The systems the records of `analysis` use.
fn systems_of(analysis: &Analysis) -> BTreeSet<&str> {
    analysis
        .portal
        .documents
        .iter()
        .flat_map(|d| d.record.systems.iter().map(String::as_str))
        .collect()
}

/// What identifies the history read: HEAD and whether the tree is dirty,
/// or why there is none.
fn history_key(provenance: &Provenance) -> String {
    match provenance {
        Provenance::Read(history) => history.source(),
        Provenance::Unavailable(reason) => format!("unavailable: {reason}"),
    }
}

/// Everything a record's own pages read beyond the inputs all pages share
/// ([`shared_inputs_differ`]): the file (by hash), the policy facts, the
/// record's flags with the source lines they quote, the titles of the
/// records its follow-ups name, and its deploy-log entries.
#[derive(PartialEq)]
struct PageInputs<'a> {
    sha256: &'a str,
    facts: &'a RecordFacts,
    flags: Vec<(&'a Flag, Option<&'a str>)>,
    follow_ups: Vec<Option<&'a str>>,
    deploys: Vec<(&'a DeployEntry, Match)>,
}

/// The slugs of the records whose [`PageInputs`] differ between `old` and
/// `new` (each analysis with its [`Lookups`]). Both hold the same record
/// files with the same ids in the same order ([`shared_inputs_differ`] is
/// false), so records are compared index by index, in parallel, without
/// building a map of every record.
fn changed_records(
    (old, before): (&Analysis, &Lookups),
    (new, after): (&Analysis, &Lookups),
) -> HashSet<String> {
    (0..new.portal.documents.len())
        .into_par_iter()
        .filter(|&index| before.inputs(old, index) != after.inputs(new, index))
        .map(|index| new.portal.documents[index].record.slug())
        .collect()
}

/// What [`PageInputs`] look up across one analysis: record indices by
/// slug, and flags (by index, with the range of the source line they
/// quote) by record id.
struct Lookups {
    /// Shared with the last rebuild's while the record files and ids are
    /// the same, index by index.
    titles: Arc<HashMap<String, usize>>,
    flags: HashMap<String, Vec<FlagAt>>,
}

/// A flag by its index in [`Analysis::flags`], with the byte range of the
/// source line it quotes.
type FlagAt = (usize, Option<Range<usize>>);

impl Lookups {
    /// The lookups of `analysis`; `earlier`'s titles are reused, so it must
    /// be of an analysis with the same record files and ids in the same
    /// order ([`shared_inputs_differ`] false).
    fn new(analysis: &Analysis, earlier: Option<&Lookups>) -> Self {
        let titles = match earlier {
            Some(earlier) => Arc::clone(&earlier.titles),
            None => Arc::new(
                analysis
                    .portal
                    .documents
                    .iter()
                    .enumerate()
                    .map(|(index, d)| (d.record.slug(), index))
                    .collect(),
            ),
        };
        let mut flags: HashMap<String, Vec<FlagAt>> = HashMap::new();
        for (index, flag) in analysis.flags.iter().enumerate() {
            if let Some(id) = &flag.record {
                let line = analysis
                    .sources
                    .get(&flag.file)
                    .and_then(|text| line_range(text, flag.line));
                match flags.get_mut(id.as_str()) {
                    Some(found) => found.push((index, line)),
                    None => {
                        flags.insert(id.clone(), vec![(index, line)]);
                    }
                }
            }
        }
        Self { titles, flags }
    }

    /// The [`PageInputs`] of the record at `index` of `portal.documents`
    /// of `analysis`, the analysis these lookups were made from.
    fn inputs<'a>(&self, analysis: &'a Analysis, index: usize) -> PageInputs<'a> {
        let document = &analysis.portal.documents[index];
        let record = &document.record;
        PageInputs {
            sha256: &document.sha256,
            facts: &analysis.facts[index],
            flags: self
                .flags
                .get(record.id.as_str())
                .into_iter()
                .flatten()
                .map(|(flag, line)| {
                    let flag = &analysis.flags[*flag];
                    let text = line.clone().and_then(|range| {
                        analysis.sources.get(&flag.file).and_then(|t| t.get(range))
                    });
                    (flag, text)
                })
                .collect(),
            follow_ups: record
                .post_incident
                .iter()
                .flat_map(|p| &p.follow_ups)
                .map(|text| {
                    let found = self.titles.get(&text.to_lowercase());
                    found.map(|&i| analysis.portal.documents[i].record.title.as_str())
                })
                .collect(),
            deploys: analysis
                .reconciliation
                .iter()
                .flat_map(|r| r.entries_of(index))
                .collect(),
        }
    }
}

/// The byte range of line `line` (1-based) of `text`, without its line
/// end, as `str::lines` gives it (line 0 is line 1); `None` past the last
/// line.
fn line_range(text: &str, line: usize) -> Option<Range<usize>> {
    let wanted = text.lines().nth(line.saturating_sub(1))?;
    let start = wanted.as_ptr() as usize - text.as_ptr() as usize;
    Some(start..start + wanted.len())
}
