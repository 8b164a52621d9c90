//! Deploy-log reconciliation (SPEC sections 3 and 4): which record each
//! deploy-log entry belongs to, which entries no record accounts for, and
//! which deployed records the log should have but does not.
//!
//! [`Reconciliation::new`] is the one matching rule:
//! - an entry with `change` belongs to the record with that id (compared
//!   lower-cased, as ids are), whatever the record's status; an id no
//!   record has leaves the entry unrecorded;
//! - an entry without `change` belongs to a `deployed` or `rolled_back`
//!   record that lists the entry's `system` and whose `deployed` instant
//!   lies within `policy.deploy_match_hours` hours of the entry's `at`,
//!   **both ends included** (a record deployed exactly 2 hours before the
//!   entry matches with the default window); among several, the nearest in
//!   time, then the smallest id (lower-cased), so the result does not
//!   depend on file order.
//!
//! A record is *unlogged* when it is deployed or rolled back (a rolled-back
//! change did reach production), at least one entry of the log is for one
//! of its systems (the log covers it), and no entry belongs to it.
//!
//! The audit site's reconciliation page, the `unrecorded-deploy` and
//! `deploy-not-logged` flags, the export's columns and the deployers that
//! `deployer-approved` looks at all read one [`Reconciliation`].

use crate::model::deploys::{DeployEntry, DeployLog};
use crate::model::record::{Record, Status};
use crate::model::{Portal, Timestamp};
use std::collections::{HashMap, HashSet};

/// Which record a log entry belongs to, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The entry's `change` names the record: its index in
    /// `portal.documents`.
    ById(usize),
    /// The record of the entry's system deployed nearest to `at`, within
    /// the window: its index in `portal.documents`.
    ByWindow(usize),
    /// The entry's `change` names an id that no record has.
    UnknownChange,
    /// No deployed record of the entry's system lies within the window.
    NoRecord,
}

impl Match {
    /// The index in `portal.documents` of the matched record.
    pub fn document(self) -> Option<usize> {
        match self {
            Match::ById(index) | Match::ByWindow(index) => Some(index),
            Match::UnknownChange | Match::NoRecord => None,
        }
    }

    /// How the entry was matched, for pages and exports: `change id`,
    /// `system and time`, `unknown change id` or `no record`.
    pub fn describe(self) -> &'static str {
        match self {
            Match::ById(_) => "change id",
            Match::ByWindow(_) => "system and time",
            Match::UnknownChange => "unknown change id",
            Match::NoRecord => "no record",
        }
    }
}

/// The deploy log reconciled against the records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    /// The log's path relative to the portal root.
    pub path: String,
    /// The matching window in hours (`policy.deploy_match_hours`).
    pub hours: u32,
    /// The log's readable entries, in file order.
    pub entries: Vec<DeployEntry>,
    /// What each entry of `entries` matched, in the same order.
    pub matches: Vec<Match>,
    /// For each record (index in `portal.documents`), the indices into
    /// `entries` of the entries that belong to it, in file order.
    by_document: Vec<Vec<usize>>,
    /// Indices in `portal.documents` of the unlogged records, in document
    /// order.
    pub unlogged: Vec<usize>,
}

impl Reconciliation {
    /// Reconciles `portal`'s deploy log with its records (the rule in the
    /// module documentation). Output: `None` when the portal has no deploy
    /// log (not configured, or the file could not be read).
    pub fn new(portal: &Portal) -> Option<Self> {
        let log = portal.deploy_log.as_ref()?;
        let hours = portal.config.policy.deploy_match_hours();
        let records: Vec<&Record> = portal.documents.iter().map(|d| &d.record).collect();
        Some(Self::of(log, &records, hours))
    }

    /// Reconciles `log` with `records` (in `portal.documents` order) using
    /// a window of `hours` hours.
    pub fn of(log: &DeployLog, records: &[&Record], hours: u32) -> Self {
        let index = RecordIndex::new(records);
        let window = chrono::Duration::hours(i64::from(hours));
        let matches: Vec<Match> = log
            .entries
            .iter()
            .map(|entry| index.find(entry, window))
            .collect();
        let mut by_document = vec![Vec::new(); records.len()];
        for (entry, found) in matches.iter().enumerate() {
            if let Some(document) = found.document() {
                by_document[document].push(entry);
            }
        }
        let covered: HashSet<&str> = log.entries.iter().map(|e| e.system.as_str()).collect();
        let unlogged = records
            .iter()
            .enumerate()
            .filter(|(i, record)| {
                went_live(record)
                    && by_document[*i].is_empty()
                    && record.systems.iter().any(|s| covered.contains(s.as_str()))
            })
            .map(|(i, _)| i)
            .collect();
        Reconciliation {
            path: log.path.clone(),
            hours,
            entries: log.entries.clone(),
            matches,
            by_document,
            unlogged,
        }
    }

    /// The entries that belong to the record at `document` (its index in
    /// `portal.documents`), in file order.
    pub fn entries_of(&self, document: usize) -> impl Iterator<Item = (&DeployEntry, Match)> {
        self.by_document
            .get(document)
            .into_iter()
            .flatten()
            .map(|&entry| (&self.entries[entry], self.matches[entry]))
    }

    /// Who deployed the record at `document` according to the log: the
    /// `deployed_by` of each of its entries, as written, repeats removed
    /// (exact text; compare people with
    /// [`crate::model::person::same_person`]). These count as deployers for
    /// `deployer-approved` and "the deployer's approval does not count"
    /// (SPEC 3), next to the record's own `deployed_by`.
    pub fn deployers_of(&self, document: usize) -> Vec<&str> {
        let mut deployers: Vec<&str> = Vec::new();
        for (entry, _) in self.entries_of(document) {
            if !deployers.contains(&entry.deployed_by.as_str()) {
                deployers.push(&entry.deployed_by);
            }
        }
        deployers
    }

    /// Whether the record at `document` is deployed or rolled back, its
    /// systems are covered by the log, and no entry belongs to it.
    pub fn is_unlogged(&self, document: usize) -> bool {
        self.unlogged.binary_search(&document).is_ok()
    }

    /// The entries no record accounts for, with why, in file order.
    pub fn unrecorded(&self) -> impl Iterator<Item = (&DeployEntry, Match)> {
        self.entries
            .iter()
            .zip(&self.matches)
            .filter(|(_, found)| found.document().is_none())
            .map(|(entry, found)| (entry, *found))
    }
}

/// The export's reconciliation columns of one record (SPEC 5: the
/// population export carries the deploy log's evidence per record).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogColumns {
    /// The record's deploy-log entries, in file order.
    pub log_entries: Vec<LogEntryColumn>,
    /// Whether any entry of the log belongs to the record; `None` when the
    /// portal has no deploy log.
    pub logged: Option<bool>,
}

/// One deploy-log entry in the export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogEntryColumn {
    /// When it was deployed, RFC 3339 in UTC.
    pub at: String,
    /// The system.
    pub system: String,
    /// The commit or release (the log's `ref`).
    #[serde(rename = "ref")]
    pub reference: String,
    /// Who deployed it.
    pub deployed_by: String,
    /// `<log path>:<line>`.
    pub source: String,
}

impl LogColumns {
    /// The columns of the record at `document` (its index in
    /// `portal.documents`) under `reconciliation` (`None`: no deploy log,
    /// so no entries and `logged` unknown).
    pub fn of(reconciliation: Option<&Reconciliation>, document: usize) -> Self {
        let Some(reconciliation) = reconciliation else {
            return LogColumns::default();
        };
        let log_entries: Vec<LogEntryColumn> = reconciliation
            .entries_of(document)
            .map(|(entry, _)| LogEntryColumn {
                at: Timestamp::from_instant(entry.at.instant()).iso(),
                system: entry.system.clone(),
                reference: entry.reference.clone(),
                deployed_by: entry.deployed_by.clone(),
                source: format!("{}:{}", reconciliation.path, entry.line),
            })
            .collect();
        LogColumns {
            logged: Some(!log_entries.is_empty()),
            log_entries,
        }
    }

    /// The CSV cells: `log_entries` as `<at> <system> <ref> by <who>` joined
    /// with `; `, and `logged` as `yes`, `no` or empty.
    pub fn csv_cells(&self) -> (String, String) {
        let entries: Vec<String> = self
            .log_entries
            .iter()
            .map(|e| format!("{} {} {} by {}", e.at, e.system, e.reference, e.deployed_by))
            .collect();
        let logged = match self.logged {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        (entries.join("; "), logged.to_string())
    }
}

/// Whether a record reached production: status deployed or rolled back.
fn went_live(record: &Record) -> bool {
    matches!(record.status, Status::Deployed | Status::RolledBack) && record.deployed.is_some()
}

/// The records by lower-cased id, and the live ones by system sorted by
/// `deployed` then id.
struct RecordIndex<'a> {
    by_slug: HashMap<String, usize>,
    by_system: HashMap<&'a str, Vec<(Timestamp, String, usize)>>,
}

impl<'a> RecordIndex<'a> {
    fn new(records: &[&'a Record]) -> Self {
        let mut by_slug = HashMap::new();
        let mut by_system: HashMap<&str, Vec<(Timestamp, String, usize)>> = HashMap::new();
        for (index, record) in records.iter().enumerate() {
            by_slug.entry(record.slug()).or_insert(index);
            let Some(deployed) = record.deployed.filter(|_| went_live(record)) else {
                continue;
            };
            for system in &record.systems {
                by_system
                    .entry(system)
                    .or_default()
                    .push((deployed, record.slug(), index));
            }
        }
        for list in by_system.values_mut() {
            list.sort();
            list.dedup();
        }
        RecordIndex { by_slug, by_system }
    }

    /// The record `entry` belongs to (module documentation).
    fn find(&self, entry: &DeployEntry, window: chrono::Duration) -> Match {
        if let Some(change) = &entry.change {
            return self
                .by_slug
                .get(&change.to_lowercase())
                .map_or(Match::UnknownChange, |&index| Match::ById(index));
        }
        let Some(list) = self.by_system.get(entry.system.as_str()) else {
            return Match::NoRecord;
        };
        let at = entry.at.instant();
        let first = list.partition_point(|(deployed, _, _)| deployed.instant() < at - window);
        list[first..]
            .iter()
            .take_while(|(deployed, _, _)| deployed.instant() <= at + window)
            .min_by_key(|(deployed, slug, _)| ((deployed.instant() - at).abs(), slug.clone()))
            .map_or(Match::NoRecord, |(_, _, index)| Match::ByWindow(*index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, status: &str, deployed: &str, systems: &str) -> Record {
        let yaml = format!(
            "id: {id}\ntitle: T\ntype: feature\nstatus: {status}\nauthor: A\ncreated: 2026-01-01\n\
             deployed: {deployed}\nsystems: [{systems}]\n"
        );
        crate::yaml::from_str(&yaml).unwrap()
    }

    fn entry(line: usize, at: &str, system: &str, change: Option<&str>) -> DeployEntry {
        DeployEntry {
            line,
            at: Timestamp::parse(at).unwrap(),
            system: system.to_string(),
            reference: "abc".to_string(),
            deployed_by: format!("deployer {line}"),
            change: change.map(str::to_string),
        }
    }

    fn reconcile(entries: Vec<DeployEntry>, records: &[Record]) -> Reconciliation {
        let log = DeployLog {
            path: "deploys.csv".to_string(),
            entries,
        };
        let records: Vec<&Record> = records.iter().collect();
        Reconciliation::of(&log, &records, 2)
    }

    #[test]
    fn the_window_includes_both_ends_and_prefers_the_nearest_then_the_id() {
        let records = [
            record("B", "deployed", "2026-03-01T12:00:00Z", "api"),
            record("A", "deployed", "2026-03-01T12:00:00Z", "api"),
            record("C", "rolled_back", "2026-03-01T13:00:00Z", "api"),
            record("D", "approved", "2026-03-01T10:00:00Z", "db"),
        ];
        let found = reconcile(
            vec![
                entry(2, "2026-03-01T10:00:00Z", "api", None),
                entry(3, "2026-03-01T09:59:59Z", "api", None),
                entry(4, "2026-03-01T12:40:00Z", "api", None),
                entry(5, "2026-03-01T15:00:00Z", "api", None),
                entry(6, "2026-03-01T15:00:01Z", "api", None),
                entry(7, "2026-03-01T10:00:00Z", "db", None),
                entry(8, "2026-03-09T10:00:00Z", "db", Some("d")),
                entry(9, "2026-03-09T10:00:00Z", "db", Some("E")),
            ],
            &records,
        );
        assert_eq!(
            found.matches,
            [
                Match::ByWindow(1),
                Match::NoRecord,
                Match::ByWindow(2),
                Match::ByWindow(2),
                Match::NoRecord,
                Match::NoRecord,
                Match::ById(3),
                Match::UnknownChange,
            ]
        );
        assert_eq!(found.unlogged, [0]);
        assert_eq!(found.deployers_of(2), ["deployer 4", "deployer 5"]);
        let unrecorded: Vec<usize> = found.unrecorded().map(|(e, _)| e.line).collect();
        assert_eq!(unrecorded, [3, 6, 7, 9]);
    }

    #[test]
    fn records_of_systems_the_log_never_mentions_are_not_unlogged() {
        let records = [
            record("A", "deployed", "2026-03-01T12:00:00Z", "api"),
            record("B", "deployed", "2026-03-01T12:00:00Z", "web, api"),
            record("C", "deployed", "2026-03-01T12:00:00Z", "web"),
        ];
        let found = reconcile(
            vec![entry(2, "2026-03-01T12:00:00Z", "api", Some("A"))],
            &records,
        );
        assert_eq!(found.unlogged, [1]);
        assert!(found.is_unlogged(1) && !found.is_unlogged(2));
    }
}
