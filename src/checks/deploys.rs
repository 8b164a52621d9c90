//! Deploy-log flags (SPEC section 4) from the [`Reconciliation`]:
//! `unrecorded-deploy` at the entry's line of the log file, and
//! `deploy-not-logged` at the record's `deployed` key.

use super::{Code, Flag, Unplaced};
use crate::deploys::{Match, Reconciliation};
use crate::model::Portal;

/// The deploy-log flags of `portal` under `reconciliation`. Output: the
/// `unrecorded-deploy` flags, already placed (file = the log's path, line =
/// the entry's line, column 1), and the `deploy-not-logged` flags, to be
/// placed at each record's `deployed` key ([`super::place`]).
pub fn run(portal: &Portal, reconciliation: &Reconciliation) -> (Vec<Flag>, Vec<Unplaced>) {
    let config = &portal.config;
    let unrecorded = reconciliation
        .unrecorded()
        .map(|(entry, found)| {
            let why = match (found, &entry.change) {
                (Match::UnknownChange, Some(change)) => {
                    format!("it names `{change}`, which no record has")
                }
                _ => format!(
                    "no deployed record of `{}` has `deployed` within {} hours of it",
                    entry.system, reconciliation.hours
                ),
            };
            Flag {
                code: Code::UnrecordedDeploy,
                level: config.level_of(Code::UnrecordedDeploy),
                file: reconciliation.path.clone(),
                line: entry.line,
                column: 1,
                message: format!(
                    "deploy of `{}` to `{}` at {} by {} has no change record: {why}",
                    entry.reference,
                    entry.system,
                    entry.at.iso(),
                    entry.deployed_by
                ),
                hint: Some(
                    "write the change record (or add its id as `change` to this entry); a deploy \
                     without a record is an unauthorised change"
                        .to_string(),
                ),
                record: None,
            }
        })
        .collect();
    let unlogged = reconciliation
        .unlogged
        .iter()
        .filter_map(|&index| portal.documents.get(index))
        .map(|document| {
            let record = &document.record;
            let flag = Flag {
                code: Code::DeployNotLogged,
                level: config.level_of(Code::DeployNotLogged),
                file: document.path.clone(),
                line: 0,
                column: 0,
                message: format!(
                    "{} is {} but {} has no entry for it (systems: {})",
                    record.id,
                    record.status.as_str(),
                    reconciliation.path,
                    record.systems.join(", ")
                ),
                hint: Some(format!(
                    "check that `deployed` is right (entries match within {} hours) or add \
                     `change: {}` to its deploy-log entry",
                    reconciliation.hours, record.id
                )),
                record: Some(record.id.clone()),
            };
            Unplaced {
                flag,
                field: "deployed".to_string(),
            }
        })
        .collect();
    (unrecorded, unlogged)
}
