//! `changeportal new`.

use super::{Failure, Outcome};
use crate::cli::*;

/// Not built yet.
pub fn run(_args: &NewArgs) -> Outcome {
    Err(Failure::usage("`new` is not built yet"))
}
