//! Advance notice to customer tiers: notice-too-short. The rule is
//! [`crate::policy::notice`]; this module words one flag per tier whose
//! notice was not kept.

use super::{Code, RecordCheck};

pub(super) fn check(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let tiers = &check.portal.config.tiers;
    let mut problems = Vec::new();
    for notice in check.facts.notice.iter().filter(|n| !n.kept) {
        let key = &notice.tier;
        let field = if record.notified.contains_key(key) {
            format!("notified.{key}")
        } else if record.scheduled.is_some() {
            "scheduled".to_string()
        } else {
            "deployed".to_string()
        };
        let (announced, target) = (notice.announced, notice.target);
        let given = announced.days_until(&target).max(0);
        let title = tiers
            .get(key)
            .map_or(key.as_str(), |tier| tier.title.as_str());
        problems.push((
            field,
            format!(
                "{title} customers were told on {announced}, {given} day(s) before the change on {target}; the tier is promised {} days",
                notice.required_days
            ),
        ));
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
