//! `changeportal sample`.

use super::{Failure, Outcome};
use crate::cli::*;

/// Not built yet.
pub fn run(_args: &SampleArgs) -> Outcome {
    Err(Failure::usage("`sample` is not built yet"))
}
