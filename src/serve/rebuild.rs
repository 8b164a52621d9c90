//! One rebuild through the Build API ([`crate::build`]) into memory, and
//! what the terminal and the overlay are told about it.

use super::state::{AggregateError, Aggregates, Site};
use super::watch::Changes;
use crate::build::incremental::{self, Edits, Failure, Incremental};
use crate::build::Analysis;
use crate::diagnostics::{Code, Flag, Level, Sources};
use crate::load::ConfigError;
use crate::model::time::{resolve_now, Timestamp};
use crate::render::{RenderError, Theme};
use crate::report;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A successful build: every record page rendered, the other files
/// ([`Pending`]) still to render.
#[derive(Debug)]
pub struct Built {
    /// Both sites: the record pages, and the aggregates once [`Pending`] is run.
    pub site: Site,
    /// The aggregates to render into the site.
    pub pending: Pending,
    /// Number of records.
    pub records: usize,
    /// Number of records whose pages were rendered again.
    pub rendered: usize,
    /// Time spent loading and checking.
    pub analyze_time: Duration,
    /// Time spent rendering the record pages (and compiling the theme,
    /// when it changed).
    pub render_time: Duration,
    /// The analysis: every flag of the build (none of them blocks it) and
    /// the sources to print them.
    pub analysis: Arc<Analysis>,
}

/// The aggregates of a build, to render off the critical path: every file
/// of both sites but the record pages ([`incremental::aggregates`]).
#[derive(Debug)]
pub struct Pending {
    analysis: Arc<Analysis>,
    theme: Arc<Theme>,
    target: Arc<Aggregates>,
    cancelled: Arc<AtomicBool>,
}

impl Pending {
    /// Renders the aggregates into the site (or records why not) on the
    /// [`background`] thread pool; returns the error message when rendering
    /// failed.
    pub fn run(self) -> Option<String> {
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let render = || incremental::aggregates(&self.analysis, &self.theme, &self.cancelled);
            match background() {
                Some(pool) => pool.install(render),
                None => render(),
            }
        }));
        let result = match rendered {
            Ok(Ok(files)) => Ok(files),
            Err(_) => Err(AggregateError::Failed(
                "a render thread panicked".to_string(),
            )),
            Ok(Err(_)) if self.cancelled.load(Ordering::Relaxed) => Err(AggregateError::Superseded),
            Ok(Err(error)) => Err(AggregateError::Failed(error.to_string())),
        };
        let failure = match &result {
            Err(AggregateError::Failed(message)) => Some(message.clone()),
            _ => None,
        };
        self.target.finish(result);
        failure
    }

    /// A handle that stops this rendering early ([`Pending::run`] then
    /// records [`AggregateError::Superseded`]).
    pub fn canceller(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancelled)
    }
}

/// The thread pool that renders aggregates: as many threads as the global
/// one, at the lowest scheduling priority (nice 19, per thread on Linux), so
/// that the next edit's rebuild, on the global pool, is not slowed down by
/// the aggregates of the last one while they are still rendering. `None`
/// when the pool cannot be started (the global pool is used then).
fn background() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .thread_name(|index| format!("aggregates-{index}"))
            .start_handler(|_| lower_priority())
            .build()
            .ok()
    })
    .as_ref()
}

/// Gives the calling thread the lowest scheduling priority; best effort.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // Linux keeps the nice value per thread: this affects only the
        // calling thread, not the process.
        let _ = rustix::process::setpriority_process(None, 19);
    }
}

/// The result of one rebuild.
#[derive(Debug)]
pub enum Outcome {
    /// Both sites rendered.
    Built(Built),
    /// Nothing rendered.
    Failed(Problems),
}

/// Why a rebuild rendered nothing.
#[derive(Debug)]
pub enum Problems {
    /// An unusable `portal.yaml`, or records that could not be read: the
    /// flags, with the sources they quote.
    Flags {
        /// The flags, sorted by file and position.
        flags: Vec<Flag>,
        /// Texts of the flagged files.
        sources: Sources,
    },
    /// A failure told in one sentence (a bad `SOURCE_DATE_EPOCH`, a theme or
    /// template that does not compile).
    Message(String),
}

impl Problems {
    /// The problems as plain text, as the terminal and the overlay show
    /// them: each flag as its human diagnostic ([`report::human_text`]).
    pub fn text(&self) -> String {
        match self {
            Problems::Flags { flags, sources } => flags
                .iter()
                .map(|flag| report::human_text(flag, sources))
                .collect(),
            Problems::Message(message) => message.clone(),
        }
    }
}

impl From<ConfigError> for Problems {
    fn from(error: ConfigError) -> Self {
        let mut sources = Sources::default();
        if let Some(source) = error.file {
            sources.insert(source);
        }
        Problems::Flags {
            flags: error.problems,
            sources,
        }
    }
}

impl From<RenderError> for Problems {
    fn from(error: RenderError) -> Self {
        Problems::Message(error.to_string())
    }
}

/// Rebuilds a portal incrementally ([`Incremental`]).
pub struct Builder {
    now: Option<Timestamp>,
    engine: Incremental,
}

impl Builder {
    /// A builder for the portal at `root`; `now` fixes the build's "now"
    /// (otherwise `SOURCE_DATE_EPOCH`, else the clock at each rebuild, to
    /// the minute: see [`serve_now`]).
    pub fn new(root: PathBuf, now: Option<Timestamp>) -> Self {
        Self {
            now,
            engine: Incremental::new(root),
        }
    }

    /// Loads, checks and renders the record pages after `changes`.
    pub fn build(&mut self, changes: &Changes) -> Outcome {
        match self.try_build(changes) {
            Ok(built) => Outcome::Built(built),
            Err(problems) => Outcome::Failed(problems),
        }
    }

    fn try_build(&mut self, changes: &Changes) -> Result<Built, Problems> {
        let now = serve_now(self.now).map_err(|e| Problems::Message(e.to_string()))?;
        let started = Instant::now();
        let edits = Edits {
            paths: &changes.paths,
            theme: changes.needs_theme(),
            everything: changes.rescan,
        };
        let rebuilt = self.engine.rebuild(edits, now).map_err(Problems::from)?;
        let took = started.elapsed();
        let analyze_time = rebuilt.analyze_time;
        let target = Arc::new(Aggregates::default());
        let site = Site::new(rebuilt.public, rebuilt.internal, Arc::clone(&target))
            .with_flags(&rebuilt.analysis.flags, self.engine.root());
        Ok(Built {
            site,
            pending: Pending {
                analysis: Arc::clone(&rebuilt.analysis),
                theme: rebuilt.theme,
                target,
                cancelled: Arc::new(AtomicBool::new(false)),
            },
            records: rebuilt.analysis.portal.documents.len(),
            rendered: rebuilt.rendered,
            analyze_time,
            render_time: took.saturating_sub(analyze_time),
            analysis: rebuilt.analysis,
        })
    }
}

/// The "now" of a rebuild in serve: `now` when given, else
/// `SOURCE_DATE_EPOCH`, else the clock rounded down to the minute, so that
/// edits within one minute re-render only the pages they change (every
/// internal page shows the build's time). Errors: a bad `SOURCE_DATE_EPOCH`.
fn serve_now(now: Option<Timestamp>) -> Result<Timestamp, crate::model::time::NowError> {
    let fixed = now.is_some() || std::env::var_os("SOURCE_DATE_EPOCH").is_some();
    let resolved = resolve_now(now)?;
    if fixed {
        return Ok(resolved);
    }
    let seconds = resolved.instant().timestamp();
    Ok(
        chrono::DateTime::from_timestamp(seconds - seconds.rem_euclid(60), 0)
            .map_or(resolved, Timestamp::from_instant),
    )
}

impl From<Failure> for Problems {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Config(error) => error.into(),
            Failure::Unreadable { flags, sources } => Problems::Flags { flags, sources },
            Failure::Render(error) => error.into(),
        }
    }
}

/// Prints rebuilds to the terminal: a one-line summary each time, and the
/// full diagnostics of deny-level flags the first time they appear.
#[derive(Debug, Default)]
pub struct Terminal {
    shown: HashSet<(Code, String, String)>,
}

impl Terminal {
    /// Reports a successful build that took `elapsed`.
    pub fn built(&mut self, built: &Built, changes: &Changes, elapsed: Duration) {
        let flags = &built.analysis.flags;
        let mut shown = HashSet::with_capacity(flags.len());
        for flag in flags {
            let key = (flag.code, flag.file.clone(), flag.message.clone());
            if flag.level == Level::Deny && !self.shown.contains(&key) {
                eprint!("{}", report::human_text(flag, &built.analysis.sources));
            }
            shown.insert(key);
        }
        self.shown = shown;
        let summary = if flags.is_empty() {
            "no flags".to_string()
        } else {
            report::summary(flags)
        };
        eprintln!(
            "[{}] built {} record(s), {} record page(s) rendered, in {} ms (check {} ms, render {} ms) after {}: {summary}",
            clock(),
            built.records,
            built.rendered,
            elapsed.as_millis(),
            built.analyze_time.as_millis(),
            built.render_time.as_millis(),
            changes.describe(),
        );
    }

    /// Reports a failed build; the last good site stays served.
    pub fn failed(&mut self, problems: &Problems, has_site: bool, changes: &Changes) {
        eprint!("{}", problems.text());
        let served = if has_site {
            "still serving the last good build"
        } else {
            "serving an error page until it builds"
        };
        eprintln!(
            "[{}] build failed ({}); {served}",
            clock(),
            changes.describe()
        );
    }
}

fn clock() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}
