//! `invalid-character` (SPEC section 4): control characters other than tab
//! and line ends, and Unicode non-characters, anywhere in a record or page.
//!
//! Such characters are invisible in most editors, and most of them may not
//! appear in XML at all: one of them in a body used to make every feed that
//! carried the record unreadable. The loader therefore both flags them and
//! keeps them out of the model, in one place, so that every output (pages,
//! feeds, exports, calendars) is safe by construction:
//! - [`scrub_source`] on the text of every record and page file, before it
//!   is parsed (position: the character's line and column);
//! - [`scrub_yaml_escapes`] on front matter whose double-quoted values write
//!   such a character as an escape (`"\u001b"`), which the raw text does not
//!   show (position: the field's key).
//!
//! Each character found is replaced by U+FFFD (the replacement character).
//! The flag is `deny` by default, so `check` and `build --strict` fail, while
//! a plain `build` still writes both sites.

use super::record::flag_at;
use crate::diagnostics::{Code, Flag};
use crate::model::config::Config;
use crate::model::portal::{FieldPositions, Position, SourceFile};
use std::borrow::Cow;

/// What replaces an invalid character everywhere.
pub const REPLACEMENT: char = '\u{fffd}';

/// At most this many flags per file; a file full of binary junk says so once.
const MAX_FLAGS_PER_FILE: usize = 50;

/// At most this many trial parses to remove escapes from one front matter.
const MAX_ESCAPE_TRIALS: usize = 64;

/// Whether `c` may not appear in a record, page or output: C0 controls but
/// tab, LF and CR; DEL and the C1 controls (U+007F to U+009F); the
/// non-characters U+FDD0 to U+FDEF and U+xFFFE, U+xFFFF of every plane.
/// (Lone surrogates cannot occur in Rust strings: the loader refuses
/// invalid UTF-8.)
pub fn is_invalid(c: char) -> bool {
    let code = u32::from(c);
    matches!(code, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F..=0x9F | 0xFDD0..=0xFDEF)
        || code & 0xFFFE == 0xFFFE
}

/// `text` with every invalid character replaced by [`REPLACEMENT`];
/// borrowed when there is none.
pub fn scrub(text: &str) -> Cow<'_, str> {
    if !surely_clean(text) && text.chars().any(is_invalid) {
        Cow::Owned(
            text.chars()
                .map(|c| if is_invalid(c) { REPLACEMENT } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// An invalid character and where it is: 1-based line (LF, CRLF and a bare
/// CR each end a line) and 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The character.
    pub character: char,
    /// Its position in the text.
    pub position: Position,
}

/// Every invalid character of `text`, in order: written as itself, or as
/// an HTML numeric character reference (`&#x10;`, `&#16;`), which markdown
/// decodes (the position is then the `&`). Renderers replace what such a
/// reference decodes to (see [`scrub`]), so it never reaches an output.
pub fn find(text: &str) -> Vec<Found> {
    if surely_clean(text) {
        return Vec::new();
    }
    find_each(text)
}

/// Whether a scan of the bytes of `text` proves it holds no invalid
/// character, written as itself or as a numeric reference: no C0 control but
/// tab and line ends, no DEL, no `&#`, and no lead byte of a sequence that
/// can encode an invalid character (`0xC2`: U+0080 to U+00BF, which holds
/// the C1 controls; `0xEF`: U+F000 to U+FFFF, which holds U+FDD0 to U+FDEF,
/// U+FFFE and U+FFFF; `0xF0` to `0xF4`: the planes above the first, each
/// ending in two non-characters). Most text, ASCII or not, passes; text that
/// does not is scanned character by character ([`find_each`]).
fn surely_clean(text: &str) -> bool {
    // Chunks folded without branches, which the compiler vectorizes.
    let suspect = |byte: u8| {
        (byte < 0x20 && byte != b'\t' && byte != b'\n' && byte != b'\r')
            | (byte == 0x7F)
            | (byte == 0xC2)
            | (byte == 0xEF)
            | (byte.wrapping_sub(0xF0) < 5)
    };
    !text
        .as_bytes()
        .chunks(64)
        .any(|chunk| chunk.iter().fold(false, |any, byte| any | suspect(*byte)))
        && !text.contains("&#")
}

/// [`find`] character by character.
fn find_each(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let (mut line, mut column) = (1, 1);
    let mut after_cr = false;
    for (offset, c) in text.char_indices() {
        if c == '\n' && after_cr {
            after_cr = false;
            continue;
        }
        after_cr = c == '\r';
        if c == '\n' || c == '\r' {
            (line, column) = (line + 1, 1);
            continue;
        }
        let character = match c {
            '&' => numeric_reference(&text[offset..]).filter(|c| is_invalid(*c)),
            c => Some(c).filter(|c| is_invalid(*c)),
        };
        if let Some(character) = character {
            found.push(Found {
                character,
                position: Position { line, column },
            });
        }
        column += 1;
    }
    found
}

/// The character a numeric character reference at the start of `text`
/// (`&#16;`, `&#x10;`) stands for; `None` when `text` starts with none.
fn numeric_reference(text: &str) -> Option<char> {
    let rest = text.strip_prefix("&#")?;
    let (digits, radix) = match rest.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (rest, 10),
    };
    let end = digits.find(';')?;
    let number = u32::from_str_radix(&digits[..end], radix).ok()?;
    (end > 0 && end <= 8).then_some(())?;
    char::from_u32(number)
}

/// Flags every invalid character of `source` (a record or page file as
/// read) at its line and column, and replaces it in `source.text`.
pub fn scrub_source(source: &mut SourceFile, config: &Config) -> Vec<Flag> {
    let (scrubbed, flags) = scrub_text(&source.text, &source.path, config);
    if let Cow::Owned(text) = scrubbed {
        source.text = text;
    }
    flags
}

/// [`scrub_source`] for the `text` of the file `path` (relative to the
/// portal root): the text with every invalid character replaced (borrowed
/// when there is none), and the flags.
pub fn scrub_text<'t>(text: &'t str, path: &str, config: &Config) -> (Cow<'t, str>, Vec<Flag>) {
    let found = find(text);
    if found.is_empty() {
        return (Cow::Borrowed(text), Vec::new());
    }
    let scrubbed = Cow::Owned(scrub(text).into_owned());
    let total = found.len();
    let flags = found
        .iter()
        .take(MAX_FLAGS_PER_FILE)
        .enumerate()
        .map(|(index, found)| {
            let more = if index + 1 == MAX_FLAGS_PER_FILE && total > MAX_FLAGS_PER_FILE {
                format!(" (and {} more in this file)", total - MAX_FLAGS_PER_FILE)
            } else {
                String::new()
            };
            flag(
                config,
                path,
                found.position,
                format!(
                    "{} in the text{more}; it is invisible in most editors and would make feeds invalid XML, so outputs show U+FFFD instead",
                    describe(found.character)
                ),
            )
        })
        .collect();
    (scrubbed, flags)
}

/// `invalid-character` at `position` of `file`, at the configured level.
fn flag(config: &Config, file: &str, position: Position, message: String) -> Flag {
    flag_at(
        config,
        Code::InvalidCharacter,
        file,
        position,
        message,
        Some("delete the character, or write the one you meant".to_string()),
        None,
    )
}

/// `control character U+001B` or `Unicode non-character U+FFFE`.
pub fn describe(c: char) -> String {
    let kind = if c.is_control() {
        "control character"
    } else {
        "Unicode non-character"
    };
    format!("{kind} U+{:04X}", u32::from(c))
}

/// Front matter without invalid characters written as escapes, and the
/// fields that had them.
#[derive(Debug)]
pub struct ScrubbedYaml<'a> {
    /// The front matter to parse: `yaml` itself, or a copy in which each
    /// escape that decodes to an invalid character is `\uFFFD`.
    pub text: Cow<'a, str>,
    /// The key path (`approvals[0].by`) of each string value that decoded
    /// to invalid characters, with the first of them.
    pub fields: Vec<(String, char)>,
}

impl ScrubbedYaml<'_> {
    /// One flag per field, at the field's key in `positions`.
    pub fn flags(&self, config: &Config, file: &str, positions: &FieldPositions) -> Vec<Flag> {
        self.fields
            .iter()
            .map(|(path, c)| {
                flag(
                    config,
                    file,
                    positions.of(path),
                    format!(
                        "the value of `{path}` holds {} (written as an escape); outputs show U+FFFD instead",
                        describe(*c)
                    ),
                )
            })
            .collect()
    }
}

/// Finds the string values of `yaml` (front matter starting at file line
/// `first_line`) that decode to invalid characters through escapes such as
/// `\u001b`, `\x07`, `\e` or `\0` in double-quoted scalars, and rewrites
/// those escapes as `\uFFFD`. A rewrite is kept only when it changes nothing
/// but such a character (the same text in a plain or single-quoted scalar is
/// literal and stays as written). Text that does not parse is left to the
/// caller's parse, which reports it.
pub fn scrub_yaml_escapes(yaml: &str, first_line: usize) -> ScrubbedYaml<'_> {
    let unchanged = |fields| ScrubbedYaml {
        text: Cow::Borrowed(yaml),
        fields,
    };
    let candidates = invalid_escapes(yaml);
    if candidates.is_empty() {
        return unchanged(Vec::new());
    }
    let Some(value) = parse_value(yaml, first_line) else {
        return unchanged(Vec::new());
    };
    let mut fields = Vec::new();
    invalid_strings(&value, String::new(), &mut fields);
    if fields.is_empty() {
        return unchanged(fields);
    }
    let all = rewrite(yaml, &candidates);
    let text = if accepts(&value, &all, first_line) {
        all
    } else {
        rewrite_one_by_one(yaml, value, &candidates, first_line)
    };
    ScrubbedYaml {
        text: Cow::Owned(text),
        fields,
    }
}

/// Rewrites the candidates one at a time, keeping each rewrite that only
/// removes an invalid character.
fn rewrite_one_by_one(
    yaml: &str,
    mut value: serde_json::Value,
    candidates: &[Escape],
    first_line: usize,
) -> String {
    let mut text = yaml.to_string();
    // From the end, so that earlier byte ranges stay valid.
    for escape in candidates.iter().rev().take(MAX_ESCAPE_TRIALS) {
        let trial = rewrite(&text, std::slice::from_ref(escape));
        if let Some(next) = parse_value(&trial, first_line).filter(|next| {
            scrubbed(next) == scrubbed(&value) && invalid_count(next) < invalid_count(&value)
        }) {
            (text, value) = (trial, next);
        }
    }
    text
}

/// Whether `text` parses to `value` with every invalid character replaced.
fn accepts(value: &serde_json::Value, text: &str, first_line: usize) -> bool {
    parse_value(text, first_line)
        .is_some_and(|next| invalid_count(&next) == 0 && next == scrubbed(value))
}

fn parse_value(yaml: &str, first_line: usize) -> Option<serde_json::Value> {
    crate::yaml::from_str_at::<serde_json::Value>(yaml, first_line).ok()
}

/// A backslash escape in the text that would decode to an invalid character.
#[derive(Debug, Clone, Copy)]
struct Escape {
    /// Byte range of the escape.
    start: usize,
    end: usize,
}

/// The escapes of `yaml` that decode to invalid characters, in order.
fn invalid_escapes(yaml: &str) -> Vec<Escape> {
    let bytes = yaml.as_bytes();
    let mut escapes = Vec::new();
    let mut index = 0;
    while index + 1 < bytes.len() {
        let Some(offset) = memchr::memchr(b'\\', &bytes[index..bytes.len() - 1]) else {
            break;
        };
        index += offset;
        let (decoded, length) = decode_escape(&yaml[index + 1..]);
        if decoded.is_some_and(is_invalid) {
            escapes.push(Escape {
                start: index,
                end: index + 1 + length,
            });
        }
        index += 1 + length.max(1);
    }
    escapes
}

/// The character a YAML escape (the text after its backslash) stands for,
/// if it is one that can stand for an invalid character, and its length in
/// bytes after the backslash.
fn decode_escape(rest: &str) -> (Option<char>, usize) {
    let hex = |digits: usize| {
        rest.get(1..=digits)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
            .map_or((None, 1), |c| (Some(c), 1 + digits))
    };
    match rest.as_bytes().first() {
        Some(b'0') => (Some('\0'), 1),
        Some(b'a') => (Some('\u{7}'), 1),
        Some(b'b') => (Some('\u{8}'), 1),
        Some(b'e') => (Some('\u{1b}'), 1),
        Some(b'v') => (Some('\u{b}'), 1),
        Some(b'f') => (Some('\u{c}'), 1),
        Some(b'N') => (Some('\u{85}'), 1),
        Some(b'x') => hex(2),
        Some(b'u') => hex(4),
        Some(b'U') => hex(8),
        Some(_) => (None, rest.chars().next().map_or(1, char::len_utf8)),
        None => (None, 0),
    }
}

/// `text` with each escape replaced by `\uFFFD`; `escapes` in text order.
fn rewrite(text: &str, escapes: &[Escape]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for escape in escapes {
        out.push_str(&text[copied..escape.start]);
        out.push_str("\\uFFFD");
        copied = escape.end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Adds the path and first invalid character of every string (value or key)
/// under `value` that has one.
fn invalid_strings(value: &serde_json::Value, path: String, out: &mut Vec<(String, char)>) {
    match value {
        serde_json::Value::String(text) => {
            if let Some(c) = text.chars().find(|c| is_invalid(*c)) {
                out.push((path, c));
            }
        }
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                invalid_strings(item, format!("{path}[{index}]"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if let Some(c) = key.chars().find(|c| is_invalid(*c)) {
                    out.push((child.clone(), c));
                }
                invalid_strings(item, child, out);
            }
        }
        _ => {}
    }
}

/// The number of invalid characters in the strings under `value`.
fn invalid_count(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::String(text) => text.chars().filter(|c| is_invalid(*c)).count(),
        serde_json::Value::Array(items) => items.iter().map(invalid_count).sum(),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(key, item)| key.chars().filter(|c| is_invalid(*c)).count() + invalid_count(item))
            .sum(),
        _ => 0,
    }
}

/// `value` with every invalid character of its strings replaced.
fn scrubbed(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::String(text) => serde_json::Value::String(scrub(text).into_owned()),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(scrubbed).collect())
        }
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(key, item)| (scrub(key).into_owned(), scrubbed(item)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invalid_classes_and_their_neighbours() {
        for c in [
            '\0',
            '\u{8}',
            '\u{b}',
            '\u{c}',
            '\u{e}',
            '\u{1b}',
            '\u{1f}',
            '\u{7f}',
            '\u{85}',
            '\u{9f}',
            '\u{fdd0}',
            '\u{fdef}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
            '\u{10ffff}',
        ] {
            assert!(is_invalid(c), "{:04X}", u32::from(c));
        }
        for c in [
            '\t',
            '\n',
            '\r',
            ' ',
            '~',
            '\u{a0}',
            '\u{fdcf}',
            '\u{fdf0}',
            '\u{fffd}',
            '\u{feff}',
            '\u{200b}',
            '\u{1f600}',
            '\u{10fffd}',
        ] {
            assert!(!is_invalid(c), "{:04X}", u32::from(c));
        }
    }

    #[test]
    fn the_byte_scan_never_passes_what_the_character_scan_finds() {
        let table = [
            "plain ASCII text, tabs\tand\r\nline ends\rall kinds\n",
            "caf\u{e9} Zoe\u{308} \u{2014} \u{4e2d}\u{6587} \u{1f600}",
            "zero\u{200b}width \u{feff} bidi \u{202e}x\u{202c} \u{2066}y\u{2069}",
            "bell\u{7} esc\u{1b} del\u{7f} nul\0 vt\u{b} ff\u{c}",
            "c1 \u{80} \u{85} \u{9f} but \u{a0} \u{bf} are fine",
            "non-characters \u{fdd0} \u{fdef} \u{fffe} \u{ffff} \u{1fffe} \u{10ffff}",
            "near them \u{fdcf} \u{fdf0} \u{fffd} \u{10fffd}",
            "references &#x1b; &#16; &#X7F; &#65; &amp; & # &#",
            "",
        ];
        for text in table {
            assert_eq!(find(text), find_each(text), "{text:?}");
        }
        assert!(surely_clean(table[0]));
        assert!(surely_clean(
            "caf\u{e9} Zoe\u{308} \u{2014} \u{4e2d}\u{6587} \u{200b}"
        ));
        for code in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let text = format!("a{code}b");
            if surely_clean(&text) {
                assert!(find_each(&text).is_empty(), "U+{:04X}", u32::from(code));
            }
            assert_eq!(
                scrub(&text).contains(REPLACEMENT),
                is_invalid(code) || code == REPLACEMENT
            );
        }
    }

    #[test]
    fn positions_count_characters_and_every_line_end() {
        let text = "a\r\nb\rcé\u{10}\nx\u{7f}";
        let found = find(text);
        let positions: Vec<(usize, usize)> = found
            .iter()
            .map(|f| (f.position.line, f.position.column))
            .collect();
        assert_eq!(positions, vec![(3, 3), (4, 2)]);
        assert_eq!(scrub(text), "a\r\nb\rcé\u{fffd}\nx\u{fffd}");
    }

    #[test]
    fn escapes_in_double_quotes_are_rewritten_literal_ones_are_not() {
        let yaml = "title: \"a\\u001bb\\x07\"\nsummary: plain \\u001b text\nauthor: 'single \\e'\nlinks: [\"\\e\"]\n";
        let scrubbed = scrub_yaml_escapes(yaml, 2);
        let paths: Vec<&str> = scrubbed.fields.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, vec!["links[0]", "title"]);
        let value = parse_value(&scrubbed.text, 2).unwrap();
        assert_eq!(value["title"], "a\u{fffd}b\u{fffd}");
        assert_eq!(value["summary"], "plain \\u001b text");
        assert_eq!(value["author"], "single \\e");
        assert_eq!(value["links"][0], "\u{fffd}");
    }

    #[test]
    fn escapes_are_found_at_both_ends_and_side_by_side() {
        let spans = |yaml: &str| -> Vec<(usize, usize)> {
            invalid_escapes(yaml)
                .iter()
                .map(|e| (e.start, e.end))
                .collect()
        };
        assert_eq!(spans("\\e\\x07"), vec![(0, 2), (2, 6)]);
        assert_eq!(spans("a\\\\e\\"), vec![]);
        assert_eq!(spans("\\"), vec![]);
        assert_eq!(spans("caf\u{e9} \\u001B"), vec![(6, 12)]);
    }

    #[test]
    fn clean_front_matter_is_borrowed() {
        let yaml = "title: \"tab\\t and \\\\u001b\"\n";
        let scrubbed = scrub_yaml_escapes(yaml, 2);
        assert!(matches!(scrubbed.text, Cow::Borrowed(_)));
        assert!(scrubbed.fields.is_empty());
    }
}
