//! `changeportal schema record|config`: the JSON Schema of a change record's
//! front matter or of `portal.yaml` (SPEC section 4), the same text as the
//! shipped `docs/schema/record.schema.json` and `config.schema.json`.

use super::export::write_stdout;
use super::Outcome;
use crate::cli::SchemaArgs;
use crate::model::schema;
use std::process::ExitCode;

/// Prints the schema on stdout.
pub fn run(args: &SchemaArgs) -> Outcome {
    write_stdout(schema::schema_json(args.kind).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
