//! The CAB agenda (`cab/index.html`, SPEC 5): the changes awaiting the
//! review board's approval, earliest scheduled first (unscheduled ones
//! last, then by id), each with what it still needs.
//!
//! A change awaits approval when its status is `proposed`, `approved` or
//! `scheduled`, it has no `deployed` instant, and its policy facts
//! ([`crate::policy::ApprovalFacts`], the facts the approval flags are
//! raised from) show too few counted approvals, a required role without a
//! counted approval, or a rejection no approval followed.

use super::{approvals_needed, Heading, Site, When};
use crate::model::portal::Document;
use crate::model::record::Status;
use crate::paths;
use crate::policy::{ApprovalFacts, Reason};
use crate::render::{OutputFile, RenderError, Theme};
use serde::Serialize;

pub(super) fn render(site: &Site<'_>, theme: &Theme) -> Result<Vec<OutputFile>, RenderError> {
    let mut items: Vec<(&Document, AgendaItem<'_>)> = site
        .documents
        .iter()
        .filter_map(|document| item(site, document).map(|item| (*document, item)))
        .collect();
    items.sort_by(|(a, _), (b, _)| {
        let key = |d: &Document| (d.record.scheduled.is_none(), d.record.scheduled);
        key(a)
            .cmp(&key(b))
            .then_with(|| a.record.id.cmp(&b.record.id))
    });
    let page = Agenda {
        items: items.into_iter().map(|(_, item)| item).collect(),
    };
    let file = site.page(
        theme,
        "internal/cab.html",
        paths::internal::CAB.into(),
        "cab",
        "CAB agenda".into(),
        &page,
    )?;
    Ok(vec![file])
}

#[derive(Serialize)]
struct Agenda<'a> {
    items: Vec<AgendaItem<'a>>,
}

/// A change on the agenda.
#[derive(Serialize)]
struct AgendaItem<'a> {
    #[serde(flatten)]
    heading: Heading<'a>,
    href: String,
    author: &'a str,
    scheduled: Option<When>,
    /// Distinct people whose approvals count.
    counted: usize,
    /// How many the class's rule needs.
    needed: u32,
    /// Approvals given that do not count (the author's own, for example).
    not_counted: usize,
    /// What is still missing, one sentence each.
    needs: Vec<String>,
}

/// The agenda entry of `document`, when it awaits approval.
fn item<'a>(site: &Site<'a>, document: &'a Document) -> Option<AgendaItem<'a>> {
    let record = &document.record;
    let awaiting_status = matches!(
        record.status,
        Status::Proposed | Status::Approved | Status::Scheduled
    );
    if !awaiting_status || record.deployed.is_some() {
        return None;
    }
    let facts = &site.facts_of(document).approvals;
    let needed = approvals_needed(record, site.config);
    let needs = needs(facts, needed);
    if needs.is_empty() {
        return None;
    }
    Some(AgendaItem {
        heading: Heading::of(record),
        href: paths::internal::change_page(&record.slug()),
        author: &record.author,
        scheduled: record
            .scheduled
            .as_ref()
            .map(|at| When::full(at, site.zone())),
        counted: facts.approvers,
        needed,
        not_counted: facts
            .standings
            .iter()
            .filter(|s| !s.counted && s.reason != Some(Reason::Rejection))
            .count(),
        needs,
    })
}

/// What `facts` still lack against `needed` counted approvers: more
/// approvals, required roles, an approval after an open rejection.
fn needs(facts: &ApprovalFacts, needed: u32) -> Vec<String> {
    let mut needs = Vec::new();
    let missing = (needed as usize).saturating_sub(facts.approvers);
    if missing > 0 {
        needs.push(format!("{missing} more approval(s) by board members"));
    }
    for (role, _) in facts.roles.iter().filter(|(_, met)| !met) {
        needs.push(format!("an approval from the {role} role"));
    }
    if facts.unresolved_reject.is_some() {
        needs.push("a new approval after the latest rejection".to_string());
    }
    needs
}
