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

/// Loads the portal at `root` and runs every check at `now`. The files of
/// flagged records are read again once: for the flags' positions and for
/// the diagnostics that quote them.
pub fn analyze(root: &Path, now: Timestamp) -> Result<Analysis, ConfigError> {
    let load::Loaded {
        portal,
        flags: load_flags,
        mut sources,
    } = load::load(root)?;
    let raised = checks::run(&portal, now);
    let flagged = load_flags
        .iter()
        .chain(raised.iter().map(|unplaced| &unplaced.flag))
        .filter(|flag| flag.level != Level::Allow)
        .map(|flag| flag.file.as_str());
    load::read_flagged_records(&mut sources, root, &portal.documents, flagged);
    let placed = checks::place(raised, |path| {
        load::record::positions_in(sources.get(path).unwrap_or_default())
    });
    let flags = checks::finish(load_flags.into_iter().chain(placed).collect());
    Ok(Analysis {
        portal,
        flags,
        sources,
        now,
    })
}
