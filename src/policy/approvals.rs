//! Review-board approvals against the rule of a record's class (SPEC 3
//! `policy.approvals` and `policy.board`; SPEC 4 `missing-approval`,
//! `insufficient-approval`, `approval-after-deploy`, `self-approval`,
//! `approver-not-on-board`, `rejected-but-deployed`).
//!
//! Two views of the same approvals, both computed here:
//! - the **breaches** ([`ApprovalBreach`]), one per flag that `checks`
//!   raises. For normal and standard changes the rule counts every `approve`
//!   decision not by the author; an approval after deploy of a normal change
//!   is a breach of its own. For emergency changes with a window the rule is
//!   judged once the window has closed, on the approvals inside it.
//! - the **standing** of each approval up to the [`ApprovalFacts::cutoff`]
//!   (`deployed`, or the end of an emergency window), which the record page
//!   shows as "n approval(s) before deploy".
//!
//! A board roster only informs: an approver off the board, or under another
//! role, is a (warn-level by default) breach but the approval still counts.

use super::plus_days;
use crate::model::config::{ApprovalRule, Config};
use crate::model::person::{person_key, same_person};
use crate::model::record::{Approval, ChangeClass, Decision, Record, Status};
use crate::model::Timestamp;
use std::collections::HashSet;

/// How a record's approvals measure up to its class's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalFacts {
    /// Approvals count toward [`Self::approvers`] and [`Self::roles`] only up
    /// to this instant: `deployed` for normal and standard changes,
    /// `deployed + within_days` for emergency changes; `None` (no limit)
    /// while the change has not been deployed, or for an emergency rule
    /// without a window.
    pub cutoff: Option<Timestamp>,
    /// One standing per entry of `approvals:`, in the record's order.
    pub standings: Vec<Standing>,
    /// Distinct people among the [`Standing::Counted`] approvals.
    pub approvers: usize,
    /// The rule's `min`.
    pub required: u32,
    /// Each required role, and whether a counted approval has it.
    pub roles: Vec<(String, bool)>,
    /// Index of the latest `reject` decision when no `approve` follows it.
    pub unresolved_reject: Option<usize>,
    /// What the approvals break, in the order the flags are raised.
    pub breaches: Vec<ApprovalBreach>,
}

/// Whether one entry of `approvals:` counts toward the rule by the cutoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// An `approve` by someone other than the author, by the cutoff.
    Counted,
    /// A `reject` decision.
    Rejection,
    /// An `approve` that does not count, and why.
    NotCounted(Reason),
}

/// Why an `approve` decision does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Given by the record's author (segregation of duties).
    ByAuthor,
    /// Given after [`ApprovalFacts::cutoff`].
    AfterCutoff,
}

/// The approval window of an emergency change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// `within_days` of the emergency rule.
    pub days: u32,
    /// `deployed + days`.
    pub deadline: Timestamp,
}

/// One breach of the approval rules; each becomes one flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalBreach {
    /// No `approve` decision: a normal change whose status claims approval
    /// (`window` is `None`), or an emergency change none of whose approvals
    /// fell inside its closed window.
    Missing {
        /// The emergency window, for emergency changes.
        window: Option<Window>,
    },
    /// Fewer distinct approvers (the author excluded) than the rule's `min`.
    TooFew {
        /// Distinct approvers counted.
        given: usize,
        /// The rule's `min`.
        required: u32,
        /// `within_days` when only the emergency window counted.
        window_days: Option<u32>,
    },
    /// Required roles without an approval by someone other than the author.
    RolesMissing {
        /// The roles, in the rule's order.
        roles: Vec<String>,
        /// `within_days` when only the emergency window counted.
        window_days: Option<u32>,
    },
    /// The `approve` at this index of a normal change came after `deployed`.
    AfterDeploy(usize),
    /// The `approve` at this index is by the record's author.
    ByAuthor(usize),
    /// A board is defined and the approver at this index is not on it.
    NotOnBoard(usize),
    /// The approver at this index sits on the board under these other roles.
    OtherRole(usize, Vec<String>),
    /// The live change's latest `reject`, at this index, has no later
    /// `approve`.
    RejectedButDeployed(usize),
}

impl ApprovalFacts {
    /// Whether no breach is judged at level `deny`; `is_deny` says which
    /// breaches are (the flag levels after `lints:`). This is the
    /// dashboard's "approved in policy" (SPEC 5): a record with a deny-level
    /// flag about approvals is not counted as approved.
    pub fn in_policy(&self, is_deny: impl Fn(&ApprovalBreach) -> bool) -> bool {
        !self.breaches.iter().any(is_deny)
    }
}

/// Assesses `record`'s approvals under `config`'s approval rules and board
/// at `now` (an emergency window still open at `now` is not judged yet).
/// Implements SPEC 3 `policy.approvals`/`policy.board` and the approval
/// flags of SPEC 4.
pub fn assess(record: &Record, config: &Config, now: Timestamp) -> ApprovalFacts {
    let rule = config.policy.approvals.for_class(record.class);
    let cutoff = cutoff(record, rule);
    let standings: Vec<Standing> = record
        .approvals
        .iter()
        .map(|approval| standing(approval, &record.author, cutoff))
        .collect();
    let counted = record
        .approvals
        .iter()
        .zip(&standings)
        .filter(|(_, s)| **s == Standing::Counted)
        .map(|(a, _)| a);
    let (approvers, roles) = tally(counted, rule);
    let unresolved_reject = unresolved_reject(&record.approvals);
    let mut breaches = Vec::new();
    by_author(record, &mut breaches);
    board(record, config, &mut breaches);
    if let Some(index) = unresolved_reject.filter(|_| record.is_live()) {
        breaches.push(ApprovalBreach::RejectedButDeployed(index));
    }
    match record.class {
        ChangeClass::Normal => normal(record, rule, &mut breaches),
        ChangeClass::Standard => standard(record, rule, &mut breaches),
        ChangeClass::Emergency => emergency(record, rule, now, &mut breaches),
    }
    ApprovalFacts {
        cutoff,
        standings,
        approvers,
        required: rule.min,
        roles,
        unresolved_reject,
        breaches,
    }
}

/// `deployed` (normal, standard), `deployed + within_days` (emergency with
/// a window), else no limit.
fn cutoff(record: &Record, rule: &ApprovalRule) -> Option<Timestamp> {
    record.deployed.and_then(|deployed| match record.class {
        ChangeClass::Emergency => rule.within_days.map(|days| plus_days(deployed, days)),
        _ => Some(deployed),
    })
}

fn standing(approval: &Approval, author: &str, cutoff: Option<Timestamp>) -> Standing {
    if approval.decision == Decision::Reject {
        Standing::Rejection
    } else if same_person(&approval.by, author) {
        Standing::NotCounted(Reason::ByAuthor)
    } else if cutoff.is_some_and(|cutoff| approval.at > cutoff) {
        Standing::NotCounted(Reason::AfterCutoff)
    } else {
        Standing::Counted
    }
}

/// Distinct people among `approves` (which must exclude the author) and,
/// for each of the rule's roles, whether one of them has it.
fn tally<'a>(
    approves: impl Iterator<Item = &'a Approval> + Clone,
    rule: &ApprovalRule,
) -> (usize, Vec<(String, bool)>) {
    let mut seen = HashSet::new();
    let people = approves
        .clone()
        .filter(|a| seen.insert(person_key(&a.by)))
        .count();
    let roles = rule
        .roles
        .iter()
        .map(|role| {
            let met = approves.clone().any(|a| a.role.eq_ignore_ascii_case(role));
            (role.clone(), met)
        })
        .collect();
    (people, roles)
}

/// The latest `reject` (the last listed among equal instants) when no
/// `approve` comes after it.
fn unresolved_reject(approvals: &[Approval]) -> Option<usize> {
    let (index, reject) = approvals
        .iter()
        .enumerate()
        .filter(|(_, a)| a.decision == Decision::Reject)
        .max_by_key(|(_, a)| a.at)?;
    let approved_later = approves(approvals).any(|a| a.at > reject.at);
    (!approved_later).then_some(index)
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

fn approves(approvals: &[Approval]) -> impl Iterator<Item = &Approval> + Clone {
    approvals.iter().filter(|a| a.decision == Decision::Approve)
}

fn by_author(record: &Record, breaches: &mut Vec<ApprovalBreach>) {
    let own = record
        .approvals
        .iter()
        .enumerate()
        .filter(|(_, a)| a.decision == Decision::Approve && same_person(&a.by, &record.author));
    breaches.extend(own.map(|(index, _)| ApprovalBreach::ByAuthor(index)));
}

fn board(record: &Record, config: &Config, breaches: &mut Vec<ApprovalBreach>) {
    if config.policy.board.is_empty() {
        return;
    }
    for (index, approval) in record.approvals.iter().enumerate() {
        let roles = config.board_roles_of(&approval.by);
        if roles.is_empty() {
            breaches.push(ApprovalBreach::NotOnBoard(index));
        } else if !roles.iter().any(|r| r.eq_ignore_ascii_case(&approval.role)) {
            let roles = roles.into_iter().map(str::to_string).collect();
            breaches.push(ApprovalBreach::OtherRole(index, roles));
        }
    }
}

/// A normal change whose status claims approval needs an `approve`, the
/// rule's approvers and roles, and every approval before `deployed`.
fn normal(record: &Record, rule: &ApprovalRule, breaches: &mut Vec<ApprovalBreach>) {
    if !claims_approval(record.status) {
        return;
    }
    if approves(&record.approvals).next().is_none() {
        breaches.push(ApprovalBreach::Missing { window: None });
        return;
    }
    compare_with_rule(record, approves(&record.approvals), rule, None, breaches);
    if let Some(deployed) = record.deployed {
        let late = record
            .approvals
            .iter()
            .enumerate()
            .filter(|(_, a)| a.decision == Decision::Approve && a.at > deployed);
        breaches.extend(late.map(|(index, _)| ApprovalBreach::AfterDeploy(index)));
    }
}

/// A standard change is judged only when its rule asks for approval.
fn standard(record: &Record, rule: &ApprovalRule, breaches: &mut Vec<ApprovalBreach>) {
    if claims_approval(record.status) && (rule.min > 0 || !rule.roles.is_empty()) {
        compare_with_rule(record, approves(&record.approvals), rule, None, breaches);
    }
}

/// An emergency change may be approved after deploy, within `within_days`;
/// it is judged once that window has closed at `now`.
fn emergency(
    record: &Record,
    rule: &ApprovalRule,
    now: Timestamp,
    breaches: &mut Vec<ApprovalBreach>,
) {
    let Some(deployed) = record.deployed else {
        return;
    };
    let Some(days) = rule.within_days else {
        if claims_approval(record.status) {
            compare_with_rule(record, approves(&record.approvals), rule, None, breaches);
        }
        return;
    };
    let deadline = plus_days(deployed, days);
    if now <= deadline {
        return;
    }
    let in_time = approves(&record.approvals).filter(move |a| a.at <= deadline);
    if in_time.clone().next().is_none() && rule.min > 0 {
        let window = Some(Window { days, deadline });
        breaches.push(ApprovalBreach::Missing { window });
        return;
    }
    compare_with_rule(record, in_time, rule, Some(days), breaches);
}

/// Pushes [`ApprovalBreach::TooFew`] and [`ApprovalBreach::RolesMissing`]
/// for `approves` (the author's own left out) against `rule`.
fn compare_with_rule<'a>(
    record: &Record,
    approves: impl Iterator<Item = &'a Approval> + Clone,
    rule: &ApprovalRule,
    window_days: Option<u32>,
    breaches: &mut Vec<ApprovalBreach>,
) {
    let others = approves.filter(|a| !same_person(&a.by, &record.author));
    let (given, roles) = tally(others, rule);
    if (given as u64) < u64::from(rule.min) {
        breaches.push(ApprovalBreach::TooFew {
            given,
            required: rule.min,
            window_days,
        });
    }
    let missing: Vec<String> = roles
        .into_iter()
        .filter(|(_, met)| !met)
        .map(|(role, _)| role)
        .collect();
    if !missing.is_empty() {
        breaches.push(ApprovalBreach::RolesMissing {
            roles: missing,
            window_days,
        });
    }
}
