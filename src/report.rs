//! Printing flags: like compiler diagnostics for people (`human`), one JSON
//! object per line (`json`), or SARIF 2.1.0 for code-scanning tools (`sarif`).

use crate::diagnostics::{Code, Flag, Level, Sources};
use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::BufferedStandardStream, termcolor::ColorChoice};
use serde_json::json;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};

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

/// Prints `flags` in `format`. Human output goes to stderr, in colour only
/// when stderr is a terminal; machine formats go to stdout.
pub fn print(flags: &[Flag], sources: &Sources, format: Format) -> std::io::Result<()> {
    match format {
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
                writeln!(stream, "{}", summary(flags))?;
            }
            stream.flush()
        }
        Format::Json => {
            let mut out = std::io::stdout().lock();
            for flag in flags {
                serde_json::to_writer(&mut out, flag)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Sarif => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &sarif(flags))?;
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

/// "2 errors, 3 warnings (self-approval ×1, ...)".
pub fn summary(flags: &[Flag]) -> String {
    let errors = flags.iter().filter(|f| f.level == Level::Deny).count();
    let warnings = flags.len() - errors;
    let mut counts: Vec<(Code, usize)> = Vec::new();
    for flag in flags {
        match counts.iter_mut().find(|(code, _)| *code == flag.code) {
            Some((_, count)) => *count += 1,
            None => counts.push((flag.code, 1)),
        }
    }
    counts.sort();
    let detail: Vec<String> = counts
        .iter()
        .map(|(code, n)| format!("{code} ×{n}"))
        .collect();
    format!(
        "{errors} error(s), {warnings} warning(s): {}",
        detail.join(", ")
    )
}

/// A SARIF 2.1.0 log with one rule per flag code and one result per flag.
/// Columns count characters, as in the human and JSON output.
pub fn sarif(flags: &[Flag]) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = Code::ALL
        .iter()
        .map(|code| {
            json!({
                "id": code.as_str(),
                "name": code.as_str(),
                "shortDescription": { "text": code.description() },
                "fullDescription": { "text": code.description() },
                "defaultConfiguration": { "level": sarif_level(code.default_level()) },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = flags
        .iter()
        .map(|flag| {
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
                        "artifactLocation": { "uri": flag.file, "uriBaseId": "PORTALROOT" },
                        "region": { "startLine": flag.line, "startColumn": flag.column },
                    }
                }],
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
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
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
