//! Finds where each front-matter key sits, so that flags raised after parsing
//! can point at the offending line. A light line scanner, independent of the
//! YAML library: it understands block mappings and block sequences, which is
//! how records are written; anything else falls back to the parent key.

use crate::model::portal::{FieldPositions, Position};

/// Scans `yaml`, whose first line is file line `first_line`.
pub fn scan(yaml: &str, first_line: usize) -> FieldPositions {
    let mut positions = FieldPositions::default();
    positions.start = Position {
        line: first_line.saturating_sub(1).max(1),
        column: 1,
    };
    let mut scanner = Scanner::default();
    for (index, raw) in yaml.lines().enumerate() {
        scanner.line(raw, first_line + index, &mut positions);
    }
    positions
}

/// Where the scanner is inside the current top-level key.
#[derive(Default)]
struct Scanner {
    top_key: Option<String>,
    item_indent: Option<usize>,
    item_index: Option<usize>,
    nested_indent: Option<usize>,
    in_block_scalar: Option<usize>,
}

impl Scanner {
    fn line(&mut self, raw: &str, line: usize, positions: &mut FieldPositions) {
        let content = raw.trim_end();
        let indent = content.len() - content.trim_start().len();
        let trimmed = content.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return;
        }
        if let Some(scalar_indent) = self.in_block_scalar {
            if indent > scalar_indent {
                return;
            }
            self.in_block_scalar = None;
        }
        if indent == 0 {
            self.top_level(trimmed, line, positions);
            return;
        }
        let Some(top) = self.top_key.clone() else {
            return;
        };
        let (is_item, after_dash, dash_offset) = match trimmed.strip_prefix('-') {
            Some(rest) if rest.is_empty() || rest.starts_with(' ') => {
                let rest = rest.trim_start();
                (true, rest, content.len() - rest.len())
            }
            _ => (false, trimmed, indent),
        };
        if is_item && self.item_indent.is_none_or(|i| i == indent) {
            self.item_indent = Some(indent);
            let index = self.item_index.map_or(0, |i| i + 1);
            self.item_index = Some(index);
            positions.insert(format!("{top}[{index}]"), position(line, indent));
        }
        if let Some(key) = key_of(after_dash) {
            let path = match self.item_index {
                Some(index) => format!("{top}[{index}].{key}"),
                None => {
                    if *self.nested_indent.get_or_insert(dash_offset) != dash_offset {
                        self.note_block_scalar(after_dash, indent);
                        return;
                    }
                    format!("{top}.{key}")
                }
            };
            positions.insert(path, position(line, dash_offset));
        }
        self.note_block_scalar(after_dash, indent);
    }

    fn top_level(&mut self, trimmed: &str, line: usize, positions: &mut FieldPositions) {
        *self = Scanner::default();
        if let Some(key) = key_of(trimmed) {
            positions.insert(key.to_string(), position(line, 0));
            self.top_key = Some(key.to_string());
        }
        self.note_block_scalar(trimmed, 0);
    }

    /// After `key: |` or `key: >`, lines indented deeper are scalar text.
    fn note_block_scalar(&mut self, text: &str, indent: usize) {
        let value = text.split_once(':').map(|(_, v)| v.trim()).unwrap_or("");
        if value.starts_with('|') || value.starts_with('>') {
            self.in_block_scalar = Some(indent);
        }
    }
}

fn position(line: usize, offset: usize) -> Position {
    Position {
        line,
        column: offset + 1,
    }
}

/// The key of a `key: value` line, unquoted.
fn key_of(text: &str) -> Option<&str> {
    let colon = text.find(':')?;
    let after = &text[colon + 1..];
    if !(after.is_empty() || after.starts_with(' ') || after.starts_with('\t')) {
        return None;
    }
    let key = text[..colon].trim().trim_matches(['"', '\'']);
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    valid.then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "id: CHG-1\nemergency:\n  reason: x\n  declared_by: Dana\napprovals:\n  - by: A\n    role: engineering\n  - by: B\n    at: 2026-01-01\npost_incident:\n  lessons: |\n    fake: key\n  follow_ups: [CHG-9]\n";

    #[test]
    fn finds_top_level_nested_and_list_keys() {
        let positions = scan(YAML, 2);
        assert_eq!(positions.of("id").line, 2);
        assert_eq!(positions.of("emergency.declared_by").line, 5);
        assert_eq!(positions.of("emergency.declared_by").column, 3);
        assert_eq!(positions.of("approvals[0]").line, 7);
        assert_eq!(positions.of("approvals[1].at").line, 10);
        assert_eq!(positions.of("approvals[1].at").column, 5);
        assert_eq!(positions.of("post_incident.follow_ups").line, 14);
        assert_eq!(
            positions.of("post_incident.fake").line,
            11,
            "falls back to parent"
        );
    }

    #[test]
    fn unknown_paths_fall_back_to_opening_fence() {
        let positions = scan(YAML, 2);
        assert_eq!(positions.of("nothing").line, 1);
    }
}
