//! The repository around a portal folder: opening it, HEAD's id (the
//! `source` of exports, SPEC 5), working-file blob ids, and the portal's
//! files as a given commit holds them (for `verify`, SPEC 6).

use super::HistoryError;
use gix::ObjectId;
use std::path::{Path, PathBuf};

/// The size of the cache of delta bases read from packs, in bytes.
const PACK_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The repository that holds `root`, and `root` relative to its work tree
/// as a prefix (`` at the top, `docs/portal/` below it). `None` when `root`
/// is in no repository with a work tree.
pub(super) fn open(root: &Path) -> Option<(gix::Repository, String)> {
    let mut repo = gix::discover(root).ok()?;
    let workdir = repo.workdir()?.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    let relative = root.strip_prefix(&workdir).ok()?;
    let mut prefix = String::new();
    for component in relative.components() {
        prefix.push_str(component.as_os_str().to_str()?);
        prefix.push('/');
    }
    repo.object_cache_size_if_unset(16 * 1024 * 1024);
    // The delta-base cache: each version of a big records tree is a delta
    // chain in the pack; without it every lookup inflates the whole chain.
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            PACK_CACHE_BYTES,
        ))
    });
    Some((repo, prefix))
}

/// HEAD's full commit id (lower-case hex) of the repository holding the
/// portal at `root`: the `source` of an export (SPEC 5). `None` outside
/// git or before the first commit.
pub fn head_id(root: &Path) -> Option<String> {
    let (repo, _) = open(root)?;
    let head = repo.head_id().ok()?;
    Some(head.detach().to_string())
}

/// The git blob id of the file at `path` (relative to `root`) as it is in
/// the working tree; `None` when it cannot be read.
pub(super) fn blob_id_of_file(root: &Path, path: &str) -> Option<ObjectId> {
    let bytes = crate::load::tree::read_inside(root, &root.join(path)).ok()?;
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, &bytes).ok()
}

/// Writes the portal at `root` as commit `commit` (full hex id) holds it
/// into a new temporary folder, for `verify` to recompute a population at
/// the manifest's commit (SPEC 6). Only regular files are written
/// (symbolic links and submodules are skipped, as the loader would refuse
/// them). Output: the folder, deleted when dropped. Errors: `root` is not in
/// a git repository, the id is malformed or names no commit, the commit
/// does not hold the portal folder, or a file cannot be written.
pub fn checkout(root: &Path, commit: &str) -> Result<tempfile::TempDir, HistoryError> {
    let (repo, prefix) = open(root)
        .ok_or_else(|| HistoryError(format!("{} is not in a git repository", root.display())))?;
    let id = ObjectId::from_hex(commit.as_bytes())
        .map_err(|_| HistoryError(format!("`{commit}` is not a full commit id")))?;
    let commit_object = repo
        .find_commit(id)
        .map_err(|error| HistoryError(format!("commit {commit}: {error}")))?;
    let mut tree = commit_object.tree_id().map_err(HistoryError::new)?.detach();
    for name in prefix.split('/').filter(|name| !name.is_empty()) {
        tree = find_subtree(&repo, tree, name)?.ok_or_else(|| {
            HistoryError(format!("commit {commit} does not hold the portal folder"))
        })?;
    }
    let folder = tempfile::TempDir::new().map_err(HistoryError::new)?;
    write_tree(&repo, tree, folder.path())?;
    Ok(folder)
}

/// The id of the tree entry `name` of the tree `id`, when it is a tree.
fn find_subtree(
    repo: &gix::Repository,
    id: ObjectId,
    name: &str,
) -> Result<Option<ObjectId>, HistoryError> {
    let tree = repo.find_tree(id).map_err(HistoryError::new)?;
    let decoded = tree.decode().map_err(HistoryError::new)?;
    Ok(decoded
        .entries
        .iter()
        .find(|entry| entry.mode.is_tree() && entry.filename == name.as_bytes())
        .map(|entry| entry.oid.to_owned()))
}

/// Writes the regular files of the tree `id` below `folder`.
fn write_tree(repo: &gix::Repository, id: ObjectId, folder: &Path) -> Result<(), HistoryError> {
    let tree = repo.find_tree(id).map_err(HistoryError::new)?;
    let decoded = tree.decode().map_err(HistoryError::new)?;
    for entry in &decoded.entries {
        let Some(target) = safe_child(folder, &entry.filename.to_string()) else {
            continue;
        };
        if entry.mode.is_tree() {
            std::fs::create_dir_all(&target).map_err(HistoryError::new)?;
            write_tree(repo, entry.oid.to_owned(), &target)?;
        } else if entry.mode.is_blob() {
            let blob = repo.find_blob(entry.oid).map_err(HistoryError::new)?;
            std::fs::write(&target, &blob.data).map_err(HistoryError::new)?;
        }
    }
    Ok(())
}

/// `folder/name`, unless `name` could leave the folder.
fn safe_child(folder: &Path, name: &str) -> Option<PathBuf> {
    let plain =
        !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0']);
    plain.then(|| folder.join(name))
}
