//! What the server shows: the last good build of both sites, held in memory,
//! and the diagnostics of the latest failed rebuild. A rebuild replaces the
//! whole [`Snapshot`] at once, so a request sees either the old site or the
//! new one, never a mix.

use super::inject::PageFlag;
use super::paths::Mount;
use super::rebuild::Problems;
use crate::build::incremental::{Files, Pages};
use crate::diagnostics::{Flag, Level};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use tokio::sync::Notify;

/// Both sites' files by path relative to their site root, and the flags
/// of each internal record page. The record pages are complete when the
/// site is published; every other file (the aggregates) may still be
/// rendering ([`Aggregates`]): [`Site::complete`] waits for them.
#[derive(Debug)]
pub struct Site {
    public: Pages,
    internal: Pages,
    aggregates: Arc<Aggregates>,
    flags: HashMap<String, Vec<PageFlag>>,
}

/// The files of a site that are not record pages, once rendered: both
/// sites' (public, internal), or why they could not be.
pub type AggregateFiles = Result<(Files, Files), AggregateError>;

/// Why the aggregates are missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggregateError {
    /// A newer rebuild replaced this one before they were done.
    Superseded,
    /// Rendering failed: the message.
    Failed(String),
}

/// Aggregates being rendered on another thread: set once, awaited by
/// requests.
#[derive(Debug, Default)]
pub struct Aggregates {
    files: OnceLock<AggregateFiles>,
    ready: Notify,
}

impl Aggregates {
    /// Aggregates already rendered.
    #[cfg(test)]
    pub fn ready(files: AggregateFiles) -> Self {
        Self {
            files: OnceLock::from(files),
            ready: Notify::new(),
        }
    }

    /// Stores the result and wakes every request waiting for it; a second
    /// call is ignored.
    pub fn finish(&self, files: AggregateFiles) {
        let _ = self.files.set(files);
        self.ready.notify_waiters();
    }

    /// The result, when there is one.
    pub fn get(&self) -> Option<&AggregateFiles> {
        self.files.get()
    }

    /// Waits (without blocking a thread) until the result is there.
    pub async fn wait(&self) -> &AggregateFiles {
        loop {
            let notified = self.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(files) = self.files.get() {
                return files;
            }
            notified.await;
        }
    }
}

impl Site {
    /// Takes the rendered files of a full build (no copy of the bytes).
    #[cfg(test)]
    pub fn from_sites(sites: crate::render::Sites) -> Self {
        Self::new(
            Pages::from(crate::build::incremental::by_path(sites.public)),
            Pages::from(crate::build::incremental::by_path(sites.internal)),
            Arc::new(Aggregates::ready(Ok((Files::new(), Files::new())))),
        )
    }

    /// A site of the record pages `public` and `internal`, and `aggregates`
    /// for the rest.
    pub fn new(public: Pages, internal: Pages, aggregates: Arc<Aggregates>) -> Self {
        Self {
            public,
            internal,
            aggregates,
            flags: HashMap::new(),
        }
    }

    /// Waits until the file at `key` of `mount` can be answered: at once
    /// for a record page, else once the aggregates are rendered. Output:
    /// why they are missing, if they are.
    pub async fn complete(&self, mount: Mount, key: &str) -> Result<(), AggregateError> {
        if self.record_page(mount, key).is_some() {
            return Ok(());
        }
        self.aggregates
            .wait()
            .await
            .as_ref()
            .map(|_| ())
            .map_err(Clone::clone)
    }

    /// Whether every file of the site is rendered (its aggregates too).
    pub fn is_complete(&self) -> bool {
        matches!(self.aggregates.get(), Some(Ok(_)))
    }

    fn record_page(&self, mount: Mount, key: &str) -> Option<&[u8]> {
        let files = match mount {
            Mount::Public => &self.public,
            Mount::Internal => &self.internal,
        };
        files.get(key).map(|bytes| &bytes[..])
    }

    /// The site with `flags` filed under the internal page of the record
    /// each concerns ([`crate::paths::internal::change_page`]); editor links
    /// point into the portal at `root`.
    pub fn with_flags(mut self, flags: &[Flag], root: &Path) -> Self {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        for flag in flags {
            let Some(id) = &flag.record else {
                continue;
            };
            let page = crate::paths::internal::change_page(&id.to_lowercase());
            let path = root.join(&flag.file);
            self.flags.entry(page).or_default().push(PageFlag {
                severity: if flag.level == Level::Deny {
                    "error"
                } else {
                    "warning"
                },
                code: flag.code.as_str(),
                message: flag.message.clone(),
                location: format!("{}:{}:{}", flag.file, flag.line, flag.column),
                editor_link: format!(
                    "vscode://file{}{}:{}:{}",
                    if path.starts_with("/") { "" } else { "/" },
                    path.display(),
                    flag.line,
                    flag.column
                ),
            });
        }
        self
    }

    /// The flags of the internal page at `key` (empty for other pages).
    pub fn flags_of(&self, mount: Mount, key: &str) -> &[PageFlag] {
        match mount {
            Mount::Internal => self.flags.get(key).map_or(&[], Vec::as_slice),
            Mount::Public => &[],
        }
    }

    /// The file at `key` in the site mounted at `mount`: a record page, or
    /// an aggregate once they are rendered ([`Site::complete`]).
    pub fn get(&self, mount: Mount, key: &str) -> Option<&[u8]> {
        if let Some(bytes) = self.record_page(mount, key) {
            return Some(bytes);
        }
        let (public, internal) = self.aggregates.get()?.as_ref().ok()?;
        let files = match mount {
            Mount::Public => public,
            Mount::Internal => internal,
        };
        files.get(key).map(|bytes| &bytes[..])
    }
}

/// What every request is answered from.
#[derive(Debug)]
pub struct Snapshot {
    /// The last good build; `None` until a build has succeeded.
    pub site: Option<Arc<Site>>,
    /// Diagnostics of the latest rebuild when it failed.
    pub problems: Option<String>,
    /// Identifies this snapshot to open pages (`<start>-<counter>`, so that
    /// a restarted server never repeats a generation a page still holds).
    pub generation: String,
}

/// The current snapshot, shared by the request threads and the rebuild loop.
#[derive(Debug)]
pub struct Shared {
    current: RwLock<Arc<Snapshot>>,
    /// Stops the aggregates of the snapshot being rendered.
    canceller: std::sync::Mutex<Option<Arc<std::sync::atomic::AtomicBool>>>,
    /// The last site whose aggregates all rendered: what is served again
    /// when a newer site's aggregates fail.
    complete: std::sync::Mutex<Option<Arc<Site>>>,
    epoch: u128,
    counter: AtomicU64,
}

impl Default for Shared {
    fn default() -> Self {
        Self::new()
    }
}

impl Shared {
    /// An empty state: no site yet, no problems.
    pub fn new() -> Self {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis());
        Self {
            current: RwLock::new(Arc::new(Snapshot {
                site: None,
                problems: None,
                generation: format!("{epoch:x}-0"),
            })),
            canceller: std::sync::Mutex::new(None),
            complete: std::sync::Mutex::new(None),
            epoch,
            counter: AtomicU64::new(0),
        }
    }

    /// Keeps `canceller` as the one of the current rendering of aggregates;
    /// returns the previous one, to cancel.
    pub fn replace_canceller(
        &self,
        canceller: Arc<std::sync::atomic::AtomicBool>,
    ) -> Option<Arc<std::sync::atomic::AtomicBool>> {
        self.canceller
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(canceller)
    }

    /// The snapshot to answer a request from.
    pub fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Serves `site` from now on, clearing any problems; returns the new
    /// generation.
    pub fn publish_site(&self, site: Arc<Site>) -> String {
        self.replace(|_| (Some(site), None))
    }

    /// Records that every file of `site` is rendered: it is the build
    /// served again should a newer one's aggregates fail.
    pub fn completed(&self, site: Arc<Site>) {
        *self.complete.lock().unwrap_or_else(|p| p.into_inner()) = Some(site);
    }

    /// The aggregates of `site` failed: when `site` is still the one served,
    /// serves the last complete build again (an error page for every path
    /// when there is none) with `problems` in the overlay, and returns the
    /// new generation. `None` when a newer build replaced `site` already:
    /// its failure is no longer news.
    pub fn fall_back(&self, site: &Arc<Site>, problems: &Problems) -> Option<String> {
        let last = self
            .complete
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let text = problems.text();
        let mut generation = None;
        self.replace_if(
            |current| {
                current
                    .site
                    .as_ref()
                    .is_some_and(|now| Arc::ptr_eq(now, site))
            },
            |_| (last, Some(text)),
            &mut generation,
        );
        generation
    }

    /// Keeps the last good site but shows `problems` in the overlay, as the
    /// terminal prints them ([`Problems::text`]); returns the new
    /// generation.
    pub fn publish_problems(&self, problems: &Problems) -> String {
        let text = problems.text();
        self.replace(|previous| (previous.site.clone(), Some(text)))
    }

    fn replace(
        &self,
        next: impl FnOnce(&Snapshot) -> (Option<Arc<Site>>, Option<String>),
    ) -> String {
        let mut generation = None;
        self.replace_if(|_| true, next, &mut generation);
        generation.unwrap_or_default()
    }

    /// Replaces the snapshot with `next` of it when `when` holds for it,
    /// setting `generation` to the new one; all under one lock.
    fn replace_if(
        &self,
        when: impl FnOnce(&Snapshot) -> bool,
        next: impl FnOnce(&Snapshot) -> (Option<Arc<Site>>, Option<String>),
        generation: &mut Option<String>,
    ) {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        if !when(&current) {
            return;
        }
        let (site, problems) = next(&current);
        let number = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let number_text = format!("{:x}-{number}", self.epoch);
        *current = Arc::new(Snapshot {
            site,
            problems,
            generation: number_text.clone(),
        });
        *generation = Some(number_text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{OutputFile, Sites};

    fn site_with(path: &str, text: &str) -> Site {
        Site::from_sites(Sites {
            public: vec![OutputFile::new(path, text.as_bytes().to_vec())],
            internal: Vec::new(),
        })
    }

    #[test]
    fn problems_keep_the_last_good_site_until_the_next_success() {
        let shared = Shared::new();
        assert!(shared.current().site.is_none());
        let first = shared.publish_site(Arc::new(site_with("index.html", "one")));
        let broken = shared.publish_problems(&Problems::Message("broken".to_string()));
        let snapshot = shared.current();
        assert_ne!(first, broken);
        assert_eq!(snapshot.problems.as_deref(), Some("broken"));
        let site = snapshot.site.as_ref().unwrap();
        assert_eq!(site.get(Mount::Public, "index.html"), Some(&b"one"[..]));
        assert_eq!(site.get(Mount::Internal, "index.html"), None);
        shared.publish_site(Arc::new(site_with("index.html", "two")));
        assert!(shared.current().problems.is_none());
    }

    #[test]
    fn failed_aggregates_serve_the_last_complete_build_unless_superseded() {
        let shared = Shared::new();
        let good = Arc::new(site_with("index.html", "good"));
        shared.publish_site(Arc::clone(&good));
        shared.completed(Arc::clone(&good));
        let broken = Arc::new(site_with("index.html", "broken"));
        shared.publish_site(Arc::clone(&broken));
        let problems = Problems::Message("template error".to_string());
        assert!(shared.fall_back(&broken, &problems).is_some());
        let snapshot = shared.current();
        let served = snapshot.site.as_ref().unwrap();
        assert!(Arc::ptr_eq(served, &good));
        assert_eq!(snapshot.problems.as_deref(), Some("template error"));
        // A failure of a build that a newer one already replaced changes nothing.
        let newer = Arc::new(site_with("index.html", "newer"));
        shared.publish_site(Arc::clone(&newer));
        assert!(shared.fall_back(&broken, &problems).is_none());
        let snapshot = shared.current();
        assert!(Arc::ptr_eq(snapshot.site.as_ref().unwrap(), &newer));
        assert!(snapshot.problems.is_none());
    }
}
