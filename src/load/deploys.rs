//! Reading the deploy log (SPEC section 3, `deploy_log`): CSV with a header
//! row, or JSON lines, with the keys `at`, `system`, `ref`, `deployed_by`
//! and optionally `change`.
//!
//! The format follows the file name (`.jsonl` / `.ndjson`: JSON lines,
//! `.csv`: CSV); any other name is sniffed (a first non-blank character `{`
//! means JSON lines). Both forms go through one validation ([`entry_of`]),
//! so a row means the same in either. The log is opened like every other
//! source file ([`super::tree::read_inside`]): a link out of the portal or
//! a special file is refused. Every problem is an `invalid-record` flag at
//! the log's `file:line:col` (the CSV header is line 1), all at once, and
//! stops a build: an entry that cannot be read could hide an unrecorded
//! deploy.

use super::record::flag_at;
use super::{frontmatter, tree};
use crate::diagnostics::{Code, Flag, Position, SourceFile};
use crate::model::deploys::{DeployEntry, DeployLog};
use crate::model::{Config, Timestamp};
use std::path::Path;

/// The keys every entry must have.
const REQUIRED: [&str; 4] = ["at", "system", "ref", "deployed_by"];
/// The key an entry may have.
const OPTIONAL: &str = "change";

/// What reading the deploy log gave.
#[derive(Debug, Default)]
pub struct LogOutcome {
    /// The readable entries; `None` when the file could not be read at all.
    pub log: Option<DeployLog>,
    /// Problems, each at the log's path with line and column.
    pub flags: Vec<Flag>,
    /// The log's text, for quoting in diagnostics.
    pub source: Option<SourceFile>,
}

/// Reads the deploy log `config.deploy_log` names under the portal `root`.
/// Output: an empty outcome when `deploy_log` is not set. Errors are flags:
/// a file that is missing, outside the portal (a link out), special or not
/// UTF-8 is one `invalid-record` flag at `path:1:1`; bad rows are flags at
/// their line.
pub fn load(root: &Path, config: &Config) -> LogOutcome {
    let Some(path) = config.deploy_log.as_deref() else {
        return LogOutcome::default();
    };
    let refused = |message: String| LogOutcome {
        flags: vec![flag_at(
            config,
            Code::InvalidRecord,
            path,
            Position { line: 1, column: 1 },
            message,
            Some("point deploy_log at a regular file inside the portal folder".to_string()),
            None,
        )],
        ..LogOutcome::default()
    };
    let bytes = match tree::read_inside(root, &root.join(path)) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return refused(format!("deploy_log `{path}` does not exist"))
        }
        Err(error) => return refused(format!("deploy_log `{path}` cannot be read: {error}")),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return refused(format!("deploy_log `{path}` is not UTF-8 text"));
    };
    let text = frontmatter::strip_bom(&text).to_string();
    let (entries, flags) = parse(&text, path, config);
    LogOutcome {
        log: Some(DeployLog {
            path: path.to_string(),
            entries,
        }),
        flags,
        source: Some(SourceFile {
            path: path.to_string(),
            text,
        }),
    }
}

/// Parses the text of the log at `path` (relative to the portal root; its
/// extension picks the format, else the text is sniffed). Output: the
/// readable entries in file order and a flag for every problem.
pub fn parse(text: &str, path: &str, config: &Config) -> (Vec<DeployEntry>, Vec<Flag>) {
    let lower = path.to_ascii_lowercase();
    let json_lines = if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        true
    } else if lower.ends_with(".csv") {
        false
    } else {
        text.trim_start().starts_with('{')
    };
    let rows = if json_lines {
        json_rows(text)
    } else {
        csv_rows(text)
    };
    let mut entries = Vec::new();
    let mut flags = Vec::new();
    for row in rows {
        match row.and_then(|row| entry_of(&row)) {
            Ok(entry) => entries.push(entry),
            Err(problems) => flags.extend(problems.into_iter().map(|problem| {
                flag_at(
                    config,
                    Code::InvalidRecord,
                    path,
                    problem.position,
                    problem.message,
                    Some(HINT.to_string()),
                    None,
                )
            })),
        }
    }
    (entries, flags)
}

const HINT: &str = "each deploy-log entry has `at` (RFC 3339), `system`, `ref`, `deployed_by` \
                    and optionally `change` (a record id)";

/// A problem in the log, before it becomes a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    position: Position,
    message: String,
}

impl Problem {
    fn at(line: usize, column: usize, message: String) -> Self {
        Problem {
            position: Position { line, column },
            message,
        }
    }
}

/// One row of either format: its line and its keys with their values (a
/// JSON `null` is `None`) and positions, in the order written.
#[derive(Debug)]
struct Row {
    line: usize,
    fields: Vec<Field>,
}

#[derive(Debug)]
struct Field {
    key: String,
    value: Option<String>,
    position: Position,
}

/// The one validation of a row, whatever its format: every required key
/// once with a non-blank value, `at` a SPEC date, no other key, no control
/// characters. Output: the entry, or every problem of the row.
fn entry_of(row: &Row) -> Result<DeployEntry, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for field in &row.fields {
        let (line, column) = (field.position.line, field.position.column);
        if seen.contains(&field.key.as_str()) {
            problems.push(Problem::at(
                line,
                column,
                format!("`{}` is given twice", field.key),
            ));
        } else if !REQUIRED.contains(&field.key.as_str()) && field.key != OPTIONAL {
            problems.push(Problem::at(
                line,
                column,
                format!("unknown key `{}` in a deploy-log entry", field.key),
            ));
        }
        seen.push(&field.key);
        if let Some(bad) = field.value.as_deref().and_then(|v| {
            v.chars()
                .find(|c| super::characters::is_invalid(*c) || *c == '\n')
        }) {
            problems.push(Problem::at(
                line,
                column,
                format!("`{}` holds {}", field.key, super::characters::describe(bad)),
            ));
        }
    }
    let value = |key: &str| {
        row.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| (f.value.as_deref().map(str::trim).unwrap_or(""), f.position))
    };
    for key in REQUIRED {
        match value(key) {
            None => problems.push(Problem::at(row.line, 1, format!("`{key}` is missing"))),
            Some(("", position)) => problems.push(Problem {
                position,
                message: format!("`{key}` is empty"),
            }),
            Some(_) => {}
        }
    }
    let at = value("at")
        .filter(|(text, _)| !text.is_empty())
        .map(|(text, position)| {
            Timestamp::parse(text).map_err(|message| Problem { position, message })
        });
    let at = match at {
        Some(Ok(at)) => Some(at),
        Some(Err(problem)) => {
            problems.push(problem);
            None
        }
        None => None,
    };
    let text = |key: &str| value(key).map(|(t, _)| t.to_string()).unwrap_or_default();
    match at {
        Some(at) if problems.is_empty() => Ok(DeployEntry {
            line: row.line,
            at,
            system: text("system"),
            reference: text("ref"),
            deployed_by: text("deployed_by"),
            change: Some(text(OPTIONAL)).filter(|c| !c.is_empty()),
        }),
        _ => Err(problems),
    }
}

/// The rows of a CSV log: the first record is the header (line 1 when the
/// file starts with it); blank lines are skipped. A header with an unknown,
/// repeated or missing key, or a row with another number of fields than the
/// header, is a problem; with a bad header no row is read.
fn csv_rows(text: &str) -> Vec<Result<Row, Vec<Problem>>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Vec::new(),
        Some(Err(error)) => return vec![Err(vec![csv_problem(&error)])],
        Some(Ok(header)) => header,
    };
    let header_at = field_positions(text, &header);
    let header_line = header_at.first().map_or(1, |p| p.line);
    let keys: Vec<String> = header.iter().map(|key| key.trim().to_string()).collect();
    let header_problems = header_problems(&keys, &header_at, header_line);
    if !header_problems.is_empty() {
        return vec![Err(header_problems)];
    }
    records
        .map(|record| {
            let record = record.map_err(|error| vec![csv_problem(&error)])?;
            let positions = field_positions(text, &record);
            let line = positions.first().map_or(1, |p| p.line);
            if record.len() != keys.len() {
                return Err(vec![Problem::at(
                    line,
                    1,
                    format!(
                        "this row has {} fields, the header has {}",
                        record.len(),
                        keys.len()
                    ),
                )]);
            }
            let fields = keys
                .iter()
                .zip(record.iter())
                .zip(positions)
                .map(|((key, value), position)| Field {
                    key: key.clone(),
                    value: Some(value.to_string()),
                    position,
                })
                .collect();
            Ok(Row { line, fields })
        })
        .collect()
}

/// Problems of a CSV header's `keys` (positions `at`, on line `line`):
/// unknown or repeated keys at their column, missing required keys at the
/// line's start.
fn header_problems(keys: &[String], at: &[Position], line: usize) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        let position = at
            .get(index)
            .copied()
            .unwrap_or(Position { line, column: 1 });
        if keys[..index].contains(key) {
            problems.push(Problem {
                position,
                message: format!("the header names `{key}` twice"),
            });
        } else if !REQUIRED.contains(&key.as_str()) && key != OPTIONAL {
            problems.push(Problem {
                position,
                message: format!("unknown column `{key}` in the deploy-log header"),
            });
        }
    }
    for key in REQUIRED {
        if !keys.iter().any(|k| k == key) {
            problems.push(Problem::at(
                line,
                1,
                format!("the header has no `{key}` column"),
            ));
        }
    }
    problems
}

fn csv_problem(error: &csv::Error) -> Problem {
    let line = error
        .position()
        .map_or(1, |p| usize::try_from(p.line()).unwrap_or(1));
    Problem::at(line, 1, format!("not valid CSV: {error}"))
}

/// Where each field of `record` starts in `text` (line and column,
/// 1-based, columns in characters), found by walking the raw text from the
/// record's position with CSV's quoting rules. The reader's position is
/// where it began reading, before the blank lines it skips; those are
/// skipped here too.
fn field_positions(text: &str, record: &csv::StringRecord) -> Vec<Position> {
    let Some(start) = record.position() else {
        return Vec::new();
    };
    let byte = usize::try_from(start.byte()).unwrap_or(0);
    let mut line = usize::try_from(start.line()).unwrap_or(1);
    let rest = text.get(byte..).unwrap_or_default();
    let skipped = &rest[..rest.len() - rest.trim_start_matches(['\n', '\r']).len()];
    line += super::body::lines(skipped).count();
    let rest = &rest[skipped.len()..];
    let mut column = 1;
    let mut quoted = false;
    let mut positions = vec![Position { line, column }];
    for c in rest.chars() {
        if positions.len() >= record.len() {
            break;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => positions.push(Position {
                line,
                column: column + 1,
            }),
            '\n' | '\r' if !quoted => break,
            '\n' => {
                line += 1;
                column = 0;
            }
            _ => {}
        }
        column += 1;
    }
    positions
}

/// The rows of a JSON-lines log: one JSON object per line; blank lines are
/// skipped. Values are strings (`change` may also be `null`).
fn json_rows(text: &str) -> Vec<Result<Row, Vec<Problem>>> {
    super::body::lines(text)
        .enumerate()
        .filter(|(_, line)| !line.text.trim().is_empty())
        .map(|(index, line)| json_row(index + 1, line.text))
        .collect()
}

/// One JSON-lines row: the object on line `line` whose text is `text`.
fn json_row(line: usize, text: &str) -> Result<Row, Vec<Problem>> {
    let object: Object = serde_json::from_str(text).map_err(|error| {
        vec![Problem::at(
            line,
            error.column().max(1),
            format!("not a JSON object: {error}"),
        )]
    })?;
    let mut problems = Vec::new();
    let mut fields = Vec::new();
    let mut searched: std::collections::HashMap<String, usize> = Default::default();
    for (key, value) in object.0 {
        let from = searched.get(&key).copied().unwrap_or(0);
        let (column, after) = key_column(text, &key, from);
        searched.insert(key.clone(), after);
        let value = match value {
            serde_json::Value::String(text) => Some(text),
            serde_json::Value::Null if key == OPTIONAL => None,
            other => {
                problems.push(Problem::at(
                    line,
                    column,
                    format!("`{key}` must be a string, not {other}"),
                ));
                continue;
            }
        };
        fields.push(Field {
            key,
            value,
            position: Position { line, column },
        });
    }
    if problems.is_empty() {
        Ok(Row { line, fields })
    } else {
        Err(problems)
    }
}

/// The 1-based column (in characters) of `"key"` in `text`, else 1.
/// Searching starts at byte `from`, so that a repeated key is found at its
/// own place; the output is the column and the byte after the match.
fn key_column(text: &str, key: &str, from: usize) -> (usize, usize) {
    let quoted = serde_json::to_string(key).unwrap_or_default();
    match text.get(from..).and_then(|rest| rest.find(&quoted)) {
        Some(at) => (
            text[..from + at].chars().count() + 1,
            from + at + quoted.len(),
        ),
        None => (1, from),
    }
}

/// A JSON object's members in the order written, repeated keys kept (so
/// that a repeated key is reported rather than silently overwritten).
struct Object(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Object {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = Object;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Object, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Object(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::yaml::from_str("title: T\nbase_url: https://x.example\n").unwrap()
    }

    fn problems(text: &str, path: &str) -> Vec<(usize, usize, String)> {
        parse(text, path, &config())
            .1
            .into_iter()
            .map(|f| (f.line, f.column, f.message))
            .collect()
    }

    #[test]
    fn csv_and_json_lines_give_the_same_entries() {
        let csv = "at,system,ref,deployed_by,change\n\
                   2026-03-01T10:00:00Z,api,abc123,Dana Lee,CHG-1\n\
                   \n\
                   2026-03-02T10:00:00+01:00,\"db, main\",def456,Sam Ortiz,\n";
        let json = "\n{\"at\":\"2026-03-01T10:00:00Z\",\"system\":\"api\",\"ref\":\"abc123\",\"deployed_by\":\"Dana Lee\",\"change\":\"CHG-1\"}\n\
                    \n\
                    {\"at\":\"2026-03-02T10:00:00+01:00\",\"system\":\"db, main\",\"ref\":\"def456\",\"deployed_by\":\"Sam Ortiz\",\"change\":null}\n";
        let (from_csv, flags) = parse(csv, "deploys.csv", &config());
        assert!(flags.is_empty(), "{flags:?}");
        let (from_json, flags) = parse(json, "deploys.jsonl", &config());
        assert!(flags.is_empty(), "{flags:?}");
        assert_eq!(from_csv, from_json);
        assert_eq!(from_csv[1].line, 4);
        assert_eq!(from_csv[1].system, "db, main");
        assert_eq!(from_csv[1].change, None);
        assert_eq!(from_csv[0].change.as_deref(), Some("CHG-1"));
        let (sniffed, _) = parse(json, "deploys.log", &config());
        assert_eq!(sniffed, from_json);
    }

    #[test]
    fn csv_problems_point_at_line_and_column() {
        let csv = "at,system,ref,deployed_by\n\
                   2026-02-30T10:00:00Z,api,abc,Dana\n\
                   2026-03-01T10:00:00Z,api,abc\n\
                   2026-03-01T10:00:00Z,,abc,Dana\n\
                   \"2026-03-01\",\"api\",x,\"Dana\u{7}\"\n";
        let found = problems(csv, "deploys.csv");
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (2, 1));
        assert!(found[0].2.contains("2026-02-30"));
        assert_eq!((found[1].0, found[1].1), (3, 1));
        assert!(found[1].2.contains("3 fields"));
        assert_eq!(
            (found[2].0, found[2].1, found[2].2.as_str()),
            (4, 22, "`system` is empty")
        );
        assert_eq!((found[3].0, found[3].1), (5, 22));
    }

    #[test]
    fn a_bad_header_is_reported_once_per_key() {
        let found = problems(
            "at,system,sha,deployed_by,at\n2026-03-01,api,x,y,z\n",
            "d.csv",
        );
        let messages: Vec<_> = found.iter().map(|p| (p.0, p.1, p.2.as_str())).collect();
        assert_eq!(
            messages,
            [
                (1, 11, "unknown column `sha` in the deploy-log header"),
                (1, 27, "the header names `at` twice"),
                (1, 1, "the header has no `ref` column"),
            ]
        );
    }

    #[test]
    fn json_problems_point_at_line_and_key() {
        let json = "{\"at\":\"2026-03-01\",\"system\":\"api\",\"ref\":\"x\",\"deployed_by\":\"D\",\"by\":\"x\"}\n\
                    {\"at\":\"2026-03-01\",\"system\":\"api\",\"ref\":\"x\"}\n\
                    {\"at\": 5}\n\
                    not json\n\
                    {\"at\":\"2026-03-01\",\"at\":\"2026-03-02\",\"system\":\"api\",\"ref\":\"x\",\"deployed_by\":\"D\"}\n";
        let found = problems(json, "deploys.ndjson");
        let brief: Vec<_> = found.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(
            brief,
            [(1, 63), (2, 1), (3, 2), (4, 2), (5, 20)],
            "{found:?}"
        );
        assert!(found[0].2.contains("unknown key `by`"));
        assert!(found[1].2.contains("`deployed_by` is missing"));
        assert!(found[2].2.contains("must be a string"));
        assert!(found[4].2.contains("twice"));
    }
}
