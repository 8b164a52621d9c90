//! Source texts and positions that flags point into.

use std::collections::HashMap;

/// A source file kept for diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the portal root, with `/` separators.
    pub path: String,
    /// Full text as read (lossy for non-UTF-8 input).
    pub text: String,
}

/// 1-based line and column of a front-matter key in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Source texts by relative path.
#[derive(Debug, Default)]
pub struct Sources(HashMap<String, String>);

impl Sources {
    /// Adds a source file, replacing an earlier text of the same path.
    pub fn insert(&mut self, file: SourceFile) {
        self.0.insert(file.path, file.text);
    }

    /// Adds every file of `files` ([`Sources::insert`]).
    pub fn extend(&mut self, files: impl IntoIterator<Item = SourceFile>) {
        for file in files {
            self.insert(file);
        }
    }

    /// Whether the text of `path` is kept.
    pub fn contains(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }

    /// The text of `path`, when it was read.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.0.get(path).map(String::as_str)
    }
}
