//! Charts drawn at build time as inline SVG: readable without JavaScript,
//! coloured by CSS classes (no inline styles, so the site's CSP holds), with
//! a `<title>`/`<desc>` for assistive technology and a `<title>` per bar for
//! a hover tooltip. Pages also print the same numbers as a data table.

use crate::render::escape_markup;
use serde::Serialize;
use std::fmt::Write;

/// One stacked series (e.g. a change type).
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// CSS class giving its colour (`s-feature`).
    pub class: String,
}

/// A stacked bar chart: one bar per category, one segment per series.
#[derive(Debug, Clone, Serialize)]
pub struct StackedBars {
    /// Unique prefix for element ids on the page.
    pub id: String,
    /// Short title.
    pub title: String,
    /// One-sentence description of what is drawn.
    pub description: String,
    /// Category keys along the x axis (`2026-01`).
    pub categories: Vec<String>,
    /// The series, bottom first.
    pub series: Vec<Series>,
    /// `values[category][series]`.
    pub values: Vec<Vec<usize>>,
}

/// Drawing width; bars share it, at most [`MAX_SLOT`] each.
const WIDTH: f64 = 960.0;
const MAX_SLOT: f64 = 60.0;
/// Charts wider than this are marked `wide`: on a phone they keep a
/// legible minimum width and scroll inside their figure.
const WIDE: usize = 480;
const LEFT: usize = 40;
const TOP: usize = 12;
const PLOT_HEIGHT: usize = 170;
const BOTTOM: usize = 40;

impl StackedBars {
    /// The total of each category.
    pub fn totals(&self) -> Vec<usize> {
        self.values.iter().map(|row| row.iter().sum()).collect()
    }

    /// The chart as an `<svg>` element.
    pub fn to_svg(&self) -> String {
        let slot = self.slot();
        let width =
            (LEFT as f64 + slot * self.categories.len().max(1) as f64 + 10.0).ceil() as usize;
        let height = TOP + PLOT_HEIGHT + BOTTOM;
        let (top, step) = axis_scale(self.totals().into_iter().max().unwrap_or(0));
        let mut svg = String::with_capacity(4096);
        let _ = write!(
            svg,
            r#"<svg class="chart{wide}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
            wide = if width > WIDE { " wide" } else { "" },
            id = escape_markup(&self.id),
            title = escape_markup(&self.title),
            desc = escape_markup(&self.description),
        );
        self.draw_axis(&mut svg, width, top, step);
        for (index, (category, row)) in self.categories.iter().zip(&self.values).enumerate() {
            let centre = LEFT as f64 + slot * (index as f64 + 0.5);
            self.draw_bar(&mut svg, centre, slot * 0.66, category, row, top);
            draw_label(
                &mut svg,
                centre,
                category,
                self.categories.get(index.wrapping_sub(1)),
            );
        }
        svg.push_str("</svg>");
        svg
    }

    fn draw_axis(&self, svg: &mut String, width: usize, top: usize, step: usize) {
        let mut value = 0;
        while value <= top {
            let y = y_of(value, top);
            let _ = write!(
                svg,
                r#"<line class="grid" x1="{LEFT}" x2="{right}" y1="{y}" y2="{y}"/><text class="tick" x="{x}" y="{ty}" text-anchor="end">{value}</text>"#,
                right = width - 10,
                x = LEFT - 6,
                ty = y + 4,
            );
            value += step;
        }
    }

    /// The horizontal space of one bar.
    fn slot(&self) -> f64 {
        let available = WIDTH - LEFT as f64 - 10.0;
        (available / self.categories.len().max(1) as f64).min(MAX_SLOT)
    }

    fn draw_bar(
        &self,
        svg: &mut String,
        centre: f64,
        bar: f64,
        category: &str,
        row: &[usize],
        top: usize,
    ) {
        let x = centre - bar / 2.0;
        let mut base = 0;
        for (series, &value) in self.series.iter().zip(row) {
            if value == 0 {
                continue;
            }
            let y = y_of(base + value, top);
            let h = y_of(base, top) - y;
            let _ = write!(
                svg,
                r#"<rect class="bar {class}" x="{x:.1}" y="{y}" width="{bar:.1}" height="{h}"><title>{category}: {value} {label}</title></rect>"#,
                class = escape_markup(&series.class),
                category = escape_markup(category),
                label = escape_markup(&series.label),
            );
            base += value;
        }
    }
}

/// Month label under a bar: the month's short name, and the year under
/// the first bar and every January.
fn draw_label(svg: &mut String, x: f64, category: &str, previous: Option<&String>) {
    let y = TOP + PLOT_HEIGHT + 16;
    let (year, month) = category.split_once('-').unwrap_or((category, ""));
    let name = month_abbreviation(month).unwrap_or(month);
    let _ = write!(
        svg,
        r#"<text class="tick" x="{x:.1}" y="{y}" text-anchor="middle">{}</text>"#,
        escape_markup(name)
    );
    let new_year = previous.is_none_or(|p| !p.starts_with(year));
    if new_year {
        let _ = write!(
            svg,
            r#"<text class="tick year" x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#,
            y + 15,
            escape_markup(year)
        );
    }
}

/// The y coordinate of `value` on an axis from 0 to `top`.
fn y_of(value: usize, top: usize) -> usize {
    TOP + PLOT_HEIGHT - value * PLOT_HEIGHT / top.max(1)
}

/// A round axis maximum of at least `max` (and at least 1) and a tick step
/// that divides it into at most five parts: 1, 2 or 5 times a power of ten.
pub fn axis_scale(max: usize) -> (usize, usize) {
    let max = max.max(1);
    let mut magnitude = 1;
    loop {
        for factor in [1, 2, 5] {
            let step = factor * magnitude;
            if step * 5 >= max {
                return (max.div_ceil(step) * step, step);
            }
        }
        magnitude *= 10;
    }
}

/// `Jan` for `01`.
pub fn month_abbreviation(month: &str) -> Option<&'static str> {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let number: usize = month.parse().ok()?;
    NAMES.get(number.checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_scale_is_round_and_covers_the_maximum() {
        assert_eq!(axis_scale(0), (1, 1));
        assert_eq!(axis_scale(4), (4, 1));
        assert_eq!(axis_scale(7), (8, 2));
        assert_eq!(axis_scale(23), (25, 5));
        assert_eq!(axis_scale(480), (500, 100));
    }

    #[test]
    fn svg_has_accessible_names_bars_and_escaped_labels() {
        let chart = StackedBars {
            id: "c".into(),
            title: "Changes <per> month".into(),
            description: "Stacked by type".into(),
            categories: vec!["2025-12".into(), "2026-01".into()],
            series: vec![
                Series {
                    label: "feature".into(),
                    class: "s-feature".into(),
                },
                Series {
                    label: "bugfix".into(),
                    class: "s-bugfix".into(),
                },
            ],
            values: vec![vec![2, 1], vec![0, 3]],
        };
        let svg = chart.to_svg();
        assert!(svg.contains(r#"aria-labelledby="c-title c-desc""#));
        assert!(svg.contains("Changes &lt;per&gt; month"));
        assert_eq!(
            svg.matches("<rect").count(),
            3,
            "zero segments are not drawn"
        );
        assert!(svg.contains("<title>2026-01: 3 bugfix</title>"));
        assert!(svg.contains(">Dec<") && svg.contains(">2025<") && svg.contains(">2026<"));
        assert_eq!(chart.totals(), vec![3, 3]);
    }
}
