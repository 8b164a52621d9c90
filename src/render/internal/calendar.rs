//! The change calendar: `calendar/index.html` (a year-by-month overview) and
//! one month grid per month that has events, `calendar/<yyyy-mm>/index.html`. Events are each record's `scheduled`
//! and `deployed` instants (days in the portal's time zone; a change deployed on its scheduled day
//! shows once); emergency changes are marked.

use super::{month_key, month_title, Site};
use crate::model::record::ChangeClass;
use crate::model::{Timestamp, Zone};
use crate::paths;
use crate::render::{RenderError, Sink, Theme};
use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Renders the month pages and the overview, handing each to `sink`.
pub(super) fn render(site: &Site<'_>, theme: &Theme, sink: &dyn Sink) -> Result<(), RenderError> {
    let events = events_by_month(site);
    // Only months with events get a page (prev/next skip empty months): a
    // record dated centuries away must not produce a page per month between.
    let months: Vec<String> = events.keys().cloned().collect();
    let empty = Vec::new();
    let zone = site.zone();
    let today = zone.date_of(&site.now);
    months.par_iter().enumerate().try_for_each(|(index, key)| {
        let page = MonthPage {
            key,
            title: month_title(key),
            previous: index
                .checked_sub(1)
                .and_then(|i| months.get(i))
                .map(|k| neighbour(k)),
            next: months.get(index + 1).map(|k| neighbour(k)),
            weeks: weeks(key, events.get(key).unwrap_or(&empty), today, zone),
            count: events.get(key).map_or(0, Vec::len),
        };
        sink.put(site.page(
            theme,
            "internal/calendar_month.html",
            paths::internal::month_page(key),
            "calendar",
            format!("Calendar: {}", page.title),
            &page,
        )?)
    })?;
    let overview = CalendarPage {
        years: years(&months, &events),
        current: months
            .iter()
            .find(|k| **k == month_key(&site.now, site.zone()))
            .cloned(),
    };
    sink.put(site.page(
        theme,
        "internal/calendar.html",
        paths::internal::CALENDAR.into(),
        "calendar",
        "Calendar".into(),
        &overview,
    )?)
}

/// One scheduled or deployed event.
#[derive(Clone, Serialize)]
struct Event<'a> {
    id: &'a str,
    title: &'a str,
    href: String,
    /// `scheduled` or `deployed`.
    kind: &'static str,
    /// Deployed on the day it was scheduled.
    as_scheduled: bool,
    emergency: bool,
    status: &'static str,
    #[serde(skip)]
    at: Timestamp,
}

fn events_by_month<'a>(site: &Site<'a>) -> BTreeMap<String, Vec<Event<'a>>> {
    let zone = site.zone();
    let mut months: BTreeMap<String, Vec<Event<'a>>> = BTreeMap::new();
    for document in &site.documents {
        let record = &document.record;
        // A change deployed on its scheduled day shows once.
        let same_day = matches!((record.scheduled, record.deployed), (Some(s), Some(d)) if zone.date_of(&s) == zone.date_of(&d));
        let instants = [
            ("scheduled", record.scheduled.filter(|_| !same_day)),
            ("deployed", record.deployed),
        ];
        for (kind, at) in instants {
            let Some(at) = at else { continue };
            months.entry(month_key(&at, zone)).or_default().push(Event {
                id: &record.id,
                title: &record.title,
                href: paths::internal::change_page(&record.slug()),
                kind,
                as_scheduled: same_day && kind == "deployed",
                emergency: record.class == ChangeClass::Emergency,
                status: record.status.as_str(),
                at,
            });
        }
    }
    for events in months.values_mut() {
        events.sort_by(|a, b| (a.at, a.id).cmp(&(b.at, b.id)));
    }
    months
}

#[derive(Serialize)]
struct Neighbour {
    key: String,
    title: String,
}

fn neighbour(key: &str) -> Neighbour {
    Neighbour {
        key: key.to_string(),
        title: month_title(key),
    }
}

#[derive(Serialize)]
struct MonthPage<'a> {
    key: &'a str,
    title: String,
    previous: Option<Neighbour>,
    next: Option<Neighbour>,
    weeks: Vec<Vec<Day<'a>>>,
    count: usize,
}

/// A cell of the month grid; `day` is 0 for padding before the 1st and
/// after the last day.
#[derive(Serialize)]
struct Day<'a> {
    day: u32,
    iso: String,
    today: bool,
    events: Vec<Event<'a>>,
}

/// The month `key` as Monday-first weeks of seven cells.
fn weeks<'a>(key: &str, events: &[Event<'a>], today: NaiveDate, zone: Zone) -> Vec<Vec<Day<'a>>> {
    let Some(first) = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").ok() else {
        return Vec::new();
    };
    let padding = first.weekday().num_days_from_monday();
    let mut cells: Vec<Day<'a>> = (0..padding).map(|_| blank()).collect();
    let mut date = first;
    while date.month() == first.month() {
        cells.push(Day {
            day: date.day(),
            iso: date.format("%Y-%m-%d").to_string(),
            today: date == today,
            events: events
                .iter()
                .filter(|e| zone.date_of(&e.at) == date)
                .cloned()
                .collect(),
        });
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    while cells.len() % 7 != 0 {
        cells.push(blank());
    }
    let mut weeks = Vec::new();
    let mut cells = cells.into_iter().peekable();
    while cells.peek().is_some() {
        weeks.push(cells.by_ref().take(7).collect());
    }
    weeks
}

fn blank<'a>() -> Day<'a> {
    Day {
        day: 0,
        iso: String::new(),
        today: false,
        events: Vec::new(),
    }
}

#[derive(Serialize)]
struct CalendarPage {
    years: Vec<Year>,
    current: Option<String>,
}

#[derive(Serialize)]
struct Year {
    year: String,
    months: Vec<MonthCell>,
}

/// One month of the overview; `key` is empty outside the calendar's range.
#[derive(Serialize)]
struct MonthCell {
    key: String,
    name: &'static str,
    scheduled: usize,
    deployed: usize,
    emergency: usize,
}

/// Years (newest first), each with all twelve months.
fn years(months: &[String], events: &BTreeMap<String, Vec<Event<'_>>>) -> Vec<Year> {
    let mut years: BTreeMap<String, Vec<MonthCell>> = BTreeMap::new();
    for key in months {
        let (year, _) = key.split_once('-').unwrap_or((key, ""));
        years.entry(year.to_string()).or_insert_with(|| {
            (1..=12)
                .map(|m| MonthCell {
                    key: String::new(),
                    name: super::charts::month_abbreviation(&m.to_string()).unwrap_or(""),
                    scheduled: 0,
                    deployed: 0,
                    emergency: 0,
                })
                .collect()
        });
    }
    for key in months {
        let (year, month) = key.split_once('-').unwrap_or((key, ""));
        let index = month.parse::<usize>().unwrap_or(1).clamp(1, 12) - 1;
        if let Some(cell) = years.get_mut(year).and_then(|cells| cells.get_mut(index)) {
            let list = events.get(key).map(Vec::as_slice).unwrap_or(&[]);
            cell.key = key.clone();
            cell.scheduled = list.iter().filter(|e| e.kind == "scheduled").count();
            cell.deployed = list.iter().filter(|e| e.kind == "deployed").count();
            cell.emergency = list.iter().filter(|e| e.emergency).count();
        }
    }
    years
        .into_iter()
        .rev()
        .map(|(year, months)| Year { year, months })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_pad_the_month() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 13).unwrap();
        let grid = weeks("2026-01", &[], today, Zone::default());
        // 1 January 2026 is a Thursday: three blank cells first.
        assert_eq!(
            grid[0].iter().map(|d| d.day).collect::<Vec<_>>(),
            [0, 0, 0, 1, 2, 3, 4]
        );
        assert_eq!(grid.len(), 5);
        assert!(grid.iter().all(|week| week.len() == 7));
        assert!(grid[2][1].today && grid[2][1].day == 13);
    }
}
