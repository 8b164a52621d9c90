//! The Build API: load -> check ([`Build::analyze`]) -> the one "blocked"
//! decision ([`Analysis::buildable`]) -> render into memory ([`render`]) or
//! into `out/` ([`Build::write`]). `check`, `build`, `serve`, `export`,
//! `sample` and the tests all go through it.

pub mod incremental;

pub use crate::pipeline::{Analysis, Blocked, Buildable};

use crate::history::Origin;
use crate::load::ConfigError;
use crate::model::Timestamp;
use crate::output::{OutputError, Staging};
use crate::pipeline;
use crate::render::{self, RenderError, Sites, Theme};
use std::path::{Path, PathBuf};

/// One build of the portal at a root, evaluated at a fixed "now".
#[derive(Debug, Clone)]
pub struct Build {
    root: PathBuf,
    now: Timestamp,
    origin: Origin,
}

/// Why rendered sites could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The theme or a renderer failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The output folder could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// How many files each site got.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    /// Files of `out/public/`.
    pub public: usize,
    /// Files of `out/internal/`.
    pub internal: usize,
}

impl Build {
    /// A build of the portal at `root`, time-dependent rules evaluated at
    /// `now` (an instant in UTC, see [`crate::model::time::resolve_now`]).
    pub fn new(root: impl Into<PathBuf>, now: Timestamp) -> Self {
        Self {
            root: root.into(),
            now,
            origin: Origin::Head,
        }
    }

    /// This build, reading git history from `origin` instead of the HEAD of
    /// the repository around the root (`verify` of a checkout, SPEC 6).
    pub fn with_origin(self, origin: Origin) -> Self {
        Self { origin, ..self }
    }

    /// The portal folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Loads and checks the portal ([`pipeline::analyze`]). Output: every
    /// readable record and every flag. Errors: an unusable `portal.yaml`.
    pub fn analyze(&self) -> Result<Analysis, ConfigError> {
        pipeline::analyze(&self.root, &self.origin, self.now)
    }

    /// [`Build::analyze`] reusing the record store of earlier `check`s in
    /// `folder` ([`crate::load::stored`]) and updating it: the same
    /// analysis, with the YAML of unchanged record files not parsed again.
    /// Only `check` uses it. Errors: as [`Build::analyze`].
    pub fn analyze_stored(&self, folder: &Path) -> Result<Analysis, ConfigError> {
        pipeline::analyze_stored(&self.root, &self.origin, self.now, folder)
    }

    /// Compiles the portal's theme (built-in templates with the portal's
    /// `templates/` and `static/` overrides). Errors: a template that does
    /// not compile, or a theme file the portal scan refuses.
    pub fn theme(&self) -> Result<Theme, RenderError> {
        Theme::load(&self.root)
    }

    /// Renders both sites straight into a staging folder and swaps it into
    /// `out` (already resolved by [`crate::output::resolve_out_dir`]). The
    /// theme is compiled first, so a file it refuses stops the build before
    /// any folder is created. Output: the number of files of each site.
    /// Errors: the theme or a renderer failed, or `out` could not be written
    /// (nothing is swapped in then).
    pub fn write(&self, analysis: Buildable<'_>, out: &Path) -> Result<Written, BuildError> {
        let theme = self.theme()?;
        let staging = Staging::new(out)?;
        let public = staging.site("public")?;
        let internal = staging.site("internal")?;
        render::render_into(&analysis, &theme, &public, &internal)?;
        let written = Written {
            public: public.count(),
            internal: internal.count(),
        };
        staging.finish()?;
        Ok(written)
    }
}

/// Renders both sites of `analysis` with `theme` into memory, each site's
/// files sorted by path. Errors: a renderer failed (a broken template
/// override, usually).
pub fn render(analysis: Buildable<'_>, theme: &Theme) -> Result<Sites, RenderError> {
    render::render_sites(&analysis, theme)
}
