//! Printing flags: like compiler diagnostics for people (`human`), one JSON
//! object per line (`json`), or SARIF 2.1.0 for code-scanning tools (`sarif`).

use crate::diagnostics::{Code, Flag, Level, Sources};
use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::BufferedStandardStream, termcolor::ColorChoice};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Output format of `check`, `build`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style diagnostics on stderr.
    Human,
    /// One JSON object per flag per line on stdout.
    Json,
    /// A SARIF 2.1.0 log on stdout.
    Sarif,
}

/// How `check` and `build` print flags (SPEC sections 4 and 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The output format.
    pub format: Format,
    /// `--quiet`: human output prints no diagnostics (the command prints
    /// only its summary line).
    pub quiet: bool,
    /// `--path-prefix`, normalized ([`normalize_prefix`]): the portal folder
    /// relative to the repository root, for SARIF locations.
    pub path_prefix: String,
}

impl Options {
    /// Plain output in `format`: not quiet, no path prefix.
    pub fn plain(format: Format) -> Self {
        Self {
            format,
            quiet: false,
            path_prefix: String::new(),
        }
    }
}

/// Prints `flags` in `format` ([`print_with`] with [`Options::plain`]).
pub fn print(flags: &[Flag], sources: &Sources, format: Format) -> std::io::Result<()> {
    print_with(flags, sources, &Options::plain(format))
}

/// Prints `flags` as `options` say. Human output goes to stderr, in colour
/// only when stderr is a terminal: each diagnostic, then the flags grouped
/// by code with counts ([`grouped`]); nothing when quiet. Machine formats
/// go to stdout whether quiet or not (a pipeline asked for them).
pub fn print_with(flags: &[Flag], sources: &Sources, options: &Options) -> std::io::Result<()> {
    match options.format {
        Format::Human if options.quiet => Ok(()),
        Format::Human => {
            let choice = if std::io::stderr().is_terminal() {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            };
            // Buffered: a large portal prints thousands of diagnostics, and
            // an unbuffered stream makes a system call per fragment.
            let mut stream = BufferedStandardStream::stderr(choice);
            let mut shown: HashMap<&str, Option<Cow<'_, str>>> = HashMap::new();
            for flag in flags {
                let source = shown
                    .entry(flag.file.as_str())
                    .or_insert_with(|| sources.get(&flag.file).map(visible_source));
                write_human(&mut stream, flag, source.as_deref())?;
            }
            if !flags.is_empty() {
                write!(stream, "{}", grouped(flags))?;
            }
            stream.flush()
        }
        Format::Json => {
            // Buffered: standard output is line-buffered, a system call per flag.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for flag in flags {
                serde_json::to_writer(&mut out, flag)?;
                writeln!(out)?;
            }
            out.flush()
        }
        Format::Sarif => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &sarif(flags, sources, &options.path_prefix))?;
            writeln!(out)
        }
    }
}

/// Renders one flag as plain text (no colour), as `print` shows it.
pub fn human_text(flag: &Flag, sources: &Sources) -> String {
    let mut buffer = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    // Writing into memory cannot fail.
    let source = sources.get(&flag.file).map(visible_source);
    let _ = write_human(&mut buffer, flag, source.as_deref());
    String::from_utf8_lossy(&buffer.into_inner()).into_owned()
}

/// Writes one flag. `source` is the flag's file as [`visible_source`] shows
/// it; the message, hint and path are made visible here, so that no
/// character taken from a record can steer the terminal.
fn write_human<W: codespan_reporting::term::termcolor::WriteColor>(
    out: &mut W,
    flag: &Flag,
    source: Option<&str>,
) -> std::io::Result<()> {
    let flag = &Flag {
        message: one_line(&flag.message),
        hint: flag.hint.as_deref().map(one_line),
        file: one_line(&flag.file),
        ..flag.clone()
    };
    let severity = match flag.level {
        Level::Deny => Severity::Error,
        _ => Severity::Warning,
    };
    let mut diagnostic = Diagnostic::new(severity)
        .with_code(flag.code.as_str())
        .with_message(&flag.message);
    if let Some(hint) = &flag.hint {
        diagnostic = diagnostic.with_notes(vec![format!("hint: {hint}")]);
    }
    match source {
        Some(text) => {
            let range = line_range(text, flag.line, flag.column);
            let file = SimpleFile::new(flag.file.as_str(), text);
            let diagnostic = diagnostic.with_labels(vec![Label::primary((), range)]);
            term::emit_to_write_style(out, &term::Config::default(), &file, &diagnostic)
                .map_err(std::io::Error::other)
        }
        None => {
            let text = format!(
                "{}[{}]: {}\n  --> {}:{}:{}\n",
                if severity == Severity::Error {
                    "error"
                } else {
                    "warning"
                },
                flag.code,
                flag.message,
                flag.file,
                flag.line,
                flag.column
            );
            out.write_all(text.as_bytes())?;
            match &flag.hint {
                Some(hint) => writeln!(out, "  = hint: {hint}\n"),
                None => writeln!(out),
            }
        }
    }
}

/// Whether `c` can steer a terminal or reorder what it shows: C0 and C1
/// controls (tab and line feed aside), DEL, and the Unicode bidi controls
/// and line separators.
fn is_terminal_control(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every [`is_terminal_control`] character written as a
/// visible escape (`\u{1b}`, `\r`), as Rust's `escape_debug` writes them.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_terminal_control) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_terminal_control(c) {
            shown.extend(c.escape_debug());
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// `text` as one visible line: [`visible`], and line feeds written as `\n`,
/// so that a value from a record cannot start a line of its own (and, say,
/// fake a "no deny-level flags" summary).
fn one_line(text: &str) -> String {
    visible(text).replace('\n', "\\n")
}

/// A source file as diagnostics quote it: a bare CR becomes a line feed
/// (it ends a line, SPEC section 2), and each other [`is_terminal_control`]
/// character (a CR that ends a CRLF line aside) becomes one visible
/// stand-in character (a control picture such as `␛`, or `�`), so columns
/// still count the same characters.
fn visible_source(text: &str) -> Cow<'_, str> {
    let mut chars = text.chars().peekable();
    let needs = text
        .char_indices()
        .any(|(i, c)| is_terminal_control(c) && !(c == '\r' && text[i + 1..].starts_with('\n')));
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 16);
    while let Some(c) = chars.next() {
        let stand_in = match c {
            '\r' if chars.peek() == Some(&'\n') => '\r',
            // A bare CR ends a line (SPEC section 2), so it is shown as one.
            '\r' => '\n',
            c if !is_terminal_control(c) => c,
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
            '\u{7F}' => '\u{2421}',
            _ => '\u{FFFD}',
        };
        shown.push(stand_in);
    }
    Cow::Owned(shown)
}

/// Byte range from (line, column) to the end of that line; an empty range at
/// the end of the text when the position is past it.
fn line_range(text: &str, line: usize, column: usize) -> std::ops::Range<usize> {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(index) => start += index + 1,
            None => return text.len()..text.len(),
        }
    }
    let line_end = text[start..]
        .find('\n')
        .map_or(text.len(), |index| start + index);
    let line_text = text[start..line_end].trim_end_matches('\r');
    let offset = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(index, _)| index);
    (start + offset)..(start + line_text.len()).max(start + offset)
}

/// Counts of `flags` per code, deny-level codes first, then by code.
fn counts(flags: &[Flag]) -> Vec<(Level, Code, usize)> {
    let mut counts: Vec<(Level, Code, usize)> = Vec::new();
    for flag in flags {
        match counts
            .iter_mut()
            .find(|(level, code, _)| *code == flag.code && *level == flag.level)
        {
            Some((_, _, count)) => *count += 1,
            None => counts.push((flag.level, flag.code, 1)),
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    counts
}

/// "2 error(s), 3 warning(s)": the totals of `flags` by level.
pub fn totals(flags: &[Flag]) -> String {
    let errors = flags.iter().filter(|f| f.level == Level::Deny).count();
    format!("{errors} error(s), {} warning(s)", flags.len() - errors)
}

/// "2 error(s), 3 warning(s): self-approval ×1, ...": the totals and the
/// count of each code, on one line.
pub fn summary(flags: &[Flag]) -> String {
    let detail: Vec<String> = counts(flags)
        .iter()
        .map(|(_, code, n)| format!("{code} ×{n}"))
        .collect();
    format!("{}: {}", totals(flags), detail.join(", "))
}

/// The flags grouped by code, one line per code with its level and count,
/// deny-level codes first, under a line with the totals:
///
/// ```text
/// flags by code: 2 error(s), 1 warning(s)
///   error    self-approval              2
///   warning  notice-too-short           1
/// ```
pub fn grouped(flags: &[Flag]) -> String {
    let mut text = format!("flags by code: {}\n", totals(flags));
    for (level, code, count) in counts(flags) {
        let level = if level == Level::Deny {
            "error"
        } else {
            "warning"
        };
        text.push_str(&format!("  {level:<8} {:<28} {count:>5}\n", code.as_str()));
    }
    text
}

/// A SARIF 2.1.0 log with one rule per flag code and one result per flag
/// (SPEC section 4), as GitHub code scanning accepts it: every rule has a
/// name, short and full descriptions, help (text and markdown: the code's
/// section of `docs/flags.md`) and a help URI (that section's anchor in the
/// repository); every result has a location whose URI is `path_prefix` +
/// the flag's portal-relative file, percent-encoded (`path_prefix` is the
/// portal folder relative to the repository root, `""` or ending in `/`),
/// and a `partialFingerprints` entry ([`fingerprints`]). Columns count
/// characters, as in the human and JSON output.
pub fn sarif(flags: &[Flag], sources: &Sources, path_prefix: &str) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = Code::ALL.iter().map(|code| sarif_rule(*code)).collect();
    let fingerprints = fingerprints(flags, sources);
    let results: Vec<serde_json::Value> = flags
        .iter()
        .zip(fingerprints)
        .map(|(flag, fingerprint)| {
            let rule_index = Code::ALL.iter().position(|c| *c == flag.code).unwrap_or(0);
            json!({
                "ruleId": flag.code.as_str(),
                "ruleIndex": rule_index,
                "level": sarif_level(flag.level),
                "message": { "text": match &flag.hint {
                    Some(hint) => format!("{} (hint: {hint})", flag.message),
                    None => flag.message.clone(),
                } },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri_path(&format!("{path_prefix}{}", flag.file)) },
                        "region": { "startLine": flag.line.max(1), "startColumn": flag.column.max(1) },
                    }
                }],
                "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "changeportal",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// The `partialFingerprints` key of SARIF results.
pub const FINGERPRINT_KEY: &str = "changeportalFlag/v1";

/// The documentation of every flag: `docs/flags.md`, one `## <code>`
/// section each (its heading is the anchor SARIF's help URIs point at).
const FLAGS_DOC: &str = include_str!("../docs/flags.md");

/// Where the documentation of `code` lives: the repository's
/// `docs/flags.md`, at the code's anchor (an absolute URI, as SARIF
/// requires; the repository URL is `Cargo.toml`'s `repository`).
pub fn help_uri(code: Code) -> String {
    format!(
        "{}/blob/main/docs/flags.md#{}",
        env!("CARGO_PKG_REPOSITORY").trim_end_matches('/'),
        code.as_str()
    )
}

/// The markdown of `code`'s section in `docs/flags.md` (without its
/// heading), or `None` when the section is missing.
fn flag_doc(code: Code) -> Option<&'static str> {
    let heading = format!("\n## {}\n", code.as_str());
    let start = FLAGS_DOC.find(&heading)? + heading.len();
    let rest = &FLAGS_DOC[start..];
    let end = rest.find("\n## ").map_or(rest.len(), |at| at + 1);
    Some(rest[..end].trim())
}

/// `markdown` from `docs/flags.md` with its relative links made absolute
/// (into the repository's `docs/` folder), as code-scanning tools show the
/// help far from the repository.
fn absolute_links(markdown: &str) -> String {
    let docs = format!(
        "{}/blob/main/docs/",
        env!("CARGO_PKG_REPOSITORY").trim_end_matches('/')
    );
    let mut text = String::with_capacity(markdown.len());
    let mut pieces = markdown.split("](");
    text.push_str(pieces.next().unwrap_or_default());
    for piece in pieces {
        text.push_str("](");
        if piece.starts_with('#') {
            text.push_str(&docs);
            text.push_str("flags.md");
        } else if !piece.contains("://") || piece.find("://") > piece.find(')') {
            text.push_str(&docs);
        }
        text.push_str(piece);
    }
    text
}

/// One SARIF `reportingDescriptor` for `code`.
fn sarif_rule(code: Code) -> serde_json::Value {
    let uri = help_uri(code);
    let doc = flag_doc(code).map_or_else(|| code.description().to_string(), absolute_links);
    json!({
        "id": code.as_str(),
        "name": rule_name(code),
        "shortDescription": { "text": code.description() },
        "fullDescription": { "text": full_description(code, &doc) },
        "help": {
            "text": format!("{}\n\nMore: {uri}", code.description()),
            "markdown": format!("{doc}\n\n[Documentation of `{}`]({uri})", code.as_str()),
        },
        "helpUri": uri,
        "defaultConfiguration": { "level": sarif_level(code.default_level()) },
        "properties": { "tags": ["change-management", "soc2"] },
    })
}

/// A rule name as SARIF suggests it (upper camel case): `SelfApproval`.
fn rule_name(code: Code) -> String {
    code.as_str()
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// The "**Raised when** ..." paragraph of a flag's documentation, on one
/// line and without emphasis; the table's one-sentence description when the
/// documentation has none.
fn full_description(code: Code, doc: &str) -> String {
    doc.split("\n\n")
        .find(|paragraph| paragraph.starts_with("**Raised when**"))
        .map(|paragraph| {
            paragraph
                .replace("**", "")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| code.description().to_string())
}

/// A `partialFingerprints` value per flag, in order: the SHA-256 (hex) of
/// the code, the file, the record id and the flagged source line's text
/// (trimmed; the message when the source is not at hand), followed by
/// `:<n>`, the number of earlier flags with the same hash. The line number
/// is not part of it, so that a line added above the flagged field does not
/// change the fingerprint and code scanning keeps tracking the same alert.
pub fn fingerprints(flags: &[Flag], sources: &Sources) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    flags
        .iter()
        .map(|flag| {
            let flagged = sources
                .get(&flag.file)
                .and_then(|text| source_line(text, flag.line))
                .map_or(flag.message.as_str(), str::trim);
            let mut hasher = Sha256::new();
            for part in [
                flag.code.as_str(),
                &flag.file,
                flag.record.as_deref().unwrap_or(""),
                flagged,
            ] {
                hasher.update(part.as_bytes());
                hasher.update([0]);
            }
            let hash: String = hasher
                .finalize()
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            let count = seen.entry(hash.clone()).or_insert(0);
            *count += 1;
            format!("{hash}:{count}")
        })
        .collect()
}

/// Line `line` (1-based) of `text`; CRLF, LF and a bare CR end lines.
fn source_line(text: &str, line: usize) -> Option<&str> {
    text.split('\n')
        .flat_map(|piece| piece.strip_suffix('\r').unwrap_or(piece).split('\r'))
        .nth(line.checked_sub(1)?)
}

/// A relative path as a URI reference: each byte outside RFC 3986's
/// unreserved characters and `/` percent-encoded.
fn uri_path(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// The default `--path-prefix` (SPEC section 4): the portal folder `root`
/// relative to the enclosing git repository's root (the nearest folder at
/// or above it holding `.git`), with a trailing `/`; `""` when the portal
/// is the repository root or is not inside one.
pub fn repository_prefix(root: &Path) -> String {
    let Ok(root) = root.canonicalize() else {
        return String::new();
    };
    let Some(repository) = root.ancestors().find(|dir| dir.join(".git").exists()) else {
        return String::new();
    };
    let relative = root.strip_prefix(repository).unwrap_or(Path::new(""));
    normalize_prefix(&relative.to_string_lossy())
}

/// A `--path-prefix` value as locations use it: `/` separators, no leading
/// `./` or `/`, and a trailing `/` unless empty.
pub fn normalize_prefix(prefix: &str) -> String {
    let prefix = prefix.replace('\\', "/");
    let parts: Vec<&str> = prefix
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    }
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_shown_as_escapes() {
        let message = "Mallory\u{1b}[2K\r\u{1b}[32mall good\u{9b}\u{202e}x";
        let shown = visible(message);
        assert!(!shown.chars().any(is_terminal_control), "{shown}");
        assert!(shown.contains("\\u{1b}[2K\\r"), "{shown}");
        assert_eq!(visible("plain\ttext"), "plain\ttext");
        assert_eq!(
            one_line("a\nchecked 1 record(s)\r\n"),
            "a\\nchecked 1 record(s)\\r\\n"
        );
        let source = visible_source("a: \u{1b}x\r\nb\rc\n");
        assert_eq!(source, "a: \u{241b}x\r\nb\nc\n");
    }

    #[test]
    fn line_range_points_at_column() {
        let text = "a: 1\r\n  bb: 2\r\n";
        assert_eq!(line_range(text, 2, 3), 8..13);
        assert_eq!(&text[line_range(text, 2, 3)], "bb: 2");
        assert_eq!(line_range(text, 9, 1), text.len()..text.len());
    }
}
