//! `changeportal export`.

use super::{Failure, Outcome};
use crate::cli::*;

/// Not built yet.
pub fn run(_args: &ExportArgs) -> Outcome {
    Err(Failure::usage("`export` is not built yet"))
}
