//! Reading built sites back: the example portal's output, its pages and the
//! attribute values in them.

use super::{run_in, stderr};
use std::path::{Path, PathBuf};

/// The example portal (the repository's `content/`) built at the reference
/// instant into a temp folder; returns the folder (keep it alive) and `out`.
pub fn build_example() -> (tempfile::TempDir, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = run_in(
        root,
        &[
            "build",
            "--root",
            &root.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--now",
            "2026-11-24",
        ],
    );
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    (dir, out)
}

/// Every `.html` file below `dir`, sorted.
pub fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "html"))
        .collect();
    files.sort();
    files
}

/// The values of the named attributes (double-quoted, as the theme and the
/// markdown renderer write them), entities decoded.
pub fn attribute_values(html: &str, names: &[&str]) -> Vec<String> {
    let mut values = Vec::new();
    for name in names {
        let needle = format!(" {name}=\"");
        let mut rest = html;
        while let Some(start) = rest.find(&needle) {
            rest = &rest[start + needle.len()..];
            let end = rest.find('"').expect("closing quote");
            values.push(decode_entities(&rest[..end]));
            rest = &rest[end..];
        }
    }
    values
}

/// The text of an attribute value as the escaper wrote it, read back.
fn decode_entities(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
