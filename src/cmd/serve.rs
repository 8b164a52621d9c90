//! `changeportal serve`.

use super::{Failure, Outcome};
use crate::cli::*;

/// Not built yet.
pub fn run(_args: &ServeArgs) -> Outcome {
    Err(Failure::usage("`serve` is not built yet"))
}
