//! The flags page (`flags/index.html`): every open flag, grouped by code in
//! the order of the spec's table, each with its explanation and record.

use super::{FlagView, Site};
use crate::checks::{Code, Flag, Level};
use crate::paths;
use crate::render::{OutputFile, RenderError, Theme};
use serde::Serialize;
use std::collections::BTreeMap;

pub(super) fn render(site: &Site<'_>, theme: &Theme) -> Result<Vec<OutputFile>, RenderError> {
    let mut by_code: BTreeMap<Code, Vec<&Flag>> = BTreeMap::new();
    for flag in &site.analysis.flags {
        by_code.entry(flag.code).or_default().push(flag);
    }
    let groups: Vec<Group<'_>> = by_code
        .iter()
        .map(|(code, flags)| group(site, *code, flags))
        .collect();
    let clean: Vec<CleanCode> = Code::ALL
        .iter()
        .filter(|code| !by_code.contains_key(code))
        .map(|code| CleanCode {
            code: code.as_str(),
            description: code.description(),
        })
        .collect();
    let page = FlagsPage {
        total: site.analysis.flags.len(),
        groups,
        clean,
    };
    let file = site.page(
        theme,
        "internal/flags.html",
        paths::internal::FLAGS.into(),
        "flags",
        "Flags".into(),
        &page,
    )?;
    Ok(vec![file])
}

#[derive(Serialize)]
struct FlagsPage<'a> {
    total: usize,
    groups: Vec<Group<'a>>,
    clean: Vec<CleanCode>,
}

#[derive(Serialize)]
struct CleanCode {
    code: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct Group<'a> {
    code: &'static str,
    description: &'static str,
    level: &'static str,
    deny: usize,
    warn: usize,
    flags: Vec<FlagRow<'a>>,
}

#[derive(Serialize)]
struct FlagRow<'a> {
    record: Option<RecordRef<'a>>,
    flag: FlagView<'a>,
}

#[derive(Serialize)]
struct RecordRef<'a> {
    id: &'a str,
    title: &'a str,
    href: String,
}

fn group<'a>(site: &Site<'a>, code: Code, flags: &[&'a Flag]) -> Group<'a> {
    let deny = flags.iter().filter(|f| f.level == Level::Deny).count();
    Group {
        code: code.as_str(),
        description: code.description(),
        level: site.config.level_of(code).as_str(),
        deny,
        warn: flags.len() - deny,
        flags: flags
            .iter()
            .map(|flag| FlagRow {
                record: flag
                    .record
                    .as_deref()
                    .and_then(|id| site.by_slug.get(&id.to_lowercase()))
                    .map(|document| RecordRef {
                        id: &document.record.id,
                        title: &document.record.title,
                        href: paths::internal::change_page(&document.record.slug()),
                    }),
                flag: FlagView::new(flag, site.analysis),
            })
            .collect(),
    }
}
