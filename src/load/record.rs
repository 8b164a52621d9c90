//! Reading one record file into a [`Document`], or into flags that say why not.

use super::body::{marker_flags, split_body};
use super::frontmatter::{self, split};
use super::stored::{Line, StoredRecords};
use super::tree::PortalDir;
use super::{characters, public_text};
use super::{positions, relative, MAX_RECORD_BYTES};
use crate::diagnostics::{Code, Flag};
use crate::model::config::Config;
use crate::model::digest::sha256_hex;
use crate::model::portal::{Document, FieldPositions, Position, SourceFile};
use crate::model::record::{is_valid_id, Record, Status, Visibility};
use rustc_hash::FxHashMap;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

/// What loading one record file produced.
pub struct RecordOutcome {
    /// The record, when it parsed and is valid (shared: `serve`'s load
    /// cache hands the same document to every rebuild).
    pub document: Option<std::sync::Arc<Document>>,
    /// Problems found in the file.
    pub flags: Vec<Flag>,
    /// The text, for diagnostics.
    pub source: Option<SourceFile>,
}

/// Which record texts a [`RecordOutcome`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every text (`serve`'s load cache).
    Always,
    /// Only the texts of files with flags: nothing will quote the others,
    /// and keeping every text would hold the whole portal twice in memory
    /// ([`super::read_flagged_records`] reads a file again if a later check
    /// flags it).
    IfFlagged,
}

/// A file read below this size keeps its thread's read buffer for the next
/// file; a larger one gives it back, so that one huge record does not stay
/// in memory for the rest of the load.
const KEPT_BUFFER_BYTES: usize = 1024 * 1024;

thread_local! {
    /// Each loading thread's read buffer: a record is read into memory that
    /// is already mapped instead of into a fresh allocation per file (page
    /// faults were a fifth of `check`'s time).
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Loads the record at `path` of the portal folder `portal` (every file read
/// must lie inside it), keeping its text as `keep` says.
pub fn load_record(
    portal: &PortalDir,
    root: &Path,
    path: &Path,
    config: &Config,
    keep: Keep,
) -> RecordOutcome {
    with_read_buffer(|buffer| read_and_parse(portal, root, path, config, keep, None, buffer)).0
}

/// [`load_record`] (texts kept only for flagged files) with the record store
/// of `check` ([`super::stored`]): a file whose path and bytes the store
/// holds takes its front matter from there instead of parsing it. Output:
/// the outcome, and the file's store line when it loaded without a flag.
pub fn load_record_stored(
    portal: &PortalDir,
    root: &Path,
    path: &Path,
    config: &Config,
    store: &StoredRecords,
) -> (RecordOutcome, Option<Line>) {
    with_read_buffer(|buffer| {
        read_and_parse(
            portal,
            root,
            path,
            config,
            Keep::IfFlagged,
            Some(store),
            buffer,
        )
    })
}

/// Runs `read` with this thread's read buffer, giving the buffer back
/// afterwards when it grew past [`KEPT_BUFFER_BYTES`].
fn with_read_buffer<T>(read: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    READ_BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let result = read(&mut buffer);
        if buffer.capacity() > KEPT_BUFFER_BYTES {
            *buffer = Vec::new();
        }
        result
    })
}

/// [`load_record`] with the file read into `buffer`.
fn read_and_parse(
    portal: &PortalDir,
    root: &Path,
    path: &Path,
    config: &Config,
    keep: Keep,
    store: Option<&StoredRecords>,
    buffer: &mut Vec<u8>,
) -> (RecordOutcome, Option<Line>) {
    let read = read_bytes(portal, root, path, config, buffer).and_then(|()| {
        let text = std::str::from_utf8(buffer)
            .map_err(|error| not_utf8(root, path, config, buffer, &error))?;
        Ok((frontmatter::strip_bom(text), sha256_hex(buffer)))
    });
    let (text, sha256) = match read {
        Ok(read) => read,
        Err(flag) => {
            let outcome = RecordOutcome {
                document: None,
                flags: vec![*flag],
                source: None,
            };
            return (outcome, None);
        }
    };
    let path = relative(root, path);
    let Some(store) = store else {
        return (parse_text(path, text, &sha256, config, keep), None);
    };
    if let Some((document, line)) = store.record(&path, &sha256).and_then(|(record, line)| {
        stored_document(path.clone(), text, &sha256, record, config).map(|d| (d, line))
    }) {
        let outcome = RecordOutcome {
            document: Some(std::sync::Arc::new(document)),
            flags: Vec::new(),
            source: None,
        };
        return (outcome, Some(line));
    }
    let outcome = parse_text(path.clone(), text, &sha256, config, keep);
    let line = match (&outcome.document, outcome.flags.is_empty()) {
        (Some(document), true) => StoredRecords::new_line(&path, &sha256, &document.record),
        _ => None,
    };
    (outcome, line)
}

/// The document of the record file `path` (relative to the portal root)
/// whose text (BOM stripped) is `text`, with the front matter `record` the
/// store holds for these very bytes: the body is split from `text` by the
/// rules every load applies. `None` (parse the file instead) should the
/// text not split cleanly after all.
fn stored_document(
    path: String,
    text: &str,
    sha256: &str,
    record: Record,
    config: &Config,
) -> Option<Document> {
    let (text, invalid_characters) = characters::scrub_text(text, &path, config);
    let parts = split(&text).ok()?;
    let body = split_body(parts.body, parts.body_first_line, record.is_public());
    if !invalid_characters.is_empty() || !body.malformed_marker_lines.is_empty() {
        return None;
    }
    Some(Document {
        path,
        public_body: body.public,
        internal_body: body.internal,
        record,
        sha256: sha256.to_string(),
    })
}

/// Parses one record from `text` as if it had been read from `path` (relative
/// to the portal root): the in-memory entry point for fuzzing and tests.
pub fn parse_str(text: &str, path: &str, config: &Config) -> RecordOutcome {
    let sha256 = sha256_hex(text.as_bytes());
    let text = frontmatter::strip_bom(text);
    parse_text(path.to_string(), text, &sha256, config, Keep::Always)
}

/// Parses the front matter and body of the file `path` (relative to the
/// portal root) whose text (BOM stripped) is `text` and whose bytes hash to
/// `sha256`; the outcome holds the text as `keep` says.
fn parse_text(
    path: String,
    text: &str,
    sha256: &str,
    config: &Config,
    keep: Keep,
) -> RecordOutcome {
    let (text, raw_characters) = characters::scrub_text(text, &path, config);
    let (document, mut flags) = match parse_front_matter::<Record>(&path, &text, config) {
        Ok(mut parsed) => {
            let escaped_characters = std::mem::take(&mut parsed.invalid_characters);
            let (mut document, mut flags) = build_document(parsed, &path, config);
            if let Some(document) = &mut document {
                document.sha256 = sha256.to_string();
            }
            flags.extend(escaped_characters);
            (document, flags)
        }
        Err(flag) => (None, vec![*flag]),
    };
    flags.extend(raw_characters);
    if let Some(document) = &document {
        for flag in flags
            .iter_mut()
            .filter(|f| f.code == Code::InvalidCharacter)
        {
            flag.record = Some(document.record.id.clone());
        }
    }
    let keep_text = keep == Keep::Always || !flags.is_empty();
    RecordOutcome {
        document: document.map(std::sync::Arc::new),
        source: keep_text.then(|| SourceFile {
            path,
            text: text.into_owned(),
        }),
        flags,
    }
}

/// Reads a file as UTF-8 text (BOM stripped), refusing oversized files,
/// special files and files outside the portal ([`super::tree::open_inside`]).
pub fn read_source(root: &Path, path: &Path, config: &Config) -> Result<SourceFile, Box<Flag>> {
    root.canonicalize()
        .map_err(|error| cannot_read(root, path, config, &error))?;
    let mut bytes = Vec::new();
    read_bytes(&PortalDir::new(root), root, path, config, &mut bytes)?;
    decode(root, path, config, bytes)
}

/// The flag of a file that cannot be used, at `line`:`column` of `path`.
fn unreadable(
    root: &Path,
    path: &Path,
    config: &Config,
    (line, column): (usize, usize),
    message: String,
    hint: &str,
) -> Box<Flag> {
    Box::new(flag_at(
        config,
        Code::InvalidRecord,
        &relative(root, path),
        Position { line, column },
        message,
        Some(hint.to_string()),
        None,
    ))
}

/// The flag of the file at `path` that the system refuses to read.
fn cannot_read(root: &Path, path: &Path, config: &Config, error: &std::io::Error) -> Box<Flag> {
    unreadable(
        root,
        path,
        config,
        (1, 1),
        format!("cannot read file: {error}"),
        "check the file's permissions",
    )
}

/// Reads a file's bytes into `bytes` (emptied first), refusing oversized
/// files, special files and files outside the portal folder `root`
/// ([`PortalDir::open`]).
fn read_bytes(
    portal: &PortalDir,
    root: &Path,
    path: &Path,
    config: &Config,
    bytes: &mut Vec<u8>,
) -> Result<(), Box<Flag>> {
    let fail = |line, column, message: String, hint: &str| {
        unreadable(root, path, config, (line, column), message, hint)
    };
    let cannot_read = |error: std::io::Error| cannot_read(root, path, config, &error);
    let too_big = |size: u64| {
        fail(
            1,
            1,
            format!(
                "file is {} MB; records are limited to {} MB",
                size / (1024 * 1024),
                MAX_RECORD_BYTES / (1024 * 1024)
            ),
            "move large evidence to a linked document and keep the record short",
        )
    };
    read_limited(portal, path, bytes).map_err(|error| match error {
        Unread::Io(error) => cannot_read(error),
        Unread::TooBig(size) => too_big(size),
    })
}

/// Why [`read_limited`] read nothing.
#[derive(Debug)]
pub(super) enum Unread {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The file is larger than [`MAX_RECORD_BYTES`] (its size in bytes, or
    /// the limit plus one when it grew past it while read).
    TooBig(u64),
}

/// Reads the file at `path` inside `portal` ([`PortalDir::open`]) into
/// `bytes` (emptied first), refusing a file larger than
/// [`MAX_RECORD_BYTES`] when opened or once read.
pub(super) fn read_limited(
    portal: &PortalDir,
    path: &Path,
    bytes: &mut Vec<u8>,
) -> Result<(), Unread> {
    let (mut file, size) = portal.open(path).map_err(Unread::Io)?;
    if size > MAX_RECORD_BYTES {
        return Err(Unread::TooBig(size));
    }
    read_whole(&mut file, size, bytes).map_err(Unread::Io)?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(Unread::TooBig(bytes.len() as u64));
    }
    Ok(())
}

/// Reads `file`, whose size was `size` bytes (at most [`MAX_RECORD_BYTES`])
/// when it was opened, into `bytes` (emptied first): at most one byte past
/// the limit, so that a file that grew since is refused too rather than
/// read whole. The first read asks for one byte more than `size`; when it
/// returns exactly `size` bytes the file has ended there, and the read
/// `read_to_end` would make to see the end (a system call per record) is
/// left out.
///
/// Errors: a failed read.
fn read_whole(file: &mut std::fs::File, size: u64, bytes: &mut Vec<u8>) -> std::io::Result<()> {
    let expected = usize::try_from(size).unwrap_or(0);
    bytes.clear();
    bytes.resize(expected + 1, 0);
    let first = loop {
        match file.read(bytes) {
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            read => break read?,
        }
    };
    bytes.truncate(first);
    if first == expected {
        return Ok(());
    }
    file.take(MAX_RECORD_BYTES + 1 - first as u64)
        .read_to_end(bytes)
        .map(|_| ())
}

/// The bytes of the file at `path` as UTF-8 text with its BOM stripped.
fn decode(
    root: &Path,
    path: &Path,
    config: &Config,
    bytes: Vec<u8>,
) -> Result<SourceFile, Box<Flag>> {
    match text_of(bytes) {
        Ok(text) => Ok(SourceFile {
            path: relative(root, path),
            text,
        }),
        Err(error) => Err(not_utf8(
            root,
            path,
            config,
            error.as_bytes(),
            &error.utf8_error(),
        )),
    }
}

/// `bytes` as UTF-8 text with its BOM stripped. Errors: not UTF-8.
pub(super) fn text_of(bytes: Vec<u8>) -> Result<String, std::string::FromUtf8Error> {
    let mut text = String::from_utf8(bytes)?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// The flag of the file at `path` whose `bytes` are not UTF-8 (`error`),
/// at the first byte that is not.
fn not_utf8(
    root: &Path,
    path: &Path,
    config: &Config,
    bytes: &[u8],
    error: &std::str::Utf8Error,
) -> Box<Flag> {
    unreadable(
        root,
        path,
        config,
        end_position(&bytes[..error.valid_up_to()]),
        "file is not valid UTF-8".to_string(),
        "save the file as UTF-8",
    )
}

/// 1-based line and column (in characters, a leading BOM not counted) just
/// after `bytes`, which are valid UTF-8.
fn end_position(bytes: &[u8]) -> (usize, usize) {
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    let text = frontmatter::strip_bom(text);
    let line = text.matches('\n').count() + 1;
    let last_line = text.rsplit('\n').next().unwrap_or_default();
    (line, last_line.chars().count() + 1)
}

/// Front matter parsed into `T`, with the body and key positions.
pub struct Parsed<'a, T> {
    /// The parsed front matter.
    pub value: T,
    /// The markdown after the closing fence.
    pub body: &'a str,
    /// File line of the first body line.
    pub body_first_line: usize,
    /// Where each key is, scanned only if something asks.
    pub positions: LazyPositions<'a>,
    /// `invalid-character` flags of values that wrote such characters as
    /// escapes; the value holds U+FFFD in their place.
    pub invalid_characters: Vec<Flag>,
}

/// The key positions of one front matter, scanned on first use: only a
/// record with a problem needs them, and a table per record would be a
/// third of a large portal's memory.
pub struct LazyPositions<'a> {
    yaml: &'a str,
    first_line: usize,
    scanned: std::cell::OnceCell<FieldPositions>,
}

impl<'a> LazyPositions<'a> {
    fn new(yaml: &'a str, first_line: usize) -> Self {
        Self {
            yaml,
            first_line,
            scanned: std::cell::OnceCell::new(),
        }
    }

    /// The scanned positions.
    pub fn get(&self) -> &FieldPositions {
        self.scanned
            .get_or_init(|| positions::scan(self.yaml, self.first_line))
    }
}

/// Where each front-matter key of the record file `path` (relative to
/// `root`) is, read from the file again (loading keeps no positions). A file
/// that cannot be read again (removed meanwhile) gives positions that all
/// point at 1:1.
pub fn positions_of(root: &Path, path: &str) -> FieldPositions {
    std::fs::read_to_string(root.join(path))
        .map(|text| positions_in(&text))
        .unwrap_or_else(|_| positions_in(""))
}

/// Where each front-matter key of the record text `text` is; all at 1:1
/// when it has no front matter.
pub fn positions_in(text: &str) -> FieldPositions {
    match split(frontmatter::strip_bom(text)) {
        Ok(split) => positions::scan(split.yaml, split.yaml_first_line),
        Err(_) => positions::scan("", 1),
    }
}

/// Splits and parses the front matter of `source` into `T`.
pub fn parse_front_matter<'a, T: DeserializeOwned>(
    path: &str,
    text: &'a str,
    config: &Config,
) -> Result<Parsed<'a, T>, Box<Flag>> {
    let split = split(text).map_err(|error| fence_flag(config, path, error.message()))?;
    if split.yaml.trim().is_empty() {
        let message = "front matter is empty: the fields go between the two `---` lines";
        return Err(fence_flag(config, path, message));
    }
    let positions = LazyPositions::new(split.yaml, split.yaml_first_line);
    let yaml = characters::scrub_yaml_escapes(split.yaml, split.yaml_first_line);
    let value = crate::yaml::from_str_at::<T>(&yaml.text, split.yaml_first_line)
        .map_err(|error| Box::new(yaml_flag(config, path, &error)))?;
    let invalid_characters = if yaml.fields.is_empty() {
        Vec::new()
    } else {
        yaml.flags(config, path, positions.get())
    };
    Ok(Parsed {
        value,
        body: split.body,
        body_first_line: split.body_first_line,
        positions,
        invalid_characters,
    })
}

/// A problem with the `---` fences themselves, at the top of the file.
fn fence_flag(config: &Config, path: &str, message: &str) -> Box<Flag> {
    Box::new(flag_at(
        config,
        Code::InvalidRecord,
        path,
        Position { line: 1, column: 1 },
        message.to_string(),
        Some(
            "a record starts with `---`, then `key: value` lines, then `---`, then the markdown body"
                .to_string(),
        ),
        None,
    ))
}

/// A YAML error (positioned in the file, not in the front matter) as a flag.
fn yaml_flag(config: &Config, path: &str, error: &crate::yaml::YamlError) -> Flag {
    let position = Position {
        line: error.line,
        column: error.column,
    };
    let (code, message, hint) = describe_yaml_error(&error.message);
    flag_at(config, code, path, position, message, hint, None)
}

/// Classifies a YAML error and turns the library's long "expected one of"
/// list into a short "did you mean" hint.
fn describe_yaml_error(message: &str) -> (Code, String, Option<String>) {
    let code = if message.contains("unknown field") {
        Code::UnknownField
    } else {
        Code::InvalidRecord
    };
    let Some((head, candidates)) = expected_names(message) else {
        return (code, message.to_string(), Some(general_hint(message)));
    };
    let found = head.rsplit('`').nth(1).unwrap_or("");
    let hint = match closest_name(found, &candidates) {
        Some(candidate) => format!("did you mean `{candidate}`?"),
        None => format!("expected one of: {}", candidates.join(", ")),
    };
    (code, head.to_string(), Some(hint))
}

/// Splits "unknown field `x`, expected one of `a`, `b`" (or "expected `a`",
/// "expected `a` or `b`") into the head and the quoted names.
fn expected_names(message: &str) -> Option<(&str, Vec<&str>)> {
    let (head, expected) = message.split_once(", expected ")?;
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    (expected.starts_with('`') || expected.starts_with("one of `")).then_some((head, names))
}

/// The name nearest to `found`, if it is close enough to be a typo: at most
/// one edit per three characters (and at least one).
fn closest_name<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(found, candidate), *candidate))
        .min()
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
        .map(|(_, candidate)| candidate)
}

/// A hint for a YAML error that has no list of expected names.
fn general_hint(message: &str) -> String {
    let hint = if message.contains("missing field") {
        "add the field; see the record format in the README"
    } else if message.contains("invalid date") || message.contains("invalid time") {
        "write dates as YYYY-MM-DD or as RFC 3339 datetimes such as 2026-03-14T02:00:00Z"
    } else if message.contains("duplicate key") {
        "each key may appear once; remove or merge the repeated one"
    } else if message.contains("YAML tag") {
        "remove the tag: values are plain text, numbers, lists and mappings; quote a text that starts with `!`"
    } else if message.contains("invalid type: null") {
        "give the value, or write it in quotes if the text `null` or `~` is meant"
    } else if message.contains("invalid type") {
        "check the value's shape: a list is `[a, b]` or `- a` lines, a text containing `: ` or `#` needs quotes"
    } else {
        "check the YAML syntax: indent with spaces, write `key: value`, and quote texts containing `: ` or `#`"
    };
    hint.to_string()
}

/// Validates what the YAML shape cannot, then splits the body.
fn build_document(
    parsed: Parsed<'_, Record>,
    path: &str,
    config: &Config,
) -> (Option<Document>, Vec<Flag>) {
    let Parsed {
        value: record,
        body,
        body_first_line,
        positions,
        ..
    } = parsed;
    let mut flags = record_shape_problems(&record, path, &positions, config);
    let split = split_body(body, body_first_line, record.is_public());
    flags.extend(marker_flags(&split, path, config, Some(&record.id)));
    flags.extend(public_text::record_flags(
        &record,
        &split.public,
        body_first_line,
        path,
        config,
        |field| positions.get().of(field),
    ));
    if flags.iter().any(|flag| flag.code.blocks_build()) {
        return (None, flags);
    }
    let document = Document {
        path: path.to_string(),
        public_body: split.public,
        internal_body: split.internal,
        record,
        sha256: String::new(),
    };
    (Some(document), flags)
}

/// Required-field and syntax rules of SPEC section 2 beyond types.
fn record_shape_problems(
    record: &Record,
    path: &str,
    positions: &LazyPositions<'_>,
    config: &Config,
) -> Vec<Flag> {
    let mut problems = Vec::new();
    let mut invalid = |field: &str, message: String, hint: &str| {
        problems.push(flag_at(
            config,
            Code::InvalidRecord,
            path,
            positions.get().of(field),
            message,
            Some(hint.to_string()),
            Some(record.id.clone()),
        ));
    };
    if !is_valid_id(&record.id) {
        invalid(
            "id",
            format!("invalid id `{}`", record.id),
            "ids are 1-64 characters: a letter or digit, then letters, digits, `.`, `_` or `-`",
        );
    }
    if record.title.trim().is_empty() {
        invalid(
            "title",
            "title is empty".to_string(),
            "give the change a headline",
        );
    }
    if record.author.trim().is_empty() {
        invalid(
            "author",
            "author is empty".to_string(),
            "name who requested and wrote the change",
        );
    }
    let summary_missing = record
        .summary
        .as_deref()
        .is_none_or(|s| s.trim().is_empty());
    if record.visibility == Visibility::Public && summary_missing {
        invalid(
            "visibility",
            "public record without a `summary`".to_string(),
            "add `summary:`, the one-line customer-facing description used in lists and feeds",
        );
    }
    if matches!(record.status, Status::Deployed | Status::RolledBack) && record.deployed.is_none() {
        invalid(
            "status",
            format!("status `{}` needs a `deployed` date", record.status),
            "add `deployed:` with when the change went live",
        );
    }
    problems
}

/// Flags every record whose id (compared lower-cased, as URLs use it) was
/// already used by an earlier file.
pub fn duplicate_ids(
    root: &Path,
    documents: &[std::sync::Arc<Document>],
    config: &Config,
) -> Vec<Flag> {
    let mut first_seen: FxHashMap<Cow<'_, str>, &Document> = FxHashMap::default();
    first_seen.reserve(documents.len());
    let mut flags = Vec::new();
    for document in documents {
        // The slug without copying an id that is lower case already.
        let id = document.record.id.as_str();
        let key = if !id.is_ascii() || id.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(document.record.slug())
        } else {
            Cow::Borrowed(id)
        };
        match first_seen.get(&key) {
            Some(first) => flags.push(flag_at(
                config,
                Code::DuplicateId,
                &document.path,
                positions_of(root, &document.path).of("id"),
                format!(
                    "id `{}` is already used by {}",
                    document.record.id, first.path
                ),
                Some("give each record its own id (ids are compared lower-cased)".to_string()),
                Some(document.record.id.clone()),
            )),
            None => {
                first_seen.insert(key, document);
            }
        }
    }
    flags
}

/// A flag at `position` in `file`, at the level the config gives `code`.
pub fn flag_at(
    config: &Config,
    code: Code,
    file: &str,
    position: Position,
    message: String,
    hint: Option<String>,
    record: Option<String>,
) -> Flag {
    Flag {
        code,
        level: config.level_of(code),
        file: file.to_string(),
        line: position.line,
        column: position.column,
        message,
        hint,
        record,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_gets_a_suggestion() {
        let (code, message, hint) = describe_yaml_error(
            "unknown field `aprovals`, expected one of `id`, `approvals`, `title`",
        );
        assert_eq!(code, Code::UnknownField);
        assert_eq!(message, "unknown field `aprovals`");
        assert_eq!(hint.as_deref(), Some("did you mean `approvals`?"));
    }

    #[test]
    fn far_names_get_the_list_not_a_guess() {
        let (_, _, hint) =
            describe_yaml_error("unknown field `oops`, expected one of `by`, `note`, `at`");
        assert_eq!(hint.as_deref(), Some("expected one of: by, note, at"));
        let (_, message, hint) = describe_yaml_error("invalid type: sequence, expected a string");
        assert_eq!(message, "invalid type: sequence, expected a string");
        assert!(hint.is_some_and(|h| h.contains("shape")));
    }

    #[test]
    fn read_whole_reads_past_a_stale_size_and_stops_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "0123456789").unwrap();
        let mut bytes = b"left over".to_vec();
        for size in [10, 4, 0] {
            let mut file = std::fs::File::open(&path).unwrap();
            read_whole(&mut file, size, &mut bytes).unwrap();
            assert_eq!(bytes, b"0123456789", "size {size}");
        }
        // A size larger than the file (it shrank since): what is there.
        let mut file = std::fs::File::open(&path).unwrap();
        read_whole(&mut file, 20, &mut bytes).unwrap();
        assert_eq!(bytes, b"0123456789");
        // A file past the limit is read one byte past it, never whole.
        let big = dir.path().join("big.md");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_RECORD_BYTES + 10).unwrap();
        let mut file = std::fs::File::open(&big).unwrap();
        read_whole(&mut file, 1, &mut bytes).unwrap();
        assert_eq!(bytes.len() as u64, MAX_RECORD_BYTES + 1);
    }

    #[test]
    fn utf8_error_columns_count_characters() {
        assert_eq!(end_position("ab\ncafé ".as_bytes()), (2, 6));
        assert_eq!(end_position("\u{feff}x".as_bytes()), (1, 2));
    }
}
