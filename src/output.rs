//! Writing the sites: everything goes to a staging folder beside `--out`,
//! which replaces `--out` only once the whole build is written, so a failed or
//! interrupted build (an error, Ctrl-C, `kill -9`, a crash) leaves the previous
//! output untouched.
//!
//! Staging folders are named `.changeportal-build-<pid>-<random>`; one left
//! behind by a killed build is removed by the next build once its process is
//! gone. Nothing is ever written or deleted outside `--out` and its staging
//! folders: output paths are checked to stay inside the site folder.
//!
//! The previous output is not deleted after the swap but kept inside the
//! new one as `--out/.changeportal-previous/` ([`PREVIOUS_DIR`]), and the
//! next build writes its sites into those folders, overwriting files in
//! place and deleting what it did not write, instead of creating every
//! file and folder anew and unlinking the old ones: creating, then
//! unlinking, ~23,000 inodes was 44% of a 10,000-record build's CPU time.
//! The price is a second copy of the output on disk.

use crate::render::{OutputFile, Pieces, RenderError, Sink};
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};

/// Marks a folder as changeportal output, so that a rebuild may replace it.
pub const MARKER_FILE: &str = ".changeportal-output";

/// Name prefix of the staging folders created beside `--out`.
pub const STAGING_PREFIX: &str = ".changeportal-build-";

/// The folder inside `--out` that keeps the previous output's sites for the
/// next build to write into (see the module documentation). Not part of
/// the output: nothing links to it, and it is not to be published.
pub const PREVIOUS_DIR: &str = ".changeportal-previous";

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OutputError(pub String);

/// Portal folders that hold sources: output inside them would be read back as
/// input (or overwrite it).
const SOURCE_FOLDERS: &[&str] = &["content", "templates", "static"];

/// Resolves `--out` and refuses an output folder that would overwrite or
/// publish the portal's own sources (SPEC 6): the portal root, a parent of
/// it, `content/`, `templates/` or `static/` or anything inside them,
/// something that is not a folder, or an existing non-empty folder that is
/// not a previous build.
///
/// The path is resolved first, without creating anything, the way the
/// system will see it once its missing folders exist ([`resolve`]): so no
/// spelling (`zz/../portal`, `portal/content/..`, `./portal/./`, a symlink
/// to the portal, `..` from inside it) slips past a guard. Returns the
/// resolved path, which is the one to write to (never the path as typed).
/// Errors: the refusal, naming `out` as typed.
pub fn resolve_out_dir(root: &Path, out: &Path) -> Result<PathBuf, OutputError> {
    let root = resolve(root)?;
    let resolved = resolve(out)?;
    let refuse = |reason: &str| {
        Err(OutputError(format!(
            "refusing to write to {}: {reason}; choose a separate folder such as `out`",
            out.display()
        )))
    };
    if resolved == root {
        return refuse("it is the portal root");
    }
    if root.starts_with(&resolved) {
        return refuse("it contains the portal");
    }
    if let Some(folder) = SOURCE_FOLDERS
        .iter()
        .find(|folder| resolved.starts_with(root.join(folder)))
    {
        return refuse(&format!("it is inside the portal's {folder}/ folder"));
    }
    match std::fs::metadata(&resolved) {
        Ok(metadata) if !metadata.is_dir() => refuse("it exists and is not a folder"),
        Ok(_) if !is_previous_build(&resolved)? => Err(OutputError(format!(
            "refusing to replace {}: it is not empty and was not written by changeportal \
             (it has no {MARKER_FILE} file); remove it or choose another folder",
            out.display()
        ))),
        _ => Ok(resolved),
    }
}

/// Whether the existing folder `out` is empty or a previous build. A folder
/// that cannot be listed is not assumed to be either.
fn is_previous_build(out: &Path) -> Result<bool, OutputError> {
    if out.join(MARKER_FILE).is_file() {
        return Ok(true);
    }
    let mut entries = std::fs::read_dir(out)
        .map_err(|e| OutputError(format!("cannot read {}: {e}", out.display())))?;
    Ok(entries.next().is_none())
}

/// The absolute path `path` will name once its missing folders are created,
/// computed without creating anything: each existing component is resolved
/// on disk (symlinks followed, `..` taken from the real parent), and from
/// the first missing one on, components apply lexically (a `..` after a
/// missing folder goes back up, into resolved territory again). The result
/// has no `.`, `..` or symlink in its existing part.
///
/// Errors: a component that is a dangling symlink (what it would create is
/// not knowable), or no current directory for a relative `path`.
fn resolve(path: &Path) -> Result<PathBuf, OutputError> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| OutputError(format!("cannot find the current folder: {e}")))?
            .join(path)
    };
    let mut resolved = PathBuf::new();
    // How many trailing components of `resolved` do not exist.
    let mut missing = 0usize;
    for component in absolute.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => resolved.push(component),
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
                missing = missing.saturating_sub(1);
            }
            Component::Normal(name) => {
                let next = resolved.join(name);
                if missing == 0 && std::fs::symlink_metadata(&next).is_ok() {
                    resolved = next.canonicalize().map_err(|e| {
                        OutputError(format!(
                            "refusing to write to {}: {} cannot be resolved ({e})",
                            path.display(),
                            next.display()
                        ))
                    })?;
                } else {
                    resolved = next;
                    missing += 1;
                }
            }
        }
    }
    Ok(resolved)
}

/// Writes `trees` (site folder name -> files) into `out`, atomically. When
/// `out` is a symlink, the folder it points to is replaced and the link kept.
pub fn write_sites(out: &Path, trees: &[(&str, &[OutputFile])]) -> Result<(), OutputError> {
    for (site, files) in trees {
        check_relative(site)?;
        files
            .iter()
            .try_for_each(|file| check_relative(&file.path))?;
    }
    let staging = Staging::new(out)?;
    for (site, files) in trees {
        let writer = staging.site(site)?;
        files
            .par_iter()
            .try_for_each(|file| writer.write(file.clone()))?;
    }
    staging.finish()
}

/// How many rendered files may wait for the writer thread: enough to keep
/// it busy while the renderers work, few enough (a few MB of pages) that a
/// build never holds its output in memory.
const QUEUE_FILES: usize = 64;

/// A build being written: a staging folder beside `--out` that replaces
/// `--out` on [`Staging::finish`]. Dropped unfinished (an error), its writer
/// thread is stopped, the folder removed and `--out` left untouched.
///
/// Files are written by one writer thread fed through a bounded queue
/// ([`QUEUE_FILES`]) by the rendering threads: creating files and folders
/// from several threads in the same folders makes them wait on each other
/// in the kernel (ext4's per-folder lock), which cost more system time than
/// the writes themselves.
pub struct Staging {
    // Declared before `dir`: on drop, the writer stops before the folder
    // is removed.
    writer: Writer,
    dir: tempfile::TempDir,
    out: PathBuf,
    /// Site folders taken over from [`PREVIOUS_DIR`]: swept of what this
    /// build did not write before the swap.
    recycled: Mutex<Vec<PathBuf>>,
}

impl Staging {
    /// Creates the staging folder beside `out` (beside the folder it points
    /// to, when `out` is a symlink), removing stale ones of dead builds, and
    /// starts its writer thread.
    /// `out` is resolved first ([`resolve_out_dir`] gives it resolved), so
    /// no folder is created on the way to a path that `..` leaves.
    /// Errors: a folder or the thread cannot be created.
    pub fn new(out: &Path) -> Result<Self, OutputError> {
        let out = resolve(out)?;
        let parent = match out.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .map_err(|e| OutputError(format!("cannot create {}: {e}", parent.display())))?;
        remove_stale_staging(&parent);
        let dir = tempfile::Builder::new()
            .prefix(&format!("{STAGING_PREFIX}{}-", std::process::id()))
            .tempdir_in(&parent)
            .map_err(|e| {
                OutputError(format!(
                    "cannot create a temporary folder in {}: {e}",
                    parent.display()
                ))
            })?;
        let writer = Writer::start(dir.path())?;
        Ok(Self {
            writer,
            dir,
            out,
            recycled: Mutex::new(Vec::new()),
        })
    }

    /// A writer for the site folder `name` (e.g. `public`): the previous
    /// build's folder of that site when there is one to take over
    /// ([`PREVIOUS_DIR`]), else a new folder.
    /// Errors: `name` is not a plain relative path, or cannot be created.
    pub fn site(&self, name: &str) -> Result<SiteWriter, OutputError> {
        check_relative(name)?;
        let dir = self.dir.path().join(name);
        if take_over(&self.out.join(PREVIOUS_DIR).join(name), &dir) {
            self.recycled
                .lock()
                .map_err(|_| OutputError("a writer thread panicked".to_string()))?
                .push(dir.clone());
        } else {
            std::fs::create_dir_all(&dir)
                .map_err(|e| OutputError(format!("cannot create {}: {e}", dir.display())))?;
        }
        Ok(SiteWriter {
            name: name.to_string(),
            dir,
            queue: self.writer.queue(),
            paths: Mutex::new(HashSet::new()),
        })
    }

    /// Waits for every queued file to be written, marks the staging folder
    /// as changeportal output and swaps it into place. Errors: a file could
    /// not be written (nothing is swapped in then), or the swap failed.
    pub fn finish(self) -> Result<(), OutputError> {
        let Self {
            mut writer,
            dir,
            out,
            recycled,
        } = self;
        for site in recycled.into_inner().unwrap_or_default() {
            writer.queue.sweep(site)?;
        }
        writer.finish()?;
        std::fs::write(dir.path().join(MARKER_FILE), b"changeportal build output\n")
            .map_err(|e| OutputError(format!("cannot write output marker: {e}")))?;
        swap_into_place(dir, &out)
    }
}

/// One message to the writer thread.
enum Job {
    /// Write `contents` to the file `path` (absolute, inside staging).
    File { path: PathBuf, contents: Pieces },
    /// Delete what the build did not write below this taken-over site
    /// folder (sent after every file).
    Sweep(PathBuf),
    /// Stop: every file sent before was written.
    Finish,
}

/// The sending end of the writer thread's queue, with the first error the
/// thread met (a sender that finds the thread gone reports it).
#[derive(Clone)]
struct Queue {
    jobs: SyncSender<Job>,
    failure: Arc<OnceLock<String>>,
}

impl Queue {
    /// Queues one file; blocks while the queue is full. Errors: the writer
    /// thread stopped (its error).
    fn send(&self, path: PathBuf, contents: Pieces) -> Result<(), OutputError> {
        self.jobs
            .send(Job::File { path, contents })
            .map_err(|_| self.stopped())
    }

    /// Queues the sweep of a taken-over site folder. Errors: the writer
    /// thread stopped (its error).
    fn sweep(&self, site: PathBuf) -> Result<(), OutputError> {
        self.jobs.send(Job::Sweep(site)).map_err(|_| self.stopped())
    }

    /// The error that stopped the writer thread.
    fn stopped(&self) -> OutputError {
        OutputError(
            self.failure
                .get()
                .cloned()
                .unwrap_or_else(|| "the output writer stopped".to_string()),
        )
    }
}

/// The writer thread of a staging folder.
struct Writer {
    queue: Queue,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread that writes files inside `root` (created already).
    fn start(root: &Path) -> Result<Self, OutputError> {
        let (jobs, received) = sync_channel(QUEUE_FILES);
        let failure = Arc::new(OnceLock::new());
        let thread_failure = Arc::clone(&failure);
        let mut folders = Folders::new(root);
        let thread = std::thread::Builder::new()
            .name("changeportal-writer".to_string())
            .spawn(move || {
                if let Err(error) = write_jobs(&received, &mut folders) {
                    let _ = thread_failure.set(error.0);
                }
            })
            .map_err(|e| OutputError(format!("cannot start the output writer: {e}")))?;
        Ok(Self {
            queue: Queue { jobs, failure },
            thread: Some(thread),
        })
    }

    /// A sender for the rendering threads.
    fn queue(&self) -> Queue {
        self.queue.clone()
    }

    /// Waits until every file queued so far is written and stops the
    /// thread. Errors: a write failed.
    fn finish(&mut self) -> Result<(), OutputError> {
        let _ = self.queue.jobs.send(Job::Finish);
        if let Some(thread) = self.thread.take() {
            thread
                .join()
                .map_err(|_| OutputError("the output writer panicked".to_string()))?;
        }
        match self.queue.failure.get() {
            Some(error) => Err(OutputError(error.clone())),
            None => Ok(()),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// The writer thread's loop: writes files until [`Job::Finish`] or until
/// every sender is gone. Errors: the first file or folder that could not be
/// written (the rest are not tried).
fn write_jobs(received: &Receiver<Job>, folders: &mut Folders) -> Result<(), OutputError> {
    let mut written = HashSet::new();
    loop {
        match received.recv() {
            Ok(Job::File { path, contents }) => {
                if let Some(folder) = path.parent() {
                    folders.create(folder)?;
                }
                write_file(&path, contents)
                    .map_err(|e| OutputError(format!("cannot write {}: {e}", path.display())))?;
                written.insert(path);
            }
            Ok(Job::Sweep(site)) => sweep(&site, &written, &folders.known).map_err(|e| {
                OutputError(format!("cannot clear {} of old files: {e}", site.display()))
            })?,
            Ok(Job::Finish) | Err(_) => return Ok(()),
        }
    }
}

/// Writes `contents` to `path` piece by piece, each freed once written,
/// over a file of the previous build in place or into a new file. Anything
/// else in the way in a taken-over folder (a symlink, which is never
/// followed, a folder, or a file with other hard links, which might be a
/// deployed copy) is removed first, and a new file written.
///
/// A file is overwritten from the start and then cut to its new length,
/// never truncated to zero first: ext4 flushes a file truncated to zero and
/// rewritten when it is closed (`auto_da_alloc`), which cost a tenth of the
/// build's CPU time in block I/O.
fn write_file(path: &Path, contents: Pieces) -> std::io::Result<()> {
    if let Some((mut file, length)) = open_previous(path) {
        let new_length = contents.len() as u64;
        contents.write_to(&mut file)?;
        return if length > new_length {
            file.set_len(new_length)
        } else {
            Ok(())
        };
    }
    remove_any(path);
    contents.write_to(&mut std::fs::File::create_new(path)?)
}

/// Opens the file at `path` for writing (created if missing), with its
/// length in bytes, unless it is a symlink (`O_NOFOLLOW`), a folder, or a
/// file with other hard links.
#[cfg(target_os = "linux")]
fn open_previous(path: &Path) -> Option<(std::fs::File, u64)> {
    use rustix::fs::{openat, Mode, OFlags, CWD};
    use std::os::unix::fs::MetadataExt;
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let file = std::fs::File::from(openat(CWD, path, flags, Mode::from_raw_mode(0o666)).ok()?);
    let metadata = file.metadata().ok()?;
    (metadata.is_file() && metadata.nlink() == 1).then_some((file, metadata.len()))
}

/// Folders are never taken over off Linux ([`take_over`]): every file is
/// new.
#[cfg(not(target_os = "linux"))]
fn open_previous(_path: &Path) -> Option<(std::fs::File, u64)> {
    None
}

/// Removes whatever is at `path` (a symlink itself, not its target);
/// nothing if there is nothing.
fn remove_any(path: &Path) {
    let _ = match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(error) => Err(error),
    };
}

/// Deletes below `dir` every file not in `written` and every folder not in
/// `folders` (symlinks are entries like files: never followed).
fn sweep(
    dir: &Path,
    written: &HashSet<PathBuf>,
    folders: &HashSet<PathBuf>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            if folders.contains(&path) {
                sweep(&path, written, folders)?;
            } else {
                std::fs::remove_dir_all(&path)?;
            }
        } else if !written.contains(&path) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// Moves the previous build's site folder `previous` to `site` in the
/// staging folder, when it is a real folder (not a symlink) that can be
/// renamed there. Only on Linux, where files are then opened without
/// following symlinks ([`open_previous`]).
fn take_over(previous: &Path, site: &Path) -> bool {
    cfg!(target_os = "linux")
        && std::fs::symlink_metadata(previous).is_ok_and(|metadata| metadata.is_dir())
        && std::fs::rename(previous, site).is_ok()
}

/// The folders the writer thread has created (or found), so that each
/// costs one `mkdir` per build (and an `lstat` when it exists already).
struct Folders {
    known: HashSet<PathBuf>,
}

impl Folders {
    /// Knows `root`, which exists.
    fn new(root: &Path) -> Self {
        Self {
            known: HashSet::from([root.to_path_buf()]),
        }
    }

    /// Creates `folder` and its missing parents below a known folder.
    /// Errors: a folder cannot be created (or `folder` is outside every
    /// known folder and cannot be created either).
    fn create(&mut self, folder: &Path) -> Result<(), OutputError> {
        if self.known.contains(folder) {
            return Ok(());
        }
        if let Some(parent) = folder.parent() {
            self.create(parent)?;
        }
        let cannot =
            |e: std::io::Error| OutputError(format!("cannot create {}: {e}", folder.display()));
        match std::fs::create_dir(folder) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // A taken-over folder, or something else in the way.
                if !std::fs::symlink_metadata(folder).is_ok_and(|m| m.is_dir()) {
                    remove_any(folder);
                    std::fs::create_dir(folder).map_err(cannot)?;
                }
            }
            result => result.map_err(cannot)?,
        }
        self.known.insert(folder.to_path_buf());
        Ok(())
    }
}

/// Takes the files of one site, from any thread, and queues them for the
/// staging folder's writer thread, so that a build never holds its whole
/// output in memory.
pub struct SiteWriter {
    name: String,
    dir: PathBuf,
    queue: Queue,
    paths: Mutex<HashSet<String>>,
}

impl SiteWriter {
    /// Queues `file` for writing, refusing a path that leaves the site or
    /// that was already written. Errors: that refusal, or the writer thread
    /// stopped on an error (which is returned). A write error of a queued
    /// file shows here for a later file, or in [`Staging::finish`].
    pub fn write(&self, file: OutputFile) -> Result<(), OutputError> {
        self.write_pieces(&file.path, Pieces::from(file.contents))
    }

    /// [`SiteWriter::write`] for a file at `path` in `pieces`, written one
    /// after the other and never joined.
    pub fn write_pieces(&self, path: &str, pieces: Pieces) -> Result<(), OutputError> {
        check_relative(path)?;
        self.claim(path)?;
        self.queue.send(self.dir.join(path), pieces)
    }

    /// How many files were written.
    pub fn count(&self) -> usize {
        self.paths.lock().map_or(0, |paths| paths.len())
    }

    /// Records `path` as written; a second file with the same path is an error.
    fn claim(&self, path: &str) -> Result<(), OutputError> {
        let mut paths = self
            .paths
            .lock()
            .map_err(|_| OutputError("a writer thread panicked".to_string()))?;
        if paths.insert(path.to_string()) {
            Ok(())
        } else {
            Err(OutputError(format!(
                "two output files of the {} site have the same path `{path}` \
                 (a file in static/ or templates/ may clash with a generated page)",
                self.name
            )))
        }
    }
}

impl Sink for SiteWriter {
    fn put(&self, file: OutputFile) -> Result<(), RenderError> {
        self.write(file).map_err(|e| RenderError(e.0))
    }

    fn put_pieces(&self, path: &str, pieces: Pieces) -> Result<(), RenderError> {
        self.write_pieces(path, pieces)
            .map_err(|e| RenderError(e.0))
    }
}

/// Accepts only plain relative paths (`a/b.html`): no absolute path, no `..`,
/// `.` or empty segment, no backslash or NUL, so that no file lands outside
/// its site folder whatever a renderer or a record id produced.
fn check_relative(path: &str) -> Result<(), OutputError> {
    let plain = !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | ".."))
        && Path::new(path)
            .components()
            .all(|component| matches!(component, Component::Normal(_)));
    if plain {
        Ok(())
    } else {
        Err(OutputError(format!(
            "refusing to write output file `{}`: not a plain relative path",
            path.escape_debug()
        )))
    }
}

/// Removes staging folders beside `out` whose build process is gone (killed
/// or crashed mid-build). Folders of running builds are left alone, and so is
/// anything that cannot be removed: it never stops a build.
fn remove_stale_staging(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(STAGING_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let is_folder = entry.file_type().is_ok_and(|kind| kind.is_dir());
        if is_folder && pid != std::process::id() && !is_running(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether process `pid` exists.
#[cfg(target_os = "linux")]
fn is_running(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Whether process `pid` exists: without a cheap portable check, every
/// process is assumed alive, so stale staging folders are kept.
#[cfg(not(target_os = "linux"))]
fn is_running(_pid: u32) -> bool {
    true
}

/// Replaces `out` with `staging`: an atomic exchange where the OS offers one,
/// else two renames.
fn swap_into_place(staging: tempfile::TempDir, out: &Path) -> Result<(), OutputError> {
    let staged = staging.keep();
    if !out.exists() {
        return std::fs::rename(&staged, out).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            OutputError(format!("cannot move the build into {}: {e}", out.display()))
        });
    }
    exchange(&staged, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        OutputError(format!("cannot replace {}: {e}", out.display()))
    })?;
    // `staged` now holds the previous output: kept for the next build.
    keep_previous(&staged, out).map_err(|e| {
        OutputError(format!(
            "built, but cannot remove the previous output {}: {e}",
            staged.display()
        ))
    })
}

/// Moves the previous output `old` (swapped out) into the new output as
/// [`PREVIOUS_DIR`], after removing what is left of its own (what the
/// build did not take over). Removes `old` instead when it cannot be moved.
fn keep_previous(old: &Path, out: &Path) -> std::io::Result<()> {
    let leftover = old.join(PREVIOUS_DIR);
    if std::fs::symlink_metadata(&leftover).is_ok() {
        remove_any(&leftover);
    }
    match std::fs::rename(old, out.join(PREVIOUS_DIR)) {
        Ok(()) => Ok(()),
        Err(_) => remove_tree(old),
    }
}

/// Removes a whole output tree (the previous build, after the swap).
///
/// `std::fs::remove_dir_all` walks by open folder handles and never follows
/// a symlink (a folder swapped for one mid-way is unlinked, not entered),
/// and it unlinks each file by the type its folder listing gives: one
/// `unlinkat` per file. (The `remove_dir_all` crate used before opened and
/// `fstat`ed every file first: 140,000 system calls for a 10,000-record
/// output instead of 50,000.) Each top-level entry is removed on its own
/// thread: the sites' folders are disjoint, so the threads never wait on
/// each other's folder locks, as two threads deleting in one folder do.
fn remove_tree(path: &Path) -> std::io::Result<()> {
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(path)?.collect::<Result<_, _>>()?;
    std::thread::scope(|scope| {
        let removals: Vec<_> = entries
            .iter()
            .map(|entry| scope.spawn(move || remove_entry(entry)))
            .collect();
        removals.into_iter().try_for_each(|removal| {
            removal
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a removal thread panicked")))
        })
    })?;
    std::fs::remove_dir(path)
}

/// Removes one entry of a folder: a folder (not a symlink to one) with
/// everything in it, anything else by unlinking it.
fn remove_entry(entry: &std::fs::DirEntry) -> std::io::Result<()> {
    if entry.file_type()?.is_dir() {
        std::fs::remove_dir_all(entry.path())
    } else {
        std::fs::remove_file(entry.path())
    }
}

/// Swaps two folders in one step (`renameat2(RENAME_EXCHANGE)`); on a file
/// system without it, falls back to two renames.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => exchange_by_renames(a, b),
        result => result.map_err(std::io::Error::from),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    exchange_by_renames(a, b)
}

/// `b` -> parked, `a` -> `b`, parked -> `a`. Not atomic: for a moment `b` is
/// missing, but at no point is any of the two trees partly written.
fn exchange_by_renames(a: &Path, b: &Path) -> std::io::Result<()> {
    let parked = a.with_extension("previous");
    std::fs::rename(b, &parked)?;
    if let Err(error) = std::fs::rename(a, b) {
        let _ = std::fs::rename(&parked, b);
        return Err(error);
    }
    std::fs::rename(&parked, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_portal_root_parent_and_sources() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("portal");
        std::fs::create_dir_all(root.join("content/changes")).unwrap();
        std::fs::write(root.join("portal.yaml"), "title: x\n").unwrap();
        assert!(resolve_out_dir(&root, &root).is_err());
        assert!(resolve_out_dir(&root, dir.path()).is_err());
        assert!(resolve_out_dir(&root, &root.join("content")).is_err());
        assert!(resolve_out_dir(&root, &root.join("content/changes/out")).is_err());
        assert!(resolve_out_dir(&root, &root.join("static/out")).is_err());
        assert!(resolve_out_dir(&root, &root.join("templates")).is_err());
        assert!(resolve_out_dir(&root, &root.join("portal.yaml")).is_err());
        assert!(resolve_out_dir(&root, &root.join("out")).is_ok());
    }

    /// A file put in pieces is written whole, over a longer or a shorter
    /// file of the previous build and as a new file, and claims its path
    /// like any file.
    #[test]
    fn files_in_pieces_are_written_in_order_over_any_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let pieces = |parts: &[&[u8]]| {
            let mut pieces = Pieces::default();
            parts.iter().for_each(|part| pieces.push(part.to_vec()));
            pieces
        };
        // A site folder is taken over from the build before last, so the
        // first build only leaves files for the third to write over.
        for (build, (long, short, new)) in [
            (b"w".repeat(4000), b"v".to_vec(), None),
            (b"x".repeat(5000), b"y".to_vec(), None),
            (b"ab".to_vec(), b"z".repeat(3000), Some(b"n".to_vec())),
        ]
        .into_iter()
        .enumerate()
        {
            let staging = Staging::new(&out).unwrap();
            let site = staging.site("internal").unwrap();
            site.put_pieces("long.js", pieces(&[b"[", &long, b"]"]))
                .unwrap();
            site.put_pieces("a/short.js", pieces(&[&short])).unwrap();
            if let Some(new) = &new {
                site.put_pieces("new.json", pieces(&[b"{", new, b"", b"}"]))
                    .unwrap();
            }
            assert!(site.put_pieces("long.js", Pieces::default()).is_err());
            drop(site);
            staging.finish().unwrap();
            let read = |path: &str| std::fs::read(out.join("internal").join(path)).unwrap();
            assert_eq!(
                read("long.js"),
                [&b"["[..], &long, b"]"].concat(),
                "build {build}"
            );
            assert_eq!(read("a/short.js"), short, "build {build}");
            if let Some(new) = new {
                assert_eq!(read("new.json"), [&b"{"[..], &new, b"}"].concat());
            }
        }
    }

    #[test]
    fn replaces_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = [OutputFile::new("index.html", b"one".to_vec())];
        write_sites(&out, &[("public", &first)]).unwrap();
        let second = [OutputFile::new("a/b.html", b"two".to_vec())];
        write_sites(&out, &[("public", &second)]).unwrap();
        assert!(!out.join("public/index.html").exists());
        assert_eq!(std::fs::read(out.join("public/a/b.html")).unwrap(), b"two");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no staging folder left behind");
    }

    #[test]
    fn refuses_paths_that_leave_the_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        for bad in [
            "../escape.html",
            "a/../../escape.html",
            "/etc/escape",
            "a//b",
            "./a",
            "a/./b",
            "a\\..\\b",
            "",
            "a\0b",
        ] {
            let files = [OutputFile::new(bad, b"x".to_vec())];
            assert!(write_sites(&out, &[("public", &files)]).is_err(), "{bad:?}");
        }
        assert!(write_sites(&out, &[("../x", &[])]).is_err());
        let twice = [
            OutputFile::new("a.html", b"1".to_vec()),
            OutputFile::new("a.html", b"2".to_vec()),
        ];
        assert!(write_sites(&out, &[("public", &twice)]).is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(names.is_empty(), "nothing was written: {names:?}");
    }

    #[test]
    fn removes_staging_folders_of_dead_builds_only() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(format!("{STAGING_PREFIX}{}-abc", u32::MAX));
        let alive = dir.path().join(format!("{STAGING_PREFIX}1-abc"));
        let unrelated = dir.path().join(format!("{STAGING_PREFIX}notapid"));
        for folder in [&dead, &alive, &unrelated] {
            std::fs::create_dir_all(folder.join("public")).unwrap();
        }
        let files = [OutputFile::new("index.html", b"x".to_vec())];
        write_sites(&dir.path().join("out"), &[("public", &files)]).unwrap();
        assert!(!dead.exists(), "a dead build's staging folder is removed");
        assert!(alive.exists(), "pid 1 is alive: its folder is kept");
        assert!(unrelated.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_out_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = dir.path().join("out");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let files = [OutputFile::new("index.html", b"x".to_vec())];
        write_sites(&link, &[("public", &files)]).unwrap();
        assert!(link.is_symlink());
        assert_eq!(std::fs::read(real.join("public/index.html")).unwrap(), b"x");
    }
}
