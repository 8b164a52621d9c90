//! changeportal turns a folder of markdown change records into a public
//! changelog with per-tier RSS feeds, an internal audit site, and build-time
//! policy flags.
//!
//! The pipeline, one module per stage: [`load`] (files -> [`model`]) ->
//! [`checks`] (flags) -> [`render`] (public, internal, feeds) -> [`output`]
//! (atomic write); [`paths`] names every output path and URL, [`layout`]
//! where each output comes from.
//! [`pipeline`] ties load and checks together for every command in [`cmd`];
//! [`serve`] watches and rebuilds.

pub mod build;
pub mod checks;
pub mod cli;
pub mod cmd;
pub mod diagnostics;
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
