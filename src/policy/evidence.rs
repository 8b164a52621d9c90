//! After-the-fact evidence: the code review of an emergency change, the
//! post-incident review of the changes `require_post_incident_for` covers
//! (SPEC 3 `policy.emergency`, SPEC 4 `missing-review`,
//! `missing-post-incident`), and who may declare an emergency (SPEC 4
//! `unauthorized-emergency`).

use super::plus_days;
use crate::model::config::Policy;
use crate::model::person::same_person;
use crate::model::record::{ChangeClass, Record};
use crate::model::Timestamp;

/// Whether a deadline-bound piece of evidence was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Delivered by the deadline.
    Met,
    /// Delivered late, or missing after the deadline.
    Missed,
    /// Missing, but the deadline has not passed.
    Pending,
}

/// The outcome of evidence dated `done` (if any) against `deadline` at `now`:
/// met when `done <= deadline`, pending while missing and `now <= deadline`,
/// else missed. All three are UTC instants. SPEC 4 `missing-review` and
/// `missing-post-incident` (warn while pending), SPEC 5 compliance figures.
pub fn deadline_outcome(done: Option<Timestamp>, deadline: Timestamp, now: Timestamp) -> Outcome {
    match done {
        Some(at) if at <= deadline => Outcome::Met,
        Some(_) => Outcome::Missed,
        None if now > deadline => Outcome::Missed,
        None => Outcome::Pending,
    }
}

/// A piece of evidence due a number of days after deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineFacts {
    /// `deployed`.
    pub deployed: Timestamp,
    /// The window in days.
    pub days: u32,
    /// `deployed + days`.
    pub due: Timestamp,
    /// When the evidence is dated, if it exists.
    pub done: Option<Timestamp>,
    /// [`deadline_outcome`] of `done` against `due`.
    pub outcome: Outcome,
}

impl DeadlineFacts {
    fn new(deployed: Timestamp, days: u32, done: Option<Timestamp>, now: Timestamp) -> Self {
        let due = plus_days(deployed, days);
        DeadlineFacts {
            deployed,
            days,
            due,
            done,
            outcome: deadline_outcome(done, due, now),
        }
    }

    /// Whether the evidence is missing (a flag is raised: at the configured
    /// level once [`Self::overdue`], at most `warn` before).
    pub fn missing(&self) -> bool {
        self.done.is_none()
    }

    /// Whether the evidence is missing and the deadline has passed.
    pub fn overdue(&self) -> bool {
        self.missing() && self.outcome == Outcome::Missed
    }
}

/// Which of the record's values `require_post_incident_for` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Its class (e.g. `emergency`).
    Class,
    /// Its status (e.g. `rolled_back`).
    Status,
}

/// The post-incident review deadline of a covered record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostIncidentFacts {
    /// The first value of `require_post_incident_for` that covers the record.
    pub covered_by: Coverage,
    /// Due `post_incident_within_days` after deploy.
    pub deadline: DeadlineFacts,
}

/// The code-review deadline (`review_within_days` after deploy) of a live
/// emergency change at `now`; `None` for any other record. Implements
/// SPEC 3 `policy.emergency.review_within_days` and SPEC 4 `missing-review`.
pub fn review(record: &Record, policy: &Policy, now: Timestamp) -> Option<DeadlineFacts> {
    let deployed = record.deployed.filter(|_| record.is_live())?;
    if record.class != ChangeClass::Emergency {
        return None;
    }
    let done = record.review.as_ref().map(|r| r.at);
    let days = policy.emergency.review_within_days;
    Some(DeadlineFacts::new(deployed, days, done, now))
}

/// The post-incident deadline (`post_incident_within_days` after deploy) at
/// `now` of a live record whose class or status `require_post_incident_for`
/// names; `None` for any other record. Implements SPEC 3
/// `require_post_incident_for` and SPEC 4 `missing-post-incident`.
pub fn post_incident(
    record: &Record,
    policy: &Policy,
    now: Timestamp,
) -> Option<PostIncidentFacts> {
    let deployed = record.deployed.filter(|_| record.is_live())?;
    let covered_by = policy.require_post_incident_for.iter().find_map(|value| {
        if *value == record.class.as_str() {
            Some(Coverage::Class)
        } else if *value == record.status.as_str() {
            Some(Coverage::Status)
        } else {
            None
        }
    })?;
    let done = record.post_incident.as_ref().map(|p| p.at);
    let days = policy.emergency.post_incident_within_days;
    Some(PostIncidentFacts {
        covered_by,
        deadline: DeadlineFacts::new(deployed, days, done, now),
    })
}

/// Whether `declared_by` may declare an emergency: `None` when
/// `policy.emergency.deciders` is empty (anyone may), else whether they are
/// one of the deciders (names compared as people, see `same_person`).
/// Implements SPEC 4 `unauthorized-emergency`.
pub fn may_declare(declared_by: &str, policy: &Policy) -> Option<bool> {
    let deciders = &policy.emergency.deciders;
    (!deciders.is_empty()).then(|| deciders.iter().any(|d| same_person(d, declared_by)))
}
