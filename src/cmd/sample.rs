//! `changeportal sample`: a reproducible random sample of the changes
//! deployed in a period, as auditors draw them (SPEC 6).
//!
//! **Population.** The population of `export` for the same period
//! ([`crate::render::export::population`]), restricted to the `--class` and
//! `--type` values when given (strata; repeated values widen the stratum).
//!
//! **Size.** `--size`, else the common audit table ([`default_size`]); a
//! size above the population gives the whole population.
//!
//! **Draw.** Each member's key is the SHA-256 (lower-case hex) of
//! `<seed>:<id>` with the seed in decimal; the sample is the `size` members
//! with the smallest keys ([`draw`]). The same seed with a larger size
//! therefore gives a superset, and a record's chance does not depend on the
//! file layout. Without `--seed` a seed from the clock is used and printed.
//! The sample is printed in id order.
//!
//! **What is printed.** Every format states the seed and the SHA-256 of the
//! population drawn from (the `population_sha256` of SPEC 5 over the
//! stratum), so the auditor can redraw and check it: `table` in its first
//! line; `json` as the fields `seed`, `population_sha256`, `population`,
//! `size`, `period`, `classes`, `types`; `csv` and `workpaper` keep stdout
//! machine-readable and print that line to stderr (as `json` does too).

use super::export::{load_population, period, write_stdout};
use super::{Failure, Outcome};
use crate::cli::{SampleArgs, SampleFormat};
use crate::model::digest::sha256_hex;
use crate::render::export::{self, ExportRow, FlagIndex, Member, Period};
use crate::render::{workpaper, Pieces};
use serde::Serialize;
use std::process::ExitCode;

/// Draws and prints the sample.
pub fn run(args: &SampleArgs) -> Outcome {
    if args.size == Some(0) {
        return Err(Failure::usage("--size must be at least 1"));
    }
    let period = period(&args.period)?;
    let analysis = load_population(&args.root, &args.now)?;
    let members: Vec<Member<'_>> = export::population(&analysis, &period)
        .into_iter()
        .filter(|member| in_strata(member, args))
        .collect();
    let flags = FlagIndex::new(&analysis);
    let population_rows = export::rows(&analysis, &flags, &members);
    let population_sha256 = export::population_sha256(&population_rows)
        .map_err(|e| Failure::failed(format!("cannot hash the population: {e}")))?;
    let seed = args.seed.unwrap_or_else(seed_from_clock);
    let size = args.size.unwrap_or_else(|| default_size(members.len()));
    if size > members.len() {
        eprintln!(
            "note: --size {size} is larger than the population of {} deployed record(s) in {}; the sample is the whole population",
            members.len(),
            period.describe()
        );
    }
    let ids: Vec<&str> = members
        .iter()
        .map(|m| m.document.record.id.as_str())
        .collect();
    let chosen = draw(&ids, size, seed);
    let header = SampleHeader {
        seed,
        period,
        classes: args.classes.iter().map(|c| c.as_str()).collect(),
        types: args.types.iter().map(|t| t.as_str()).collect(),
        population: members.len(),
        population_sha256,
        size: chosen.len(),
    };
    let bytes = render(
        args.format,
        &header,
        &chosen,
        &members,
        &population_rows,
        &flags,
    )?;
    if args.format != SampleFormat::Table {
        eprintln!("{}", header.describe());
    }
    write_stdout(&bytes)?;
    Ok(ExitCode::SUCCESS)
}

/// The sample in `format`: `chosen` indexes `members` and `rows`.
fn render(
    format: SampleFormat,
    header: &SampleHeader,
    chosen: &[usize],
    members: &[Member<'_>],
    rows: &[ExportRow<'_>],
    flags: &FlagIndex<'_>,
) -> Result<Vec<u8>, Failure> {
    let failed =
        |e: &dyn std::fmt::Display| Failure::failed(format!("cannot write the sample: {e}"));
    let sampled: Vec<ExportRow<'_>> = chosen.iter().map(|&i| rows[i].clone()).collect();
    match format {
        SampleFormat::Table => Ok(table(header, &sampled).into_bytes()),
        SampleFormat::Csv => export::to_csv(&sampled)
            .map(Pieces::joined)
            .map_err(|e| failed(&e)),
        SampleFormat::Json => export::pretty(&JsonSample {
            header,
            records: &sampled,
        })
        .map(Pieces::joined)
        .map_err(|e| failed(&e)),
        SampleFormat::Workpaper => {
            let rows: Vec<_> = chosen
                .iter()
                .map(|&i| workpaper::row(&members[i], flags))
                .collect();
            workpaper::to_csv(&rows).map_err(|e| failed(&e))
        }
    }
}

/// Whether `member` is in the strata of `--class` and `--type` (an empty
/// list does not restrict).
fn in_strata(member: &Member<'_>, args: &SampleArgs) -> bool {
    let record = &member.document.record;
    (args.classes.is_empty() || args.classes.contains(&record.class))
        && (args.types.is_empty() || args.types.contains(&record.change_type))
}

/// The sample size the common audit table gives a population of
/// `population` records (SPEC 6): all of 5 or fewer; 5 of 6 to 50; 10%,
/// rounded up, of 51 to 250; 25 of more than 250.
pub fn default_size(population: usize) -> usize {
    match population {
        0..=5 => population,
        6..=50 => 5,
        51..=250 => population.div_ceil(10),
        _ => 25,
    }
}

/// Indices of the `size` members of `ids` with the smallest draw keys
/// (SHA-256 of `<seed>:<id>`; ties by position), in ascending order.
/// `size >= ids.len()` gives every index.
pub fn draw(ids: &[&str], size: usize, seed: u64) -> Vec<usize> {
    let mut keyed: Vec<(String, usize)> = ids
        .iter()
        .enumerate()
        .map(|(index, id)| (sha256_hex(format!("{seed}:{id}").as_bytes()), index))
        .collect();
    keyed.sort_unstable();
    let mut chosen: Vec<usize> = keyed.into_iter().take(size).map(|(_, i)| i).collect();
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
    period: Period,
    classes: Vec<&'static str>,
    types: Vec<&'static str>,
    population: usize,
    population_sha256: String,
    size: usize,
}

impl SampleHeader {
    fn describe(&self) -> String {
        let strata: Vec<&str> = self.classes.iter().chain(&self.types).copied().collect();
        let strata = if strata.is_empty() {
            String::new()
        } else {
            format!(" ({})", strata.join(", "))
        };
        format!(
            "sample of {} from {} record(s){strata} deployed in {}; seed {} (redraw with --seed {}); population sha256 {}",
            self.size,
            self.population,
            self.period.describe(),
            self.seed,
            self.seed,
            self.population_sha256
        )
    }
}

#[derive(Serialize)]
struct JsonSample<'a, 'r> {
    #[serde(flatten)]
    header: &'a SampleHeader,
    records: &'a [ExportRow<'r>],
}

/// An aligned text table under a header line that carries the seed.
fn table(header: &SampleHeader, rows: &[ExportRow<'_>]) -> String {
    let columns = [
        "id", "deployed", "class", "type", "status", "flags", "title",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|row| {
            let mut codes: Vec<&str> = row.flags.iter().map(|f| f.code).collect();
            codes.dedup();
            [
                row.id.to_string(),
                row.deployed.clone().unwrap_or_default(),
                row.class.to_string(),
                row.change_type.to_string(),
                row.status.to_string(),
                if codes.is_empty() {
                    "-".to_string()
                } else {
                    codes.join(",")
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

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("CHG-{i:04}")).collect()
    }

    #[test]
    fn same_seed_same_draw_other_seed_other_draw() {
        let owned = ids(1000);
        let ids: Vec<&str> = owned.iter().map(String::as_str).collect();
        let first = draw(&ids, 20, 7);
        assert_eq!(first, draw(&ids, 20, 7));
        assert_ne!(first, draw(&ids, 20, 8));
        assert_eq!(first.len(), 20);
        assert!(first.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
    }

    #[test]
    fn a_larger_size_is_a_superset() {
        let owned = ids(300);
        let ids: Vec<&str> = owned.iter().map(String::as_str).collect();
        let mut previous: Vec<usize> = Vec::new();
        for size in [1, 5, 17, 60, 299, 300] {
            let drawn = draw(&ids, size, 99);
            assert_eq!(drawn.len(), size);
            assert!(previous.iter().all(|i| drawn.contains(i)), "size {size}");
            previous = drawn;
        }
    }

    #[test]
    fn oversized_sample_is_the_population() {
        assert_eq!(draw(&["a", "b", "c"], 10, 1), vec![0, 1, 2]);
        assert_eq!(draw(&[], 1, 1), Vec::<usize>::new());
    }

    #[test]
    fn default_sizes_follow_the_audit_table() {
        let sizes: Vec<usize> = [0, 1, 5, 6, 50, 51, 250, 251, 10_000]
            .into_iter()
            .map(default_size)
            .collect();
        assert_eq!(sizes, [0, 1, 5, 5, 5, 6, 25, 25, 25]);
    }

    #[test]
    fn titles_are_flattened_to_one_line() {
        assert_eq!(one_line("a\nb\tc"), "a b c");
    }
}
