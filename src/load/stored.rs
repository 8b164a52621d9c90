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
//! - then one line per record file: the SHA-256 of its bytes, its path
//!   relative to the portal (a JSON string), and its front matter as JSON.
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
const FORMAT: &str = "changeportal-records 1";

/// A store file not written for this long is removed when another store of
/// the same folder is written (its portal has not been checked for a month).
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
}

/// Where one record file's hash and front matter sit in the store's text.
#[derive(Debug)]
struct Entry {
    sha256: Range<usize>,
    record: Range<usize>,
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
        store.read();
        store
    }

    /// Whether this load keeps a store (and so writes it afterwards).
    pub fn is_kept(&self) -> bool {
        self.file.is_some()
    }

    /// Reads the store file, keeping it only under the expected first line.
    fn read(&mut self) {
        let Some(file) = &self.file else { return };
        let Ok(text) = std::fs::read_to_string(file) else {
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
        }
        self.entries = entries;
        self.text = text;
    }

    /// The front matter stored for the record file `path` (relative to the
    /// portal root, `/`-separated) whose bytes hash to `sha256`, or `None`.
    pub fn record(&self, path: &str, sha256: &str) -> Option<Record> {
        let entry = self.entries.get(path)?;
        if self.text[entry.sha256.clone()] != *sha256 {
            return None;
        }
        serde_json::from_str(&self.text[entry.record.clone()]).ok()
    }

    /// The store line of the record file `path` (relative, `/`-separated)
    /// whose bytes hash to `sha256`, as the store holds it: for a file whose
    /// front matter [`StoredRecords::record`] gave.
    pub fn kept_line(&self, path: &str, sha256: &str) -> Option<Line> {
        let entry = self.entries.get(path)?;
        (self.text[entry.sha256.clone()] == *sha256)
            .then_some(Line::Kept(entry.sha256.start..entry.record.end))
    }

    /// A new store line for the record file `path` (relative,
    /// `/`-separated) that loaded without a flag: the SHA-256 of its bytes,
    /// its path as a JSON string and its front matter as JSON.
    pub fn new_line(path: &str, sha256: &str, record: &Record) -> Option<Line> {
        let path = serde_json::to_string(path).ok()?;
        let record = serde_json::to_string(record).ok()?;
        Some(Line::New(format!("{sha256}\t{path}\t{record}")))
    }

    /// The write that brings the store up to date with `lines` (one per
    /// record file that loaded without a flag, in load order). Nothing is
    /// written when the store holds exactly those lines already.
    pub fn update(self, lines: Vec<Line>) -> Update {
        let kept = lines
            .iter()
            .filter(|line| matches!(line, Line::Kept(_)))
            .count();
        let unchanged = kept == lines.len() && kept == self.entries.len();
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
        let mut temporary = tempfile::NamedTempFile::new_in(folder)?;
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
/// and where its hash and front matter sit; `None` for a malformed line.
fn parse_line(line: &str, offset: usize) -> Option<(String, Entry)> {
    let content = line.strip_suffix('\n')?;
    let mut fields = content.splitn(3, '\t');
    let sha256 = fields.next()?;
    let path_json = fields.next()?;
    let record = fields.next()?;
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let path: String = serde_json::from_str(path_json).ok()?;
    let record_start = offset + sha256.len() + 1 + path_json.len() + 1;
    Some((
        path,
        Entry {
            sha256: offset..offset + sha256.len(),
            record: record_start..record_start + record.len(),
        },
    ))
}

/// The store folder: `$CHANGEPORTAL_CACHE_DIR` (empty: none), else
/// `$XDG_CACHE_HOME/changeportal`, else `$HOME/.cache/changeportal`; only
/// absolute paths count.
pub fn default_folder() -> Option<PathBuf> {
    let absolute = |value: std::ffi::OsString| {
        let path = PathBuf::from(value);
        path.is_absolute().then_some(path)
    };
    if let Some(value) = std::env::var_os(CACHE_DIR_VARIABLE) {
        return absolute(value);
    }
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME").and_then(absolute) {
        return Some(cache.join("changeportal"));
    }
    let home = std::env::var_os("HOME").and_then(absolute)?;
    Some(home.join(".cache").join("changeportal"))
}

/// The running executable as "size modification-time-in-nanoseconds"
/// ("unknown" when it cannot be read, which never matches a store).
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
    format!("{} {modified}", metadata.len())
}

/// Creates `folder` (and its parents), readable by its owner only.
fn create_private_folder(folder: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder)
}

/// Removes the store files of `folder` other than `kept` not written for
/// [`UNUSED_FOR`].
fn remove_unused(folder: &Path, kept: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_store = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with("records-") && name.ends_with(".txt"));
        let unused = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > UNUSED_FOR);
        if is_store && unused && path != kept {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn lines_name_their_path_and_where_hash_and_front_matter_sit() {
        let line = format!("{SHA}\t\"content/changes/a\\tb.md\"\t{{\"id\":\"X\"}}\n");
        let text = format!("header\n{line}");
        let (path, entry) = parse_line(&line, 7).unwrap();
        assert_eq!(path, "content/changes/a\tb.md");
        assert_eq!(&text[entry.sha256], SHA);
        assert_eq!(&text[entry.record], "{\"id\":\"X\"}");
    }

    #[test]
    fn malformed_lines_are_skipped() {
        for line in [
            String::new(),
            format!("{SHA}\t\"a.md\"\t{{}}"),
            format!("{SHA}\t\"a.md\"\n"),
            format!("{}\t\"a.md\"\t{{}}\n", &SHA[1..]),
            format!("{}g\t\"a.md\"\t{{}}\n", &SHA[1..]),
            format!("{SHA}\ta.md\t{{}}\n"),
        ] {
            assert!(parse_line(&line, 0).is_none(), "{line:?}");
        }
    }
}
