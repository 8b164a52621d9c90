//! The tree scan of the portal's source folders (`content/`, `static/`,
//! `templates/`), implementing SPEC section 5 "only files inside the portal
//! are ever published".
//!
//! A symlink is allowed when its target, fully resolved, lies inside the
//! portal folder (a link to a shared file or a folder elsewhere in the
//! portal keeps working); symlinked folders inside the portal are walked.
//! Everything else is refused, not read: a link whose target lies outside
//! the portal (`/etc/passwd`, `/proc/self/environ`, `../../secret`, a chain
//! of links ending outside), a dangling link, a folder that links back to one
//! of its parents, and any special file (FIFO, socket, device) or file of
//! `/proc`, `/sys` or `/dev`. [`read_inside`] applies the same rules again
//! when a file is opened ([`open_inside`]), so a file swapped for a link or a FIFO after the
//! scan is still refused and never blocks.

use rayon::prelude::*;
use std::fs::FileType;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Links followed at most when spelling out a chain (the kernel's own limit).
const MAX_LINK_HOPS: usize = 40;

/// Folders of virtual files: never content, wherever a link points. `/dev`
/// is not one: its devices are refused by their file type, and its regular
/// files live on a real tmpfs (`/dev/shm`), where a portal may well be.
const SYSTEM_FOLDERS: &[&str] = &["/proc", "/sys"];

/// Why a path under a source folder is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A symlink (or a folder reached through one) resolving outside the
    /// portal folder; `chain` is the link's target, then each further link's
    /// target, as written in the links.
    Outside {
        /// Targets of the chain of links, first to last.
        chain: Vec<PathBuf>,
    },
    /// A symlink whose target does not exist or cannot be resolved.
    Dangling {
        /// The link's target as written.
        target: PathBuf,
    },
    /// A FIFO, socket or device, or a file of `/proc` or `/sys`.
    Special {
        /// What it is, e.g. `a FIFO`.
        kind: &'static str,
    },
    /// A folder that is one of its own parents through a link.
    Loop,
    /// A folder that cannot be listed, or an entry that cannot be examined.
    Unreadable {
        /// The operating system's error.
        error: String,
    },
}

impl Refusal {
    /// Whether this refusal is about publishing something from outside the
    /// portal (always an error) rather than a file that cannot be read.
    pub fn is_escape(&self) -> bool {
        matches!(self, Refusal::Outside { .. } | Refusal::Special { .. })
    }

    /// A one-line description naming `shown` (the path relative to the
    /// portal) and, for links, their target: `static/env.txt ->
    /// /proc/self/environ: ...`.
    pub fn describe(&self, shown: &str) -> String {
        match self {
            Refusal::Outside { chain } => {
                let arrows: String = chain
                    .iter()
                    .map(|target| format!(" -> {}", target.display()))
                    .collect();
                format!(
                    "{shown}{arrows}: the link's target lies outside the portal folder; \
                     only files inside the portal are published"
                )
            }
            Refusal::Dangling { target } => format!(
                "{shown} -> {}: the link's target does not exist",
                target.display()
            ),
            Refusal::Special { kind } => format!(
                "{shown} is {kind}, not a regular file; only regular files are published"
            ),
            Refusal::Loop => format!(
                "{shown}: symlink loop under the portal: this folder links back to one of its parents"
            ),
            Refusal::Unreadable { error } => format!("{shown}: cannot read: {error}"),
        }
    }
}

/// A path that the scan refused, as found under the scanned folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The path as reached from the portal root (through links, not
    /// resolved), e.g. `<root>/static/env.txt`.
    pub path: PathBuf,
    /// Why it is not read.
    pub refusal: Refusal,
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Regular files that may be read, as reached from the portal root,
    /// sorted by path within each folder.
    pub files: Vec<PathBuf>,
    /// Everything refused.
    pub problems: Vec<Problem>,
}

/// Scans `dir` (a folder at or below the portal `root`; missing is fine and
/// gives an empty scan), skipping hidden files and editor leftovers
/// ([`super::is_ignored_name`]). `dir` itself is checked like any entry, so a
/// `static` that links outside the portal is refused as a whole.
pub fn scan(root: &Path, dir: &Path) -> Scan {
    let mut found = Scan::default();
    let root = match root.canonicalize() {
        Ok(root) => root,
        Err(error) => {
            found.problems.push(Problem {
                path: dir.to_path_buf(),
                refusal: Refusal::Unreadable {
                    error: error.to_string(),
                },
            });
            return found;
        }
    };
    let Ok(metadata) = std::fs::symlink_metadata(dir) else {
        return found;
    };
    let mut walk = Walk {
        root: &root,
        ancestors: Vec::new(),
        found: &mut found,
    };
    match walk.resolve(dir, metadata.file_type()) {
        Ok(resolved) if resolved.kind.is_dir() => walk.folder(dir, resolved.canonical),
        Ok(_) => walk.refuse(
            dir,
            Refusal::Unreadable {
                error: "not a folder".to_string(),
            },
        ),
        Err(refusal) => walk.refuse(dir, refusal),
    }
    found
}

/// One scan in progress.
struct Walk<'a> {
    root: &'a Path,
    /// Canonical paths of the folders being listed, outermost first.
    ancestors: Vec<PathBuf>,
    found: &'a mut Scan,
}

impl Walk<'_> {
    /// Classifies `path` (whose own type, links not followed, is `kind`) and
    /// records it as a file, a refusal, or walks it as a folder.
    fn entry(&mut self, path: &Path, kind: FileType) {
        let resolved = match self.resolve(path, kind) {
            Ok(resolved) => resolved,
            Err(refusal) => return self.refuse(path, refusal),
        };
        if resolved.kind.is_dir() {
            self.folder(path, resolved.canonical);
        } else if resolved.kind.is_file() {
            self.found.files.push(path.to_path_buf());
        } else {
            self.refuse(
                path,
                Refusal::Special {
                    kind: special_kind(resolved.kind),
                },
            );
        }
    }

    /// What `path` (of type `kind`, links not followed) stands for: itself,
    /// or the target of a link.
    fn resolve(&self, path: &Path, kind: FileType) -> Result<Resolved, Refusal> {
        if kind.is_symlink() {
            self.follow(path)
        } else {
            Ok(Resolved {
                canonical: None,
                kind,
            })
        }
    }

    /// Resolves the link `path`: refused when dangling, outside the portal or
    /// into a system folder.
    fn follow(&self, path: &Path) -> Result<Resolved, Refusal> {
        let target = std::fs::read_link(path).unwrap_or_default();
        let Ok(canonical) = path.canonicalize() else {
            return Err(Refusal::Dangling { target });
        };
        if !canonical.starts_with(self.root) {
            return Err(Refusal::Outside {
                chain: link_chain(path),
            });
        }
        if is_system_path(&canonical) {
            return Err(Refusal::Special {
                kind: "a file of /proc or /sys",
            });
        }
        let kind = std::fs::metadata(&canonical)
            .map_err(|error| Refusal::Unreadable {
                error: error.to_string(),
            })?
            .file_type();
        Ok(Resolved {
            canonical: Some(canonical),
            kind,
        })
    }

    /// Walks the folder `path` (canonical form `canonical` when already
    /// known), entries sorted by name.
    fn folder(&mut self, path: &Path, canonical: Option<PathBuf>) {
        let canonical = match canonical.map_or_else(|| path.canonicalize(), Ok) {
            Ok(canonical) => canonical,
            Err(error) => return self.unreadable(path, &error),
        };
        if self.ancestors.contains(&canonical) {
            return self.refuse(path, Refusal::Loop);
        }
        let mut entries = match std::fs::read_dir(path) {
            Ok(entries) => entries.collect::<Result<Vec<_>, _>>(),
            Err(error) => return self.unreadable(path, &error),
        };
        let entries = match entries.as_mut() {
            Ok(entries) => entries,
            Err(error) => return self.unreadable(path, error),
        };
        // Each name once (`file_name` allocates): not once per comparison.
        let mut named: Vec<_> = entries
            .iter()
            .map(|entry| (entry.file_name(), entry))
            .collect();
        named.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let listed: Vec<(PathBuf, std::io::Result<FileType>)> = named
            .into_iter()
            .filter(|(name, _)| !super::is_ignored_name(&name.to_string_lossy()))
            .map(|(_, entry)| (entry.path(), entry.file_type()))
            .collect();
        self.ancestors.push(canonical);
        let folders = listed
            .iter()
            .filter(|(_, kind)| kind.as_ref().is_ok_and(FileType::is_dir))
            .count();
        if folders > 1 {
            self.listed_in_parallel(listed);
        } else {
            for (path, kind) in listed {
                self.listed(&path, kind);
            }
        }
        self.ancestors.pop();
    }

    /// [`Walk::listed`] for each of a folder's `listed` entries, on the
    /// thread pool (the year folders of `content/changes` are walked side by
    /// side), their findings appended in the entries' order.
    fn listed_in_parallel(&mut self, listed: Vec<(PathBuf, std::io::Result<FileType>)>) {
        let (root, ancestors) = (self.root, &self.ancestors);
        let scans: Vec<Scan> = listed
            .into_par_iter()
            .map(|(path, kind)| {
                let mut found = Scan::default();
                let mut walk = Walk {
                    root,
                    ancestors: ancestors.clone(),
                    found: &mut found,
                };
                walk.listed(&path, kind);
                found
            })
            .collect();
        for scan in scans {
            self.found.files.extend(scan.files);
            self.found.problems.extend(scan.problems);
        }
    }

    /// A folder entry at `path` whose type (links not followed) is `kind`.
    fn listed(&mut self, path: &Path, kind: std::io::Result<FileType>) {
        match kind {
            Ok(kind) => self.entry(path, kind),
            Err(error) => self.unreadable(path, &error),
        }
    }

    fn refuse(&mut self, path: &Path, refusal: Refusal) {
        self.found.problems.push(Problem {
            path: path.to_path_buf(),
            refusal,
        });
    }

    fn unreadable(&mut self, path: &Path, error: &std::io::Error) {
        self.refuse(
            path,
            Refusal::Unreadable {
                error: error.to_string(),
            },
        );
    }
}

/// A link's target: its canonical path and its type.
struct Resolved {
    canonical: Option<PathBuf>,
    kind: FileType,
}

/// The targets of the chain of links starting at `path`, as written in each
/// link (relative ones resolved against the previous link's folder for the
/// next hop), at most [`MAX_LINK_HOPS`].
fn link_chain(path: &Path) -> Vec<PathBuf> {
    let mut chain = Vec::new();
    let mut current = path.to_path_buf();
    while chain.len() < MAX_LINK_HOPS {
        let Ok(target) = std::fs::read_link(&current) else {
            break;
        };
        current = current
            .parent()
            .map_or_else(|| target.clone(), |parent| parent.join(&target));
        chain.push(target);
    }
    chain
}

/// Whether `canonical` lies in a folder of virtual files.
fn is_system_path(canonical: &Path) -> bool {
    SYSTEM_FOLDERS
        .iter()
        .any(|folder| canonical.starts_with(folder))
}

/// Names a file type that is neither a file, a folder nor a link.
#[cfg(unix)]
fn special_kind(kind: FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_kind: FileType) -> &'static str {
    "a special file"
}

/// Reads the whole file at `path` through [`open_inside`].
///
/// Errors: as [`open_inside`], or a failed read.
pub fn read_inside(root: &Path, path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_inside(root, path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens the file at `path` for reading only if it is a regular file inside
/// the portal folder `root`. Its type is checked before opening (links
/// followed: a link inside the portal is fine), it is opened without
/// blocking (Linux: `O_NONBLOCK`, so a FIFO swapped in meanwhile cannot
/// hang the build), and the open handle is checked again: still a regular
/// file, and the path it was actually opened at (Linux: `/proc/self/fd`,
/// else the canonical path) lies under the canonical `root` and outside
/// `/proc`, `/sys` and `/dev`.
///
/// Errors: the [`Refusal`] as an `std::io::Error` of kind
/// `PermissionDenied`, or the operating system's error.
pub fn open_inside(root: &Path, path: &Path) -> std::io::Result<std::fs::File> {
    open_under(&root.canonicalize()?, path).map(|(file, _)| file)
}

/// The portal folder, resolved once for all the files of a load: its path as
/// given, its canonical form, and (Linux) a handle on it from which
/// [`PortalDir::open`] opens a record without following any link.
#[derive(Debug)]
pub struct PortalDir {
    root: PathBuf,
    canonical: PathBuf,
    #[cfg(target_os = "linux")]
    dir: Option<std::os::fd::OwnedFd>,
}

impl PortalDir {
    /// The portal folder `root`. A folder that cannot be canonicalized is
    /// kept as given: every file [`open_under`] checks against it is then
    /// refused, as before this type existed.
    pub fn new(root: &Path) -> Self {
        let canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        Self {
            #[cfg(target_os = "linux")]
            dir: open_folder(&canonical),
            root: root.to_path_buf(),
            canonical,
        }
    }

    /// [`open_under`] for `path` (a path below the folder as given to
    /// [`PortalDir::new`]), with fewer system calls for the usual file.
    /// Linux: `openat2` relative to the folder's handle with
    /// `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`, so that the kernel itself
    /// refuses any link or `..` on the way (nothing can lead out of the
    /// portal), then `fstat`: a regular file is read with one `openat2` and
    /// one `fstat` instead of `statx`, `openat`, `fstat` and a `readlink` of
    /// `/proc/self/fd`. Anything else (a link, a FIFO, a missing file, an
    /// older kernel) goes through [`open_under`], which refuses or reports it
    /// exactly as before.
    ///
    /// Errors: as [`open_inside`].
    pub fn open(&self, path: &Path) -> std::io::Result<(std::fs::File, u64)> {
        #[cfg(target_os = "linux")]
        if let Some(found) = self.open_beneath(path) {
            return Ok(found);
        }
        open_under(&self.canonical, path)
    }

    /// The regular file at `path`, opened beneath the folder's handle
    /// without following links, with its size; `None` for anything else.
    #[cfg(target_os = "linux")]
    fn open_beneath(&self, path: &Path) -> Option<(std::fs::File, u64)> {
        use rustix::fs::{Mode, OFlags, ResolveFlags};
        let dir = self.dir.as_ref()?;
        let relative = path.strip_prefix(&self.root).ok()?;
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
        let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS;
        let fd = rustix::fs::openat2(dir, relative, flags, Mode::empty(), resolve).ok()?;
        let file = std::fs::File::from(fd);
        let metadata = file.metadata().ok()?;
        metadata.is_file().then_some((file, metadata.len()))
    }
}

/// A handle (`O_PATH`) on the canonical portal folder, unless it lies in a
/// folder of virtual files, where every file must take [`open_under`]'s
/// checks.
#[cfg(target_os = "linux")]
fn open_folder(canonical: &Path) -> Option<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    if is_system_path(canonical) || !canonical.is_absolute() {
        return None;
    }
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    rustix::fs::open(canonical, flags, Mode::empty()).ok()
}

/// [`open_inside`] for a portal folder given in canonical form (canonicalized
/// once for all the files of a load, not once per file), with the file's
/// size in bytes as the check of the open handle found it.
///
/// Errors: as [`open_inside`].
pub fn open_under(canonical_root: &Path, path: &Path) -> std::io::Result<(std::fs::File, u64)> {
    let refused = |refusal: Refusal| {
        std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            refusal.describe(&path.display().to_string()),
        )
    };
    let special = |kind: FileType| {
        refused(Refusal::Special {
            kind: special_kind(kind),
        })
    };
    let kind = std::fs::metadata(path)?.file_type();
    if !kind.is_file() {
        return Err(special(kind));
    }
    let file = open_non_blocking(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(special(metadata.file_type()));
    }
    let opened = opened_path(&file, path)?;
    if !opened.starts_with(canonical_root) {
        return Err(refused(Refusal::Outside {
            chain: vec![opened],
        }));
    }
    if is_system_path(&opened) {
        return Err(refused(Refusal::Special {
            kind: "a file of /proc or /sys",
        }));
    }
    Ok((file, metadata.len()))
}

/// Opens `path` for reading without waiting on a FIFO.
#[cfg(target_os = "linux")]
fn open_non_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    use rustix::fs::OFlags;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(i32::try_from(OFlags::NONBLOCK.bits()).unwrap_or(0))
        .open(path)
}

/// Opens `path` for reading (its type was checked just before).
#[cfg(not(target_os = "linux"))]
fn open_non_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// The canonical path `file` was opened at: what `/proc/self/fd` says (no
/// race with a link changed after opening), else `path` canonicalized.
fn opened_path(file: &std::fs::File, path: &Path) -> std::io::Result<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let fd = Path::new("/proc/self/fd").join(file.as_raw_fd().to_string());
        if let Ok(opened) = std::fs::read_link(fd) {
            return Ok(opened);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
    path.canonicalize()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn open_inside_refuses_what_the_scan_refuses_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("portal");
        std::fs::create_dir_all(root.join("static")).unwrap();
        std::fs::write(root.join("shared.txt"), "inside").unwrap();
        symlink("../shared.txt", root.join("static/inside.txt")).unwrap();
        symlink("/etc/passwd", root.join("static/passwd.txt")).unwrap();
        symlink("/proc/self/environ", root.join("static/env.txt")).unwrap();
        let fifo = root.join("static/pipe.txt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let inside = read_inside(&root, &root.join("static/inside.txt")).unwrap();
        assert_eq!(inside, b"inside");
        for refused in ["passwd.txt", "env.txt", "pipe.txt"] {
            let error = read_inside(&root, &root.join("static").join(refused)).unwrap_err();
            assert_eq!(
                error.kind(),
                std::io::ErrorKind::PermissionDenied,
                "{refused}"
            );
        }
        let found = scan(&root, &root.join("static"));
        assert_eq!(found.files, [root.join("static/inside.txt")]);
        let refused: Vec<_> = found.problems.iter().map(|p| p.path.clone()).collect();
        assert_eq!(
            refused,
            ["env.txt", "passwd.txt", "pipe.txt"].map(|name| root.join("static").join(name))
        );
    }

    /// What opening `path` gave: the bytes read, or the error's kind and
    /// message.
    fn opened(result: std::io::Result<(std::fs::File, u64)>) -> Result<(Vec<u8>, u64), String> {
        match result {
            Ok((mut file, size)) => {
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes).unwrap();
                Ok((bytes, size))
            }
            Err(error) => Err(format!("{:?}: {error}", error.kind())),
        }
    }

    #[test]
    fn portal_dir_opens_and_refuses_exactly_as_open_under() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("portal");
        std::fs::create_dir_all(root.join("content/real")).unwrap();
        std::fs::write(root.join("content/real/a.md"), "plain").unwrap();
        std::fs::write(root.join("shared.md"), "shared").unwrap();
        std::fs::write(dir.path().join("secret.md"), "secret").unwrap();
        symlink("real", root.join("content/linked")).unwrap();
        symlink("../shared.md", root.join("content/inside.md")).unwrap();
        symlink("../../secret.md", root.join("content/outside.md")).unwrap();
        symlink("/proc/self/environ", root.join("content/env.md")).unwrap();
        symlink("missing.md", root.join("content/dangling.md")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(root.join("content/pipe.md"))
            .status();
        assert!(made.unwrap().success());
        let portal = PortalDir::new(&root);
        let canonical = root.canonicalize().unwrap();
        let cases = [
            "real/a.md",
            "linked/a.md",
            "inside.md",
            "outside.md",
            "env.md",
            "dangling.md",
            "pipe.md",
            "absent.md",
            "real",
        ];
        for name in cases {
            let path = root.join("content").join(name);
            let fast = opened(portal.open(&path));
            assert_eq!(fast, opened(open_under(&canonical, &path)), "{name}");
            let expected_ok = ["real/a.md", "linked/a.md", "inside.md"].contains(&name);
            assert_eq!(fast.is_ok(), expected_ok, "{name}: {fast:?}");
        }
        assert_eq!(
            opened(portal.open(&root.join("content/real/a.md"))),
            Ok((b"plain".to_vec(), 5))
        );
    }

    #[test]
    fn folders_walked_side_by_side_come_out_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("portal");
        let content = root.join("content");
        for folder in ["2024", "2025", "2026/deep"] {
            std::fs::create_dir_all(content.join(folder)).unwrap();
        }
        for file in [
            "2024/b.md",
            "2024/a.md",
            "2025/c.md",
            "2026/deep/d.md",
            "2026/e.md",
            "m.md",
        ] {
            std::fs::write(content.join(file), "x").unwrap();
        }
        symlink("/etc/passwd", content.join("2025/passwd.md")).unwrap();
        symlink("..", content.join("2026/deep/up")).unwrap();
        let found = scan(&root, &content);
        let files: Vec<String> = found
            .files
            .iter()
            .map(|path| super::super::relative(&content, path))
            .collect();
        assert_eq!(
            files,
            [
                "2024/a.md",
                "2024/b.md",
                "2025/c.md",
                "2026/deep/d.md",
                "2026/e.md",
                "m.md"
            ]
        );
        let refused: Vec<(String, bool)> = found
            .problems
            .iter()
            .map(|problem| {
                let path = super::super::relative(&content, &problem.path);
                (path, problem.refusal == Refusal::Loop)
            })
            .collect();
        assert_eq!(
            refused,
            [
                ("2025/passwd.md".to_string(), false),
                ("2026/deep/up".to_string(), true)
            ]
        );
    }
}
