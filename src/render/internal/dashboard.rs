//! The dashboard (`index.html`): counts, open flags, compliance figures,
//! change metrics, charts, upcoming and in-progress changes; and the same
//! figures for each audit period (`period/<key>/index.html`, see
//! [`super::periods`]), reached through the period selector.
//!
//! Months group records by their period date (`deployed`, else `scheduled`,
//! else `created`; see [`period_date`]); a flag counts in its record's month.

use super::charts::{Series, StackedBars};
use super::compliance::{self, Assessed, Tally};
use super::metrics::{self, Incidents, Metrics};
use super::periods::{self, AuditPeriod, PeriodLink};
use super::{month_key, month_range, month_title, Site, TableRows};
use crate::checks::{Code, Flag, Level};
use crate::model::portal::Document;
use crate::model::record::{ChangeClass, ChangeType, Status};
use crate::paths;
use crate::render::export::period_date;
use crate::render::{OutputFile, RenderError, Theme};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How many months the charts show (the latest ones).
const CHART_MONTHS: usize = 24;

pub(super) fn render(site: &Site<'_>, theme: &Theme) -> Result<Vec<OutputFile>, RenderError> {
    let periods = periods::with_records(site.documents.iter().map(|d| &d.record));
    let incidents = Incidents::of(site);
    let mut scopes = vec![Scope {
        period: None,
        documents: site.documents.clone(),
        flags: site.analysis.flags.iter().collect(),
    }];
    scopes.extend(periods.iter().map(|period| Scope::of_period(site, period)));
    scopes
        .par_iter()
        .map(|scope| render_scope(site, theme, scope, &periods, &incidents))
        .collect()
}

/// What one dashboard page covers: every record (all time), or the records
/// deployed in one period ([`periods::deployed_in`]) with their flags.
struct Scope<'a> {
    period: Option<&'a AuditPeriod>,
    documents: Vec<&'a Document>,
    flags: Vec<&'a Flag>,
}

impl<'a> Scope<'a> {
    fn of_period(site: &Site<'a>, period: &'a AuditPeriod) -> Self {
        let range = period.range();
        let documents: Vec<&'a Document> = site
            .documents
            .iter()
            .copied()
            .filter(|d| periods::deployed_in(&d.record, &range))
            .collect();
        let flags = documents
            .iter()
            .flat_map(|d| site.flags.of(&d.record.id).iter().copied())
            .collect();
        Scope {
            period: Some(period),
            documents,
            flags,
        }
    }

    /// The page's path from the site root.
    fn path(&self) -> String {
        self.period
            .map_or_else(|| paths::internal::DASHBOARD.to_string(), AuditPeriod::page)
    }
}

/// The period a page covers.
#[derive(Serialize)]
struct PeriodView {
    title: String,
    /// First and last day, UTC, `YYYY-MM-DD`.
    from: String,
    to: String,
}

fn render_scope(
    site: &Site<'_>,
    theme: &Theme,
    scope: &Scope<'_>,
    periods: &[AuditPeriod],
    incidents: &Incidents,
) -> Result<OutputFile, RenderError> {
    let path = scope.path();
    let months = month_table(site, &scope.documents);
    let chart_months = &chart_window(&months);
    let documents = &scope.documents;
    let period = scope.period.map(|p| {
        let (from, to) = p.days();
        PeriodView {
            title: p.title(),
            from: from.format("%Y-%m-%d").to_string(),
            to: to.format("%Y-%m-%d").to_string(),
        }
    });
    let page = Dashboard {
        // Links into the records table keep the period as its date filter.
        filter: period
            .as_ref()
            .map(|p| format!("&from={}&to={}", p.from, p.to))
            .unwrap_or_default(),
        period,
        periods: periods::selector(periods, scope.period),
        totals: totals(site, scope),
        compliance: compliance_view(site, documents),
        counts: vec![
            counts(
                "By status",
                &Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                "status",
                documents.iter().map(|d| d.record.status.as_str()),
            ),
            counts(
                "By type",
                &ChangeType::ALL
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>(),
                "type",
                documents.iter().map(|d| d.record.change_type.as_str()),
            ),
            counts(
                "By class",
                &ChangeClass::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>(),
                "class",
                documents.iter().map(|d| d.record.class.as_str()),
            ),
        ],
        flag_codes: flag_codes(&scope.flags),
        metrics: metrics::metrics(site, incidents, documents),
        changes_chart: changes_chart(chart_months),
        flags_chart: flags_chart(chart_months),
        type_series: type_series(),
        level_series: level_series(),
        chart_months: chart_months.to_vec(),
        months: months.into_values().rev().collect(),
        upcoming: match scope.period {
            None => Some(site.record_rows(theme, &upcoming(site), &path, "scheduled")?),
            Some(_) => None,
        },
        in_progress: match scope.period {
            None => Some(
                site.record_rows(
                    theme,
                    &site
                        .documents
                        .iter()
                        .copied()
                        .filter(|d| d.record.status == Status::InProgress)
                        .collect::<Vec<_>>(),
                    &path,
                    "scheduled",
                )?,
            ),
            Some(_) => None,
        },
    };
    let title = match scope.period {
        None => "Dashboard".to_string(),
        Some(p) => format!("Dashboard: {}", p.title()),
    };
    site.page(
        theme,
        "internal/index.html",
        path,
        "dashboard",
        title,
        &page,
    )
}

#[derive(Serialize)]
struct Dashboard {
    /// `None` on the all-time dashboard.
    period: Option<PeriodView>,
    /// The period selector's links.
    periods: Vec<PeriodLink>,
    /// Appended to the records table's hash filters on this page.
    filter: String,
    totals: Totals,
    compliance: ComplianceView,
    counts: Vec<CountGroup>,
    flag_codes: Vec<CodeCount>,
    metrics: Metrics,
    changes_chart: String,
    flags_chart: String,
    type_series: Vec<Series>,
    level_series: Vec<Series>,
    chart_months: Vec<Month>,
    months: Vec<Month>,
    /// Only on the all-time dashboard.
    upcoming: Option<TableRows>,
    in_progress: Option<TableRows>,
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

fn totals(site: &Site<'_>, scope: &Scope<'_>) -> Totals {
    let flags = &scope.flags;
    let deny = flags.iter().filter(|f| f.level == Level::Deny).count();
    Totals {
        records: scope.documents.len(),
        public: scope
            .documents
            .iter()
            .filter(|d| d.record.is_public())
            .count(),
        flags: flags.len(),
        deny,
        warn: flags.len() - deny,
        flagged_records: scope
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
    /// The records table's `missed` filter value for this figure,
    /// form-urlencoded for the link's fragment (tier keys are free text).
    key: String,
    /// The flag code the missed records most often carry among the
    /// figure's codes (a section of the flags page), if any.
    code: Option<&'static str>,
}

#[derive(Serialize)]
struct MissedRecord {
    id: String,
    href: String,
}

impl Figure {
    /// The figure of `tally`, filtered in the records table as `key`;
    /// `codes` are the flags its rule raises.
    fn new(site: &Site<'_>, tally: &Tally, key: String, codes: &[Code]) -> Self {
        let ratio = tally.ratio;
        Figure {
            key: url::form_urlencoded::byte_serialize(key.as_bytes()).collect(),
            code: most_raised(site, &tally.missed, codes).map(Code::as_str),
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

/// Of `codes`, the one most often raised on the records `ids` (the first
/// in `codes` on a tie); `None` when none is.
fn most_raised(site: &Site<'_>, ids: &[String], codes: &[Code]) -> Option<Code> {
    let mut counts = vec![0usize; codes.len()];
    for id in ids {
        for flag in site.flags.of(id) {
            if let Some(index) = codes.iter().position(|c| *c == flag.code) {
                counts[index] += 1;
            }
        }
    }
    let best = counts.iter().copied().max().filter(|&n| n > 0)?;
    counts
        .iter()
        .position(|&n| n == best)
        .map(|index| codes[index])
}

/// The flags of the normal-approvals figure's rule.
const APPROVAL_CODES: &[Code] = &[
    Code::MissingApproval,
    Code::InsufficientApproval,
    Code::ApprovalAfterDeploy,
    Code::SelfApproval,
    Code::RejectedButDeployed,
    Code::ApproverNotOnBoard,
];
/// The flags of the emergency-evidence figures.
const EMERGENCY_CODES: &[Code] = &[Code::MissingReview, Code::MissingPostIncident];

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

fn compliance_view(site: &Site<'_>, documents: &[&Document]) -> ComplianceView {
    let assessed: Vec<Assessed<'_>> = documents
        .iter()
        .map(|d| (&d.record, site.facts_of(d)))
        .collect();
    let figures = compliance::compute_for(&assessed, site.config);
    let policy = &site.config.policy.emergency;
    ComplianceView {
        normal_approvals: Figure::new(
            site,
            &figures.normal_approvals,
            compliance::NORMAL_APPROVALS_KEY.into(),
            APPROVAL_CODES,
        ),
        emergency_both: Figure::new(
            site,
            &figures.emergency.both,
            compliance::EMERGENCY_KEY.into(),
            EMERGENCY_CODES,
        ),
        emergency_review: Figure::new(
            site,
            &figures.emergency.review,
            compliance::EMERGENCY_KEY.into(),
            EMERGENCY_CODES,
        ),
        emergency_post_incident: Figure::new(
            site,
            &figures.emergency.post_incident,
            compliance::EMERGENCY_KEY.into(),
            EMERGENCY_CODES,
        ),
        emergency_pending: figures.emergency.pending,
        review_days: policy.review_within_days,
        post_incident_days: policy.post_incident_within_days,
        notice: figures
            .notice
            .iter()
            .map(|tier| TierFigure {
                title: tier.title.clone(),
                notice_days: tier.notice_days,
                figure: Figure::new(
                    site,
                    &tier.tally,
                    compliance::notice_key(&tier.key),
                    &[Code::NoticeTooShort],
                ),
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
fn flag_codes(flags: &[&Flag]) -> Vec<CodeCount> {
    let mut counts: BTreeMap<Code, (usize, usize)> = BTreeMap::new();
    for flag in flags {
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
fn month_table(site: &Site<'_>, documents: &[&Document]) -> BTreeMap<String, Month> {
    let mut months: BTreeMap<String, Month> = BTreeMap::new();
    for document in documents {
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
