//! The git provenance flags of SPEC section 4: `backdated-evidence`,
//! `edited-after-deploy` and `record-removed`. They read only committed
//! history: the latest committed version of each record is the one judged,
//! so uncommitted edits raise nothing.

use super::fields::{is_edit_after_deploy, Version};
use super::{Commit, FileHistory, History};
use crate::diagnostics::{Code, Flag};
use crate::model::config::Config;
use crate::model::portal::Portal;
use crate::model::record::ChangeClass;
use crate::model::Timestamp;
use std::collections::HashSet;

/// Evidence may be committed this long after the instant it states
/// (SPEC 4, `backdated-evidence`).
const GRACE_HOURS: i64 = 24;

/// A provenance flag with the front-matter key it points at (`approvals[1].at`,
/// `notified.enterprise`); empty for line 1.
#[derive(Debug)]
pub struct Pending {
    /// The flag, line and column 0 until placed at `field`.
    pub flag: Flag,
    /// The key path in the record's working file.
    pub field: String,
}

/// Every provenance flag of `portal` given its `history` (SPEC 4), in
/// the order of the portal's records, then removals.
pub fn flags(portal: &Portal, history: &History) -> Vec<Pending> {
    let mut out = Vec::new();
    for document in &portal.documents {
        let Some(file) = history.of(&document.path) else {
            continue;
        };
        let mut raise = |_: &Commit, code: Code, field: String, message: String, hint: &str| {
            let mut flag = pending(&portal.config, code, &document.path, field, message, hint);
            flag.flag.record = Some(document.record.id.clone());
            out.push(flag);
        };
        backdated(history, file, &mut raise);
        edited_after_deploy(history, file, &mut raise);
    }
    out.extend(removed(portal, history));
    out
}

/// How the checks hand a flag back: the commit at fault, code, field,
/// message, hint.
type Raise<'a> = dyn FnMut(&Commit, Code, String, String, &str) + 'a;

/// The commits of `file` that raise `backdated-evidence` or
/// `edited-after-deploy` (by full id, with the code), for the record
/// page's highlighted rows: the same rules as [`flags`]; `file` is one of
/// `history`'s files.
pub fn flagged_commits(history: &History, file: &FileHistory) -> Vec<(String, Code)> {
    let mut found = Vec::new();
    let mut collect = |commit: &Commit, code: Code, _: String, _: String, _: &str| {
        found.push((commit.id.clone(), code));
    };
    backdated(history, file, &mut collect);
    edited_after_deploy(history, file, &mut collect);
    found
}

/// `backdated-evidence`: each approval, the review, the post-incident
/// entry (against `deployed`) and each `notified` entry (against
/// `scheduled`) of the latest committed version, whose current form first
/// appears in a commit more than [`GRACE_HOURS`] after the instant it
/// states and after the change; evidence whose current form the import
/// committed ([`History::is_imported`]) is the starting evidence.
fn backdated(history: &History, file: &FileHistory, raise: &mut Raise<'_>) {
    let Some(latest) = file.latest() else {
        return;
    };
    let record = &latest.record;
    let mut check = |field: String,
                     what: &str,
                     stated: Timestamp,
                     after: Option<Timestamp>,
                     holds: &dyn Fn(&Version) -> bool| {
        let (Some(after), Some(commit)) = (after, file.first_holding(holds)) else {
            return;
        };
        if !history.is_imported(commit) && is_backdated(&commit.time, &stated, &after) {
            let message = format!(
                "{what} states {} but first appears in commit {} by {} at {}, {} hours later",
                stated.display(),
                commit.short_id(),
                commit.author,
                commit.time.display(),
                hours_between(&stated, &commit.time)
            );
            raise(
                commit,
                Code::BackdatedEvidence,
                field,
                message,
                "evidence must be committed when it happens: record the real date, or explain the late entry in a note the reviewer can check",
            );
        }
    };
    for (index, approval) in record.approvals.iter().enumerate() {
        check(
            format!("approvals[{index}].at"),
            &format!("the approval by {}", approval.by),
            approval.at,
            record.deployed,
            &|version: &Version| version.record.approvals.contains(approval),
        );
    }
    if let Some(review) = &record.review {
        check(
            "review.at".into(),
            "the review",
            review.at,
            record.deployed,
            &|version: &Version| version.record.review.as_ref() == Some(review),
        );
    }
    if let Some(post) = &record.post_incident {
        check(
            "post_incident.at".into(),
            "the post-incident review",
            post.at,
            record.deployed,
            &|version: &Version| version.record.post_incident.as_ref() == Some(post),
        );
    }
    for (tier, told) in &record.notified {
        check(
            format!("notified.{tier}"),
            &format!("the notice to tier `{tier}`"),
            *told,
            record.scheduled,
            &|version: &Version| version.record.notified.get(tier) == Some(told),
        );
    }
}

/// Whether evidence stating `stated`, first committed at `committed`, is
/// backdated for a change whose deploy (or schedule) is `after`.
fn is_backdated(committed: &Timestamp, stated: &Timestamp, after: &Timestamp) -> bool {
    let late = committed.instant() - stated.instant() > chrono::Duration::hours(GRACE_HOURS);
    late && committed > after
}

/// Whole hours from `from` to `to`.
fn hours_between(from: &Timestamp, to: &Timestamp) -> i64 {
    (to.instant() - from.instant()).num_hours()
}

/// `edited-after-deploy`: each commit after the latest committed
/// `deployed` that changed a field other than the outcome and the
/// after-the-fact evidence (SPEC 4), at the first such field; the
/// import's commits ([`History::is_imported`]) are not judged.
fn edited_after_deploy(history: &History, file: &FileHistory, raise: &mut Raise<'_>) {
    let Some(latest) = file.latest() else {
        return;
    };
    let Some(deployed) = latest.record.deployed else {
        return;
    };
    let emergency = latest.record.class == ChangeClass::Emergency;
    let judged = file
        .changes
        .iter()
        .filter(|c| c.commit.time > deployed && !history.is_imported(&c.commit));
    for change in judged {
        let edited: Vec<&str> = change
            .fields
            .iter()
            .copied()
            .filter(|field| is_edit_after_deploy(field, emergency))
            .collect();
        let Some(first) = edited.first() else {
            continue;
        };
        raise(
            &change.commit,
            Code::EditedAfterDeploy,
            (*first).to_string(),
            format!(
                "commit {} by {} at {} changed {} after the change was deployed ({})",
                change.commit.short_id(),
                change.commit.author,
                change.commit.time.display(),
                edited
                    .iter()
                    .map(|field| format!("`{field}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                deployed.display()
            ),
            "a deployed change's record is evidence: correct it with a note in `timeline` or a follow-up record instead of rewriting it",
        );
    }
}

/// `record-removed`: a record file deleted by a commit whose id no record
/// carries any more, at line 1 of its last path; a removal by the import
/// ([`History::is_imported`]) is not one: the records at the baseline are
/// the starting population.
fn removed(portal: &Portal, history: &History) -> Vec<Pending> {
    let carried: HashSet<String> = portal
        .documents
        .iter()
        .map(|document| document.record.slug())
        .collect();
    let mut reported = HashSet::new();
    history
        .removed
        .iter()
        .rev()
        .filter(|removed| {
            let id = removed.id.as_deref().map(str::to_lowercase);
            id.as_ref().is_none_or(|id| !carried.contains(id))
                && !history.is_imported(&removed.commit)
                && !portal.root.join(&removed.path).exists()
                && reported.insert(removed.path.clone())
        })
        .map(|removed| {
            let what = removed
                .id
                .as_deref()
                .map_or_else(|| "a record".to_string(), |id| format!("record `{id}`"));
            pending(
                &portal.config,
                Code::RecordRemoved,
                &removed.path,
                String::new(),
                format!("{what} was removed in {}", describe(&removed.commit)),
                "retire a change with `status: cancelled` instead of deleting it: restore the file (git checkout <commit>^ -- <path>)",
            )
        })
        .collect()
}

/// `commit 0123456789 by Name at <time>`.
fn describe(commit: &Commit) -> String {
    format!(
        "commit {} by {} at {}",
        commit.short_id(),
        commit.author,
        commit.time.display()
    )
}

/// A flag of `code` at its configured level in `file`, placed later at `field`.
fn pending(
    config: &Config,
    code: Code,
    file: &str,
    field: String,
    message: String,
    hint: &str,
) -> Pending {
    Pending {
        flag: Flag {
            code,
            level: config.level_of(code),
            file: file.to_string(),
            line: 0,
            column: 0,
            message,
            hint: Some(hint.to_string()),
            record: None,
        },
        field,
    }
}
