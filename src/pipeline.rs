//! Load and check: the one pipeline `check`, `build`, `serve`, `export` and
//! `sample` share, so that they always agree on records and flags.

use crate::checks::{self, Flag, Level};
use crate::load::{self, ConfigError, Sources};
use crate::model::{Portal, Timestamp};
use std::path::Path;

/// A loaded and checked portal.
#[derive(Debug)]
pub struct Analysis {
    /// The portal with every record that could be parsed.
    pub portal: Portal,
    /// Every flag, sorted by file and position, `allow`-level ones dropped.
    pub flags: Vec<Flag>,
    /// Source texts of the files that have flags, for printing diagnostics.
    pub sources: Sources,
    /// The instant time-dependent rules were evaluated at.
    pub now: Timestamp,
}

impl Analysis {
    /// Whether any flag is deny-level.
    pub fn has_deny(&self) -> bool {
        self.flags.iter().any(|flag| flag.level == Level::Deny)
    }

    /// Whether some record could not be read, so no site may be written.
    pub fn has_unreadable_records(&self) -> bool {
        self.flags.iter().any(|flag| flag.code.blocks_build())
    }

    /// The flags of the record with `id`.
    pub fn flags_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags
            .iter()
            .filter(move |flag| flag.record.as_deref() == Some(id))
    }
}

/// Loads the portal at `root` and runs every check at `now`.
pub fn analyze(root: &Path, now: Timestamp) -> Result<Analysis, ConfigError> {
    let loaded = load::load(root)?;
    let mut flags = loaded.flags;
    flags.extend(checks::run(&loaded.portal, now));
    let flags = checks::finish(flags);
    let mut sources = loaded.sources;
    sources.read_flagged_records(root, &loaded.portal.documents, &flags);
    Ok(Analysis {
        portal: loaded.portal,
        flags,
        sources,
        now,
    })
}
