//! The printable workpapers (`workpaper/index.html`, `workpaper/<year>/`):
//! for each calendar year with deployed records, the year's population
//! (SPEC 6) with one verdict per tested attribute, as
//! `changeportal sample --format workpaper` gives them
//! ([`crate::render::workpaper`]), and a print stylesheet section.

use super::Site;
use crate::paths;
use crate::render::export::{population, Member, Period};
use crate::render::workpaper::{self, ATTRIBUTES};
use crate::render::{OutputFile, RenderError, Theme};
use chrono::Datelike;
use serde::Serialize;
use std::collections::BTreeMap;

pub(super) fn render(site: &Site<'_>, theme: &Theme) -> Result<Vec<OutputFile>, RenderError> {
    let mut years: BTreeMap<i32, Vec<Member<'_>>> = BTreeMap::new();
    for member in population(site.analysis, &Period::default()) {
        if let Some(deployed) = member.document.record.deployed {
            years
                .entry(deployed.date().year())
                .or_default()
                .push(member);
        }
    }
    let links: Vec<YearLink> = years
        .iter()
        .map(|(&year, members)| YearLink {
            year,
            href: paths::internal::workpaper_page(year),
            records: members.len(),
        })
        .collect();
    let mut files = vec![site.page(
        theme,
        "internal/workpapers.html",
        paths::internal::WORKPAPERS.into(),
        "workpaper",
        "Workpapers".into(),
        &IndexPage { years: &links },
    )?];
    for (year, members) in &years {
        files.push(year_page(site, theme, *year, members, &links)?);
    }
    Ok(files)
}

fn year_page(
    site: &Site<'_>,
    theme: &Theme,
    year: i32,
    members: &[Member<'_>],
    years: &[YearLink],
) -> Result<OutputFile, RenderError> {
    let rows = members
        .iter()
        .map(|member| {
            let row = workpaper::row(member, &site.flags);
            Row {
                id: row.id,
                title: row.title,
                class: row.class,
                deployed: member
                    .document
                    .record
                    .deployed
                    .map(|at| site.zone().display(&at))
                    .unwrap_or_default(),
                verdicts: row.verdicts.iter().map(|v| v.as_str()).collect(),
                href: row.evidence_page,
            }
        })
        .collect();
    let page = YearPage {
        year,
        period: Period::year(year).describe(),
        attributes: ATTRIBUTES
            .iter()
            .map(|a| Heading {
                key: a.key,
                title: a.title,
            })
            .collect(),
        rows,
        years,
    };
    site.page(
        theme,
        "internal/workpaper.html",
        paths::internal::workpaper_page(year),
        "workpaper",
        format!("Workpaper {year}"),
        &page,
    )
}

#[derive(Serialize)]
struct YearLink {
    year: i32,
    href: String,
    records: usize,
}

#[derive(Serialize)]
struct IndexPage<'a> {
    years: &'a [YearLink],
}

#[derive(Serialize)]
struct Heading {
    key: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    class: &'static str,
    deployed: String,
    verdicts: Vec<&'static str>,
    href: String,
}

#[derive(Serialize)]
struct YearPage<'a> {
    year: i32,
    period: String,
    attributes: Vec<Heading>,
    rows: Vec<Row<'a>>,
    years: &'a [YearLink],
}
