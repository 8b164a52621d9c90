//! Reading the committed history of `content/changes/` with gix: the
//! first-parent chain from HEAD, oldest first, each commit's tree compared
//! with its first parent's under the records folder only (a commit whose
//! records folder has the same tree id as its parent's costs one lookup).

use super::fields::{self, Version};
use super::{Change, ChangeKind, Commit, FileHistory, HistoryError, Removed};
use crate::load::{is_ignored_name, record::parse_str};
use crate::model::config::Config;
use crate::model::Timestamp;
use gix::ObjectId;
use std::collections::HashMap;
use std::sync::Arc;

/// What the walk found: the lineage of every record file at HEAD (by its
/// path relative to the portal root) and the files deleted for good.
#[derive(Debug, Default)]
pub(super) struct Walked {
    /// HEAD's full commit id (hex).
    pub head: String,
    /// Record files present at HEAD, with their blob ids.
    pub files: HashMap<String, (ObjectId, FileHistory)>,
    /// Files whose last commit deleted them without a rename.
    pub removed: Vec<Removed>,
}

/// One entry of a tree: its name, whether it is a tree, and its object.
struct Entry {
    name: Vec<u8>,
    tree: bool,
    oid: ObjectId,
}

/// An entry's object before and after a commit (either may be absent).
type Sides = (Option<ObjectId>, Option<ObjectId>);

/// A file that one commit added, deleted or modified, relative to the
/// records folder.
struct Delta {
    path: String,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
}

/// The walk's state: the repository, the parsed-blob cache and the
/// lineages built so far.
struct Walker<'a> {
    repo: &'a gix::Repository,
    config: &'a Config,
    /// `content/changes` relative to the repository root, `/`-separated.
    records_dir: Vec<String>,
    versions: HashMap<ObjectId, Option<Arc<Version>>>,
    files: HashMap<String, (ObjectId, FileHistory)>,
    removed: Vec<Removed>,
}

/// Walks the first-parent history of `repo` from HEAD; `portal_prefix` is
/// the portal folder relative to the repository root (`` or `docs/`).
/// Errors: HEAD or an object of the chain cannot be read.
pub(super) fn walk(
    repo: &gix::Repository,
    portal_prefix: &str,
    config: &Config,
) -> Result<Walked, HistoryError> {
    let head = repo.head_id().map_err(HistoryError::new)?.detach();
    let mut chain = Vec::new();
    let mut next = Some(head);
    while let Some(id) = next {
        let commit = repo.find_commit(id).map_err(HistoryError::new)?;
        next = commit.parent_ids().next().map(|parent| parent.detach());
        chain.push(id);
    }
    chain.reverse();
    let mut walker = Walker {
        repo,
        config,
        records_dir: format!("{portal_prefix}content/changes")
            .split('/')
            .map(str::to_string)
            .collect(),
        versions: HashMap::new(),
        files: HashMap::new(),
        removed: Vec::new(),
    };
    let mut previous: Option<ObjectId> = None;
    for id in chain {
        let commit = repo.find_commit(id).map_err(HistoryError::new)?;
        let tree = commit.tree_id().map_err(HistoryError::new)?.detach();
        let records = walker.subtree(tree)?;
        if records != previous {
            let mut deltas = Vec::new();
            walker.diff(previous, records, "", &mut deltas)?;
            let info = commit_info(&commit, id)?;
            walker.apply(&info, deltas)?;
        }
        previous = records;
    }
    Ok(Walked {
        head: head.to_string(),
        files: walker.files,
        removed: walker.removed,
    })
}

/// The id, author and commit time of `commit`.
fn commit_info(commit: &gix::Commit<'_>, id: ObjectId) -> Result<Arc<Commit>, HistoryError> {
    let author = commit.author().map_err(HistoryError::new)?;
    let seconds = commit.time().map_err(HistoryError::new)?.seconds;
    let instant = chrono::DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| HistoryError(format!("commit {id} has an impossible time")))?;
    Ok(Arc::new(Commit {
        id: id.to_string(),
        author: author.name.to_string(),
        time: Timestamp::from_instant(instant),
    }))
}

impl Walker<'_> {
    /// The id of the records folder's tree inside the tree `root`, if any.
    fn subtree(&self, root: ObjectId) -> Result<Option<ObjectId>, HistoryError> {
        let mut current = root;
        for name in &self.records_dir {
            let entries = self.entries(current)?;
            match entries
                .into_iter()
                .find(|entry| entry.tree && entry.name == name.as_bytes())
            {
                Some(entry) => current = entry.oid,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// The entries of the tree `id`, in git's order.
    fn entries(&self, id: ObjectId) -> Result<Vec<Entry>, HistoryError> {
        let tree = self.repo.find_tree(id).map_err(HistoryError::new)?;
        let decoded = tree.decode().map_err(HistoryError::new)?;
        Ok(decoded
            .entries
            .iter()
            .filter(|entry| entry.mode.is_tree() || entry.mode.is_blob())
            .map(|entry| Entry {
                name: entry.filename.to_vec(),
                tree: entry.mode.is_tree(),
                oid: entry.oid.to_owned(),
            })
            .collect())
    }

    /// Appends to `out` every record file that differs between the trees
    /// `old` and `new` (either may be absent), below the folder `base`.
    fn diff(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        base: &str,
        out: &mut Vec<Delta>,
    ) -> Result<(), HistoryError> {
        if old == new {
            return Ok(());
        }
        let old_entries = old.map(|id| self.entries(id)).transpose()?;
        let new_entries = new.map(|id| self.entries(id)).transpose()?;
        let mut both: std::collections::BTreeMap<(&[u8], bool), Sides> =
            std::collections::BTreeMap::new();
        for entry in old_entries.iter().flatten() {
            both.entry((&entry.name, entry.tree)).or_default().0 = Some(entry.oid);
        }
        for entry in new_entries.iter().flatten() {
            both.entry((&entry.name, entry.tree)).or_default().1 = Some(entry.oid);
        }
        for ((name, tree), (before, after)) in both {
            let name = String::from_utf8_lossy(name);
            let path = format!("{base}{name}");
            if tree {
                self.diff(before, after, &format!("{path}/"), out)?;
            } else if before != after && is_record_name(&name) {
                out.push(Delta {
                    path,
                    old: before,
                    new: after,
                });
            }
        }
        Ok(())
    }

    /// The parsed version of the blob `id` (`None` when it is not a
    /// readable record), parsed once per blob.
    fn version(&mut self, id: ObjectId) -> Result<Option<Arc<Version>>, HistoryError> {
        if let Some(found) = self.versions.get(&id) {
            return Ok(found.clone());
        }
        let blob = self.repo.find_blob(id).map_err(HistoryError::new)?;
        let parsed = std::str::from_utf8(&blob.data)
            .ok()
            .and_then(|text| parse_str(text, "history.md", self.config).document)
            .map(|document| {
                Arc::new(Version {
                    record: document.record,
                    body: (document.public_body, document.internal_body),
                })
            });
        self.versions.insert(id, parsed.clone());
        Ok(parsed)
    }

    /// Applies one commit's deltas: modifications, additions, renames
    /// (same blob, else same record id) and removals.
    fn apply(&mut self, commit: &Arc<Commit>, deltas: Vec<Delta>) -> Result<(), HistoryError> {
        let mut added = Vec::new();
        let mut deleted = Vec::new();
        for delta in deltas {
            let path = format!("content/changes/{}", delta.path);
            match (delta.old, delta.new) {
                (Some(_), Some(new)) => {
                    self.modify(commit, &path, &path, new, ChangeKind::Modified)?
                }
                (None, Some(new)) => added.push((path, new)),
                (Some(_), None) => deleted.push(path),
                (None, None) => {}
            }
        }
        let renames = self.pair_renames(&mut added, &mut deleted)?;
        for (from, to, new) in renames {
            let kind = ChangeKind::Renamed { from: from.clone() };
            self.modify(commit, &from, &to, new, kind)?;
        }
        for (path, new) in added {
            let version = self.version(new)?;
            let change = Change {
                commit: commit.clone(),
                kind: ChangeKind::Added,
                fields: Vec::new(),
                version,
            };
            let history = FileHistory {
                changes: vec![change],
                uncommitted: false,
            };
            self.files.insert(path, (new, history));
        }
        for path in deleted {
            if let Some((_, history)) = self.files.remove(&path) {
                self.removed.push(Removed {
                    id: history.latest().map(|version| version.record.id.clone()),
                    path,
                    commit: commit.clone(),
                });
            }
        }
        Ok(())
    }

    /// Pairs deleted and added files that are one record moved: the same
    /// blob first, then the same record id. Returns `(from, to, new blob)`
    /// and leaves the unpaired ones in `added` and `deleted`.
    fn pair_renames(
        &mut self,
        added: &mut Vec<(String, ObjectId)>,
        deleted: &mut Vec<String>,
    ) -> Result<Vec<(String, String, ObjectId)>, HistoryError> {
        let mut renames = Vec::new();
        let mut index = 0;
        while index < deleted.len() {
            let from = &deleted[index];
            let Some((old_blob, history)) = self.files.get(from) else {
                index += 1;
                continue;
            };
            let old_id = history.latest().map(|version| version.record.id.clone());
            let mut partner = added.iter().position(|(_, blob)| blob == old_blob);
            if partner.is_none() {
                if let Some(old_id) = old_id {
                    for (position, (_, blob)) in added.iter().enumerate() {
                        let same = self.version(*blob)?.is_some_and(|v| v.record.id == old_id);
                        if same {
                            partner = Some(position);
                            break;
                        }
                    }
                }
            }
            match partner {
                Some(position) => {
                    let (to, blob) = added.remove(position);
                    renames.push((deleted.remove(index), to, blob));
                }
                None => index += 1,
            }
        }
        Ok(renames)
    }

    /// Records that `commit` changed the file at `from` into the blob `new`
    /// at `to` (the same path unless renamed).
    fn modify(
        &mut self,
        commit: &Arc<Commit>,
        from: &str,
        to: &str,
        new: ObjectId,
        kind: ChangeKind,
    ) -> Result<(), HistoryError> {
        let version = self.version(new)?;
        let Some((_, mut history)) = self.files.remove(from) else {
            return Ok(());
        };
        let fields = match (history.latest(), &version) {
            (Some(before), Some(after)) => fields::changed(before, after),
            _ => Vec::new(),
        };
        history.changes.push(Change {
            commit: commit.clone(),
            kind,
            fields,
            version,
        });
        self.files.insert(to.to_string(), (new, history));
        Ok(())
    }
}

/// Whether a file name is a record file the loader would read.
fn is_record_name(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    name.ends_with(".md") && !is_ignored_name(file)
}
