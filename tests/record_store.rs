//! The record store of `check` ([`changeportal::load::stored`]) never
//! changes what `check` finds: after random sequences of edits (a record's
//! body, title, front matter broken and mended, line endings, a BOM, a
//! rename, a deletion, portal.yaml and its lint levels changed), a check with the store gives
//! the very analysis a check without it gives; a store from another
//! program or configuration, or a damaged one, is not used; and an
//! unchanged portal does not rewrite it.

use changeportal::build::{Analysis, Build};
use changeportal::load::stored::{CACHE_DIR_VARIABLE, MIN_RECORDS};
use changeportal::model::Timestamp;
use proptest::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod common;

const NOW: &str = "2026-11-24T12:00:00Z";

fn now() -> Timestamp {
    Timestamp::parse(NOW).unwrap()
}

/// How many copies of each example record the test portal holds (with the
/// originals, 570 record files: a store is only kept from [`MIN_RECORDS`]).
const COPIES: usize = 9;

/// The example portal with [`COPIES`] renamed copies of every record, under
/// `content/changes/copies/<n>/`.
fn large_portal() -> tempfile::TempDir {
    let dir = common::example_portal();
    for original in record_files(dir.path()) {
        let text = std::fs::read_to_string(&original).unwrap();
        for copy in 1..=COPIES {
            let folder = dir.path().join(format!("content/changes/copies/{copy}"));
            std::fs::create_dir_all(&folder).unwrap();
            let renamed = text.replacen("\nid: ", &format!("\nid: C{copy}-"), 1);
            std::fs::write(folder.join(original.file_name().unwrap()), renamed).unwrap();
        }
    }
    let records = record_files(dir.path()).len();
    assert!(records >= MIN_RECORDS, "{records} records");
    dir
}

/// Every record file of the portal at `root`, sorted.
fn record_files(root: &Path) -> Vec<PathBuf> {
    common::site::files_with_extension(&root.join("content/changes"), "md")
}

/// Everything of an analysis a check can show or a build can use: the
/// flags in order, every document field by field, the quoted sources.
fn view(analysis: &Analysis) -> String {
    let mut text = String::new();
    for flag in &analysis.flags {
        writeln!(text, "{flag:?}").unwrap();
    }
    for document in &analysis.portal.documents {
        writeln!(
            text,
            "{} {} {:?}\n{:?}\n{:?}",
            document.path,
            document.sha256,
            document.record,
            document.public_body,
            document.internal_body
        )
        .unwrap();
    }
    for flag in &analysis.flags {
        writeln!(text, "{:?}", analysis.sources.get(&flag.file)).unwrap();
    }
    text
}

/// The analysis without the store, and the one with the store in `store`.
fn both(root: &Path, store: &Path) -> (String, String) {
    let build = Build::new(root, now());
    let fresh = view(&build.analyze().unwrap());
    let stored = view(&build.analyze_stored(store).unwrap());
    (fresh, stored)
}

/// A [`large_portal`] checked once with its store in a folder of its own.
struct Stored {
    portal: tempfile::TempDir,
    store: tempfile::TempDir,
    build: Build,
    /// The store file that check wrote.
    file: PathBuf,
}

/// A [`large_portal`], checked once with a store: see [`Stored`].
fn stored_portal() -> Stored {
    let portal = large_portal();
    let store = tempfile::tempdir().unwrap();
    let build = Build::new(portal.path(), now());
    build.analyze_stored(store.path()).unwrap();
    let file = store_file(store.path());
    Stored {
        portal,
        store,
        build,
        file,
    }
}

/// Sets the modification time of the file at `path` to 40 days ago.
fn make_old(path: &Path) {
    let forty_days_ago =
        std::time::SystemTime::now() - std::time::Duration::from_secs(40 * 24 * 3600);
    let handle = std::fs::File::options().write(true).open(path).unwrap();
    handle.set_modified(forty_days_ago).unwrap();
}

/// The one store file in `store`.
fn store_file(store: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(store)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

/// One edit of the portal.
#[derive(Debug, Clone)]
enum Edit {
    /// A word of the body of the `n`th record file changes.
    Body(usize),
    /// The title of the `n`th record file changes.
    Title(usize),
    /// The `n`th record file loses its `type:` line (a deny flag), or gets
    /// it back when it has none.
    BreakOrMend(usize),
    /// The `n`th record file's lines end in CRLF.
    Crlf(usize),
    /// The `n`th record file starts with a byte order mark.
    Bom(usize),
    /// The `n`th record file moves to another folder.
    Rename(usize),
    /// The `n`th record file is deleted.
    Delete(usize),
    /// A comment is added to portal.yaml.
    Config,
    /// `internal-detail-in-public` becomes deny in portal.yaml's `lints:`,
    /// or goes back to its default.
    Lint,
    /// Nothing changes.
    Nothing,
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    let n = 0..10_000usize;
    prop_oneof![
        n.clone().prop_map(Edit::Body),
        n.clone().prop_map(Edit::Title),
        n.clone().prop_map(Edit::BreakOrMend),
        n.clone().prop_map(Edit::Crlf),
        n.clone().prop_map(Edit::Bom),
        n.clone().prop_map(Edit::Rename),
        n.prop_map(Edit::Delete),
        Just(Edit::Config),
        Just(Edit::Lint),
        Just(Edit::Nothing),
    ]
}

/// Applies `edit` to the portal at `root`.
fn apply(root: &Path, edit: &Edit) {
    let files = record_files(root);
    let pick = |n: usize| files[n % files.len()].clone();
    let change = |n: usize, f: &dyn Fn(String) -> String| {
        let path = pick(n);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, f(text)).unwrap();
    };
    match edit {
        Edit::Body(n) => change(*n, &|text| format!("{text}\nOne more line.\n")),
        Edit::Title(n) => change(*n, &|text| text.replacen("\ntitle: ", "\ntitle: New ", 1)),
        Edit::BreakOrMend(n) => change(*n, &|text| match text.find("\ntype: ") {
            Some(_) => text.replacen("\ntype: ", "\nkind: ", 1),
            None => text.replacen("\nkind: ", "\ntype: ", 1),
        }),
        Edit::Crlf(n) => change(*n, &|text| text.replace("\r\n", "\n").replace('\n', "\r\n")),
        Edit::Bom(n) => change(*n, &|text| {
            format!("\u{feff}{}", text.trim_start_matches('\u{feff}'))
        }),
        Edit::Rename(n) => {
            let path = pick(*n);
            let folder = root.join("content/changes/moved");
            std::fs::create_dir_all(&folder).unwrap();
            let target = folder.join(format!(
                "m{n}-{}",
                path.file_name().unwrap().to_string_lossy()
            ));
            std::fs::rename(path, target).unwrap();
        }
        Edit::Delete(n) => std::fs::remove_file(pick(*n)).unwrap(),
        Edit::Config => {
            let config = root.join("portal.yaml");
            let text = std::fs::read_to_string(&config).unwrap();
            std::fs::write(config, format!("{text}\n# edited\n")).unwrap();
        }
        Edit::Lint => {
            let config = root.join("portal.yaml");
            let text = std::fs::read_to_string(&config).unwrap();
            let line = "  internal-detail-in-public: deny\n";
            let edited = match text.contains(line) {
                true => text.replacen(line, "", 1),
                false => text.replacen("\nlints:\n", &format!("\nlints:\n{line}"), 1),
            };
            assert_ne!(edited, text);
            std::fs::write(config, edited).unwrap();
        }
        Edit::Nothing => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn a_check_with_the_store_finds_what_a_check_without_it_finds(
        edits in prop::collection::vec(edit_strategy(), 1..5)
    ) {
        let portal = large_portal();
        let store = tempfile::tempdir().unwrap();
        let (fresh, stored) = both(portal.path(), store.path());
        prop_assert!(fresh == stored, "first check differs");
        for edit in &edits {
            apply(portal.path(), edit);
            let (fresh, stored) = both(portal.path(), store.path());
            prop_assert!(fresh == stored, "after {:?} the checks differ", edit);
            // Again, now with every file that loaded cleanly in the store.
            let again = view(&Build::new(portal.path(), now()).analyze_stored(store.path()).unwrap());
            prop_assert!(fresh == again, "after {:?} the second stored check differs", edit);
        }
    }
}

#[test]
fn an_unchanged_portal_does_not_rewrite_its_store() {
    let Stored {
        portal,
        store,
        build,
        file,
    } = stored_portal();
    let written = std::fs::metadata(&file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    // A month ago: reading the store marks it as used (so that it is not
    // swept as unused), without writing it again (a write is a new file).
    make_old(&file);
    build.analyze_stored(store.path()).unwrap();
    let read = std::fs::metadata(&file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(read.ino(), written.ino(), "the store was written again");
    }
    assert!(read.modified().unwrap() >= written.modified().unwrap());
    // One line per record file that loaded without a flag, after the first
    // line (later checks' flags do not keep a file out of the store).
    let loaded = changeportal::load::load(portal.path()).unwrap();
    let flagged: std::collections::BTreeSet<&str> =
        loaded.flags.iter().map(|flag| flag.file.as_str()).collect();
    let clean = record_files(portal.path())
        .iter()
        .map(|path| changeportal::load::relative(portal.path(), path))
        .filter(|path| !flagged.contains(path.as_str()))
        .count();
    assert_eq!(text.lines().count(), clean + 1);
    assert!(clean > MIN_RECORDS / 2, "{clean} clean records");
}

#[test]
fn a_store_of_another_program_or_a_damaged_store_is_not_used() {
    // `_portal` keeps the portal's folder until the end of the test.
    let Stored {
        portal: _portal,
        store,
        build,
        file,
    } = stored_portal();
    let fresh = view(&build.analyze().unwrap());
    let text = std::fs::read_to_string(&file).unwrap();
    let (header, lines) = text.split_once('\n').unwrap();
    // The titles in the store are changed: a reader that trusted a store
    // written under another first line would show them.
    let tampered_lines = lines.replace("\"title\":\"", "\"title\":\"Tampered ");
    let other_version = header.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1);
    let other_config = {
        let mut fields: Vec<&str> = header.split('\t').collect();
        let config_field = fields.len() - 2;
        fields[config_field] = "0000000000000000000000000000000000000000000000000000000000000000";
        fields.join("\t")
    };
    let damaged: Vec<String> = vec![
        format!("{other_version}\n{tampered_lines}"),
        format!("{other_config}\n{tampered_lines}"),
        // Under the right first line: each line's checksum no longer holds.
        format!("{header}\n{tampered_lines}"),
        format!("{header}\n{}", &lines[..lines.len() / 2]),
        format!("{header}\n{}", lines.replace('\t', " ")),
        format!("{header}\n{}", lines.replace("\"status\":", "\"state\":")),
        String::from_utf8_lossy(&text.as_bytes()[..text.len() / 3]).into_owned(),
        String::new(),
    ];
    for (index, content) in damaged.iter().enumerate() {
        std::fs::write(&file, content).unwrap();
        let stored = view(&build.analyze_stored(store.path()).unwrap());
        assert!(
            fresh == stored,
            "damaged store {index} changed the analysis"
        );
        assert!(!stored.contains("Tampered"));
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            text,
            "store {index} not rewritten"
        );
    }
    // Repeated lines are dropped at the next check: the store does not grow.
    std::fs::write(&file, format!("{header}\n{lines}{lines}")).unwrap();
    assert!(view(&build.analyze_stored(store.path()).unwrap()) == fresh);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn other_files_of_the_store_folder_are_left_alone_and_odd_store_files_are_not_read() {
    let Stored {
        portal,
        store,
        build,
        file,
    } = stored_portal();
    let before = view(&build.analyze().unwrap());
    // Month-old files of the user's that only look like stores by name.
    let own = store.path().join("records-2025.txt");
    std::fs::write(&own, "my notes").unwrap();
    let lookalike = store
        .path()
        .join("records-0123456789abcdef0123456789abcdef.txt");
    std::fs::write(&lookalike, "not a store").unwrap();
    make_old(&own);
    make_old(&lookalike);
    // Rewriting the store (after an edit) sweeps the folder.
    let record = &record_files(portal.path())[0];
    let text = std::fs::read_to_string(record).unwrap();
    std::fs::write(record, format!("{text}\nEdited.\n")).unwrap();
    build.analyze_stored(store.path()).unwrap();
    assert!(own.exists() && lookalike.exists());
    // A store that is a FIFO is not read (reading it would wait forever).
    #[cfg(unix)]
    {
        std::fs::remove_file(&file).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&file)
            .status()
            .unwrap();
        assert!(made.success());
        let stored = view(&build.analyze_stored(store.path()).unwrap());
        assert!(stored == view(&build.analyze().unwrap()));
        assert!(stored != before, "the edit shows");
    }
}

#[test]
fn small_portals_keep_no_store() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let store = tempfile::tempdir().unwrap();
    Build::new(repo, now())
        .analyze_stored(store.path())
        .unwrap();
    assert_eq!(std::fs::read_dir(store.path()).unwrap().count(), 0);
}

#[test]
fn check_uses_the_store_folder_of_the_environment_and_no_cache_skips_it() {
    let portal = large_portal();
    let store = tempfile::tempdir().unwrap();
    let check = |extra: &[&str]| {
        let output = common::bin()
            .args(["check", "--format", "json", "--now", NOW, "--root"])
            .arg(portal.path())
            .args(extra)
            .env(CACHE_DIR_VARIABLE, store.path())
            .output()
            .unwrap();
        (output.status.code(), output.stdout)
    };
    let without = check(&["--no-cache"]);
    assert_eq!(std::fs::read_dir(store.path()).unwrap().count(), 0);
    let first = check(&[]);
    let file = store_file(store.path());
    let second = check(&[]);
    assert_eq!(without, first);
    assert_eq!(without, second);
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("records-") && name.ends_with(".txt"),
        "{name}"
    );
    // An empty variable turns the store off.
    std::fs::remove_file(&file).unwrap();
    let output = common::bin()
        .args(["check", "--quiet", "--now", NOW, "--root"])
        .arg(portal.path())
        .env(CACHE_DIR_VARIABLE, "")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), without.0);
    assert_eq!(std::fs::read_dir(store.path()).unwrap().count(), 0);
    // So does a relative one (it would depend on the current folder).
    let here = tempfile::tempdir().unwrap();
    let output = common::bin()
        .args(["check", "--quiet", "--now", NOW, "--root"])
        .arg(portal.path())
        .current_dir(here.path())
        .env(CACHE_DIR_VARIABLE, "relative-store")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), without.0);
    assert_eq!(std::fs::read_dir(here.path()).unwrap().count(), 0);
}
