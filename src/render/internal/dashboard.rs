//! The dashboard (`index.html`): counts, open flags, compliance figures,
//! charts, upcoming and in-progress changes.
//!
//! Months group records by their period date (`deployed`, else `scheduled`,
//! else `created`; see [`period_date`]); a flag counts in its record's month.

use super::charts::{Series, StackedBars};
use super::compliance::{self, Tally};
use super::{month_key, month_range, month_title, Site, TableRows};
use crate::checks::{Code, Level};
use crate::model::portal::Document;
use crate::model::record::{ChangeClass, ChangeType, Status};
use crate::paths;
use crate::render::export::period_date;
use crate::render::{OutputFile, RenderError, Theme};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How many months the charts show (the latest ones).
const CHART_MONTHS: usize = 24;

pub(super) fn render(site: &Site<'_>, theme: &Theme) -> Result<Vec<OutputFile>, RenderError> {
    let months = month_table(site);
    let chart_months = &chart_window(&months);
    let page = Dashboard {
        totals: totals(site),
        compliance: compliance_view(site),
        counts: vec![
            counts(
                "By status",
                &Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                "status",
                site.documents.iter().map(|d| d.record.status.as_str()),
            ),
            counts(
                "By type",
                &ChangeType::ALL
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>(),
                "type",
                site.documents.iter().map(|d| d.record.change_type.as_str()),
            ),
            counts(
                "By class",
                &ChangeClass::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>(),
                "class",
                site.documents.iter().map(|d| d.record.class.as_str()),
            ),
        ],
        flag_codes: flag_codes(site),
        changes_chart: changes_chart(chart_months),
        flags_chart: flags_chart(chart_months),
        type_series: type_series(),
        level_series: level_series(),
        chart_months: chart_months.to_vec(),
        months: months.into_values().rev().collect(),
        upcoming: site.record_rows(
            theme,
            &upcoming(site),
            paths::internal::DASHBOARD,
            "scheduled",
        )?,
        in_progress: site.record_rows(
            theme,
            &site
                .documents
                .iter()
                .copied()
                .filter(|d| d.record.status == Status::InProgress)
                .collect::<Vec<_>>(),
            paths::internal::DASHBOARD,
            "scheduled",
        )?,
        provenance: super::provenance::note(&site.analysis.provenance),
    };
    let file = site.page(
        theme,
        "internal/index.html",
        paths::internal::DASHBOARD.into(),
        "dashboard",
        "Dashboard".into(),
        &page,
    )?;
    Ok(vec![file])
}

#[derive(Serialize)]
struct Dashboard {
    totals: Totals,
    compliance: ComplianceView,
    counts: Vec<CountGroup>,
    flag_codes: Vec<CodeCount>,
    changes_chart: String,
    flags_chart: String,
    type_series: Vec<Series>,
    level_series: Vec<Series>,
    chart_months: Vec<Month>,
    months: Vec<Month>,
    upcoming: TableRows,
    in_progress: TableRows,
    provenance: super::provenance::ProvenanceNote,
}

#[derive(Serialize)]
struct Totals {
    records: usize,
    public: usize,
    flags: usize,
    deny: usize,
    warn: usize,
    flagged_records: usize,
}

fn totals(site: &Site<'_>) -> Totals {
    let flags = &site.analysis.flags;
    let deny = flags.iter().filter(|f| f.level == Level::Deny).count();
    Totals {
        records: site.documents.len(),
        public: site
            .documents
            .iter()
            .filter(|d| d.record.is_public())
            .count(),
        flags: flags.len(),
        deny,
        warn: flags.len() - deny,
        flagged_records: site
            .documents
            .iter()
            .filter(|d| !site.flags.of(&d.record.id).is_empty())
            .count(),
    }
}

/// How many missed records a compliance figure lists by id.
const MISSED_SHOWN: usize = 12;

/// A compliance figure ready to show.
#[derive(Serialize)]
struct Figure {
    text: String,
    percent: Option<usize>,
    /// Every case met the rule (or there were none).
    clean: bool,
    /// The first records that missed the rule.
    missed: Vec<MissedRecord>,
    /// How many more missed it.
    more: usize,
}

#[derive(Serialize)]
struct MissedRecord {
    id: String,
    href: String,
}

impl Figure {
    fn new(site: &Site<'_>, tally: &Tally) -> Self {
        let ratio = tally.ratio;
        Figure {
            text: ratio.describe(),
            percent: ratio.percent(),
            clean: ratio.met == ratio.total,
            missed: tally
                .missed
                .iter()
                .take(MISSED_SHOWN)
                .map(|id| MissedRecord {
                    href: site
                        .by_slug
                        .get(&id.to_lowercase())
                        .map(|d| paths::internal::change_page(&d.record.slug()))
                        .unwrap_or_default(),
                    id: id.clone(),
                })
                .collect(),
            more: tally.missed.len().saturating_sub(MISSED_SHOWN),
        }
    }
}

#[derive(Serialize)]
struct TierFigure {
    title: String,
    notice_days: u32,
    figure: Figure,
}

#[derive(Serialize)]
struct ComplianceView {
    normal_approvals: Figure,
    emergency_both: Figure,
    emergency_review: Figure,
    emergency_post_incident: Figure,
    emergency_pending: usize,
    review_days: u32,
    post_incident_days: u32,
    notice: Vec<TierFigure>,
}

fn compliance_view(site: &Site<'_>) -> ComplianceView {
    let figures = compliance::compute(&site.analysis.portal, &site.analysis.facts);
    let policy = &site.config.policy.emergency;
    ComplianceView {
        normal_approvals: Figure::new(site, &figures.normal_approvals),
        emergency_both: Figure::new(site, &figures.emergency.both),
        emergency_review: Figure::new(site, &figures.emergency.review),
        emergency_post_incident: Figure::new(site, &figures.emergency.post_incident),
        emergency_pending: figures.emergency.pending,
        review_days: policy.review_within_days,
        post_incident_days: policy.post_incident_within_days,
        notice: figures
            .notice
            .iter()
            .map(|tier| TierFigure {
                title: tier.title.clone(),
                notice_days: tier.notice_days,
                figure: Figure::new(site, &tier.tally),
            })
            .collect(),
    }
}

/// One row of a count table, linking to the filtered records table.
#[derive(Serialize)]
struct Count {
    value: &'static str,
    count: usize,
    /// The filter name in the records table's URL.
    filter: &'static str,
}

/// A count table.
#[derive(Serialize)]
struct CountGroup {
    title: &'static str,
    rows: Vec<Count>,
}

/// How many of `keys` equal each of `values` (every value listed, zeros too).
fn counts(
    title: &'static str,
    values: &[&'static str],
    filter: &'static str,
    keys: impl Iterator<Item = &'static str>,
) -> CountGroup {
    let mut tally: HashMap<&str, usize> = HashMap::new();
    for key in keys {
        *tally.entry(key).or_default() += 1;
    }
    let rows = values
        .iter()
        .map(|&value| Count {
            value,
            count: tally.get(value).copied().unwrap_or(0),
            filter,
        })
        .collect();
    CountGroup { title, rows }
}

#[derive(Serialize)]
struct CodeCount {
    code: &'static str,
    description: &'static str,
    deny: usize,
    warn: usize,
}

/// Open flags per code (only codes that occur), in the spec's order.
fn flag_codes(site: &Site<'_>) -> Vec<CodeCount> {
    let mut counts: BTreeMap<Code, (usize, usize)> = BTreeMap::new();
    for flag in &site.analysis.flags {
        let entry = counts.entry(flag.code).or_default();
        if flag.level == Level::Deny {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    counts
        .into_iter()
        .map(|(code, (deny, warn))| CodeCount {
            code: code.as_str(),
            description: code.description(),
            deny,
            warn,
        })
        .collect()
}

/// One month's numbers.
#[derive(Clone, Serialize)]
struct Month {
    key: String,
    title: String,
    total: usize,
    /// Per change type, in [`ChangeType::ALL`] order.
    types: Vec<usize>,
    emergency: usize,
    deny: usize,
    warn: usize,
    /// Records with `deployed` in this month.
    deployed: usize,
    /// The calendar has a page for this month.
    calendar: bool,
}

/// The months that have records, flags or calendar events.
fn month_table(site: &Site<'_>) -> BTreeMap<String, Month> {
    let mut months: BTreeMap<String, Month> = BTreeMap::new();
    for document in &site.documents {
        let record = &document.record;
        let month = month_entry(&mut months, month_key(&period_date(record), site.zone()));
        month.total += 1;
        let type_index = ChangeType::ALL
            .iter()
            .position(|t| *t == record.change_type)
            .unwrap_or(0);
        month.types[type_index] += 1;
        if record.class == ChangeClass::Emergency {
            month.emergency += 1;
        }
        for flag in site.flags.of(&record.id) {
            if flag.level == Level::Deny {
                month.deny += 1;
            } else {
                month.warn += 1;
            }
        }
        if let Some(deployed) = &record.deployed {
            month_entry(&mut months, month_key(deployed, site.zone())).deployed += 1;
        }
        // The calendar has a page for every month with a scheduled or
        // deployed date.
        for at in [record.scheduled, record.deployed].into_iter().flatten() {
            month_entry(&mut months, month_key(&at, site.zone())).calendar = true;
        }
    }
    months
}

/// The last [`CHART_MONTHS`] months up to the latest one with data, empty
/// months included (never more, however far apart the dates are).
fn chart_window(months: &BTreeMap<String, Month>) -> Vec<Month> {
    let (Some(first), Some(last)) = (months.keys().next(), months.keys().next_back()) else {
        return Vec::new();
    };
    let start = months_before(last, CHART_MONTHS - 1).max(first.clone());
    month_range(&start, last)
        .into_iter()
        .map(|key| match months.get(&key) {
            Some(month) => month.clone(),
            None => empty_month(key),
        })
        .collect()
}

/// The `YYYY-MM` key `count` months before `key` (`key` itself if unreadable).
fn months_before(key: &str, count: usize) -> String {
    let parsed = key
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i64>().ok()?, m.parse::<i64>().ok()?)));
    match parsed {
        Some((year, month)) => {
            let index = year * 12 + (month - 1) - count as i64;
            format!(
                "{:04}-{:02}",
                index.div_euclid(12),
                index.rem_euclid(12) + 1
            )
        }
        None => key.to_string(),
    }
}

fn month_entry(months: &mut BTreeMap<String, Month>, key: String) -> &mut Month {
    months
        .entry(key.clone())
        .or_insert_with(|| empty_month(key))
}

fn empty_month(key: String) -> Month {
    Month {
        title: month_title(&key),
        key,
        total: 0,
        types: vec![0; ChangeType::ALL.len()],
        emergency: 0,
        deny: 0,
        warn: 0,
        deployed: 0,
        calendar: false,
    }
}

fn type_series() -> Vec<Series> {
    ChangeType::ALL
        .iter()
        .map(|t| Series {
            label: t.as_str().to_string(),
            class: format!("s-{}", t.as_str()),
        })
        .collect()
}

fn level_series() -> Vec<Series> {
    [Level::Deny, Level::Warn]
        .iter()
        .map(|l| Series {
            label: l.as_str().to_string(),
            class: format!("s-{}", l.as_str()),
        })
        .collect()
}

fn changes_chart(months: &[Month]) -> String {
    StackedBars {
        id: "chart-changes".into(),
        title: "Changes per month, by type".into(),
        description: format!(
            "Stacked bars of the number of changes in each of the {} months shown, one segment per change type; the table below gives the numbers.",
            months.len()
        ),
        categories: months.iter().map(|m| m.key.clone()).collect(),
        series: type_series(),
        values: months.iter().map(|m| m.types.clone()).collect(),
    }
    .to_svg()
}

fn flags_chart(months: &[Month]) -> String {
    StackedBars {
        id: "chart-flags".into(),
        title: "Open flags per month, by level".into(),
        description: format!(
            "Stacked bars of the number of open flags on the changes of each of the {} months shown, deny level below warn level; the table below gives the numbers.",
            months.len()
        ),
        categories: months.iter().map(|m| m.key.clone()).collect(),
        series: level_series(),
        values: months.iter().map(|m| vec![m.deny, m.warn]).collect(),
    }
    .to_svg()
}

/// Changes not yet live, not rejected or cancelled, scheduled from now on.
fn upcoming<'a>(site: &Site<'a>) -> Vec<&'a Document> {
    let mut upcoming: Vec<&'a Document> = site
        .documents
        .iter()
        .copied()
        .filter(|d| {
            let record = &d.record;
            !record.is_live()
                && !matches!(
                    record.status,
                    Status::Rejected | Status::Cancelled | Status::InProgress
                )
                && record.scheduled.is_some_and(|at| at >= site.now)
        })
        .collect();
    upcoming.sort_by_key(|d| (d.record.scheduled, d.record.id.clone()));
    upcoming
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_before_crosses_years() {
        assert_eq!(months_before("2026-03", 23), "2024-04");
        assert_eq!(months_before("2026-03", 2), "2026-01");
        assert_eq!(months_before("0000-01", 1), "-001-12");
        assert_eq!(months_before("bad", 3), "bad");
    }

    #[test]
    fn the_chart_window_stays_small_for_dates_far_apart() {
        let mut months = BTreeMap::new();
        for key in ["0001-01", "9999-12"] {
            months.insert(key.to_string(), empty_month(key.to_string()));
        }
        let window = chart_window(&months);
        assert_eq!(window.len(), CHART_MONTHS);
        assert_eq!(window.last().map(|m| m.key.as_str()), Some("9999-12"));
    }
}
