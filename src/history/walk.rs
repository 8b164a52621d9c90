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
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

/// What the walk found: the lineage of every record file at HEAD (by its
/// path relative to the portal root) and the files deleted for good.
#[derive(Debug, Default)]
pub(super) struct Walked {
    /// The tip's full commit id (hex): HEAD, or the commit asked for.
    pub head: String,
    /// The blob of the tip's `portal.yaml`, when it has one.
    pub config: Option<ObjectId>,
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

/// Walks the first-parent history of `repo` from the commit `head` (HEAD,
/// or the commit `verify` asks for); `portal_prefix` is the portal folder
/// relative to the repository root (`` or `docs/`); `known` are versions
/// already parsed by their blob ids (the working tree's records), which are
/// not parsed again. Errors: an object of the chain cannot be read.
pub(super) fn walk(
    repo: &gix::Repository,
    portal_prefix: &str,
    config: &Config,
    head: ObjectId,
    known: HashMap<ObjectId, Option<Arc<Version>>>,
) -> Result<Walked, HistoryError> {
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
        versions: known,
        files: HashMap::new(),
        removed: Vec::new(),
    };
    let config_path: Vec<String> = format!("{portal_prefix}portal.yaml")
        .split('/')
        .map(str::to_string)
        .collect();
    let head_tree = repo
        .find_commit(head)
        .map_err(HistoryError::new)?
        .tree_id()
        .map_err(HistoryError::new)?
        .detach();
    let config_blob = walker.lookup(head_tree, &config_path, false)?;
    let mut commits = Vec::new();
    let mut previous: Option<ObjectId> = None;
    for id in chain {
        let commit = repo.find_commit(id).map_err(HistoryError::new)?;
        let tree = commit.tree_id().map_err(HistoryError::new)?.detach();
        let records = walker.subtree(tree)?;
        if records != previous {
            let mut deltas = Vec::new();
            walker.diff(previous, records, "", &mut deltas)?;
            commits.push((commit_info(&commit, id)?, deltas));
        }
        previous = records;
    }
    walker.parse_all(
        commits
            .iter()
            .flat_map(|(_, deltas)| deltas)
            .filter_map(|d| d.new),
    )?;
    for (info, deltas) in commits {
        walker.apply(&info, deltas)?;
    }
    Ok(Walked {
        head: head.to_string(),
        config: config_blob,
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
        self.lookup(root, &self.records_dir, true)
    }

    /// The id of the entry at `path` (names of folders, then of the entry)
    /// below the tree `root`, when every folder exists and the entry is a
    /// tree (`tree`) or a blob (`!tree`).
    fn lookup(
        &self,
        root: ObjectId,
        path: &[String],
        tree: bool,
    ) -> Result<Option<ObjectId>, HistoryError> {
        let mut current = root;
        for (index, name) in path.iter().enumerate() {
            let want_tree = tree || index + 1 < path.len();
            let entries = self.entries(current)?;
            match entries
                .into_iter()
                .find(|entry| entry.tree == want_tree && entry.name == name.as_bytes())
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
    /// `old` and `new` (either may be absent), below the folder `base`:
    /// a merge of the two entry lists, which git keeps sorted.
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
        let old_tree = old
            .map(|id| self.repo.find_tree(id))
            .transpose()
            .map_err(HistoryError::new)?;
        let new_tree = new
            .map(|id| self.repo.find_tree(id))
            .transpose()
            .map_err(HistoryError::new)?;
        let old_entries = entries_of(old_tree.as_ref())?;
        let new_entries = entries_of(new_tree.as_ref())?;
        let (mut i, mut j) = (0, 0);
        while i < old_entries.len() || j < new_entries.len() {
            let order = match (old_entries.get(i), new_entries.get(j)) {
                (Some(a), Some(b)) => git_order(a, b),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            let (entry, before, after) = match order {
                Ordering::Less => (&old_entries[i], Some(old_entries[i].oid.to_owned()), None),
                Ordering::Greater => (&new_entries[j], None, Some(new_entries[j].oid.to_owned())),
                Ordering::Equal => (
                    &new_entries[j],
                    Some(old_entries[i].oid.to_owned()),
                    Some(new_entries[j].oid.to_owned()),
                ),
            };
            i += usize::from(order != Ordering::Greater);
            j += usize::from(order != Ordering::Less);
            if before == after {
                continue;
            }
            let name = String::from_utf8_lossy(entry.filename);
            let path = format!("{base}{name}");
            if entry.mode.is_tree() {
                self.diff(before, after, &format!("{path}/"), out)?;
            } else if is_record_name(&name) {
                out.push(Delta {
                    path,
                    old: before,
                    new: after,
                });
            }
        }
        Ok(())
    }

    /// Parses every blob of `ids` not parsed yet, in parallel: reading
    /// the objects is quick, parsing records is most of a walk's time.
    fn parse_all(&mut self, ids: impl Iterator<Item = ObjectId>) -> Result<(), HistoryError> {
        let mut texts = Vec::new();
        for id in ids {
            if self.versions.contains_key(&id) {
                continue;
            }
            self.versions.insert(id, None);
            let blob = self.repo.find_blob(id).map_err(HistoryError::new)?;
            texts.push((id, blob.data.clone()));
        }
        let config = self.config;
        let parsed: Vec<(ObjectId, Option<Arc<Version>>)> = texts
            .into_par_iter()
            .map(|(id, bytes)| (id, parse_version(&bytes, config)))
            .collect();
        self.versions.extend(parsed);
        Ok(())
    }

    /// The parsed version of the blob `id` (`None` when it is not a
    /// readable record), parsed once per blob.
    fn version(&mut self, id: ObjectId) -> Result<Option<Arc<Version>>, HistoryError> {
        if let Some(found) = self.versions.get(&id) {
            return Ok(found.clone());
        }
        let blob = self.repo.find_blob(id).map_err(HistoryError::new)?;
        let parsed = parse_version(&blob.data, self.config);
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

/// The blob and tree entries of `tree` (none when absent), in git's order.
fn entries_of<'t>(
    tree: Option<&'t gix::Tree<'_>>,
) -> Result<Vec<gix::objs::tree::EntryRef<'t>>, HistoryError> {
    let Some(tree) = tree else {
        return Ok(Vec::new());
    };
    let decoded = tree.decode().map_err(HistoryError::new)?;
    Ok(decoded
        .entries
        .into_iter()
        .filter(|entry| entry.mode.is_tree() || entry.mode.is_blob())
        .collect())
}

/// Git's tree order: by name bytes, a tree's name as if it ended in `/`.
fn git_order(a: &gix::objs::tree::EntryRef<'_>, b: &gix::objs::tree::EntryRef<'_>) -> Ordering {
    let common = a.filename.len().min(b.filename.len());
    a.filename[..common]
        .cmp(&b.filename[..common])
        .then_with(|| {
            let next = |entry: &gix::objs::tree::EntryRef<'_>| {
                entry
                    .filename
                    .get(common)
                    .copied()
                    .or(entry.mode.is_tree().then_some(b'/'))
            };
            next(a).cmp(&next(b))
        })
}

/// A blob parsed as a record by the loader; `None` when it is not UTF-8
/// or not a valid record.
fn parse_version(bytes: &[u8], config: &Config) -> Option<Arc<Version>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let document = Arc::unwrap_or_clone(parse_str(text, "history.md", config).document?);
    Some(Arc::new(Version {
        record: document.record,
        body: (document.public_body, document.internal_body),
    }))
}

/// Whether a file name is a record file the loader would read.
fn is_record_name(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    name.ends_with(".md") && !is_ignored_name(file)
}
