//! The order and plausibility of a record's instants (SPEC 4
//! `date-out-of-order`, `future-evidence`).

use crate::model::record::Record;
use crate::model::Timestamp;

/// A dated field of a record, named the way flags and pages point at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `created`.
    Created,
    /// `scheduled`.
    Scheduled,
    /// `window_end`.
    WindowEnd,
    /// `deployed`.
    Deployed,
    /// `approvals[i].at`.
    Approval(usize),
    /// `review.at`.
    Review,
    /// `post_incident.at`.
    PostIncident,
    /// `timeline[i].at`.
    Timeline(usize),
}

impl Field {
    /// The front-matter key path of the field's instant, e.g.
    /// `approvals[1].at`.
    pub fn key(self) -> String {
        match self {
            Field::Created => "created".to_string(),
            Field::Scheduled => "scheduled".to_string(),
            Field::WindowEnd => "window_end".to_string(),
            Field::Deployed => "deployed".to_string(),
            Field::Approval(index) => format!("approvals[{index}].at"),
            Field::Review => "review.at".to_string(),
            Field::PostIncident => "post_incident.at".to_string(),
            Field::Timeline(index) => format!("timeline[{index}].at"),
        }
    }

    /// The instant `record` gives the field, if it has one.
    pub fn at(self, record: &Record) -> Option<Timestamp> {
        match self {
            Field::Created => Some(record.created),
            Field::Scheduled => record.scheduled,
            Field::WindowEnd => record.window_end,
            Field::Deployed => record.deployed,
            Field::Approval(index) => record.approvals.get(index).map(|a| a.at),
            Field::Review => record.review.as_ref().map(|r| r.at),
            Field::PostIncident => record.post_incident.as_ref().map(|p| p.at),
            Field::Timeline(index) => record.timeline.get(index).map(|t| t.at),
        }
    }
}

/// Two instants in the wrong order: `field` is dated before `reference`
/// (for `window_end`: not after `scheduled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfOrder {
    /// The field dated too early.
    pub field: Field,
    /// The field it must not precede.
    pub reference: Field,
}

/// The instants of `record` that are out of order, in record order: an
/// approval or `deployed` before `created`; `review` or `post_incident`
/// before `deployed`; `window_end` not after `scheduled`. Equal instants
/// are in order (an approval exactly at `created` is fine), except that a
/// window must end after it starts. Implements SPEC 4 `date-out-of-order`.
pub fn out_of_order(record: &Record) -> Vec<OutOfOrder> {
    let before = |field: Field, reference: Field| {
        let early = field.at(record)? < reference.at(record)?;
        early.then_some(OutOfOrder { field, reference })
    };
    let mut found = Vec::new();
    if let (Some(start), Some(end)) = (record.scheduled, record.window_end) {
        if end <= start {
            found.push(OutOfOrder {
                field: Field::WindowEnd,
                reference: Field::Scheduled,
            });
        }
    }
    found.extend(before(Field::Deployed, Field::Created));
    found.extend(
        (0..record.approvals.len()).filter_map(|i| before(Field::Approval(i), Field::Created)),
    );
    found.extend(before(Field::Review, Field::Deployed));
    found.extend(before(Field::PostIncident, Field::Deployed));
    found
}

/// The evidence fields of `record` dated later than `now`: approvals,
/// `review`, `post_incident`, timeline entries and `deployed` (a record
/// cannot attest to what has not happened yet). An instant equal to `now`
/// is not in the future. Implements SPEC 4 `future-evidence`.
pub fn in_future(record: &Record, now: Timestamp) -> Vec<Field> {
    let approvals = (0..record.approvals.len()).map(Field::Approval);
    let timeline = (0..record.timeline.len()).map(Field::Timeline);
    [Field::Deployed]
        .into_iter()
        .chain(approvals)
        .chain([Field::Review])
        .chain(timeline)
        .chain([Field::PostIncident])
        .filter(|field| field.at(record).is_some_and(|at| at > now))
        .collect()
}
