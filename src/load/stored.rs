//! The record store of `check`: the front matter of every record file that
//! loaded without a flag, kept between runs and keyed by the file's exact
//! bytes, so that a file unchanged since the last `check` is not parsed as
//! YAML again.
//!
//! Like Go's build cache, it lives outside the project (so that it can never
//! be committed or arrive with a checkout): in `$CHANGEPORTAL_CACHE_DIR`,
//! else `$XDG_CACHE_HOME/changeportal`, else `~/.cache/changeportal`; an
//! empty `CHANGEPORTAL_CACHE_DIR` turns it off. One file per portal folder,
//! `records-<hash of the folder's path>.txt`:
//!
//! - a first line naming the store format, the changeportal version, the
//!   running executable (size and modification time, so that a rebuilt
//!   binary never trusts another's results), the SHA-256 of `portal.yaml`
//!   (which the per-file rules depend on) and the portal folder;
//! - then one line per record file: a checksum of the rest of the line
//!   (the first 32 hex digits of its SHA-256), the SHA-256 of the file's
//!   bytes, its path relative to the portal (a JSON string), and its front
//!   matter as JSON. A line whose checksum does not match (bit rot, an edit
//!   by hand) is not used.
//!
//! A record is taken from the store only when its path and the SHA-256 of
//! the bytes just read match, under the same first line: the very input the
//! same program parsed without a flag. The body is split again from the
//! bytes read ([`super::record`]), and the manifest hash is always the hash
//! of those bytes. Anything unreadable, malformed or from another program or
//! configuration is ignored and the file parsed as usual. Only portals of
//! [`MIN_RECORDS`] record files or more use a store: below that, parsing
//! takes a few milliseconds. `build`, `gate`, `verify`, `export` and
//! `sample` never read it.

use crate::model::digest::sha256_hex;
use crate::model::record::Record;
use rustc_hash::FxHashMap;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Portals with fewer record files than this do not use a store.
pub const MIN_RECORDS: usize = 500;

/// The first word of a store's first line, with the format's version.
const FORMAT: &str = "changeportal-records 2";

/// A store file not read or written for this long is removed when another
/// store of the same folder is written (its portal has not been checked
/// for a month).
const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The environment variable naming the store folder ("" turns stores off).
pub const CACHE_DIR_VARIABLE: &str = "CHANGEPORTAL_CACHE_DIR";

/// The store of one portal folder as read at the start of a `check`.
#[derive(Debug, Default)]
pub struct StoredRecords {
    /// Where the store is read from and written to; `None`: no store.
    file: Option<PathBuf>,
    /// The first line this program writes for this portal and config.
    header: String,
    /// The store's text, when its first line was `header`.
    text: String,
    /// Each record file's line in `text`: the hash and front-matter ranges.
    entries: FxHashMap<String, Entry>,
    /// How many lines follow the first (repeated and malformed ones too).
    lines: usize,
}

/// Where one record file's line, and its parts, sit in the store's text.
#[derive(Debug)]
struct Entry {
    /// The whole line, without its line break.
    line: Range<usize>,
    /// The checksum of the rest of the line.
    check: Range<usize>,
    /// The rest: the file's hash, its path and its front matter.
    checked: Range<usize>,
    /// The file's hash.
    sha256: Range<usize>,
    /// The front matter.
    record: Range<usize>,
}

/// Hex digits of a line's checksum.
const CHECK_DIGITS: usize = 32;

/// The checksum of a store line's `checked` part.
fn checksum(checked: &str) -> String {
    let mut digest = sha256_hex(checked.as_bytes());
    digest.truncate(CHECK_DIGITS);
    digest
}

impl StoredRecords {
    /// The store in `folder` ([`default_folder`]) of the portal at `root`
    /// whose `portal.yaml` reads `config_text`, for a load of `records`
    /// record files: empty (nothing to reuse, but written after the load)
    /// when there is no store file yet or it was written by another program
    /// or under another config; no store at all below [`MIN_RECORDS`].
    pub fn open(folder: &Path, root: &Path, config_text: &str, records: usize) -> Self {
        if records < MIN_RECORDS {
            return Self::default();
        }
        let Ok(root) = root.canonicalize() else {
            return Self::default();
        };
        let root_text = root.to_string_lossy();
        let file = folder.join(format!(
            "records-{}.txt",
            &sha256_hex(root_text.as_bytes())[..32]
        ));
        let header = format!(
            "{FORMAT}\t{}\t{}\t{}\t{}",
            env!("CARGO_PKG_VERSION"),
            executable_identity(),
            sha256_hex(config_text.as_bytes()),
            serde_json::to_string(&root_text).unwrap_or_default()
        );
        let mut store = Self {
            file: Some(file),
            header,
            ..Self::default()
        };
        store.read(records);
        store
    }

    /// Whether this load keeps a store (and so writes it afterwards).
    pub fn is_kept(&self) -> bool {
        self.file.is_some()
    }

    /// Reads the store file, keeping it only under the expected first line
    /// (see [`read_store_file`] for which files are read at all).
    fn read(&mut self, records: usize) {
        let Some(file) = &self.file else { return };
        let Some(text) = read_store_file(file, records) else {
            return;
        };
        let Some(body) = text
            .strip_prefix(self.header.as_str())
            .and_then(|rest| rest.strip_prefix('\n'))
        else {
            return;
        };
        let mut offset = text.len() - body.len();
        let mut entries = FxHashMap::default();
        for line in body.split_inclusive('\n') {
            if let Some((path, entry)) = parse_line(line, offset) {
                entries.insert(path, entry);
            }
            offset += line.len();
            self.lines += 1;
        }
        self.entries = entries;
        self.text = text;
    }

    /// The front matter stored for the record file `path` (relative to the
    /// portal root, `/`-separated) whose bytes hash to `sha256`, with the
    /// line that holds it (kept as it is when the store is written again),
    /// or `None`.
    pub fn record(&self, path: &str, sha256: &str) -> Option<(Record, Line)> {
        let entry = self.entries.get(path)?;
        let checked = &self.text[entry.checked.clone()];
        if self.text[entry.sha256.clone()] != *sha256
            || self.text[entry.check.clone()] != checksum(checked)
        {
            return None;
        }
        let record = serde_json::from_str(&self.text[entry.record.clone()]).ok()?;
        Some((record, Line::Kept(entry.line.clone())))
    }

    /// A new store line for the record file `path` (relative,
    /// `/`-separated) that loaded without a flag: the SHA-256 of its bytes,
    /// its path as a JSON string and its front matter as JSON.
    pub fn new_line(path: &str, sha256: &str, record: &Record) -> Option<Line> {
        let path = serde_json::to_string(path).ok()?;
        let record = serde_json::to_string(record).ok()?;
        let checked = format!("{sha256}\t{path}\t{record}");
        Some(Line::New(format!("{}\t{checked}", checksum(&checked))))
    }

    /// The write that brings the store up to date with `lines` (one per
    /// record file that loaded without a flag, in load order). Nothing is
    /// written when the store holds exactly those lines already.
    pub fn update(self, lines: Vec<Line>) -> Update {
        let kept = lines
            .iter()
            .filter(|line| matches!(line, Line::Kept(_)))
            .count();
        let unchanged = kept == lines.len() && kept == self.lines;
        Update {
            file: self.file.filter(|_| !unchanged),
            header: self.header,
            text: self.text,
            lines,
        }
    }
}

/// One record file's line in the store being written.
#[derive(Debug)]
pub enum Line {
    /// The line the store holds already, at this range of its text.
    Kept(Range<usize>),
    /// A new line.
    New(String),
}

/// A pending write of a store ([`StoredRecords::update`]).
#[derive(Debug, Default)]
pub struct Update {
    file: Option<PathBuf>,
    header: String,
    /// The text of the store read, which kept lines point into.
    text: String,
    lines: Vec<Line>,
}

impl Update {
    /// Writes the store: a new file renamed over the old one, so that a
    /// reader sees the old store or the new, whole. A store that cannot be
    /// written is skipped silently: the next `check` parses every file, as
    /// without a store. Store files of the same folder unused for
    /// [`UNUSED_FOR`] are removed.
    pub fn write(self) {
        let Some(file) = &self.file else { return };
        let Some(folder) = file.parent() else { return };
        if create_private_folder(folder).is_err() {
            return;
        }
        let _ = self.write_into(folder, file);
        remove_unused(folder, file);
    }

    fn write_into(&self, folder: &Path, file: &Path) -> std::io::Result<()> {
        let mut temporary = tempfile::Builder::new()
            .prefix(TEMPORARY_PREFIX)
            .suffix(TEMPORARY_SUFFIX)
            .tempfile_in(folder)?;
        {
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, temporary.as_file_mut());
            writer.write_all(self.header.as_bytes())?;
            writer.write_all(b"\n")?;
            for line in &self.lines {
                let text = match line {
                    Line::Kept(range) => &self.text[range.clone()],
                    Line::New(text) => text.as_str(),
                };
                writer.write_all(text.as_bytes())?;
                writer.write_all(b"\n")?;
            }
            writer.flush()?;
        }
        temporary.persist(file).map_err(|error| error.error)?;
        Ok(())
    }
}

/// One store line starting at byte `offset` of the store's text: the path
/// and where its parts sit; `None` for a malformed line (the checksum is
/// compared when the line is used).
fn parse_line(line: &str, offset: usize) -> Option<(String, Entry)> {
    let content = line.strip_suffix('\n')?;
    let (check, checked) = content.split_once('\t')?;
    let mut fields = checked.splitn(3, '\t');
    let sha256 = fields.next()?;
    let path_json = fields.next()?;
    let record = fields.next()?;
    let hex =
        |text: &str, digits| text.len() == digits && text.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex(check, CHECK_DIGITS) || !hex(sha256, 64) {
        return None;
    }
    let path: String = serde_json::from_str(path_json).ok()?;
    let checked_start = offset + check.len() + 1;
    let record_start = checked_start + sha256.len() + 1 + path_json.len() + 1;
    Some((
        path,
        Entry {
            line: offset..offset + content.len(),
            check: offset..offset + check.len(),
            checked: checked_start..offset + content.len(),
            sha256: checked_start..checked_start + sha256.len(),
            record: record_start..record_start + record.len(),
        },
    ))
}

/// The text of the store file `file` for a portal of `records` record
/// files, or `None`: only a regular file (not a link, FIFO or device) owned
/// by the current user and at most [`max_store_bytes`] long is read, and
/// reading it marks it as used (its modification time is set to now, see
/// [`UNUSED_FOR`]).
fn read_store_file(file: &Path, records: usize) -> Option<String> {
    use std::io::Read;
    if !std::fs::symlink_metadata(file).ok()?.is_file() {
        return None;
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        rustix::fs::OFlags::NOFOLLOW.bits() as i32 | rustix::fs::OFlags::NONBLOCK.bits() as i32,
    );
    let opened = options.open(file).ok()?;
    let metadata = opened.metadata().ok()?;
    let limit = max_store_bytes(records);
    if !metadata.is_file() || !owned_by_me(&metadata) || metadata.len() > limit {
        return None;
    }
    let _ = opened.set_modified(SystemTime::now());
    let mut text = String::new();
    opened.take(limit).read_to_string(&mut text).ok()?;
    Some(text)
}

/// The largest store read for `records` record files: 64 KB of front
/// matter per record, 64 MB at least.
fn max_store_bytes(records: usize) -> u64 {
    (records as u64)
        .saturating_mul(64 * 1024)
        .max(64 * 1024 * 1024)
}

/// Whether the current user owns the file of `metadata`.
#[cfg(target_os = "linux")]
fn owned_by_me(metadata: &std::fs::Metadata) -> bool {
    std::os::unix::fs::MetadataExt::uid(metadata) == rustix::process::geteuid().as_raw()
}

#[cfg(not(target_os = "linux"))]
fn owned_by_me(_metadata: &std::fs::Metadata) -> bool {
    true
}

/// The store folder: `$CHANGEPORTAL_CACHE_DIR` (empty or relative: none),
/// else `$XDG_CACHE_HOME/changeportal`, else `$HOME/.cache/changeportal`,
/// each only when the folder named by the variable is an existing absolute
/// folder (a missing home is not created).
pub fn default_folder() -> Option<PathBuf> {
    let absolute = |value: std::ffi::OsString| {
        let path = PathBuf::from(value);
        path.is_absolute().then_some(path)
    };
    if let Some(value) = std::env::var_os(CACHE_DIR_VARIABLE) {
        return absolute(value);
    }
    let existing = |path: PathBuf| path.is_dir().then_some(path);
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME")
        .and_then(absolute)
        .and_then(existing)
    {
        return Some(cache.join("changeportal"));
    }
    let home = std::env::var_os("HOME")
        .and_then(absolute)
        .and_then(existing)?;
    Some(home.join(".cache").join("changeportal"))
}

/// The running executable as its size, modification time, and on Unix its
/// inode and change time (which no tool can set back: a rebuilt binary has
/// a new one even where modification times are fixed, as in Nix);
/// "unknown-<pid>", which never matches a store, when it cannot be read.
fn executable_identity() -> String {
    let metadata = std::env::current_exe().and_then(std::fs::metadata);
    let Ok(metadata) = metadata else {
        return format!("unknown-{}", std::process::id());
    };
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos());
    #[cfg(unix)]
    let changed = {
        use std::os::unix::fs::MetadataExt;
        format!(
            " {} {} {}",
            metadata.ino(),
            metadata.ctime(),
            metadata.ctime_nsec()
        )
    };
    #[cfg(not(unix))]
    let changed = String::new();
    format!("{} {modified}{changed}", metadata.len())
}

/// Creates `folder` (and its parents), readable by its owner only.
fn create_private_folder(folder: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder)
}

/// Removes from `folder` the store files other than `kept` not used for
/// [`UNUSED_FOR`], and the temporary files of writes that did not finish
/// (a `check` killed while writing) older than an hour. Only files named as
/// this module names them are touched, and a store only when it starts with
/// a store's first word: the folder may be shared with other files.
fn remove_unused(folder: &Path, kept: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        let age = metadata
            .modified()
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .unwrap_or_default();
        let removable = if is_store_name(name) {
            age > UNUSED_FOR && path != kept && starts_as_store(&path)
        } else {
            is_temporary_name(name) && age > Duration::from_secs(60 * 60)
        };
        if removable && metadata.is_file() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Whether `name` is a store file's name: `records-`, 32 hex digits, `.txt`.
fn is_store_name(name: &str) -> bool {
    name.strip_prefix("records-")
        .and_then(|rest| rest.strip_suffix(".txt"))
        .is_some_and(|hash| hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether `name` is the name of a store being written ([`Update::write`]).
fn is_temporary_name(name: &str) -> bool {
    name.starts_with(TEMPORARY_PREFIX) && name.ends_with(TEMPORARY_SUFFIX)
}

/// The name of a store being written: this prefix, random letters, this suffix.
const TEMPORARY_PREFIX: &str = ".records-";
/// See [`TEMPORARY_PREFIX`].
const TEMPORARY_SUFFIX: &str = ".partial";

/// Whether the file at `path` starts with a store's first word.
fn starts_as_store(path: &Path) -> bool {
    use std::io::Read;
    let mut start = [0u8; 20];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut start))
        .is_ok_and(|()| start.starts_with(b"changeportal-records"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn lines_name_their_path_and_where_each_part_sits() {
        let checked = format!("{SHA}\t\"content/changes/a\\tb.md\"\t{{\"id\":\"X\"}}");
        let line = format!("{}\t{checked}\n", checksum(&checked));
        let text = format!("header\n{line}");
        let (path, entry) = parse_line(&line, 7).unwrap();
        assert_eq!(path, "content/changes/a\tb.md");
        assert_eq!(&text[entry.sha256], SHA);
        assert_eq!(&text[entry.record], "{\"id\":\"X\"}");
        assert_eq!(&text[entry.checked], checked);
        assert_eq!(&text[entry.check], checksum(&checked));
        assert_eq!(&text[entry.line], line.trim_end());
    }

    #[test]
    fn malformed_lines_are_skipped() {
        let check = "0".repeat(CHECK_DIGITS);
        for line in [
            String::new(),
            format!("{check}\t{SHA}\t\"a.md\"\t{{}}"),
            format!("{check}\t{SHA}\t\"a.md\"\n"),
            format!("{SHA}\t\"a.md\"\t{{}}\n"),
            format!("{check}\t{}\t\"a.md\"\t{{}}\n", &SHA[1..]),
            format!("{check}\t{}g\t\"a.md\"\t{{}}\n", &SHA[1..]),
            format!("{check}\t{SHA}\ta.md\t{{}}\n"),
            format!("{}\t{SHA}\t\"a.md\"\t{{}}\n", &check[1..]),
        ] {
            assert!(parse_line(&line, 0).is_none(), "{line:?}");
        }
    }

    #[test]
    fn only_names_this_module_writes_count_as_stores() {
        assert!(is_store_name(
            "records-0123456789abcdef0123456789abcdef.txt"
        ));
        for name in [
            "records-2025.txt",
            "records-0123456789abcdef0123456789abcdeg.txt",
            "records-0123456789abcdef0123456789abcdef.txt.bak",
            "notes.txt",
        ] {
            assert!(!is_store_name(name), "{name}");
        }
        assert!(is_temporary_name(".records-AbC123.partial"));
        assert!(!is_temporary_name(".records-AbC123"));
    }
}
