//! The records table: every record, listed without JavaScript on pages of
//! [`PAGE_ROWS`] rows (`records/index.html`, `records/page-2.html`, ...,
//! [`paths::internal::records_page`]), and filtered, sorted and searched in
//! the browser by `records.js` over all records at once.
//!
//! The script reads one compact index, `records/search-index.js`
//! ([`index`]): per record an array of the row's fields (the filter values
//! among them) and its search text, the distinct lower-cased words of its
//! id, title, summary and body (public and internal parts, as markdown
//! source: markup does not keep a word from matching, and parsing every
//! body once more would double this file's cost). The pages' rows carry
//! only their id; nothing is held twice. The index is a script rather than
//! JSON so that it also loads from `file://`.
//! Without JavaScript the filter form stays hidden and the pages list
//! every record.
//!
//! With JavaScript, `records.js` loads the index, renders the matching rows
//! of all pages in one table (the pager hides), sorts by any column,
//! filters by a deployed date range (`from`/`to`, whole UTC days, as
//! `export --from --to`), and by `missed=<figure>`: the records that missed
//! a dashboard figure, the target of the dashboard's "and N more".

use super::compliance::{self, Compliance};
use super::{Heading, Site, When};
use crate::checks::{Code, Level};
use crate::model::person::person_key;
use crate::model::record::{ChangeClass, ChangeType, Decision, Record, Status};
use crate::paths;
use crate::render::theme::SharedVars;
use crate::render::{OutputFile, Pieces, RenderError, Sink, Theme};
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Rows per page of the table as it shows without JavaScript: a page of
/// ~250 KB that a browser shows at once.
const PAGE_ROWS: usize = 500;

pub(super) fn render(site: &Site<'_>, theme: &Theme, sink: &dyn Sink) -> Result<(), RenderError> {
    let figures = compliance::compute(&site.analysis.portal, &site.analysis.facts);
    let missed = missed_figures(&figures);
    let rows: Vec<Row<'_>> = site
        .documents
        .par_iter()
        .map(|d| row(site, d, missed.get(d.record.id.as_str())))
        .collect();
    let filters = filters(site);
    let count = rows.len().div_ceil(PAGE_ROWS).max(1);
    (1..=count).into_par_iter().try_for_each(|number| {
        let start = (number - 1) * PAGE_ROWS;
        let page_rows = &rows[start..rows.len().min(start + PAGE_ROWS)];
        sink.put(records_page(
            site,
            theme,
            &filters,
            rows.len(),
            Pager::new(number, count),
            page_rows,
        )?)
    })?;
    sink.put_pieces(paths::internal::SEARCH_INDEX, index(site, &rows)?)
}

/// One page of the table with `rows` (`total` records in all).
fn records_page(
    site: &Site<'_>,
    theme: &Theme,
    filters: &[Filter],
    total: usize,
    pager: Pager,
    rows: &[Row<'_>],
) -> Result<OutputFile, RenderError> {
    let row_chunks =
        theme.render_rows("internal/records_rows.html", rows, &SharedVars::default())?;
    let title = if pager.number > 1 {
        format!("Records, page {} of {}", pager.number, pager.count)
    } else {
        "Records".to_string()
    };
    let path = paths::internal::records_page(pager.number);
    let page = RecordsPage {
        total,
        first: (pager.number - 1) * PAGE_ROWS + 1,
        last: (pager.number - 1) * PAGE_ROWS + rows.len(),
        filters,
        pager,
        rows: ROWS_SLOT,
    };
    let mut html = site.page(
        theme,
        "internal/records.html",
        path,
        "records",
        title,
        &page,
    )?;
    html.contents = fill_slot(&html.contents, &row_chunks)?;
    Ok(html)
}

/// Where a page of the table is among them; links are relative to the
/// `records/` folder.
#[derive(Serialize)]
struct Pager {
    number: usize,
    count: usize,
    /// Every page, in order.
    pages: Vec<PageLink>,
}

#[derive(Serialize)]
struct PageLink {
    number: usize,
    href: String,
}

impl Pager {
    fn new(number: usize, count: usize) -> Self {
        let pages = (1..=count)
            .map(|n| PageLink {
                number: n,
                href: paths::internal::records_page(n)
                    .trim_start_matches("records/")
                    .to_string(),
            })
            .collect();
        Self {
            number,
            count,
            pages,
        }
    }
}

/// What the page template gets as `rows`; the rendered rows replace it.
/// Passing the rows themselves would copy them twice more (into the
/// template context, then into Tera's growing output): 80 MB each at
/// 100,000 records.
const ROWS_SLOT: &str = "changeportal-records-rows-slot";

#[derive(Serialize)]
struct RecordsPage<'a> {
    /// Records in the table.
    total: usize,
    /// 1-based positions of this page's first and last row.
    first: usize,
    last: usize,
    filters: &'a [Filter],
    pager: Pager,
    /// Where the table's rows (rendered by `internal/records_rows.html`) go.
    rows: &'static str,
}

/// `page` with its one [`ROWS_SLOT`] replaced by `pieces`, in one buffer.
fn fill_slot(page: &[u8], pieces: &[String]) -> Result<Vec<u8>, RenderError> {
    let text = std::str::from_utf8(page)
        .map_err(|_| RenderError(format!("{} is not UTF-8", paths::internal::RECORDS)))?;
    let (start, end) = match text.match_indices(ROWS_SLOT).collect::<Vec<_>>()[..] {
        [(start, slot)] => (start, start + slot.len()),
        _ => {
            return Err(RenderError(
                "internal/records.html must output {{ rows | safe }} exactly once".to_string(),
            ))
        }
    };
    let length = page.len() - ROWS_SLOT.len() + pieces.iter().map(String::len).sum::<usize>();
    let mut filled = Vec::with_capacity(length);
    filled.extend_from_slice(&page[..start]);
    for piece in pieces {
        filled.extend_from_slice(piece.as_bytes());
    }
    filled.extend_from_slice(&page[end..]);
    Ok(filled)
}

#[derive(Serialize)]
struct SystemName<'a> {
    key: &'a str,
    title: &'a str,
}

#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    heading: Heading<'a>,
    href: String,
    systems: Vec<SystemName<'a>>,
    deployed: Option<When>,
    flag_count: usize,
    deny: bool,
    data_tiers: String,
    data_flags: String,
    /// The people who approved (`approve` decisions), in record order,
    /// each once as written first.
    approvers: Vec<&'a str>,
    /// `|key|...|` of the dashboard figures the record missed
    /// ([`Compliance::keyed`]); `None` (no attribute) for most records.
    data_missed: Option<String>,
}

/// For each record id, the keys of the dashboard figures it missed.
fn missed_figures(figures: &Compliance) -> HashMap<&str, Vec<String>> {
    let mut missed: HashMap<&str, Vec<String>> = HashMap::new();
    for (key, tally) in figures.keyed() {
        for id in &tally.missed {
            missed.entry(id.as_str()).or_default().push(key.clone());
        }
    }
    missed
}

fn row<'a>(
    site: &Site<'a>,
    document: &'a crate::model::portal::Document,
    missed: Option<&Vec<String>>,
) -> Row<'a> {
    let record = &document.record;
    let flags = site.flags.of(&record.id);
    let mut codes: Vec<Code> = flags.iter().map(|f| f.code).collect();
    codes.sort();
    codes.dedup();
    Row {
        heading: Heading::of(record),
        href: paths::internal::change_page(&record.slug()),
        systems: record
            .systems
            .iter()
            .map(|key| SystemName {
                key,
                title: site.config.system_title(key),
            })
            .collect(),
        deployed: record
            .deployed
            .as_ref()
            .map(|at| When::day(at, site.zone())),
        flag_count: flags.len(),
        deny: flags.iter().any(|f| f.level == Level::Deny),
        data_tiers: pipe_list(
            site.config
                .tiers
                .keys()
                .filter(|key| record.concerns_tier(key))
                .map(String::as_str),
        ),
        data_flags: pipe_list(codes.iter().map(|c| c.as_str())),
        approvers: approvers(record),
        data_missed: missed.map(|keys| pipe_list(keys.iter().map(String::as_str))),
    }
}

/// The distinct people (as a person reads names) who approved `record`.
fn approvers(record: &Record) -> Vec<&str> {
    let mut seen = FxHashSet::default();
    record
        .approvals
        .iter()
        .filter(|a| a.decision == Decision::Approve && seen.insert(person_key(&a.by)))
        .map(|a| a.by.as_str())
        .collect()
}

/// `|a|b|`: a list the script can test with `includes('|' + value + '|')`.
fn pipe_list<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut list = String::from("|");
    for value in values {
        list.push_str(value);
        list.push('|');
    }
    list
}

/// One filter control: its URL key, label and choices.
#[derive(Serialize)]
struct Filter {
    key: &'static str,
    label: &'static str,
    options: Vec<FilterOption>,
}

#[derive(Serialize)]
struct FilterOption {
    value: String,
    label: String,
}

fn options<'a>(values: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<FilterOption> {
    values
        .map(|(value, label)| FilterOption {
            value: value.to_string(),
            label: label.to_string(),
        })
        .collect()
}

fn filters(site: &Site<'_>) -> Vec<Filter> {
    let codes: BTreeSet<Code> = site.analysis.flags.iter().map(|f| f.code).collect();
    vec![
        Filter {
            key: "type",
            label: "Type",
            options: options(ChangeType::ALL.iter().map(|t| (t.as_str(), t.as_str()))),
        },
        Filter {
            key: "class",
            label: "Class",
            options: options(ChangeClass::ALL.iter().map(|c| (c.as_str(), c.as_str()))),
        },
        Filter {
            key: "status",
            label: "Status",
            options: options(Status::ALL.iter().map(|s| (s.as_str(), s.as_str()))),
        },
        Filter {
            key: "system",
            label: "System",
            options: options(site.systems.iter().map(|s| (s.key, s.title))),
        },
        Filter {
            key: "tier",
            label: "Tier",
            options: options(
                site.config
                    .tiers
                    .iter()
                    .map(|(k, t)| (k.as_str(), t.title.as_str())),
            ),
        },
        Filter {
            key: "flag",
            label: "Flag",
            options: options(codes.iter().map(|c| (c.as_str(), c.as_str()))),
        },
    ]
}

/// `records/search-index.js`: `window.changeportalRecords = {systems, rows}`,
/// `systems` mapping each system key to its title and `rows` holding one
/// array per record, in table order (by id):
/// `[id, href, title, type, class, status, status label, risk, [system
/// keys], "|tiers|", "|flag codes|", "|missed figures|" or "", "approvers",
/// deployed RFC 3339 or "", deployed day or "", flag count, 1 if a deny
/// flag else 0, "search words"]`. `records.js` reads the same positions.
/// Errors: none in practice (the index is plain JSON data).
fn index(site: &Site<'_>, rows: &[Row<'_>]) -> Result<Pieces, RenderError> {
    let cannot = |e: serde_json::Error| {
        RenderError(format!(
            "cannot write {}: {e}",
            paths::internal::SEARCH_INDEX
        ))
    };
    let systems: serde_json::Map<String, serde_json::Value> = site
        .systems
        .iter()
        .map(|s| (s.key.to_string(), s.title.into()))
        .collect();
    // Serialized in parallel in runs of rows, each run a piece of the file:
    // the index is 1.5 KB a record (150 MB at 100,000), and never joined.
    let runs: Vec<Vec<u8>> = rows
        .par_chunks(INDEX_RUN)
        .zip(site.documents.par_chunks(INDEX_RUN))
        .enumerate()
        .map(|(number, (rows, documents))| index_run(number == 0, rows, documents))
        .collect::<Result<_, _>>()
        .map_err(cannot)?;
    let systems = serde_json::to_string(&systems).map_err(cannot)?;
    let mut script = Pieces::from(
        format!(
            "// Every record's row and search text, for records.js (generated).\n\
             window.changeportalRecords = {{\"systems\":{systems},\"rows\":[\n"
        )
        .into_bytes(),
    );
    for run in runs {
        script.push(run);
    }
    script.push(b"\n]};\n".to_vec());
    Ok(script)
}

/// Rows of the index serialized per run (see [`index`]).
const INDEX_RUN: usize = 1000;

/// The entries of `rows` (with their `documents`), each but the index's
/// very first (in the `first` run) after `,\n`.
fn index_run(
    first: bool,
    rows: &[Row<'_>],
    documents: &[&crate::model::portal::Document],
) -> Result<Vec<u8>, serde_json::Error> {
    let mut run = Vec::with_capacity(rows.len() * 1024);
    for (number, (row, document)) in rows.iter().zip(documents).enumerate() {
        if number > 0 || !first {
            run.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut run, &index_entry(row, document))?;
    }
    Ok(run)
}

/// One record's array in the index, in the order [`index`] documents.
#[derive(Serialize)]
struct IndexEntry<'a>(
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Vec<&'a str>,
    &'a str,
    &'a str,
    &'a str,
    String,
    &'a str,
    &'a str,
    usize,
    u8,
    String,
);

/// One record's array in the index (see [`index`]).
fn index_entry<'a>(row: &'a Row<'a>, document: &crate::model::portal::Document) -> IndexEntry<'a> {
    let heading = &row.heading;
    let (deployed_iso, deployed_day) = row
        .deployed
        .as_ref()
        .map_or(("", ""), |when| (when.iso.as_str(), when.text.as_str()));
    IndexEntry(
        heading.id,
        &row.href,
        heading.title,
        heading.change_type,
        heading.class,
        heading.status,
        heading.status_label,
        heading.risk,
        row.systems.iter().map(|s| s.key).collect(),
        &row.data_tiers,
        &row.data_flags,
        row.data_missed.as_deref().unwrap_or(""),
        row.approvers.join(", "),
        deployed_iso,
        deployed_day,
        row.flag_count,
        u8::from(row.deny),
        search_words(document),
    )
}

/// The distinct lower-cased words of the record's id, title, summary and
/// body (both parts).
fn search_words(document: &crate::model::portal::Document) -> String {
    let record = &document.record;
    let text = [
        record.id.as_str(),
        &record.title,
        record.summary.as_deref().unwrap_or(""),
        &document.public_body,
        &document.internal_body,
    ]
    .join(" ")
    .to_lowercase();
    distinct_words(&text)
}

/// The words of `text` in first-seen order, each once, single-space
/// separated. The search tests each query word as a substring of this text,
/// so repeats add bytes (half of a typical body) but never a match.
fn distinct_words(text: &str) -> String {
    let mut seen = FxHashSet::with_capacity_and_hasher(512, Default::default());
    let mut out = String::with_capacity(text.len() / 2);
    for word in text.split_whitespace().filter(|word| seen.insert(*word)) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_lists_wrap_every_value() {
        assert_eq!(pipe_list(["a", "b c"].into_iter()), "|a|b c|");
        assert_eq!(pipe_list(std::iter::empty()), "|");
        let filled = fill_slot(
            format!("<tbody>{ROWS_SLOT}</tbody>").as_bytes(),
            &["<tr>1</tr>".to_string(), "<tr>2</tr>".to_string()],
        );
        assert_eq!(
            filled.ok(),
            Some(b"<tbody><tr>1</tr><tr>2</tr></tbody>".to_vec())
        );
        assert!(fill_slot(b"no slot", &[]).is_err());
        assert!(fill_slot(format!("{ROWS_SLOT}{ROWS_SLOT}").as_bytes(), &[]).is_err());
        assert_eq!(distinct_words(" fix  tls\nfix été tls"), "fix tls été");
    }
}
