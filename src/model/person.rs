//! People's names, compared as a person reads them (SPEC section 2): authors,
//! approvers (`by`), `declared_by`, reviewers, board members and deciders.
//!
//! Two spellings name the same person when they are equal after
//! 1. Unicode NFC normalisation (`Zoë` typed with a combining diaeresis is
//!    `Zoë` typed precomposed),
//! 2. collapsing whitespace: leading and trailing whitespace is dropped and
//!    every run of Unicode whitespace (spaces, tabs, no-break spaces, line
//!    ends) becomes one space,
//! 3. full Unicode case folding (Unicode's `CaseFolding.txt`, statuses C and
//!    F: `ß` folds to `ss`, so `STRAßE` and `strasse` are one name; Turkish
//!    dotless `ı` stays distinct from `i`), followed by NFC again, since
//!    folding can leave a decomposed sequence.
//!
//! [`person_key`] is that form; every comparison of people goes through it
//! (or through [`same_person`], which is defined by it).

use unicode_normalization::UnicodeNormalization;

/// The form in which names are compared: NFC, whitespace collapsed, case
/// folded (see the module documentation). Two names denote the same person
/// exactly when their keys are equal, so the key also serves as a set or map
/// key for counting distinct people.
pub fn person_key(name: &str) -> String {
    if name.is_ascii() {
        ascii_key(name)
    } else {
        unicode_key(name)
    }
}

/// [`person_key`] of an ASCII name: for ASCII, NFC changes nothing and full
/// case folding is ASCII lower-casing, so the key is the lower-cased words
/// joined by one space (no normalisation tables, one allocation).
fn ascii_key(name: &str) -> String {
    ascii_key_bytes(name).map(char::from).collect()
}

/// The bytes of [`ascii_key`] of the ASCII `name`, produced one at a time
/// (so that two names compare without allocating, and stop at the first
/// difference): lower-cased, leading and trailing white space dropped, each
/// run of white space one space. ASCII white space is what
/// [`char::is_whitespace`] says of ASCII: tab, LF, vertical tab, form feed,
/// CR and space.
fn ascii_key_bytes(name: &str) -> impl Iterator<Item = u8> + '_ {
    let is_space = |b: u8| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ');
    let mut bytes = name.bytes();
    let mut started = false;
    let mut held = None;
    std::iter::from_fn(move || {
        if let Some(byte) = held.take() {
            return Some(byte);
        }
        let mut space = false;
        loop {
            let byte = bytes.next()?;
            if is_space(byte) {
                space = started;
                continue;
            }
            started = true;
            let byte = byte.to_ascii_lowercase();
            if space {
                held = Some(byte);
                return Some(b' ');
            }
            return Some(byte);
        }
    })
}

/// [`person_key`] of any name, by the three steps of the module
/// documentation.
fn unicode_key(name: &str) -> String {
    let collapsed = name
        .nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    unicase::UniCase::new(collapsed)
        .to_folded_case()
        .nfc()
        .collect()
}

/// Whether `a` and `b` name the same person ([`person_key`] equality).
/// Plain ASCII names, the common case, are compared without allocating:
/// for them NFC changes nothing and case folding is ASCII lower-casing.
pub fn same_person(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        same_ascii_words(a, b)
    } else {
        person_key(a) == person_key(b)
    }
}

/// [`same_person`] for ASCII names: the same words, ignoring case and the
/// whitespace between them.
fn same_ascii_words(a: &str, b: &str) -> bool {
    ascii_key_bytes(a).eq(ascii_key_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names of every family the key must handle: ASCII with odd spacing
    /// and controls, NFD and NFC accents, zero-width and bidi characters,
    /// no-break spaces, CRLF and bare CR, folding that grows (`ß`).
    const NAMES: &[&str] = &[
        "Alice Chen",
        "  alice\t\tCHEN  ",
        "Alice\r\nChen",
        "Alice\rChen",
        "Alice\x0bChen\x0c",
        "Alice\x1fChen\x1c",
        "",
        " \t ",
        "O'Brien-Smith Jr.",
        "Zo\u{eb} Quinn",
        "Zoe\u{308} Quinn",
        "ZOE\u{308} QUINN",
        "Ali\u{200b}ce Chen",
        "\u{202e}Alice Chen\u{202c}",
        "Alice\u{a0}Chen",
        "Alice\u{2028}Chen",
        "STRA\u{df}E",
        "strasse",
        "\u{130}stanbul",
        "\u{131}rmak",
        "\u{1e9e}",
    ];

    #[test]
    fn ascii_key_equals_the_unicode_key() {
        for name in NAMES.iter().filter(|name| name.is_ascii()) {
            assert_eq!(ascii_key(name), unicode_key(name), "{name:?}");
        }
        for name in NAMES {
            assert_eq!(person_key(name), unicode_key(name), "{name:?}");
        }
        assert_eq!(person_key("  alice\t\tCHEN  "), "alice chen");
        assert_eq!(person_key("Zoe\u{308}"), person_key("zo\u{eb}"));
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_key() {
        for (a, b) in [
            ("Alice Chen", "alice  chen"),
            ("\tAlice\nChen ", "ALICE CHEN"),
            ("Alice Chen", "Alice Cheng"),
            ("Al ice", "Alice"),
            ("", "  "),
            ("Alice\x0bChen", "alice chen"),
            ("Alice\x1fChen", "alice chen"),
            ("  Alice \r\n Chen\x0c", "alice chen"),
            ("Alice Chen ", "Alice Chen  x"),
            ("a", "A "),
            ("ab", "a b"),
        ] {
            assert_eq!(
                same_ascii_words(a, b),
                person_key(a) == person_key(b),
                "{a:?} {b:?}"
            );
        }
    }
}
