//! The internal-marker split of a record body (SPEC section 2).

/// The exact marker line.
pub const INTERNAL_MARKER: &str = "<!-- internal -->";

/// A body split into its customer-facing and internal parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodySplit {
    /// Markdown above the marker (empty for internal records).
    pub public: String,
    /// Markdown below the marker (the whole body for internal records).
    pub internal: String,
    /// 1-based file lines of marker look-alikes that are not exactly the marker.
    pub malformed_marker_lines: Vec<usize>,
}

/// Splits `body` whose first line is file line `first_line`. The first line
/// that is the marker, or looks like it, ends the public part: a malformed
/// marker still hides what follows, so nothing below it is published.
pub fn split_body(body: &str, first_line: usize, is_public: bool) -> BodySplit {
    let mut split_at = None;
    let mut malformed = Vec::new();
    let mut offset = 0;
    for (index, line) in body.split_inclusive('\n').enumerate() {
        let content = line.trim_end_matches(['\n', '\r']);
        let kind = marker_kind(content);
        if kind != MarkerKind::None && split_at.is_none() {
            split_at = Some((offset, offset + line.len()));
        }
        if kind == MarkerKind::Malformed {
            malformed.push(first_line + index);
        }
        offset += line.len();
    }
    let (public, internal) = match split_at {
        Some((start, end)) => (&body[..start], &body[end..]),
        None => (body, ""),
    };
    if is_public {
        BodySplit {
            public: public.to_string(),
            internal: internal.to_string(),
            malformed_marker_lines: malformed,
        }
    } else {
        BodySplit {
            public: String::new(),
            internal: body.to_string(),
            malformed_marker_lines: malformed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MarkerKind {
    None,
    Exact,
    Malformed,
}

/// Exact marker, a look-alike (any spacing or case, e.g. `<!--internal-->`,
/// `<!-- Internal -->`, indented), or neither.
fn marker_kind(line: &str) -> MarkerKind {
    if line == INTERNAL_MARKER {
        return MarkerKind::Exact;
    }
    if !line.contains("<!--") {
        return MarkerKind::None;
    }
    let squeezed: String = line
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let looks_alike = squeezed == "<!--internal-->"
        || squeezed == "<!--internal->"
        || squeezed == "<!--internal:-->"
        || squeezed.starts_with("<!--internal") && squeezed.len() <= "<!--internal-->".len() + 2;
    if looks_alike {
        MarkerKind::Malformed
    } else {
        MarkerKind::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_exact_marker() {
        let split = split_body("public\n<!-- internal -->\nsecret\n", 5, true);
        assert_eq!(split.public, "public\n");
        assert_eq!(split.internal, "secret\n");
        assert!(split.malformed_marker_lines.is_empty());
    }

    #[test]
    fn malformed_marker_still_hides_and_is_reported() {
        for marker in [
            "<!--internal-->",
            "<!-- Internal -->",
            "  <!-- internal -->",
            "<!--  INTERNAL  -->",
        ] {
            let body = format!("public\r\n{marker}\r\nsecret\r\n");
            let split = split_body(&body, 10, true);
            assert_eq!(split.public, "public\r\n", "{marker}");
            assert!(!split.public.contains("secret"));
            assert_eq!(split.malformed_marker_lines, vec![11], "{marker}");
        }
    }

    #[test]
    fn unrelated_comments_are_not_markers() {
        let split = split_body("a\n<!-- internal links below -->\nb\n", 1, true);
        assert!(split.malformed_marker_lines.is_empty());
        assert_eq!(split.internal, "");
    }

    #[test]
    fn internal_records_keep_everything_internal() {
        let split = split_body("all\n<!-- internal -->\nsecret\n", 1, false);
        assert_eq!(split.public, "");
        assert!(split.internal.contains("all") && split.internal.contains("secret"));
    }
}
