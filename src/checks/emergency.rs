//! Emergency declarations and after-the-fact evidence: missing-emergency-reason,
//! unauthorized-emergency, missing-review, missing-post-incident,
//! policy-review-pending.

use super::{plus_days, Code, RecordCheck};
use crate::model::person::same_person;
use crate::model::record::{ChangeClass, PolicyReview};

pub(super) fn check(check: &mut RecordCheck<'_>) {
    if check.document.record.class == ChangeClass::Emergency {
        declaration(check);
        review(check);
    }
    post_incident(check);
    policy_review(check);
}

fn declaration(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let emergency = record.emergency.as_ref();
    let reason = emergency
        .and_then(|e| e.reason.as_deref())
        .filter(|r| !r.trim().is_empty());
    let declared_by = emergency
        .and_then(|e| e.declared_by.clone())
        .filter(|d| !d.trim().is_empty());
    let mut missing = Vec::new();
    if reason.is_none() {
        missing.push("reason");
    }
    if declared_by.is_none() {
        missing.push("declared_by");
    }
    if !missing.is_empty() {
        let field = if emergency.is_some() {
            "emergency"
        } else {
            "class"
        };
        check.raise(
            Code::MissingEmergencyReason,
            field,
            format!("emergency change without `emergency.{}`", missing.join("` or `emergency.")),
            "say why waiting would put the organisation at significant risk, and who declared the emergency",
        );
    }
    let deciders = &check.portal.config.policy.emergency.deciders;
    if let Some(declared_by) = declared_by {
        if !deciders.is_empty() && !deciders.iter().any(|d| same_person(d, &declared_by)) {
            check.raise(
                Code::UnauthorizedEmergency,
                "emergency.declared_by",
                format!(
                    "{declared_by} may not declare an emergency (deciders: {})",
                    deciders.join(", ")
                ),
                "only the people in `policy.emergency.deciders` may declare an emergency change",
            );
        }
    }
}

fn review(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let (Some(deployed), None) = (record.deployed.filter(|_| record.is_live()), &record.review)
    else {
        return;
    };
    let days = check.portal.config.policy.emergency.review_within_days;
    let deadline = plus_days(deployed, days);
    let level = check.deadline_level(Code::MissingReview, deadline);
    let message = if check.now > deadline {
        format!("emergency change deployed {deployed} has no code review; it was due within {days} days, by {deadline}")
    } else {
        format!("emergency change deployed {deployed} has no code review yet; due by {deadline}")
    };
    check.raise_at_level(
        Code::MissingReview,
        level,
        "class",
        message,
        "add `review:` with who reviewed the code, when, and a link to the review",
    );
}

fn post_incident(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let scope = &check.portal.config.policy.require_post_incident_for;
    let covered_by = scope
        .iter()
        .find(|value| *value == record.class.as_str() || *value == record.status.as_str());
    let (Some(covered_by), Some(deployed), None) =
        (covered_by, record.deployed, &record.post_incident)
    else {
        return;
    };
    if !record.is_live() {
        return;
    }
    let days = check
        .portal
        .config
        .policy
        .emergency
        .post_incident_within_days;
    let deadline = plus_days(deployed, days);
    let level = check.deadline_level(Code::MissingPostIncident, deadline);
    let field = if *covered_by == record.class.as_str() {
        "class"
    } else {
        "status"
    };
    let when = if check.now > deadline {
        "was due"
    } else {
        "is due"
    };
    let message = format!("`{covered_by}` changes need a post-incident review; this one {when} within {days} days of deploy, by {deadline}");
    check.raise_at_level(
        Code::MissingPostIncident,
        level,
        field,
        message,
        "add `post_incident:` with the date, lessons learned, and whether the policy needs review",
    );
}

fn policy_review(check: &mut RecordCheck<'_>) {
    let Some(post_incident) = &check.document.record.post_incident else {
        return;
    };
    if post_incident.policy_review == PolicyReview::Needed && post_incident.follow_ups.is_empty() {
        check.raise(
            Code::PolicyReviewPending,
            "post_incident.policy_review",
            "the post-incident review says the policy needs review, but lists no follow-ups".to_string(),
            "add `follow_ups:` with the record ids or URLs of the policy change, or set `policy_review: done`",
        );
    }
}
