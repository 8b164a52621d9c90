//! The record population as CSV and JSON, for auditors: one row per record
//! with the fields an auditor samples from. The internal site's
//! `export/changes.csv` and `export/changes.json`, `changeportal export` and
//! `changeportal sample` all go through [`rows`], so they always agree.
//!
//! **Period semantics.** A record's *period date* is its `deployed` instant,
//! else its `scheduled` instant, else its `created` date
//! ([`period_date`]). A record is in a [`Period`] when that date falls in
//! `[from, to]`; a `to` written as a bare date (`2026-06-30`) includes that
//! whole UTC day. `sample` instead selects on `deployed` alone (only records
//! that went live are sampled), with the same bounds.
//!
//! **Spreadsheet safety.** In CSV, a cell that begins with `=`, `+`, `-`, `@`,
//! a tab or a carriage return gets a leading `'` so that spreadsheet programs
//! do not evaluate it as a formula (OWASP "CSV injection"); JSON is unchanged.

use crate::checks::{Code, Flag};
use crate::deploys::LogColumns;
use crate::model::portal::Document;
use crate::model::record::Record;
use crate::model::{Config, Timestamp};
use crate::pipeline::Analysis;
use serde::Serialize;
use std::collections::HashMap;

/// An inclusive date range; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    /// First instant in the period.
    pub from: Option<Timestamp>,
    /// Last instant in the period; a bare date includes its whole day.
    pub to: Option<Timestamp>,
}

impl Period {
    /// A period between optional bounds.
    pub fn new(from: Option<Timestamp>, to: Option<Timestamp>) -> Self {
        Self { from, to }
    }

    /// Whether `at` lies in the period.
    pub fn contains(&self, at: &Timestamp) -> bool {
        let after_start = self.from.is_none_or(|from| at.instant() >= from.instant());
        let before_end = self.to.is_none_or(|to| {
            if to.is_date_only() {
                at.instant() < to.instant() + chrono::Duration::days(1)
            } else {
                at.instant() <= to.instant()
            }
        });
        after_start && before_end
    }

    /// Human description, e.g. `2026-01-01 .. 2026-06-30` or `all dates`.
    pub fn describe(&self) -> String {
        match (self.from, self.to) {
            (None, None) => "all dates".to_string(),
            (from, to) => format!(
                "{} .. {}",
                from.map_or_else(|| "start".to_string(), |t| t.iso()),
                to.map_or_else(|| "end".to_string(), |t| t.iso())
            ),
        }
    }
}

/// The date a record is filed under for periods and months: `deployed`,
/// else `scheduled`, else `created`.
pub fn period_date(record: &Record) -> Timestamp {
    record
        .deployed
        .or(record.scheduled)
        .unwrap_or(record.created)
}

/// The flags of each record, indexed once (looking them up per record with
/// a scan of all flags would be quadratic on large portals).
#[derive(Debug, Default)]
pub struct FlagIndex<'a> {
    by_record: HashMap<&'a str, Vec<&'a Flag>>,
}

impl<'a> FlagIndex<'a> {
    /// Indexes the flags of `analysis` by record id.
    pub fn new(analysis: &'a Analysis) -> Self {
        let mut by_record: HashMap<&'a str, Vec<&'a Flag>> = HashMap::new();
        for flag in &analysis.flags {
            if let Some(id) = flag.record.as_deref() {
                by_record.entry(id).or_default().push(flag);
            }
        }
        Self { by_record }
    }

    /// The flags of the record with `id`, in file order.
    pub fn of(&self, id: &str) -> &[&'a Flag] {
        self.by_record.get(id).map_or(&[], Vec::as_slice)
    }

    /// The distinct codes of the record's flags, in the spec's order.
    pub fn codes_of(&self, id: &str) -> Vec<Code> {
        let mut codes: Vec<Code> = self.of(id).iter().map(|flag| flag.code).collect();
        codes.sort();
        codes.dedup();
        codes
    }
}

/// One approval decision as exported.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExportApproval<'a> {
    /// Board member.
    pub by: &'a str,
    /// Role decided under.
    pub role: &'a str,
    /// `approve` or `reject`.
    pub decision: &'static str,
    /// When (ISO form).
    pub at: String,
}

/// One record of the population.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExportRow<'a> {
    /// Record id.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Change type.
    #[serde(rename = "type")]
    pub change_type: &'static str,
    /// Change class.
    pub class: &'static str,
    /// Status.
    pub status: &'static str,
    /// Risk.
    pub risk: &'static str,
    /// `public` or `internal`.
    pub visibility: &'static str,
    /// Author.
    pub author: &'a str,
    /// Created (ISO form).
    pub created: String,
    /// Scheduled (ISO form).
    pub scheduled: Option<String>,
    /// Deployed (ISO form).
    pub deployed: Option<String>,
    /// Affected systems (keys).
    pub systems: Vec<&'a str>,
    /// Configured tiers the change concerns.
    pub tiers: Vec<&'a str>,
    /// Board decisions in record order.
    pub approvals: Vec<ExportApproval<'a>>,
    /// Who declared the emergency.
    pub emergency_declared_by: Option<&'a str>,
    /// When the emergency was declared.
    pub emergency_declared_at: Option<String>,
    /// Code reviewer.
    pub review_by: Option<&'a str>,
    /// Code review date.
    pub review_at: Option<String>,
    /// Post-incident review date.
    pub post_incident_at: Option<String>,
    /// Distinct flag codes raised on the record.
    pub flags: Vec<&'static str>,
    /// Number of flags raised on the record.
    pub flag_count: usize,
    /// Source file, relative to the portal root.
    pub file: &'a str,
    /// Deploy-log reconciliation columns (`log_entries`, `logged`), filled
    /// by [`rows`] from the analysis's reconciliation.
    #[serde(flatten)]
    pub deploys: LogColumns,
}

/// A CSV column: its header and how to write a row's cell.
type Column = (&'static str, fn(&ExportRow<'_>) -> String);

/// The CSV columns, in order. Lists are joined with `; `; an approval reads
/// `Name (role) decision at`.
pub const CSV_COLUMNS: &[Column] = &[
    ("id", |r| r.id.to_string()),
    ("title", |r| r.title.to_string()),
    ("type", |r| r.change_type.to_string()),
    ("class", |r| r.class.to_string()),
    ("status", |r| r.status.to_string()),
    ("risk", |r| r.risk.to_string()),
    ("visibility", |r| r.visibility.to_string()),
    ("author", |r| r.author.to_string()),
    ("created", |r| r.created.clone()),
    ("scheduled", |r| r.scheduled.clone().unwrap_or_default()),
    ("deployed", |r| r.deployed.clone().unwrap_or_default()),
    ("systems", |r| r.systems.join("; ")),
    ("tiers", |r| r.tiers.join("; ")),
    ("approvals", |r| {
        let approvals: Vec<String> = r
            .approvals
            .iter()
            .map(|a| format!("{} ({}) {} {}", a.by, a.role, a.decision, a.at))
            .collect();
        approvals.join("; ")
    }),
    ("emergency_declared_by", |r| {
        r.emergency_declared_by.unwrap_or_default().to_string()
    }),
    ("emergency_declared_at", |r| {
        r.emergency_declared_at.clone().unwrap_or_default()
    }),
    ("review_by", |r| r.review_by.unwrap_or_default().to_string()),
    ("review_at", |r| r.review_at.clone().unwrap_or_default()),
    ("post_incident_at", |r| {
        r.post_incident_at.clone().unwrap_or_default()
    }),
    ("flags", |r| r.flags.join("; ")),
    ("flag_count", |r| r.flag_count.to_string()),
    ("file", |r| r.file.to_string()),
    ("log_entries", |r| r.deploys.csv_cells().0),
    ("logged", |r| r.deploys.csv_cells().1),
];

/// One export row per record whose [`period_date`] lies in `period`,
/// sorted by id.
pub fn rows<'a>(
    analysis: &'a Analysis,
    flags: &FlagIndex<'a>,
    period: &Period,
) -> Vec<ExportRow<'a>> {
    let mut rows: Vec<ExportRow<'a>> = analysis
        .portal
        .documents
        .iter()
        .enumerate()
        .filter(|(_, document)| period.contains(&period_date(&document.record)))
        .map(|(index, document)| ExportRow {
            deploys: LogColumns::of(analysis.reconciliation.as_ref(), index),
            ..row(document, &analysis.portal.config, flags)
        })
        .collect();
    rows.sort_by(|a, b| a.id.cmp(b.id));
    rows
}

/// The export row of one record.
pub fn row<'a>(document: &'a Document, config: &'a Config, flags: &FlagIndex<'_>) -> ExportRow<'a> {
    let record = &document.record;
    let iso = |t: &Timestamp| t.iso();
    ExportRow {
        id: &record.id,
        title: &record.title,
        change_type: record.change_type.as_str(),
        class: record.class.as_str(),
        status: record.status.as_str(),
        risk: record.risk.as_str(),
        visibility: record.visibility.as_str(),
        author: &record.author,
        created: record.created.iso(),
        scheduled: record.scheduled.as_ref().map(iso),
        deployed: record.deployed.as_ref().map(iso),
        systems: record.systems.iter().map(String::as_str).collect(),
        tiers: config
            .tiers
            .keys()
            .filter(|key| record.concerns_tier(key))
            .map(String::as_str)
            .collect(),
        approvals: record
            .approvals
            .iter()
            .map(|approval| ExportApproval {
                by: &approval.by,
                role: &approval.role,
                decision: approval.decision.as_str(),
                at: approval.at.iso(),
            })
            .collect(),
        emergency_declared_by: record
            .emergency
            .as_ref()
            .and_then(|e| e.declared_by.as_deref()),
        emergency_declared_at: record
            .emergency
            .as_ref()
            .and_then(|e| e.declared_at.as_ref())
            .map(iso),
        review_by: record.review.as_ref().map(|r| r.by.as_str()),
        review_at: record.review.as_ref().map(|r| r.at.iso()),
        post_incident_at: record.post_incident.as_ref().map(|p| p.at.iso()),
        flags: flags
            .codes_of(&record.id)
            .into_iter()
            .map(Code::as_str)
            .collect(),
        flag_count: flags.of(&record.id).len(),
        file: &document.path,
        deploys: LogColumns::default(),
    }
}

/// The rows as CSV with a header row (see [`CSV_COLUMNS`]).
pub fn to_csv(rows: &[ExportRow<'_>]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS.iter().map(|(name, _)| *name))?;
    for row in rows {
        writer.write_record(
            CSV_COLUMNS
                .iter()
                .map(|(_, cell)| spreadsheet_safe(cell(row))),
        )?;
    }
    writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))
}

/// The rows as a pretty-printed JSON array.
pub fn to_json(rows: &[ExportRow<'_>]) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = serde_json::to_vec_pretty(rows)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Prefixes cells that a spreadsheet would evaluate as a formula with `'`.
fn spreadsheet_safe(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn period_end_date_includes_the_whole_day() {
        let period = Period::new(Some(at("2026-01-01")), Some(at("2026-01-31")));
        assert!(period.contains(&at("2026-01-01")));
        assert!(period.contains(&at("2026-01-31T23:59:59Z")));
        assert!(!period.contains(&at("2026-02-01")));
        assert!(!period.contains(&at("2025-12-31T23:59:59Z")));
    }

    #[test]
    fn period_end_instant_is_inclusive_and_exact() {
        let period = Period::new(None, Some(at("2026-01-31T12:00:00Z")));
        assert!(period.contains(&at("2026-01-31T12:00:00Z")));
        assert!(!period.contains(&at("2026-01-31T12:00:01Z")));
        assert_eq!(Period::default().describe(), "all dates");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        let safe = |cell: &str| spreadsheet_safe(cell.to_string());
        assert_eq!(safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe("-1"), "'-1");
        assert_eq!(safe("Plain, title"), "Plain, title");
    }
}
