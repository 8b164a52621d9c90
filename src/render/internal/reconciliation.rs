//! The deploy-log reconciliation page (`reconciliation/index.html`, SPEC 5),
//! written when `deploy_log` is set: every log entry with the record it
//! matched and how, the entries no record accounts for, and the deployed
//! records the log has no entry for. Also the "Deploy log" rows of each
//! record page ([`record_entries`]). Both read the one
//! [`Reconciliation`] of the analysis, as the flags do.

use super::{Site, When};
use crate::deploys::{Match, Reconciliation};
use crate::model::deploys::DeployEntry;
use crate::paths;
use crate::render::{OutputFile, RenderError, Theme};
use serde::Serialize;

/// The page, when the analysis has a deploy log; nothing otherwise.
pub(super) fn render(site: &Site<'_>, theme: &Theme) -> Result<Vec<OutputFile>, RenderError> {
    let Some(reconciliation) = &site.analysis.reconciliation else {
        return Ok(Vec::new());
    };
    let entries: Vec<EntryRow<'_>> = reconciliation
        .entries
        .iter()
        .zip(&reconciliation.matches)
        .map(|(entry, found)| entry_row(site, reconciliation, entry, *found))
        .collect();
    let unlogged: Vec<RecordRef<'_>> = reconciliation
        .unlogged
        .iter()
        .filter_map(|&index| record_ref(site, index))
        .collect();
    let page = ReconciliationPage {
        log: &reconciliation.path,
        hours: reconciliation.hours,
        total: entries.len(),
        matched: entries.iter().filter(|e| e.record.is_some()).count(),
        unrecorded: entries.iter().filter(|e| e.record.is_none()).count(),
        entries,
        unlogged,
    };
    let file = site.page(
        theme,
        "internal/reconciliation.html",
        paths::internal::RECONCILIATION.into(),
        "reconciliation",
        "Deploy log reconciliation".into(),
        &page,
    )?;
    Ok(vec![file])
}

/// The log entries of the record at `index` (in `portal.documents`), for
/// its page; empty without a deploy log.
pub(super) fn record_entries<'a>(site: &Site<'a>, index: usize) -> Vec<LogEntryView<'a>> {
    site.analysis
        .reconciliation
        .iter()
        .flat_map(|reconciliation| {
            reconciliation
                .entries_of(index)
                .map(|(entry, found)| LogEntryView::new(site, reconciliation, entry, found))
        })
        .collect()
}

#[derive(Serialize)]
struct ReconciliationPage<'a> {
    /// The log's path relative to the portal root.
    log: &'a str,
    /// `policy.deploy_match_hours`.
    hours: u32,
    total: usize,
    matched: usize,
    unrecorded: usize,
    entries: Vec<EntryRow<'a>>,
    unlogged: Vec<RecordRef<'a>>,
}

/// One log entry as the pages show it.
#[derive(Serialize)]
pub(super) struct LogEntryView<'a> {
    /// `file:line` in the log.
    location: String,
    at: When,
    system: &'a str,
    reference: &'a str,
    deployed_by: &'a str,
    change: Option<&'a str>,
    /// How it matched ([`Match::describe`]).
    matched_by: &'static str,
}

impl<'a> LogEntryView<'a> {
    fn new(
        site: &Site<'a>,
        reconciliation: &'a Reconciliation,
        entry: &'a DeployEntry,
        found: Match,
    ) -> Self {
        LogEntryView {
            location: format!("{}:{}", reconciliation.path, entry.line),
            at: When::full(&entry.at, site.zone()),
            system: &entry.system,
            reference: &entry.reference,
            deployed_by: &entry.deployed_by,
            change: entry.change.as_deref(),
            matched_by: found.describe(),
        }
    }
}

#[derive(Serialize)]
struct EntryRow<'a> {
    #[serde(flatten)]
    entry: LogEntryView<'a>,
    /// The record it belongs to; `None` for an unrecorded deploy.
    record: Option<RecordRef<'a>>,
}

#[derive(Serialize)]
struct RecordRef<'a> {
    id: &'a str,
    title: &'a str,
    status: &'static str,
    href: String,
    deployed: Option<When>,
}

fn entry_row<'a>(
    site: &Site<'a>,
    reconciliation: &'a Reconciliation,
    entry: &'a DeployEntry,
    found: Match,
) -> EntryRow<'a> {
    EntryRow {
        entry: LogEntryView::new(site, reconciliation, entry, found),
        record: found.document().and_then(|index| record_ref(site, index)),
    }
}

/// The record at `index` in `portal.documents`, linked.
fn record_ref<'a>(site: &Site<'a>, index: usize) -> Option<RecordRef<'a>> {
    let record = &site.analysis.portal.documents.get(index)?.record;
    Some(RecordRef {
        id: &record.id,
        title: &record.title,
        status: record.status.as_str(),
        href: paths::internal::change_page(&record.slug()),
        deployed: record
            .deployed
            .as_ref()
            .map(|at| When::full(at, site.zone())),
    })
}
