//! Which front-matter fields a commit changed: the two versions are parsed
//! by the real loader and compared value by value per top-level field
//! (SPEC section 3, Provenance), so re-indenting a list or writing a date as
//! `2026-03-01T00:00:00Z` instead of `2026-03-01` changes nothing.

use crate::model::portal::Document;
use crate::model::record::Record;

/// The name of the pseudo-field for the markdown body.
pub const BODY: &str = "body";

/// One readable version of a record file: its front matter and body.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The parsed front matter.
    pub record: Record,
    /// The public and internal body parts, as the loader split them.
    pub body: (String, String),
}

impl Version {
    /// The version a loaded record file holds.
    pub fn of(document: &Document) -> Self {
        Self {
            record: document.record.clone(),
            body: (document.public_body.clone(), document.internal_body.clone()),
        }
    }
}

/// The front-matter keys (SPEC 2 spelling) whose parsed values differ
/// between `before` and `after`, in SPEC order, then [`BODY`] when the body
/// text differs.
pub fn changed(before: &Version, after: &Version) -> Vec<&'static str> {
    let mut fields = changed_fields(&before.record, &after.record);
    if before.body != after.body {
        fields.push(BODY);
    }
    fields
}

/// Compares every field of [`Record`]. The destructuring lists all of them,
/// so a field added to the record format does not compile until it is
/// compared here too.
fn changed_fields(before: &Record, after: &Record) -> Vec<&'static str> {
    let Record {
        id,
        title,
        change_type,
        class,
        status,
        risk,
        visibility,
        summary,
        author,
        created,
        scheduled,
        deployed,
        window_end,
        deployed_by,
        cancelled,
        embargo_until,
        systems,
        tiers,
        notified,
        approvals,
        testing,
        rollback,
        emergency,
        review,
        timeline,
        post_incident,
        links,
    } = before;
    let pairs = [
        ("id", *id != after.id),
        ("title", *title != after.title),
        ("type", *change_type != after.change_type),
        ("class", *class != after.class),
        ("status", *status != after.status),
        ("risk", *risk != after.risk),
        ("visibility", *visibility != after.visibility),
        ("summary", *summary != after.summary),
        ("author", *author != after.author),
        ("created", *created != after.created),
        ("scheduled", *scheduled != after.scheduled),
        ("deployed", *deployed != after.deployed),
        ("window_end", *window_end != after.window_end),
        ("deployed_by", *deployed_by != after.deployed_by),
        ("cancelled", *cancelled != after.cancelled),
        ("embargo_until", *embargo_until != after.embargo_until),
        ("systems", *systems != after.systems),
        ("tiers", *tiers != after.tiers),
        ("notified", *notified != after.notified),
        ("approvals", *approvals != after.approvals),
        ("testing", *testing != after.testing),
        ("rollback", *rollback != after.rollback),
        ("emergency", *emergency != after.emergency),
        ("review", *review != after.review),
        ("timeline", *timeline != after.timeline),
        ("post_incident", *post_incident != after.post_incident),
        ("links", *links != after.links),
    ];
    pairs
        .into_iter()
        .filter(|(_, differs)| *differs)
        .map(|(name, _)| name)
        .collect()
}

/// Fields a commit after `deployed` may change without `edited-after-deploy`
/// (SPEC 4): the outcome and the after-the-fact evidence, plus the body's
/// internal notes.
const EDITABLE_AFTER_DEPLOY: &[&str] = &[
    "status",
    "deployed",
    "deployed_by",
    "cancelled",
    "review",
    "post_incident",
    "timeline",
    "links",
    "testing",
    "rollback",
    BODY,
];

/// Whether changing `field` after deploy is an edit SPEC 4's
/// `edited-after-deploy` reports; `emergency` says whether the change is of
/// class emergency (whose approvals legitimately come after deploy).
pub fn is_edit_after_deploy(field: &str, emergency: bool) -> bool {
    !(EDITABLE_AFTER_DEPLOY.contains(&field) || (emergency && field == "approvals"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::record::parse_str;
    use crate::model::config::Config;

    fn version(front: &str) -> Version {
        let text = format!("---\n{front}---\nBody.\n");
        let config: Config = crate::yaml::from_str("title: T\nbase_url: https://x.example\n")
            .unwrap_or_else(|e| panic!("{}", e.message));
        let document = parse_str(&text, "content/changes/a.md", &config)
            .document
            .map(std::sync::Arc::unwrap_or_clone)
            .unwrap_or_else(|| panic!("record does not parse: {text}"));
        Version {
            record: document.record,
            body: (document.public_body, document.internal_body),
        }
    }

    const BASE: &str = "id: C-1\ntitle: T\ntype: feature\nstatus: deployed\nauthor: A\ncreated: 2026-01-01\ndeployed: 2026-01-02\n";

    #[test]
    fn same_values_written_differently_change_nothing() {
        let a = version(BASE);
        let b = version(&BASE.replace("created: 2026-01-01", "created: 2026-01-01T00:00:00Z"));
        assert!(changed(&a, &b).is_empty());
    }

    #[test]
    fn each_changed_field_is_named_once_in_spec_order() {
        let a = version(BASE);
        let b = version(&format!(
            "{}systems: [api]\n",
            BASE.replace("title: T", "title: U")
        ));
        assert_eq!(changed(&a, &b), vec!["title", "systems"]);
    }

    #[test]
    fn approvals_are_editable_after_deploy_only_for_emergencies() {
        assert!(is_edit_after_deploy("approvals", false));
        assert!(!is_edit_after_deploy("approvals", true));
        assert!(!is_edit_after_deploy("review", false));
        assert!(is_edit_after_deploy("title", true));
    }
}
