//! Emergency declarations and after-the-fact evidence: missing-emergency-reason,
//! unauthorized-emergency, missing-review, missing-post-incident,
//! policy-review-pending.

use super::{Code, RecordCheck};
use crate::model::record::{ChangeClass, PolicyReview};
use crate::policy::evidence::may_declare;
use crate::policy::{Coverage, DeadlineFacts};

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
    if let Some(declared_by) = declared_by {
        let policy = &check.portal.config.policy;
        if may_declare(&declared_by, policy) == Some(false) {
            check.raise(
                Code::UnauthorizedEmergency,
                "emergency.declared_by",
                format!(
                    "{declared_by} may not declare an emergency (deciders: {})",
                    policy.emergency.deciders.join(", ")
                ),
                "only the people in `policy.emergency.deciders` may declare an emergency change",
            );
        }
    }
}

fn review(check: &mut RecordCheck<'_>) {
    let Some(review) = check.facts.review.filter(DeadlineFacts::missing) else {
        return;
    };
    let level = check.deadline_level(Code::MissingReview, &review);
    let DeadlineFacts {
        deployed,
        days,
        due,
        ..
    } = review;
    let message = if review.overdue() {
        format!("emergency change deployed {deployed} has no code review; it was due within {days} days, by {due}")
    } else {
        format!("emergency change deployed {deployed} has no code review yet; due by {due}")
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
    let Some(facts) = check.facts.post_incident.filter(|p| p.deadline.missing()) else {
        return;
    };
    let record = &check.document.record;
    let deadline = facts.deadline;
    let level = check.deadline_level(Code::MissingPostIncident, &deadline);
    let (field, covered_by) = match facts.covered_by {
        Coverage::Class => ("class", record.class.as_str()),
        Coverage::Status => ("status", record.status.as_str()),
    };
    let when = if deadline.overdue() {
        "was due"
    } else {
        "is due"
    };
    let message = format!(
        "`{covered_by}` changes need a post-incident review; this one {when} within {} days of deploy, by {}",
        deadline.days, deadline.due
    );
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
