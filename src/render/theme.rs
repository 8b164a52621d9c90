//! The built-in theme (embedded in the binary) and a portal's overrides.
//!
//! Theme layout: `public/*.html` and `internal/*.html` are Tera templates named
//! by their path (`public/change.html`); every other file under `public/` or
//! `internal/` is an asset copied to the same path in that site. A portal's
//! `templates/` folder overrides any theme file of the same relative path, and
//! its `static/` folder is copied as-is into both sites.

use super::markdown::PageIds;
use super::{OutputFile, RenderError};
use crate::layout::{
    embedded_files, is_template, Site, DEFAULT_THEME, STATIC_FOLDER, TEMPLATES_FOLDER,
};
use crate::load::tree;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use tera::Tera;

/// Initial buffer of [`Theme::render`]: most pages fit without regrowing.
const PAGE_CAPACITY: usize = 16 * 1024;

/// Rows per template call in [`Theme::render_rows`]: enough to keep the
/// per-call overhead small, few enough to spread a table over the cores.
pub const ROWS_PER_CHUNK: usize = 256;

/// Compiled templates and static assets.
pub struct Theme {
    tera: Tera,
    assets: BTreeMap<String, Vec<u8>>,
    /// The literal `id="..."` values of each site's templates, by site.
    ids: BTreeMap<String, Arc<HashSet<String>>>,
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Theme")
            .field("assets", &self.assets.len())
            .finish()
    }
}

impl Theme {
    /// Loads the built-in theme, then the overrides and static files of the
    /// portal at `root`. Templates are compiled once here. Files under
    /// `templates/` and `static/` are read only when they lie inside the
    /// portal (SPEC 5, [`crate::load::tree`]): anything the scan refuses
    /// fails the load, whatever the loader's checks said before. Errors: a
    /// refused or unreadable file, a template that is not UTF-8 or does
    /// not compile.
    pub fn load(root: &Path) -> Result<Theme, RenderError> {
        let mut files: BTreeMap<String, Vec<u8>> = embedded_files(&DEFAULT_THEME)
            .into_iter()
            .map(|(path, bytes)| (path, bytes.to_vec()))
            .collect();
        collect_folder(root, TEMPLATES_FOLDER, &mut files)?;
        let mut templates = Vec::new();
        let mut assets = BTreeMap::new();
        let mut ids: BTreeMap<String, HashSet<String>> = BTreeMap::new();
        for (path, bytes) in files {
            if is_template(&path) {
                let text = String::from_utf8(bytes)
                    .map_err(|_| RenderError(format!("template {path} is not valid UTF-8")))?;
                let site = path.split('/').next().unwrap_or_default().to_string();
                ids.entry(site).or_default().extend(literal_ids(&text));
                templates.push((path, text));
            } else {
                assets.insert(path, bytes);
            }
        }
        let mut statics = BTreeMap::new();
        collect_folder(root, STATIC_FOLDER, &mut statics)?;
        for (path, bytes) in statics {
            for site in Site::ALL {
                assets.insert(format!("{}/{path}", site.name()), bytes.clone());
            }
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(super::escape_markup);
        tera.add_raw_templates(templates)
            .map_err(|e| RenderError(format!("template error: {}", error_chain(&e))))?;
        let ids = ids
            .into_iter()
            .map(|(site, ids)| (site, Arc::new(ids)))
            .collect();
        Ok(Theme { tera, assets, ids })
    }

    /// The ids that the templates of `site` (`public` or `internal`) write
    /// themselves, as the starting [`PageIds`] of a page of that site into
    /// which markdown is rendered (SPEC section 2: ids unique on each page,
    /// also against the theme's). A superset of any one page's ids: every
    /// literal `id="..."` of the site's templates.
    pub fn page_ids(&self, site: &str) -> PageIds {
        PageIds::shared(self.ids.get(site).cloned().unwrap_or_default())
    }

    /// Renders template `name` (e.g. `public/change.html`) with the
    /// variables of `context`, any value that serializes as a map (a
    /// `#[derive(Serialize)]` struct: its fields are the top-level template
    /// variables). Output: the bytes of the page, written straight into a
    /// buffer sized for a typical page, with no copy into a `String` on the
    /// way. Errors: `context` is not a map, or the template fails.
    pub fn render<C: Serialize>(&self, name: &str, context: &C) -> Result<Vec<u8>, RenderError> {
        self.render_with(name, &SharedVars::default(), context)
    }

    /// Like [`Theme::render`], with the variables of `shared` (serialized
    /// once for many pages) next to those of `page`; a variable of `page`
    /// hides the one of `shared` of the same name.
    pub fn render_with<C: Serialize>(
        &self,
        name: &str,
        shared: &SharedVars,
        page: &C,
    ) -> Result<Vec<u8>, RenderError> {
        let mut context = shared.0.clone();
        context.extend(context_of(name, page)?);
        let mut bytes = Vec::with_capacity(PAGE_CAPACITY);
        self.tera
            .render_to(name, &context, &mut bytes)
            .map_err(|e| render_error(name, &e))?;
        Ok(bytes)
    }

    /// Renders the table rows `rows` with the row template `name` in chunks
    /// of [`ROWS_PER_CHUNK`] on every core, each chunk's context holding its
    /// slice as `rows` next to the variables of `shared`; returns the HTML of
    /// each chunk, in order. A table of 100,000 records so never becomes one
    /// 100,000-element template value (Tera copies values it passes to
    /// macros), and its rows render in parallel. Errors: the template fails.
    pub fn render_rows<T: Serialize + Sync>(
        &self,
        name: &str,
        rows: &[T],
        shared: &SharedVars,
    ) -> Result<Vec<String>, RenderError> {
        rows.par_chunks(ROWS_PER_CHUNK)
            .map(|chunk| {
                let mut context = shared.0.clone();
                context.insert("rows", chunk);
                self.tera
                    .render(name, &context)
                    .map_err(|e| render_error(name, &e))
            })
            .collect()
    }

    /// The assets of `site` (`public` or `internal`), paths relative to the site.
    pub fn assets_for(&self, site: &str) -> Vec<OutputFile> {
        let prefix = format!("{site}/");
        self.assets
            .iter()
            .filter_map(|(path, bytes)| {
                path.strip_prefix(&prefix)
                    .map(|relative| OutputFile::new(relative, bytes.clone()))
            })
            .collect()
    }
}

/// Template variables serialized once and shared by many renders (the site
/// settings every public page shows, the columns of a table's rows): see
/// [`Theme::render_with`] and [`Theme::render_rows`]. The default has none.
#[derive(Debug, Clone, Default)]
pub struct SharedVars(tera::Context);

impl SharedVars {
    /// The variables of `vars`, a value that serializes as a map (its keys
    /// are the variable names). Errors: `vars` is not a map.
    pub fn new<C: Serialize>(vars: &C) -> Result<Self, RenderError> {
        context_of("shared variables", vars).map(Self)
    }
}

/// The template context of `vars` for template `name`.
fn context_of<C: Serialize>(name: &str, vars: &C) -> Result<tera::Context, RenderError> {
    tera::Context::from_serialize(vars)
        .map_err(|e| RenderError(format!("cannot build the context of {name}: {e}")))
}

/// The error of rendering template `name`. Tera nests the useful message in
/// the error's sources.
fn render_error(name: &str, error: &tera::Error) -> RenderError {
    RenderError(format!("cannot render {name}: {}", error_chain(error)))
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

/// The literal values of `id="..."` attributes in a template's text
/// (values built from template expressions are skipped: they cannot be known
/// before rendering and are not where markdown goes).
fn literal_ids(template: &str) -> Vec<String> {
    template
        .split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|value| !value.is_empty() && !value.contains(['{', '}']))
        .map(str::to_string)
        .collect()
}

/// Adds every file below the portal's `folder` (skipping hidden files and
/// editor temporaries), keyed by its path relative to `folder`. Errors: the
/// first path [`tree::scan`] refuses, or a file that cannot be read.
fn collect_folder(
    root: &Path,
    folder: &str,
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), RenderError> {
    let dir = root.join(folder);
    let scan = tree::scan(root, &dir);
    if let Some(problem) = scan.problems.first() {
        let shown = crate::load::relative(root, &problem.path);
        return Err(RenderError(problem.refusal.describe(&shown)));
    }
    for path in &scan.files {
        let bytes = tree::read_inside(root, path)
            .map_err(|e| RenderError(format!("cannot read {}: {e}", path.display())))?;
        files.insert(crate::load::relative(&dir, path), bytes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::is_generated;

    /// The paths the built-in templates write after `{{ root }}` (their
    /// navigation links), by site.
    fn literal_links() -> Vec<(Site, String)> {
        let mut links = Vec::new();
        for (path, bytes) in embedded_files(&DEFAULT_THEME) {
            let Some(site) = Site::ALL
                .into_iter()
                .find(|site| path.starts_with(&format!("{}/", site.name())))
            else {
                continue;
            };
            let text = String::from_utf8_lossy(bytes);
            for rest in text.split("{{ root }}").skip(1) {
                let link: String = rest
                    .chars()
                    .take_while(|c| !matches!(c, '"' | '{' | '#' | '?'))
                    .collect();
                if !link.is_empty() {
                    links.push((site, link));
                }
            }
        }
        links
    }

    #[test]
    fn template_links_name_generated_paths_or_theme_assets() {
        let assets: HashSet<String> = embedded_files(&DEFAULT_THEME)
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        let links = literal_links();
        assert!(links.len() > 10, "{links:?}");
        for (site, link) in links {
            let asset = format!("{}/{link}", site.name());
            assert!(
                is_generated(site, &link) || assets.contains(&asset),
                "{asset} is linked from a template but neither generated (crate::paths) nor a theme asset"
            );
        }
    }
}
