//! Change windows: change-in-blackout, change-collision. The rules are
//! [`crate::policy::windows`].

use super::{Code, RecordCheck};

/// How many colliding records a flag names before "and N more".
const NAMED: usize = 5;

pub(super) fn check(check: &mut RecordCheck<'_>) {
    let blackouts = &check.portal.config.policy.blackouts;
    let mut flags = Vec::new();
    for hit in &check.facts.blackouts {
        let Some(blackout) = blackouts.get(hit.blackout) else {
            continue;
        };
        let scope = match &blackout.systems {
            Some(systems) => format!("systems {}", systems.join(", ")),
            None => "all systems".to_string(),
        };
        let message = format!(
            "the change's `{}` falls in the blackout \"{}\" ({} to {}, {scope})",
            hit.field.key(),
            blackout.reason,
            blackout.from,
            blackout.to
        );
        flags.push((
            Code::ChangeInBlackout,
            hit.field.key(),
            message,
            BLACKOUT_HINT,
        ));
    }
    for collision in &check.facts.collisions {
        let mut named = collision
            .with
            .iter()
            .take(NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if collision.with.len() > NAMED {
            named.push_str(&format!(" and {} more", collision.with.len() - NAMED));
        }
        let message = format!("overlaps {named} on system `{}`", collision.system);
        flags.push((
            Code::ChangeCollision,
            window_field(check),
            message,
            COLLISION_HINT,
        ));
    }
    for (code, field, message, hint) in flags {
        check.raise(code, &field, message, hint);
    }
}

/// Where a collision is reported: the planned window's `scheduled`, else
/// `deployed`, else `systems`.
fn window_field(check: &RecordCheck<'_>) -> String {
    let record = &check.document.record;
    if record.scheduled.is_some() {
        "scheduled"
    } else if record.deployed.is_some() {
        "deployed"
    } else {
        "systems"
    }
    .to_string()
}

const BLACKOUT_HINT: &str = "move the change out of the freeze in `policy.blackouts`, or, if it cannot wait, make it an emergency change";
const COLLISION_HINT: &str = "schedule one of the changes after the other ends (windows that only touch end to start are fine), or coordinate them as one change";
