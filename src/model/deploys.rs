//! The deploy log (SPEC section 3, `deploy_log`): what really reached
//! production, as read by [`crate::load::deploys`].

use super::time::Timestamp;

/// One deployment the log records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployEntry {
    /// 1-based line of the entry in the log file (a CSV header is line 1).
    pub line: usize,
    /// When the deployment happened (an instant in UTC).
    pub at: Timestamp,
    /// The system deployed to (a key of `systems` when that is defined).
    pub system: String,
    /// The commit or release deployed (the log's `ref`).
    pub reference: String,
    /// Who carried out the deployment, as written.
    pub deployed_by: String,
    /// The record id the entry names, when it names one.
    pub change: Option<String>,
}

/// The entries of the deploy log that could be read, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployLog {
    /// Path of the log relative to the portal root, as `deploy_log` names it.
    pub path: String,
    /// Readable entries, in file order (rows with problems are left out:
    /// they are `invalid-record` flags at their line, which stop a build).
    pub entries: Vec<DeployEntry>,
}
