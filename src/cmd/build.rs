//! `changeportal build`.

use super::{Failure, Outcome};
use crate::cli::*;

/// Not built yet.
pub fn run(_args: &BuildArgs) -> Outcome {
    Err(Failure::usage("`build` is not built yet"))
}
