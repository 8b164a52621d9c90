//! The change record of SPEC section 2, exactly as written in front matter.

use super::time::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Declares a front-matter enum with its snake_case spelling and a list of all
/// values (used for counting, filters and error hints).
macro_rules! record_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$variant_meta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$variant_meta])* #[doc = concat!("`", $text, "`")] $variant),+ }

        impl $name {
            /// Every value, in the order the spec lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling used in front matter and URLs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

record_enum!(
    /// What kind of change.
    ChangeType {
        Feature => "feature",
        Improvement => "improvement",
        Bugfix => "bugfix",
        Hotfix => "hotfix",
        Security => "security",
        Maintenance => "maintenance",
        Deprecation => "deprecation",
        Infrastructure => "infrastructure",
    }
);

record_enum!(
    /// How the change is governed (default `normal`).
    #[derive(Default)]
    ChangeClass {
        Standard => "standard",
        #[default]
        Normal => "normal",
        Emergency => "emergency",
    }
);

record_enum!(
    /// Where the change is in its life.
    Status {
        Proposed => "proposed",
        Approved => "approved",
        Rejected => "rejected",
        Scheduled => "scheduled",
        InProgress => "in_progress",
        Deployed => "deployed",
        RolledBack => "rolled_back",
        Cancelled => "cancelled",
    }
);

record_enum!(
    /// Assessed risk (default `medium`).
    #[derive(Default)]
    Risk {
        Low => "low",
        #[default]
        Medium => "medium",
        High => "high",
    }
);

record_enum!(
    /// Who may read the record (default `internal`).
    #[derive(Default)]
    Visibility {
        Public => "public",
        #[default]
        Internal => "internal",
    }
);

record_enum!(
    /// A review board member's decision.
    Decision {
        Approve => "approve",
        Reject => "reject",
    }
);

record_enum!(
    /// Whether a post-incident review asks for a policy change.
    PolicyReview {
        None => "none",
        Needed => "needed",
        Done => "done",
    }
);

/// One change record's front matter.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::schema::record_rules)]
pub struct Record {
    /// Unique, stable identifier; URLs use it lower-cased.
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"))]
    pub id: String,
    /// Headline.
    pub title: String,
    /// Kind of change (`type` in front matter).
    #[serde(rename = "type")]
    pub change_type: ChangeType,
    /// Governance class.
    #[serde(default)]
    pub class: ChangeClass,
    /// Life-cycle status.
    pub status: Status,
    /// Assessed risk.
    #[serde(default)]
    pub risk: Risk,
    /// Public or internal.
    #[serde(default)]
    pub visibility: Visibility,
    /// Customer-facing one-liner.
    #[serde(default)]
    pub summary: Option<String>,
    /// Who requested and wrote the change.
    pub author: String,
    /// When the record entered the portal.
    pub created: Timestamp,
    /// Planned start of the change window.
    #[serde(default)]
    pub scheduled: Option<Timestamp>,
    /// When the change went live.
    #[serde(default)]
    pub deployed: Option<Timestamp>,
    /// End of the planned change window (after `scheduled`).
    #[serde(default)]
    pub window_end: Option<Timestamp>,
    /// Who carried out the deployment (segregation of duties, deploy-log
    /// reconciliation).
    #[serde(default)]
    pub deployed_by: Option<String>,
    /// When a cancelled change was called off; dates the cancellation notice.
    #[serde(default)]
    pub cancelled: Option<Timestamp>,
    /// No public output mentions the record before this instant.
    #[serde(default)]
    pub embargo_until: Option<Timestamp>,
    /// Affected systems.
    #[serde(default)]
    pub systems: Vec<String>,
    /// Concerned customer tiers; `None` means all tiers.
    #[serde(default)]
    pub tiers: Option<Vec<String>>,
    /// When each tier was told, where that differs from `created`.
    #[serde(default)]
    pub notified: BTreeMap<String, Timestamp>,
    /// Review board decisions.
    #[serde(default)]
    pub approvals: Vec<Approval>,
    /// Test evidence (markdown).
    #[serde(default)]
    pub testing: Option<String>,
    /// Rollback plan (markdown).
    #[serde(default)]
    pub rollback: Option<String>,
    /// Emergency declaration.
    #[serde(default)]
    pub emergency: Option<Emergency>,
    /// Code review after the change.
    #[serde(default)]
    pub review: Option<Review>,
    /// War-room evidence, in order.
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    /// Post-incident discussion.
    #[serde(default)]
    pub post_incident: Option<PostIncident>,
    /// Tickets, pull requests.
    #[serde(default)]
    pub links: Vec<String>,
}

/// One review board decision.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Board member's name.
    pub by: String,
    /// Role the member decided under.
    pub role: String,
    /// Approve or reject.
    pub decision: Decision,
    /// When.
    pub at: Timestamp,
    /// Optional remark.
    #[serde(default)]
    pub note: Option<String>,
}

/// Why a change could not wait, and who decided.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Emergency {
    /// Why waiting would put the organisation at significant risk.
    #[serde(default)]
    pub reason: Option<String>,
    /// Who declared the emergency.
    #[serde(default)]
    pub declared_by: Option<String>,
    /// When the emergency was declared.
    #[serde(default)]
    pub declared_at: Option<Timestamp>,
}

/// Code review after the change.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// Reviewer.
    pub by: String,
    /// When the review was done.
    pub at: Timestamp,
    /// Link to the review.
    #[serde(default)]
    pub link: Option<String>,
    /// Reviewer's remark.
    #[serde(default)]
    pub note: Option<String>,
}

/// One war-room timeline entry.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    /// When.
    pub at: Timestamp,
    /// Who.
    #[serde(default)]
    pub by: Option<String>,
    /// What happened.
    pub note: String,
    /// Evidence link.
    #[serde(default)]
    pub link: Option<String>,
}

/// Post-incident review.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostIncident {
    /// When the discussion took place.
    pub at: Timestamp,
    /// Lessons learned (markdown).
    pub lessons: String,
    /// Improvements agreed (markdown).
    #[serde(default)]
    pub improvements: Option<String>,
    /// Whether policy must change.
    pub policy_review: PolicyReview,
    /// Follow-up record ids or URLs.
    #[serde(default)]
    pub follow_ups: Vec<String>,
}

impl Record {
    /// The id as used in URLs and file names.
    pub fn slug(&self) -> String {
        self.id.to_lowercase()
    }

    /// Whether the record may ever appear on the public site.
    pub fn is_public(&self) -> bool {
        self.visibility == Visibility::Public
    }

    /// Whether the record concerns `tier` (no `tiers` means every tier).
    pub fn concerns_tier(&self, tier: &str) -> bool {
        match &self.tiers {
            Some(tiers) => tiers.iter().any(|t| t == tier),
            None => true,
        }
    }

    /// When customers of `tier` were told: `notified[tier]`, else `created`.
    pub fn announced_to(&self, tier: &str) -> Timestamp {
        self.notified.get(tier).copied().unwrap_or(self.created)
    }

    /// Whether the record is under embargo at `now`.
    pub fn is_embargoed(&self, now: &Timestamp) -> bool {
        self.embargo_until.is_some_and(|until| *now < until)
    }

    /// Whether the status says the change went live.
    pub fn is_live(&self) -> bool {
        matches!(self.status, Status::Deployed | Status::RolledBack)
    }

    /// The instant the change went or goes live: `deployed`, else `scheduled`.
    pub fn effective_date(&self) -> Option<Timestamp> {
        self.deployed.or(self.scheduled)
    }
}

/// Checks the id syntax of SPEC section 2: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    first_ok
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_syntax() {
        assert!(is_valid_id("CHG-0001"));
        assert!(is_valid_id("a.b_c-d"));
        for bad in ["", "-x", "../etc", "a/b", "a b", ".hidden", &"x".repeat(65)] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }
}
