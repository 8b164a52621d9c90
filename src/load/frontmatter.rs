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

/// Splits `text` (BOM already stripped) into front matter and body. Fences
/// may carry trailing whitespace and CRLF line endings; the closing fence may
/// also be `...`.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let mut lines = LineOffsets::new(text);
    let (_, first) = lines.next().ok_or(SplitError::Missing)?;
    if first.trim_end() != "---" {
        return Err(SplitError::Missing);
    }
    let yaml_start = first.len();
    let mut line_number = 1;
    for (offset, line) in lines {
        line_number += 1;
        let fence = line.trim_end();
        if fence == "---" || fence == "..." {
            let body_start = offset + line.len();
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_first_line: 2,
                body: &text[body_start..],
                body_first_line: line_number + 1,
            });
        }
    }
    Err(SplitError::Unterminated)
}

/// Iterates the lines of a text with their byte offsets, line endings kept.
struct LineOffsets<'a> {
    text: &'a str,
    offset: usize,
}

impl<'a> LineOffsets<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, offset: 0 }
    }
}

impl<'a> Iterator for LineOffsets<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.offset >= self.text.len() {
            return None;
        }
        let rest = &self.text[self.offset..];
        let length = rest.find('\n').map_or(rest.len(), |index| index + 1);
        let start = self.offset;
        self.offset += length;
        Some((start, &rest[..length]))
    }
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
