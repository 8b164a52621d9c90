//! References to things that must exist: unknown-reference.

use super::{Code, RecordCheck};

/// Raises unknown-reference for each tier, `notified` tier, catalogued
/// system or follow-up id that does not exist (item by item, so that a block
/// list points at the offending line).
pub(super) fn check(check: &mut RecordCheck<'_>) {
    let mut problems: Vec<(String, String)> = Vec::new();
    let config = &check.portal.config;
    let record = &check.document.record;
    for (index, tier) in record.tiers.iter().flatten().enumerate() {
        if !config.tiers.contains_key(tier) {
            problems.push((format!("tiers[{index}]"), format!("unknown tier `{tier}`")));
        }
    }
    for tier in record.notified.keys() {
        if !config.tiers.contains_key(tier) {
            problems.push((
                format!("notified.{tier}"),
                format!("unknown tier `{tier}` in `notified`"),
            ));
        }
    }
    if let Some(systems) = &config.systems {
        for (index, system) in record.systems.iter().enumerate() {
            if !systems.contains_key(system) {
                problems.push((
                    format!("systems[{index}]"),
                    format!("unknown system `{system}`"),
                ));
            }
        }
    }
    if let Some(post_incident) = &record.post_incident {
        for (index, follow_up) in post_incident.follow_ups.iter().enumerate() {
            if !is_url(follow_up) && !check.ids.contains(&follow_up.to_lowercase()) {
                problems.push((
                    format!("post_incident.follow_ups[{index}]"),
                    format!("follow-up `{follow_up}` is neither a record id nor a URL"),
                ));
            }
        }
    }
    for (field, message) in problems {
        check.raise(
            Code::UnknownReference,
            &field,
            message,
            "tiers and systems are the keys defined in portal.yaml; follow-ups are record ids or absolute URLs",
        );
    }
}

/// Absolute URLs are accepted as follow-ups without checking.
fn is_url(text: &str) -> bool {
    text.starts_with("https://") || text.starts_with("http://")
}
