//! Review-board approvals against the rule of a record's class (SPEC 3
//! `policy.approvals` and `policy.board`; SPEC 4 `missing-approval`,
//! `insufficient-approval`, `approval-after-deploy`, `self-approval`,
//! `approver-not-on-board`, `rejected-but-deployed`, `deployer-approved`).
//!
//! Two views of the same approvals, both computed here:
//! - the **breaches** ([`ApprovalBreach`]), one per flag that `checks`
//!   raises. For normal and standard changes the rule counts every `approve`
//!   decision that [`ineligible`] lets through; an approval after deploy of
//!   a normal change is a breach of its own. For emergency changes with a
//!   window the rule is judged once the window has closed, on the eligible
//!   approvals inside it.
//! - the **standing** of each approval up to the [`ApprovalFacts::cutoff`]
//!   (`deployed`, or the end of an emergency window): counted or not, and
//!   why not ([`Standing`]), which the record page and the export show.
//!
//! One function, [`ineligible`], decides which approvals do not count
//! because of who gave them (SPEC 3): the author's, a deployer's, one by
//! someone not on the board (when a board is defined), under a role the
//! member does not hold, or outside the member's `from`/`to` dates.

use super::plus_days;
use crate::model::config::{ApprovalRule, Config};
use crate::model::person::{person_key, same_person};
use crate::model::record::{Approval, ChangeClass, Decision, Record, Status};
use crate::model::Timestamp;
use serde::Serialize;
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

/// Whether one entry of `approvals:` counts toward the rule by the cutoff,
/// and why not (SPEC 3). Serialized as `{counted, reason}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Whether the entry counts toward `min` and the required roles.
    pub counted: bool,
    /// Why it does not count; `None` exactly when it counts.
    pub reason: Option<Reason>,
}

impl Standing {
    /// An approval that counts.
    pub const COUNTED: Standing = Standing {
        counted: true,
        reason: None,
    };

    /// An entry that does not count, for `reason`.
    pub fn not_counted(reason: Reason) -> Self {
        Standing {
            counted: false,
            reason: Some(reason),
        }
    }
}

/// Why an entry of `approvals:` does not count (SPEC 3). Serialized in
/// snake case (`not_on_board`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A `reject` decision.
    Rejection,
    /// Given by the record's author (segregation of duties).
    ByAuthor,
    /// Given by a person who deployed the change (`deployed_by`, or a
    /// deployer the caller names, e.g. from the deploy log).
    ByDeployer,
    /// A board is defined and the approver is not on it.
    NotOnBoard,
    /// The approver sits on the board, but not under the role given.
    OtherRole,
    /// The approver held the role, but not at the approval's instant
    /// (outside the member's `from`/`to`).
    OutsideMembership,
    /// Given after [`ApprovalFacts::cutoff`].
    AfterCutoff,
}

impl Reason {
    /// The reason as a short sentence for pages and exports.
    pub fn text(self) -> &'static str {
        match self {
            Reason::Rejection => "a rejection",
            Reason::ByAuthor => "the author's own approval",
            Reason::ByDeployer => "given by the person who deployed the change",
            Reason::NotOnBoard => "the approver is not on the review board",
            Reason::OtherRole => "the approver does not sit on the board under this role",
            Reason::OutsideMembership => "given outside the approver's board membership dates",
            Reason::AfterCutoff => {
                "given after the approval deadline (deploy, or the emergency window)"
            }
        }
    }
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
    /// The approver at this index holds the role, but the approval falls
    /// outside their membership dates.
    OutsideMembership(usize),
    /// The `approve` at this index is by a person who deployed the change.
    DeployerApproved(usize),
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

/// Who a record's approvals are measured against: its author and the
/// people who deployed it.
#[derive(Debug, Clone, Copy)]
pub struct Parties<'a> {
    /// The record's `author`.
    pub author: &'a str,
    /// `deployed_by` and any deployer the caller adds (deploy log).
    pub deployers: &'a [String],
}

/// Assesses `record`'s approvals under `config`'s approval rules and board
/// at `now` (an emergency window still open at `now` is not judged yet);
/// `deployers` are everyone who deployed the change (`deployed_by` and,
/// when known, the deploy log's deployers). Implements SPEC 3
/// `policy.approvals`/`policy.board` and the approval flags of SPEC 4.
pub fn assess(
    record: &Record,
    config: &Config,
    now: Timestamp,
    deployers: &[String],
) -> ApprovalFacts {
    let parties = Parties {
        author: &record.author,
        deployers,
    };
    let rule = config.policy.approvals.for_class(record.class);
    let cutoff = cutoff(record, rule);
    let standings: Vec<Standing> = record
        .approvals
        .iter()
        .map(|approval| standing(approval, config, parties, cutoff))
        .collect();
    let counted = record
        .approvals
        .iter()
        .zip(&standings)
        .filter(|(_, s)| s.counted)
        .map(|(a, _)| a);
    let (approvers, roles) = tally(counted, rule);
    let unresolved_reject = unresolved_reject(&record.approvals);
    let mut breaches = Vec::new();
    people(record, config, parties, &mut breaches);
    if let Some(index) = unresolved_reject.filter(|_| record.is_live()) {
        breaches.push(ApprovalBreach::RejectedButDeployed(index));
    }
    let judge = Judge {
        record,
        rule,
        eligible: &|a: &Approval| ineligible(a, config, parties).is_none(),
    };
    match record.class {
        ChangeClass::Normal => judge.normal(&mut breaches),
        ChangeClass::Standard => judge.standard(&mut breaches),
        ChangeClass::Emergency => judge.emergency(now, &mut breaches),
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

/// Why `approval` does not count because of who gave it, or `None` when it
/// may count: the one rule of SPEC 3. In this order: a rejection, the
/// author's, a deployer's, not on the board (when one is defined), under a
/// role the person does not hold on the board, outside the membership
/// dates of every board entry with that role.
pub fn ineligible(approval: &Approval, config: &Config, parties: Parties<'_>) -> Option<Reason> {
    if approval.decision == Decision::Reject {
        Some(Reason::Rejection)
    } else if same_person(&approval.by, parties.author) {
        Some(Reason::ByAuthor)
    } else if parties
        .deployers
        .iter()
        .any(|d| same_person(d, &approval.by))
    {
        Some(Reason::ByDeployer)
    } else {
        board_standing(approval, config)
    }
}

/// The board's verdict on `approval` ([`Reason::NotOnBoard`],
/// [`Reason::OtherRole`], [`Reason::OutsideMembership`]); `None` when no
/// board is defined or a board entry of the person with the approval's
/// role covers its instant.
fn board_standing(approval: &Approval, config: &Config) -> Option<Reason> {
    if config.policy.board.is_empty() {
        return None;
    }
    let mut entries = config.board_entries_of(&approval.by).peekable();
    if entries.peek().is_none() {
        return Some(Reason::NotOnBoard);
    }
    let mut with_role = entries
        .filter(|member| member.role.eq_ignore_ascii_case(&approval.role))
        .peekable();
    if with_role.peek().is_none() {
        return Some(Reason::OtherRole);
    }
    if with_role.any(|member| member.serves_at(approval.at)) {
        None
    } else {
        Some(Reason::OutsideMembership)
    }
}

fn standing(
    approval: &Approval,
    config: &Config,
    parties: Parties<'_>,
    cutoff: Option<Timestamp>,
) -> Standing {
    if let Some(reason) = ineligible(approval, config, parties) {
        Standing::not_counted(reason)
    } else if cutoff.is_some_and(|cutoff| approval.at > cutoff) {
        Standing::not_counted(Reason::AfterCutoff)
    } else {
        Standing::COUNTED
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

/// The breaches about who gave each entry: the author's and deployers'
/// approvals, and (for every decision) the board's verdict.
fn people(
    record: &Record,
    config: &Config,
    parties: Parties<'_>,
    breaches: &mut Vec<ApprovalBreach>,
) {
    for (index, approval) in record.approvals.iter().enumerate() {
        if approval.decision == Decision::Approve {
            if same_person(&approval.by, parties.author) {
                breaches.push(ApprovalBreach::ByAuthor(index));
            }
            if parties
                .deployers
                .iter()
                .any(|d| same_person(d, &approval.by))
            {
                breaches.push(ApprovalBreach::DeployerApproved(index));
            }
        }
        match board_standing(approval, config) {
            Some(Reason::NotOnBoard) => breaches.push(ApprovalBreach::NotOnBoard(index)),
            Some(Reason::OtherRole) => {
                let roles = config.board_roles_of(&approval.by);
                let roles = roles.into_iter().map(str::to_string).collect();
                breaches.push(ApprovalBreach::OtherRole(index, roles));
            }
            Some(_) => breaches.push(ApprovalBreach::OutsideMembership(index)),
            None => {}
        }
    }
}

/// The class rules of one record, counting only the approvals `eligible`
/// lets through ([`ineligible`]).
struct Judge<'a> {
    record: &'a Record,
    rule: &'a ApprovalRule,
    eligible: &'a dyn Fn(&Approval) -> bool,
}

impl Judge<'_> {
    /// The `approve` decisions that may count.
    fn eligible_approves(&self) -> impl Iterator<Item = &Approval> + Clone {
        approves(&self.record.approvals).filter(|a| (self.eligible)(a))
    }

    /// A normal change whose status claims approval needs an `approve`, the
    /// rule's approvers and roles, and every approval before `deployed`.
    fn normal(&self, breaches: &mut Vec<ApprovalBreach>) {
        let record = self.record;
        if !claims_approval(record.status) {
            return;
        }
        if approves(&record.approvals).next().is_none() {
            breaches.push(ApprovalBreach::Missing { window: None });
            return;
        }
        self.compare_with_rule(self.eligible_approves(), None, breaches);
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
    fn standard(&self, breaches: &mut Vec<ApprovalBreach>) {
        let rule = self.rule;
        if claims_approval(self.record.status) && (rule.min > 0 || !rule.roles.is_empty()) {
            self.compare_with_rule(self.eligible_approves(), None, breaches);
        }
    }

    /// An emergency change may be approved after deploy, within
    /// `within_days`; it is judged once that window has closed at `now`.
    fn emergency(&self, now: Timestamp, breaches: &mut Vec<ApprovalBreach>) {
        let record = self.record;
        let Some(deployed) = record.deployed else {
            return;
        };
        let Some(days) = self.rule.within_days else {
            if claims_approval(record.status) {
                self.compare_with_rule(self.eligible_approves(), None, breaches);
            }
            return;
        };
        let deadline = plus_days(deployed, days);
        if now <= deadline {
            return;
        }
        let in_time = approves(&record.approvals).filter(move |a| a.at <= deadline);
        if in_time.clone().next().is_none() && self.rule.min > 0 {
            let window = Some(Window { days, deadline });
            breaches.push(ApprovalBreach::Missing { window });
            return;
        }
        let eligible = in_time.filter(|a| (self.eligible)(a));
        self.compare_with_rule(eligible, Some(days), breaches);
    }

    /// Pushes [`ApprovalBreach::TooFew`] and [`ApprovalBreach::RolesMissing`]
    /// for the eligible `approves` against the rule.
    fn compare_with_rule<'a>(
        &self,
        approves: impl Iterator<Item = &'a Approval> + Clone,
        window_days: Option<u32>,
        breaches: &mut Vec<ApprovalBreach>,
    ) {
        let rule = self.rule;
        let (given, roles) = tally(approves, rule);
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
}
