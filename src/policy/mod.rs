//! The change-management policy (SPEC sections 3 and 4), evaluated once per
//! record into typed facts.
//!
//! [`assess`] gives a record's [`RecordFacts`]: how its approvals measure up
//! to the rule of its class ([`approvals`]), its code-review and
//! post-incident deadlines ([`evidence`]), and the notice each advance-notice
//! tier got ([`notice`]). Nothing here knows about flags, levels or pages:
//! `checks` turns the facts into flags, and the audit site's dashboard,
//! record pages and exports display the same facts, so that a flag and a
//! figure cannot disagree about what the policy says.
//!
//! Units: every instant is a [`Timestamp`] compared as a UTC instant; every
//! window is a whole number of days of 24 hours ([`plus_days`]).

pub mod approvals;
pub mod evidence;
pub mod notice;
#[cfg(test)]
mod tests;

pub use approvals::{ApprovalBreach, ApprovalFacts, Reason, Standing, Window};
pub use evidence::{deadline_outcome, Coverage, DeadlineFacts, Outcome, PostIncidentFacts};
pub use notice::NoticeFacts;

use crate::model::record::Record;
use crate::model::{Config, Timestamp};

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
}

impl RecordFacts {
    /// The notice facts for tier `key`, when the notice rule covers it.
    pub fn notice_for(&self, key: &str) -> Option<&NoticeFacts> {
        self.notice.iter().find(|facts| facts.tier == key)
    }
}

/// Evaluates every policy rule for `record` under `config` at instant `now`
/// (deadlines that have not passed at `now` are pending). Never fails: a
/// record that parsed is always assessable.
pub fn assess(record: &Record, config: &Config, now: Timestamp) -> RecordFacts {
    RecordFacts {
        approvals: approvals::assess(record, config, now),
        review: evidence::review(record, &config.policy, now),
        post_incident: evidence::post_incident(record, &config.policy, now),
        notice: notice::assess(record, config),
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
