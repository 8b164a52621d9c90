//! Finds where each front-matter key sits, so that flags raised after parsing
//! can point at the offending line. A light line scanner, independent of the
//! YAML library: it follows block mappings and block sequences to any depth
//! by indentation, which is how records are written; keys inside flow
//! collections (`{ by: ... }`) are not located and fall back to their parent.

use crate::model::portal::{FieldPositions, Position};
use std::collections::HashMap;

/// Scans `yaml`, whose first line is file line `first_line`.
pub fn scan(yaml: &str, first_line: usize) -> FieldPositions {
    let mut positions = FieldPositions::default();
    positions.start = Position {
        line: first_line.saturating_sub(1).max(1),
        column: 1,
    };
    let mut scanner = Scanner::default();
    for (index, line) in super::body::lines(yaml).enumerate() {
        scanner.line(line.text, first_line + index, &mut positions);
    }
    positions
}

/// An open node: a key or a sequence item whose children are indented deeper.
struct Frame {
    /// Column (0-based) of the key or of the item's dash.
    indent: usize,
    /// Path of the node, e.g. `approvals[1]` or `post_incident.follow_ups`.
    path: String,
    /// Whether the node is a sequence item.
    is_item: bool,
}

/// The scanner's state between lines.
#[derive(Default)]
struct Scanner {
    /// Open nodes, outermost first.
    stack: Vec<Frame>,
    /// Items seen so far per sequence path.
    item_counts: HashMap<String, usize>,
    /// Inside a `|` or `>` block scalar opened at this indentation.
    block_scalar: Option<usize>,
}

impl Scanner {
    /// Records the key or item that starts on `raw`, if any.
    fn line(&mut self, raw: &str, line: usize, positions: &mut FieldPositions) {
        let content = raw.trim_end();
        let trimmed = content.trim_start();
        let indent = content.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') || self.in_block_scalar(indent) {
            return;
        }
        let (dash, rest) = match strip_dash(trimmed) {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        self.close_nodes(indent, dash);
        let mut parent = self.current_path();
        let mut column = indent;
        if dash {
            parent = self.open_item(parent, indent, line, positions);
            column = content.len() - rest.len();
            if rest.starts_with('|') || rest.starts_with('>') {
                self.block_scalar = Some(indent);
            }
        }
        if let Some(key) = key_of(rest) {
            let path = join(&parent, key);
            positions.insert(path.clone(), position(line, column));
            self.stack.push(Frame {
                indent: column,
                path,
                is_item: false,
            });
            if opens_block_scalar(rest) {
                self.block_scalar = Some(column);
            }
        }
    }

    /// Whether the line at `indent` is text of an open block scalar.
    fn in_block_scalar(&mut self, indent: usize) -> bool {
        match self.block_scalar {
            Some(scalar_indent) if indent > scalar_indent => true,
            _ => {
                self.block_scalar = None;
                false
            }
        }
    }

    /// Closes the nodes that a line at `indent` is not inside. A sequence may
    /// sit at the same indentation as its key (`key:` then `- item`).
    fn close_nodes(&mut self, indent: usize, dash: bool) {
        while let Some(top) = self.stack.last() {
            let item_under_key = dash && !top.is_item && top.indent == indent;
            if top.indent < indent || item_under_key {
                break;
            }
            self.stack.pop();
        }
    }

    /// The path of the innermost open node (empty at the top level).
    fn current_path(&self) -> String {
        self.stack
            .last()
            .map(|frame| frame.path.clone())
            .unwrap_or_default()
    }

    /// Opens the next item of the sequence at `parent` and returns its path.
    fn open_item(
        &mut self,
        parent: String,
        indent: usize,
        line: usize,
        positions: &mut FieldPositions,
    ) -> String {
        let count = self.item_counts.entry(parent.clone()).or_insert(0);
        let path = format!("{parent}[{count}]");
        *count += 1;
        positions.insert(path.clone(), position(line, indent));
        self.stack.push(Frame {
            indent,
            path: path.clone(),
            is_item: true,
        });
        path
    }
}

/// The text after a sequence dash (`- x` or a lone `-`), if the line is an item.
fn strip_dash(trimmed: &str) -> Option<&str> {
    let rest = trimmed.strip_prefix('-')?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then(|| rest.trim_start())
}

/// `parent.key`, or `key` at the top level.
fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// After `key: |` or `key: >`, lines indented deeper are scalar text.
fn opens_block_scalar(text: &str) -> bool {
    let value = text.split_once(':').map(|(_, v)| v.trim()).unwrap_or("");
    value.starts_with('|') || value.starts_with('>')
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
    fn lists_nested_in_mappings_do_not_capture_later_keys() {
        let yaml = "post_incident:\n  follow_ups:\n    - CHG-1\n    - https://x.example/a\n  policy_review: needed\ntiers:\n- enterprise\n- standard\nsystems: [api]\n";
        let positions = scan(yaml, 2);
        assert_eq!(positions.of("post_incident.follow_ups[1]").line, 5);
        assert_eq!(positions.of("post_incident.follow_ups[1]").column, 5);
        assert_eq!(positions.of("post_incident.policy_review").line, 6);
        assert_eq!(positions.of("post_incident.policy_review").column, 3);
        assert_eq!(positions.of("tiers[1]").line, 9);
        assert_eq!(positions.of("systems[0]").line, 10, "flow list: the key");
    }

    #[test]
    fn repeated_keys_keep_the_first_position() {
        let positions = scan("id: a\ntitle: x\ntitle: y\n", 2);
        assert_eq!(positions.of("title").line, 3);
    }

    #[test]
    fn unknown_paths_fall_back_to_opening_fence() {
        let positions = scan(YAML, 2);
        assert_eq!(positions.of("nothing").line, 1);
    }
}
