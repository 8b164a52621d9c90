//! Load and check into an [`Analysis`], the input of every renderer, and the
//! one decision whether a build is blocked ([`Analysis::buildable`]). The
//! [`crate::build`] API drives it for `check`, `build`, `serve`, `export` and
//! `sample`, so that they always agree on records and flags.

use crate::checks;
use crate::deploys::Reconciliation;
use crate::diagnostics::{Flag, Level};
use crate::history::{self, Origin, Provenance};
use crate::load::{self, ConfigError, Sources};
use crate::model::{Portal, Timestamp};
use crate::policy::{self, RecordFacts};
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
    /// Each record's policy facts at `now` (SPEC sections 3 and 4),
    /// computed once, in the order of `portal.documents`: the checks, the
    /// dashboard figures and the record pages all read them from here.
    pub facts: Vec<RecordFacts>,
    /// The records' git history, or why there is none (SPEC 3,
    /// Provenance): read once per analysis.
    pub provenance: Provenance,
    /// The deploy log reconciled with the records (SPEC 3), when
    /// `deploy_log` is set and could be read.
    pub reconciliation: Option<Reconciliation>,
}

impl Analysis {
    /// Whether any flag is deny-level.
    pub fn has_deny(&self) -> bool {
        self.flags.iter().any(|flag| flag.level == Level::Deny)
    }

    /// The one decision whether this analysis may be rendered (SPEC 5, 6).
    /// Inputs: `strict` (`build --strict`). Output: the analysis as
    /// [`Buildable`], which every renderer of [`crate::build`] requires.
    /// Errors: [`Blocked::Unreadable`] when a record or source file could
    /// not be used (a record would be missing from the sites or the
    /// population, a file would come from outside the portal or clash with
    /// another's output); else [`Blocked::Denied`] when `strict` and some
    /// flag is deny-level.
    pub fn buildable(&self, strict: bool) -> Result<Buildable<'_>, Blocked> {
        let unreadable: Vec<Flag> = self
            .flags
            .iter()
            .filter(|flag| flag.code.blocks_build())
            .cloned()
            .collect();
        if !unreadable.is_empty() {
            return Err(Blocked::Unreadable(unreadable));
        }
        if strict && self.has_deny() {
            return Err(Blocked::Denied);
        }
        Ok(Buildable(self))
    }

    /// The flags of the record with `id`.
    pub fn flags_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags
            .iter()
            .filter(move |flag| flag.record.as_deref() == Some(id))
    }
}

/// Why an analysis may not be rendered ([`Analysis::buildable`]). The
/// messages are those of `build`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    /// Records or source files that could not be used: the flags saying so.
    #[error("some records or source files could not be used; nothing was written (fix the errors above)")]
    Unreadable(Vec<Flag>),
    /// `--strict`, and some flag is deny-level.
    #[error("deny-level flags with --strict; nothing was written")]
    Denied,
}

/// An analysis that [`Analysis::buildable`] let through.
#[derive(Debug, Clone, Copy)]
pub struct Buildable<'a>(&'a Analysis);

impl std::ops::Deref for Buildable<'_> {
    type Target = Analysis;

    fn deref(&self) -> &Analysis {
        self.0
    }
}

/// Loads the portal at `root` and runs every check at `now` (an instant in
/// UTC), with the git history of `origin` (normally [`Origin::Head`]). Output: the portal, every flag not `allow`ed sorted by file and
/// position, and the sources they quote (the files of flagged records are
/// read again once, for the flags' positions and the quotes). Errors: a
/// `portal.yaml` that is missing or invalid ([`ConfigError`]); a record that
/// cannot be read is a flag, not an error.
pub fn analyze(root: &Path, origin: &Origin, now: Timestamp) -> Result<Analysis, ConfigError> {
    Ok(analyze_loaded(root, origin, load::load(root)?, now))
}

/// [`analyze`] for `check`: the portal is loaded with the record store in
/// `folder` ([`load::load_stored`]), which is written on another thread
/// while the checks run. Output and errors: as [`analyze`].
pub fn analyze_stored(
    root: &Path,
    origin: &Origin,
    now: Timestamp,
    folder: &Path,
) -> Result<Analysis, ConfigError> {
    let (loaded, update) = load::load_stored(root, folder)?;
    Ok(std::thread::scope(|scope| {
        scope.spawn(|| update.write());
        analyze_loaded(root, origin, loaded, now)
    }))
}

/// Runs every check at `now` on a portal already loaded from `root`
/// ([`analyze`] after [`load::load`]); `gate` uses it to check a record as
/// it would be once deployed, with the very rules every build applies.
pub fn analyze_loaded(
    root: &Path,
    origin: &Origin,
    loaded: load::Loaded,
    now: Timestamp,
) -> Analysis {
    run(root, origin, loaded, now, None).0
}

/// What an analysis leaves for the next analysis of the same portal
/// ([`analyze_since`]): the deployers each record was assessed with and
/// what each record's checks found.
#[derive(Debug, Default)]
pub struct Trail {
    deployers: Vec<Vec<String>>,
    checked: checks::Checked,
}

/// [`analyze_loaded`], reusing what an `earlier` analysis of the same
/// portal found (with the [`Trail`] it left) for the records whose
/// documents are the very ones (the same `Arc`, as [`load::load_with`]'s
/// cache gives them) analysed then: their policy facts and their checks'
/// flags, when `portal.yaml` and `now` are the same. Every rule across
/// records runs again, so the analysis is the one [`analyze_loaded`]
/// gives. Output: the analysis and its trail, for the next call.
pub fn analyze_since(
    root: &Path,
    origin: &Origin,
    loaded: load::Loaded,
    now: Timestamp,
    earlier: Option<(&Analysis, &Trail)>,
) -> (Analysis, Trail) {
    let (analysis, trail) = run(root, origin, loaded, now, Some(earlier));
    (analysis, trail.unwrap_or_default())
}

/// [`analyze_since`] when `earlier` is `Some` (and then a trail is
/// returned), else [`analyze_loaded`].
fn run(
    root: &Path,
    origin: &Origin,
    loaded: load::Loaded,
    now: Timestamp,
    earlier: Option<Option<(&Analysis, &Trail)>>,
) -> (Analysis, Option<Trail>) {
    let load::Loaded {
        portal,
        flags: load_flags,
        mut sources,
        cached,
    } = loaded;
    let keep_trail = earlier.is_some();
    // Facts and flags depend on `portal.yaml` and `now` besides the record.
    let earlier = earlier.flatten().filter(|(analysis, _)| {
        analysis.now == now
            && analysis.sources.get(load::CONFIG_FILE) == sources.get(load::CONFIG_FILE)
    });
    let reconciliation = Reconciliation::new(&portal);
    let deployers = log_deployers(&portal, reconciliation.as_ref());
    let facts: Vec<RecordFacts> = policy::assess_portal(
        &portal,
        now,
        &deployers,
        earlier.map(|(analysis, trail)| policy::Earlier {
            documents: &analysis.portal.documents,
            facts: &analysis.facts,
            deployers: &trail.deployers,
        }),
    );
    let provenance = history::read(root, origin, &portal.config, &portal.documents);
    let checked = checks::run(
        &portal,
        &facts,
        earlier.map(|(analysis, trail)| checks::Earlier {
            documents: &analysis.portal.documents,
            facts: &analysis.facts,
            checked: &trail.checked,
        }),
    );
    let (mut raised, trail): (Vec<checks::Unplaced>, _) = if keep_trail {
        let raised = checked.flags.iter().flatten().cloned().collect();
        (raised, Some(Trail { deployers, checked }))
    } else {
        (checked.flags.into_iter().flatten().collect(), None)
    };
    if let Some(history) = provenance.history() {
        raised.extend(
            history::flags::flags(&portal, history)
                .into_iter()
                .map(|pending| checks::Unplaced::new(pending.flag, pending.field)),
        );
    }
    let mut log_flags = Vec::new();
    if let Some(reconciliation) = &reconciliation {
        let (unrecorded, unlogged) = checks::deploys::run(&portal, reconciliation);
        log_flags = unrecorded;
        raised.extend(unlogged);
    }
    let flagged = load_flags
        .iter()
        .chain(raised.iter().map(|unplaced| &unplaced.flag))
        .filter(|flag| flag.level != Level::Allow)
        .map(|flag| flag.file.as_str());
    load::read_flagged_records(&mut sources, &cached, root, &portal.documents, flagged);
    let placed = checks::place(raised, |path| {
        load::record::positions_in(sources.get(path).unwrap_or_default())
    });
    let flags = checks::finish(
        load_flags
            .into_iter()
            .chain(log_flags)
            .chain(placed)
            .collect(),
    );
    let analysis = Analysis {
        portal,
        flags,
        sources,
        now,
        facts,
        provenance,
        reconciliation,
    };
    (analysis, trail)
}

/// The deployers the deploy log names for each record (SPEC 3: their
/// approvals do not count and raise `deployer-approved`), as written, in
/// the order of `portal.documents`, for [`policy::assess_portal`]: empty
/// without a log.
fn log_deployers(portal: &Portal, reconciliation: Option<&Reconciliation>) -> Vec<Vec<String>> {
    let mut deployers = vec![Vec::new(); portal.documents.len()];
    if let Some(reconciliation) = reconciliation {
        for (index, names) in deployers.iter_mut().enumerate() {
            *names = reconciliation
                .deployers_of(index)
                .into_iter()
                .map(str::to_string)
                .collect();
        }
    }
    deployers
}
