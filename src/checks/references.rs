//! References to things that must exist: unknown-reference.

use super::{Code, RecordCheck};

pub(super) fn check(check: &mut RecordCheck<'_>) {
    let mut problems: Vec<(String, String)> = Vec::new();
    let config = &check.portal.config;
    let record = &check.document.record;
    for tier in record.tiers.iter().flatten() {
        if !config.tiers.contains_key(tier) {
            problems.push(("tiers".to_string(), format!("unknown tier `{tier}`")));
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
        for system in &record.systems {
            if !systems.contains_key(system) {
                problems.push(("systems".to_string(), format!("unknown system `{system}`")));
            }
        }
    }
    if let Some(post_incident) = &record.post_incident {
        for follow_up in &post_incident.follow_ups {
            if !is_url(follow_up) && !check.ids.contains(&follow_up.to_lowercase()) {
                problems.push((
                    "post_incident.follow_ups".to_string(),
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
