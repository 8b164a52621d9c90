//! Watching the portal's sources and turning bursts of file events into one
//! rebuild each.
//!
//! Watched: the portal root without recursion (for `portal.yaml`, and for
//! `content/`, `templates/` or `static/` appearing later), those three
//! folders recursively, and the deploy log (`deploy_log` in portal.yaml,
//! SPEC 3), whose folder is watched without recursion when it lies
//! elsewhere; `portal.yaml` is read again after each window that names it, so a changed
//! `deploy_log` is followed. `out/`, `target/` and anything else in the root
//! are never watched, so a build writing there cannot trigger a rebuild.
//!
//! Debounce: the first relevant event opens a window that closes once no
//! relevant event has arrived for [`QUIET`] (or [`MAX_WAIT`] after it opened,
//! so a file written continuously still gets rebuilt). An editor's
//! save-by-rename (write a temporary, rename the old file away, rename the
//! temporary over it, delete the backup) is one burst, hence one rebuild.
//! Events that arrive during a rebuild wait in the channel and become the
//! next window: exactly one more rebuild. Read-only events (our own build
//! opening files) and editor temporaries are ignored, so they neither start
//! nor extend a window.
//!
//! notify's watcher is used directly, without notify-debouncer-mini or
//! -full: the window must span all paths (one rebuild per burst, not one per
//! file) and must be applied after filtering, and every rebuild rereads the
//! whole portal, so the full debouncer's rename tracking would buy nothing.

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// A window closes after this long without a relevant event.
pub const QUIET: Duration = Duration::from_millis(20);

/// A window closes this soon after a writer finished a record file it names
/// (closed it after writing, or renamed a finished file over it), unless
/// another relevant event comes first: a one-record save is served without
/// waiting out [`QUIET`], while a burst (a checkout, a search and replace)
/// still keeps its window open from file to file.
pub const SETTLED: Duration = Duration::from_millis(2);

/// A window never stays open longer than this.
pub const MAX_WAIT: Duration = Duration::from_millis(1000);

/// The portal folders watched recursively, when they exist.
const SOURCE_DIRS: [&str; 3] = ["content", "templates", "static"];

/// What changed in one window.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Changed paths relative to the portal root, `/`-separated.
    pub paths: BTreeSet<String>,
    /// Whether templates or static files changed (the theme must be reloaded).
    pub theme: bool,
    /// Whether events were lost (queue overflow, watcher error): assume
    /// everything changed.
    pub rescan: bool,
}

impl Changes {
    /// Everything, as for the first build.
    pub fn everything() -> Self {
        Self {
            rescan: true,
            ..Self::default()
        }
    }

    /// Whether the theme must be reloaded.
    pub fn needs_theme(&self) -> bool {
        self.theme || self.rescan
    }

    /// A short description for the terminal: "content/changes/a.md", or
    /// "3 files" when many changed.
    pub fn describe(&self) -> String {
        match self.paths.len() {
            0 => "all sources".to_string(),
            1..=2 => self.paths.iter().cloned().collect::<Vec<_>>().join(", "),
            n => format!("{n} files"),
        }
    }
}

/// A file watcher over one portal.
pub struct Watcher {
    root: PathBuf,
    watcher: RecommendedWatcher,
    events: Receiver<notify::Result<Event>>,
    watched: BTreeSet<PathBuf>,
    /// The deploy log, relative to the root and `/`-separated, as
    /// portal.yaml named it at the last [`Watcher::refresh`].
    deploy_log: Option<String>,
    /// The deploy log's folder when no other watch covers it.
    log_folder: Option<PathBuf>,
}

impl Watcher {
    /// Starts watching the portal at `root`.
    pub fn start(root: &Path) -> Result<Self, super::ServeError> {
        let root = std::fs::canonicalize(root)
            .map_err(super::ServeError::io(format!("watch {}", root.display())))?;
        let (sender, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            // The receiver only goes away when serve stops.
            let _ = sender.send(event);
        })
        .map_err(|source| super::ServeError::Watch {
            what: "start the file watcher".to_string(),
            source,
        })?;
        watcher
            .watch(&root, RecursiveMode::NonRecursive)
            .map_err(|source| super::ServeError::Watch {
                what: format!("watch {}", root.display()),
                source,
            })?;
        let mut this = Self {
            root,
            watcher,
            events,
            watched: BTreeSet::new(),
            deploy_log: None,
            log_folder: None,
        };
        this.refresh(&Changes::everything());
        Ok(this)
    }

    /// Watches source folders that appeared since the last call and forgets
    /// those that disappeared; follows portal.yaml's `deploy_log`, reading
    /// portal.yaml again only when `changes` name it (or may have lost it).
    pub fn refresh(&mut self, changes: &Changes) {
        self.refresh_sources();
        let config_changed = changes.rescan || changes.paths.contains(crate::load::CONFIG_FILE);
        self.refresh_deploy_log(config_changed);
    }

    /// Rereads `deploy_log` from portal.yaml when `reread` (an unreadable
    /// portal.yaml keeps the last one, so that fixing it is all a rebuild
    /// needs) and watches its folder when the root's or a source folder's
    /// watch does not cover it.
    fn refresh_deploy_log(&mut self, reread: bool) {
        if reread {
            if let Ok((config, _)) = crate::load::load_config(&self.root) {
                self.deploy_log = config.deploy_log.as_deref().map(normalized);
            }
        }
        let folder = self
            .deploy_log
            .as_deref()
            .and_then(|log| uncovered_folder(&self.root, log));
        if folder == self.log_folder {
            return;
        }
        if let Some(old) = self.log_folder.take() {
            let _ = self.watcher.unwatch(&old);
        }
        if let Some(path) = folder.filter(|path| path.is_dir()) {
            match self.watcher.watch(&path, RecursiveMode::NonRecursive) {
                Ok(()) => self.log_folder = Some(path),
                Err(error) => eprintln!("warning: cannot watch {}: {error}", path.display()),
            }
        }
    }

    /// Watches source folders that appeared since the last call and forgets
    /// those that disappeared.
    fn refresh_sources(&mut self) {
        for dir in SOURCE_DIRS {
            let path = self.root.join(dir);
            let exists = path.is_dir();
            let watched = self.watched.contains(&path);
            if exists && !watched {
                match self.watcher.watch(&path, RecursiveMode::Recursive) {
                    Ok(()) => {
                        self.watched.insert(path);
                    }
                    Err(error) => eprintln!("warning: cannot watch {}: {error}", path.display()),
                }
            } else if !exists && watched {
                // The folder is gone, and its watch with it.
                let _ = self.watcher.unwatch(&path);
                self.watched.remove(&path);
            }
        }
    }

    /// Blocks until relevant changes arrive and their window closes; `None`
    /// when the watcher has stopped.
    pub fn next_changes(&mut self) -> Option<Changes> {
        let mut changes = Changes::default();
        loop {
            let event = self.events.recv().ok()?;
            if absorb(&self.root, self.deploy_log.as_deref(), event, &mut changes) {
                break;
            }
        }
        let opened = Instant::now();
        let mut last_relevant = opened;
        let mut quiet = QUIET;
        let mut finished = Finished::default();
        loop {
            let deadline = (last_relevant + quiet).min(opened + MAX_WAIT);
            let Some(wait) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            match self.events.recv_timeout(wait) {
                Ok(event) => {
                    finished.note(&self.root, &event);
                    if absorb(&self.root, self.deploy_log.as_deref(), event, &mut changes) {
                        last_relevant = Instant::now();
                        quiet = QUIET;
                    }
                    if finished.settles(&changes) {
                        last_relevant = Instant::now();
                        quiet = SETTLED;
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        self.forget_vanished_temporaries(&mut changes);
        Some(changes)
    }

    /// Drops paths that no longer exist (temporaries renamed over a file)
    /// from the description when some changed path still exists.
    fn forget_vanished_temporaries(&self, changes: &mut Changes) {
        let existing: BTreeSet<String> = changes
            .paths
            .iter()
            .filter(|path| self.root.join(path).exists())
            .cloned()
            .collect();
        if !existing.is_empty() {
            changes.paths = existing;
        }
    }
}

/// Adds `event` to `changes`; whether it was relevant. `deploy_log` is the
/// log's path relative to `root` ([`normalized`]), when there is one.
fn absorb(
    root: &Path,
    deploy_log: Option<&str>,
    event: notify::Result<Event>,
    changes: &mut Changes,
) -> bool {
    let event = match event {
        Ok(event) => event,
        Err(error) => {
            eprintln!("warning: file watcher: {error}; rebuilding everything");
            changes.rescan = true;
            return true;
        }
    };
    if event.need_rescan() {
        changes.rescan = true;
        return true;
    }
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    let mut relevant = false;
    for path in &event.paths {
        if let Some(source) = classify(root, deploy_log, path) {
            relevant = true;
            changes.theme |= source.is_theme;
            changes.paths.insert(source.relative);
        }
    }
    relevant
}

/// The record files a writer finished during one window: closed after
/// writing, or renamed onto (an editor's or `sed -i`'s save), and not
/// written again since.
#[derive(Default)]
struct Finished(BTreeSet<String>);

impl Finished {
    /// Takes `event` into account: a finished write of a record file marks
    /// it, any other change to a source unmarks the sources it names.
    fn note(&mut self, root: &Path, event: &notify::Result<Event>) {
        use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
        let Ok(event) = event else {
            return;
        };
        let relative = |path: &PathBuf| classify(root, None, path).map(|source| source.relative);
        match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write))
            | EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both)) => {
                // A rename names the old path first, the new one last.
                let target = match event.kind {
                    EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => event.paths.last(),
                    _ => event.paths.first(),
                };
                if let Some(path) = target.and_then(relative) {
                    if crate::load::is_record_file(&path) {
                        self.0.insert(path);
                    }
                }
            }
            EventKind::Access(_) => {}
            _ => {
                for path in event.paths.iter().filter_map(relative) {
                    self.0.remove(&path);
                }
            }
        }
    }

    /// Whether every source `changes` names is a record file a writer
    /// finished: then the window need not wait out [`QUIET`] ([`SETTLED`]).
    fn settles(&self, changes: &Changes) -> bool {
        !changes.rescan
            && !changes.theme
            && !changes.paths.is_empty()
            && changes.paths.iter().all(|path| self.0.contains(path))
    }
}

/// A changed portal source.
struct Source {
    relative: String,
    is_theme: bool,
}

/// The source `path` belongs to, or `None` when a rebuild need not look at
/// it (outside the sources and not the deploy log, hidden, an editor
/// temporary).
fn classify(root: &Path, deploy_log: Option<&str>, path: &Path) -> Option<Source> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.iter().any(|part| is_editor_temporary(part)) {
        return None;
    }
    let relative = parts.join("/");
    if deploy_log == Some(relative.as_str()) {
        return Some(Source {
            relative,
            is_theme: false,
        });
    }
    let is_theme = match parts.first().map(String::as_str)? {
        "portal.yaml" if parts.len() == 1 => false,
        "content" => false,
        "templates" | "static" => true,
        _ => return None,
    };
    Some(Source { relative, is_theme })
}

/// `deploy_log` as written (a relative path, checked by
/// [`crate::model::config::check_deploy_log_path`]) in the form [`classify`]
/// compares: its named components joined with `/`, without `.`.
fn normalized(deploy_log: &str) -> String {
    Path::new(deploy_log)
        .components()
        .filter_map(|part| match part {
            std::path::Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The folder of the deploy log at `log` (relative to `root`) when neither
/// the root's watch (a log directly in the root) nor a source folder's
/// covers it.
fn uncovered_folder(root: &Path, log: &str) -> Option<PathBuf> {
    let (folder, _) = log.rsplit_once('/')?;
    let first = folder.split('/').next()?;
    (!SOURCE_DIRS.contains(&first)).then(|| root.join(folder))
}

/// Names editors and tools write next to the file being saved: what the
/// loader skips (hidden files such as `.x.swp` and `.#x`, `x~`, `x.swp`,
/// vim's `4913`), Emacs auto-saves (`#x#`), JetBrains and other `*.tmp`.
fn is_editor_temporary(name: &str) -> bool {
    crate::load::is_ignored_name(name)
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with(".tmp")
        || name.ends_with(".swx")
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, CreateKind, ModifyKind, RenameMode};

    fn event(kind: EventKind, paths: &[&str]) -> notify::Result<Event> {
        let mut event = Event::new(kind);
        for path in paths {
            event = event.add_path(PathBuf::from("/portal").join(path));
        }
        Ok(event)
    }

    #[test]
    fn sources_are_relevant_and_temporaries_are_not() {
        let root = Path::new("/portal");
        for (path, relevant) in [
            ("portal.yaml", true),
            ("content/changes/2026/a.md", true),
            ("templates/public/base.html", true),
            ("static/logo.png", true),
            ("out/public/index.html", false),
            ("target/debug/x", false),
            ("README.md", false),
            ("content/changes/.a.md.swp", false),
            ("content/changes/a.md~", false),
            ("content/changes/4913", false),
            ("content/changes/.#a.md", false),
            ("content/changes/#a.md#", false),
            ("content/.git/index", false),
            ("templates/public/base.html___jb_tmp___", false),
        ] {
            assert_eq!(
                classify(root, None, &root.join(path)).is_some(),
                relevant,
                "{path}"
            );
        }
    }

    #[test]
    fn a_rename_save_burst_is_one_change_and_reads_are_ignored() {
        let root = Path::new("/portal");
        let mut changes = Changes::default();
        let burst = [
            event(
                EventKind::Create(CreateKind::File),
                &["content/changes/4913"],
            ),
            event(
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                &["content/changes/a.md", "content/changes/a.md~"],
            ),
            event(
                EventKind::Create(CreateKind::File),
                &["content/changes/a.md"],
            ),
            event(
                EventKind::Modify(ModifyKind::Any),
                &["content/changes/a.md"],
            ),
        ];
        let relevant: Vec<bool> = burst
            .into_iter()
            .map(|e| absorb(root, None, e, &mut changes))
            .collect();
        assert_eq!(relevant, [false, true, true, true]);
        assert_eq!(changes.describe(), "content/changes/a.md");
        assert!(!changes.needs_theme());
        let read = event(
            EventKind::Access(AccessKind::Any),
            &["content/changes/a.md"],
        );
        assert!(!absorb(root, None, read, &mut Changes::default()));
    }

    #[test]
    fn a_finished_write_of_the_record_files_alone_settles_the_window() {
        use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
        let root = Path::new("/portal");
        let record = "content/changes/a.md";
        let closed = |path: &str| {
            event(
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                &[path],
            )
        };
        let changed = |paths: &[&str]| {
            let mut changes = Changes::default();
            for path in paths {
                let modified = event(EventKind::Modify(ModifyKind::Any), &[path]);
                assert!(absorb(root, None, modified, &mut changes), "{path}");
            }
            changes
        };
        let settles = |events: &[&notify::Result<Event>], changes: &Changes| {
            let mut finished = Finished::default();
            for event in events {
                finished.note(root, event);
            }
            finished.settles(changes)
        };
        // A record written in place, then closed: served without waiting.
        assert!(settles(&[&closed(record)], &changed(&[record])));
        // A temporary renamed over the record: the same.
        let renamed = event(
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            &["content/changes/x.tmp", record],
        );
        assert!(settles(&[&renamed], &changed(&[record])));
        // Still writing, or other sources in the window: the quiet window.
        let modified = event(EventKind::Modify(ModifyKind::Any), &[record]);
        assert!(!settles(&[&modified], &changed(&[record])));
        assert!(!settles(&[&closed(record)], &Changes::default()));
        // Written again after the close: not finished any more.
        assert!(!settles(&[&closed(record), &modified], &changed(&[record])));
        // Another record closed while this one is still being written.
        let other_record = "content/changes/b.md";
        assert!(!settles(
            &[&closed(other_record)],
            &changed(&[record, other_record])
        ));
        assert!(!settles(&[&closed(other_record)], &changed(&[record])));
        assert!(settles(
            &[&closed(other_record), &closed(record)],
            &changed(&[record, other_record])
        ));
        for other in [
            "portal.yaml",
            "templates/public/base.html",
            "content/pages/a.md",
        ] {
            assert!(
                !settles(&[&closed(record)], &changed(&[record, other])),
                "{other}"
            );
            assert!(!settles(&[&closed(other)], &changed(&[other])), "{other}");
        }
        let mut lost = changed(&[record]);
        lost.rescan = true;
        assert!(!settles(&[&closed(record)], &lost));
    }

    #[test]
    fn template_changes_reload_the_theme() {
        let mut changes = Changes::default();
        assert!(absorb(
            Path::new("/portal"),
            None,
            event(
                EventKind::Modify(ModifyKind::Any),
                &["templates/public/base.html"]
            ),
            &mut changes
        ));
        assert!(changes.needs_theme());
    }

    #[test]
    fn the_deploy_log_is_a_source_wherever_it_lies() {
        let root = Path::new("/portal");
        for (log, path, relevant) in [
            ("deploys.csv", "deploys.csv", true),
            ("./ops/deploys.jsonl", "ops/deploys.jsonl", true),
            ("ops/deploys.jsonl", "ops/other.jsonl", false),
            ("ops/deploys.jsonl", "ops/.deploys.jsonl.swp", false),
        ] {
            let log = normalized(log);
            let mut changes = Changes::default();
            let modified = event(EventKind::Modify(ModifyKind::Any), &[path]);
            assert_eq!(
                absorb(root, Some(&log), modified, &mut changes),
                relevant,
                "{log} / {path}"
            );
            assert!(!changes.needs_theme());
        }
        assert!(classify(root, None, &root.join("deploys.csv")).is_none());
    }

    #[test]
    fn only_a_log_folder_no_other_watch_covers_is_watched() {
        let root = Path::new("/portal");
        assert_eq!(uncovered_folder(root, "deploys.csv"), None);
        assert_eq!(uncovered_folder(root, "content/deploys.csv"), None);
        assert_eq!(
            uncovered_folder(root, "ops/logs/deploys.csv"),
            Some(root.join("ops/logs"))
        );
    }
}
