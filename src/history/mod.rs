//! Git provenance (SPEC section 3, Provenance; section 4's git flags): when
//! the portal folder is inside a git repository, the committed history of
//! every record file, read with gix (pure Rust, no C library, no `git`
//! binary needed at run time).
//!
//! What is read: the first-parent chain from HEAD (the history `git log
//! --first-parent` shows; a merge counts as one commit that brings in all
//! of its branch's changes, at the merge's time and author). Each commit's
//! `content/changes/` tree is compared with its parent's; a file deleted and
//! another added in the same commit are one record moved when the blob is
//! the same or the parsed record id is the same. Every version is parsed by
//! the loader ([`crate::load::record::parse_str`]) and compared field by
//! field ([`fields::changed`]). Working-tree files that differ from HEAD
//! are marked uncommitted and are evidence of nothing yet.
//!
//! History is read once per analysis; the walk over the commits is cached
//! in memory keyed by repository, portal folder and HEAD id, so `serve`
//! reads it again only after a commit.

pub mod fields;
pub mod flags;
mod snapshot;
mod walk;

pub use snapshot::{checkout, head_id};

use crate::model::config::Config;
use crate::model::portal::Document;
use crate::model::Timestamp;
use fields::Version;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A problem reading the repository (a corrupt object, an unreadable HEAD).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HistoryError(pub String);

impl HistoryError {
    fn new(error: impl std::fmt::Display) -> Self {
        Self(error.to_string())
    }
}

/// Which history a build reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Origin {
    /// The repository around the portal folder, from HEAD; the working
    /// tree is the portal being built (every command but `verify`).
    #[default]
    Head,
    /// The repository around the portal folder `portal`, from the commit
    /// `commit` (full hex id): the portal being built is a [`checkout`] of
    /// that commit (`verify` at a manifest's commit, SPEC 6).
    Commit {
        /// The portal folder in the repository's work tree.
        portal: PathBuf,
        /// The commit's full id.
        commit: String,
    },
}

/// Whether history was available for a build, and what it holds.
#[derive(Debug, Clone)]
pub enum Provenance {
    /// The portal folder is not inside a git repository (or HEAD has no
    /// commit yet): no provenance flags, the audit site says so.
    Unavailable(String),
    /// The history that was read.
    Read(Arc<History>),
}

impl Provenance {
    /// The history, when it was read.
    pub fn history(&self) -> Option<&History> {
        match self {
            Provenance::Read(history) => Some(history),
            Provenance::Unavailable(_) => None,
        }
    }
}

/// One commit of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Full commit id, lower-case hex.
    pub id: String,
    /// The commit author's name.
    pub author: String,
    /// The commit (committer) time, UTC.
    pub time: Timestamp,
}

impl Commit {
    /// The first 10 hex digits of the id.
    pub fn short_id(&self) -> &str {
        self.id.get(..10).unwrap_or(&self.id)
    }
}

/// How a commit touched a record file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    /// The commit added the file.
    Added,
    /// The commit changed the file in place.
    Modified,
    /// The commit moved the file from this portal-relative path (possibly
    /// changing it too).
    Renamed {
        /// The path before the move.
        from: String,
    },
}

/// One commit that added or changed a record file.
#[derive(Debug, Clone)]
pub struct Change {
    /// The commit.
    pub commit: Arc<Commit>,
    /// Added, changed or moved.
    pub kind: ChangeKind,
    /// Front-matter fields whose parsed value changed against the previous
    /// readable version (SPEC 2 names, plus `body`); empty when added.
    pub fields: Vec<&'static str>,
    /// The file as this commit left it, when it was a readable record.
    pub version: Option<Arc<Version>>,
}

/// The history of one record file, oldest commit first.
#[derive(Debug, Clone)]
pub struct FileHistory {
    /// Every commit that added, changed or moved the file.
    pub changes: Vec<Change>,
    /// Whether the working-tree file differs from HEAD's.
    pub uncommitted: bool,
}

impl FileHistory {
    /// The last committed readable version.
    pub fn latest(&self) -> Option<&Version> {
        self.changes
            .iter()
            .rev()
            .find_map(|change| change.version.as_deref())
    }

    /// The first commit whose version satisfies `holds`: the commit in
    /// which a piece of evidence, in the form `holds` tests, first appears.
    pub fn first_holding(&self, holds: impl Fn(&Version) -> bool) -> Option<&Commit> {
        self.changes
            .iter()
            .find(|change| change.version.as_deref().is_some_and(&holds))
            .map(|change| &*change.commit)
    }

    /// The `scheduled` value of each committed readable version that has
    /// one, oldest first (the history an iCalendar `SEQUENCE` counts, SPEC
    /// 5).
    pub fn scheduled_values(&self) -> Vec<Timestamp> {
        self.changes
            .iter()
            .filter_map(|change| change.version.as_deref()?.record.scheduled)
            .collect()
    }
}

/// A record file that a commit deleted without moving it.
#[derive(Debug, Clone)]
pub struct Removed {
    /// Its last path, relative to the portal root.
    pub path: String,
    /// The record id of its last readable version.
    pub id: Option<String>,
    /// The commit that deleted it.
    pub commit: Arc<Commit>,
}

/// The committed history of a portal's records.
#[derive(Debug, Clone)]
pub struct History {
    /// HEAD's full commit id: the commit the site is built from.
    pub head: String,
    /// Whether `portal.yaml` or any record file in the working tree differs
    /// from HEAD (or is new, or was deleted without a commit).
    pub dirty: bool,
    /// Each record file at HEAD by its portal-relative path.
    pub files: HashMap<String, FileHistory>,
    /// Record files deleted by a commit, oldest first.
    pub removed: Vec<Removed>,
    /// `provenance.baseline` (SPEC 3): the end of the import, when set.
    pub baseline: Option<Timestamp>,
}

impl History {
    /// The `source` of an export (SPEC 5): HEAD's id, followed by `+dirty`
    /// when `portal.yaml` or a record file differs from it, since then the
    /// export holds uncommitted changes no commit can reproduce.
    pub fn source(&self) -> String {
        if self.dirty {
            format!("{}+dirty", self.head)
        } else {
            self.head.clone()
        }
    }

    /// The history of the record file at `path` (portal-relative).
    pub fn of(&self, path: &str) -> Option<&FileHistory> {
        self.files.get(path)
    }

    /// Whether `commit` is part of the import (`provenance.baseline`, SPEC
    /// 3): its committer time is at or before the baseline (a date-only
    /// baseline includes that whole day, UTC). What the import committed
    /// is the starting evidence: it raises no provenance flag. This is the
    /// one place that decides it.
    pub fn is_imported(&self, commit: &Commit) -> bool {
        self.baseline.is_some_and(|baseline| {
            if baseline.is_date_only() {
                commit.time < baseline.period_end()
            } else {
                commit.time <= baseline
            }
        })
    }
}

/// The cached walk: key (repository, portal prefix, HEAD) and its result.
type CachedWalk = ((PathBuf, String, String), Arc<walk::Walked>);

/// The last walk, so that `serve` reads history again only after a commit.
static LAST_WALK: Mutex<Option<CachedWalk>> = Mutex::new(None);

/// Reads the history of the portal at `root` (SPEC 3, Provenance), whose
/// records are `documents`, from `origin`: HEAD of the repository around
/// `root`, or a commit of the repository around another folder when `root`
/// is a [`checkout`] of it. Output: [`Provenance::Read`], or
/// [`Provenance::Unavailable`] with the reason (not a git repository, no
/// commit yet, no such commit, or a repository that could not be read).
pub fn read(
    root: &Path,
    origin: &Origin,
    config: &Config,
    documents: &[std::sync::Arc<Document>],
) -> Provenance {
    let repo_folder = match origin {
        Origin::Head => root,
        Origin::Commit { portal, .. } => portal.as_path(),
    };
    let Some((repo, prefix)) = snapshot::open(repo_folder) else {
        return Provenance::Unavailable("the portal folder is not in a git repository".into());
    };
    let tip = match tip(&repo, origin) {
        Ok(tip) => tip,
        Err(reason) => return Provenance::Unavailable(reason),
    };
    let blobs = working_blobs(root, documents);
    let key = (
        repo.git_dir().to_path_buf(),
        prefix.clone(),
        tip.to_string(),
    );
    let known = || {
        documents
            .iter()
            .zip(&blobs)
            .filter_map(|(document, blob)| Some(((*blob)?, Some(Arc::new(Version::of(document))))))
            .collect()
    };
    let walked = match cached_walk(&key, || walk::walk(&repo, &prefix, config, tip, known())) {
        Ok(walked) => walked,
        Err(error) => {
            return Provenance::Unavailable(format!("the git history could not be read: {error}"))
        }
    };
    let mut history = with_working_tree(root, &walked, documents, &blobs);
    history.baseline = config.provenance.baseline;
    Provenance::Read(Arc::new(history))
}

/// The git blob id of each of `documents`' files in the working tree at
/// `root`, in order; `None` for a file that cannot be read.
fn working_blobs(
    root: &Path,
    documents: &[std::sync::Arc<Document>],
) -> Vec<Option<gix::ObjectId>> {
    documents
        .par_iter()
        .map(|document| snapshot::blob_id_of_file(root, &document.path))
        .collect()
}

/// The commit the history of `origin` starts from. Errors: the reason no
/// history can be read (no commit yet, no such commit).
fn tip(repo: &gix::Repository, origin: &Origin) -> Result<gix::ObjectId, String> {
    match origin {
        Origin::Head => repo
            .head_id()
            .map(|head| head.detach())
            .map_err(|_| "the git repository has no commit yet".to_string()),
        Origin::Commit { commit, .. } => gix::ObjectId::from_hex(commit.as_bytes())
            .ok()
            .filter(|id| repo.find_commit(*id).is_ok())
            .ok_or_else(|| format!("the git repository has no commit {commit}")),
    }
}

/// The walk for `key`, from the cache or from `walk`.
fn cached_walk(
    key: &(PathBuf, String, String),
    walk: impl FnOnce() -> Result<walk::Walked, HistoryError>,
) -> Result<Arc<walk::Walked>, HistoryError> {
    let mut last = LAST_WALK
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    if let Some((cached_key, walked)) = last.as_ref() {
        if cached_key == key {
            return Ok(walked.clone());
        }
    }
    let walked = Arc::new(walk()?);
    *last = Some((key.clone(), walked.clone()));
    Ok(walked)
}

/// The walked history with each file's uncommitted state: a working file
/// whose bytes hash to another blob than HEAD's, a working record HEAD does
/// not have, a HEAD record missing from the working tree and a
/// `portal.yaml` other than HEAD's all make the history dirty.
/// `blobs` are the documents' blob ids ([`working_blobs`]).
fn with_working_tree(
    root: &Path,
    walked: &walk::Walked,
    documents: &[std::sync::Arc<Document>],
    blobs: &[Option<gix::ObjectId>],
) -> History {
    let mut files = HashMap::with_capacity(walked.files.len());
    let mut dirty = snapshot::blob_id_of_file(root, "portal.yaml") != walked.config;
    let mut seen = HashSet::new();
    for (document, blob_now) in documents.iter().zip(blobs) {
        seen.insert(document.path.as_str());
        let Some((blob, history)) = walked.files.get(&document.path) else {
            dirty = true;
            continue;
        };
        let uncommitted = *blob_now != Some(*blob);
        dirty |= uncommitted;
        files.insert(
            document.path.clone(),
            FileHistory {
                uncommitted,
                ..history.clone()
            },
        );
    }
    dirty |= walked
        .files
        .iter()
        .filter(|(path, _)| !seen.contains(path.as_str()))
        .any(|(path, (blob, _))| snapshot::blob_id_of_file(root, path) != Some(*blob));
    History {
        head: walked.head.clone(),
        dirty,
        files,
        removed: walked.removed.clone(),
        baseline: None,
    }
}
