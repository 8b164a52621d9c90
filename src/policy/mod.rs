//! The change-management policy (SPEC sections 3 and 4), evaluated once per
//! record into typed facts.
//!
//! [`assess`] gives a record's [`RecordFacts`]: how its approvals measure up
//! to the rule of its class ([`approvals`]), its code-review and
//! post-incident deadlines ([`evidence`]), the notice each advance-notice
//! tier got ([`notice`]), the order and plausibility of its dates
//! ([`dates`]) and the blackouts its window falls into ([`windows`]).
//! [`assess_portal`] adds what needs every record: collisions between
//! changes on one system. Nothing here knows about flags, levels or pages:
//! `checks` turns the facts into flags, and the audit site's dashboard,
//! record pages and exports display the same facts, so that a flag and a
//! figure cannot disagree about what the policy says.
//!
//! Units: every instant is a [`Timestamp`] compared as a UTC instant; every
//! window is a whole number of days of 24 hours ([`plus_days`]).

pub mod approvals;
pub mod dates;
pub mod evidence;
pub mod notice;
#[cfg(test)]
mod tests;
pub mod windows;

pub use approvals::{ApprovalBreach, ApprovalFacts, Reason, Standing, Window};
pub use dates::{Field, OutOfOrder};
pub use evidence::{deadline_outcome, Coverage, DeadlineFacts, Outcome, PostIncidentFacts};
pub use notice::NoticeFacts;
pub use windows::{BlackoutHit, Collision};

use crate::model::portal::{same_documents, Document, Portal};
use crate::model::record::Record;
use crate::model::{Config, Timestamp};
use rayon::prelude::*;
use std::sync::Arc;

/// Everything the policy says about one record at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    /// Approvals against the rule of the record's class.
    pub approvals: ApprovalFacts,
    /// The code-review deadline of a live emergency change; `None` otherwise.
    pub review: Option<DeadlineFacts>,
    /// The post-incident deadline of a live record that
    /// `require_post_incident_for` covers; `None` otherwise.
    pub post_incident: Option<PostIncidentFacts>,
    /// One entry per advance-notice tier the notice rule covers for this
    /// record, in the order of `portal.yaml`.
    pub notice: Vec<NoticeFacts>,
    /// Instants in the wrong order (`date-out-of-order`).
    pub out_of_order: Vec<OutOfOrder>,
    /// Evidence dated after "now" (`future-evidence`).
    pub in_future: Vec<Field>,
    /// Blackouts the change falls into (`change-in-blackout`).
    pub blackouts: Vec<BlackoutHit>,
    /// Changes it collides with, per shared system (`change-collision`);
    /// filled by [`assess_portal`], empty from [`assess`] alone.
    pub collisions: Vec<Collision>,
}

impl RecordFacts {
    /// The notice facts for tier `key`, when the notice rule covers it.
    pub fn notice_for(&self, key: &str) -> Option<&NoticeFacts> {
        self.notice.iter().find(|facts| facts.tier == key)
    }
}

/// Evaluates every rule of one record for `record` under `config` at
/// instant `now` (deadlines that have not passed at `now` are pending).
/// `log_deployers` are deployers known besides `deployed_by` (the deploy
/// log's); their approvals do not count either. Collisions need the other
/// records: [`assess_portal`] adds them. Never fails: a record that parsed
/// is always assessable. Reads `status`, `deployed` and every other field
/// from `record` itself, so a caller may assess an edited copy (e.g. "as if
/// deployed at T").
pub fn assess(
    record: &Record,
    config: &Config,
    now: Timestamp,
    log_deployers: &[String],
) -> RecordFacts {
    let deployers: Vec<String> = record
        .deployed_by
        .iter()
        .chain(log_deployers)
        .cloned()
        .collect();
    RecordFacts {
        approvals: approvals::assess(record, config, now, &deployers),
        review: evidence::review(record, &config.policy, now),
        post_incident: evidence::post_incident(record, &config.policy, now),
        notice: notice::assess(record, config),
        out_of_order: dates::out_of_order(record),
        in_future: dates::in_future(record, now),
        blackouts: windows::blackouts(record, &config.policy),
        collisions: Vec::new(),
    }
}

/// An earlier assessment of the same portal under the same `portal.yaml`
/// and at the same "now", for [`assess_portal`] to reuse: the documents
/// assessed then (in their order), their facts, and the deployers each was
/// assessed with.
#[derive(Debug, Clone, Copy)]
pub struct Earlier<'a> {
    /// The documents assessed then.
    pub documents: &'a [Arc<Document>],
    /// Their facts, in the same order.
    pub facts: &'a [RecordFacts],
    /// The deployers each was assessed with, in the same order.
    pub deployers: &'a [Vec<String>],
}

impl Earlier<'_> {
    /// The facts of the document at `index` when it is the very document
    /// (the same `Arc`) assessed then at that index, with the same
    /// `deployers`.
    fn of(
        &self,
        index: usize,
        document: &Arc<Document>,
        deployers: &[String],
    ) -> Option<&RecordFacts> {
        let same = self
            .documents
            .get(index)
            .is_some_and(|earlier| Arc::ptr_eq(earlier, document))
            && self.deployers.get(index).is_some_and(|d| d == deployers);
        same.then(|| self.facts.get(index)).flatten()
    }

    /// Whether every collision input ([`windows::same_collision_inputs`])
    /// of `documents` is what it was then, index by index: then the
    /// collisions are too.
    fn same_collisions(&self, documents: &[Arc<Document>]) -> bool {
        self.facts.len() == documents.len()
            && same_documents(self.documents, documents, |earlier, document| {
                windows::same_collision_inputs(&earlier.record, &document.record)
            })
    }
}

/// Every record's facts at `now`, in the order of `portal.documents`, with
/// collisions between records ([`windows::collisions`]).
/// `deployers[i]` names the deployers of the record at index `i` known
/// besides its `deployed_by` (from the deploy log; empty without one).
/// With an `earlier` assessment (same `portal.yaml`, same `now`), a
/// record whose document and deployers are the ones assessed then keeps
/// its facts, and the collisions are kept when no record's collision
/// inputs changed: the result is the same as without `earlier`.
pub fn assess_portal(
    portal: &Portal,
    now: Timestamp,
    deployers: &[Vec<String>],
    earlier: Option<Earlier<'_>>,
) -> Vec<RecordFacts> {
    let no_deployers = Vec::new();
    let deployers_of = |index: usize| deployers.get(index).unwrap_or(&no_deployers);
    let assess_each = || -> Vec<RecordFacts> {
        portal
            .documents
            .par_iter()
            .enumerate()
            .map(|(index, document)| {
                let deployers = deployers_of(index);
                match earlier
                    .as_ref()
                    .and_then(|e| e.of(index, document, deployers))
                {
                    Some(known) => known.clone(),
                    None => assess(&document.record, &portal.config, now, deployers),
                }
            })
            .collect()
    };
    // The collisions are kept when no record's collision inputs changed;
    // otherwise they are found (serially, across records) while the other
    // threads assess the records.
    match earlier
        .as_ref()
        .filter(|e| e.same_collisions(&portal.documents))
    {
        Some(earlier) => {
            let mut facts = assess_each();
            facts
                .par_iter_mut()
                .zip(earlier.facts)
                .for_each(|(facts, known)| {
                    if facts.collisions != known.collisions {
                        facts.collisions.clone_from(&known.collisions);
                    }
                });
            facts
        }
        None => {
            let (mut facts, collisions) = rayon::join(assess_each, || {
                let records: Vec<&Record> = portal.documents.iter().map(|d| &d.record).collect();
                windows::collisions(&records)
            });
            for (facts, collisions) in facts.iter_mut().zip(collisions) {
                facts.collisions = collisions;
            }
            facts
        }
    }
}

/// `at` plus `days` days of 24 hours, as a UTC instant; saturates at the
/// latest representable instant so that a huge window in `portal.yaml`
/// cannot overflow.
pub fn plus_days(at: Timestamp, days: u32) -> Timestamp {
    let instant = at
        .instant()
        .checked_add_signed(chrono::Duration::days(i64::from(days)))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
    Timestamp::from_instant(instant)
}
