//! `changeportal init`.

use super::{Failure, Outcome};
use crate::cli::*;

/// Not built yet.
pub fn run(_args: &InitArgs) -> Outcome {
    Err(Failure::usage("`init` is not built yet"))
}
