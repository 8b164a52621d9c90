//! The one place that talks to the YAML library.
//!
//! `serde_yaml` is deprecated upstream; every YAML parse in changeportal goes
//! through [`from_str`], so moving to a maintained fork means editing this file
//! alone.

use serde::de::DeserializeOwned;

/// A YAML parse or shape error with a 1-based position inside the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// What went wrong, without the position suffix the library adds.
    pub message: String,
    /// 1-based line inside the parsed text.
    pub line: usize,
    /// 1-based column inside the parsed text.
    pub column: usize,
}

/// Parses `text` into `T`, reporting the position of the first problem.
///
/// Alias expansion and nesting depth are bounded by the library (billion-laughs
/// documents and deeply nested input fail with an error rather than exhausting
/// memory or the stack).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(|error| {
        let (line, column) = error
            .location()
            .map(|location| (location.line(), location.column()))
            .unwrap_or((1, 1));
        YamlError {
            message: strip_position_suffix(&error.to_string()),
            line: line.max(1),
            column: column.max(1),
        }
    })
}

/// Removes the " at line L column C" tail that the library appends, since the
/// caller reports positions itself (relative to the whole file).
fn strip_position_suffix(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
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
