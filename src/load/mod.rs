//! Reading a portal folder: `portal.yaml`, every record under
//! `content/changes/`, and the extra pages under `content/pages/`.
//!
//! Every problem becomes a [`Flag`] with file, line and column; one broken
//! record never hides the others.

pub mod body;
pub mod characters;
pub mod deploys;
pub mod frontmatter;
pub mod positions;
pub mod public_text;
pub mod record;
pub mod stored;
pub mod tree;

pub use crate::diagnostics::Sources;
use crate::diagnostics::{Code, Flag, Level};
use crate::layout::{self, Claim};
use crate::layout::{STATIC_FOLDER, TEMPLATES_FOLDER};
use crate::model::config::Config;
use crate::model::portal::{Document, Page, Portal, SourceFile};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Files larger than this are refused with a diagnostic instead of read.
pub const MAX_RECORD_BYTES: u64 = 32 * 1024 * 1024;

/// The result of loading a portal whose configuration is valid.
#[derive(Debug)]
pub struct Loaded {
    /// The portal, holding every record that could be parsed.
    pub portal: Portal,
    /// Problems found while loading (malformed records, duplicate ids, ...).
    pub flags: Vec<Flag>,
    /// Source texts of `portal.yaml`, the pages and the records with flags,
    /// by relative path, for printing diagnostics.
    pub sources: Sources,
    /// The texts of every record file as [`load_with`]'s cache holds them
    /// (empty without a cache): [`read_flagged_records`] takes a text from
    /// here before reading the file again.
    pub cached: CachedTexts,
}

/// A scan of `content/` with its record files, as paths and as paths
/// relative to the portal root (`/`-separated), in the same order.
struct CachedScan {
    scan: tree::Scan,
    records: Vec<PathBuf>,
    keys: Vec<String>,
}

/// Record texts a [`RecordCache`] holds, by path relative to the portal
/// root: shared, not copied, between the cache and a [`Loaded`].
#[derive(Clone, Default)]
pub struct CachedTexts(Option<std::sync::Arc<Outcomes>>);

impl std::fmt::Debug for CachedTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.0.as_ref().map_or(0, |outcomes| outcomes.len());
        write!(f, "CachedTexts({held} files)")
    }
}

/// Parse results by path relative to the portal root.
type Outcomes = std::collections::HashMap<String, std::sync::Arc<record::RecordOutcome>>;

impl CachedTexts {
    fn get(&self, path: &str) -> Option<&SourceFile> {
        self.0.as_ref()?.get(path)?.source.as_ref()
    }
}

/// Reads again the records among `paths` whose text `sources` does not
/// hold: loading keeps only the texts of files with load-time flags, so that
/// a build does not hold every record twice in memory. A file that cannot be
/// read again (or is not UTF-8) is skipped: its flags print without a quote.
pub fn read_flagged_records<'p>(
    sources: &mut Sources,
    cached: &CachedTexts,
    root: &Path,
    documents: &[std::sync::Arc<Document>],
    paths: impl IntoIterator<Item = &'p str>,
) {
    let records: rustc_hash::FxHashSet<&str> = documents.iter().map(|d| d.path.as_str()).collect();
    let mut unread: Vec<&str> = Vec::new();
    for path in paths {
        if records.contains(path) && !sources.contains(path) {
            match cached.get(path) {
                Some(source) => sources.insert(source.clone()),
                None => unread.push(path),
            }
        }
    }
    unread.sort_unstable();
    unread.dedup();
    // Read in parallel: hundreds of files at 10,000 records.
    let portal = tree::PortalDir::new(root);
    let read: Vec<SourceFile> = unread
        .par_iter()
        .filter_map(|path| {
            read_text(&portal, &root.join(path)).map(|text| SourceFile {
                path: (*path).to_string(),
                text,
            })
        })
        .collect();
    for source in read {
        sources.insert(source);
    }
}

/// The text of the file at `path` inside `portal` with its BOM stripped;
/// `None` when it cannot be read, is not UTF-8, or has grown past
/// [`MAX_RECORD_BYTES`] since it was loaded.
fn read_text(portal: &tree::PortalDir, path: &Path) -> Option<String> {
    let mut bytes = Vec::new();
    record::read_limited(portal, path, &mut bytes).ok()?;
    record::text_of(bytes).ok()
}

/// A `portal.yaml` that cannot be used: the command stops with exit code 2.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} is not valid", CONFIG_FILE)]
pub struct ConfigError {
    /// The problems, each pointing into `portal.yaml`.
    pub problems: Vec<Flag>,
    /// The config text, when it could be read.
    pub file: Option<SourceFile>,
}

/// The config file name inside a portal folder.
pub const CONFIG_FILE: &str = "portal.yaml";

/// Loads the portal at `root`. Only files inside the portal are read: the
/// paths under `content/`, `static/` and `templates/` that [`tree::scan`]
/// refuses, and the pages or static files whose output path another source
/// takes ([`layout::clashes`]), are `invalid-record` flags at `path:1:1`
/// (SPEC 5), which stop a build.
pub fn load(root: &Path) -> Result<Loaded, ConfigError> {
    load_with(root, None)
}

/// Each record file's parse result from the last [`load_with`], by path
/// relative to the portal root, valid for one `portal.yaml` text: what
/// `serve` keeps between rebuilds so that an edit re-parses only the files
/// that changed.
#[derive(Default)]
pub struct RecordCache {
    /// The `portal.yaml` text the outcomes were parsed under.
    config: Option<String>,
    /// Each record's parse result, its text kept whether flagged or not.
    outcomes: std::sync::Arc<Outcomes>,
    /// The last scan of `content/` and its record files' paths relative to
    /// the root, while no file can have been added, removed or replaced by
    /// something other than a regular file since.
    scan: Option<std::sync::Arc<CachedScan>>,
}

impl RecordCache {
    /// Forgets the record file at `path` (relative to the portal `root`,
    /// `/`-separated), so that the next load reads it again. The next load
    /// also scans `content/` again unless `path` was a record file before
    /// and is still a regular file (an edit in place or an editor's atomic
    /// save): only then can the set of files not have changed.
    pub fn forget(&mut self, root: &Path, path: &str) {
        let known = std::sync::Arc::make_mut(&mut self.outcomes)
            .remove(path)
            .is_some();
        let still_a_file = root
            .join(path)
            .symlink_metadata()
            .is_ok_and(|metadata| metadata.file_type().is_file());
        if !(known && still_a_file) {
            self.scan = None;
        }
    }

    /// Whether the file at `path` (relative to the portal `root`) under
    /// `content/` does not exist and was not there at the last scan either:
    /// a temporary file that came and went between two loads, which changes
    /// nothing. False without a scan to compare with.
    pub fn came_and_went(&self, root: &Path, path: &str) -> bool {
        let Some(cached) = &self.scan else {
            return false;
        };
        let full = root.join(path);
        path.starts_with("content/")
            && full.symlink_metadata().is_err()
            && !cached.scan.files.contains(&full)
            && !cached
                .scan
                .problems
                .iter()
                .any(|problem| problem.path == full)
    }

    /// Forgets every file and the scan.
    pub fn clear(&mut self) {
        self.outcomes = std::sync::Arc::default();
        self.scan = None;
    }

    /// Number of files held.
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    /// Whether no file is held.
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }
}

/// [`load`], reusing the parse results `cache` holds (when given): a record
/// file it holds is not read again, and a `portal.yaml` text other than the
/// one it was filled under empties it first; afterwards it holds every
/// record's result. The folders are scanned again each time and every step
/// across records (duplicate ids, page and output clashes, the deploy log)
/// runs over the whole portal, as in [`load`]: only the per-file step is
/// cached. The caller must [`RecordCache::forget`] the files that changed.
/// Errors: as [`load`].
pub fn load_with(root: &Path, cache: Option<&mut RecordCache>) -> Result<Loaded, ConfigError> {
    let reuse = match cache {
        Some(cache) => Reuse::Memory(cache),
        None => Reuse::Nothing,
    };
    load_reusing(root, reuse).map(|(loaded, _)| loaded)
}

/// [`load`] for `check`, with the record store in `folder` ([`stored`]): the record
/// files whose bytes are those of a file that loaded without a flag last
/// time are not parsed again. Output: the load, which is the one [`load`]
/// gives, and the write that updates the store (run it while the checks
/// run). Errors: as [`load`].
pub fn load_stored(root: &Path, folder: &Path) -> Result<(Loaded, stored::Update), ConfigError> {
    load_reusing(root, Reuse::Store(folder))
}

/// Which earlier parse results a load reuses.
enum Reuse<'a> {
    /// None: every record file is parsed.
    Nothing,
    /// Those of `serve`'s [`RecordCache`], which the load fills.
    Memory(&'a mut RecordCache),
    /// Those of the record store in this folder, which the returned
    /// update rewrites.
    Store(&'a Path),
}

/// [`load_with`] or [`load_stored`], as `reuse` says; the update is empty
/// without a store.
fn load_reusing(root: &Path, reuse: Reuse<'_>) -> Result<(Loaded, stored::Update), ConfigError> {
    let (config, config_source) = load_config(root)?;
    let (cache, store_folder) = match reuse {
        Reuse::Memory(cache) => (Some(cache), None),
        Reuse::Nothing => (None, None),
        Reuse::Store(folder) => (None, Some(folder)),
    };
    let content_dir = root.join("content");
    let scanned = match cache.as_ref().and_then(|cache| cache.scan.clone()) {
        Some(scanned) => scanned,
        None => {
            let scan = tree::scan(root, &content_dir);
            let records = markdown_under(&scan, &content_dir.join("changes"));
            let keys = match cache {
                Some(_) => records
                    .par_iter()
                    .map(|path| relative(root, path))
                    .collect(),
                None => Vec::new(),
            };
            std::sync::Arc::new(CachedScan {
                scan,
                records,
                keys,
            })
        }
    };
    let content = &scanned.scan;
    let record_paths = &scanned.records;
    let mut flags = tree_flags(&config, root, content);
    // Resolved once for all records: `portal.yaml` was just read, so the
    // folder exists; were it to vanish now, every record is refused.
    let portal_dir = tree::PortalDir::new(root);
    let parse = |path: &PathBuf, keep| record::load_record(&portal_dir, root, path, &config, keep);
    let mut cached = CachedTexts::default();
    // Below its size threshold a portal has no store: it is parsed as without one.
    let store = store_folder
        .map(|folder| {
            stored::StoredRecords::open(folder, root, &config_source.text, record_paths.len())
        })
        .filter(stored::StoredRecords::is_kept);
    let mut update = stored::Update::default();
    let results: Vec<record::RecordOutcome> = match (cache, store) {
        (None, Some(store)) => {
            let (results, new_update) =
                load_from_store(&portal_dir, root, record_paths, &config, store);
            update = new_update;
            results
        }
        (None, None) => record_paths
            .par_iter()
            .map(|path| parse(path, record::Keep::IfFlagged))
            .collect(),
        (Some(cache), _) => {
            if cache.config.as_deref() != Some(config_source.text.as_str()) {
                cache.clear();
                cache.config = Some(config_source.text.clone());
            }
            let outcomes: Vec<std::sync::Arc<record::RecordOutcome>> = record_paths
                .par_iter()
                .zip(scanned.keys.par_iter())
                .map(|(path, key)| match cache.outcomes.get(key) {
                    Some(cached) => std::sync::Arc::clone(cached),
                    None => std::sync::Arc::new(parse(path, record::Keep::Always)),
                })
                .collect();
            let results = outcomes
                .par_iter()
                .map(|outcome| record::RecordOutcome {
                    document: outcome.document.clone(),
                    flags: outcome.flags.clone(),
                    // As `Keep::IfFlagged`, without copying the
                    // texts of the files it would drop.
                    source: outcome
                        .source
                        .as_ref()
                        .filter(|_| !outcome.flags.is_empty())
                        .cloned(),
                })
                .collect();
            remember(cache, &scanned, outcomes);
            cached = CachedTexts(Some(std::sync::Arc::clone(&cache.outcomes)));
            cache.scan = Some(std::sync::Arc::clone(&scanned));
            results
        }
    };
    let mut sources = Sources::default();
    sources.insert(config_source);
    let mut documents = Vec::with_capacity(results.len());
    for outcome in results {
        if let Some(source) = outcome.source {
            sources.insert(source);
        }
        flags.extend(outcome.flags);
        documents.extend(outcome.document);
    }
    flags.extend(record::duplicate_ids(root, &documents, &config));
    let page_paths = markdown_under(content, &content_dir.join("pages"));
    let (pages, page_claims, page_flags) = load_pages(root, &config, &mut sources, &page_paths);
    flags.extend(page_flags);
    flags.extend(published_file_flags(root, &config, page_claims));
    let deploys = deploys::load(root, &config);
    flags.extend(deploys.flags);
    sources.extend(deploys.source);
    let loaded = Loaded {
        portal: Portal {
            root: root.to_path_buf(),
            config,
            documents,
            pages,
            deploy_log: deploys.log,
        },
        flags,
        sources,
        cached,
    };
    Ok((loaded, update))
}

/// Loads the record files at `paths` with `store` ([`record::load_record_stored`]),
/// on every core. Output: the outcomes in order, and the store's update.
fn load_from_store(
    portal_dir: &tree::PortalDir,
    root: &Path,
    paths: &[PathBuf],
    config: &Config,
    store: stored::StoredRecords,
) -> (Vec<record::RecordOutcome>, stored::Update) {
    let loaded: Vec<_> = paths
        .par_iter()
        .map(|path| record::load_record_stored(portal_dir, root, path, config, &store))
        .collect();
    let mut results = Vec::with_capacity(loaded.len());
    let mut lines = Vec::with_capacity(loaded.len());
    for (outcome, line) in loaded {
        results.push(outcome);
        lines.extend(line);
    }
    (results, store.update(lines))
}

/// Puts `outcomes` (of the record files of `scanned`, in order) into
/// `cache`. While the cache holds the scan, the file set is the same, so
/// only the files it does not hold (those forgotten since) are added;
/// otherwise its map is made anew, without the files that are gone.
fn remember(
    cache: &mut RecordCache,
    scanned: &std::sync::Arc<CachedScan>,
    outcomes: Vec<std::sync::Arc<record::RecordOutcome>>,
) {
    let same_files = cache
        .scan
        .as_ref()
        .is_some_and(|held| std::sync::Arc::ptr_eq(held, scanned));
    let pairs = scanned.keys.iter().zip(outcomes);
    if same_files {
        let held = std::sync::Arc::make_mut(&mut cache.outcomes);
        for (key, outcome) in pairs {
            if !held.contains_key(key) {
                held.insert(key.clone(), outcome);
            }
        }
    } else {
        cache.outcomes = std::sync::Arc::new(pairs.map(|(k, o)| (k.clone(), o)).collect());
    }
}

/// What every command says when `root` has no `portal.yaml`.
pub fn not_a_portal(root: &Path) -> String {
    format!(
        "{} has no {CONFIG_FILE}: not a portal folder (create one with `changeportal init DIR`, or pass --root)",
        root.display()
    )
}

/// Whether `root` holds a `portal.yaml` file; the error is [`not_a_portal`]'s.
pub fn require_portal(root: &Path) -> Result<(), String> {
    if root.join(CONFIG_FILE).is_file() {
        Ok(())
    } else {
        Err(not_a_portal(root))
    }
}

/// Reads and validates `portal.yaml`.
pub fn load_config(root: &Path) -> Result<(Config, SourceFile), ConfigError> {
    let path = root.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|error| {
        let message = match error.kind() {
            std::io::ErrorKind::NotFound => not_a_portal(root),
            _ => format!("cannot read {}: {error}", path.display()),
        };
        ConfigError {
            problems: vec![config_flag(1, 1, message, None)],
            file: None,
        }
    })?;
    let text = frontmatter::strip_bom(&text).to_string();
    let source = SourceFile {
        path: CONFIG_FILE.to_string(),
        text,
    };
    let positions = positions::scan(&source.text, 1);
    let invalid = invalid_characters_in_config(&source.text, &positions);
    if !invalid.is_empty() {
        return Err(ConfigError {
            problems: invalid,
            file: Some(source),
        });
    }
    let config: Config = crate::yaml::from_str(&source.text).map_err(|error| ConfigError {
        problems: vec![config_flag(error.line, error.column, error.message, None)],
        file: Some(source.clone()),
    })?;
    let problems: Vec<Flag> = config
        .validate()
        .into_iter()
        .map(|(key, message)| {
            let position = positions.of(&key);
            config_flag(position.line, position.column, message, None)
        })
        .collect();
    if problems.is_empty() {
        Ok((config, source))
    } else {
        Err(ConfigError {
            problems,
            file: Some(source),
        })
    }
}

/// `invalid-character` problems of `portal.yaml` (SPEC section 4): control
/// characters and non-characters written as themselves (at the character)
/// or as escapes in double-quoted values (at the key). Titles and names from
/// the config are printed on every page, so the config is refused (exit 2)
/// rather than published with them.
fn invalid_characters_in_config(
    text: &str,
    positions: &crate::model::portal::FieldPositions,
) -> Vec<Flag> {
    let raw = characters::find(text).into_iter().map(|found| {
        let message = format!("{} in portal.yaml", characters::describe(found.character));
        (found.position, message)
    });
    let escaped = characters::scrub_yaml_escapes(text, 1)
        .fields
        .into_iter()
        .map(|(path, c)| {
            let message = format!(
                "the value of `{path}` holds {} (written as an escape)",
                characters::describe(c)
            );
            (positions.of(&path), message)
        });
    raw.chain(escaped)
        .map(|(position, message)| Flag {
            code: Code::InvalidCharacter,
            ..config_flag(
                position.line,
                position.column,
                message,
                Some("delete the character, or write the one you meant".to_string()),
            )
        })
        .collect()
}

fn config_flag(line: usize, column: usize, message: String, hint: Option<String>) -> Flag {
    Flag {
        code: Code::InvalidRecord,
        level: Level::Deny,
        file: CONFIG_FILE.to_string(),
        line,
        column,
        message,
        hint,
        record: None,
    }
}

/// The `*.md` files of `scan` below `dir`, in scan order. The scan's paths
/// are the scanned folder's path joined with the names below it, and `dir`
/// is joined the same way, so comparing their text decides what
/// `Path::starts_with` would, without splitting 10,000 paths into parts.
fn markdown_under(scan: &tree::Scan, dir: &Path) -> Vec<PathBuf> {
    let mut prefix = dir.as_os_str().as_encoded_bytes().to_vec();
    prefix.extend(std::path::MAIN_SEPARATOR_STR.as_bytes());
    scan.files
        .iter()
        .filter(|path| {
            let text = path.as_os_str().as_encoded_bytes();
            text.starts_with(&prefix) && text.ends_with(b".md") && path.extension().is_some()
        })
        .cloned()
        .collect()
}

/// Flags for the paths under `static/` and `templates/` that the scan
/// refuses, and for every output path two sources share (SPEC 5):
/// `page_claims` are the extra pages' outputs.
fn published_file_flags(root: &Path, config: &Config, page_claims: Vec<Claim>) -> Vec<Flag> {
    let statics = tree::scan(root, &root.join(STATIC_FOLDER));
    let templates = tree::scan(root, &root.join(TEMPLATES_FOLDER));
    let mut flags = tree_flags(config, root, &statics);
    flags.extend(tree_flags(config, root, &templates));
    let template_files: Vec<String> = templates
        .files
        .iter()
        .map(|path| relative(&root.join(TEMPLATES_FOLDER), path))
        .collect();
    let mut claims = layout::generated();
    claims.extend(layout::asset_claims(&template_files));
    claims.extend(page_claims);
    for path in &statics.files {
        claims.extend(layout::static_claims(&relative(
            &root.join(STATIC_FOLDER),
            path,
        )));
    }
    flags.extend(layout::clashes(&claims).into_iter().map(|clash| {
        Flag {
            code: Code::InvalidRecord,
            level: Level::Deny,
            file: clash.file,
            line: 1,
            column: 1,
            message: clash.message,
            hint: Some(
                "rename or remove one of the two files; to replace a theme file, put yours at the \
             same path under templates/"
                    .to_string(),
            ),
            record: None,
        }
    }));
    flags
}

/// Whether `relative` (a path relative to the portal root, `/`-separated)
/// names a record file: a `.md` file under `content/changes/`.
pub fn is_record_file(relative: &str) -> bool {
    relative.starts_with("content/changes/") && relative.ends_with(".md")
}

/// Hidden files and editor temporaries are never content.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name == "4913"
}

/// The path of `path` relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A flag for each path `scan` refused, at `path:1:1`. A link out of the
/// portal or a special file is always deny (SPEC 5); a dangling link, a
/// loop or an unreadable folder has the level of `invalid-record`, at
/// least warn.
fn tree_flags(config: &Config, root: &Path, scan: &tree::Scan) -> Vec<Flag> {
    scan.problems
        .iter()
        .map(|problem| {
            let file = relative(root, &problem.path);
            let (level, hint) = if problem.refusal.is_escape() {
                (
                    Level::Deny,
                    "only regular files inside the portal folder are published: copy the \
                     file into the portal or remove the link",
                )
            } else {
                (
                    config.level_of(Code::InvalidRecord).max(Level::Warn),
                    "remove the link or fix the permissions so every file can be read",
                )
            };
            Flag {
                code: Code::InvalidRecord,
                level,
                message: problem.refusal.describe(&file),
                file,
                line: 1,
                column: 1,
                hint: Some(hint.to_string()),
                record: None,
            }
        })
        .collect()
}

/// Front matter of an extra page.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PageMatter {
    title: String,
}

/// Reads the extra pages at `paths`; returns them sorted by slug, the
/// output path each takes, and their flags.
fn load_pages(
    root: &Path,
    config: &Config,
    sources: &mut Sources,
    paths: &[PathBuf],
) -> (Vec<Page>, Vec<Claim>, Vec<Flag>) {
    let mut pages = Vec::new();
    let mut claims = Vec::new();
    let mut flags = Vec::new();
    for path in paths {
        let mut source = match record::read_source(root, path, config) {
            Ok(source) => source,
            Err(flag) => {
                flags.push(*flag);
                continue;
            }
        };
        flags.extend(characters::scrub_source(&mut source, config));
        let slug = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match record::parse_front_matter::<PageMatter>(&source.path, &source.text, config) {
            Ok(_) if !crate::model::record::is_valid_id(&slug) => flags.push(record::flag_at(
                config,
                Code::InvalidRecord,
                &source.path,
                crate::model::portal::Position { line: 1, column: 1 },
                format!("page file name `{slug}` cannot be used in a URL"),
                Some("name pages with letters, digits, `.`, `_` and `-`".to_string()),
                None,
            )),
            Ok(parsed) => {
                flags.extend(parsed.invalid_characters);
                let split = body::split_body(parsed.body, parsed.body_first_line, true);
                flags.extend(body::marker_flags(&split, &source.path, config, None));
                flags.extend(public_text::page_flags(
                    &parsed.value.title,
                    &split.public,
                    parsed.body_first_line,
                    parsed.positions.get().of("title"),
                    &source.path,
                    config,
                ));
                claims.push(layout::page_claim(&source.path, &slug));
                pages.push(Page {
                    slug,
                    title: parsed.value.title,
                    body: split.public,
                });
            }
            Err(flag) => flags.push(*flag),
        }
        sources.insert(source);
    }
    pages.sort_by(|a, b| a.slug.cmp(&b.slug));
    (pages, claims, flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_under_takes_the_folder_not_its_name_as_a_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        let files = [
            "changes/2026/a.md",
            "changes/b.md",
            "changes/c.txt",
            "changes/md",
            "changes-old/d.md",
            "changes.md",
            "pages/e.md",
        ];
        for file in files {
            let path = content.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let scan = tree::scan(dir.path(), &content);
        let under = |folder: &str| -> Vec<String> {
            markdown_under(&scan, &content.join(folder))
                .iter()
                .map(|path| relative(&content, path))
                .collect()
        };
        assert_eq!(under("changes"), ["changes/2026/a.md", "changes/b.md"]);
        assert_eq!(under("pages"), ["pages/e.md"]);
    }
}
