//! A loaded portal: configuration, parsed records, and extra pages; and the
//! positions of front-matter keys that flags point at.

use super::config::Config;
use super::deploys::DeployLog;
use super::record::Record;
pub use crate::diagnostics::{Position, SourceFile};
use std::collections::HashMap;
use std::path::PathBuf;

/// Where each front-matter key sits in the file, addressed by paths such as
/// `approvals`, `approvals[1]`, `approvals[1].at`, `emergency.declared_by`.
#[derive(Debug, Clone, Default)]
pub struct FieldPositions {
    positions: HashMap<String, Position>,
    /// Line of the opening `---`.
    pub start: Position,
}

impl FieldPositions {
    /// Records the position of `path`; a key seen again keeps its first
    /// position (a repeated key is an error of the YAML reader, reported at
    /// the repeat).
    pub fn insert(&mut self, path: String, position: Position) {
        self.positions.entry(path).or_insert(position);
    }

    /// The position of `path`, falling back to its nearest recorded parent
    /// (`approvals[1].at` -> `approvals[1]` -> `approvals`), then to the
    /// opening `---`.
    pub fn of(&self, path: &str) -> Position {
        let mut current = path;
        loop {
            if let Some(position) = self.positions.get(current) {
                return *position;
            }
            match current.rfind(['.', '[']) {
                Some(index) => current = &current[..index],
                None => return self.start,
            }
        }
    }
}

/// A record with everything the pipeline needs besides its front matter.
#[derive(Debug, Clone)]
pub struct Document {
    /// The front matter.
    pub record: Record,
    /// Path relative to the portal root, with `/` separators.
    pub path: String,
    /// Markdown of the customer-facing part (empty for internal records).
    pub public_body: String,
    /// Markdown of the internal part.
    pub internal_body: String,
    /// SHA-256 of the file's bytes as read from disk (BOM and all), 64
    /// lower-case hex digits: the manifest's per-record hash (SPEC 5).
    pub sha256: String,
}

/// Whether `before` and `after` hold as many documents and, index by index,
/// the very same document (the same `Arc`) or two for which `same` holds:
/// how an analysis tells which of its inputs an edit left as they were.
/// Compared on every core.
pub fn same_documents(
    before: &[std::sync::Arc<Document>],
    after: &[std::sync::Arc<Document>],
    same: impl Fn(&Document, &Document) -> bool + Sync,
) -> bool {
    use rayon::prelude::*;
    before.len() == after.len()
        && before
            .par_iter()
            .zip(after)
            .all(|(a, b)| std::sync::Arc::ptr_eq(a, b) || same(a, b))
}

/// An extra public page from `content/pages/*.md`.
#[derive(Debug, Clone)]
pub struct Page {
    /// URL slug (the file stem, lower-cased).
    pub slug: String,
    /// Page title.
    pub title: String,
    /// The public markdown of the page: the text above the internal marker
    /// (SPEC section 2); what is below it is never kept.
    pub body: String,
}

/// Everything loaded from a portal folder.
#[derive(Debug, Clone)]
pub struct Portal {
    /// The portal folder.
    pub root: PathBuf,
    /// `portal.yaml`.
    pub config: Config,
    /// Parsed records, sorted by path.
    pub documents: Vec<std::sync::Arc<Document>>,
    /// Extra public pages, sorted by slug.
    pub pages: Vec<Page>,
    /// The deploy log's readable entries, when `deploy_log` is set and the
    /// file could be opened (SPEC section 3).
    pub deploy_log: Option<DeployLog>,
}
