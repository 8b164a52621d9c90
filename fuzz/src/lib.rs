//! Helpers shared by the fuzz targets: a fixed portal configuration, the
//! build's "now", and an independent HTML safety checker.

pub mod html_check;

use changeportal::model::config::Config;
use changeportal::model::Timestamp;
use std::sync::LazyLock;

/// The portal configuration the targets load records against, shared with
/// the integration tests (`tests/fixtures/portal.yaml`): tiers with and
/// without advance notice, a system catalogue, a board and every policy knob.
pub const PORTAL_YAML: &str = include_str!("../../tests/fixtures/portal.yaml");

static CONFIG: LazyLock<Config> =
    LazyLock::new(|| parse_config(PORTAL_YAML).expect("the fuzz portal.yaml is valid"));

/// The fixed configuration.
pub fn config() -> &'static Config {
    &CONFIG
}

/// Parses and validates a `portal.yaml` text the way the loader does; `None`
/// when the loader would stop with a config error (exit code 2).
pub fn parse_config(text: &str) -> Option<Config> {
    let text = changeportal::load::frontmatter::strip_bom(text);
    let config: Config = serde_yaml::from_str(text).ok()?;
    config.validate().is_empty().then_some(config)
}

/// The build's "now": the example portal's reference date.
pub fn now() -> Timestamp {
    Timestamp::parse("2026-11-24").expect("valid date")
}
