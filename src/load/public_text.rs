//! `internal-detail-in-public` (SPEC sections 3 and 4): customer-facing text
//! (a public record's title, summary and public body; a page's title and
//! text) that holds what looks internal. This is what saves a writer who
//! forgot the internal marker.
//!
//! Looked for: a host name under `public_text.internal_domains`; a private,
//! loopback or link-local IP address (v4 or v6); an e-mail address; the name
//! of a board member or of the record's author (compared as people read
//! names, see [`crate::model::person::person_key`]); a match of
//! `public_text.patterns`.

use crate::diagnostics::{Code, Flag, Level};
use crate::model::config::Config;
use crate::model::person::person_key;
use crate::model::portal::Position;
use crate::model::record::Record;
use regex::Regex;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

/// One thing in a text that looks internal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte offset in the text where it starts.
    pub start: usize,
    /// What it is, for the message: "an e-mail address `a@b.example`".
    pub what: String,
}

/// A name that must not appear in customer-facing text, with its
/// [`person_key`] computed once for every text it is looked for in.
pub struct Named<'a> {
    /// The name in [`person_key`] form.
    key: String,
    /// The name as written, for the message.
    name: &'a str,
    /// How the message calls it ("a board member", "the record's author").
    role: &'a str,
}

/// `people` (each a name and how the message calls it) prepared for
/// [`findings`]; names of fewer than two characters are never looked for.
pub fn named<'a>(people: &[(&'a str, &'a str)]) -> Vec<Named<'a>> {
    people
        .iter()
        .map(|(name, role)| Named {
            key: person_key(name),
            name,
            role,
        })
        .filter(|named| named.key.chars().count() >= 2)
        .collect()
}

/// Every finding in `text`, in text order. `people` are the names that must
/// not appear (the board and, for a record, its author; see [`named`]).
pub fn findings(text: &str, config: &Config, people: &[Named<'_>]) -> Vec<Finding> {
    let mut found = Vec::new();
    let lower = text.to_ascii_lowercase();
    internal_hosts(
        text,
        &lower,
        &config.public_text.internal_domains,
        &mut found,
    );
    ip_addresses(text, &mut found);
    for address in EMAIL.find_iter(text) {
        found.push(Finding {
            start: address.start(),
            what: format!("an e-mail address `{}`", address.as_str()),
        });
    }
    names(text, &lower, people, &mut found);
    for pattern in &config.public_text.patterns {
        for matched in pattern.0.find_iter(text).filter(|m| !m.is_empty()) {
            found.push(Finding {
                start: matched.start(),
                what: format!(
                    "`{}`, a match of the public_text pattern `{}`",
                    matched.as_str(),
                    pattern.0.as_str()
                ),
            });
        }
    }
    found.sort_by_key(|finding| finding.start);
    found
}

/// The flags of one public record: its `title` and `summary` (at their
/// keys, positioned by `field_position`) and its public body, whose first
/// line is file line `body_first_line` (at the line and column of each
/// finding). None when the flag is allowed or the record is internal.
pub fn record_flags(
    record: &Record,
    public_body: &str,
    body_first_line: usize,
    path: &str,
    config: &Config,
    field_position: impl Fn(&str) -> Position,
) -> Vec<Flag> {
    if !record.is_public() || config.level_of(Code::InternalDetailInPublic) == Level::Allow {
        return Vec::new();
    }
    let people = named(&people(config, Some(&record.author)));
    let mut flags = Vec::new();
    let mut raise = |position: Position, where_: &str, finding: Finding| {
        flags.push(flag(
            config,
            path,
            position,
            where_,
            finding,
            Some(&record.id),
        ));
    };
    for (field, text) in [
        ("title", Some(&record.title)),
        ("summary", record.summary.as_ref()),
    ] {
        for finding in findings(text.map_or("", String::as_str), config, &people) {
            raise(field_position(field), field, finding);
        }
    }
    for finding in findings(public_body, config, &people) {
        let position = position_in(public_body, finding.start, body_first_line);
        raise(position, "public note", finding);
    }
    flags
}

/// The flags of one content page: its `title` (at `title_position`) and its
/// public text, whose first line is file line `body_first_line`.
pub fn page_flags(
    title: &str,
    public_body: &str,
    body_first_line: usize,
    title_position: Position,
    path: &str,
    config: &Config,
) -> Vec<Flag> {
    if config.level_of(Code::InternalDetailInPublic) == Level::Allow {
        return Vec::new();
    }
    let people = named(&people(config, None));
    let mut flags = Vec::new();
    for finding in findings(title, config, &people) {
        flags.push(flag(config, path, title_position, "title", finding, None));
    }
    for finding in findings(public_body, config, &people) {
        let position = position_in(public_body, finding.start, body_first_line);
        flags.push(flag(config, path, position, "page text", finding, None));
    }
    flags
}

/// The board's names and the author's, with how the message calls each.
fn people<'a>(config: &'a Config, author: Option<&'a str>) -> Vec<(&'a str, &'static str)> {
    let board = config
        .policy
        .board
        .iter()
        .map(|member| (member.name.as_str(), "a board member"));
    author
        .map(|author| (author, "the record's author"))
        .into_iter()
        .chain(board)
        .collect()
}

fn flag(
    config: &Config,
    path: &str,
    position: Position,
    where_: &str,
    finding: Finding,
    record: Option<&str>,
) -> Flag {
    Flag {
        code: Code::InternalDetailInPublic,
        level: config.level_of(Code::InternalDetailInPublic),
        file: path.to_string(),
        line: position.line,
        column: position.column,
        message: format!("the customer-facing {where_} holds {}", finding.what),
        hint: Some(
            "customers read this text: remove it, or move it below a `<!-- internal -->` line"
                .to_string(),
        ),
        record: record.map(str::to_string),
    }
}

/// 1-based line and column (in characters) of byte `offset` of `text`,
/// whose first line is file line `first_line`. Lines end at LF, CRLF or a
/// bare CR, as in the body split.
pub fn position_in(text: &str, offset: usize, first_line: usize) -> Position {
    let before = &text[..offset.min(text.len())];
    let mut line = first_line;
    let mut line_start = 0;
    let bytes = before.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        let crlf_half = *byte == b'\r' && bytes.get(index + 1) == Some(&b'\n');
        if (*byte == b'\n' || *byte == b'\r') && !crlf_half {
            line += 1;
            line_start = index + 1;
        }
    }
    Position {
        line,
        column: before[line_start..].chars().count() + 1,
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}\b")
        .expect("a fixed, tested pattern")
});

static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{1,3}(?:\.\d{1,3}){3}\b").expect("a fixed, tested pattern"));

static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}").expect("a fixed, tested pattern")
});

fn ip_addresses(text: &str, found: &mut Vec<Finding>) {
    for candidate in IPV4.find_iter(text) {
        if let Ok(address) = candidate.as_str().parse::<Ipv4Addr>() {
            if address.is_private() || address.is_loopback() || address.is_link_local() {
                found.push(Finding {
                    start: candidate.start(),
                    what: format!("a private or loopback IP address `{address}`"),
                });
            }
        }
    }
    for candidate in IPV6.find_iter(text) {
        if let Ok(address) = candidate.as_str().parse::<Ipv6Addr>() {
            let first = address.segments()[0];
            let internal = address.is_loopback()
                || first & 0xfe00 == 0xfc00 // unique local, fc00::/7
                || first & 0xffc0 == 0xfe80; // link-local, fe80::/10
            if internal {
                found.push(Finding {
                    start: candidate.start(),
                    what: format!("a private or loopback IP address `{address}`"),
                });
            }
        }
    }
}

/// Host names equal to or under one of `domains`, matched without regard
/// to ASCII case and only as whole host names (`acme.internal` does not match
/// `acme.internal.example.com` or `notacme.internal`). `lower` is `text`
/// lower-cased (ASCII).
fn internal_hosts(text: &str, lower: &str, domains: &[String], found: &mut Vec<Finding>) {
    if domains.is_empty() {
        return;
    }
    let bytes = lower.as_bytes();
    let is_label = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    for domain in domains {
        let domain = domain.trim().trim_matches('.').to_ascii_lowercase();
        if domain.is_empty() {
            continue;
        }
        for (start, _) in lower.match_indices(&domain) {
            let end = start + domain.len();
            let starts_host = start == 0 || !is_label(bytes[start - 1]);
            let next = bytes.get(end).copied();
            let continues = next.is_some_and(is_label)
                || (next == Some(b'.') && bytes.get(end + 1).copied().is_some_and(is_label));
            if starts_host && !continues {
                let host_start = host_start(bytes, start, is_label);
                found.push(Finding {
                    start: host_start,
                    what: format!("an internal host `{}`", &text[host_start..end]),
                });
            }
        }
    }
}

/// Where the host name that ends in the domain at `start` begins: its
/// subdomain labels are part of it.
fn host_start(bytes: &[u8], start: usize, is_label: impl Fn(u8) -> bool) -> usize {
    let mut index = start;
    while index > 0 && (is_label(bytes[index - 1]) || bytes[index - 1] == b'.') {
        index -= 1;
    }
    while index < start && bytes[index] == b'.' {
        index += 1;
    }
    index
}

/// People's names in `text`, as whole words, compared as people read names
/// (case, spacing and Unicode form do not matter). `lower` is `text`
/// lower-cased (ASCII).
fn names(text: &str, lower: &str, people: &[Named<'_>], found: &mut Vec<Finding>) {
    let mut keys = people
        .iter()
        .filter(|named| may_occur(&named.key, lower))
        .peekable();
    if keys.peek().is_none() {
        return;
    }
    let (folded, offsets) = fold_with_offsets(text);
    for Named { key, name, role } in keys {
        for (start, _) in folded.match_indices(key.as_str()) {
            let end = start + key.len();
            let before = folded[..start].chars().next_back();
            let after = folded[end..].chars().next();
            if !before.is_some_and(char::is_alphanumeric)
                && !after.is_some_and(char::is_alphanumeric)
            {
                found.push(Finding {
                    start: offsets[start],
                    what: format!("the name of {role} `{name}`"),
                });
            }
        }
    }
}

/// Whether the name `key` ([`person_key`] form) may occur in a text whose
/// ASCII lower-cased form is `lower`: false only when one of the key's
/// all-ASCII words is missing from it (a cheap test that skips folding the
/// text for the names it cannot hold; a word with other letters proves
/// nothing, since the text may spell it in another normalisation form).
fn may_occur(key: &str, lower: &str) -> bool {
    key.split(' ')
        .filter(|word| word.is_ascii())
        .all(|word| lower.contains(word))
}

/// `text` in the form [`person_key`] gives names, with the offset in `text`
/// of every byte of the result. ASCII letters are lower-cased directly (the
/// common case, and what the key does to them); anything else is folded a
/// base character with its combining marks at a time, so that NFD text folds
/// to the same NFC form as the names.
fn fold_with_offsets(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut offsets = Vec::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let is_mark = |c: char| unicode_normalization::char::canonical_combining_class(c) != 0;
    while let Some((offset, c)) = chars.next() {
        if c.is_whitespace() {
            while chars.next_if(|(_, next)| next.is_whitespace()).is_some() {}
            folded.push(' ');
            offsets.push(offset);
        } else if c.is_ascii() && !chars.peek().is_some_and(|(_, next)| is_mark(*next)) {
            folded.push(c.to_ascii_lowercase());
            offsets.push(offset);
        } else {
            let mut cluster = c.to_string();
            while let Some((_, mark)) = chars.next_if(|(_, next)| is_mark(*next)) {
                cluster.push(mark);
            }
            let run = person_key(&cluster);
            offsets.extend(std::iter::repeat_n(offset, run.len()));
            folded.push_str(&run);
        }
    }
    (folded, offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(yaml_extra: &str) -> Config {
        let text = format!(
            "title: T\nbase_url: https://x.example\npolicy:\n  board:\n    - {{ name: Alice Chen, role: engineering }}\n{yaml_extra}"
        );
        crate::yaml::from_str(&text).unwrap()
    }

    fn whats(text: &str, config: &Config) -> Vec<String> {
        findings(text, config, &named(&people(config, Some("Priya Nair"))))
            .into_iter()
            .map(|f| f.what)
            .collect()
    }

    #[test]
    fn finds_each_kind() {
        let config = config(
            "public_text:\n  internal_domains: [acme.internal]\n  patterns: ['\\bOPS-[0-9]+\\b']\n",
        );
        let table: &[(&str, &str)] = &[
            (
                "see smtp-relay-3.eu.acme.internal now",
                "smtp-relay-3.eu.acme.internal",
            ),
            ("host ACME.INTERNAL.", "ACME.INTERNAL"),
            ("at 10.2.3.4 and", "10.2.3.4"),
            ("on 192.168.0.10", "192.168.0.10"),
            ("on 172.20.1.1", "172.20.1.1"),
            ("loopback 127.0.0.1:8080", "127.0.0.1"),
            ("v6 ::1 here", "::1"),
            ("ula fd12:3456::7", "fd12:3456::7"),
            ("mail ops@acme.example please", "ops@acme.example"),
            ("thanks Alice  Chen!", "Alice Chen"),
            ("by priya nair", "Priya Nair"),
            ("ticket OPS-1234 closed", "OPS-1234"),
        ];
        for (text, expected) in table {
            let found = whats(text, &config);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert!(found[0].contains(expected), "{text}: {found:?}");
        }
    }

    #[test]
    fn names_match_in_any_normalisation_form_case_and_spacing() {
        let config = config("");
        let people = named(&[("Zo\u{eb} Quinn", "the record's author")]);
        for text in [
            "Thanks, Zoe\u{308} Quinn!",
            "thanks zo\u{eb}\u{a0}\u{a0}QUINN",
            "ZOE\u{308}\tquinn did it",
        ] {
            let found = findings(text, &config, &people);
            assert_eq!(found.len(), 1, "{text:?}");
            assert!(
                text[found[0].start..].to_lowercase().starts_with("zo"),
                "{text:?}"
            );
        }
        assert!(findings("Zoey Quinnell", &config, &people).is_empty());
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let config = config("public_text:\n  internal_domains: [acme.internal]\n");
        for text in [
            "Exports now run at 02:00:00 UTC, version 1.2.3.4 of the client",
            "public IP 8.8.8.8 and 203.0.113.7",
            "see acme.internal.example.com and notacme.internal",
            "Alice Chenowith wrote this",
            "Prices rise 10.5% on 2026-01-01",
        ] {
            assert!(whats(text, &config).is_empty(), "{text}");
        }
    }

    #[test]
    fn positions_count_every_line_ending() {
        for eol in ["\n", "\r\n", "\r"] {
            let text = format!("a{eol}b{eol}  x@y.example");
            let offset = text.find('x').unwrap();
            assert_eq!(
                position_in(&text, offset, 10),
                Position {
                    line: 12,
                    column: 3
                },
                "{eol:?}"
            );
        }
    }
}
