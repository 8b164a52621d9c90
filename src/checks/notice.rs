//! Advance notice to customer tiers: notice-too-short.

use super::{Code, RecordCheck};
use crate::model::record::{ChangeClass, Status};

/// A public, non-emergency change must reach each advance-notice tier it
/// concerns at least `notice_days` before `scheduled` (else `deployed`).
/// Rejected and cancelled changes never reach customers, and embargoed
/// changes are deliberately held back, so neither is checked.
pub(super) fn check(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let skipped = !record.is_public()
        || record.class == ChangeClass::Emergency
        || record.embargo_until.is_some()
        || matches!(record.status, Status::Rejected | Status::Cancelled);
    let Some(target) = record.scheduled.or(record.deployed) else {
        return;
    };
    if skipped {
        return;
    }
    let target_field = if record.scheduled.is_some() {
        "scheduled"
    } else {
        "deployed"
    };
    let mut problems = Vec::new();
    for (key, tier) in &check.portal.config.tiers {
        if !tier.is_advance_notice()
            || !record.concerns_tier(key)
            || !tier.accepts(record.change_type)
        {
            continue;
        }
        let announced = record.announced_to(key);
        let required = chrono::Duration::days(i64::from(tier.notice_days));
        if target.instant() - announced.instant() < required {
            let field = if record.notified.contains_key(key) {
                format!("notified.{key}")
            } else {
                target_field.to_string()
            };
            let given = announced.days_until(&target).max(0);
            problems.push((
                field,
                format!(
                    "{} customers were told on {announced}, {given} day(s) before the change on {target}; the tier is promised {} days",
                    tier.title, tier.notice_days
                ),
            ));
        }
    }
    for (field, message) in problems {
        check.raise(
            Code::NoticeTooShort,
            &field,
            message,
            "move `scheduled` later, or record an earlier announcement under `notified:`",
        );
    }
}
