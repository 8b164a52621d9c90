//! The one place that talks to the YAML library.
//!
//! `serde_yaml` is deprecated upstream; every YAML parse in changeportal goes
//! through [`from_str`], so moving to a maintained fork means editing this file
//! alone.
//!
//! Parsing is strict (SPEC section 2): a key repeated in any mapping, YAML
//! null (`null`, `~`, an empty value) where text is expected, and YAML tags
//! (`!!binary`, `!foo`) are errors at the offending node ([`strict`],
//! [`check_tags`]).

mod strict;

use serde::de::DeserializeOwned;

/// A YAML parse or shape error with a 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// What went wrong. The library's own position of the problem is removed
    /// (the caller reports `line`/`column`); other positions it mentions,
    /// such as where an unclosed quote started, are given as file lines.
    pub message: String,
    /// 1-based line (inside the parsed text for [`from_str`], inside the file
    /// for [`from_str_at`]).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Parses `text` into `T`, reporting the position of the first problem.
///
/// Alias expansion and nesting depth are bounded by the library (billion-laughs
/// documents and deeply nested input fail with an error rather than exhausting
/// memory or the stack).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    from_str_at(text, 1)
}

/// Parses `text`, which starts at line `first_line` of its file (front
/// matter starts at line 2), into `T`; every position in the error is a
/// position in the file.
pub fn from_str_at<T: DeserializeOwned>(text: &str, first_line: usize) -> Result<T, YamlError> {
    check_flow_depth(text, first_line)?;
    check_tags(text, first_line)?;
    let state = strict::State::default();
    let value = T::deserialize(strict::Strict::new(
        serde_yaml::Deserializer::from_str(text),
        &state,
    ))
    .map_err(|error| library_error(&error, first_line))?;
    if state.lossy() {
        // A number or boolean was read as text: read the text again as
        // written (the strict pass has already accepted its shape).
        return serde_yaml::from_str(text).map_err(|error| library_error(&error, first_line));
    }
    Ok(value)
}

/// The library's `error` as a [`YamlError`] positioned in the file.
fn library_error(error: &serde_yaml::Error, first_line: usize) -> YamlError {
    let location = error
        .location()
        .map(|location| (location.line().max(1), location.column().max(1)));
    describe(&error.to_string(), location, first_line)
}

/// Refuses YAML tags (`!foo`, `!!binary`, `!<tag:...>`) on any node of
/// `text`: the library ignores most of them where text is expected, so a
/// value would silently lose the meaning its writer gave it. Only text
/// holding a `!` is scanned, as tags cannot be written without one. The
/// error points at the tag as written.
fn check_tags(text: &str, first_line: usize) -> Result<(), YamlError> {
    if !text.contains('!') {
        return Ok(());
    }
    let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
    // A scanner error ends the scan: the strict parse that follows reports
    // the syntax error with the library's own position.
    while let Ok((event, mark)) = parser.next_token() {
        let tagged = match event {
            yaml_rust2::Event::StreamEnd => break,
            yaml_rust2::Event::Scalar(_, _, _, tag)
            | yaml_rust2::Event::SequenceStart(_, tag)
            | yaml_rust2::Event::MappingStart(_, tag) => tag.is_some(),
            _ => false,
        };
        if tagged {
            let node = text
                .char_indices()
                .nth(mark.index())
                .map_or(text.len(), |(offset, _)| offset);
            return Err(tag_error(text, node, first_line));
        }
    }
    Ok(())
}

/// The error for a tag written before the node at byte `node` of `text`:
/// the tag is the last word holding a `!` before the node.
fn tag_error(text: &str, node: usize, first_line: usize) -> YamlError {
    let before = &text[..node];
    let bang = before.rfind('!').unwrap_or(node);
    let start = before[..bang]
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace() || matches!(c, '[' | '{' | ','))
        .map_or(0, |(index, c)| index + c.len_utf8());
    let rest = &text[start..];
    let tag = match rest
        .strip_prefix("!<")
        .and_then(|verbatim| verbatim.find('>'))
    {
        Some(end) => &rest[..end + 3],
        None => rest
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ']' | '}'))
            .next()
            .unwrap_or(rest),
    };
    let line_start = text[..start].rfind('\n').map_or(0, |index| index + 1);
    YamlError {
        message: format!("YAML tag `{tag}` is not allowed"),
        line: first_line + text[..start].matches('\n').count(),
        column: text[line_start..start].chars().count() + 1,
    }
}

/// Flow nesting (`[` and `{`) deeper than this is refused before parsing:
/// the YAML scanner's time grows with the square of the depth (100,000 levels
/// took a minute in a debug build, 25,000 take a few seconds), and a 32 MB
/// record of brackets would take days. Shallower nesting is left to the
/// library, which refuses more than 128 levels with a precise message.
const MAX_FLOW_DEPTH: usize = 25_000;

/// Refuses text whose brackets nest deeper than [`MAX_FLOW_DEPTH`]. Brackets
/// inside quoted strings count too: no real record comes near the limit.
fn check_flow_depth(text: &str, first_line: usize) -> Result<(), YamlError> {
    let openings = memchr::memchr2_iter(b'[', b'{', text.as_bytes()).count();
    if openings <= MAX_FLOW_DEPTH {
        // Depth never exceeds the number of opening brackets.
        return Ok(());
    }
    let mut depth = 0usize;
    for (index, line) in text.lines().enumerate() {
        for (column, c) in line.chars().enumerate() {
            match c {
                '[' | '{' => depth += 1,
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => continue,
            }
            if depth > MAX_FLOW_DEPTH {
                return Err(YamlError {
                    message: format!(
                        "recursion limit exceeded: brackets nest deeper than {MAX_FLOW_DEPTH} levels"
                    ),
                    line: first_line + index,
                    column: column + 1,
                });
            }
        }
    }
    Ok(())
}

/// A 1-based (line, column) mark in the parsed text.
type Mark = (usize, usize);

/// Builds the error from the library's message and problem location. When
/// the text ended inside something unclosed (a quote, a bracket), the
/// position is where that thing started, since that is what needs fixing.
fn describe(message: &str, location: Option<Mark>, first_line: usize) -> YamlError {
    let marks = marks_in(message);
    let context = marks.iter().copied().find(|mark| Some(*mark) != location);
    let ended_early = message.contains("end of stream");
    let (line, column) = match (ended_early, context) {
        (true, Some(context)) => context,
        _ => location.unwrap_or((1, 1)),
    };
    YamlError {
        message: rewrite_marks(message, Some((line, column)), first_line - 1),
        line: line + first_line - 1,
        column,
    }
}

/// Every " at line L column C" mark in `message`, in order.
fn marks_in(message: &str) -> Vec<Mark> {
    let mut marks = Vec::new();
    let mut rest = message;
    while let Some(index) = rest.find(" at ") {
        rest = &rest[index + " at ".len()..];
        if let Some((Some(mark), _)) = parse_mark(rest) {
            marks.push(mark);
        }
    }
    marks
}

/// Drops the marks equal to `problem` (the reported position) (and byte-offset marks), and moves the
/// others down by `line_offset` lines so that they count file lines.
fn rewrite_marks(message: &str, problem: Option<Mark>, line_offset: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(index) = rest.find(" at ") {
        out.push_str(&rest[..index]);
        let after = &rest[index + " at ".len()..];
        match parse_mark(after) {
            Some((mark, length)) => {
                if let Some((line, column)) = mark.filter(|mark| Some(*mark) != problem) {
                    out.push_str(&format!(" at line {} column {column}", line + line_offset));
                }
                rest = &after[length..];
            }
            None => {
                out.push_str(" at ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A leading `line L column C` (a mark) or `position N` (a byte offset,
/// returned as `None`) of `text`, with its length.
fn parse_mark(text: &str) -> Option<(Option<Mark>, usize)> {
    if let Some(rest) = text.strip_prefix("line ") {
        let (line, rest) = leading_number(rest)?;
        let (column, rest) = leading_number(rest.strip_prefix(" column ")?)?;
        return Some((Some((line, column)), text.len() - rest.len()));
    }
    let (_, rest) = leading_number(text.strip_prefix("position ")?)?;
    Some((None, text.len() - rest.len()))
}

/// The decimal number at the start of `text`, and what follows it.
fn leading_number(text: &str) -> Option<(usize, &str)> {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let number = text[..digits].parse().ok()?;
    Some((number, &text[digits..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn reports_position_of_syntax_error() {
        let error = from_str::<BTreeMap<String, String>>("a: b\nc: [unclosed\n").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(!error.message.contains(" at line "));
    }

    #[test]
    fn drops_the_problem_mark_and_shifts_the_others() {
        let message = "found a tab character that violates indentation at line 2 column 1, while scanning a plain scalar at line 1 column 5";
        assert_eq!(
            rewrite_marks(message, Some((2, 1)), 1),
            "found a tab character that violates indentation, while scanning a plain scalar at line 2 column 5"
        );
        assert_eq!(rewrite_marks("x at position 12", None, 0), "x");
        assert_eq!(
            rewrite_marks("look at line breaks", None, 0),
            "look at line breaks"
        );
    }

    #[test]
    fn unclosed_quote_points_where_it_opened() {
        let error =
            from_str_at::<BTreeMap<String, String>>("id: a\ntitle: \"open\nx: y\n", 2).unwrap_err();
        assert_eq!((error.line, error.column), (3, 8), "{error:?}");
        assert!(error.message.contains("end of stream"), "{error:?}");
    }

    #[test]
    fn flow_depth_counts_nesting_not_brackets() {
        let deep = format!("a: {}", "[".repeat(MAX_FLOW_DEPTH + 1));
        let error = check_flow_depth(&deep, 2).unwrap_err();
        assert_eq!((error.line, error.column), (2, MAX_FLOW_DEPTH + 4));
        let shallow_but_many = "[]".repeat(MAX_FLOW_DEPTH + 1);
        assert!(check_flow_depth(&shallow_but_many, 2).is_ok());
        let at_limit = "{".repeat(MAX_FLOW_DEPTH);
        assert!(check_flow_depth(&at_limit, 2).is_ok());
    }

    #[test]
    fn repeated_keys_are_found_in_long_mappings_too() {
        let keys: Vec<String> = (0..40).map(|n| format!("k{n}: v")).collect();
        let distinct = keys.join("\n");
        let parsed = from_str::<BTreeMap<String, String>>(&distinct).unwrap();
        assert_eq!(parsed.len(), 40);
        // A repeat of a key kept in the short list, then of one kept in the
        // set past it.
        for repeated in ["k3", "k35"] {
            let text = format!("{distinct}\n{repeated}: again");
            let error = from_str::<BTreeMap<String, String>>(&text).unwrap_err();
            assert_eq!(error.message, format!("duplicate key `{repeated}`"));
            assert_eq!(error.line, 41, "{error:?}");
        }
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut doc = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let mut previous = 'a';
        for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
            let refs = vec![format!("*{previous}"); 9].join(",");
            doc.push_str(&format!("{name}: &{name} [{refs}]\n"));
            previous = name;
        }
        assert!(from_str::<serde_yaml_value::Value>(&doc).is_err());
    }

    /// Lets the test name a generic value type without importing the library
    /// outside this module.
    mod serde_yaml_value {
        pub type Value = serde_yaml::Value;
    }
}
