//! Rendering: turns an [`Analysis`](crate::pipeline::Analysis) into the files
//! of the public site ([`public`], [`feeds`]) and of the internal site
//! ([`internal`], [`export`]). Renderers only produce bytes; [`crate::output`]
//! writes them.

pub mod export;
pub mod feeds;
pub mod internal;
pub mod markdown;
mod pieces;
pub mod public;
pub mod schedule;
pub mod theme;
pub mod view;
pub mod workpaper;

use crate::pipeline::Analysis;
pub use pieces::Pieces;
use rayon::prelude::*;
use std::collections::HashSet;
use std::sync::Mutex;
pub use theme::Theme;

/// Escapes text for HTML or XML element content and quoted attribute values
/// (`&`, `<`, `>`, `"`, `'`); unlike Tera's own escaper it leaves `/` alone,
/// so URLs stay readable. The one escaper of the build: the theme's
/// autoescaping uses it too (see [`Theme::load`]).
///
/// It copies the runs between special characters whole: most text has none,
/// and Tera also escapes every string it merely tests (`{% if body %}`), so
/// this runs on every page's bodies several times.
pub fn escape_markup(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 16);
    let mut copied = 0;
    for (index, byte) in text.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // The special characters are ASCII, so `index` is a char boundary.
        escaped.push_str(&text[copied..index]);
        escaped.push_str(replacement);
        copied = index + 1;
    }
    escaped.push_str(&text[copied..]);
    escaped
}

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
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(pub String);

/// Both sites' files.
#[derive(Debug, Default)]
pub struct Sites {
    /// Files of `out/public/`.
    pub public: Vec<OutputFile>,
    /// Files of `out/internal/`.
    pub internal: Vec<OutputFile>,
}

/// Takes rendered files as they are produced, from any thread: kept in
/// memory ([`Collected`], for `serve`) or written straight into the staging
/// folder of a build ([`crate::output::SiteWriter`]).
pub trait Sink: Sync {
    /// Takes one file.
    fn put(&self, file: OutputFile) -> Result<(), RenderError>;

    /// Takes one large file at `path` in `pieces` (see [`Pieces`]). The
    /// default joins them and [`Sink::put`]s the file; a sink that writes
    /// to disk writes the pieces one after the other instead, so that the
    /// file is never held twice.
    fn put_pieces(&self, path: &str, pieces: Pieces) -> Result<(), RenderError> {
        self.put(OutputFile::new(path, pieces.joined()))
    }
}

/// A [`Sink`] that keeps every file in memory.
#[derive(Debug, Default)]
pub struct Collected(Mutex<Vec<OutputFile>>);

impl Sink for Collected {
    fn put(&self, file: OutputFile) -> Result<(), RenderError> {
        self.0
            .lock()
            .map_err(|_| RenderError("a render thread panicked".to_string()))?
            .push(file);
        Ok(())
    }
}

impl Collected {
    /// The files, sorted by path.
    pub fn into_sorted(self) -> Vec<OutputFile> {
        let mut files = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

/// Renders both sites, in parallel, into memory.
pub fn render_sites(analysis: &Analysis, theme: &Theme) -> Result<Sites, RenderError> {
    let (public, internal) = (Collected::default(), Collected::default());
    render_into(analysis, theme, &public, &internal)?;
    Ok(Sites {
        public: public.into_sorted(),
        internal: internal.into_sorted(),
    })
}

/// Which records' own pages to render: the public
/// [`crate::paths::public::change_dir`] page of each published record and
/// the internal [`crate::paths::internal::change_page`] of every record.
#[derive(Debug, Clone, Copy)]
pub enum Records<'a> {
    /// Every record's pages.
    All,
    /// The pages of the records whose slugs (lower-cased ids,
    /// [`crate::model::record::Record::slug`]) are in the set.
    Only(&'a HashSet<String>),
}

impl Records<'_> {
    /// Whether the pages of the record with `slug` are wanted.
    pub fn includes(&self, slug: &str) -> bool {
        match self {
            Records::All => true,
            Records::Only(slugs) => slugs.contains(slug),
        }
    }
}

/// Which part of both sites to render: a full build is
/// [`Parts::EVERYTHING`]; `serve` renders the changed records' pages first
/// and the rest (every list, feed, index, export, figure and asset: the
/// "aggregates") apart ([`crate::build::incremental`]).
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    /// The records whose own pages to render; `None` for none.
    pub records: Option<Records<'a>>,
    /// Whether to render every other file.
    pub aggregates: bool,
}

impl Parts<'_> {
    /// Both sites whole.
    pub const EVERYTHING: Parts<'static> = Parts {
        records: Some(Records::All),
        aggregates: true,
    };
}

/// Renders both sites, in parallel, handing each file to its site's sink as
/// soon as it is rendered.
pub fn render_into(
    analysis: &Analysis,
    theme: &Theme,
    public: &dyn Sink,
    internal: &dyn Sink,
) -> Result<(), RenderError> {
    render_parts(analysis, theme, Parts::EVERYTHING, public, internal)
}

/// Renders `parts` of both sites, in parallel, handing each file to its
/// site's sink as soon as it is rendered. The files of a full build are
/// exactly those of [`Parts::EVERYTHING`], and a record page rendered alone
/// is byte for byte the one a full build renders. Errors: a renderer failed.
pub fn render_parts(
    analysis: &Analysis,
    theme: &Theme,
    parts: Parts<'_>,
    public: &dyn Sink,
    internal: &dyn Sink,
) -> Result<(), RenderError> {
    let (public_done, internal_done) = rayon::join(
        || public::render(analysis, theme, parts, public),
        || internal::render(analysis, theme, parts, internal),
    );
    public_done?;
    internal_done?;
    if !parts.aggregates {
        return Ok(());
    }
    internal.put(schedule::file(analysis))?;
    put_all(public, theme.assets_for("public"))?;
    put_all(internal, theme.assets_for("internal"))
}

/// Hands `files` to `sink`, in parallel, freeing each once it is taken.
pub fn put_all(sink: &dyn Sink, files: Vec<OutputFile>) -> Result<(), RenderError> {
    files.into_par_iter().try_for_each(|file| sink.put(file))
}

#[cfg(test)]
mod tests {
    use super::escape_markup;

    #[test]
    fn escapes_the_five_markup_characters_and_nothing_else() {
        assert_eq!(
            escape_markup(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(
            escape_markup("https://x.example/a/b"),
            "https://x.example/a/b"
        );
        assert_eq!(escape_markup("été <ß> 日本"), "été &lt;ß&gt; 日本");
        assert_eq!(escape_markup(""), "");
        assert_eq!(escape_markup("&"), "&amp;");
    }
}
