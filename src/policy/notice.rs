//! Advance notice to customer tiers (SPEC 3 `tiers.*.notice_days`, SPEC 4
//! `notice-too-short`).

use crate::model::record::{ChangeClass, Record, Status};
use crate::model::{Config, Timestamp};

/// The notice one advance-notice tier got of a change the rule covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFacts {
    /// The tier's key in `portal.yaml`.
    pub tier: String,
    /// When the tier was told: `notified[tier]`, else `created`.
    pub announced: Timestamp,
    /// The change's date: `scheduled`, else `deployed`.
    pub target: Timestamp,
    /// The tier's `notice_days`.
    pub required_days: u32,
    /// Whether `target - announced` is at least `required_days` days of 24
    /// hours (exactly the promised notice is kept).
    pub kept: bool,
}

/// Whether the notice rule covers `record` at all: a public change, not an
/// emergency, not embargoed (held back on purpose), not rejected or
/// cancelled (never reaches customers).
fn in_scope(record: &Record) -> bool {
    record.is_public()
        && record.class != ChangeClass::Emergency
        && record.embargo_until.is_none()
        && !matches!(record.status, Status::Rejected | Status::Cancelled)
}

/// The notice facts of every advance-notice tier (`notice_days > 0`) that
/// `record` concerns and whose type filter accepts it, in the order of
/// `portal.yaml`; empty when the rule does not cover the record or it has
/// neither `scheduled` nor `deployed`. Implements SPEC 3
/// `tiers.*.notice_days` and SPEC 4 `notice-too-short`.
pub fn assess(record: &Record, config: &Config) -> Vec<NoticeFacts> {
    let Some(target) = record.scheduled.or(record.deployed) else {
        return Vec::new();
    };
    if !in_scope(record) {
        return Vec::new();
    }
    config
        .tiers
        .iter()
        .filter(|(key, tier)| {
            tier.is_advance_notice()
                && record.concerns_tier(key)
                && tier.accepts(record.change_type)
        })
        .map(|(key, tier)| {
            let announced = record.announced_to(key);
            let required = chrono::Duration::days(i64::from(tier.notice_days));
            NoticeFacts {
                tier: key.clone(),
                announced,
                target,
                required_days: tier.notice_days,
                kept: target.instant() - announced.instant() >= required,
            }
        })
        .collect()
}
