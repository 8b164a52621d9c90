//! One page per record ([`paths::internal::change_page`]): every field, both body
//! parts, approvals against the policy, the emergency declaration, review,
//! the war-room timeline, post-incident notes, flags and the source file.

use super::offsite::without_offsite_links;
use super::reconciliation::{record_entries, LogEntryView};
use super::{approvals_needed, EvidenceUrl, FlagView, Heading, Site, When};
use crate::checks::Level;
use crate::model::person::same_person;
use crate::model::portal::Document;
use crate::model::record::{ChangeClass, Decision, Record};
use crate::model::{Timestamp, Zone};
use crate::paths;
use crate::policy::evidence::may_declare;
use crate::policy::{ApprovalFacts, Outcome, Reason, RecordFacts};
use crate::render::markdown::{to_html_on_page, PageIds};
use crate::render::{Records, RenderError, Sink, Theme};
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;

/// Renders the page of each of `records`, handing each to `sink` as soon as
/// it is rendered so that 100,000 pages are never held in memory at once.
pub(super) fn render_all(
    site: &Site<'_>,
    theme: &Theme,
    records: Records<'_>,
    sink: &dyn Sink,
) -> Result<(), RenderError> {
    site.documents.par_iter().try_for_each(|document| {
        let record = &document.record;
        if !records.includes(&record.slug()) {
            return Ok(());
        }
        let page = page(site, document, theme.page_ids("internal"));
        sink.put(site.page(
            theme,
            "internal/change.html",
            paths::internal::change_page(&record.slug()),
            "records",
            format!("{} {}", record.id, record.title),
            &page,
        )?)
    })
}

#[derive(Serialize)]
struct RecordPage<'a> {
    #[serde(flatten)]
    heading: Heading<'a>,
    visibility: &'static str,
    summary: Option<&'a str>,
    author: &'a str,
    created: When,
    scheduled: Option<When>,
    deployed: Option<When>,
    window_end: Option<When>,
    deployed_by: Option<&'a str>,
    cancelled: Option<When>,
    embargo_until: Option<When>,
    systems: Vec<SystemRef<'a>>,
    tiers: Vec<TierView<'a>>,
    all_tiers: bool,
    unknown_tiers: Vec<&'a str>,
    requirement: Requirement,
    approvals: Vec<ApprovalRow<'a>>,
    emergency: Option<EmergencyView<'a>>,
    deadlines: Vec<Deadline>,
    review: Option<ReviewView<'a>>,
    timeline: Vec<TimelineItem<'a>>,
    post_incident: Option<PostIncidentView<'a>>,
    testing: Option<String>,
    rollback: Option<String>,
    links: Vec<EvidenceUrl<'a>>,
    public_body: String,
    internal_body: String,
    is_public: bool,
    public_url: Option<String>,
    embargoed: bool,
    flags: Vec<FlagView<'a>>,
    /// `deny` when any flag is deny-level, else `warn`.
    flag_level: &'static str,
    file: &'a str,
    history: Option<super::provenance::HistoryView>,
    /// The deploy-log entries that belong to the record (empty without a
    /// deploy log; the layout's `reconciliation` says whether there is one).
    deploy_log: Vec<LogEntryView<'a>>,
}

/// The record page's context; `ids` are the ids its template uses. Every
/// markdown field goes into this one page, so they share `ids`: the body
/// parts first, so that the public part keeps the ids it has on the public
/// page where it can.
fn page<'a>(site: &Site<'a>, document: &'a Document, mut ids: PageIds) -> RecordPage<'a> {
    let record = &document.record;
    let config = site.config;
    let zone = site.zone();
    let embargoed = record.is_embargoed(&site.now);
    let public_body = markdown(&document.public_body, "public-", &mut ids);
    let internal_body = markdown(&document.internal_body, "internal-", &mut ids);
    let facts = site.facts_of(document);
    RecordPage {
        heading: Heading::of(record),
        visibility: record.visibility.as_str(),
        summary: record.summary.as_deref(),
        author: &record.author,
        created: When::full(&record.created, zone),
        scheduled: record.scheduled.as_ref().map(|at| When::full(at, zone)),
        deployed: record.deployed.as_ref().map(|at| When::full(at, zone)),
        window_end: record.window_end.as_ref().map(|at| When::full(at, zone)),
        deployed_by: record.deployed_by.as_deref(),
        cancelled: record.cancelled.as_ref().map(|at| When::full(at, zone)),
        embargo_until: record.embargo_until.as_ref().map(|at| When::full(at, zone)),
        systems: systems(site, record),
        tiers: tiers(site, record, facts),
        all_tiers: record.tiers.is_none(),
        unknown_tiers: record
            .tiers
            .iter()
            .flatten()
            .filter(|key| !config.tiers.contains_key(*key))
            .map(String::as_str)
            .collect(),
        requirement: requirement(site, record, &facts.approvals),
        approvals: approvals(site, record, &facts.approvals),
        emergency: record.emergency.as_ref().map(|e| EmergencyView {
            reason: e.reason.as_deref(),
            declared_by: e.declared_by.as_deref(),
            declared_at: e.declared_at.as_ref().map(|at| When::full(at, zone)),
            authorized: e
                .declared_by
                .as_deref()
                .and_then(|by| may_declare(by, &config.policy)),
        }),
        deadlines: deadlines(site, facts),
        review: record.review.as_ref().map(|r| ReviewView {
            by: &r.by,
            at: When::full(&r.at, zone),
            link: r.link.as_deref().map(EvidenceUrl::new),
            note: r.note.as_deref(),
        }),
        timeline: timeline(record, zone),
        post_incident: post_incident(site, record, &mut ids),
        testing: record
            .testing
            .as_deref()
            .map(|md| markdown(md, "testing-", &mut ids)),
        rollback: record
            .rollback
            .as_deref()
            .map(|md| markdown(md, "rollback-", &mut ids)),
        links: record.links.iter().map(|l| EvidenceUrl::new(l)).collect(),
        public_body,
        internal_body,
        is_public: record.is_public(),
        public_url: record
            .is_public()
            .then(|| paths::public::change_url(config.base(), &record.slug())),
        embargoed,
        flags: site
            .flags
            .of(&record.id)
            .iter()
            .map(|flag| FlagView::new(flag, site.analysis))
            .collect(),
        flag_level: if site
            .flags
            .of(&record.id)
            .iter()
            .any(|f| f.level == Level::Deny)
        {
            "deny"
        } else {
            "warn"
        },
        file: &document.path,
        history: super::provenance::history_of(site, document),
        deploy_log: record_entries(site, site.index_of(document)),
    }
}

/// Sanitized HTML of a markdown field, off-site links shown as text; its
/// ids are claimed in the page's `ids`.
fn markdown(md: &str, id_prefix: &str, ids: &mut PageIds) -> String {
    let html = to_html_on_page(md, id_prefix, ids);
    // Most bodies have no off-site link: keep their HTML, without a copy.
    let stripped = match without_offsite_links(&html) {
        Cow::Owned(stripped) => Some(stripped),
        Cow::Borrowed(_) => None,
    };
    stripped.unwrap_or(html)
}

#[derive(Serialize)]
struct SystemRef<'a> {
    key: &'a str,
    title: &'a str,
    href: Option<String>,
}

fn systems<'a>(site: &Site<'a>, record: &'a Record) -> Vec<SystemRef<'a>> {
    record
        .systems
        .iter()
        .map(|key| {
            let entry = site.system(key);
            SystemRef {
                key,
                title: entry.map_or(key.as_str(), |e| e.title),
                href: entry.map(|e| paths::internal::system_page(&e.slug)),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct TierView<'a> {
    key: &'a str,
    title: &'a str,
    notice_days: u32,
    /// The tier's type filter lets the change through.
    accepts: bool,
    announced: When,
    /// `notified` names this tier explicitly.
    notified: bool,
    /// `kept`, `short`, or `n/a` when the notice rule does not apply.
    notice: &'static str,
}

fn tiers<'a>(site: &Site<'a>, record: &'a Record, facts: &RecordFacts) -> Vec<TierView<'a>> {
    let zone = site.zone();
    site.config
        .tiers
        .iter()
        .filter(|(key, _)| record.concerns_tier(key))
        .map(|(key, tier)| TierView {
            key,
            title: &tier.title,
            notice_days: tier.notice_days,
            accepts: tier.accepts(record.change_type),
            announced: When::full(&record.announced_to(key), zone),
            notified: record.notified.contains_key(key),
            notice: match facts.notice_for(key) {
                Some(notice) if notice.kept => "kept",
                Some(_) => "short",
                None => "n/a",
            },
        })
        .collect()
}

/// The policy's approval rule for the record's class, checked line by line.
#[derive(Serialize)]
struct Requirement {
    summary: String,
    checks: Vec<Check>,
}

#[derive(Serialize)]
struct Check {
    label: String,
    met: bool,
}

fn requirement(site: &Site<'_>, record: &Record, assessment: &ApprovalFacts) -> Requirement {
    let rule = site.config.policy.approvals.for_class(record.class);
    let window = match (record.class, record.deployed, rule.within_days) {
        (ChangeClass::Emergency, _, Some(days)) => format!(" within {days} day(s) after deploy"),
        (ChangeClass::Emergency, _, None) => String::new(),
        (_, Some(_), _) => " before deploy".to_string(),
        (_, None, _) => " so far (not deployed)".to_string(),
    };
    let minimum = approvals_needed(record, site.config);
    let summary = match record.class {
        ChangeClass::Standard if minimum == 0 && rule.roles.is_empty() => {
            "Standard change: pre-approved by policy; no board approval is required.".to_string()
        }
        ChangeClass::Standard => {
            "Standard change: the policy requires board approval as below.".to_string()
        }
        ChangeClass::Normal => "Normal change: the board must approve before deploy.".to_string(),
        ChangeClass::Emergency => {
            "Emergency change: applied at once, approved after the fact within the policy window."
                .to_string()
        }
    };
    let mut checks = Vec::new();
    if minimum > 0 {
        checks.push(Check {
            label: format!(
                "At least {minimum} approval(s) by board members other than the author{window}: {} given",
                assessment.approvers
            ),
            met: assessment.approvers >= minimum as usize,
        });
    }
    for (role, met) in &assessment.roles {
        checks.push(Check {
            label: format!("An approval from the {role} role{window}"),
            met: *met,
        });
    }
    if record
        .approvals
        .iter()
        .any(|a| a.decision == Decision::Reject)
    {
        checks.push(Check {
            label: "Every rejection was followed by a later approval".to_string(),
            met: assessment.unresolved_reject.is_none(),
        });
    }
    Requirement { summary, checks }
}

#[derive(Serialize)]
struct ApprovalRow<'a> {
    by: &'a str,
    role: &'a str,
    decision: &'static str,
    at: When,
    note: Option<&'a str>,
    board: String,
    board_ok: bool,
    own: bool,
    timing: Option<String>,
    in_window: bool,
    /// Whether the decision counts toward the rule (SPEC 3).
    counted: bool,
    /// Why it does not count.
    reason: Option<&'static str>,
}

fn approvals<'a>(
    site: &Site<'a>,
    record: &'a Record,
    facts: &ApprovalFacts,
) -> Vec<ApprovalRow<'a>> {
    let config = site.config;
    let zone = site.zone();
    record
        .approvals
        .iter()
        .zip(&facts.standings)
        .map(|(approval, standing)| {
            let roles = config.board_roles_of(&approval.by);
            let (board, board_ok) = if config.policy.board.is_empty() {
                ("no board roster defined".to_string(), true)
            } else if roles.is_empty() {
                ("not on the board".to_string(), false)
            } else if roles.iter().any(|r| r.eq_ignore_ascii_case(&approval.role)) {
                (format!("on the board as {}", approval.role), true)
            } else {
                (
                    format!(
                        "on the board as {}, not {}",
                        roles.join(", "),
                        approval.role
                    ),
                    false,
                )
            };
            ApprovalRow {
                by: &approval.by,
                role: &approval.role,
                decision: approval.decision.as_str(),
                at: When::full(&approval.at, zone),
                note: approval.note.as_deref(),
                board,
                board_ok,
                own: same_person(&approval.by, &record.author),
                timing: record
                    .deployed
                    .map(|deployed| relative_to(&approval.at, &deployed, "deploy")),
                in_window: facts.cutoff.is_none_or(|cutoff| approval.at <= cutoff),
                counted: standing.counted,
                reason: standing.reason.map(Reason::text),
            }
        })
        .collect()
}

/// `3 day(s) before deploy`, `2 h 5 min after deploy`, `at deploy`.
fn relative_to(at: &Timestamp, reference: &Timestamp, name: &str) -> String {
    let difference = reference.instant() - at.instant();
    if difference.is_zero() {
        return format!("at {name}");
    }
    let side = if difference > chrono::Duration::zero() {
        "before"
    } else {
        "after"
    };
    format!("{} {side} {name}", duration_text(difference.abs()))
}

/// `2 d 3 h`, `1 h 13 min`, `4 min`.
fn duration_text(duration: chrono::Duration) -> String {
    let minutes = duration.num_minutes();
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, _) => format!("{hours} h {mins} min"),
        _ if hours == 0 => format!("{days} d"),
        _ => format!("{days} d {hours} h"),
    }
}

#[derive(Serialize)]
struct EmergencyView<'a> {
    reason: Option<&'a str>,
    declared_by: Option<&'a str>,
    declared_at: Option<When>,
    /// Declared by a listed decider (`None` when no deciders are listed).
    authorized: Option<bool>,
}

/// A deadline for after-the-fact evidence and how it went.
#[derive(Serialize)]
struct Deadline {
    what: &'static str,
    due: When,
    outcome: Outcome,
}

fn deadlines(site: &Site<'_>, facts: &RecordFacts) -> Vec<Deadline> {
    let zone = site.zone();
    let review = facts.review.map(|d| ("Code review", d));
    let post_incident = facts
        .post_incident
        .map(|p| ("Post-incident review", p.deadline));
    review
        .into_iter()
        .chain(post_incident)
        .map(|(what, deadline)| Deadline {
            what,
            due: When::full(&deadline.due, zone),
            outcome: deadline.outcome,
        })
        .collect()
}

#[derive(Serialize)]
struct ReviewView<'a> {
    by: &'a str,
    at: When,
    link: Option<EvidenceUrl<'a>>,
    note: Option<&'a str>,
}

/// A timeline entry, or a milestone taken from the record's other fields.
#[derive(Serialize)]
struct TimelineItem<'a> {
    at: When,
    /// Time since the first item: `+1 h 13 min`.
    offset: String,
    by: Option<&'a str>,
    note: String,
    link: Option<EvidenceUrl<'a>>,
    /// `entry` for war-room notes; otherwise the milestone kind.
    kind: &'static str,
    /// The milestone kind for reading (`post incident`).
    label: &'static str,
}

/// The war-room timeline merged with the record's milestones (declaration,
/// approvals, deploy, review, post-incident review), in time order. Shown for
/// records with a timeline and for every emergency change.
fn timeline(record: &Record, zone: Zone) -> Vec<TimelineItem<'_>> {
    if record.timeline.is_empty() && record.class != ChangeClass::Emergency {
        return Vec::new();
    }
    let mut items: Vec<(Timestamp, TimelineItem<'_>)> = record
        .timeline
        .iter()
        .map(|entry| {
            (
                entry.at,
                item(
                    &entry.at,
                    zone,
                    entry.by.as_deref(),
                    entry.note.clone(),
                    entry.link.as_deref(),
                    "entry",
                ),
            )
        })
        .collect();
    if let Some(emergency) = &record.emergency {
        if let Some(at) = &emergency.declared_at {
            items.push((
                *at,
                item(
                    at,
                    zone,
                    emergency.declared_by.as_deref(),
                    "Emergency change declared".into(),
                    None,
                    "declared",
                ),
            ));
        }
    }
    for approval in &record.approvals {
        let note = format!(
            "{} ({})",
            if approval.decision == Decision::Approve {
                "Approved"
            } else {
                "Rejected"
            },
            approval.role
        );
        items.push((
            approval.at,
            item(
                &approval.at,
                zone,
                Some(&approval.by),
                note,
                None,
                "approval",
            ),
        ));
    }
    if let Some(at) = &record.deployed {
        items.push((
            *at,
            item(at, zone, None, "Deployed".into(), None, "deployed"),
        ));
    }
    if let Some(review) = &record.review {
        items.push((
            review.at,
            item(
                &review.at,
                zone,
                Some(&review.by),
                "Code review".into(),
                None,
                "review",
            ),
        ));
    }
    if let Some(post_incident) = &record.post_incident {
        items.push((
            post_incident.at,
            item(
                &post_incident.at,
                zone,
                None,
                "Post-incident review".into(),
                None,
                "post-incident",
            ),
        ));
    }
    items.sort_by_key(|(at, _)| *at);
    let start = items.first().map(|(at, _)| *at);
    items
        .into_iter()
        .map(|(at, mut item)| {
            if let Some(start) = start {
                item.offset = format!("+{}", duration_text(at.instant() - start.instant()));
            }
            item
        })
        .collect()
}

fn item<'a>(
    at: &Timestamp,
    zone: Zone,
    by: Option<&'a str>,
    note: String,
    link: Option<&'a str>,
    kind: &'static str,
) -> TimelineItem<'a> {
    TimelineItem {
        at: When::full(at, zone),
        offset: String::new(),
        by,
        note,
        link: link.map(EvidenceUrl::new),
        kind,
        label: if kind == "post-incident" {
            "post incident"
        } else {
            kind
        },
    }
}

#[derive(Serialize)]
struct PostIncidentView<'a> {
    at: When,
    lessons: String,
    improvements: Option<String>,
    policy_review: &'static str,
    follow_ups: Vec<FollowUp<'a>>,
}

/// A follow-up: a record of this portal (linked to its page), or any other
/// text or URL (an [`EvidenceUrl`]).
#[derive(Serialize)]
struct FollowUp<'a> {
    text: &'a str,
    href: Option<String>,
    title: Option<&'a str>,
    url: EvidenceUrl<'a>,
}

fn post_incident<'a>(
    site: &Site<'a>,
    record: &'a Record,
    ids: &mut PageIds,
) -> Option<PostIncidentView<'a>> {
    let post_incident = record.post_incident.as_ref()?;
    let zone = site.zone();
    Some(PostIncidentView {
        at: When::full(&post_incident.at, zone),
        lessons: markdown(&post_incident.lessons, "lessons-", ids),
        improvements: post_incident
            .improvements
            .as_deref()
            .map(|md| markdown(md, "improvements-", ids)),
        policy_review: post_incident.policy_review.as_str(),
        follow_ups: post_incident
            .follow_ups
            .iter()
            .map(|text| {
                let target = site.by_slug.get(&text.to_lowercase());
                FollowUp {
                    text,
                    href: target.map(|d| paths::internal::change_page(&d.record.slug())),
                    title: target.map(|d| d.record.title.as_str()),
                    url: EvidenceUrl::new(text),
                }
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_relative_times_read_naturally() {
        let at = |t: &str| Timestamp::parse(t).unwrap();
        let deploy = at("2026-01-13T09:41:00Z");
        assert_eq!(
            relative_to(&at("2026-01-10T09:41:00Z"), &deploy, "deploy"),
            "3 d before deploy"
        );
        assert_eq!(
            relative_to(&at("2026-01-13T11:40:00Z"), &deploy, "deploy"),
            "1 h 59 min after deploy"
        );
        assert_eq!(relative_to(&deploy, &deploy, "deploy"), "at deploy");
        assert_eq!(duration_text(chrono::Duration::minutes(4)), "4 min");
        assert_eq!(
            duration_text(chrono::Duration::minutes(1440 + 61)),
            "1 d 1 h"
        );
    }
}
