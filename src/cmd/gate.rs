//! `changeportal gate ID [--at T]`: may the change go ahead at T? (SPEC
//! section 6.)
//!
//! The record is checked as it would stand once deployed at T: a copy of the
//! loaded portal in which the record has `status: deployed` and
//! `deployed: T`, analysed at T by the same pipeline as every build
//! ([`crate::pipeline::analyze_loaded`]), so each rule has one
//! implementation. The reasons are that record's deny-level flags (approvals
//! missing, not counted, insufficient or after T; a blackout; any other
//! deny-level flag) and its `notice-too-short` flags (SPEC 6: every
//! advance-notice tier it concerns must have been told in time, whatever
//! level `lints:` gives that flag).

use super::{config_failure, resolve_now, Failure, Outcome};
use crate::cli::{GateArgs, GateFormat};
use crate::diagnostics::{Code, Flag, Level};
use crate::history::Origin;
use crate::load;
use crate::model::record::Status;
use crate::model::Timestamp;
use crate::pipeline;
use crate::report::{self, Format};
use serde::Serialize;
use std::process::ExitCode;

/// The decision of `gate`, as `--format json` prints it.
#[derive(Debug, Serialize)]
pub struct Decision {
    /// The record's id.
    pub id: String,
    /// The deployment instant evaluated, RFC 3339 in UTC.
    pub at: String,
    /// Whether the change may go ahead at `at`.
    pub allowed: bool,
    /// Why not: one entry per flag that stands in the way.
    pub reasons: Vec<Reason>,
}

/// One reason a change may not go ahead.
#[derive(Debug, Serialize)]
pub struct Reason {
    /// The flag code (SPEC section 4).
    pub code: String,
    /// The flag's message, with its file and line.
    pub message: String,
}

/// Prints the decision; exit 0 allowed, 1 denied, 2 unknown id or usage.
pub fn run(args: &GateArgs) -> Outcome {
    let root = &args.root.root;
    let at = resolve_now(args.at)?;
    let decision = decide(root, &args.id, at)?;
    match args.format {
        GateFormat::Json => {
            let text = serde_json::to_string_pretty(&decision)
                .map_err(|e| Failure::failed(format!("cannot write the decision: {e}")))?;
            println!("{text}");
        }
        GateFormat::Human => print_human(&decision),
    }
    Ok(ExitCode::from(u8::from(!decision.allowed)))
}

/// Evaluates record `id` of the portal at `root` as if deployed at `at`.
/// Errors: an unusable `portal.yaml` or an id no record has (exit 2).
pub fn decide(root: &std::path::Path, id: &str, at: Timestamp) -> Result<Decision, Failure> {
    let mut loaded = load::load(root).map_err(|e| config_failure(e, Format::Human))?;
    let document = loaded
        .portal
        .documents
        .iter_mut()
        .find(|document| document.record.id == id)
        .map(std::sync::Arc::make_mut)
        .ok_or_else(|| unknown_id(id))?;
    let path = document.path.clone();
    document.record.status = Status::Deployed;
    document.record.deployed = Some(at);
    let config = &mut loaded.portal.config;
    if config.level_of(Code::NoticeTooShort) == Level::Allow {
        config
            .lints
            .insert(Code::NoticeTooShort.as_str().to_string(), Level::Warn);
    }
    let analysis = pipeline::analyze_loaded(root, &Origin::Head, loaded, at);
    let reasons: Vec<Reason> = analysis
        .flags
        .iter()
        .filter(|flag| flag.file == path || flag.record.as_deref() == Some(id))
        .filter(|flag| stands_in_the_way(flag))
        .map(|flag| Reason {
            code: flag.code.as_str().to_string(),
            message: format!(
                "{} ({}:{})",
                report::visible(&flag.message),
                flag.file,
                flag.line
            ),
        })
        .collect();
    Ok(Decision {
        id: id.to_string(),
        at: at
            .instant()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        allowed: reasons.is_empty(),
        reasons,
    })
}

/// Whether `flag` keeps the change from going ahead: every deny-level flag,
/// and notice not kept for a tier.
fn stands_in_the_way(flag: &Flag) -> bool {
    flag.level == Level::Deny || flag.code == Code::NoticeTooShort
}

fn unknown_id(id: &str) -> Failure {
    Failure::usage(format!("no record has the id `{}`", report::visible(id)))
}

fn print_human(decision: &Decision) {
    if decision.allowed {
        println!(
            "{} may go ahead at {}: approvals meet policy, no blackout, every tier told in time, no deny-level flag",
            decision.id, decision.at
        );
        return;
    }
    println!(
        "{} may not go ahead at {}: {} reason(s)",
        decision.id,
        decision.at,
        decision.reasons.len()
    );
    for reason in &decision.reasons {
        println!("  - [{}] {}", reason.code, reason.message);
    }
}
