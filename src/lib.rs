//! changeportal turns a folder of markdown change records into a public
//! changelog with per-tier RSS feeds, an internal audit site, and build-time
//! policy flags.
//!
//! The pipeline, one module per stage (`docs/architecture.md` has the map):
//! [`load`] (files -> [`model`], with the text lints that need the raw file)
//! -> [`deploys`] (the deploy log reconciled with the records) -> [`policy`] (each record's facts) -> [`checks`] (facts -> flags) ->
//! [`pipeline`] (the [`pipeline::Analysis`] and the one "blocked" decision)
//! -> [`render`] (public, internal, feeds) -> [`output`] (atomic write).
//! [`build`] drives it for every command in [`cmd`] and for [`serve`];
//! [`diagnostics`] (flags, positions, sources) sits at the bottom, and
//! [`paths`] names every output path and URL.
#![deny(missing_docs)]

pub mod build;
pub mod checks;
pub mod cli;
pub mod cmd;
pub mod deploys;
pub mod diagnostics;
pub mod history;
pub mod layout;
pub mod load;
pub mod model;
pub mod output;
pub mod paths;
pub mod pipeline;
pub mod policy;
pub mod render;
pub mod report;
pub mod serve;
mod yaml;
