//! Audit periods of the dashboard (SPEC 5, issue 15): all time, and each
//! calendar year and quarter in which a change was deployed, each rendered
//! as its own static page ([`paths::internal::period_page`]).
//!
//! A record is *in* a period when it went live (status `deployed` or
//! `rolled_back`) with `deployed` inside the period's whole UTC days: the
//! population that `export --from --to` and `sample --from --to` give for
//! the same dates (SPEC 6), so a period page's counts and an auditor's
//! export agree.

use crate::model::record::Record;
use crate::model::Timestamp;
use crate::paths;
use crate::render::export::{in_population, Period};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeSet;

/// A calendar year, or one quarter of it, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct AuditPeriod {
    year: i32,
    /// 1 to 4; `None` for the whole year.
    quarter: Option<u32>,
}

impl AuditPeriod {
    /// The year of `at` (UTC) and, when `quarter`, its quarter.
    fn of(at: &Timestamp, quarter: bool) -> Self {
        let date = at.instant().date_naive();
        AuditPeriod {
            year: date.year(),
            quarter: quarter.then(|| (date.month() - 1) / 3 + 1),
        }
    }

    /// The quarter (UTC) of `at`.
    pub(super) fn quarter_of(at: &Timestamp) -> Self {
        Self::of(at, true)
    }

    /// `2026-Q4`: a chart category (the chart prints `Q4` under the bar and
    /// the year under the first bar of each year).
    pub(super) fn chart_key(&self) -> String {
        format!("{:04}-Q{}", self.year, self.quarter.unwrap_or(0))
    }

    /// `2026` or `2026-q4`: the page's folder name.
    pub(super) fn key(&self) -> String {
        match self.quarter {
            None => format!("{:04}", self.year),
            Some(q) => format!("{:04}-q{q}", self.year),
        }
    }

    /// `2026` or `Q4 2026`.
    pub(super) fn title(&self) -> String {
        match self.quarter {
            None => format!("{:04}", self.year),
            Some(q) => format!("Q{q} {:04}", self.year),
        }
    }

    /// The page of this period.
    pub(super) fn page(&self) -> String {
        paths::internal::period_page(&self.key())
    }

    /// First and last day (UTC, both included).
    pub(super) fn days(&self) -> (NaiveDate, NaiveDate) {
        let (first_month, last_month) = match self.quarter {
            None => (1, 12),
            Some(q) => (q * 3 - 2, q * 3),
        };
        let first = NaiveDate::from_ymd_opt(self.year, first_month, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(self.year, last_month, 1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MAX);
        (first, last)
    }

    /// The period as whole UTC days, as `export --from --to` reads them.
    pub(super) fn range(&self) -> Period {
        let (first, last) = self.days();
        Period {
            from: Some(first),
            to: Some(last),
        }
    }

    /// Whether this is a quarter of `year`'s year.
    fn within(&self, year: &AuditPeriod) -> bool {
        self.year == year.year && self.quarter.is_some() && year.quarter.is_none()
    }
}

/// Whether `record` belongs to the population of `period` (SPEC 6): the
/// population rule of `export` and `sample`
/// ([`crate::render::export::in_population`]).
pub(super) fn deployed_in(record: &Record, period: &Period) -> bool {
    in_population(record, period)
}

/// Every year in which a record of `records` was deployed, each followed by
/// its quarters with deployments, in time order.
pub(super) fn with_records<'a>(records: impl Iterator<Item = &'a Record>) -> Vec<AuditPeriod> {
    let mut periods = BTreeSet::new();
    for record in records.filter(|r| r.is_live()) {
        if let Some(at) = &record.deployed {
            periods.insert(AuditPeriod::of(at, false));
            periods.insert(AuditPeriod::of(at, true));
        }
    }
    // Ordering puts a year's `None` quarter before its `Some` quarters.
    periods.into_iter().collect()
}

/// Every quarter (as periods) from the first to the last deployment of
/// `records`, empty quarters included, at most `limit` (the latest).
pub(super) fn quarter_range<'a>(
    records: impl Iterator<Item = &'a Record>,
    limit: usize,
) -> Vec<AuditPeriod> {
    let quarters: BTreeSet<AuditPeriod> = records
        .filter(|r| r.is_live())
        .filter_map(|r| r.deployed.as_ref())
        .map(|at| AuditPeriod::of(at, true))
        .collect();
    let (Some(first), Some(last)) = (quarters.first(), quarters.last()) else {
        return Vec::new();
    };
    let index = |p: &AuditPeriod| i64::from(p.year) * 4 + i64::from(p.quarter.unwrap_or(1)) - 1;
    let start = index(first).max(index(last) - limit as i64 + 1);
    (start..=index(last))
        .filter_map(|i| {
            Some(AuditPeriod {
                year: i32::try_from(i.div_euclid(4)).ok()?,
                quarter: Some(u32::try_from(i.rem_euclid(4)).ok()? + 1),
            })
        })
        .collect()
}

/// A link of the period selector.
#[derive(Serialize)]
pub(super) struct PeriodLink {
    title: String,
    /// Path from the site root.
    href: String,
    current: bool,
    /// A year (quarters are listed after their year).
    year: bool,
}

/// The period selector: all time, then each year with its quarters;
/// `current` is the page's own period (`None`: all time).
pub(super) fn selector(periods: &[AuditPeriod], current: Option<&AuditPeriod>) -> Vec<PeriodLink> {
    let all = PeriodLink {
        title: "All time".into(),
        href: paths::internal::DASHBOARD.into(),
        current: current.is_none(),
        year: true,
    };
    let mut links = vec![all];
    let mut year: Option<AuditPeriod> = None;
    for period in periods {
        if period.quarter.is_none() {
            year = Some(*period);
        }
        debug_assert!(period.quarter.is_none() || year.is_some_and(|y| period.within(&y)));
        links.push(PeriodLink {
            title: period.title(),
            href: period.page(),
            current: current == Some(period),
            year: period.quarter.is_none(),
        });
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn quarters_and_years_cover_whole_utc_days() {
        let q4 = AuditPeriod::of(&at("2026-12-31T23:59:59Z"), true);
        assert_eq!((q4.key(), q4.title()), ("2026-q4".into(), "Q4 2026".into()));
        let (first, last) = q4.days();
        assert_eq!(
            (first.to_string(), last.to_string()),
            ("2026-10-01".into(), "2026-12-31".into())
        );
        assert!(q4.range().contains(&at("2026-12-31T23:59:59Z")));
        assert!(!q4.range().contains(&at("2027-01-01T00:00:00Z")));
        // An offset is read as its UTC instant.
        assert_eq!(
            AuditPeriod::of(&at("2027-01-01T00:30:00+01:00"), false).key(),
            "2026"
        );
        let q1 = AuditPeriod {
            year: 2024,
            quarter: Some(1),
        };
        assert_eq!(q1.days().1.to_string(), "2024-03-31");
    }

    #[test]
    fn quarter_range_fills_gaps_and_keeps_the_latest() {
        let quarters = |texts: &[&str], limit| {
            let records: Vec<Record> = texts.iter().map(|t| deployed(t)).collect();
            quarter_range(records.iter(), limit)
                .iter()
                .map(AuditPeriod::key)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            quarters(&["2025-11-01", "2026-04-01"], 8),
            ["2025-q4", "2026-q1", "2026-q2"]
        );
        assert_eq!(
            quarters(&["2020-01-01", "2026-04-01"], 2),
            ["2026-q1", "2026-q2"]
        );
        assert!(quarters(&[], 4).is_empty());
    }

    fn deployed(date: &str) -> Record {
        crate::yaml::from_str(&format!(
            "id: X\ntitle: T\ntype: feature\nstatus: deployed\nauthor: A\ncreated: 2020-01-01\ndeployed: {date}"
        ))
        .unwrap()
    }
}
