//! Review board approvals: missing-approval, insufficient-approval,
//! approval-after-deploy, self-approval, approver-not-on-board,
//! rejected-but-deployed, deployer-approved. The rules are [`crate::policy::approvals`]; this
//! module words one flag per [`ApprovalBreach`].

use super::{Code, Level, RecordCheck};
use crate::model::record::Record;
use crate::model::Config;
use crate::policy::{ApprovalBreach, ApprovalFacts, Window};

/// The flag code of `breach`.
pub fn code_of(breach: &ApprovalBreach) -> Code {
    match breach {
        ApprovalBreach::Missing { .. } => Code::MissingApproval,
        ApprovalBreach::TooFew { .. } | ApprovalBreach::RolesMissing { .. } => {
            Code::InsufficientApproval
        }
        ApprovalBreach::AfterDeploy(_) => Code::ApprovalAfterDeploy,
        ApprovalBreach::ByAuthor(_) => Code::SelfApproval,
        ApprovalBreach::NotOnBoard(_)
        | ApprovalBreach::OtherRole(..)
        | ApprovalBreach::OutsideMembership(_) => Code::ApproverNotOnBoard,
        ApprovalBreach::RejectedButDeployed(_) => Code::RejectedButDeployed,
        ApprovalBreach::DeployerApproved(_) => Code::DeployerApproved,
    }
}

/// Whether `code` is one of the flags about approvals.
pub fn is_about_approvals(code: Code) -> bool {
    matches!(
        code,
        Code::MissingApproval
            | Code::InsufficientApproval
            | Code::ApprovalAfterDeploy
            | Code::SelfApproval
            | Code::ApproverNotOnBoard
            | Code::RejectedButDeployed
            | Code::DeployerApproved
    )
}

/// Whether a record with approval facts `facts` is approved in policy under
/// `config` (SPEC 5): none of its approval flags is `deny` after `lints:`.
/// The flags are raised from the same breaches at the same levels, so this
/// holds exactly when the record has no deny-level flag about approvals.
pub fn in_policy(facts: &ApprovalFacts, config: &Config) -> bool {
    facts.in_policy(|breach| config.level_of(code_of(breach)) == Level::Deny)
}

pub(super) fn check(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let flags: Vec<_> = check
        .facts
        .approvals
        .breaches
        .iter()
        .map(|breach| (code_of(breach), flag_text(record, breach)))
        .collect();
    for (code, (field, message, hint)) in flags {
        check.raise(code, &field, message, hint);
    }
}

/// The field, message and hint of the flag for `breach`.
fn flag_text(record: &Record, breach: &ApprovalBreach) -> (String, String, &'static str) {
    let approval = |index: usize| &record.approvals[index];
    match breach {
        ApprovalBreach::Missing { window: None } => (
            whole_field(record, "status"),
            format!("normal change with status `{}` has no approval", record.status),
            "record the review board's `approve` decisions under `approvals:` before the change goes ahead",
        ),
        ApprovalBreach::Missing { window: Some(window) } => missing_in_window(record, window),
        ApprovalBreach::TooFew { given, required, window_days } => (
            whole_field(record, "status"),
            format!("{given} approval(s){}; the policy requires at least {required}", suffix(*window_days)),
            "approvals by the author, the deployer, or anyone not on the board under that role at that time do not count; ask another board member",
        ),
        ApprovalBreach::RolesMissing { roles, window_days } => (
            whole_field(record, "status"),
            format!("no approval from role(s) {}{}", roles.join(", "), suffix(*window_days)),
            "the policy needs at least one approval from each required role",
        ),
        ApprovalBreach::AfterDeploy(index) => {
            let a = approval(*index);
            let deployed = record.deployed.map(|d| d.to_string()).unwrap_or_default();
            (
                format!("approvals[{index}].at"),
                format!("{} approved at {}, after the change was deployed at {deployed}", a.by, a.at),
                "normal changes must be approved before deploy; if it could not wait, it was an emergency change",
            )
        }
        ApprovalBreach::ByAuthor(index) => (
            format!("approvals[{index}].by"),
            format!("{} approved their own change", approval(*index).by),
            "segregation of duties: another board member must approve",
        ),
        ApprovalBreach::NotOnBoard(index) => (
            format!("approvals[{index}].by"),
            format!("{} is not on the review board", approval(*index).by),
            BOARD_HINT,
        ),
        ApprovalBreach::OtherRole(index, roles) => {
            let a = approval(*index);
            (
                format!("approvals[{index}].role"),
                format!("{} sits on the board as {}, not as {}", a.by, roles.join(", "), a.role),
                BOARD_HINT,
            )
        }
        ApprovalBreach::OutsideMembership(index) => {
            let a = approval(*index);
            (
                format!("approvals[{index}].at"),
                format!("{} was not a board member as {} at {}; the approval does not count", a.by, a.role, a.at),
                "board membership has `from`/`to` dates in `policy.board`; ask a current member to approve",
            )
        }
        ApprovalBreach::DeployerApproved(index) => {
            let a = approval(*index);
            (
                format!("approvals[{index}].by"),
                format!("{} approved the change and also deployed it; the approval does not count", a.by),
                "segregation of duties: the person who deploys a change must not be one of its approvers",
            )
        }
        ApprovalBreach::RejectedButDeployed(index) => {
            let a = approval(*index);
            (
                format!("approvals[{index}].decision"),
                format!("{} rejected the change at {}, yet it was deployed", a.by, a.at),
                "a rejected change needs a later `approve` decision before it may be deployed",
            )
        }
    }
}

const BOARD_HINT: &str =
    "approvals come from `policy.board` in portal.yaml, under the member's board role";

fn missing_in_window(record: &Record, window: &Window) -> (String, String, &'static str) {
    let deployed = record.deployed.map(|d| d.to_string()).unwrap_or_default();
    (
        whole_field(record, "class"),
        format!(
            "emergency change deployed {deployed} has no approval within {} days (by {})",
            window.days, window.deadline
        ),
        "an emergency change is applied at once but must be approved by the board within the policy window",
    )
}

/// `approvals` when the record lists any, else `fallback`.
fn whole_field(record: &Record, fallback: &str) -> String {
    if record.approvals.is_empty() {
        fallback.to_string()
    } else {
        "approvals".to_string()
    }
}

fn suffix(window_days: Option<u32>) -> String {
    window_days.map_or_else(String::new, |days| format!(" within {days} days of deploy"))
}
