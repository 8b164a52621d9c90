//! Change metrics of the dashboard and period pages (issue 15), per quarter
//! and per system, over the changes that went live (deployed or rolled
//! back, with a `deployed` instant):
//!
//! - **volume by class**: how many standard, normal and emergency changes;
//! - **emergency share**: emergency changes of all of them;
//! - **change failure rate**: changes that failed, of all of them; a change
//!   failed when it was rolled back, or when another record's post-incident
//!   review names it in `follow_ups` (it is linked to the incident);
//! - **median lead time**: the median of `deployed - created`, in days of
//!   24 hours;
//! - **policy compliance rate**: changes without a deny-level flag, of all
//!   of them (the same flags as the flags page, after `lints:`).
//!
//! Quarters are UTC calendar quarters ([`super::periods`]).

use super::charts::{Series, StackedBars};
use super::compliance::Ratio;
use super::periods::{quarter_range, AuditPeriod};
use super::Site;
use crate::checks::Level;
use crate::model::portal::Document;
use crate::model::record::{ChangeClass, Record, Status};
use crate::paths;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// How many quarters the metric charts show (the latest ones).
const CHART_QUARTERS: usize = 12;

/// The lower-cased ids that other records' post-incident `follow_ups`
/// name: the changes linked to an incident. Computed once per build.
pub(super) struct Incidents(HashSet<String>);

impl Incidents {
    /// Collects the follow-up ids of every record of `site` (a record
    /// naming itself does not count).
    pub(super) fn of(site: &Site<'_>) -> Self {
        let mut linked = HashSet::new();
        for document in &site.documents {
            let record = &document.record;
            let Some(post_incident) = &record.post_incident else {
                continue;
            };
            for follow_up in &post_incident.follow_ups {
                let slug = follow_up.to_lowercase();
                if slug != record.slug() && site.by_slug.contains_key(&slug) {
                    linked.insert(slug);
                }
            }
        }
        Incidents(linked)
    }

    /// Whether `record` failed: rolled back or linked to an incident.
    fn failed(&self, record: &Record) -> bool {
        record.status == Status::RolledBack || self.0.contains(&record.slug())
    }
}

/// The measures of one group of changes.
#[derive(Default)]
struct Measure {
    /// Standard, normal, emergency.
    classes: [usize; 3],
    failed: usize,
    compliant: usize,
    /// `deployed - created` of each change, in seconds.
    lead_seconds: Vec<i64>,
}

impl Measure {
    fn add(&mut self, site: &Site<'_>, incidents: &Incidents, record: &Record) {
        let Some(deployed) = record.deployed.filter(|_| record.is_live()) else {
            return;
        };
        let class = match record.class {
            ChangeClass::Standard => 0,
            ChangeClass::Normal => 1,
            ChangeClass::Emergency => 2,
        };
        self.classes[class] += 1;
        if incidents.failed(record) {
            self.failed += 1;
        }
        if !site
            .flags
            .of(&record.id)
            .iter()
            .any(|f| f.level == Level::Deny)
        {
            self.compliant += 1;
        }
        self.lead_seconds
            .push((deployed.instant() - record.created.instant()).num_seconds());
    }

    fn total(&self) -> usize {
        self.classes.iter().sum()
    }

    /// The median lead time in days, one decimal; `None` without changes.
    fn median_lead_days(&self) -> Option<String> {
        let mut leads = self.lead_seconds.clone();
        leads.sort_unstable();
        let middle = leads.len() / 2;
        let median = match leads.len() {
            0 => return None,
            n if n % 2 == 1 => leads[middle] as f64,
            _ => (leads[middle - 1] as f64 + leads[middle] as f64) / 2.0,
        };
        Some(format!("{:.1}", median / 86_400.0))
    }

    fn row(&self, label: String, href: Option<String>) -> MetricRow {
        let total = self.total();
        let share = |met: usize| percent(Ratio { met, total });
        MetricRow {
            label,
            href,
            total,
            standard: self.classes[0],
            normal: self.classes[1],
            emergency: self.classes[2],
            emergency_share: share(self.classes[2]),
            failed: self.failed,
            failure_rate: share(self.failed),
            median_lead_days: self.median_lead_days().unwrap_or_else(|| "n/a".into()),
            compliant: self.compliant,
            compliance_rate: share(self.compliant),
        }
    }
}

/// `78%`, or `n/a` without cases.
fn percent(ratio: Ratio) -> String {
    ratio
        .percent()
        .map_or_else(|| "n/a".to_string(), |p| format!("{p}%"))
}

/// One row of a metrics table.
#[derive(Serialize)]
pub(super) struct MetricRow {
    label: String,
    /// Path from the site root of the row's page, when it has one.
    href: Option<String>,
    total: usize,
    standard: usize,
    normal: usize,
    emergency: usize,
    emergency_share: String,
    failed: usize,
    failure_rate: String,
    median_lead_days: String,
    compliant: usize,
    compliance_rate: String,
}

/// The metrics section of a dashboard page.
#[derive(Serialize)]
pub(super) struct Metrics {
    /// All changes of the page together.
    overall: MetricRow,
    /// One row per quarter with deployments, oldest first.
    quarters: Vec<MetricRow>,
    /// One row per system with deployments, in catalogue order.
    systems: Vec<MetricRow>,
    volume_chart: String,
    failure_chart: String,
    class_series: Vec<Series>,
    outcome_series: Vec<Series>,
}

/// The metrics of `documents` (a page's changes).
pub(super) fn metrics(site: &Site<'_>, incidents: &Incidents, documents: &[&Document]) -> Metrics {
    let mut overall = Measure::default();
    let mut by_quarter: BTreeMap<AuditPeriod, Measure> = BTreeMap::new();
    let mut by_system: Vec<Measure> = site.systems.iter().map(|_| Measure::default()).collect();
    for document in documents {
        let record = &document.record;
        overall.add(site, incidents, record);
        if let Some(at) = record.deployed.as_ref().filter(|_| record.is_live()) {
            by_quarter
                .entry(AuditPeriod::quarter_of(at))
                .or_default()
                .add(site, incidents, record);
        }
        for key in &record.systems {
            if let Some(&index) = site.system_index.get(key.as_str()) {
                by_system[index].add(site, incidents, record);
            }
        }
    }
    let chart_quarters = quarter_range(documents.iter().map(|d| &d.record), CHART_QUARTERS);
    let empty = Measure::default();
    let chart_rows: Vec<(String, &Measure)> = chart_quarters
        .iter()
        .map(|q| (q.chart_key(), by_quarter.get(q).unwrap_or(&empty)))
        .collect();
    Metrics {
        overall: overall.row("All".into(), None),
        volume_chart: volume_chart(&chart_rows),
        failure_chart: failure_chart(&chart_rows),
        quarters: by_quarter
            .iter()
            .map(|(quarter, m)| m.row(quarter.title(), Some(quarter.page())))
            .collect(),
        systems: site
            .systems
            .iter()
            .zip(&by_system)
            .filter(|(_, m)| m.total() > 0)
            .map(|(system, m)| {
                m.row(
                    system.title.to_string(),
                    Some(paths::internal::system_page(&system.slug)),
                )
            })
            .collect(),
        class_series: class_series(),
        outcome_series: outcome_series(),
    }
}

fn class_series() -> Vec<Series> {
    ChangeClass::ALL
        .iter()
        .map(|c| Series {
            label: c.as_str().to_string(),
            class: format!("s-{}", c.as_str()),
        })
        .collect()
}

fn outcome_series() -> Vec<Series> {
    [("failed", "s-failed"), ("not failed", "s-succeeded")]
        .iter()
        .map(|(label, class)| Series {
            label: (*label).to_string(),
            class: (*class).to_string(),
        })
        .collect()
}

fn volume_chart(rows: &[(String, &Measure)]) -> String {
    StackedBars {
        id: "chart-volume".into(),
        title: "Changes deployed per quarter, by class".into(),
        description: format!(
            "Stacked bars of the changes deployed in each of the {} quarters shown, one segment per class (standard, normal, emergency); the table below gives the numbers and the emergency share.",
            rows.len()
        ),
        categories: rows.iter().map(|(key, _)| key.clone()).collect(),
        series: class_series(),
        values: rows.iter().map(|(_, m)| m.classes.to_vec()).collect(),
    }
    .to_svg()
}

fn failure_chart(rows: &[(String, &Measure)]) -> String {
    StackedBars {
        id: "chart-failure".into(),
        title: "Changes deployed per quarter: failed and not failed".into(),
        description: format!(
            "Stacked bars of the changes deployed in each of the {} quarters shown, failed changes (rolled back or linked to an incident) below the others; the table below gives the failure rate.",
            rows.len()
        ),
        categories: rows.iter().map(|(key, _)| key.clone()).collect(),
        series: outcome_series(),
        values: rows
            .iter()
            .map(|(_, m)| vec![m.failed, m.total() - m.failed])
            .collect(),
    }
    .to_svg()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_lead_time_in_days() {
        let measure = |leads: &[i64]| Measure {
            lead_seconds: leads.to_vec(),
            ..Measure::default()
        };
        assert_eq!(measure(&[]).median_lead_days(), None);
        assert_eq!(
            measure(&[86_400 * 3]).median_lead_days().as_deref(),
            Some("3.0")
        );
        assert_eq!(
            measure(&[86_400 * 4, 0, 86_400])
                .median_lead_days()
                .as_deref(),
            Some("1.0")
        );
        assert_eq!(
            measure(&[0, 86_400]).median_lead_days().as_deref(),
            Some("0.5")
        );
        assert_eq!(percent(Ratio { met: 1, total: 4 }), "25%");
        assert_eq!(percent(Ratio::default()), "n/a");
    }
}
