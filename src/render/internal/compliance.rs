//! The dashboard's compliance figures, shown as "n of m (p%)". Each counts
//! the [`RecordFacts`] of [`crate::policy`], the same facts the flags are
//! raised from, so that a figure and the flags cannot disagree.
//!
//! - **Normal changes approved in policy** ([`normal_approvals`]): of the
//!   normal changes that went live (status `deployed` or `rolled_back`),
//!   those without a deny-level flag about approvals (SPEC 5; see
//!   [`crate::checks::approvals_in_policy`]): enough approvers and roles,
//!   no self-approval, no approval after deploy, no unresolved rejection,
//!   and `approver-not-on-board` when `lints:` makes it `deny`.
//! - **Emergency changes with review and post-incident notes in time**
//!   ([`emergency_evidence`]): of the emergency changes that went live, those
//!   with a code review within `review_within_days` and, when
//!   `require_post_incident_for` covers them, a post-incident review within
//!   `post_incident_within_days` of `deployed`. A change still inside a
//!   window without the evidence is *pending* and left out of both numbers
//!   (counted separately); one whose evidence is late or overdue is missed.
//! - **Notice commitments kept per tier** ([`notice_commitments`]): for each
//!   advance-notice tier, of the changes the `notice-too-short` rule covers
//!   for it ([`crate::policy::notice`]), those announced to the tier at least
//!   `notice_days` before `scheduled` (else `deployed`).

use crate::checks::approvals_in_policy;
use crate::model::config::Config;
use crate::model::record::{ChangeClass, Record};
use crate::model::Portal;
use crate::policy::{Outcome, RecordFacts};
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

/// A record with its policy facts.
pub type Assessed<'a> = (&'a Record, &'a RecordFacts);

/// Normal changes that went live, and how many are approved in policy: no
/// approval breach of theirs is `deny` under `config`'s `lints:`.
pub fn normal_approvals(assessed: &[Assessed<'_>], config: &Config) -> Tally {
    let mut tally = Tally::default();
    for (record, facts) in assessed {
        if record.class == ChangeClass::Normal && record.is_live() {
            tally.count(&record.id, approvals_in_policy(&facts.approvals, config));
        }
    }
    tally
}

/// Both met, either missed, or otherwise pending; a post-incident review
/// the policy does not require (`None`) leaves the review's outcome.
pub fn combined(review: Outcome, post_incident: Option<Outcome>) -> Outcome {
    match (review, post_incident.unwrap_or(Outcome::Met)) {
        (Outcome::Met, Outcome::Met) => Outcome::Met,
        (Outcome::Missed, _) | (_, Outcome::Missed) => Outcome::Missed,
        _ => Outcome::Pending,
    }
}

/// Emergency evidence figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EmergencyFigures {
    /// Review and (required) post-incident both in time, of those decided.
    pub both: Tally,
    /// Code review in time, of those decided.
    pub review: Tally,
    /// Post-incident review in time, of those decided and required.
    pub post_incident: Tally,
    /// Changes whose combined outcome is still pending.
    pub pending: usize,
}

/// Counts the deadlines of live emergency changes (those with review facts);
/// pending outcomes are left out of each ratio.
pub fn emergency_evidence(assessed: &[Assessed<'_>]) -> EmergencyFigures {
    let mut figures = EmergencyFigures::default();
    let count = |tally: &mut Tally, id: &str, outcome: Outcome| {
        if outcome != Outcome::Pending {
            tally.count(id, outcome == Outcome::Met);
        }
    };
    for (record, facts) in assessed {
        let Some(review) = facts.review else {
            continue;
        };
        let id = &record.id;
        let post_incident = facts.post_incident.map(|p| p.deadline.outcome);
        count(&mut figures.review, id, review.outcome);
        if let Some(outcome) = post_incident {
            count(&mut figures.post_incident, id, outcome);
        }
        let both = combined(review.outcome, post_incident);
        count(&mut figures.both, id, both);
        if both == Outcome::Pending {
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

/// One [`TierNotice`] per advance-notice tier, in the order of `portal.yaml`.
pub fn notice_commitments(assessed: &[Assessed<'_>], config: &Config) -> Vec<TierNotice> {
    config
        .tiers
        .iter()
        .filter(|(_, tier)| tier.is_advance_notice())
        .map(|(key, tier)| {
            let mut tally = Tally::default();
            for (record, facts) in assessed {
                if let Some(notice) = facts.notice_for(key) {
                    tally.count(&record.id, notice.kept);
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

/// The records table's `missed` filter value of the normal-approvals figure.
pub const NORMAL_APPROVALS_KEY: &str = "normal-approvals";
/// The `missed` filter value of the emergency-evidence figure.
pub const EMERGENCY_KEY: &str = "emergency-evidence";

/// The `missed` filter value of tier `key`'s notice figure: `notice-<key>`.
pub fn notice_key(key: &str) -> String {
    format!("notice-{key}")
}

/// Every figure of the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compliance {
    /// Normal changes approved in policy.
    pub normal_approvals: Tally,
    /// Emergency evidence in time.
    pub emergency: EmergencyFigures,
    /// Notice kept, per advance-notice tier.
    pub notice: Vec<TierNotice>,
}

/// Computes every figure for `portal` from its records' policy facts
/// (`facts`, in the order of `portal.documents`: [`crate::pipeline::Analysis::facts`]).
pub fn compute(portal: &Portal, facts: &[RecordFacts]) -> Compliance {
    let assessed: Vec<Assessed<'_>> = portal
        .documents
        .iter()
        .zip(facts)
        .map(|(d, facts)| (&d.record, facts))
        .collect();
    compute_for(&assessed, &portal.config)
}

/// Computes every figure over `assessed` (a subset of a portal's records,
/// such as those of one audit period) under `config`.
pub fn compute_for(assessed: &[Assessed<'_>], config: &Config) -> Compliance {
    Compliance {
        normal_approvals: normal_approvals(assessed, config),
        emergency: emergency_evidence(assessed),
        notice: notice_commitments(assessed, config),
    }
}

impl Compliance {
    /// Each figure with a missed list, with its `missed` filter key: the
    /// normal approvals, the emergency evidence (review and post-incident
    /// together) and each tier's notice.
    pub fn keyed(&self) -> Vec<(String, &Tally)> {
        let mut figures = vec![
            (NORMAL_APPROVALS_KEY.to_string(), &self.normal_approvals),
            (EMERGENCY_KEY.to_string(), &self.emergency.both),
        ];
        figures.extend(
            self.notice
                .iter()
                .map(|tier| (notice_key(&tier.key), &tier.tally)),
        );
        figures
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
}
