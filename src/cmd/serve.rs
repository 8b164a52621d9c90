//! `changeportal serve`: see [`crate::serve`].

use super::{Failure, Outcome};
use crate::cli::ServeArgs;
use crate::serve::{self, Options};

/// Serves both sites with live reload until stopped.
pub fn run(args: &ServeArgs) -> Outcome {
    let options = Options {
        root: args.root.root.clone(),
        bind: args.bind.clone(),
        port: args.port,
        now: args.now.now,
        expose_internal: args.expose_internal,
    };
    match serve::run(&options) {
        Ok(never) => match never {},
        Err(error) => Err(Failure::usage(error.to_string())),
    }
}
