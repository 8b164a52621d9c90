//! `changeportal sample`: a reproducible random sample of the changes
//! deployed in a period, as auditors draw them.
//!
//! The population is every record whose status says it went live
//! (`deployed` or `rolled_back`: a rolled-back change was in production) and
//! whose `deployed` instant lies in `[--from, --to]` (a bare-date `--to`
//! includes that whole day). It is ordered by id before drawing, so the same
//! seed redraws the same sample whatever the file layout. The draw uses
//! ChaCha8 seeded with `--seed` (or a seed from the clock, which is printed),
//! and `rand::seq::index::sample`. The sample is printed sorted by id.

use super::export::{load_population, period, write_stdout};
use super::{Failure, Outcome};
use crate::build::Analysis;
use crate::cli::{SampleArgs, SampleFormat};
use crate::model::portal::Document;
use crate::render::export::{self, ExportRow, FlagIndex, Period};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::process::ExitCode;

/// Draws and prints the sample.
pub fn run(args: &SampleArgs) -> Outcome {
    if args.size == 0 {
        return Err(Failure::usage("--size must be at least 1"));
    }
    let period = period(args.from, args.to)?;
    let analysis = load_population(&args.root, &args.now)?;
    let population = population(&analysis, &period);
    let seed = args.seed.unwrap_or_else(seed_from_clock);
    let chosen = draw(population.len(), args.size, seed);
    if args.size > population.len() {
        eprintln!(
            "note: --size {} is larger than the population of {} deployed record(s) in {}; the sample is the whole population",
            args.size,
            population.len(),
            period.describe()
        );
    }
    let flags = FlagIndex::new(&analysis);
    let config = &analysis.portal.config;
    let rows: Vec<ExportRow<'_>> = chosen
        .iter()
        .map(|&index| export::row(population[index], config, &flags))
        .collect();
    let header = SampleHeader {
        seed,
        period: period.describe(),
        population: population.len(),
        size: rows.len(),
    };
    let bytes = match args.format {
        SampleFormat::Table => table(&header, &rows).into_bytes(),
        SampleFormat::Csv => {
            eprintln!("{}", header.describe());
            export::to_csv(&rows)
                .map_err(|e| Failure::failed(format!("cannot write the sample: {e}")))?
        }
        SampleFormat::Json => {
            eprintln!("{}", header.describe());
            json(&header, &rows)?
        }
    };
    write_stdout(&bytes)?;
    Ok(ExitCode::SUCCESS)
}

/// The records deployed in `period`, sorted by id.
pub fn population<'a>(analysis: &'a Analysis, period: &Period) -> Vec<&'a Document> {
    let mut population: Vec<&Document> = analysis
        .portal
        .documents
        .iter()
        .filter(|document| {
            let record = &document.record;
            record.is_live() && record.deployed.is_some_and(|at| period.contains(&at))
        })
        .collect();
    population.sort_by(|a, b| a.record.id.cmp(&b.record.id));
    population
}

/// Indices of `size` distinct members of a population of `len`, drawn with
/// ChaCha8 seeded with `seed`, in ascending order (the population is sorted
/// by id, so this is id order). `size >= len` gives the whole population.
pub fn draw(len: usize, size: usize, seed: u64) -> Vec<usize> {
    if size >= len {
        return (0..len).collect();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut chosen = rand::seq::index::sample(&mut rng, len, size).into_vec();
    chosen.sort_unstable();
    chosen
}

/// A seed for when none was given: the clock's nanoseconds.
fn seed_from_clock() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    // Fold the 128-bit count into 64 bits; only unpredictability matters.
    (nanos as u64) ^ ((nanos >> 64) as u64)
}

/// What was drawn from what, printed with every sample.
#[derive(Debug, Serialize)]
struct SampleHeader {
    seed: u64,
    period: String,
    population: usize,
    size: usize,
}

impl SampleHeader {
    fn describe(&self) -> String {
        format!(
            "sample of {} from {} record(s) deployed in {}; seed {} (redraw with --seed {})",
            self.size, self.population, self.period, self.seed, self.seed
        )
    }
}

#[derive(Serialize)]
struct JsonSample<'a, 'r> {
    #[serde(flatten)]
    header: &'a SampleHeader,
    records: &'a [ExportRow<'r>],
}

fn json(header: &SampleHeader, rows: &[ExportRow<'_>]) -> Result<Vec<u8>, Failure> {
    let mut bytes = serde_json::to_vec_pretty(&JsonSample {
        header,
        records: rows,
    })
    .map_err(|e| Failure::failed(format!("cannot write the sample: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// An aligned text table under a header line that carries the seed.
fn table(header: &SampleHeader, rows: &[ExportRow<'_>]) -> String {
    let columns = [
        "id", "deployed", "class", "type", "status", "flags", "title",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|row| {
            [
                row.id.to_string(),
                row.deployed.clone().unwrap_or_default(),
                row.class.to_string(),
                row.change_type.to_string(),
                row.status.to_string(),
                if row.flags.is_empty() {
                    "-".to_string()
                } else {
                    row.flags.join(",")
                },
                one_line(row.title),
            ]
        })
        .collect();
    let mut widths = columns.map(|name| name.chars().count());
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = format!("# {}\n", header.describe());
    text.push_str(&aligned(&columns.map(str::to_string), &widths));
    for line in &cells {
        text.push_str(&aligned(line, &widths));
    }
    text
}

fn aligned(cells: &[String; 7], widths: &[usize; 7]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(cell, width)| format!("{cell:<width$}"))
        .collect();
    format!("{}\n", padded.join("  ").trim_end())
}

/// Control characters (a title may hold a newline) shown as spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draw_other_seed_other_draw() {
        let first = draw(1000, 20, 7);
        assert_eq!(first, draw(1000, 20, 7));
        assert_ne!(first, draw(1000, 20, 8));
        assert_eq!(first.len(), 20);
        assert!(first.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
    }

    #[test]
    fn oversized_sample_is_the_population() {
        assert_eq!(draw(3, 10, 1), vec![0, 1, 2]);
        assert_eq!(draw(0, 1, 1), Vec::<usize>::new());
    }

    #[test]
    fn titles_are_flattened_to_one_line() {
        assert_eq!(one_line("a\nb\tc"), "a b c");
    }
}
