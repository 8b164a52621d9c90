//! The incremental rebuild `serve` runs after an edit
//! ([`changeportal::build::incremental`]) gives byte for byte the sites of
//! a full build of the same tree, after random sequences of edits (edit a
//! record's body, title, status, visibility or schedule; add, delete,
//! rename a record; change portal.yaml; override a template), and an edit
//! of one record re-renders the pages of the records that show it.

use changeportal::build::incremental::{self, Edits, Incremental};
use changeportal::build::{self, Build};
use changeportal::model::Timestamp;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;

mod common;

const NOW: &str = "2026-11-24T12:00:00Z";

fn now() -> Timestamp {
    Timestamp::parse(NOW).unwrap()
}

use common::example_portal;

/// Both sites by site and path, as (site, path) -> bytes.
type Tree = BTreeMap<(&'static str, String), Vec<u8>>;

/// A fresh full build of `root`, or `None` when it may not be rendered.
fn full_build(root: &Path) -> Option<Tree> {
    let analysis = Build::new(root, now()).analyze().ok()?;
    let buildable = analysis.buildable(false).ok()?;
    let theme = Build::new(root, now()).theme().ok()?;
    let sites = build::render(buildable, &theme).unwrap();
    let mut tree = analysis_of(&analysis);
    for (site, files) in [("public", sites.public), ("internal", sites.internal)] {
        for file in files {
            tree.insert((site, file.path), file.contents);
        }
    }
    Some(tree)
}

fn add<'a>(
    tree: &mut Tree,
    site: &'static str,
    files: impl IntoIterator<Item = (&'a String, &'a std::sync::Arc<[u8]>)>,
) {
    for (path, bytes) in files {
        assert!(
            tree.insert((site, path.clone()), bytes.to_vec()).is_none(),
            "{site}/{path} is both a record page and an aggregate"
        );
    }
}

/// One incremental rebuild after `changed`, aggregates included, or `None`
/// when it failed; with the number of records re-rendered.
fn rebuild(
    engine: &mut Incremental,
    changed: &BTreeSet<String>,
    theme: bool,
) -> Option<(Tree, usize)> {
    let edits = Edits {
        paths: changed,
        theme,
        everything: false,
    };
    let rebuilt = engine.rebuild(edits, now()).ok()?;
    let (public, internal) =
        incremental::aggregates(&rebuilt.analysis, &rebuilt.theme, &AtomicBool::new(false))
            .unwrap();
    let mut tree = analysis_of(&rebuilt.analysis);
    add(&mut tree, "public", rebuilt.public.iter());
    add(&mut tree, "internal", rebuilt.internal.iter());
    add(&mut tree, "public", &public);
    add(&mut tree, "internal", &internal);
    Some((tree, rebuilt.rendered))
}

/// Every flag (placed, with its level and message) and every record's
/// policy facts of `analysis`, as two entries of a [`Tree`]: an
/// incremental analysis, which reuses the facts and flags of unchanged
/// records, must find exactly what a full one finds.
fn analysis_of(analysis: &build::Analysis) -> Tree {
    Tree::from([
        (
            ("analysis", "flags".to_string()),
            format!("{:#?}", analysis.flags).into_bytes(),
        ),
        (
            ("analysis", "facts".to_string()),
            format!("{:#?}", analysis.facts).into_bytes(),
        ),
    ])
}

/// Asserts the same paths and the same bytes in both trees.
fn assert_same(incremental: &Tree, full: &Tree, step: &str) {
    let paths = |tree: &Tree| tree.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(paths(incremental), paths(full), "paths after {step}");
    for (key, bytes) in full {
        assert!(
            incremental[key] == *bytes,
            "{}/{} differs after {step}",
            key.0,
            key.1
        );
    }
}

/// A deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// The record files of `root`, relative and sorted.
fn records(root: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(root.join("content/changes"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    files.sort();
    files
}

/// `text` with the first line starting with `key:` replaced by `key: value`.
fn set_field(text: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key}:");
    let mut done = false;
    text.lines()
        .map(|line| {
            if !done && line.starts_with(&prefix) {
                done = true;
                format!("{key}: {value}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Applies one random edit to the portal at `root`; returns what it
/// changed (paths relative to the root), whether it touched the theme,
/// and a description.
fn random_edit(root: &Path, rng: &mut Lcg, step: usize) -> (BTreeSet<String>, bool, String) {
    let files = records(root);
    let file = files[rng.below(files.len())].clone();
    let path = root.join(&file);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut changed = BTreeSet::from([file.clone()]);
    let kind = rng.below(10);
    let write = |text: String| std::fs::write(&path, text).unwrap();
    let description = match kind {
        0 => {
            write(format!("{text}\nEdited paragraph {step}.\n"));
            "body"
        }
        1 => {
            write(set_field(&text, "title", &format!("Edited title {step}")));
            "title"
        }
        2 => {
            let status = ["planned", "approved", "deployed", "cancelled"][rng.below(4)];
            write(set_field(&text, "status", status));
            "status"
        }
        3 => {
            let visibility = ["public", "internal"][rng.below(2)];
            write(set_field(&text, "visibility", visibility));
            "visibility"
        }
        4 => {
            let day = 1 + rng.below(28);
            write(set_field(
                &text,
                "scheduled",
                &format!("2026-10-{day:02}T10:00:00Z"),
            ));
            "schedule"
        }
        5 => {
            let new = format!("content/changes/2026/NEW-{step}.md");
            let id = format!("NEW-{step}");
            std::fs::write(root.join(&new), set_field(&text, "id", &id)).unwrap();
            changed = BTreeSet::from([new]);
            "add"
        }
        6 if files.len() > 40 => {
            std::fs::remove_file(&path).unwrap();
            "delete"
        }
        7 => {
            let new = format!("content/changes/2026/renamed-{step}.md");
            std::fs::rename(&path, root.join(&new)).unwrap();
            changed.insert(new);
            "rename"
        }
        8 => {
            let config = std::fs::read_to_string(root.join("portal.yaml")).unwrap();
            let days = [0, 3, 7, 14][rng.below(4)];
            let edited =
                config.replacen("notice_days: 7", &format!("notice_days: {}", 7 + days), 1);
            let edited = if edited == config {
                config.replacen("notice_days: ", "notice_days: 1", 1)
            } else {
                edited
            };
            std::fs::write(root.join("portal.yaml"), edited).unwrap();
            changed = BTreeSet::from(["portal.yaml".to_string()]);
            "portal.yaml"
        }
        _ => {
            let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
            let template =
                std::fs::read_to_string(repo.join("themes/default/public/change.html")).unwrap();
            let target = "templates/public/change.html";
            std::fs::create_dir_all(root.join("templates/public")).unwrap();
            std::fs::write(
                root.join(target),
                format!("{template}\n<!-- override {step} -->\n"),
            )
            .unwrap();
            return (
                BTreeSet::from([target.to_string()]),
                true,
                "template".into(),
            );
        }
    };
    (changed, false, format!("{description} of {file}"))
}

#[test]
fn incremental_rebuilds_equal_full_builds_after_random_edits() {
    for seed in [1_u64, 7, 42] {
        let portal = example_portal();
        let root = portal.path();
        let mut engine = Incremental::new(root);
        let first = rebuild(&mut engine, &BTreeSet::new(), true).map(|(tree, _)| tree);
        assert_same(
            &first.unwrap(),
            &full_build(root).unwrap(),
            "the first build",
        );
        let mut rng = Lcg(seed);
        for step in 0..10 {
            let (changed, theme, description) = random_edit(root, &mut rng, step);
            let step = format!("seed {seed} step {step}: {description}");
            match (rebuild(&mut engine, &changed, theme), full_build(root)) {
                (Some((incremental, _)), Some(full)) => assert_same(&incremental, &full, &step),
                (None, None) => {}
                (incremental, full) => panic!(
                    "{step}: incremental built {}, full built {}",
                    incremental.is_some(),
                    full.is_some()
                ),
            }
        }
    }
}

#[test]
fn a_title_edit_re_renders_the_records_whose_follow_ups_name_it() {
    let portal = example_portal();
    let root = portal.path();
    let mut engine = Incremental::new(root);
    let (before, _) = rebuild(&mut engine, &BTreeSet::new(), true).unwrap();
    let file = "content/changes/2026/CHG-0014-upstream-tls-chain-monitoring.md";
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    std::fs::write(
        root.join(file),
        set_field(&text, "title", "Renamed monitor"),
    )
    .unwrap();
    let (after, rendered) =
        rebuild(&mut engine, &BTreeSet::from([file.to_string()]), false).unwrap();
    let page = ("internal", "changes/chg-0013.html".to_string());
    assert_ne!(
        before[&page], after[&page],
        "CHG-0013 names CHG-0014 as a follow-up"
    );
    assert!(String::from_utf8_lossy(&after[&page]).contains("Renamed monitor"));
    assert!(
        rendered < 10,
        "{rendered} records re-rendered for one title"
    );
    assert_same(&after, &full_build(root).unwrap(), "the title edit");
}

#[test]
fn an_unchanged_rebuild_renders_no_record_page() {
    let portal = example_portal();
    let root = portal.path();
    let mut engine = Incremental::new(root);
    rebuild(&mut engine, &BTreeSet::new(), true).unwrap();
    let file = records(root)[0].clone();
    let (tree, rendered) = rebuild(&mut engine, &BTreeSet::from([file]), false).unwrap();
    assert_eq!(rendered, 0);
    assert_same(
        &tree,
        &full_build(root).unwrap(),
        "a rebuild without change",
    );
}
