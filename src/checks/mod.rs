//! Policy checks (SPEC section 4): every flag that is not a parse error.
//!
//! Each submodule owns a group of flag codes and adds flags through
//! [`RecordCheck::raise`], which resolves the level and names the
//! front-matter key at fault. Loading keeps no key positions, so a flag gets
//! its line and column afterwards, from the text of its file ([`place`]).

mod approvals;
mod dates;
pub mod deploys;
mod emergency;
mod notice;
mod references;
mod windows;

pub use crate::diagnostics::{finish, Code, Flag, Level};
/// The load-time text checks live in [`crate::load`]; re-exported for the
/// renderers that scrub text with the same rules.
pub use crate::load::{characters, public_text};
pub use approvals::{in_policy as approvals_in_policy, is_about_approvals};

use crate::model::portal::{same_documents, Document, FieldPositions, Portal};
use crate::model::record::{ChangeClass, Risk};
use crate::policy::{DeadlineFacts, RecordFacts};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A flag raised by a check, still without its file position: it names the
/// front-matter key at fault instead.
#[derive(Debug, Clone)]
pub struct Unplaced {
    /// The flag, line and column 0 until [`place`]d.
    pub flag: Flag,
    /// The key path, e.g. `approvals[1].at`.
    field: String,
}

impl Unplaced {
    /// A flag raised outside `checks` (the git provenance flags of
    /// [`crate::history::flags`]) that names the key `field` it concerns.
    pub fn new(flag: Flag, field: String) -> Self {
        Self { flag, field }
    }
}

/// Gives each flag the line and column of its key. `positions_of(path)` is
/// asked once per flagged file.
pub fn place(unplaced: Vec<Unplaced>, positions_of: impl Fn(&str) -> FieldPositions) -> Vec<Flag> {
    let mut positions: HashMap<String, FieldPositions> = HashMap::new();
    unplaced
        .into_iter()
        .map(|Unplaced { flag, field }| {
            let position = positions
                .entry(flag.file.clone())
                .or_insert_with(|| positions_of(&flag.file))
                .of(&field);
            Flag {
                line: position.line,
                column: position.column,
                ..flag
            }
        })
        .collect()
}

/// What the per-record checks ([`run`]) found: each record's flags, in the
/// order of `portal.documents`, and the lower-cased ids of every record that
/// follow-ups were checked against.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// Each record's flags, in the order of `portal.documents`.
    pub flags: Vec<Vec<Unplaced>>,
    ids: Arc<HashSet<String>>,
}

/// An earlier run of the checks over the same portal under the same
/// `portal.yaml`, for [`run`] to reuse: the documents checked then, their
/// facts and what the checks found, all in the same order.
#[derive(Debug, Clone, Copy)]
pub struct Earlier<'a> {
    /// The documents checked then.
    pub documents: &'a [Arc<Document>],
    /// Their facts.
    pub facts: &'a [RecordFacts],
    /// What the checks found.
    pub checked: &'a Checked,
}

impl Earlier<'_> {
    /// Whether `documents` have the ids, index by index, of the documents
    /// checked then (so the set of ids is the same).
    fn same_ids(&self, documents: &[Arc<Document>]) -> bool {
        self.checked.flags.len() == documents.len()
            && same_documents(self.documents, documents, |earlier, document| {
                earlier.record.id == document.record.id
            })
    }

    /// The flags found then for the document at `index`, when it is the
    /// very document (the same `Arc`) checked then, with the same facts.
    fn of(
        &self,
        index: usize,
        document: &Arc<Document>,
        facts: &RecordFacts,
    ) -> Option<&Vec<Unplaced>> {
        let same = self
            .documents
            .get(index)
            .is_some_and(|earlier| Arc::ptr_eq(earlier, document))
            && self.facts.get(index) == Some(facts);
        same.then(|| self.checked.flags.get(index)).flatten()
    }
}

/// Runs every policy check on every record; `facts` are the records'
/// policy facts at the build's "now" ([`crate::policy::assess`]) in the
/// order of `portal.documents`. With an `earlier` run (same
/// `portal.yaml`; the caller guarantees it), a record whose document and
/// facts are the ones checked then keeps its flags when the set of ids is
/// unchanged: the result is the same as without `earlier`.
pub fn run(portal: &Portal, facts: &[RecordFacts], earlier: Option<Earlier<'_>>) -> Checked {
    let earlier = earlier.filter(|e| e.same_ids(&portal.documents));
    let ids = match &earlier {
        Some(earlier) => Arc::clone(&earlier.checked.ids),
        None => Arc::new(portal.documents.iter().map(|d| d.record.slug()).collect()),
    };
    let flags = portal
        .documents
        .par_iter()
        .zip(facts)
        .enumerate()
        .map(|(index, (document, facts))| {
            if let Some(known) = earlier.as_ref().and_then(|e| e.of(index, document, facts)) {
                return known.clone();
            }
            let mut check = RecordCheck {
                portal,
                document,
                facts,
                ids: &ids,
                flags: Vec::new(),
            };
            check.run_all();
            check.flags
        })
        .collect();
    Checked { flags, ids }
}

/// The checks of one record, collecting its flags.
pub struct RecordCheck<'a> {
    portal: &'a Portal,
    document: &'a Document,
    facts: &'a RecordFacts,
    ids: &'a HashSet<String>,
    flags: Vec<Unplaced>,
}

impl<'a> RecordCheck<'a> {
    fn run_all(&mut self) {
        approvals::check(self);
        emergency::check(self);
        notice::check(self);
        references::check(self);
        dates::check(self);
        windows::check(self);
        self.rollback_plan();
    }

    /// Raises `code` at the front-matter key `field` (e.g. `approvals[1].at`).
    fn raise(&mut self, code: Code, field: &str, message: String, hint: &str) {
        self.raise_at_level(
            code,
            self.portal.config.level_of(code),
            field,
            message,
            hint,
        );
    }

    /// Raises `code` at an explicit level (used for "warn while inside the window").
    fn raise_at_level(
        &mut self,
        code: Code,
        level: Level,
        field: &str,
        message: String,
        hint: &str,
    ) {
        let flag = Flag {
            code,
            level,
            file: self.document.path.clone(),
            line: 0,
            column: 0,
            message,
            hint: (!hint.is_empty()).then(|| hint.to_string()),
            record: Some(self.document.record.id.clone()),
        };
        self.flags.push(Unplaced {
            flag,
            field: field.to_string(),
        });
    }

    /// The level for a deadline flag: the configured level once `deadline`
    /// has passed, at most `warn` before.
    fn deadline_level(&self, code: Code, deadline: &DeadlineFacts) -> Level {
        let configured = self.portal.config.level_of(code);
        if deadline.overdue() {
            configured
        } else {
            configured.min(Level::Warn)
        }
    }

    fn rollback_plan(&mut self) {
        let record = &self.document.record;
        let has_plan = record
            .rollback
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty());
        if record.class == ChangeClass::Normal && record.risk == Risk::High && !has_plan {
            self.raise(
                Code::MissingRollbackPlan,
                "risk",
                "high-risk normal change without a rollback plan".to_string(),
                "add `rollback:` describing how to undo the change and how long it takes",
            );
        }
    }
}
