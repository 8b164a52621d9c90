//! One rebuild through the Build API ([`crate::build`]) into memory, and
//! what the terminal and the overlay are told about it.

use super::state::Site;
use super::watch::Changes;
use crate::build::{self, Blocked, Build};
use crate::diagnostics::{Code, Flag, Level, Sources};
use crate::load::ConfigError;
use crate::model::time::{resolve_now, Timestamp};
use crate::render::{RenderError, Theme};
use crate::report;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A successful build.
#[derive(Debug)]
pub struct Built {
    /// Both sites' files.
    pub site: Site,
    /// Number of records rendered.
    pub records: usize,
    /// Time spent loading and checking.
    pub analyze_time: Duration,
    /// Time spent rendering both sites (and compiling the theme, when it changed).
    pub render_time: Duration,
    /// Every flag of the build (none of them blocks it).
    pub flags: Vec<Flag>,
    /// Sources, to print flags.
    pub sources: Sources,
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

/// Rebuilds a portal, reusing the compiled theme while templates and static
/// files are unchanged.
pub struct Builder {
    root: PathBuf,
    now: Option<Timestamp>,
    theme: Option<Theme>,
}

impl Builder {
    /// A builder for the portal at `root`; `now` fixes the build's "now"
    /// (otherwise `SOURCE_DATE_EPOCH`, else the clock at each rebuild).
    pub fn new(root: PathBuf, now: Option<Timestamp>) -> Self {
        Self {
            root,
            now,
            theme: None,
        }
    }

    /// Loads, checks and renders both sites after `changes`.
    pub fn build(&mut self, changes: &Changes) -> Outcome {
        match self.try_build(changes) {
            Ok(built) => Outcome::Built(built),
            Err(problems) => Outcome::Failed(problems),
        }
    }

    fn try_build(&mut self, changes: &Changes) -> Result<Built, Problems> {
        let now = resolve_now(self.now).map_err(|e| Problems::Message(e.to_string()))?;
        let started = Instant::now();
        let build = Build::new(&self.root, now);
        let analysis = build.analyze()?;
        let analyze_time = started.elapsed();
        let buildable = match analysis.buildable(false) {
            Ok(buildable) => buildable,
            Err(Blocked::Unreadable(flags)) => {
                return Err(Problems::Flags {
                    flags,
                    sources: analysis.sources,
                })
            }
            Err(blocked) => return Err(Problems::Message(blocked.to_string())),
        };
        let rendering = Instant::now();
        if changes.needs_theme() || self.theme.is_none() {
            // Drop a stale theme first, so that a broken template is reported
            // again on the next rebuild instead of being silently reused.
            self.theme = None;
            self.theme = Some(build.theme()?);
        }
        let theme = self
            .theme
            .as_ref()
            .ok_or_else(|| Problems::Message("the theme could not be loaded".to_string()))?;
        let sites = build::render(buildable, theme)?;
        Ok(Built {
            site: Site::from_sites(sites).with_flags(&analysis.flags, &self.root),
            records: analysis.portal.documents.len(),
            analyze_time,
            render_time: rendering.elapsed(),
            flags: analysis.flags,
            sources: analysis.sources,
        })
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
        let mut shown = HashSet::with_capacity(built.flags.len());
        for flag in &built.flags {
            let key = (flag.code, flag.file.clone(), flag.message.clone());
            if flag.level == Level::Deny && !self.shown.contains(&key) {
                eprint!("{}", report::human_text(flag, &built.sources));
            }
            shown.insert(key);
        }
        self.shown = shown;
        let flags = if built.flags.is_empty() {
            "no flags".to_string()
        } else {
            report::summary(&built.flags)
        };
        eprintln!(
            "[{}] built {} record(s), {} file(s) in {} ms (check {} ms, render {} ms) after {}: {flags}",
            clock(),
            built.records,
            built.site.len(),
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
