//! `portal.yaml` (SPEC section 3).

use super::person::same_person;
use super::record::{ChangeClass, ChangeType, Status};
use super::time::{Span, Timestamp, Zone};
use crate::diagnostics::{Code, Level};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The portal configuration.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site title.
    pub title: String,
    /// Absolute URL the public site is served from; used in feeds and canonical links.
    pub base_url: String,
    /// Absolute URL of the internal site, when it has one.
    #[serde(default)]
    pub internal_base_url: Option<String>,
    /// One-line description of the portal (extension: used in feeds and meta tags).
    #[serde(default)]
    pub description: Option<String>,
    /// Theme name; only the built-in `default` theme exists.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Display time zone (an IANA name; unknown names are refused where they
    /// are written); comparisons are always on instants.
    #[serde(default)]
    pub timezone: Zone,
    /// Customer tiers, in the order the portal lists them; one feed each.
    #[serde(default)]
    pub tiers: IndexMap<String, Tier>,
    /// Optional system catalogue; when present, unknown systems are flagged.
    #[serde(default)]
    pub systems: Option<IndexMap<String, System>>,
    /// Approval and emergency policy.
    #[serde(default)]
    pub policy: Policy,
    /// What must never appear in customer-facing text (SPEC section 3).
    #[serde(default)]
    pub public_text: PublicText,
    /// Per-flag level overrides.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::lints")]
    pub lints: BTreeMap<String, Level>,
    /// Items per feed (extension, default 50).
    #[serde(default = "default_feed_items")]
    pub feed_items: usize,
    /// Changes per page on the public home page (extension, default 30).
    #[serde(default = "default_per_page")]
    pub per_page: usize,
    /// The deploy log (SPEC section 3): a path relative to the portal root,
    /// CSV with a header row or JSON lines, of what really reached
    /// production. Absolute paths and `..` are refused (`Config::validate`).
    #[serde(default)]
    pub deploy_log: Option<String>,
    /// How the git history is read as evidence (SPEC section 3, Provenance).
    #[serde(default)]
    pub provenance: ProvenanceConfig,
}

/// `provenance:` in portal.yaml: how the git history is judged.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceConfig {
    /// The end of the import (a date includes that whole day, UTC): commits
    /// whose committer time is at or before it brought existing records
    /// into the repository, and the records as they stand at the baseline
    /// are the starting evidence. Entries first committed then never raise
    /// `backdated-evidence`, changes committed then never raise
    /// `edited-after-deploy` or `record-removed`; history pages still show
    /// those commits, marked as the import.
    #[serde(default)]
    pub baseline: Option<Timestamp>,
}

/// A customer tier.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Display name.
    pub title: String,
    /// Days of advance notice; 0 means real time.
    #[serde(default)]
    pub notice_days: u32,
    /// Optional filter: only these change types reach the tier.
    #[serde(default)]
    pub types: Option<Vec<ChangeType>>,
    /// Optional description shown on the subscribe page (extension).
    #[serde(default)]
    pub description: Option<String>,
    /// Days before `scheduled` at which the tier's feeds carry a reminder
    /// item (SPEC section 3, e.g. `[7, 1]`); each at least 1, advance-notice
    /// tiers only.
    #[serde(default)]
    pub reminders: Vec<u32>,
}

impl Tier {
    /// Whether the tier gets advance notice of upcoming changes.
    pub fn is_advance_notice(&self) -> bool {
        self.notice_days > 0
    }

    /// Whether changes of `change_type` reach the tier.
    pub fn accepts(&self, change_type: ChangeType) -> bool {
        self.types
            .as_ref()
            .is_none_or(|types| types.contains(&change_type))
    }
}

/// `public_text:`: what `internal-detail-in-public` looks for in
/// customer-facing text beyond e-mail addresses, private IP addresses and
/// people's names (SPEC sections 3 and 4).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicText {
    /// Internal DNS domains: a host name equal to one of them, or under one,
    /// is internal (`acme.internal` covers `db1.eu.acme.internal`).
    #[serde(default)]
    pub internal_domains: Vec<String>,
    /// Regular expressions (the `regex` crate's syntax) whose matches are
    /// internal, e.g. ticket keys or secret paths. A pattern that does not
    /// compile is a config error at its line.
    #[serde(default)]
    pub patterns: Vec<Pattern>,
}

/// A compiled `public_text.patterns` entry.
#[derive(Debug, Clone)]
pub struct Pattern(pub regex::Regex);

impl<'de> Deserialize<'de> for Pattern {
    /// Compiles the pattern while deserializing, so that a bad pattern is
    /// reported at its own line and column.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        regex::RegexBuilder::new(&text)
            .size_limit(1 << 20)
            .build()
            .map(Pattern)
            .map_err(|error| {
                let first_line = error.to_string();
                let detail = first_line.lines().last().unwrap_or_default().trim();
                serde::de::Error::custom(format!(
                    "public_text pattern `{text}` is not a valid regular expression: {detail}"
                ))
            })
    }
}

/// A catalogued system.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// Display name.
    pub title: String,
    /// Owning team.
    #[serde(default)]
    pub owner: Option<String>,
    /// What the system is (extension).
    #[serde(default)]
    pub description: Option<String>,
}

/// Change management policy.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The review board roster; empty means "not defined".
    #[serde(default)]
    pub board: Vec<BoardMember>,
    /// Freeze windows in which no normal or standard change may take place
    /// (SPEC 3 `policy.blackouts`, SPEC 4 `change-in-blackout`).
    #[serde(default)]
    pub blackouts: Vec<Blackout>,
    /// Approval rules per class.
    #[serde(default)]
    pub approvals: ApprovalPolicy,
    /// Emergency change rules.
    #[serde(default)]
    pub emergency: EmergencyPolicy,
    /// Class and/or status values whose records need a post-incident review.
    #[serde(default = "default_post_incident_scope")]
    pub require_post_incident_for: Vec<String>,
    /// Hours: a deploy-log entry without `change` matches a deployed
    /// record of its system whose `deployed` instant lies within this many
    /// hours of the entry's `at`, both ends included (SPEC 3). Default 2
    /// (`DEFAULT_DEPLOY_MATCH_HOURS`); read it through
    /// `Policy::deploy_match_hours`.
    #[serde(default)]
    pub deploy_match_hours: Option<u32>,
}

/// `policy.deploy_match_hours` when portal.yaml does not set it (SPEC 3).
pub const DEFAULT_DEPLOY_MATCH_HOURS: u32 = 2;

impl Policy {
    /// The deploy-log matching window in hours (SPEC 3): the configured
    /// value, else [`DEFAULT_DEPLOY_MATCH_HOURS`].
    pub fn deploy_match_hours(&self) -> u32 {
        self.deploy_match_hours
            .unwrap_or(DEFAULT_DEPLOY_MATCH_HOURS)
    }
}

/// A review board member.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BoardMember {
    /// Full name as approvals spell it (compared as people read names,
    /// [`same_person`]).
    pub name: String,
    /// Role on the board.
    pub role: String,
    /// First instant of membership (a date means its midnight UTC); `None`:
    /// since always.
    #[serde(default)]
    pub from: Option<Timestamp>,
    /// End of membership: a datetime is the instant it ends, a date-only
    /// `to` includes that whole day (UTC); `None`: still a member.
    #[serde(default)]
    pub to: Option<Timestamp>,
}

impl BoardMember {
    /// Whether the member sat on the board at `at` (SPEC 3): on or after
    /// `from` and before the end of `to` ([`Timestamp::period_end`]).
    pub fn serves_at(&self, at: Timestamp) -> bool {
        self.from.is_none_or(|from| from <= at) && self.to.is_none_or(|to| at < to.period_end())
    }
}

/// A freeze window of `policy.blackouts` (SPEC 3).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Blackout {
    /// First instant of the freeze (a date means its midnight UTC).
    pub from: Timestamp,
    /// End of the freeze: a datetime is the instant it ends, a date-only `to`
    /// includes that whole day (UTC).
    pub to: Timestamp,
    /// The systems it covers; `None` covers every system.
    #[serde(default)]
    pub systems: Option<Vec<String>>,
    /// Why changes are frozen (shown in flags and on pages).
    pub reason: String,
}

impl Blackout {
    /// The freeze as a span: `from` up to [`Timestamp::period_end`] of `to`.
    pub fn span(&self) -> Span {
        Span {
            start: self.from,
            end: self.to.period_end(),
        }
    }

    /// Whether the freeze covers a change to `systems`: it names no systems
    /// (all of them), or one of `systems`.
    pub fn covers(&self, systems: &[String]) -> bool {
        self.systems
            .as_ref()
            .is_none_or(|covered| covered.iter().any(|key| systems.contains(key)))
    }
}

/// Approval rules per change class.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalPolicy {
    /// Rule for normal changes (default: at least one approval).
    #[serde(default = "default_normal_rule")]
    pub normal: ApprovalRule,
    /// Rule for standard (pre-approved) changes (default: none).
    #[serde(default)]
    pub standard: ApprovalRule,
    /// Rule for emergency changes (default: one approval within 2 days).
    #[serde(default = "default_emergency_rule")]
    pub emergency: ApprovalRule,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self {
            normal: default_normal_rule(),
            standard: ApprovalRule::default(),
            emergency: default_emergency_rule(),
        }
    }
}

impl ApprovalPolicy {
    /// The rule for `class`.
    pub fn for_class(&self, class: ChangeClass) -> &ApprovalRule {
        match class {
            ChangeClass::Normal => &self.normal,
            ChangeClass::Standard => &self.standard,
            ChangeClass::Emergency => &self.emergency,
        }
    }
}

/// How many approvals, from which roles, within which window.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRule {
    /// Minimum number of approvals.
    #[serde(default)]
    pub min: u32,
    /// Roles that must each approve at least once.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Emergency only: days after deploy within which approvals may come.
    #[serde(default)]
    pub within_days: Option<u32>,
}

/// Emergency change rules.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyPolicy {
    /// Who may declare an emergency; empty means anyone.
    #[serde(default)]
    pub deciders: Vec<String>,
    /// Days after deploy by which the code review is due.
    #[serde(default = "default_review_days")]
    pub review_within_days: u32,
    /// Days after deploy by which the post-incident review is due.
    #[serde(default = "default_post_incident_days")]
    pub post_incident_within_days: u32,
}

impl Default for EmergencyPolicy {
    fn default() -> Self {
        Self {
            deciders: Vec::new(),
            review_within_days: default_review_days(),
            post_incident_within_days: default_post_incident_days(),
        }
    }
}

impl Config {
    /// The level of `code` after `lints:` overrides.
    /// Codes that mean a record cannot be read are always `deny`: such a
    /// record would otherwise vanish from the sites without a trace.
    pub fn level_of(&self, code: Code) -> Level {
        if code.blocks_build() {
            return Level::Deny;
        }
        self.lints
            .get(code.as_str())
            .copied()
            .unwrap_or_else(|| code.default_level())
    }

    /// Problems the YAML shape cannot express, as (config key path, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if let Err(why) = check_base_url(&self.base_url) {
            problems.push(("base_url".to_string(), format!("base_url {why}")));
        }
        if let Some(Err(why)) = self.internal_base_url.as_deref().map(check_base_url) {
            problems.push((
                "internal_base_url".to_string(),
                format!("internal_base_url {why}"),
            ));
        }
        if self.theme != "default" {
            problems.push((
                "theme".to_string(),
                format!("unknown theme `{}`: the built-in theme is `default` (override its files in templates/)", self.theme),
            ));
        }
        for (key, level) in &self.lints {
            match Code::from_name(key) {
                None => problems.push((
                    format!("lints.{key}"),
                    format!("unknown flag code `{key}` in lints"),
                )),
                Some(code) if code.blocks_build() && *level != Level::Deny => problems.push((
                    format!("lints.{key}"),
                    format!("`{key}` means a record cannot be read; it is always `deny`"),
                )),
                Some(_) => {}
            }
        }
        for value in &self.policy.require_post_incident_for {
            let known = ChangeClass::ALL.iter().any(|c| c.as_str() == value)
                || Status::ALL.iter().any(|s| s.as_str() == value);
            if !known {
                problems.push((
                    "policy.require_post_incident_for".to_string(),
                    format!("`{value}` is neither a class nor a status"),
                ));
            }
        }
        for key in self.tiers.keys() {
            if !crate::model::record::is_valid_id(key) {
                problems.push((
                    format!("tiers.{key}"),
                    format!("tier key `{key}` must match [A-Za-z0-9][A-Za-z0-9._-]*"),
                ));
            }
        }
        for (key, tier) in &self.tiers {
            if tier.reminders.contains(&0) {
                problems.push((
                    format!("tiers.{key}.reminders"),
                    format!(
                        "tier `{key}`: reminders are days before the change and must be at least 1"
                    ),
                ));
            }
            if !tier.reminders.is_empty() && !tier.is_advance_notice() {
                problems.push((
                    format!("tiers.{key}.reminders"),
                    format!("tier `{key}` has reminders but notice_days: 0; only advance-notice tiers hear of a change before it is live"),
                ));
            }
        }
        problems.extend(self.period_problems());
        if let Some(Err(why)) = self.deploy_log.as_deref().map(check_deploy_log_path) {
            problems.push(("deploy_log".to_string(), why));
        }
        if self.feed_items == 0 || self.per_page == 0 {
            problems.push((
                "feed_items".to_string(),
                "feed_items and per_page must be at least 1".to_string(),
            ));
        }
        problems
    }

    /// Blackouts and board memberships whose `from` is after their `to`, and
    /// blackouts naming a system the catalogue does not list (SPEC 3).
    fn period_problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for (index, blackout) in self.policy.blackouts.iter().enumerate() {
            if blackout.from > blackout.to {
                problems.push((
                    format!("policy.blackouts[{index}]"),
                    format!(
                        "blackout `{}` starts ({}) after it ends ({})",
                        blackout.reason, blackout.from, blackout.to
                    ),
                ));
            }
            let unknown = blackout.systems.iter().flatten().filter(|key| {
                self.systems
                    .as_ref()
                    .is_some_and(|systems| !systems.contains_key(*key))
            });
            for key in unknown {
                problems.push((
                    format!("policy.blackouts[{index}]"),
                    format!(
                        "blackout `{}` names unknown system `{key}`",
                        blackout.reason
                    ),
                ));
            }
        }
        for (index, member) in self.policy.board.iter().enumerate() {
            if let (Some(from), Some(to)) = (member.from, member.to) {
                if from > to {
                    problems.push((
                        format!("policy.board[{index}]"),
                        format!(
                            "board member {}'s membership starts ({from}) after it ends ({to})",
                            member.name
                        ),
                    ));
                }
            }
        }
        problems
    }

    /// The public base URL without a trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// Whether `name` is on the board (compared as people,
    /// [`same_person`]), and under which roles.
    pub fn board_roles_of<'a>(&'a self, name: &'a str) -> Vec<&'a str> {
        self.board_entries_of(name)
            .map(|member| member.role.as_str())
            .collect()
    }

    /// The board entries of `name` (compared as people, [`same_person`]),
    /// in roster order; a person may sit under several roles or periods.
    pub fn board_entries_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a BoardMember> {
        self.policy
            .board
            .iter()
            .filter(move |member| same_person(&member.name, name))
    }

    /// The display title of a system key (the key itself when uncatalogued).
    pub fn system_title<'a>(&'a self, key: &'a str) -> &'a str {
        self.systems
            .as_ref()
            .and_then(|systems| systems.get(key))
            .map(|system| system.title.as_str())
            .unwrap_or(key)
    }
}

/// Checks a site's base URL (SPEC section 3): an absolute `http` or `https`
/// URL with a host, without user information, query or fragment, written
/// only with the characters RFC 3986 allows in a URL (so it can be printed
/// into HTML, XML and feeds without changing meaning). The error says why,
/// quoting the value with its control characters escaped.
pub fn check_base_url(text: &str) -> Result<(), String> {
    let shown = text;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c);
    if let Some(bad) = text.chars().find(|c| !allowed(*c)) {
        return Err(format!(
            "`{shown}` is not a valid URL: {} is not allowed in a URL (percent-encode it)",
            match bad {
                ' ' => "a space".to_string(),
                other if other.is_control() => format!("`{}`", other.escape_debug()),
                other => format!("`{other}`"),
            }
        ));
    }
    let bytes = text.as_bytes();
    let bad_escape = bytes.iter().enumerate().any(|(index, byte)| {
        *byte == b'%'
            && !(bytes.get(index + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(index + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if bad_escape {
        return Err(format!(
            "`{shown}` is not a valid URL: `%` must start a percent-escape such as `%20`"
        ));
    }
    let after_authority = text
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|at| &rest[at..]))
        .unwrap_or("");
    if after_authority
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return Err(format!(
            "`{shown}` has `.` or `..` path segments: write the path it means"
        ));
    }
    let url =
        url::Url::parse(text).map_err(|error| format!("`{shown}` is not a valid URL: {error}"))?;
    let authority = text.split_once("://").map_or("", |(_, rest)| rest);
    let problem = if !matches!(url.scheme(), "http" | "https") || !text.contains("://") {
        Some("must start with http:// or https://")
    } else if url.host_str().is_none_or(str::is_empty) || authority.starts_with('/') {
        Some("has no host")
    } else if !url.username().is_empty() || url.password().is_some() {
        Some("must not hold a user name or password")
    } else if url.query().is_some() {
        Some("must not have a query (`?...`)")
    } else if url.fragment().is_some() {
        Some("must not have a fragment (`#...`)")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(format!("`{shown}` {problem}")),
        None => Ok(()),
    }
}

/// Checks `deploy_log` (SPEC section 3): a relative path that stays inside
/// the portal folder as written (no root, drive or `..` component; links
/// out are refused later, when the file is opened). The error says why.
pub fn check_deploy_log_path(path: &str) -> Result<(), String> {
    use std::path::Component;
    let written = std::path::Path::new(path);
    if path.trim().is_empty() {
        return Err("deploy_log is empty: name a file inside the portal, e.g. deploys.csv".into());
    }
    let escapes = written
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if escapes {
        return Err(format!(
            "deploy_log `{path}` must be a path relative to the portal folder, without `..`: \
             only files inside the portal are read"
        ));
    }
    Ok(())
}

fn default_theme() -> String {
    "default".to_string()
}

fn default_feed_items() -> usize {
    50
}

fn default_per_page() -> usize {
    30
}

fn default_normal_rule() -> ApprovalRule {
    ApprovalRule {
        min: 1,
        ..ApprovalRule::default()
    }
}

fn default_emergency_rule() -> ApprovalRule {
    ApprovalRule {
        min: 1,
        roles: Vec::new(),
        within_days: Some(2),
    }
}

fn default_review_days() -> u32 {
    3
}

fn default_post_incident_days() -> u32 {
    7
}

fn default_post_incident_scope() -> Vec<String> {
    vec!["emergency".to_string()]
}
