//! `changeportal init DIR`: a minimal working portal that `check` passes
//! without flags and `build` builds: `portal.yaml` with tiers, a board and a
//! policy, one example record (dated relative to today so that it stays
//! clean), an about page, and empty `templates/` and `static/` folders.

use super::{resolve_now, Failure, Outcome};
use crate::cli::InitArgs;
use crate::model::Timestamp;
use chrono::{Datelike, Duration};
use std::path::Path;
use std::process::ExitCode;

/// Creates the skeleton and tells the user what to run next.
pub fn run(args: &InitArgs) -> Outcome {
    let dir = &args.dir;
    refuse_unless_empty(dir)?;
    let now = resolve_now(None)?;
    for (relative, text) in skeleton(&now) {
        write(&dir.join(relative), &text)?;
    }
    println!("created a portal in {}", dir.display());
    println!("next:");
    println!("  changeportal check --root {}", dir.display());
    println!("  changeportal serve --root {}", dir.display());
    println!(
        "  changeportal new --root {} --title \"Your first change\"",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn refuse_unless_empty(dir: &Path) -> Result<(), Failure> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(Failure::usage(format!(
            "{} exists and is not a folder",
            dir.display()
        )));
    }
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", dir.display())))?;
    if entries.next().is_some() {
        return Err(Failure::usage(format!(
            "refusing to initialise {}: it is not empty",
            dir.display()
        )));
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::failed(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(path, text)
        .map_err(|e| Failure::failed(format!("cannot write {}: {e}", path.display())))
}

/// Every file of the skeleton, paths relative to the portal folder.
fn skeleton(now: &Timestamp) -> Vec<(String, String)> {
    let today = now.date();
    let created = today - Duration::days(40);
    let record = format!(
        "content/changes/{}/CHG-0001-dark-mode-for-the-web-app.md",
        created.year()
    );
    vec![
        ("portal.yaml".to_string(), PORTAL_YAML.to_string()),
        (record, example_record(now)),
        ("content/pages/about.md".to_string(), ABOUT_PAGE.to_string()),
        ("templates/.gitkeep".to_string(), String::new()),
        ("static/.gitkeep".to_string(), String::new()),
        (".gitignore".to_string(), "/out/\n".to_string()),
        ("README.md".to_string(), README.to_string()),
    ]
}

/// A deployed public normal change, approved in time and announced early
/// enough for every tier, with dates counted back from `now`.
fn example_record(now: &Timestamp) -> String {
    let today = now.date();
    let day = |days_ago: i64| {
        (today - Duration::days(days_ago))
            .format("%Y-%m-%d")
            .to_string()
    };
    format!(
        r#"---
id: CHG-0001
title: Dark mode for the web app
type: feature
class: normal
status: deployed
risk: low
visibility: public
summary: The web app now follows your system's light or dark colour scheme.
author: Sam Writer
created: {created}
scheduled: {deployed}T09:00:00Z
deployed: {deployed}T09:20:00Z
systems: [web-app]
approvals:
  - {{ by: Alice Chen, role: engineering, decision: approve, at: {approved_1}T10:00:00Z }}
  - {{ by: Omar Haddad, role: operations, decision: approve, at: {approved_2}T15:30:00Z }}
testing: |
  Visual regression suite passed in both colour schemes; contrast checked against WCAG AA.
rollback: |
  Turn off the `dark-mode` feature flag; no deploy needed.
---
The web app now follows your operating system's light or dark colour scheme.
Nothing to do on your side.

<!-- internal -->
Shipped behind the `dark-mode` feature flag, enabled for everyone at deploy.
This is an example record created by `changeportal init`: edit or delete it.
"#,
        created = day(40),
        approved_1 = day(38),
        approved_2 = day(37),
        deployed = day(5),
    )
}

const PORTAL_YAML: &str = r#"# changeportal configuration. Rename the portal and set your URLs first.
title: Example Changelog
base_url: https://changes.example.com
# internal_base_url: https://audit.example.internal
theme: default
timezone: UTC

tiers:
  enterprise:
    title: Enterprise
    notice_days: 30   # advance notice: upcoming changes are announced this many days ahead
    types: [feature, deprecation, maintenance, security, infrastructure]
  standard:
    title: Standard
    notice_days: 0    # real time: changes appear once deployed

systems:
  web-app: { title: Web App, owner: Product Engineering }
  api: { title: Public API, owner: Platform }

policy:
  board:
    - { name: Alice Chen, role: engineering }
    - { name: Omar Haddad, role: operations }
    - { name: Dana Lee, role: management }
  approvals:
    normal: { min: 2, roles: [engineering, operations] }
    standard: { min: 0 }
    emergency: { min: 1, within_days: 2 }
  emergency:
    deciders: [Dana Lee]
    review_within_days: 3
    post_incident_within_days: 7
  require_post_incident_for: [emergency, rolled_back]

# lints:               # allow | warn | deny per flag code
#   notice-too-short: deny
"#;

const ABOUT_PAGE: &str = "---
title: About
---
This changelog lists the changes we make to our product and services. Subscribe
to the feed of your plan to hear about upcoming changes before they happen.
";

const README: &str = "# Change portal

A portal for changeportal, the change-management site generator.

- `portal.yaml`: title, URLs, customer tiers, systems, review board and policy.
- `content/changes/**/*.md`: one change record per file (`changeportal new --title \"...\"` starts one).
- `content/pages/*.md`: extra public pages such as this portal's About page.
- `templates/`: a file here overrides the built-in theme's file of the same path.
- `static/`: copied as-is into both sites.

Run `changeportal check` to see policy flags, `changeportal serve` to preview
both sites with live reload, and `changeportal build` to write them to `out/`.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_record_is_dated_back_from_today() {
        let now = Timestamp::parse("2026-03-01").unwrap();
        let files = skeleton(&now);
        let (path, record) = files
            .iter()
            .find(|(path, _)| path.starts_with("content/changes/"))
            .unwrap();
        assert_eq!(
            path,
            "content/changes/2026/CHG-0001-dark-mode-for-the-web-app.md"
        );
        assert!(record.contains("created: 2026-01-20\n"));
        assert!(record.contains("deployed: 2026-02-24T09:20:00Z\n"));
    }
}
