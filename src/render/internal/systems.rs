//! `systems/index.html` and one page per system, `systems/<slug>/index.html`,
//! with its change history (newest first, by period date). Systems are
//! those of the catalogue plus any uncatalogued key a record uses.

use super::{Site, SystemEntry, TableRows, When};
use crate::model::portal::Document;
use crate::paths;
use crate::render::export::period_date;
use crate::render::{RenderError, Sink, Theme};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Renders each system's page and the index, handing each to `sink`.
pub(super) fn render(site: &Site<'_>, theme: &Theme, sink: &dyn Sink) -> Result<(), RenderError> {
    let histories = histories(site);
    let empty = Vec::new();
    site.systems.par_iter().try_for_each(|system| {
        let history = histories.get(system.key).unwrap_or(&empty);
        let path = paths::internal::system_page(&system.slug);
        let page = SystemPage {
            system: summary(system, history, site),
            changes: site.record_rows(theme, history, &path, "deployed")?,
        };
        sink.put(site.page(
            theme,
            "internal/system.html",
            path,
            "systems",
            format!("System: {}", system.title),
            &page,
        )?)
    })?;
    let index = SystemsPage {
        systems: site
            .systems
            .iter()
            .map(|system| summary(system, histories.get(system.key).unwrap_or(&empty), site))
            .collect(),
    };
    sink.put(site.page(
        theme,
        "internal/systems.html",
        paths::internal::SYSTEMS.into(),
        "systems",
        "Systems".into(),
        &index,
    )?)
}

/// Each system's records, newest first.
fn histories<'a>(site: &Site<'a>) -> HashMap<&'a str, Vec<&'a Document>> {
    let mut histories: HashMap<&str, Vec<&Document>> = HashMap::new();
    for document in &site.documents {
        let mut keys: Vec<&str> = document.record.systems.iter().map(String::as_str).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            histories.entry(key).or_default().push(document);
        }
    }
    for history in histories.values_mut() {
        history.sort_by(|a, b| {
            (period_date(&b.record), &b.record.id).cmp(&(period_date(&a.record), &a.record.id))
        });
    }
    histories
}

#[derive(Serialize)]
struct SystemSummary<'a> {
    key: &'a str,
    title: &'a str,
    owner: Option<&'a str>,
    description: Option<&'a str>,
    catalogued: bool,
    href: String,
    /// The records table's URL hash selecting this system.
    filter: String,
    changes: usize,
    flags: usize,
    latest: Option<String>,
}

fn summary<'a>(
    system: &SystemEntry<'a>,
    history: &[&Document],
    site: &Site<'_>,
) -> SystemSummary<'a> {
    SystemSummary {
        key: system.key,
        title: system.title,
        owner: system.owner,
        description: system.description,
        catalogued: system.catalogued,
        href: paths::internal::system_page(&system.slug),
        filter: format!("system={}", super::percent_encode(system.key)),
        changes: history.len(),
        flags: history
            .iter()
            .map(|d| site.flags.of(&d.record.id).len())
            .sum(),
        latest: history
            .first()
            .map(|d| When::day(&period_date(&d.record), site.zone()).text),
    }
}

#[derive(Serialize)]
struct SystemsPage<'a> {
    systems: Vec<SystemSummary<'a>>,
}

#[derive(Serialize)]
struct SystemPage<'a> {
    system: SystemSummary<'a>,
    changes: TableRows,
}
