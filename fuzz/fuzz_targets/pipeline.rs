//! The whole pipeline in memory: several records (and optionally a
//! portal.yaml) -> load -> duplicate ids -> policy checks -> diagnostics ->
//! both sites rendered. Every record gets internal text appended below a
//! marker; no public file may contain it.
//!
//! Input format: chunks separated by a line `@@@@`. A first chunk starting
//! with `title:` replaces the fixed portal.yaml; at most 16 records are read.
#![no_main]

use changeportal::build::{self, Analysis};
use changeportal::history::Origin;
use changeportal::load::record;
use changeportal::load::{Loaded, Sources};
use changeportal::model::config::Config;
use changeportal::model::Portal;
use changeportal::pipeline;
use changeportal::render::Theme;
use changeportal::report;
use changeportal_fuzz::{config, html_check, now, parse_config};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::LazyLock;

/// Appended below a marker to every record: internal by construction.
const CANARY: &str = "FUZZ-INTERNAL-CANARY";

/// The built-in theme (no portal overrides), loaded from an empty portal
/// folder: the theme loader only reads files inside a real portal.
static THEME: LazyLock<Theme> = LazyLock::new(|| {
    let root = std::env::temp_dir().join("changeportal-fuzz-empty-portal");
    std::fs::create_dir_all(&root).expect("empty portal folder");
    Theme::load(&root).expect("built-in theme")
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if text.contains(CANARY) {
        return;
    }
    let mut chunks: Vec<&str> = text.split("\n@@@@\n").collect();
    let custom_config;
    let config: &Config = if chunks[0].starts_with("title:") {
        let Some(parsed) = parse_config(chunks.remove(0)) else {
            return;
        };
        custom_config = parsed;
        &custom_config
    } else {
        config()
    };
    let analysis = analyze(&chunks, config.clone());
    for flag in &analysis.flags {
        let _ = report::human_text(flag, &analysis.sources);
    }
    let _ = report::sarif(&analysis.flags, &analysis.sources, "");
    let Ok(buildable) = analysis.buildable(false) else {
        return;
    };
    let sites = build::render(buildable, &THEME).expect("the built-in theme renders any portal");
    for file in &sites.public {
        let contents = String::from_utf8_lossy(&file.contents);
        assert!(
            !contents.contains(CANARY),
            "internal text in public/{}",
            file.path
        );
        if file.path.ends_with(".html") {
            let problems = html_check::page_problems(&contents);
            assert!(problems.is_empty(), "public/{}: {problems:?}", file.path);
        }
    }
});

/// `pipeline::analyze` on in-memory files: loads the chunks as records and
/// runs the one analysis every build runs ([`pipeline::analyze_loaded`]).
fn analyze(chunks: &[&str], config: Config) -> Analysis {
    let mut flags = Vec::new();
    let mut documents = Vec::new();
    let mut sources = Sources::default();
    for (index, chunk) in chunks.iter().take(16).enumerate() {
        let text = format!("{chunk}\n<!-- internal -->\n{CANARY}\n");
        let path = format!("content/changes/r{index:02}.md");
        let outcome = record::parse_str(&text, &path, &config);
        flags.extend(outcome.flags);
        documents.extend(outcome.document);
        if let Some(source) = outcome.source {
            sources.insert(source);
        }
    }
    // No file exists under this root (and it is in no git repository): a
    // duplicate id's position falls back to the top of the file, which is
    // all the fuzzer needs.
    let root = PathBuf::from("/nonexistent-portal");
    flags.extend(record::duplicate_ids(&root, &documents, &config));
    let portal = Portal {
        root: root.clone(),
        config,
        documents,
        pages: Vec::new(),
        deploy_log: None,
    };
    let loaded = Loaded {
        portal,
        flags,
        sources,
        cached: Default::default(),
    };
    pipeline::analyze_loaded(&root, &Origin::Head, loaded, now())
}
