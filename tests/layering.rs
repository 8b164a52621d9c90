//! The crate's layering (issue 12): every top-level module sits on a layer,
//! and code may only name (`crate::x`) modules on a lower layer. Doc comments
//! and comments are not code and are skipped. This keeps the pipeline
//! acyclic: diagnostics <- model <- load <- policy/checks <- pipeline
//! (analysis) <- render <- output <- build <- serve/cli <- cmd.

use std::path::Path;

/// Top-level modules by layer, lowest first. A module may use modules of
/// lower layers only.
const LAYERS: &[(&str, u8)] = &[
    ("diagnostics", 0),
    ("yaml", 0),
    ("paths", 0),
    ("model", 1),
    ("layout", 1),
    ("report", 1),
    ("load", 2),
    ("deploys", 2),
    ("policy", 3),
    ("history", 3),
    ("checks", 4),
    ("pipeline", 5),
    ("render", 6),
    ("output", 7),
    ("build", 8),
    ("serve", 9),
    ("cli", 9),
    ("cmd", 10),
];

fn layer_of(module: &str) -> Option<u8> {
    LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, layer)| *layer)
}

/// The top-level module a file under `src/` belongs to (`src/load/tree.rs`
/// -> `load`); `None` for the crate roots.
fn module_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// The top-level modules named by `crate::` paths in the code of `text`.
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            found.push((index + 1, rest[..end].to_string()));
        }
    }
    found
}

fn rust_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap_or(file);
        let Some(module) = module_of(relative) else {
            continue;
        };
        let own = layer_of(&module)
            .unwrap_or_else(|| panic!("module `{module}` has no layer: add it to LAYERS"));
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (line, target) in imports(&text) {
            if target == module {
                continue;
            }
            let Some(theirs) = layer_of(&target) else {
                panic!(
                    "{}:{line}: `crate::{target}` has no layer",
                    relative.display()
                );
            };
            if theirs >= own {
                upward.push(format!(
                    "{}:{line}: `{module}` (layer {own}) uses `crate::{target}` (layer {theirs})",
                    relative.display()
                ));
            }
        }
    }
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}
