//! Splitting a markdown file into YAML front matter and body.

/// A file split at its `---` fences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the fences.
    pub yaml: &'a str,
    /// 1-based file line of the first YAML line.
    pub yaml_first_line: usize,
    /// Everything after the closing fence.
    pub body: &'a str,
    /// 1-based file line of the first body line.
    pub body_first_line: usize,
}

/// Why a file has no usable front matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with a `---` line.
    Missing,
    /// The opening `---` has no closing `---`.
    Unterminated,
}

impl SplitError {
    /// A sentence for the diagnostic.
    pub fn message(self) -> &'static str {
        match self {
            SplitError::Missing => "no front matter: a change record must start with a `---` line",
            SplitError::Unterminated => {
                "front matter is not closed: add a `---` line after the last field"
            }
        }
    }
}

/// Strips a leading UTF-8 byte order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Splits `text` (BOM already stripped) into front matter and body. Lines
/// end at LF, CRLF or a bare CR, as in YAML and markdown; fences may carry
/// trailing whitespace; the closing fence may also be `...`.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let mut lines = super::body::lines(text);
    let first = lines.next().ok_or(SplitError::Missing)?;
    if first.text.trim_end() != "---" {
        return Err(SplitError::Missing);
    }
    let yaml_start = first.end_with_break;
    for (index, line) in lines.enumerate() {
        let fence = line.text.trim_end();
        if fence == "---" || fence == "..." {
            return Ok(Split {
                yaml: &text[yaml_start..line.start],
                yaml_first_line: 2,
                body: &text[line.end_with_break..],
                body_first_line: index + 3,
            });
        }
    }
    Err(SplitError::Unterminated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lf_and_crlf() {
        for text in ["---\nid: a\n---\nbody\n", "---\r\nid: a\r\n---\r\nbody\r\n"] {
            let split = split(text).unwrap();
            assert!(split.yaml.starts_with("id: a"));
            assert_eq!(split.yaml_first_line, 2);
            assert_eq!(split.body_first_line, 4);
            assert!(split.body.starts_with("body"));
        }
    }

    #[test]
    fn splits_bare_cr() {
        let split = split("---\rid: a\rtitle: b\r---\rbody\r").unwrap();
        assert_eq!(split.yaml, "id: a\rtitle: b\r");
        assert_eq!(split.body, "body\r");
        assert_eq!(split.body_first_line, 5);
    }

    #[test]
    fn reports_missing_and_unterminated() {
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(split("# title\n"), Err(SplitError::Missing));
        assert_eq!(split("---\nid: a\n"), Err(SplitError::Unterminated));
    }

    #[test]
    fn bom_is_stripped() {
        assert!(split(strip_bom("\u{feff}---\nid: a\n---\n")).is_ok());
    }
}
