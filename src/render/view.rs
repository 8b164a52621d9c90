//! The public view of a change record: what customers may see, and nothing
//! else.
//!
//! Public templates and feeds never see a [`Record`] or a
//! [`Document`]: they get [`PublicChange`] values, built here field by field
//! from the few fields SPEC section 5 allows (id, title, type, status, dates,
//! summary, systems' titles, tiers' titles and the public part of the body).
//! Author, approvals, review, timeline, post-incident notes, testing, rollback,
//! emergency declaration, links, risk, class and the internal body part have
//! no field here, so no template can print them by mistake.
//!
//! Which records are shown at all is decided by one function,
//! [`is_published`].

use super::markdown;
use crate::history::{FileHistory, History};
use crate::model::record::{ChangeType, Status};
use crate::model::{Config, Document, Record, Timestamp, Zone};
use crate::paths;
use rayon::prelude::*;
use serde::Serialize;

/// Whether `record` appears on the public site and in feeds at `now`.
///
/// A record is published when all of these hold:
/// - its `visibility` is `public`;
/// - it is not under embargo (`embargo_until`, when set, is at or before
///   `now`): an embargoed record is absent from every page, feed and the
///   sitemap;
/// - it has been announced: `created` is at or before `now` (a record written
///   ahead of time appears nowhere until then);
/// - its status is not `proposed` or `rejected` (nothing was promised to
///   customers yet, or never will be);
/// - when `cancelled`, it had been `scheduled` and was public before it was
///   called off (`created`, and the end of any embargo, at or before
///   [`called_off_at`]): customers were told a date, so the record stays
///   visible, with a "Cancelled" badge, on its page and in the lists, and
///   feeds carry a cancellation item where it had been announced (see
///   [`crate::render::feeds`]); it is never in the "Upcoming" section. A
///   cancelled record that was never scheduled, or never public before it
///   was called off, was never promised and is not published.
pub fn is_published(record: &Record, now: &Timestamp) -> bool {
    let status_shown = match record.status {
        Status::Proposed | Status::Rejected => false,
        Status::Cancelled => called_off_at(record).is_some_and(|at| public_from(record) <= at),
        _ => true,
    };
    record.is_public() && !record.is_embargoed(now) && record.created <= *now && status_shown
}

/// The first instant customers could read about `record`: `created`, or
/// the end of its embargo when later (SPEC section 2).
fn public_from(record: &Record) -> Timestamp {
    record
        .embargo_until
        .map_or(record.created, |until| until.max(record.created))
}

/// When a cancelled record was called off: `cancelled`, else `scheduled`
/// (SPEC section 5, the cancellation item's date). `None` for any other
/// status, or a cancelled record never scheduled.
pub fn called_off_at(record: &Record) -> Option<Timestamp> {
    (record.status == Status::Cancelled)
        .then_some(record.scheduled)
        .flatten()
        .map(|scheduled| record.cancelled.unwrap_or(scheduled))
}

/// A date as templates show it: machine form for `<time datetime>` and the
/// reader's form in the portal's time zone (SPEC section 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateView {
    /// `YYYY-MM-DD` or RFC 3339 in UTC (`2026-11-01T03:30:00Z`).
    pub iso: String,
    /// `2026-03-14` as written, or `2026-10-31 20:30 PDT` in `zone`
    /// ([`Zone::display`]).
    pub display: String,
}

impl DateView {
    /// The view of `timestamp` for a portal showing times in `zone`.
    pub fn new(timestamp: &Timestamp, zone: Zone) -> Self {
        Self {
            iso: timestamp.iso(),
            display: zone.display(timestamp),
        }
    }
}

/// Everything the public site may say about one change.
#[derive(Debug, Clone, Serialize)]
pub struct PublicChange {
    /// The record id as written.
    pub id: String,
    /// The id lower-cased, as used in URLs.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Type key (`feature`, `bugfix`...).
    #[serde(rename = "type")]
    pub change_type: &'static str,
    /// Type for readers (`Bug fix`).
    pub type_label: &'static str,
    /// Status key (`deployed`, `in_progress`...).
    pub status: &'static str,
    /// Where the change stands at the build's "now" ([`Stage`]).
    pub stage: Stage,
    /// [`PublicChange::stage`] for readers (`Overdue`, see [`Stage::label`]).
    pub stage_label: &'static str,
    /// When the change was announced (`created`).
    pub announced: DateView,
    /// Planned start of the change window.
    pub scheduled: Option<DateView>,
    /// Planned end of the change window (`window_end`), shown only when it
    /// is after [`PublicChange::scheduled`].
    pub window_end: Option<DateView>,
    /// Whether the change is in the "Upcoming" section
    /// ([`Stage::is_upcoming`]).
    pub upcoming: bool,
    /// Its calendar event ("Add to calendar"), relative to the site root:
    /// `changes/<slug>/event.ics`, for an upcoming change with a planned
    /// start only.
    pub calendar: Option<String>,
    /// When the change went live.
    pub deployed: Option<DateView>,
    /// The date lists sort and group by: deployed, else scheduled, else announced.
    pub date: DateView,
    /// What [`PublicChange::date`] is: `Deployed`, `Scheduled` or `Announced`.
    pub date_label: &'static str,
    /// Month of [`PublicChange::date`] in the portal's time zone, `YYYY-MM`
    /// (the month of the date shown).
    pub month: String,
    /// Month for readers, `November 2026`.
    pub month_label: String,
    /// Customer-facing one-liner.
    pub summary: String,
    /// Titles of the affected systems.
    pub systems: Vec<String>,
    /// Titles of the tiers the change concerns.
    pub tiers: Vec<String>,
    /// Page path relative to the site root: `changes/<slug>/index.html`.
    pub path: String,
    /// Absolute canonical URL: `<base_url>/changes/<slug>/`.
    pub url: String,
}

/// The fields of a [`PublicChange`] that lists show (no body).
#[derive(Debug, Clone, Serialize)]
pub struct ChangeCard<'a> {
    /// See [`PublicChange::id`].
    pub id: &'a str,
    /// See [`PublicChange::title`].
    pub title: &'a str,
    /// See [`PublicChange::change_type`].
    #[serde(rename = "type")]
    pub change_type: &'static str,
    /// See [`PublicChange::type_label`].
    pub type_label: &'static str,
    /// See [`PublicChange::status`].
    pub status: &'static str,
    /// See [`PublicChange::stage`].
    pub stage: Stage,
    /// See [`PublicChange::stage_label`].
    pub stage_label: &'static str,
    /// See [`PublicChange::scheduled`].
    pub scheduled: Option<&'a DateView>,
    /// See [`PublicChange::window_end`].
    pub window_end: Option<&'a DateView>,
    /// See [`PublicChange::upcoming`].
    pub upcoming: bool,
    /// See [`PublicChange::calendar`].
    pub calendar: Option<&'a str>,
    /// See [`PublicChange::systems`].
    pub systems: &'a [String],
    /// See [`PublicChange::date`].
    pub date: &'a DateView,
    /// See [`PublicChange::date_label`].
    pub date_label: &'static str,
    /// See [`PublicChange::summary`].
    pub summary: &'a str,
    /// See [`PublicChange::path`].
    pub path: &'a str,
}

impl PublicChange {
    /// Builds the public view of `document` under `config` at `now` (an
    /// instant, which decides the [`Stage`]): copies only the allowed
    /// fields. The public body part is rendered apart, when a page or feed
    /// item needs it ([`Published::body_html`]).
    pub fn from_document(document: &Document, config: &Config, now: &Timestamp) -> Self {
        let record = &document.record;
        let slug = record.slug();
        let stage = Stage::of(record, now);
        let upcoming = stage.is_upcoming();
        let date = list_date(record);
        let zone = config.timezone;
        let local = zone.date_of(&date);
        let view = |at: &Timestamp| DateView::new(at, zone);
        Self {
            id: record.id.clone(),
            title: record.title.clone(),
            change_type: record.change_type.as_str(),
            type_label: type_label(record.change_type),
            status: record.status.as_str(),
            stage,
            stage_label: stage.label(),
            announced: view(&record.created),
            scheduled: record.scheduled.as_ref().map(view),
            window_end: window_end(record).as_ref().map(view),
            upcoming,
            calendar: (upcoming && record.scheduled.is_some())
                .then(|| paths::public::change_event(&slug)),
            deployed: record.deployed.as_ref().map(view),
            date: view(&date),
            date_label: date_label(record),
            month: local.format("%Y-%m").to_string(),
            month_label: local.format("%B %Y").to_string(),
            summary: record.summary.clone().unwrap_or_default(),
            systems: record
                .systems
                .iter()
                .map(|key| config.system_title(key).to_string())
                .collect(),
            tiers: config
                .tiers
                .iter()
                .filter(|(key, _)| record.concerns_tier(key))
                .map(|(_, tier)| tier.title.clone())
                .collect(),
            path: paths::public::change_page(&slug),
            url: paths::public::change_url(config.base(), &slug),
            slug,
        }
    }

    /// The list view of this change.
    pub fn card(&self) -> ChangeCard<'_> {
        ChangeCard {
            id: &self.id,
            title: &self.title,
            change_type: self.change_type,
            type_label: self.type_label,
            status: self.status,
            stage: self.stage,
            stage_label: self.stage_label,
            scheduled: self.scheduled.as_ref(),
            window_end: self.window_end.as_ref(),
            upcoming: self.upcoming,
            calendar: self.calendar.as_deref(),
            systems: &self.systems,
            date: &self.date,
            date_label: self.date_label,
            summary: &self.summary,
            path: &self.path,
        }
    }
}

/// A published record: the public view for templates, and, behind methods,
/// the few decisions renderers make on fields the view does not carry (tier
/// membership, announcement and go-live instants for feeds, instants for
/// sorting). The record itself stays private to this module, so no
/// renderer can reach its author, approvals or other internal fields.
/// Templates only ever receive [`Published::change`] and
/// [`Published::body_html`].
#[derive(Debug, Clone)]
pub struct Published<'a> {
    /// The record (never handed to a renderer or a template).
    record: &'a Record,
    /// The markdown of the body's public part.
    public_body: &'a str,
    /// The public view.
    pub change: PublicChange,
    /// The instant lists sort by: deployed, else scheduled, else created.
    pub sort_at: Timestamp,
    /// The committed `scheduled` values of the record's file, oldest first;
    /// `None` without git history (never shown: calendars count them).
    scheduled_history: Option<Vec<Timestamp>>,
}

impl Published<'_> {
    /// The public part of the body as sanitized HTML for the change's page,
    /// whose ids so far are `ids` (see [`markdown::to_html_on_page`]),
    /// rendered on each call: a change page renders it just before it is
    /// written, so a portal's bodies are never all held in memory at once.
    pub fn body_html(&self, ids: &mut markdown::PageIds) -> String {
        markdown::to_html_on_page(self.public_body, "sec-", ids)
    }

    /// The public part of the body as feed item content: every link and
    /// image absolute against the change's page URL (SPEC section 5; see
    /// [`markdown::to_feed_html`]).
    pub fn feed_html(&self) -> String {
        markdown::to_feed_html(self.public_body, &self.change.url)
    }

    /// Whether the change belongs in the "Upcoming" section at `now` (an
    /// instant): see [`Stage::is_upcoming`] (SPEC section 5, public site).
    pub fn is_upcoming(&self, now: &Timestamp) -> bool {
        Stage::of(self.record, now).is_upcoming()
    }

    /// The instant the "Upcoming" section sorts by: the planned start,
    /// else [`Published::sort_at`].
    pub fn upcoming_start(&self) -> Timestamp {
        self.record.scheduled.unwrap_or(self.sort_at)
    }

    /// The change's type.
    pub fn change_type(&self) -> ChangeType {
        self.record.change_type
    }

    /// Whether the change concerns tier `key` (no `tiers` list: every tier).
    pub fn concerns_tier(&self, key: &str) -> bool {
        self.record.concerns_tier(key)
    }

    /// When the change was announced to everyone (`created`, an instant).
    pub fn announced(&self) -> Timestamp {
        self.record.created
    }

    /// When customers of tier `key` were told: `notified[key]`, else
    /// `created` (an instant).
    pub fn announced_to(&self, key: &str) -> Timestamp {
        self.record.announced_to(key)
    }

    /// When customers could first read the advance notice of this change,
    /// announced at `announced` (an instant): `announced`, or when the
    /// embargo lifted if later. `None` when there is no notice to give
    /// (SPEC section 5, feeds): the change has no `scheduled` start, its
    /// status is not one a planned change passes through (`approved`,
    /// `scheduled`, `in_progress`, `deployed`, `rolled_back`), or it was
    /// already live by then (the notice is only issued before `deployed`).
    pub fn notice_at(&self, announced: Timestamp) -> Option<Timestamp> {
        let record = self.record;
        let schedulable = matches!(
            record.status,
            Status::Approved
                | Status::Scheduled
                | Status::InProgress
                | Status::Deployed
                | Status::RolledBack
                | Status::Cancelled
        );
        record.scheduled?;
        let at = record
            .embargo_until
            .map_or(announced, |until| until.max(announced));
        let before_live = record.deployed.is_none_or(|deployed| at < deployed);
        let before_called_off = called_off_at(record).is_none_or(|off| at <= off);
        (schedulable && before_live && before_called_off).then_some(at)
    }

    /// The planned start of the change window (`scheduled`, an instant).
    pub fn scheduled(&self) -> Option<Timestamp> {
        self.record.scheduled
    }

    /// The planned end of the change window (`window_end`, an instant).
    pub fn window_end(&self) -> Option<Timestamp> {
        self.record.window_end
    }

    /// When the change was called off, if it is cancelled
    /// ([`called_off_at`]).
    pub fn called_off_at(&self) -> Option<Timestamp> {
        called_off_at(self.record)
    }

    /// Whether the change has not happened yet and is still planned: status
    /// `approved`, `scheduled` or `in_progress` (SPEC section 5, reminders).
    pub fn is_pending(&self) -> bool {
        matches!(
            self.record.status,
            Status::Approved | Status::Scheduled | Status::InProgress
        )
    }

    /// Whether the change was planned but not confirmed yet (status
    /// `approved`): calendars mark it tentative.
    pub fn is_tentative(&self) -> bool {
        self.record.status == Status::Approved
    }

    /// Whether the change lists system `key` among its `systems`.
    pub fn concerns_system(&self, key: &str) -> bool {
        self.record.systems.iter().any(|system| system == key)
    }

    /// The latest of the record's public instants that is at or before
    /// `now`: `created`, the end of its embargo, `deployed`, and when it
    /// was called off; `created` when none is. Calendars use it as the
    /// event's `DTSTAMP`, so it never comes from the clock.
    pub fn last_public_change(&self, now: &Timestamp) -> Timestamp {
        let record = self.record;
        [
            record.embargo_until,
            record.deployed.filter(|_| record.is_live()),
            called_off_at(record),
        ]
        .into_iter()
        .flatten()
        .filter(|at| at <= now)
        .fold(record.created, Timestamp::max)
    }

    /// When the change went live (`deployed`, an instant), if it did: its
    /// status is `deployed` or `rolled_back`.
    pub fn live_at(&self) -> Option<Timestamp> {
        self.record.deployed.filter(|_| self.record.is_live())
    }

    /// The committed `scheduled` values of the record, oldest first, when
    /// the build had git history (a record never committed has none).
    pub fn scheduled_history(&self) -> Option<&[Timestamp]> {
        self.scheduled_history.as_deref()
    }

    /// Whether the change was rolled back after going live.
    pub fn is_rolled_back(&self) -> bool {
        self.record.status == Status::RolledBack
    }
}

/// Every record of `documents` published at `now` (see [`is_published`]),
/// newest first by [`Published::sort_at`], ties by id, each with the
/// `scheduled` values of its file's git `history` when there is one.
pub fn published<'a>(
    documents: &'a [std::sync::Arc<Document>],
    config: &Config,
    now: &Timestamp,
    history: Option<&History>,
) -> Vec<Published<'a>> {
    let mut list: Vec<Published<'a>> = documents
        .par_iter()
        .filter(|document| is_published(&document.record, now))
        .filter(|document| crate::model::record::is_valid_id(&document.record.id))
        .map(|document| Published {
            record: &document.record,
            public_body: &document.public_body,
            change: PublicChange::from_document(document, config, now),
            sort_at: list_date(&document.record),
            scheduled_history: history
                .map(|history| {
                    history
                        .of(&document.path)
                        .map(FileHistory::scheduled_values)
                })
                .map(Option::unwrap_or_default),
        })
        .collect();
    list.sort_by(|a, b| {
        b.sort_at
            .cmp(&a.sort_at)
            .then_with(|| a.change.slug.cmp(&b.change.slug))
    });
    list
}

/// Deployed, else scheduled, else created.
fn list_date(record: &Record) -> Timestamp {
    record.effective_date().unwrap_or(record.created)
}

/// Which date [`list_date`] picked.
fn date_label(record: &Record) -> &'static str {
    if record.deployed.is_some() {
        "Deployed"
    } else if record.scheduled.is_some() {
        "Scheduled"
    } else {
        "Announced"
    }
}

/// A change type as readers see it.
pub fn type_label(change_type: ChangeType) -> &'static str {
    match change_type {
        ChangeType::Feature => "Feature",
        ChangeType::Improvement => "Improvement",
        ChangeType::Bugfix => "Bug fix",
        ChangeType::Hotfix => "Hotfix",
        ChangeType::Security => "Security",
        ChangeType::Maintenance => "Maintenance",
        ChangeType::Deprecation => "Deprecation",
        ChangeType::Infrastructure => "Infrastructure",
    }
}

/// The end of `record`'s change window: `window_end` when it lies after
/// `scheduled` (an end before the start is flagged `date-out-of-order` and
/// never shown to customers).
fn window_end(record: &Record) -> Option<Timestamp> {
    record
        .window_end
        .filter(|end| record.scheduled.is_some_and(|start| start < *end))
}

/// Where a change stands at an instant, as customers see it: the one
/// mapping from status and lifecycle to a customer-facing label, used by
/// the home, type and record pages and by feeds (SPEC section 5, issue 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Never published ([`is_published`]): `proposed`.
    Proposed,
    /// Never published: `rejected`.
    Rejected,
    /// Approved or scheduled, without a planned start yet.
    Planned,
    /// Approved or scheduled, its planned start after now.
    Upcoming,
    /// Approved or scheduled, now inside its window (`scheduled` to
    /// `window_end`); not yet reported as started.
    WindowOpen,
    /// `in_progress`, and its window (when it has an end) not over.
    InProgress,
    /// Not live although its time has passed: approved or scheduled with
    /// the window (or, without `window_end`, the planned start) behind
    /// now, or in progress past `window_end`.
    Overdue,
    /// Live (`deployed`).
    Deployed,
    /// Went live, then reverted (`rolled_back`).
    RolledBack,
    /// Called off (`cancelled`).
    Cancelled,
}

impl Stage {
    /// The stage of `record` at `now` (an instant): comparisons on
    /// instants; a window ends at `window_end` when it lies after
    /// `scheduled`, else at `scheduled` itself.
    pub fn of(record: &Record, now: &Timestamp) -> Self {
        let end = window_end(record).or(record.scheduled);
        let over = end.is_some_and(|end| end <= *now);
        match record.status {
            Status::Proposed => Self::Proposed,
            Status::Rejected => Self::Rejected,
            Status::Deployed => Self::Deployed,
            Status::RolledBack => Self::RolledBack,
            Status::Cancelled => Self::Cancelled,
            Status::InProgress if window_end(record).is_some() && over => Self::Overdue,
            Status::InProgress => Self::InProgress,
            Status::Approved | Status::Scheduled => match record.scheduled {
                None => Self::Planned,
                Some(start) if *now < start => Self::Upcoming,
                Some(_) if over => Self::Overdue,
                Some(_) => Self::WindowOpen,
            },
        }
    }

    /// The label customers read (`Upcoming`, `Window open`, `Overdue`...).
    pub fn label(self) -> &'static str {
        match self {
            Self::Proposed => "Proposed",
            Self::Rejected => "Rejected",
            Self::Planned => "Planned",
            Self::Upcoming => "Upcoming",
            Self::WindowOpen => "Window open",
            Self::InProgress => "In progress",
            Self::Overdue => "Overdue",
            Self::Deployed => "Deployed",
            Self::RolledBack => "Rolled back",
            Self::Cancelled => "Cancelled",
        }
    }

    /// Whether a change at this stage is listed under "Upcoming" and
    /// offers "Add to calendar": upcoming, window open or in progress. An
    /// overdue, planned-without-date, cancelled or live change is not.
    pub fn is_upcoming(self) -> bool {
        matches!(self, Self::Upcoming | Self::WindowOpen | Self::InProgress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(extra: &str) -> Record {
        let yaml = format!(
            "id: CHG-1\ntitle: T\ntype: feature\nstatus: deployed\nvisibility: public\nsummary: S\nauthor: A\ncreated: 2026-01-01\ndeployed: 2026-02-01\n{extra}"
        );
        crate::yaml::from_str(&yaml).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn publication_rules() {
        let now = at("2026-03-01");
        assert!(is_published(&record(""), &now));
        assert!(!is_published(&record("embargo_until: 2026-03-02"), &now));
        assert!(is_published(&record("embargo_until: 2026-03-01"), &now));
        assert!(!is_published(&record(""), &at("2025-12-31")));
        let internal: Record = {
            let mut r = record("");
            r.visibility = crate::model::record::Visibility::Internal;
            r
        };
        assert!(!is_published(&internal, &now));
        for (status, shown) in [
            (Status::Proposed, false),
            (Status::Rejected, false),
            (Status::Cancelled, false),
            (Status::Approved, true),
        ] {
            let mut r = record("");
            r.status = status;
            assert_eq!(is_published(&r, &now), shown, "{status}");
        }
        let mut cancelled = record("scheduled: 2026-02-10T10:00:00Z");
        cancelled.status = Status::Cancelled;
        assert!(is_published(&cancelled, &now));
    }

    #[test]
    fn stages_follow_status_and_the_window() {
        let window = "scheduled: 2026-03-10T10:00:00Z\nwindow_end: 2026-03-10T12:00:00Z\n";
        let cases = [
            ("scheduled", window, "2026-03-10T09:59:59Z", Stage::Upcoming),
            (
                "approved",
                window,
                "2026-03-10T10:00:00Z",
                Stage::WindowOpen,
            ),
            ("scheduled", window, "2026-03-10T12:00:00Z", Stage::Overdue),
            (
                "in_progress",
                window,
                "2026-03-10T11:00:00Z",
                Stage::InProgress,
            ),
            (
                "in_progress",
                window,
                "2026-03-10T12:00:00Z",
                Stage::Overdue,
            ),
            (
                "in_progress",
                "scheduled: 2026-03-10T10:00:00Z\n",
                "2026-04-01",
                Stage::InProgress,
            ),
            (
                "scheduled",
                "scheduled: 2026-03-10T10:00:00Z\n",
                "2026-03-10T10:00:00Z",
                Stage::Overdue,
            ),
            // An end before the start is not a window (date-out-of-order).
            (
                "scheduled",
                "scheduled: 2026-03-10T10:00:00Z\nwindow_end: 2026-03-10T09:00:00Z\n",
                "2026-03-10T10:30:00Z",
                Stage::Overdue,
            ),
            ("approved", "", "2026-03-10", Stage::Planned),
            ("cancelled", window, "2026-03-01", Stage::Cancelled),
            ("rolled_back", window, "2026-03-01", Stage::RolledBack),
        ];
        for (status, extra, now, stage) in cases {
            let mut r = record(extra);
            r.status = crate::yaml::from_str(status).unwrap();
            r.deployed = None;
            assert_eq!(Stage::of(&r, &at(now)), stage, "{status} {extra} at {now}");
        }
        assert_eq!(Stage::of(&record(""), &at("2026-01-01")), Stage::Deployed);
        assert!(Stage::WindowOpen.is_upcoming() && !Stage::Overdue.is_upcoming());
        assert_eq!(Stage::Overdue.label(), "Overdue");
    }
}
