//! The audit workpaper (SPEC 6 `sample --format workpaper`; the audit site's
//! `workpaper/<year>/` pages): one row per record, one `pass`, `fail` or
//! `n/a` per tested attribute, and the record's evidence page.
//!
//! Every verdict comes from one mapping ([`ATTRIBUTES`]): an attribute names
//! the flag codes that breach it, when it applies, and, for evidence no flag
//! covers, what the record must hold. The verdict is `fail` whenever the
//! record has a flag of one of the attribute's codes (so a verdict can never
//! disagree with the flags), else `n/a` when the attribute does not apply,
//! else `fail` when the required evidence is missing, else `pass`.

use super::export::{spreadsheet_safe, FlagIndex, Member};
use crate::checks::{Code, Flag};
use crate::model::record::{ChangeClass, Risk};
use crate::paths;
use serde::Serialize;

/// The outcome of testing one attribute of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// The attribute holds.
    #[serde(rename = "pass")]
    Pass,
    /// The attribute is breached or its evidence is missing.
    #[serde(rename = "fail")]
    Fail,
    /// The attribute does not apply to the record.
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Verdict {
    /// `pass`, `fail` or `n/a`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotApplicable => "n/a",
        }
    }
}

/// One tested attribute: its column, its flags, when it applies and what
/// evidence it needs beyond the absence of its flags.
#[derive(Debug, Clone, Copy)]
pub struct Attribute {
    /// CSV column and HTML id, e.g. `approved_before_deploy`.
    pub key: &'static str,
    /// Column heading for people.
    pub title: &'static str,
    /// The flags that breach the attribute.
    pub codes: &'static [Code],
    /// Whether the attribute applies to the record.
    pub applies: fn(&Member<'_>) -> bool,
    /// Evidence the record must hold when the attribute applies.
    pub evidence: fn(&Member<'_>) -> bool,
}

fn not_standard(member: &Member<'_>) -> bool {
    member.document.record.class != ChangeClass::Standard
}

fn approved_somehow(member: &Member<'_>) -> bool {
    not_standard(member) || !member.document.record.approvals.is_empty()
}

fn always(_: &Member<'_>) -> bool {
    true
}

/// Whether the record's history is available as evidence. Seam for the
/// provenance work (SPEC 3 "Provenance"): no history is read yet, so the
/// provenance attribute is `n/a`.
fn history_available(_: &Member<'_>) -> bool {
    false
}

/// The tested attributes, in column order (SPEC 6).
pub const ATTRIBUTES: &[Attribute] = &[
    Attribute {
        key: "approved_before_deploy",
        title: "Approved before deploy (emergency: within the window)",
        codes: &[
            Code::MissingApproval,
            Code::InsufficientApproval,
            Code::ApprovalAfterDeploy,
            Code::RejectedButDeployed,
        ],
        applies: not_standard,
        evidence: always,
    },
    Attribute {
        key: "approvers_authorised",
        title: "Approvers authorised",
        codes: &[Code::ApproverNotOnBoard, Code::UnauthorizedEmergency],
        applies: approved_somehow,
        evidence: always,
    },
    Attribute {
        key: "segregation_of_duties",
        title: "Segregation of duties",
        codes: &[Code::SelfApproval],
        applies: approved_somehow,
        evidence: always,
    },
    Attribute {
        key: "testing_evidence",
        title: "Testing evidence",
        codes: &[],
        applies: not_standard,
        evidence: |member| member.document.record.testing.is_some(),
    },
    Attribute {
        key: "rollback_plan",
        title: "Rollback plan",
        codes: &[Code::MissingRollbackPlan],
        applies: |member| {
            let record = &member.document.record;
            record.class == ChangeClass::Normal && record.risk == Risk::High
        },
        evidence: |member| member.document.record.rollback.is_some(),
    },
    Attribute {
        key: "review_in_time",
        title: "Review in time",
        codes: &[Code::MissingReview],
        applies: |member| member.facts.review.is_some(),
        evidence: always,
    },
    Attribute {
        key: "post_incident_in_time",
        title: "Post-incident in time",
        codes: &[Code::MissingPostIncident, Code::PolicyReviewPending],
        applies: |member| member.facts.post_incident.is_some(),
        evidence: always,
    },
    Attribute {
        key: "notice_met",
        title: "Notice met",
        codes: &[Code::NoticeTooShort],
        applies: |member| !member.facts.notice.is_empty(),
        evidence: always,
    },
    Attribute {
        key: "provenance",
        title: "Provenance",
        codes: &[],
        applies: history_available,
        evidence: always,
    },
];

/// The verdict of `attribute` for `member`, whose flags are `flags`.
pub fn verdict(attribute: &Attribute, member: &Member<'_>, flags: &[&Flag]) -> Verdict {
    if flags
        .iter()
        .any(|flag| attribute.codes.contains(&flag.code))
    {
        Verdict::Fail
    } else if !(attribute.applies)(member) {
        Verdict::NotApplicable
    } else if (attribute.evidence)(member) {
        Verdict::Pass
    } else {
        Verdict::Fail
    }
}

/// One workpaper row.
#[derive(Debug, Clone, Serialize)]
pub struct WorkpaperRow<'a> {
    /// Record id.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Change class.
    pub class: &'static str,
    /// `deployed` (RFC 3339 UTC).
    pub deployed: String,
    /// One verdict per [`ATTRIBUTES`] entry, in order.
    pub verdicts: Vec<Verdict>,
    /// The record's evidence page on the internal site, relative to its root.
    pub evidence_page: String,
}

/// The workpaper row of `member`.
pub fn row<'a>(member: &Member<'a>, flags: &FlagIndex<'_>) -> WorkpaperRow<'a> {
    let record = &member.document.record;
    let own = flags.of(&record.id);
    WorkpaperRow {
        id: &record.id,
        title: &record.title,
        class: record.class.as_str(),
        deployed: record
            .deployed
            .as_ref()
            .map(super::export::rfc3339)
            .unwrap_or_default(),
        verdicts: ATTRIBUTES
            .iter()
            .map(|attribute| verdict(attribute, member, own))
            .collect(),
        evidence_page: paths::internal::change_page(&record.slug()),
    }
}

/// The workpaper as CSV: `id, title, class, deployed`, one column per
/// attribute key, then `evidence_page`. Errors: the CSV writer fails.
pub fn to_csv(rows: &[WorkpaperRow<'_>]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = ["id", "title", "class", "deployed"]
        .into_iter()
        .chain(ATTRIBUTES.iter().map(|attribute| attribute.key))
        .chain(["evidence_page"]);
    writer.write_record(header)?;
    for row in rows {
        let cells = [
            row.id.to_string(),
            row.title.to_string(),
            row.class.to_string(),
            row.deployed.clone(),
        ]
        .into_iter()
        .chain(row.verdicts.iter().map(|v| v.as_str().to_string()))
        .chain([row.evidence_page.clone()]);
        writer.write_record(cells.map(spreadsheet_safe))?;
    }
    writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))
}
