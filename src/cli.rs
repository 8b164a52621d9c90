//! The command line of SPEC section 6.

use crate::model::record::{ChangeClass, ChangeType};
use crate::model::schema::SchemaKind;
use crate::model::Timestamp;
use crate::report::Format;
use chrono::NaiveDate;
use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// changeportal: a static-site generator for change portals.
#[derive(Debug, Parser)]
#[command(name = "changeportal", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the public and internal sites into --out.
    Build(BuildArgs),
    /// Check every record and print flags; exit 1 on deny-level flags.
    Check(CheckArgs),
    /// Build, serve both sites on localhost, rebuild and reload on change.
    Serve(ServeArgs),
    /// Create a new change record with the next free id.
    New(NewArgs),
    /// Print the record population as CSV or JSON.
    Export(ExportArgs),
    /// Draw a reproducible random sample of deployed records for audit.
    Sample(SampleArgs),
    /// Recompute a population manifest; exit 1 listing what changed.
    Verify(VerifyArgs),
    /// Create a minimal portal skeleton in DIR.
    Init(InitArgs),
    /// May this change go ahead now (or at --at)? Exit 0 yes, 1 no with the reasons.
    Gate(GateArgs),
    /// Print the JSON Schema of a change record or of portal.yaml.
    Schema(SchemaArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff) of changeportal, or of one subcommand.
    Man(ManArgs),
}

/// Options every portal command shares.
#[derive(Debug, Args)]
pub struct RootArg {
    /// The portal folder (holds portal.yaml and content/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

/// The build's "now": `--now`, else `SOURCE_DATE_EPOCH`, else the clock.
#[derive(Debug, Args)]
pub struct NowArg {
    /// Evaluate time-dependent rules at this date or RFC 3339 datetime.
    #[arg(long, value_parser = parse_timestamp)]
    pub now: Option<Timestamp>,
}

/// `build` options.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// `--root`.
    #[command(flatten)]
    pub root: RootArg,
    /// Output folder; receives public/ and internal/.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// `--now`.
    #[command(flatten)]
    pub now: NowArg,
    /// Fail (exit 1, nothing written) on deny-level flags.
    #[arg(long)]
    pub strict: bool,
    /// `--format`, `--quiet`, `--path-prefix`.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// How `build` and `check` print flags.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// How to print flags.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Print only the summary line (no diagnostics, no progress).
    #[arg(long, short)]
    pub quiet: bool,
    /// The portal folder's path relative to the repository root, put
    /// before file paths in SARIF locations (default: found by looking
    /// for the enclosing git repository's .git).
    #[arg(long, value_name = "P")]
    pub path_prefix: Option<String>,
}

/// `check` options.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// `--root`.
    #[command(flatten)]
    pub root: RootArg,
    /// `--now`.
    #[command(flatten)]
    pub now: NowArg,
    /// `--format`, `--quiet`, `--path-prefix`.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Parse every record file, without reading or writing the record
    /// store (the front matter of unchanged files, kept between checks of
    /// portals of 500 or more records; see the README).
    #[arg(long)]
    pub no_cache: bool,
    /// Report only the flags of these files (paths relative to the current
    /// folder or to --root); the whole portal is still loaded, so duplicate
    /// ids and references are checked against every record.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// `--root`.
    #[command(flatten)]
    pub root: RootArg,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to bind. On an address that is not loopback only the
    /// public site is served, unless --expose-internal is given.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Also serve the internal audit site when --bind is not a loopback
    /// address: everyone who can reach that address can then read it.
    #[arg(long)]
    pub expose_internal: bool,
    /// `--now`.
    #[command(flatten)]
    pub now: NowArg,
}

/// `new` options.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Title of the change (may start with `-`, e.g. "-5% latency").
    #[arg(long, allow_hyphen_values = true)]
    pub title: String,
    /// Type of change.
    #[arg(long = "type", value_name = "TYPE", value_enum, default_value_t = ChangeType::Improvement)]
    pub change_type: ChangeType,
    /// Class of change: standard (pre-approved), normal (board approval) or
    /// emergency (approved and reviewed after).
    #[arg(long, value_enum, default_value_t = ChangeClass::Normal)]
    pub class: ChangeClass,
    /// `--root`.
    #[command(flatten)]
    pub root: RootArg,
    /// `--now`: the date the record is created on (default: today).
    #[command(flatten)]
    pub now: NowArg,
}

/// Export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON object: the export's metadata and its records.
    Json,
}

/// `export` options.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// `--root`.
    #[command(flatten)]
    pub root: RootArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// `--from`/`--to`.
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Also write the population's manifest (record hashes) to this file.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// `--now`.
    #[command(flatten)]
    pub now: NowArg,
}

/// The audit period of `export` and `sample`: records deployed (or rolled
/// back) on a UTC day from `--from` to `--to`, both included.
#[derive(Debug, Args)]
pub struct PeriodArgs {
    /// First day of the period (YYYY-MM-DD, UTC).
    #[arg(long, value_parser = parse_day)]
    pub from: Option<NaiveDate>,
    /// Last day of the period, included whole (YYYY-MM-DD, UTC).
    #[arg(long, value_parser = parse_day)]
    pub to: Option<NaiveDate>,
}

/// Sample output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SampleFormat {
    /// An aligned text table.
    Table,
    /// Comma-separated values.
    Csv,
    /// A JSON object with the seed, the population's SHA-256 and the records.
    Json,
    /// CSV: one row per sampled record, pass/fail/n/a per tested attribute.
    Workpaper,
}

/// `sample` options.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// `--root`.
    #[command(flatten)]
    pub root: RootArg,
    /// How many records to draw (default: the common audit table: all of 5 or
    /// fewer, 5 of 6-50, 10% of 51-250 rounded up, 25 of more).
    #[arg(long)]
    pub size: Option<usize>,
    /// `--from`/`--to`.
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Only changes of this class (repeatable).
    #[arg(long = "class", value_name = "CLASS", value_enum)]
    pub classes: Vec<ChangeClass>,
    /// Only changes of this type (repeatable).
    #[arg(long = "type", value_name = "TYPE", value_enum)]
    pub types: Vec<ChangeType>,
    /// Seed; a random one is chosen and printed when absent.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SampleFormat::Table)]
    pub format: SampleFormat,
    /// `--now`.
    #[command(flatten)]
    pub now: NowArg,
}

/// `verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The manifest to check (`export/manifest.json` or `export --manifest`).
    pub manifest: PathBuf,
    /// `--root`.
    #[command(flatten)]
    pub root: RootArg,
}

/// `init` options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the portal in (must be empty or absent).
    pub dir: PathBuf,
}

/// `gate` output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GateFormat {
    /// The decision and each reason, one per line.
    Human,
    /// One JSON object: `{id, at, allowed, reasons: [{code, message}]}`.
    Json,
}

/// `gate` options.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The id of the change record to evaluate.
    pub id: String,
    /// `--root`.
    #[command(flatten)]
    pub root: RootArg,
    /// When the change would be deployed: a date or RFC 3339 datetime
    /// (default: now, i.e. SOURCE_DATE_EPOCH or the clock).
    #[arg(long, value_parser = parse_timestamp)]
    pub at: Option<Timestamp>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GateFormat::Human)]
    pub format: GateFormat,
}

/// `schema` options.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema: a change record's front matter, or portal.yaml.
    #[arg(value_enum)]
    pub kind: SchemaKind,
}

/// `completions` options.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `man` options.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (the page `changeportal-COMMAND(1)`
    /// that the main page lists); without it, the main page.
    pub command: Option<String>,
}

fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text)
}

/// A whole UTC day, `YYYY-MM-DD`; a datetime is refused, as periods are
/// whole days (SPEC 6).
fn parse_day(text: &str) -> Result<NaiveDate, String> {
    match Timestamp::parse(text)? {
        day if day.is_date_only() => Ok(day.date()),
        _ => Err("expected a date YYYY-MM-DD: periods are whole days in UTC".to_string()),
    }
}

/// The record's enums are command-line values under their front-matter
/// spelling, so `--help` lists them and a typo is a usage error (exit 2).
macro_rules! record_value_enum {
    ($($name:ident),+) => {$(
        impl ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] {
                $name::ALL
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(PossibleValue::new(self.as_str()))
            }
        }
    )+};
}

record_value_enum!(ChangeType, ChangeClass);
