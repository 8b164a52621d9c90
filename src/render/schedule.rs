//! `schedule.json` on the internal site (SPEC section 5): when the next
//! rebuild is due, and the coming events that change an output. Never
//! published: an embargoed change's events would reveal it.
//!
//! An output of either site changes at: an embargo lifting, an
//! announcement (`created` or a `notified` date in the future), a tier's
//! reminder instant, a change window starting (upcoming becomes overdue or
//! under way) or ending, and a flag's grace window closing (the code
//! review's, the post-incident review's and the emergency approvals'
//! deadlines, read from the policy facts so they agree with the flags).

use super::feeds::reminder_instants;
use super::OutputFile;
use crate::model::{Record, Timestamp};
use crate::paths;
use crate::pipeline::Analysis;
use crate::policy::RecordFacts;
use serde::Serialize;

/// One coming instant at which an output changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upcoming {
    /// The instant, RFC 3339 in UTC.
    pub at: String,
    /// The record it concerns.
    pub id: String,
    /// What happens: `embargo-lifts`, `announced`, `announced-to:<tier>`,
    /// `reminder:<tier>:<days>d`, `window-starts`, `window-ends`,
    /// `review-due`, `post-incident-due`, `approval-window-closes`.
    pub kind: String,
    /// The instant, for ordering.
    #[serde(skip)]
    instant: Timestamp,
}

/// The content of `schedule.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Schedule {
    /// The build's "now", RFC 3339 in UTC.
    pub now: String,
    /// The earliest instant after `now` at which an output would change,
    /// RFC 3339 in UTC; `None` (JSON `null`) when nothing is due.
    pub next_rebuild_at: Option<String>,
    /// Every such instant after `now`, earliest first (ties by id, kind).
    pub events: Vec<Upcoming>,
}

/// The schedule of `analysis` at its `now`: every event of every record
/// (public or not, the internal site changes too) strictly after `now`.
pub fn schedule(analysis: &Analysis) -> Schedule {
    let now = analysis.now;
    let mut events: Vec<Upcoming> = analysis
        .portal
        .documents
        .iter()
        .zip(&analysis.facts)
        .flat_map(|(document, facts)| record_events(&document.record, facts, analysis))
        .filter(|event| event.instant > now)
        .collect();
    events.sort_by(|a, b| (a.instant, &a.id, &a.kind).cmp(&(b.instant, &b.id, &b.kind)));
    Schedule {
        now: rfc3339(&now),
        next_rebuild_at: events.first().map(|event| event.at.clone()),
        events,
    }
}

/// `schedule.json` of the internal site ([`paths::internal::SCHEDULE`]).
pub fn file(analysis: &Analysis) -> OutputFile {
    let mut bytes = serde_json::to_vec_pretty(&schedule(analysis)).unwrap_or_default();
    bytes.push(b'\n');
    OutputFile::new(paths::internal::SCHEDULE, bytes)
}

/// Every instant of `record` at which an output may change.
fn record_events(record: &Record, facts: &RecordFacts, analysis: &Analysis) -> Vec<Upcoming> {
    let config = &analysis.portal.config;
    let mut found: Vec<(Timestamp, String)> = vec![(record.created, "announced".to_string())];
    found.extend(
        record
            .embargo_until
            .map(|at| (at, "embargo-lifts".to_string())),
    );
    found.extend(
        record
            .notified
            .iter()
            .map(|(tier, at)| (*at, format!("announced-to:{tier}"))),
    );
    found.extend(record.scheduled.map(|at| (at, "window-starts".to_string())));
    found.extend(record.window_end.map(|at| (at, "window-ends".to_string())));
    for (key, tier) in &config.tiers {
        if record.is_public() && record.concerns_tier(key) && tier.accepts(record.change_type) {
            found.extend(
                reminder_instants(record.scheduled, tier)
                    .map(|(at, days)| (at, format!("reminder:{key}:{days}d"))),
            );
        }
    }
    found.extend(
        facts
            .review
            .as_ref()
            .map(|review| (review.due, "review-due".to_string())),
    );
    found.extend(
        facts
            .post_incident
            .as_ref()
            .map(|post| (post.deadline.due, "post-incident-due".to_string())),
    );
    found.extend(
        facts
            .approvals
            .cutoff
            .map(|at| (at, "approval-window-closes".to_string())),
    );
    found
        .into_iter()
        .map(|(instant, kind)| Upcoming {
            at: rfc3339(&instant),
            id: record.id.clone(),
            kind,
            instant,
        })
        .collect()
}

/// RFC 3339 in UTC with seconds (`2026-05-01T10:00:00Z`).
fn rfc3339(at: &Timestamp) -> String {
    at.instant()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
