//! The order and plausibility of a record's instants: date-out-of-order,
//! future-evidence. The rules are [`crate::policy::dates`].

use super::{Code, RecordCheck};
use crate::model::record::Record;
use crate::policy::{Field, OutOfOrder};

pub(super) fn check(check: &mut RecordCheck<'_>) {
    let record = &check.document.record;
    let mut flags = Vec::new();
    for OutOfOrder { field, reference } in &check.facts.out_of_order {
        let (at, reference_at) = (shown(*field, record), shown(*reference, record));
        let relation = if *field == Field::WindowEnd {
            "is not after"
        } else {
            "is before"
        };
        let message = format!(
            "`{}` ({at}) {relation} `{}` ({reference_at})",
            field.key(),
            reference.key()
        );
        flags.push((Code::DateOutOfOrder, field.key(), message, ORDER_HINT));
    }
    for field in &check.facts.in_future {
        let message = format!(
            "`{}` is dated {}, later than now: evidence cannot come from the future",
            field.key(),
            shown(*field, record)
        );
        flags.push((Code::FutureEvidence, field.key(), message, FUTURE_HINT));
    }
    for (code, field, message, hint) in flags {
        check.raise(code, &field, message, hint);
    }
}

const ORDER_HINT: &str = "fix the date that was mistyped: approvals and the deploy come after `created`, reviews after `deployed`, and a window ends after it starts";
const FUTURE_HINT: &str = "record evidence once it exists, with the instant it happened (check the year and the time zone offset)";

/// The instant of `field` as diagnostics show it.
fn shown(field: Field, record: &Record) -> String {
    field
        .at(record)
        .map(|at| at.to_string())
        .unwrap_or_default()
}
