//! RSS 2.0 feeds: `feed.xml` and one `feeds/<tier>.xml` per tier.

use super::OutputFile;
use crate::pipeline::Analysis;

/// Renders every feed.
pub fn render(_analysis: &Analysis) -> Vec<OutputFile> {
    Vec::new()
}
