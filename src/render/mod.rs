//! Rendering: turns an [`Analysis`](crate::pipeline::Analysis) into the files
//! of the public site ([`public`], [`feeds`]) and of the internal site
//! ([`internal`], [`export`]). Renderers only produce bytes; [`crate::output`]
//! writes them.

pub mod export;
pub mod feeds;
pub mod internal;
pub mod markdown;
pub mod public;
pub mod theme;
pub mod view;

use crate::pipeline::Analysis;
pub use theme::Theme;

/// One file of a site, its path relative to the site root with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path, e.g. `changes/chg-0001/index.html`.
    pub path: String,
    /// Contents.
    pub contents: Vec<u8>,
}

impl OutputFile {
    /// A file at `path` with `contents`.
    pub fn new(path: impl Into<String>, contents: Vec<u8>) -> Self {
        Self {
            path: path.into(),
            contents,
        }
    }
}

/// A rendering failure (a broken template override, usually).
#[derive(Debug)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Both sites' files.
#[derive(Debug, Default)]
pub struct Sites {
    /// Files of `out/public/`.
    pub public: Vec<OutputFile>,
    /// Files of `out/internal/`.
    pub internal: Vec<OutputFile>,
}

/// Renders both sites, in parallel.
pub fn render_sites(analysis: &Analysis, theme: &Theme) -> Result<Sites, RenderError> {
    let (public, internal) = rayon::join(
        || public::render(analysis, theme),
        || internal::render(analysis, theme),
    );
    let mut sites = Sites {
        public: public?,
        internal: internal?,
    };
    sites.public.extend(theme.assets_for("public"));
    sites.internal.extend(theme.assets_for("internal"));
    sites.public.sort_by(|a, b| a.path.cmp(&b.path));
    sites.internal.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(sites)
}
