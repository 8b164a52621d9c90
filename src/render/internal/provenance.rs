//! Git provenance on the audit site (SPEC 3, Provenance; SPEC 5): a record
//! page's history table and the dashboard's note saying whether history
//! was available and which commit the site was built from.

use super::{Site, When};
use crate::checks::Level;
use crate::history::{flags::flagged_commits, ChangeKind, Provenance};
use crate::model::portal::Document;
use serde::Serialize;

/// A record page's history: one row per commit, oldest first.
#[derive(Serialize)]
pub(super) struct HistoryView {
    rows: Vec<HistoryRow>,
    /// The working-tree file differs from HEAD's.
    uncommitted: bool,
}

/// One commit that added or changed the record file.
#[derive(Serialize)]
struct HistoryRow {
    commit: String,
    short: String,
    author: String,
    time: When,
    /// `added`, `changed`, or `moved from <path>`.
    action: String,
    fields: Vec<&'static str>,
    /// Codes of the provenance flags this commit raises (shown highlighted).
    flags: Vec<&'static str>,
    /// The commit is part of the import (`provenance.baseline`): starting
    /// evidence, not judged by the provenance flags.
    imported: bool,
}

/// The history of `document`, when the portal's history was read and the
/// file is committed; `None` otherwise.
pub(super) fn history_of(site: &Site<'_>, document: &Document) -> Option<HistoryView> {
    let history = site.analysis.provenance.history()?;
    let Some(file) = history.of(&document.path) else {
        return Some(HistoryView {
            rows: Vec::new(),
            uncommitted: true,
        });
    };
    let flagged: Vec<_> = flagged_commits(history, file)
        .into_iter()
        .filter(|(_, code)| site.config.level_of(*code) != Level::Allow)
        .collect();
    let rows = file
        .changes
        .iter()
        .map(|change| HistoryRow {
            commit: change.commit.id.clone(),
            short: change.commit.short_id().to_string(),
            author: change.commit.author.clone(),
            time: When::full(&change.commit.time, site.zone()),
            action: match &change.kind {
                ChangeKind::Added => "added".to_string(),
                ChangeKind::Modified => "changed".to_string(),
                ChangeKind::Renamed { from } => format!("moved from {from}"),
            },
            fields: change.fields.clone(),
            flags: flagged
                .iter()
                .filter(|(id, _)| *id == change.commit.id)
                .map(|(_, code)| code.as_str())
                .collect(),
            imported: history.is_imported(&change.commit),
        })
        .collect();
    Some(HistoryView {
        rows,
        uncommitted: file.uncommitted,
    })
}

/// The dashboard's provenance note.
#[derive(Serialize)]
pub(super) struct ProvenanceNote {
    available: bool,
    /// HEAD's full id and its short form, when history was read.
    head: Option<String>,
    short: Option<String>,
    /// Some record file differs from HEAD.
    dirty: bool,
    /// Why no history was available.
    reason: Option<String>,
    /// `provenance.baseline`, displayed, when set and history was read.
    baseline: Option<String>,
}

/// What the dashboard says about the portal's history.
pub(super) fn note(provenance: &Provenance) -> ProvenanceNote {
    match provenance {
        Provenance::Read(history) => ProvenanceNote {
            available: true,
            short: Some(history.head.get(..10).unwrap_or(&history.head).to_string()),
            head: Some(history.head.clone()),
            dirty: history.dirty,
            reason: None,
            baseline: history.baseline.map(|baseline| baseline.display()),
        },
        Provenance::Unavailable(reason) => ProvenanceNote {
            available: false,
            head: None,
            short: None,
            dirty: false,
            reason: Some(reason.clone()),
            baseline: None,
        },
    }
}
