//! The audit population and its exports (SPEC sections 5 and 6): the one
//! definition of "the changes of a period" behind `export`, `sample`, the
//! workpaper and the internal site's `export/changes.csv`,
//! `export/changes.json` and `export/manifest.json`.
//!
//! **Population.** A record is in the population of a [`Period`] when it went
//! live (status `deployed` or `rolled_back`) and its `deployed` instant falls
//! on a UTC day from `from` to `to`, both included ([`population`]). Records
//! that never went live (proposed, rejected, cancelled, scheduled) are not
//! part of any population: an auditor tests changes that reached production.
//! Members are ordered by id (then path).
//!
//! **Instants.** Every instant is written in RFC 3339 UTC with seconds and a
//! `Z` ([`rfc3339`]); a date-only value is its midnight UTC.
//!
//! **Population hash.** `population_sha256` is the SHA-256 (lower-case hex)
//! of the compact JSON serialization (no whitespace, keys in the order
//! `changes.json` shows them, non-ASCII characters as UTF-8) of the `records`
//! array of `changes.json`: `jq -cj .records changes.json | sha256sum` gives
//! it for records without control characters.
//!
//! **CSV.** One row per record, flat columns ([`CSV_COLUMNS`]); a list cell
//! joins its items with `; `. A cell that begins with `=`, `+`, `-`, `@`, a
//! tab or a carriage return gets a leading `'` so that spreadsheet programs
//! do not evaluate it as a formula (OWASP "CSV injection"); JSON is unchanged.

use crate::checks::{Flag, Level};
use crate::deploys::LogColumns;
use crate::model::digest::Sha256Writer;
use crate::model::portal::Document;
use crate::model::record::Record;
use crate::model::Timestamp;
use crate::paths;
use crate::pipeline::Analysis;
use crate::policy::{Reason, RecordFacts, Standing};
use crate::render::Pieces;
use chrono::{NaiveDate, SecondsFormat};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A period of whole UTC days, both ends included; either end may be open
/// (SPEC 6 `--from`/`--to`). Serialized as `{"from": "YYYY-MM-DD" or null,
/// "to": ...}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// First day of the period.
    pub from: Option<NaiveDate>,
    /// Last day of the period (the whole day counts).
    pub to: Option<NaiveDate>,
}

/// A `--from` after `--to`: the period would be empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("--from {from} is after --to {to}: the period would be empty")]
pub struct PeriodError {
    /// The first day asked for.
    pub from: NaiveDate,
    /// The last day asked for.
    pub to: NaiveDate,
}

impl Period {
    /// The days from `from` to `to`, both included, each end optional.
    /// Errors: [`PeriodError`] when `from` is after `to`.
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Self, PeriodError> {
        match (from, to) {
            (Some(from), Some(to)) if from > to => Err(PeriodError { from, to }),
            _ => Ok(Self { from, to }),
        }
    }

    /// The calendar year `year` (1 January to 31 December, UTC).
    pub fn year(year: i32) -> Self {
        Self {
            from: NaiveDate::from_ymd_opt(year, 1, 1),
            to: NaiveDate::from_ymd_opt(year, 12, 31),
        }
    }

    /// Whether the UTC day of `at` lies in the period.
    pub fn contains(&self, at: &Timestamp) -> bool {
        let day = at.date();
        self.from.is_none_or(|from| day >= from) && self.to.is_none_or(|to| day <= to)
    }

    /// Human description, e.g. `2026-01-01 .. 2026-06-30` or `all dates`.
    pub fn describe(&self) -> String {
        let end =
            |day: Option<NaiveDate>, open: &str| day.map_or(open.to_string(), |d| d.to_string());
        match (self.from, self.to) {
            (None, None) => "all dates".to_string(),
            (from, to) => format!("{} .. {}", end(from, "start"), end(to, "end")),
        }
    }
}

/// One member of a population: a record and its policy facts.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// The record.
    pub document: &'a Document,
    /// Its index in `portal.documents` (and in the analysis's facts).
    pub index: usize,
    /// Its policy facts at the analysis's "now".
    pub facts: &'a RecordFacts,
    /// Whether the analysis read git history and it holds the record's file
    /// (SPEC 3, Provenance): only then do the git flags speak for it.
    pub in_history: bool,
}

/// The population of `period` (SPEC 6): every record that went live
/// (`deployed` or `rolled_back`) with `deployed` on a day of the period,
/// ordered by id, then path. The one selection of `export`, `sample`, the
/// workpaper and the site's exports.
pub fn population<'a>(analysis: &'a Analysis, period: &Period) -> Vec<Member<'a>> {
    let history = analysis.provenance.history();
    let mut members: Vec<Member<'a>> = analysis
        .portal
        .documents
        .iter()
        .zip(&analysis.facts)
        .enumerate()
        .filter(|(_, (document, _))| in_population(&document.record, period))
        .map(|(index, (document, facts))| Member {
            document,
            index,
            facts,
            in_history: history.is_some_and(|history| history.of(&document.path).is_some()),
        })
        .collect();
    members.sort_by(|a, b| {
        (&a.document.record.id, &a.document.path).cmp(&(&b.document.record.id, &b.document.path))
    });
    members
}

/// The date a record is filed under in the audit site's months and lists:
/// `deployed`, else `scheduled`, else `created`. Not the population rule
/// ([`population`] is by `deployed` alone).
pub fn period_date(record: &Record) -> Timestamp {
    record
        .deployed
        .or(record.scheduled)
        .unwrap_or(record.created)
}

/// Whether `record` is in the population of `period` (SPEC 6): it went
/// live (`deployed` or `rolled_back`) with `deployed` on a day of the period.
pub fn in_population(record: &Record, period: &Period) -> bool {
    record.is_live() && record.deployed.is_some_and(|at| period.contains(&at))
}

/// The instant `at` in RFC 3339 UTC with seconds, e.g.
/// `2026-03-01T00:00:00Z` for the date `2026-03-01`.
pub fn rfc3339(at: &Timestamp) -> String {
    at.instant().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Where the source of an export came from (SPEC 5 `source`): the full id
/// of the commit the portal was read at, with `+dirty` appended when
/// `portal.yaml` or a record file differed from it
/// ([`crate::history::History::source`]); `None` when no git history was
/// available.
pub fn source_commit(analysis: &Analysis) -> Option<String> {
    analysis
        .provenance
        .history()
        .map(|history| history.source())
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
}

/// One approval decision as exported, with whether it counts toward the
/// rule of the record's class (SPEC 3) and, when not, why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExportApproval<'a> {
    /// Board member.
    pub by: &'a str,
    /// Role decided under.
    pub role: &'a str,
    /// `approve` or `reject`.
    pub decision: &'static str,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// The note given with the decision.
    pub note: Option<&'a str>,
    /// Whether this approval counts toward `min` and the roles.
    pub counted: bool,
    /// Why it does not count (`None` when counted).
    pub not_counted_because: Option<&'static str>,
}

/// Why the approval with `standing` does not count, or `None` when it does:
/// the policy's own wording ([`Reason::text`]), so exports, workpapers and
/// record pages say the same.
pub fn not_counted_because(standing: Standing) -> Option<&'static str> {
    standing.reason.map(Reason::text)
}

/// The emergency declaration as exported.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExportEmergency<'a> {
    /// Why waiting was not possible.
    pub reason: Option<&'a str>,
    /// Who declared the emergency.
    pub declared_by: Option<&'a str>,
    /// When (RFC 3339 UTC).
    pub declared_at: Option<String>,
}

/// The code review after the change, as exported.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExportReview<'a> {
    /// Reviewer.
    pub by: &'a str,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Link to the review.
    pub link: Option<&'a str>,
    /// Reviewer's note.
    pub note: Option<&'a str>,
}

/// The post-incident discussion, as exported.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExportPostIncident<'a> {
    /// When (RFC 3339 UTC).
    pub at: String,
    /// `none`, `needed` or `done`.
    pub policy_review: &'static str,
    /// Follow-up record ids or URLs.
    pub follow_ups: Vec<&'a str>,
}

/// One flag of a record, as exported.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExportFlag {
    /// Flag code (SPEC 4).
    pub code: &'static str,
    /// Level after `lints:`: `warn` or `deny`.
    pub level: &'static str,
}

/// One record of the population, with the fields an auditor tests.
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
    /// Created (RFC 3339 UTC).
    pub created: String,
    /// Planned start (RFC 3339 UTC).
    pub scheduled: Option<String>,
    /// Planned end (RFC 3339 UTC).
    pub window_end: Option<String>,
    /// Deployed (RFC 3339 UTC).
    pub deployed: Option<String>,
    /// Who carried out the deployment.
    pub deployed_by: Option<&'a str>,
    /// Affected systems (keys).
    pub systems: Vec<&'a str>,
    /// Configured tiers the change concerns.
    pub tiers: Vec<&'a str>,
    /// Board decisions in record order.
    pub approvals: Vec<ExportApproval<'a>>,
    /// The emergency declaration, when there is one.
    pub emergency: Option<ExportEmergency<'a>>,
    /// The code review, when there is one.
    pub review: Option<ExportReview<'a>>,
    /// The post-incident discussion, when there is one.
    pub post_incident: Option<ExportPostIncident<'a>>,
    /// Whether the record holds test evidence (`testing`).
    pub testing: bool,
    /// Whether the record holds a rollback plan (`rollback`).
    pub rollback: bool,
    /// Evidence links: `links`, then timeline links, in record order.
    pub links: Vec<&'a str>,
    /// Every flag raised on the record, in file order.
    pub flags: Vec<ExportFlag>,
    /// No deny-level flag is raised on the record.
    pub in_policy: bool,
    /// Source file, relative to the portal root.
    pub file: &'a str,
    /// The record's evidence page on the internal site, relative to its root.
    pub evidence_page: String,
    /// Deploy-log reconciliation columns (`log_entries`, `logged`; SPEC 3
    /// "Deploy log"), from the analysis's reconciliation.
    #[serde(flatten)]
    pub deploys: LogColumns,
}

/// The export row of one population member, with the analysis's config
/// (tiers) and deploy-log reconciliation.
pub fn row<'a>(member: Member<'a>, analysis: &'a Analysis, flags: &FlagIndex<'_>) -> ExportRow<'a> {
    let config = &analysis.portal.config;
    let document = member.document;
    let record = &document.record;
    let flags = flags.of(&record.id);
    ExportRow {
        id: &record.id,
        title: &record.title,
        change_type: record.change_type.as_str(),
        class: record.class.as_str(),
        status: record.status.as_str(),
        risk: record.risk.as_str(),
        visibility: record.visibility.as_str(),
        author: &record.author,
        created: rfc3339(&record.created),
        scheduled: record.scheduled.as_ref().map(rfc3339),
        window_end: record.window_end.as_ref().map(rfc3339),
        deployed: record.deployed.as_ref().map(rfc3339),
        deployed_by: record.deployed_by.as_deref(),
        systems: record.systems.iter().map(String::as_str).collect(),
        tiers: config
            .tiers
            .keys()
            .filter(|key| record.concerns_tier(key))
            .map(String::as_str)
            .collect(),
        approvals: approvals(member),
        emergency: record.emergency.as_ref().map(|e| ExportEmergency {
            reason: e.reason.as_deref(),
            declared_by: e.declared_by.as_deref(),
            declared_at: e.declared_at.as_ref().map(rfc3339),
        }),
        review: record.review.as_ref().map(|r| ExportReview {
            by: &r.by,
            at: rfc3339(&r.at),
            link: r.link.as_deref(),
            note: r.note.as_deref(),
        }),
        post_incident: record.post_incident.as_ref().map(|p| ExportPostIncident {
            at: rfc3339(&p.at),
            policy_review: p.policy_review.as_str(),
            follow_ups: p.follow_ups.iter().map(String::as_str).collect(),
        }),
        testing: record.testing.is_some(),
        rollback: record.rollback.is_some(),
        links: record
            .links
            .iter()
            .map(String::as_str)
            .chain(record.timeline.iter().filter_map(|t| t.link.as_deref()))
            .collect(),
        flags: flags
            .iter()
            .map(|flag| ExportFlag {
                code: flag.code.as_str(),
                level: flag.level.as_str(),
            })
            .collect(),
        in_policy: !flags.iter().any(|flag| flag.level == Level::Deny),
        file: &document.path,
        evidence_page: paths::internal::change_page(&record.slug()),
        deploys: LogColumns::of(analysis.reconciliation.as_ref(), member.index),
    }
}

/// The member's approvals with their standing from the policy facts (the
/// one place where per-approval policy facts reach the exports).
fn approvals(member: Member<'_>) -> Vec<ExportApproval<'_>> {
    let standings = &member.facts.approvals.standings;
    member
        .document
        .record
        .approvals
        .iter()
        .enumerate()
        .map(|(index, approval)| {
            let standing = standings
                .get(index)
                .copied()
                .unwrap_or(Standing::not_counted(Reason::Rejection));
            let because = not_counted_because(standing);
            ExportApproval {
                by: &approval.by,
                role: &approval.role,
                decision: approval.decision.as_str(),
                at: rfc3339(&approval.at),
                note: approval.note.as_deref(),
                counted: because.is_none(),
                not_counted_because: because,
            }
        })
        .collect()
}

/// The export rows of a population, in population order.
pub fn rows<'a>(
    analysis: &'a Analysis,
    flags: &FlagIndex<'_>,
    members: &[Member<'a>],
) -> Vec<ExportRow<'a>> {
    members
        .iter()
        .map(|&member| row(member, analysis, flags))
        .collect()
}

/// What `changes.json` and `manifest.json` say about themselves (SPEC 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The build's "now" (RFC 3339 UTC): the instant time-dependent flags
    /// were evaluated at.
    pub generated_at: String,
    /// The period of the population.
    pub period: Period,
    /// The git commit the portal was read at, or `null`.
    pub source: Option<String>,
    /// Number of records in the population.
    pub count: usize,
}

/// `changes.json`: the metadata, then the records.
#[derive(Debug, Serialize)]
struct ChangesJson<'r, 'a, 'f> {
    #[serde(flatten)]
    metadata: &'r Metadata,
    records: Rows<'r, 'a, 'f>,
}

/// The rows of an [`Export`], made one at a time while serialized: the
/// rows of 100,000 records are never all in memory.
#[derive(Debug)]
struct Rows<'r, 'a, 'f>(&'r Export<'a, 'f>);

impl Serialize for Rows<'_, '_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.rows())
    }
}

/// One record file of a manifest: id, path and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Record id.
    pub id: String,
    /// File path relative to the portal root, `/`-separated.
    pub path: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

/// `export/manifest.json` (SPEC 5): what `verify` recomputes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The same metadata as `changes.json`.
    #[serde(flatten)]
    pub metadata: Metadata,
    /// Each member's file, in population order.
    pub records: Vec<ManifestEntry>,
    /// SHA-256 of the population's `records` (see the module docs).
    pub population_sha256: String,
}

/// A population, serialized into every export form. Rows are made from
/// the analysis each time a form is serialized, one at a time.
pub struct Export<'a, 'f> {
    /// The metadata of both JSON files.
    pub metadata: Metadata,
    /// The population, in order.
    members: Vec<Member<'a>>,
    analysis: &'a Analysis,
    flags: &'f FlagIndex<'a>,
}

impl std::fmt::Debug for Export<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("metadata", &self.metadata)
            .field("members", &self.members.len())
            .finish()
    }
}

/// Errors of serializing an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// CSV writing failed.
    #[error("{0}")]
    Csv(#[from] csv::Error),
    /// JSON writing failed.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

impl<'a, 'f> Export<'a, 'f> {
    /// The export of `period`'s population at the analysis's "now".
    pub fn new(analysis: &'a Analysis, flags: &'f FlagIndex<'a>, period: Period) -> Self {
        let members = population(analysis, &period);
        Self {
            metadata: Metadata {
                generated_at: rfc3339(&analysis.now),
                period,
                source: source_commit(analysis),
                count: members.len(),
            },
            members,
            analysis,
            flags,
        }
    }

    /// Each member's export row, in population order.
    fn rows(&self) -> impl ExactSizeIterator<Item = ExportRow<'a>> + '_ {
        self.members
            .iter()
            .map(|&member| row(member, self.analysis, self.flags))
    }

    /// `changes.json`: pretty-printed, ending in a newline.
    pub fn json(&self) -> Result<Pieces, ExportError> {
        pretty(&ChangesJson {
            metadata: &self.metadata,
            records: Rows(self),
        })
    }

    /// `changes.csv` (see [`CSV_COLUMNS`]).
    pub fn csv(&self) -> Result<Pieces, ExportError> {
        to_csv(self.rows())
    }

    /// The manifest of this export.
    pub fn manifest(&self) -> Result<Manifest, ExportError> {
        let records = self
            .members
            .iter()
            .map(|member| ManifestEntry {
                id: member.document.record.id.clone(),
                path: member.document.path.clone(),
                sha256: member.document.sha256.clone(),
            })
            .collect();
        Ok(Manifest {
            metadata: self.metadata.clone(),
            records,
            population_sha256: population_sha256(&Rows(self))?,
        })
    }

    /// `manifest.json`: pretty-printed, ending in a newline.
    pub fn manifest_json(&self) -> Result<Pieces, ExportError> {
        pretty(&self.manifest()?)
    }
}

/// The SHA-256 of `rows` (a sequence of [`ExportRow`]s) as compact JSON
/// (see the module docs), hashed as it is serialized.
pub fn population_sha256(rows: &(impl Serialize + ?Sized)) -> Result<String, serde_json::Error> {
    let mut hash = Sha256Writer::default();
    serde_json::to_writer(&mut hash, rows)?;
    Ok(hash.finish())
}

/// `value` as pretty JSON with a final newline, in [`Pieces`].
pub fn pretty(value: &impl Serialize) -> Result<Pieces, ExportError> {
    let mut pieces = Pieces::default();
    serde_json::to_writer_pretty(&mut pieces, value)?;
    pieces.push(b"\n".to_vec());
    Ok(pieces)
}

/// A CSV column: its header and how to write a row's cell.
type Column = (&'static str, fn(&ExportRow<'_>) -> String);

/// The CSV columns, in order. Lists are joined with `; `. An approval reads
/// `Name (role) decision at, counted` or `..., not counted: reason`, then
/// ` - note` when it has one; a flag reads `code (level)`.
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
    ("window_end", |r| r.window_end.clone().unwrap_or_default()),
    ("deployed", |r| r.deployed.clone().unwrap_or_default()),
    ("deployed_by", |r| {
        r.deployed_by.unwrap_or_default().to_string()
    }),
    ("systems", |r| r.systems.join("; ")),
    ("tiers", |r| r.tiers.join("; ")),
    ("approvals", |r| {
        let approvals: Vec<String> = r.approvals.iter().map(approval_cell).collect();
        approvals.join("; ")
    }),
    ("emergency_reason", |r| {
        emergency(r, |e| e.reason.map(str::to_string))
    }),
    ("emergency_declared_by", |r| {
        emergency(r, |e| e.declared_by.map(str::to_string))
    }),
    ("emergency_declared_at", |r| {
        emergency(r, |e| e.declared_at.clone())
    }),
    ("review_by", |r| review(r, |v| v.by.to_string())),
    ("review_at", |r| review(r, |v| v.at.clone())),
    ("review_link", |r| {
        review(r, |v| v.link.unwrap_or_default().to_string())
    }),
    ("post_incident_at", |r| post_incident(r, |p| p.at.clone())),
    ("post_incident_policy_review", |r| {
        post_incident(r, |p| p.policy_review.to_string())
    }),
    ("post_incident_follow_ups", |r| {
        post_incident(r, |p| p.follow_ups.join("; "))
    }),
    ("testing", |r| yes_no(r.testing)),
    ("rollback", |r| yes_no(r.rollback)),
    ("links", |r| r.links.join("; ")),
    ("flags", |r| {
        let flags: Vec<String> = r
            .flags
            .iter()
            .map(|f| format!("{} ({})", f.code, f.level))
            .collect();
        flags.join("; ")
    }),
    ("in_policy", |r| yes_no(r.in_policy)),
    ("file", |r| r.file.to_string()),
    ("evidence_page", |r| r.evidence_page.clone()),
    ("log_entries", |r| r.deploys.csv_cells().0),
    ("logged", |r| r.deploys.csv_cells().1),
];

fn approval_cell(a: &ExportApproval<'_>) -> String {
    let standing = match a.not_counted_because {
        None => "counted".to_string(),
        Some(reason) => format!("not counted: {reason}"),
    };
    let note = a.note.map_or_else(String::new, |note| format!(" - {note}"));
    format!(
        "{} ({}) {} {}, {standing}{note}",
        a.by, a.role, a.decision, a.at
    )
}

fn emergency(r: &ExportRow<'_>, cell: impl Fn(&ExportEmergency<'_>) -> Option<String>) -> String {
    r.emergency.as_ref().and_then(cell).unwrap_or_default()
}

fn review(r: &ExportRow<'_>, cell: impl Fn(&ExportReview<'_>) -> String) -> String {
    r.review.as_ref().map(cell).unwrap_or_default()
}

fn post_incident(r: &ExportRow<'_>, cell: impl Fn(&ExportPostIncident<'_>) -> String) -> String {
    r.post_incident.as_ref().map(cell).unwrap_or_default()
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

/// The rows as CSV with a header row (see [`CSV_COLUMNS`]), in [`Pieces`].
pub fn to_csv<'a, R: std::borrow::Borrow<ExportRow<'a>>>(
    rows: impl IntoIterator<Item = R>,
) -> Result<Pieces, ExportError> {
    let mut writer = csv::Writer::from_writer(Pieces::default());
    writer.write_record(CSV_COLUMNS.iter().map(|(name, _)| *name))?;
    for row in rows {
        writer.write_record(
            CSV_COLUMNS
                .iter()
                .map(|(_, cell)| spreadsheet_safe(cell(row.borrow()))),
        )?;
    }
    writer
        .into_inner()
        .map_err(|error| ExportError::Csv(csv::Error::from(error.into_error())))
}

/// Prefixes cells that a spreadsheet would evaluate as a formula with `'`.
pub fn spreadsheet_safe(cell: String) -> String {
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

    fn day(text: &str) -> Option<NaiveDate> {
        Some(at(text).date())
    }

    #[test]
    fn period_days_are_whole_and_inclusive() {
        let period = Period::new(day("2026-01-01"), day("2026-01-31")).unwrap();
        assert!(period.contains(&at("2026-01-01")));
        assert!(period.contains(&at("2026-01-31T23:59:59Z")));
        assert!(!period.contains(&at("2026-02-01")));
        assert!(!period.contains(&at("2025-12-31T23:59:59Z")));
        assert_eq!(Period::default().describe(), "all dates");
        assert_eq!(period.describe(), "2026-01-01 .. 2026-01-31");
    }

    #[test]
    fn from_after_to_is_refused_and_one_day_is_fine() {
        assert!(Period::new(day("2026-02-01"), day("2026-01-31")).is_err());
        let one = Period::new(day("2026-02-01"), day("2026-02-01")).unwrap();
        assert!(one.contains(&at("2026-02-01T12:00:00Z")));
    }

    #[test]
    fn instants_are_rfc3339_utc() {
        assert_eq!(rfc3339(&at("2026-03-01")), "2026-03-01T00:00:00Z");
        assert_eq!(
            rfc3339(&at("2026-03-01T10:00:00+02:00")),
            "2026-03-01T08:00:00Z"
        );
    }

    #[test]
    fn formula_cells_are_neutralised() {
        let safe = |cell: &str| spreadsheet_safe(cell.to_string());
        assert_eq!(safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe("-1"), "'-1");
        assert_eq!(safe("Plain, title"), "Plain, title");
    }
}
