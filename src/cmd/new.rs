//! `changeportal new`: writes a record with the next free id and today's
//! date into `content/changes/<year>/<ID>-<slug>.md`, with the fields its
//! class needs as commented placeholders (so the new file checks clean: no
//! placeholder can be an invalid value or an unknown field).

use super::{resolve_now, Failure, Outcome};
use crate::cli::NewArgs;
use crate::load::frontmatter;
use crate::model::config::Config;
use crate::model::record::{is_valid_id, ChangeClass, ChangeType};
use crate::model::Timestamp;
use chrono::Datelike;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use walkdir::WalkDir;

/// The id of the first record of a portal that has none.
const FIRST_ID: &str = "CHG-0001";

/// Column of the explanatory comments after front-matter lines.
const COMMENT_COLUMN: usize = 36;

/// Longest slug part of a file name.
const MAX_SLUG: usize = 60;

/// Creates the record and prints its path.
pub fn run(args: &NewArgs) -> Outcome {
    let (change_type, class) = (args.change_type, args.class);
    let title = args.title.trim();
    if title.is_empty() || title.contains(['\n', '\r']) {
        return Err(Failure::usage("--title must be one non-empty line"));
    }
    let root = &args.root.root;
    crate::load::require_portal(root).map_err(Failure::usage)?;
    let now = resolve_now(args.now.now)?;
    let id = next_id(&existing_ids(&root.join("content").join("changes")));
    let path = record_path(root, &id, title, &now);
    let config = crate::load::load_config(root)
        .ok()
        .map(|(config, _)| config);
    let draft = Draft {
        id: &id,
        title,
        change_type,
        class,
        now: &now,
        author: &default_author(root),
        config: config.as_ref(),
    };
    write_new(&path, &draft.render())?;
    println!("{}", path.strip_prefix(".").unwrap_or(&path).display());
    Ok(ExitCode::SUCCESS)
}

/// `content/changes/<year>/<ID>-<slug>.md`.
fn record_path(root: &Path, id: &str, title: &str, now: &Timestamp) -> PathBuf {
    let slug = file_slug(title);
    let name = if slug.is_empty() {
        format!("{id}.md")
    } else {
        format!("{id}-{slug}.md")
    };
    root.join("content")
        .join("changes")
        .join(now.date().year().to_string())
        .join(name)
}

/// Lower-case ASCII letters and digits of `title`, other runs as `-`, cut
/// at a word boundary.
fn file_slug(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.len() > MAX_SLUG {
        let cut = slug[..MAX_SLUG].rfind('-').unwrap_or(MAX_SLUG);
        slug.truncate(cut);
    }
    slug.trim_end_matches('-').to_string()
}

/// The ids of every record file, read from the `id:` line of its front
/// matter, so that records that do not parse still count as taken.
fn existing_ids(changes: &Path) -> Vec<String> {
    if !changes.is_dir() {
        return Vec::new();
    }
    WalkDir::new(changes)
        .follow_links(true)
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || !crate::load::is_ignored_name(&entry.file_name().to_string_lossy())
        })
        .filter_map(Result::ok)
        .filter(|entry| {
            entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "md")
        })
        .filter(|entry| {
            entry
                .metadata()
                .is_ok_and(|m| m.len() <= crate::load::MAX_RECORD_BYTES)
        })
        .filter_map(|entry| std::fs::read(entry.path()).ok())
        .filter_map(|bytes| id_line(&String::from_utf8_lossy(&bytes)))
        .collect()
}

/// The value of the top-level `id:` key of a record's front matter.
fn id_line(text: &str) -> Option<String> {
    let split = frontmatter::split(frontmatter::strip_bom(text)).ok()?;
    split.yaml.lines().find_map(|line| {
        let value = line.strip_prefix("id:")?;
        let value = value.split(" #").next().unwrap_or("").trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// An id split into its prefix and trailing number (`CHG-0050`: `CHG-`, 50,
/// width 4).
struct Numbered<'a> {
    prefix: &'a str,
    number: u64,
    width: usize,
}

fn split_number(id: &str) -> Option<Numbered<'_>> {
    let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (prefix, number) = id.split_at(id.len() - digits);
    Some(Numbered {
        prefix,
        number: number.parse().ok()?,
        width: digits,
    })
}

/// The next id in the portal's most common pattern (prefix + zero-padded
/// number): one more than the highest number with that prefix. Ids compare
/// case-insensitively, as URLs use them lower-cased.
fn next_id(existing: &[String]) -> String {
    let taken: HashSet<String> = existing.iter().map(|id| id.to_lowercase()).collect();
    // prefix -> (count, highest number, widest number)
    let mut patterns: BTreeMap<&str, (usize, u64, usize)> = BTreeMap::new();
    for numbered in existing.iter().filter_map(|id| split_number(id)) {
        let entry = patterns.entry(numbered.prefix).or_default();
        entry.0 += 1;
        entry.1 = entry.1.max(numbered.number);
        entry.2 = entry.2.max(numbered.width);
    }
    let pattern = patterns
        .iter()
        .max_by_key(|(_, (count, highest, _))| (*count, *highest))
        .map(|(prefix, (_, highest, width))| (*prefix, *highest, *width));
    let (prefix, mut number, width) = pattern.unwrap_or(("CHG-", 0, 4));
    loop {
        number += 1;
        let candidate = format!("{prefix}{number:0width$}");
        if !is_valid_id(&candidate) {
            return first_free(&taken);
        }
        if !taken.contains(&candidate.to_lowercase()) {
            return candidate;
        }
    }
}

/// `CHG-0001`, or the first `CHG-` number not taken.
fn first_free(taken: &HashSet<String>) -> String {
    (1..)
        .map(|n| format!("CHG-{n:04}"))
        .find(|id| !taken.contains(&id.to_lowercase()))
        .unwrap_or_else(|| FIRST_ID.to_string())
}

/// The writer's name from `git config user.name`, else `$USER`, else a
/// placeholder to replace.
fn default_author(root: &Path) -> String {
    let from_git = std::process::Command::new("git")
        .args(["config", "user.name"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string());
    from_git
        .filter(|name| !name.is_empty())
        .or_else(|| {
            std::env::var("USER")
                .ok()
                .filter(|name| !name.trim().is_empty())
        })
        .unwrap_or_else(|| "TODO your name".to_string())
}

/// Creates `path` (and its folder); refuses to replace an existing file.
fn write_new(path: &Path, text: &str) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::failed(format!("cannot create {}: {e}", parent.display())))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Failure::failed(format!(
                "refusing to overwrite {}: it already exists",
                path.display()
            )),
            _ => Failure::failed(format!("cannot create {}: {e}", path.display())),
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| Failure::failed(format!("cannot write {}: {e}", path.display())))
}

/// Everything the new record is made from.
struct Draft<'a> {
    id: &'a str,
    title: &'a str,
    change_type: ChangeType,
    class: ChangeClass,
    now: &'a Timestamp,
    author: &'a str,
    config: Option<&'a Config>,
}

impl Draft<'_> {
    /// The record file's text.
    fn render(&self) -> String {
        let mut text = String::from("---\n");
        self.write_common(&mut text);
        match self.class {
            ChangeClass::Standard => self.write_standard(&mut text),
            ChangeClass::Normal => self.write_normal(&mut text),
            ChangeClass::Emergency => self.write_emergency(&mut text),
        }
        text.push_str("# links:\n#   - https://tracker.example/TICKET-123\n---\n");
        text.push_str(BODY);
        text
    }

    fn date(&self) -> String {
        self.now.date().format("%Y-%m-%d").to_string()
    }

    fn write_common(&self, text: &mut String) {
        let risk = match self.class {
            ChangeClass::Standard => "low",
            ChangeClass::Normal => "medium",
            ChangeClass::Emergency => "high",
        };
        let _ = writeln!(
            text,
            "id: {}\ntitle: {}\ntype: {}\nclass: {}",
            self.id,
            yaml_string(self.title),
            self.change_type,
            self.class
        );
        let date = self.date();
        for (line, comment) in [
            ("status: proposed".to_string(), "proposed, approved, scheduled, in_progress, deployed (or rejected, rolled_back, cancelled)"),
            (format!("risk: {risk}"), "low, medium, high"),
            ("visibility: internal".to_string(), "public: also on the customer changelog (then `summary` is required)"),
            ("# summary: One line for customers".to_string(), "shown in lists and feeds"),
            (format!("author: {}", yaml_string(self.author)), "who requested and wrote the change"),
            (format!("created: {date}"), "when the record entered the portal"),
            (format!("# scheduled: {date}T09:00:00Z"), "planned start of the change window"),
            (format!("# window_end: {date}T10:00:00Z"), "end of the planned change window (after scheduled)"),
            (format!("# deployed: {date}T09:30:00Z"), "required once status is deployed or rolled_back"),
            ("# deployed_by: Deployer Name".to_string(), "who carried out the deployment; their approval does not count"),
            (format!("# cancelled: {date}T12:00:00Z"), "when a cancelled change was called off"),
            (format!("# embargo_until: {date}T00:00:00Z"), "no public output mentions the change before this"),
        ] {
            let _ = writeln!(text, "{line:<COMMENT_COLUMN$}# {comment}");
        }
        let systems = format!("# systems: [{}]", self.example_systems());
        let tiers = format!("# tiers: [{}]", self.example_tiers());
        let _ = writeln!(
            text,
            "{systems:<COMMENT_COLUMN$}# keys of `systems` in portal.yaml"
        );
        let _ = writeln!(text, "{tiers:<COMMENT_COLUMN$}# default: every tier");
    }

    fn write_standard(&self, text: &mut String) {
        text.push_str("# testing: Routine check that the change worked.\n");
    }

    fn write_normal(&self, text: &mut String) {
        let _ = writeln!(
            text,
            "# approvals:   # {}",
            self.approval_rule(ChangeClass::Normal)
        );
        for (hour, (name, role)) in (10..).zip(self.example_approvers()) {
            let _ = writeln!(
                text,
                "#   - {{ by: {name}, role: {role}, decision: approve, at: {}T{hour}:00:00Z }}",
                self.date()
            );
        }
        text.push_str(
            "# testing: |\n#   How the change was tested: CI run, staging soak, load test results.\n\
             # rollback: |\n#   How to undo the change, and how long that takes.\n",
        );
    }

    fn write_emergency(&self, text: &mut String) {
        let deciders = self
            .config
            .map(|config| config.policy.emergency.deciders.join(", "))
            .filter(|deciders| !deciders.is_empty())
            .map_or(
                "anyone may declare (no deciders configured)".to_string(),
                |deciders| format!("one of policy.emergency.deciders: {deciders}"),
            );
        let _ = write!(
            text,
            "emergency:\n  reason: \"TODO: why waiting for the review board would put the organisation at significant risk\"\n  \
             declared_by: \"TODO\"   # {deciders}\n  declared_at: {at}\n",
            at = self.now.iso(),
        );
        let _ = writeln!(
            text,
            "# approvals:   # {}",
            self.approval_rule(ChangeClass::Emergency)
        );
        for (name, role) in self.example_approvers().into_iter().take(1) {
            let _ = writeln!(
                text,
                "#   - {{ by: {name}, role: {role}, decision: approve, at: {}T12:00:00Z }}",
                self.date()
            );
        }
        let (review_days, post_incident_days) = self.config.map_or((3, 7), |config| {
            let policy = &config.policy.emergency;
            (policy.review_within_days, policy.post_incident_within_days)
        });
        let date = self.date();
        let _ = write!(
            text,
            "# review:   # code review after the change, due {review_days} day(s) after deploy\n\
             #   by: Reviewer Name\n#   at: {date}T16:00:00Z\n#   link: https://git.example/org/repo/pull/1\n\
             # timeline:   # war-room evidence, in order\n\
             #   - {{ at: {date}T09:00:00Z, by: On-call engineer, note: Alert fired }}\n\
             #   - {{ at: {date}T09:30:00Z, note: Fix deployed and verified }}\n\
             # post_incident:   # due {post_incident_days} day(s) after deploy\n\
             #   at: {date}T15:00:00Z\n#   lessons: |\n#     What we learned.\n\
             #   improvements: |\n#     What we will change.\n\
             #   policy_review: none   # none, needed, done\n#   follow_ups: []\n\
             # testing: |\n#   What was verified after the fix.\n\
             # rollback: |\n#   How to undo the fix.\n",
        );
    }

    fn approval_rule(&self, class: ChangeClass) -> String {
        let Some(rule) = self
            .config
            .map(|config| config.policy.approvals.for_class(class))
        else {
            return "board decisions".to_string();
        };
        let mut description = format!("policy: at least {} approval(s)", rule.min);
        if !rule.roles.is_empty() {
            let _ = write!(description, ", from roles {}", rule.roles.join(", "));
        }
        match (class, rule.within_days) {
            (ChangeClass::Emergency, Some(days)) => {
                let _ = write!(description, ", within {days} day(s) after deploy");
            }
            (ChangeClass::Normal, _) => description.push_str(", all before deploy"),
            _ => {}
        }
        description
    }

    /// A board member for each required role (or the first two members).
    fn example_approvers(&self) -> Vec<(String, String)> {
        let Some(config) = self.config else {
            return vec![
                ("Board Member".to_string(), "engineering".to_string()),
                ("Other Member".to_string(), "operations".to_string()),
            ];
        };
        let board = &config.policy.board;
        let roles = &config.policy.approvals.normal.roles;
        let mut approvers: Vec<(String, String)> = roles
            .iter()
            .filter_map(|role| board.iter().find(|member| &member.role == role))
            .map(|member| (member.name.clone(), member.role.clone()))
            .collect();
        if approvers.is_empty() {
            approvers = board
                .iter()
                .take(2)
                .map(|member| (member.name.clone(), member.role.clone()))
                .collect();
        }
        if approvers.is_empty() {
            approvers.push(("Board Member".to_string(), "engineering".to_string()));
        }
        approvers
    }

    fn example_systems(&self) -> String {
        self.config
            .and_then(|config| config.systems.as_ref())
            .map(|systems| {
                systems
                    .keys()
                    .take(2)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|keys| !keys.is_empty())
            .unwrap_or_else(|| "api, web".to_string())
    }

    fn example_tiers(&self) -> String {
        self.config
            .map(|config| config.tiers.keys().cloned().collect::<Vec<_>>().join(", "))
            .filter(|keys| !keys.is_empty())
            .unwrap_or_else(|| "enterprise, standard".to_string())
    }
}

const BODY: &str = "What changes for customers, in a few sentences. Once the record is
`visibility: public`, this part is published on the changelog.

<!-- internal -->
Internal notes: context, risk assessment, links to evidence. Never published.
";

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{}\"", text.replace(['"', '\\'], "")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|id| id.to_string()).collect()
    }

    #[test]
    fn next_id_follows_the_most_common_pattern() {
        assert_eq!(next_id(&[]), "CHG-0001");
        assert_eq!(
            next_id(&ids(&["CHG-0049", "CHG-0050", "CHG-0007"])),
            "CHG-0051"
        );
        assert_eq!(next_id(&ids(&["OPS-7", "OPS-12", "CHG-0001"])), "OPS-13");
        assert_eq!(next_id(&ids(&["chg-0099", "CHG-0100"])), "CHG-0101");
        assert_eq!(next_id(&ids(&["CHG-9999"])), "CHG-10000");
        assert_eq!(next_id(&ids(&["welcome"])), "CHG-0001");
        assert_eq!(next_id(&ids(&["welcome", "CHG-0001"])), "CHG-0002");
    }

    #[test]
    fn id_lines_are_read_from_front_matter_only() {
        assert_eq!(
            id_line("---\nid: CHG-0003\ntitle: x\n---\nid: NOPE\n").as_deref(),
            Some("CHG-0003")
        );
        assert_eq!(
            id_line("---\nid: \"CHG-0004\"  # note\n---\n").as_deref(),
            Some("CHG-0004")
        );
        assert_eq!(
            id_line("---\ntitle: [broken\nid: CHG-0005\n---\n").as_deref(),
            Some("CHG-0005")
        );
        assert_eq!(id_line("no front matter\nid: CHG-1\n"), None);
    }

    #[test]
    fn file_slugs_are_short_and_safe() {
        assert_eq!(file_slug("Faster invoice search!"), "faster-invoice-search");
        assert_eq!(file_slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_slug("¡¿"), "");
        assert!(file_slug(&"word ".repeat(40)).len() <= MAX_SLUG);
    }

    #[test]
    fn titles_are_quoted_for_yaml() {
        assert_eq!(
            yaml_string("Fix: \"quotes\" # not a comment"),
            "\"Fix: \\\"quotes\\\" # not a comment\""
        );
    }
}
