//! Change windows against freezes and against each other (SPEC 3
//! `policy.blackouts`; SPEC 4 `change-in-blackout`, `change-collision`).
//!
//! A change occupies its planned window (`scheduled` up to `window_end`)
//! and, once deployed, its `deployed` instant when that falls outside the
//! planned window; without a planned window, the `deployed` instant, else
//! the instant `scheduled`. Spans are compared with [`Span::overlaps`]:
//! windows that only touch end to start do not overlap.

use super::dates::Field;
use crate::model::config::Policy;
use crate::model::record::{ChangeClass, Record, Status};
use crate::model::time::Span;
use crate::model::Timestamp;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

/// The spans `record` occupies, each with the field it comes from
/// ([`Field::Scheduled`] for the planned window or the bare `scheduled`
/// instant, [`Field::Deployed`] for the deploy instant); empty when it has
/// neither `scheduled` nor `deployed`. A `window_end` not after `scheduled`
/// gives no planned window (that is `date-out-of-order`).
pub fn occupied(record: &Record) -> Vec<(Field, Span)> {
    let planned = match (record.scheduled, record.window_end) {
        (Some(start), Some(end)) if end > start => Some(Span { start, end }),
        _ => None,
    };
    let mut spans: Vec<(Field, Span)> =
        planned.map(|p| (Field::Scheduled, p)).into_iter().collect();
    match (record.deployed, record.scheduled) {
        (Some(deployed), _) if planned.is_none_or(|p| !p.contains(deployed)) => {
            spans.push((Field::Deployed, Span::instant(deployed)));
        }
        (None, Some(scheduled)) if planned.is_none() => {
            spans.push((Field::Scheduled, Span::instant(scheduled)));
        }
        _ => {}
    }
    spans
}

/// Whether the change still goes (or went) ahead: neither cancelled nor
/// rejected.
fn goes_ahead(record: &Record) -> bool {
    !matches!(record.status, Status::Cancelled | Status::Rejected)
}

/// Whether `a` and `b` give [`collisions`] the same inputs: the same id,
/// both going ahead or neither, the same spans ([`occupied`]) and the
/// same systems. An edit that keeps them (a body, a title, `deployed` to
/// `rolled_back`) cannot change any record's collisions.
pub fn same_collision_inputs(a: &Record, b: &Record) -> bool {
    a.id == b.id
        && goes_ahead(a) == goes_ahead(b)
        && a.systems == b.systems
        && occupied(a) == occupied(b)
}

/// A blackout a change falls into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlackoutHit {
    /// Index of the blackout in `policy.blackouts`.
    pub blackout: usize,
    /// The field whose span overlaps it (the first, in [`occupied`] order).
    pub field: Field,
}

/// The blackouts of `policy` that `record`'s spans ([`occupied`]) overlap,
/// for a normal or standard change that goes ahead (not cancelled or
/// rejected); a blackout covers the change when it names none of the
/// systems (all systems) or one of the record's. Implements SPEC 4
/// `change-in-blackout`.
pub fn blackouts(record: &Record, policy: &Policy) -> Vec<BlackoutHit> {
    if record.class == ChangeClass::Emergency || !goes_ahead(record) {
        return Vec::new();
    }
    let spans = occupied(record);
    policy
        .blackouts
        .iter()
        .enumerate()
        .filter(|(_, blackout)| blackout.covers(&record.systems))
        .filter_map(|(index, blackout)| {
            let freeze = blackout.span();
            let (field, _) = spans.iter().find(|(_, span)| span.overlaps(&freeze))?;
            Some(BlackoutHit {
                blackout: index,
                field: *field,
            })
        })
        .collect()
}

/// Other changes that share a system with a record at overlapping times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The shared system's key.
    pub system: String,
    /// The ids of the other records, in the order of the records given.
    pub with: Vec<String>,
}

/// For each of `records`, the changes it collides with, one entry per
/// shared system in key order: two records that go ahead (neither
/// cancelled nor rejected) and list the same system collide when a planned
/// window of one overlaps a span ([`occupied`]) of the other; two single
/// instants (deploys without a planned window) do not collide. A sweep per system over spans sorted
/// by start: O(n log n + k) for n spans and k colliding pairs. Implements
/// SPEC 4 `change-collision`.
pub fn collisions(records: &[&Record]) -> Vec<Vec<Collision>> {
    let mut by_system: HashMap<&str, Vec<(Span, usize)>> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        if !goes_ahead(record) {
            continue;
        }
        let spans = occupied(record);
        let systems: BTreeSet<&str> = record.systems.iter().map(String::as_str).collect();
        for system in systems {
            let entry = by_system.entry(system).or_default();
            entry.extend(spans.iter().map(|(_, span)| (*span, index)));
        }
    }
    let mut found: Vec<BTreeMap<&str, BTreeSet<usize>>> = vec![BTreeMap::new(); records.len()];
    for (system, spans) in by_system {
        for (a, b) in overlapping_pairs(spans) {
            found[a].entry(system).or_default().insert(b);
            found[b].entry(system).or_default().insert(a);
        }
    }
    found
        .into_iter()
        .map(|systems| {
            systems
                .into_iter()
                .map(|(system, others)| Collision {
                    system: system.to_string(),
                    with: others.into_iter().map(|i| records[i].id.clone()).collect(),
                })
                .collect()
        })
        .collect()
}

/// The pairs of distinct owners whose spans overlap, where two single
/// instants never do (without a window there is no duration to overlap),
/// each pair possibly more than once. Sweep: spans in start order, windows
/// before instants at the same start; the active heap holds the windows
/// that may still overlap a later start, keyed by their end. An instant
/// pairs with the active windows but never needs to be active itself:
/// every later span starts after it, or is an instant.
fn overlapping_pairs(mut spans: Vec<(Span, usize)>) -> Vec<(usize, usize)> {
    spans.sort_by_key(|(span, _)| (span.start, span.is_instant()));
    let mut active: BinaryHeap<Reverse<(Timestamp, usize)>> = BinaryHeap::new();
    let mut pairs = Vec::new();
    for (span, owner) in spans {
        while active
            .peek()
            .is_some_and(|Reverse((end, _))| *end <= span.start)
        {
            active.pop();
        }
        pairs.extend(
            active
                .iter()
                .map(|Reverse((_, other))| *other)
                .filter(|other| *other != owner)
                .map(|other| (other, owner)),
        );
        if !span.is_instant() {
            active.push(Reverse((span.end, owner)));
        }
    }
    pairs
}
