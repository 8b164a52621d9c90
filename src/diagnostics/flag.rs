//! Flag codes (SPEC section 4), levels, and the flag value every check emits.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How seriously a flag is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported; never fails a command.
    Warn,
    /// Reported; fails `check` and `build --strict`.
    Deny,
}

impl Level {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declares the flag table once: code, name, default level and description.
macro_rules! flag_codes {
    ($($variant:ident => $name:literal, $level:ident, $description:literal;)+) => {
        /// A flag code of SPEC section 4.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $(#[doc = concat!("`", $name, "`: ", $description)] $variant),+ }

        impl Code {
            /// Every code, in the order of the spec's table.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The kebab-case code.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name),+ }
            }

            /// The level when `lints:` does not override it.
            pub fn default_level(self) -> Level {
                match self { $(Code::$variant => Level::$level),+ }
            }

            /// When the flag is raised, in one sentence.
            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => $description),+ }
            }
        }
    };
}

flag_codes! {
    InvalidRecord => "invalid-record", Deny, "Front matter missing or not YAML, wrong type, bad date, bad enum value, or a missing required field.";
    UnknownField => "unknown-field", Deny, "A front matter key that the record format does not define.";
    DuplicateId => "duplicate-id", Deny, "Two records share an id.";
    MissingApproval => "missing-approval", Deny, "A normal change past proposal has no approve decision, or an emergency change has none after the approval window.";
    InsufficientApproval => "insufficient-approval", Deny, "Fewer approvals than the policy minimum, or a required role is missing.";
    ApprovalAfterDeploy => "approval-after-deploy", Deny, "A normal change was approved after it was deployed.";
    SelfApproval => "self-approval", Deny, "An approver is the record's author.";
    ApproverNotOnBoard => "approver-not-on-board", Warn, "An approver is not on the review board, or approves under another role.";
    RejectedButDeployed => "rejected-but-deployed", Deny, "A change with a reject decision was deployed without a later approval.";
    MissingEmergencyReason => "missing-emergency-reason", Deny, "An emergency change without a reason or without who declared it.";
    UnauthorizedEmergency => "unauthorized-emergency", Deny, "An emergency was declared by someone who is not an emergency decider.";
    MissingReview => "missing-review", Deny, "An emergency change deployed longer ago than the review window has no code review.";
    MissingPostIncident => "missing-post-incident", Deny, "A change that needs a post-incident review is past its window without one.";
    PolicyReviewPending => "policy-review-pending", Warn, "A post-incident review says the policy needs review but lists no follow-ups.";
    NoticeTooShort => "notice-too-short", Warn, "A public change reaches an advance-notice tier with less notice than the tier is promised.";
    MissingRollbackPlan => "missing-rollback-plan", Warn, "A normal high-risk change has no rollback plan.";
    UnknownReference => "unknown-reference", Deny, "A follow-up id, tier or system that does not exist.";
    MalformedInternalMarker => "malformed-internal-marker", Deny, "A line looks like the internal marker but is not exactly `<!-- internal -->`.";
    InternalDetailInPublic => "internal-detail-in-public", Warn, "Customer-facing text holds what looks internal: an internal host, a private IP address, an e-mail address, a board member's or the author's name, or a configured pattern.";
    InvalidCharacter => "invalid-character", Deny, "A control character or Unicode non-character in a record or page; it would make feeds invalid XML.";
    DateOutOfOrder => "date-out-of-order", Deny, "An approval or the deploy is dated before the record was created, a review or post-incident review before the deploy, or a change window ends before it starts.";
    FutureEvidence => "future-evidence", Deny, "An approval, review, post-incident review, timeline entry or deploy is dated later than now.";
    ChangeInBlackout => "change-in-blackout", Deny, "A normal or standard change's window overlaps a blackout that covers one of its systems.";
    ChangeCollision => "change-collision", Warn, "Two changes that go ahead touch a shared system in overlapping windows.";
    DeployerApproved => "deployer-approved", Warn, "The person who deployed the change also approved it; that approval does not count.";
    BackdatedEvidence => "backdated-evidence", Deny, "Git history: an approval, review, post-incident or notified entry was first committed more than 24 hours after the instant it states, and after the change (deploy or schedule).";
    EditedAfterDeploy => "edited-after-deploy", Warn, "Git history: a commit after the deploy changed a field other than the outcome and after-the-fact evidence.";
    RecordRemoved => "record-removed", Deny, "Git history: a record file was deleted and no record carries its id any more.";
    UnrecordedDeploy => "unrecorded-deploy", Deny, "A deploy-log entry that no record accounts for: a change reached production without a change record.";
    DeployNotLogged => "deploy-not-logged", Warn, "A deployed record whose systems the deploy log covers has no entry in the log.";
}

impl Code {
    /// Looks a code up by its kebab-case name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.as_str() == name)
    }

    /// Whether the flag means a record could not be read as written; such a
    /// record is never rendered, so `build` refuses to write sites.
    pub fn blocks_build(self) -> bool {
        matches!(
            self,
            Code::InvalidRecord | Code::UnknownField | Code::DuplicateId
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One policy breach or malformed input, pointing at a file position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The flag code.
    #[serde(serialize_with = "serialize_code")]
    pub code: Code,
    /// Level after `lints:` overrides.
    pub level: Level,
    /// Path relative to the portal root.
    pub file: String,
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column in the file.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The record's id, when the record could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

fn serialize_code<S: serde::Serializer>(code: &Code, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(code.as_str())
}

impl Flag {
    /// Sort key: file, then line, then column, then code.
    pub fn sort_key(&self) -> (&str, usize, usize, Code) {
        (&self.file, self.line, self.column, self.code)
    }
}

/// Sorts flags by file then position, and drops `allow`-level ones.
pub fn finish(mut flags: Vec<Flag>) -> Vec<Flag> {
    flags.retain(|flag| flag.level != Level::Allow);
    flags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    flags.dedup();
    flags
}
