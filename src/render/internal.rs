//! The internal audit site.

use super::{OutputFile, RenderError, Theme};
use crate::pipeline::Analysis;

/// Renders every page of the internal site.
pub fn render(analysis: &Analysis, theme: &Theme) -> Result<Vec<OutputFile>, RenderError> {
    let mut context = tera::Context::new();
    context.insert("title", &analysis.portal.config.title);
    let home = theme.render("internal/index.html", &context)?;
    Ok(vec![OutputFile::new("index.html", home.into_bytes())])
}
