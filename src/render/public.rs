//! The public changelog site.

use super::{OutputFile, RenderError, Theme};
use crate::pipeline::Analysis;

/// Renders every page of the public site.
pub fn render(analysis: &Analysis, theme: &Theme) -> Result<Vec<OutputFile>, RenderError> {
    let mut context = tera::Context::new();
    context.insert("title", &analysis.portal.config.title);
    let home = theme.render("public/index.html", &context)?;
    let mut files = vec![OutputFile::new("index.html", home.into_bytes())];
    files.extend(super::feeds::render(analysis));
    Ok(files)
}
