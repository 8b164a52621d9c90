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
    let (mut left, mut right) = (a.split_whitespace(), b.split_whitespace());
    loop {
        match (left.next(), right.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_fast_path_agrees_with_the_key() {
        for (a, b) in [
            ("Alice Chen", "alice  chen"),
            ("\tAlice\nChen ", "ALICE CHEN"),
            ("Alice Chen", "Alice Cheng"),
            ("Al ice", "Alice"),
            ("", "  "),
            ("Alice\x0bChen", "alice chen"),
        ] {
            assert_eq!(
                same_ascii_words(a, b),
                person_key(a) == person_key(b),
                "{a:?} {b:?}"
            );
        }
    }
}
