//! The dashboard's compliance figures, each a plain function over records
//! and the policy, shown as "n of m (p%)".
//!
//! - **Normal changes approved before deploy** ([`normal_approvals`]): of
//!   the normal changes that went live (status `deployed` or `rolled_back`),
//!   those whose approvals met the policy by the `deployed` instant (see
//!   [`assess_approvals`]).
//! - **Emergency changes with review and post-incident notes in time**
//!   ([`emergency_evidence`]): of the emergency changes that went live, those
//!   with a code review within `review_within_days` and a post-incident
//!   review within `post_incident_within_days` of `deployed`. A change still
//!   inside a window without the evidence is *pending* and left out of both
//!   numbers (counted separately); one whose evidence is late or overdue is
//!   missed.
//! - **Notice commitments kept per tier** ([`notice_commitments`]): for each
//!   advance-notice tier, of the changes the `notice-too-short` check covers
//!   for it (public, not emergency, not embargoed, not rejected or cancelled,
//!   with a `scheduled` or `deployed` date, concerning the tier and of a type
//!   the tier accepts), those announced to the tier (`notified`, else
//!   `created`) at least `notice_days` before `scheduled` (else `deployed`).

use crate::model::config::{ApprovalRule, Config, Policy};
use crate::model::person::{person_key, same_person};
use crate::model::record::{ChangeClass, Decision, Record, Status};
use crate::model::{Portal, Timestamp};
use serde::Serialize;

/// "met of total".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ratio {
    /// How many met the rule.
    pub met: usize,
    /// How many the rule applied to.
    pub total: usize,
}

impl Ratio {
    /// Adds one case.
    pub fn count(&mut self, met: bool) {
        self.total += 1;
        if met {
            self.met += 1;
        }
    }

    /// Whole percent, rounded to nearest, but never 100 unless every case
    /// met the rule and never 0 unless none did; `None` when there are no
    /// cases.
    pub fn percent(&self) -> Option<usize> {
        if self.total == 0 {
            return None;
        }
        let rounded = (self.met * 100 + self.total / 2) / self.total;
        Some(match self.met {
            0 => 0,
            met if met == self.total => 100,
            _ => rounded.clamp(1, 99),
        })
    }

    /// `7 of 9 (78%)`, or `0 of 0 (n/a)`.
    pub fn describe(&self) -> String {
        let percent = self
            .percent()
            .map_or_else(|| "n/a".to_string(), |p| format!("{p}%"));
        format!("{} of {} ({percent})", self.met, self.total)
    }
}

/// A [`Ratio`] with the ids of the records that missed the rule, in the
/// order they were counted, so that an auditor can go straight to them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The figure.
    pub ratio: Ratio,
    /// Ids of the records that did not meet the rule.
    pub missed: Vec<String>,
}

impl Tally {
    /// Adds record `id`.
    pub fn count(&mut self, id: &str, met: bool) {
        self.ratio.count(met);
        if !met {
            self.missed.push(id.to_string());
        }
    }
}

/// Whether a deadline-bound piece of evidence was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Delivered by the deadline.
    Met,
    /// Delivered late, or missing after the deadline.
    Missed,
    /// Missing, but the deadline has not passed.
    Pending,
}

/// The outcome of evidence dated `done` (if any) against `deadline` at `now`.
pub fn deadline_outcome(done: Option<Timestamp>, deadline: Timestamp, now: Timestamp) -> Outcome {
    match done {
        Some(at) if at <= deadline => Outcome::Met,
        Some(_) => Outcome::Missed,
        None if now > deadline => Outcome::Missed,
        None => Outcome::Pending,
    }
}

/// `at + days`.
pub fn plus_days(at: Timestamp, days: u32) -> Timestamp {
    let instant = at
        .instant()
        .checked_add_signed(chrono::Duration::days(i64::from(days)))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
    Timestamp::from_instant(instant)
}

/// How a record's approvals measure up to its class's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalAssessment {
    /// Approvals count only up to this instant: `deployed` for normal and
    /// standard changes, `deployed + within_days` for emergency changes;
    /// `None` (no limit) while the change has not been deployed, or for an
    /// emergency rule without a window.
    pub cutoff: Option<Timestamp>,
    /// Distinct approvers other than the author, approving by the cutoff.
    pub approvers: usize,
    /// Policy minimum.
    pub required: u32,
    /// Required roles and whether each approved by the cutoff.
    pub roles: Vec<(String, bool)>,
    /// A reject decision not followed by an approval (by the cutoff).
    pub unresolved_reject: bool,
}

impl ApprovalAssessment {
    /// Whether the rule is met: enough approvers (at least one), every
    /// required role, and no unresolved rejection.
    pub fn is_met(&self) -> bool {
        self.approvers >= (self.required as usize).max(1)
            && self.roles.iter().all(|(_, ok)| *ok)
            && !self.unresolved_reject
    }
}

/// Assesses `record`'s approvals against `rule` (the rule of its class).
/// Approvals by the author never count; for an emergency change the window
/// is `rule.within_days` after deploy.
pub fn assess_approvals(record: &Record, rule: &ApprovalRule) -> ApprovalAssessment {
    let cutoff = record.deployed.and_then(|deployed| match record.class {
        ChangeClass::Emergency => rule.within_days.map(|days| plus_days(deployed, days)),
        _ => Some(deployed),
    });
    let in_time = |at: &Timestamp| cutoff.is_none_or(|cutoff| *at <= cutoff);
    let approves: Vec<_> = record
        .approvals
        .iter()
        .filter(|a| a.decision == Decision::Approve && in_time(&a.at))
        .filter(|a| !same_person(&a.by, &record.author))
        .collect();
    let mut people: Vec<&str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for approval in &approves {
        if seen.insert(person_key(&approval.by)) {
            people.push(&approval.by);
        }
    }
    let roles = rule
        .roles
        .iter()
        .map(|role| {
            let ok = approves.iter().any(|a| a.role.eq_ignore_ascii_case(role));
            (role.clone(), ok)
        })
        .collect();
    let last_reject = record
        .approvals
        .iter()
        .filter(|a| a.decision == Decision::Reject && in_time(&a.at))
        .map(|a| a.at)
        .max();
    let unresolved_reject = last_reject.is_some_and(|rejected| {
        !record
            .approvals
            .iter()
            .any(|a| a.decision == Decision::Approve && a.at > rejected && in_time(&a.at))
    });
    ApprovalAssessment {
        cutoff,
        approvers: people.len(),
        required: rule.min,
        roles,
        unresolved_reject,
    }
}

/// Normal changes that went live, and how many met the approval rule by
/// their `deployed` instant. A live change without `deployed` has no
/// evidence of approval before deploy and counts as missed.
pub fn normal_approvals<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    policy: &Policy,
) -> Tally {
    let rule = &policy.approvals.normal;
    let mut tally = Tally::default();
    for record in records {
        if record.class == ChangeClass::Normal && record.is_live() {
            let met = record.deployed.is_some() && assess_approvals(record, rule).is_met();
            tally.count(&record.id, met);
        }
    }
    tally
}

/// The review and post-incident outcomes of one live emergency change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EmergencyEvidence {
    /// Code review due `review_within_days` after deploy.
    pub review: Outcome,
    /// Review deadline.
    #[serde(skip)]
    pub review_due: Timestamp,
    /// Post-incident review due `post_incident_within_days` after deploy.
    pub post_incident: Outcome,
    /// Post-incident deadline.
    #[serde(skip)]
    pub post_incident_due: Timestamp,
}

impl EmergencyEvidence {
    /// Both met, either missed, or otherwise pending.
    pub fn combined(&self) -> Outcome {
        match (self.review, self.post_incident) {
            (Outcome::Met, Outcome::Met) => Outcome::Met,
            (Outcome::Missed, _) | (_, Outcome::Missed) => Outcome::Missed,
            _ => Outcome::Pending,
        }
    }
}

/// The evidence outcomes of `record` at `now`, when it is an emergency
/// change that went live on a known date.
pub fn evidence_of(record: &Record, policy: &Policy, now: Timestamp) -> Option<EmergencyEvidence> {
    let deployed = record.deployed?;
    if record.class != ChangeClass::Emergency || !record.is_live() {
        return None;
    }
    let review_due = plus_days(deployed, policy.emergency.review_within_days);
    let post_incident_due = plus_days(deployed, policy.emergency.post_incident_within_days);
    Some(EmergencyEvidence {
        review: deadline_outcome(record.review.as_ref().map(|r| r.at), review_due, now),
        review_due,
        post_incident: deadline_outcome(
            record.post_incident.as_ref().map(|p| p.at),
            post_incident_due,
            now,
        ),
        post_incident_due,
    })
}

/// Emergency evidence figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EmergencyFigures {
    /// Review and post-incident both in time, of those decided.
    pub both: Tally,
    /// Code review in time, of those decided.
    pub review: Tally,
    /// Post-incident review in time, of those decided.
    pub post_incident: Tally,
    /// Changes whose combined outcome is still pending.
    pub pending: usize,
}

/// Counts [`evidence_of`] over `records`; pending outcomes are left out of
/// each ratio.
pub fn emergency_evidence<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    policy: &Policy,
    now: Timestamp,
) -> EmergencyFigures {
    let mut figures = EmergencyFigures::default();
    let count = |tally: &mut Tally, id: &str, outcome: Outcome| {
        if outcome != Outcome::Pending {
            tally.count(id, outcome == Outcome::Met);
        }
    };
    for (id, evidence) in records
        .into_iter()
        .filter_map(|r| Some((&r.id, evidence_of(r, policy, now)?)))
    {
        count(&mut figures.review, id, evidence.review);
        count(&mut figures.post_incident, id, evidence.post_incident);
        count(&mut figures.both, id, evidence.combined());
        if evidence.combined() == Outcome::Pending {
            figures.pending += 1;
        }
    }
    figures
}

/// Notice kept for one advance-notice tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierNotice {
    /// Tier key.
    pub key: String,
    /// Tier title.
    pub title: String,
    /// Promised days of notice.
    pub notice_days: u32,
    /// Changes announced in time, of those that reach the tier.
    pub tally: Tally,
}

/// Whether `record` kept its notice promise to tier `key`; `None` when the
/// tier gets no advance notice or the record is outside the notice rule.
pub fn notice_kept(record: &Record, key: &str, config: &Config) -> Option<bool> {
    let tier = config.tiers.get(key)?;
    let target = record.scheduled.or(record.deployed)?;
    let in_scope = tier.is_advance_notice()
        && record.is_public()
        && record.class != ChangeClass::Emergency
        && record.embargo_until.is_none()
        && !matches!(record.status, Status::Rejected | Status::Cancelled)
        && record.concerns_tier(key)
        && tier.accepts(record.change_type);
    let required = chrono::Duration::days(i64::from(tier.notice_days));
    in_scope.then(|| target.instant() - record.announced_to(key).instant() >= required)
}

/// One [`TierNotice`] per advance-notice tier, in the order of `portal.yaml`.
pub fn notice_commitments<'a>(
    records: impl IntoIterator<Item = &'a Record> + Clone,
    config: &Config,
) -> Vec<TierNotice> {
    config
        .tiers
        .iter()
        .filter(|(_, tier)| tier.is_advance_notice())
        .map(|(key, tier)| {
            let mut tally = Tally::default();
            for record in records.clone() {
                if let Some(kept) = notice_kept(record, key, config) {
                    tally.count(&record.id, kept);
                }
            }
            TierNotice {
                key: key.clone(),
                title: tier.title.clone(),
                notice_days: tier.notice_days,
                tally,
            }
        })
        .collect()
}

/// Every figure of the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compliance {
    /// Normal changes approved before deploy.
    pub normal_approvals: Tally,
    /// Emergency evidence in time.
    pub emergency: EmergencyFigures,
    /// Notice kept, per advance-notice tier.
    pub notice: Vec<TierNotice>,
}

/// Computes every figure for `portal` at `now`.
pub fn compute(portal: &Portal, now: Timestamp) -> Compliance {
    let records = portal.documents.iter().map(|d| &d.record);
    let policy = &portal.config.policy;
    Compliance {
        normal_approvals: normal_approvals(records.clone(), policy),
        emergency: emergency_evidence(records.clone(), policy, now),
        notice: notice_commitments(records, &portal.config),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_describes_itself_without_misleading_rounding() {
        assert_eq!(Ratio { met: 7, total: 9 }.describe(), "7 of 9 (78%)");
        assert_eq!(Ratio { met: 0, total: 0 }.describe(), "0 of 0 (n/a)");
        assert_eq!(
            Ratio {
                met: 199,
                total: 200
            }
            .describe(),
            "199 of 200 (99%)"
        );
        assert_eq!(Ratio { met: 1, total: 300 }.describe(), "1 of 300 (1%)");
        assert_eq!(Ratio { met: 3, total: 3 }.describe(), "3 of 3 (100%)");
    }

    #[test]
    fn deadline_outcomes() {
        let at = |t: &str| Timestamp::parse(t).unwrap();
        let deadline = at("2026-01-10");
        assert_eq!(
            deadline_outcome(Some(deadline), deadline, at("2026-02-01")),
            Outcome::Met
        );
        assert_eq!(
            deadline_outcome(Some(at("2026-01-11")), deadline, at("2026-02-01")),
            Outcome::Missed
        );
        assert_eq!(
            deadline_outcome(None, deadline, at("2026-01-09")),
            Outcome::Pending
        );
        assert_eq!(deadline_outcome(None, deadline, deadline), Outcome::Pending);
        assert_eq!(
            deadline_outcome(None, deadline, at("2026-01-10T00:00:01Z")),
            Outcome::Missed
        );
    }

    /// A deployed record by Sam Writer with `extra` front matter.
    fn record(extra: &str) -> Record {
        let yaml = format!(
            "id: R1\ntitle: T\ntype: feature\nstatus: deployed\nauthor: Sam Writer\ncreated: 2026-01-01\ndeployed: 2026-03-01T10:00:00Z\n{extra}"
        );
        serde_yaml::from_str(&yaml).unwrap()
    }

    fn rule(min: u32, roles: &[&str], within_days: Option<u32>) -> ApprovalRule {
        ApprovalRule {
            min,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            within_days,
        }
    }

    #[test]
    fn approvals_count_up_to_the_deploy_instant_and_never_the_authors() {
        let normal = rule(2, &["engineering", "operations"], None);
        let on_time = record(
            "approvals:
  - { by: Alice, role: engineering, decision: approve, at: 2026-03-01T10:00:00Z }
  - { by: Omar, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }",
        );
        assert!(
            assess_approvals(&on_time, &normal).is_met(),
            "an approval at the deploy instant counts"
        );
        let late = record(
            "approvals:
  - { by: Alice, role: engineering, decision: approve, at: 2026-03-01T10:00:01Z }
  - { by: Omar, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }",
        );
        let assessment = assess_approvals(&late, &normal);
        assert_eq!(assessment.approvers, 1);
        assert_eq!(
            assessment.roles,
            [
                ("engineering".to_string(), false),
                ("operations".to_string(), true)
            ]
        );
        let own = record(
            "approvals:
  - { by: sam  writer, role: engineering, decision: approve, at: 2026-02-01T10:00:00Z }
  - { by: Omar, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }",
        );
        assert_eq!(
            assess_approvals(&own, &normal).approvers,
            1,
            "the author's approval does not count"
        );
    }

    #[test]
    fn a_rejection_needs_a_later_approval() {
        let one = rule(1, &[], None);
        let rejected = record(
            "approvals:
  - { by: Omar, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }
  - { by: Alice, role: engineering, decision: reject, at: 2026-02-02T10:00:00Z }",
        );
        assert!(!assess_approvals(&rejected, &one).is_met());
        let reapproved = record(
            "approvals:
  - { by: Alice, role: engineering, decision: reject, at: 2026-02-01T10:00:00Z }
  - { by: Alice, role: engineering, decision: approve, at: 2026-02-02T10:00:00Z }",
        );
        assert!(assess_approvals(&reapproved, &one).is_met());
    }

    #[test]
    fn emergency_approvals_may_follow_deploy_within_the_window() {
        let window = rule(1, &[], Some(2));
        let in_window = record(
            "class: emergency
approvals:
  - { by: Alice, role: engineering, decision: approve, at: 2026-03-03T10:00:00Z }",
        );
        assert!(assess_approvals(&in_window, &window).is_met());
        let too_late = record(
            "class: emergency
approvals:
  - { by: Alice, role: engineering, decision: approve, at: 2026-03-03T10:00:01Z }",
        );
        assert!(!assess_approvals(&too_late, &window).is_met());
    }

    #[test]
    fn notice_of_exactly_the_promised_days_is_kept() {
        let config: Config = serde_yaml::from_str(
            "title: T\nbase_url: https://x.example\ntiers:\n  pro: { title: Pro, notice_days: 7 }\n  now: { title: Now, notice_days: 0 }",
        )
        .unwrap();
        let base = "visibility: public\nsummary: S\n";
        let exact = record(&format!("{base}notified: {{ pro: 2026-02-22T10:00:00Z }}"));
        assert_eq!(notice_kept(&exact, "pro", &config), Some(true));
        let short = record(&format!("{base}notified: {{ pro: 2026-02-22T10:00:01Z }}"));
        assert_eq!(notice_kept(&short, "pro", &config), Some(false));
        assert_eq!(
            notice_kept(&short, "now", &config),
            None,
            "real-time tiers have no notice rule"
        );
        let internal = record("notified: { pro: 2026-02-28 }");
        assert_eq!(
            notice_kept(&internal, "pro", &config),
            None,
            "internal changes are not announced"
        );
    }
}
