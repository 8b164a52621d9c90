//! Review board approvals: missing-approval, insufficient-approval,
//! approval-after-deploy, self-approval, approver-not-on-board,
//! rejected-but-deployed.

use super::{plus_days, Code, RecordCheck};
use crate::model::config::ApprovalRule;
use crate::model::person::{person_key, same_person};
use crate::model::record::{Approval, ChangeClass, Decision, Status};
use crate::model::Timestamp;

pub(super) fn check(check: &mut RecordCheck<'_>) {
    self_approval(check);
    board_membership(check);
    rejected_but_deployed(check);
    match check.document.record.class {
        ChangeClass::Normal => normal_change(check),
        ChangeClass::Emergency => emergency_change(check),
        ChangeClass::Standard => standard_change(check),
    }
}

/// Statuses that claim the board has approved the change.
fn claims_approval(status: Status) -> bool {
    matches!(
        status,
        Status::Approved
            | Status::Scheduled
            | Status::InProgress
            | Status::Deployed
            | Status::RolledBack
    )
}

fn normal_change(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    if !claims_approval(record.status) {
        return;
    }
    let approves: Vec<&Approval> = approvals_of(&record.approvals, Decision::Approve).collect();
    if approves.is_empty() {
        let field = if record.approvals.is_empty() {
            "status"
        } else {
            "approvals"
        };
        check.raise(
            Code::MissingApproval,
            field,
            format!("normal change with status `{}` has no approval", record.status),
            "record the review board's `approve` decisions under `approvals:` before the change goes ahead",
        );
        return;
    }
    let rule = check.portal.config.policy.approvals.normal.clone();
    compare_with_rule(check, &approves, &rule, "");
    approval_after_deploy(check);
}

fn standard_change(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let rule = check.portal.config.policy.approvals.standard.clone();
    if !claims_approval(record.status) || (rule.min == 0 && rule.roles.is_empty()) {
        return;
    }
    let approves: Vec<&Approval> = approvals_of(&record.approvals, Decision::Approve).collect();
    compare_with_rule(check, &approves, &rule, "");
}

/// Emergency changes may be approved after deploy, within `within_days`.
fn emergency_change(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let Some(deployed) = record.deployed else {
        return;
    };
    let rule = check.portal.config.policy.approvals.emergency.clone();
    let Some(window) = rule.within_days else {
        let approves: Vec<&Approval> = approvals_of(&record.approvals, Decision::Approve).collect();
        if claims_approval(record.status) {
            compare_with_rule(check, &approves, &rule, "");
        }
        return;
    };
    let deadline = plus_days(deployed, window);
    if check.now <= deadline {
        return;
    }
    let in_time: Vec<&Approval> = approvals_of(&record.approvals, Decision::Approve)
        .filter(|approval| approval.at <= deadline)
        .collect();
    if in_time.is_empty() && rule.min > 0 {
        let field = if record.approvals.is_empty() {
            "class"
        } else {
            "approvals"
        };
        check.raise(
            Code::MissingApproval,
            field,
            format!("emergency change deployed {} has no approval within {window} days (by {})", deployed, deadline),
            "an emergency change is applied at once but must be approved by the board within the policy window",
        );
        return;
    }
    let suffix = format!(" within {window} days of deploy");
    compare_with_rule(check, &in_time, &rule, &suffix);
}

/// Raises insufficient-approval when `approves` (the author's own excluded)
/// fall short of `rule.min` distinct people or miss a required role.
fn compare_with_rule(
    check: &mut RecordCheck<'_>,
    approves: &[&Approval],
    rule: &ApprovalRule,
    suffix: &str,
) {
    let author = &check.document.record.author;
    let mut people: Vec<&str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for approval in approves.iter().filter(|a| !same_person(&a.by, author)) {
        if seen.insert(person_key(&approval.by)) {
            people.push(&approval.by);
        }
    }
    let field = if check.document.record.approvals.is_empty() {
        "status"
    } else {
        "approvals"
    };
    if (people.len() as u64) < u64::from(rule.min) {
        check.raise(
            Code::InsufficientApproval,
            field,
            format!(
                "{} approval(s){suffix}; the policy requires at least {}",
                people.len(),
                rule.min
            ),
            "the author's own approval does not count; ask another board member",
        );
    }
    let missing: Vec<&str> = rule
        .roles
        .iter()
        .filter(|role| {
            !approves
                .iter()
                .any(|a| a.role.eq_ignore_ascii_case(role) && !same_person(&a.by, author))
        })
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        check.raise(
            Code::InsufficientApproval,
            field,
            format!("no approval from role(s) {}{suffix}", missing.join(", ")),
            "the policy needs at least one approval from each required role",
        );
    }
}

fn approval_after_deploy(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let Some(deployed) = record.deployed else {
        return;
    };
    let late: Vec<(usize, String, Timestamp)> = record
        .approvals
        .iter()
        .enumerate()
        .filter(|(_, a)| a.decision == Decision::Approve && a.at > deployed)
        .map(|(index, a)| (index, a.by.clone(), a.at))
        .collect();
    for (index, by, at) in late {
        check.raise(
            Code::ApprovalAfterDeploy,
            &format!("approvals[{index}].at"),
            format!("{by} approved at {at}, after the change was deployed at {deployed}"),
            "normal changes must be approved before deploy; if it could not wait, it was an emergency change",
        );
    }
}

fn self_approval(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let own: Vec<(usize, String)> = record
        .approvals
        .iter()
        .enumerate()
        .filter(|(_, a)| a.decision == Decision::Approve && same_person(&a.by, &record.author))
        .map(|(index, a)| (index, a.by.clone()))
        .collect();
    for (index, by) in own {
        check.raise(
            Code::SelfApproval,
            &format!("approvals[{index}].by"),
            format!("{by} approved their own change"),
            "segregation of duties: another board member must approve",
        );
    }
}

fn board_membership(check: &mut RecordCheck<'_>) {
    let config = &check.portal.config;
    if config.policy.board.is_empty() {
        return;
    }
    let mut problems = Vec::new();
    for (index, approval) in check.document.record.approvals.iter().enumerate() {
        let roles = config.board_roles_of(&approval.by);
        if roles.is_empty() {
            problems.push((
                format!("approvals[{index}].by"),
                format!("{} is not on the review board", approval.by),
            ));
        } else if !roles
            .iter()
            .any(|role| role.eq_ignore_ascii_case(&approval.role))
        {
            problems.push((
                format!("approvals[{index}].role"),
                format!(
                    "{} sits on the board as {}, not as {}",
                    approval.by,
                    roles.join(", "),
                    approval.role
                ),
            ));
        }
    }
    for (field, message) in problems {
        check.raise(
            Code::ApproverNotOnBoard,
            &field,
            message,
            "approvals come from `policy.board` in portal.yaml, under the member's board role",
        );
    }
}

fn rejected_but_deployed(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    if !record.is_live() {
        return;
    }
    let last_reject = record
        .approvals
        .iter()
        .enumerate()
        .filter(|(_, a)| a.decision == Decision::Reject)
        .max_by_key(|(_, a)| a.at);
    let Some((index, reject)) = last_reject else {
        return;
    };
    let approved_later =
        approvals_of(&record.approvals, Decision::Approve).any(|a| a.at > reject.at);
    if !approved_later {
        let message = format!(
            "{} rejected the change at {}, yet it was deployed",
            reject.by, reject.at
        );
        check.raise(
            Code::RejectedButDeployed,
            &format!("approvals[{index}].decision"),
            message,
            "a rejected change needs a later `approve` decision before it may be deployed",
        );
    }
}

fn approvals_of(approvals: &[Approval], decision: Decision) -> impl Iterator<Item = &Approval> {
    approvals.iter().filter(move |a| a.decision == decision)
}
