//! JSON Schemas of a change record's front matter and of `portal.yaml`
//! (SPEC section 4, last paragraph), generated from the very types the
//! loader deserializes ([`Record`], [`Config`]), so that an editor validates
//! and completes what `check` accepts: the same fields, enums, required keys
//! and descriptions (the types' doc comments), and no unknown key
//! (`additionalProperties: false`).
//!
//! What a schema cannot say (duplicate keys, a bad regular expression in
//! `public_text.patterns`, references between records) is still reported by
//! `check`.

use super::config::Config;
use super::record::Record;
use super::time::{Timestamp, Zone};
use crate::diagnostics::{Code, Level};
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use std::borrow::Cow;

/// `YYYY-MM-DD` with a month of 01-12 and a day of 01-31.
const DATE: &str = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";

/// The time part of an RFC 3339 datetime: hours 00-23, minutes and seconds
/// 00-59 (no leap second), optional fraction, `Z` or an offset up to ±23:59.
const TIME: &str = r"[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";

/// Which document a schema describes (`changeportal schema record|config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    /// A change record's front matter (SPEC section 2).
    Record,
    /// `portal.yaml` (SPEC section 3).
    Config,
}

/// The JSON Schema (draft 2020-12) of `kind`, as pretty-printed JSON with a
/// final line feed: the text of `docs/schema/<kind>.schema.json`.
pub fn schema_json(kind: SchemaKind) -> String {
    let generator = SchemaSettings::draft2020_12()
        .for_deserialize()
        .with_transform(RecursiveTransform(refuse_null))
        .into_generator();
    let mut schema = match kind {
        SchemaKind::Record => generator.into_root_schema_for::<Record>(),
        SchemaKind::Config => generator.into_root_schema_for::<Config>(),
    };
    let (id, title) = match kind {
        SchemaKind::Record => (
            "record.schema.json",
            "changeportal change record (front matter)",
        ),
        SchemaKind::Config => ("config.schema.json", "changeportal portal.yaml"),
    };
    schema.insert("$id".into(), format!("{}/{id}", schema_base()).into());
    schema.insert("title".into(), title.into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Where the shipped schemas are published: the repository's
/// `docs/schema/` folder, raw, on its default branch.
pub fn schema_base() -> String {
    let repository = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    let raw = repository.replacen(
        "https://github.com/",
        "https://raw.githubusercontent.com/",
        1,
    );
    format!("{raw}/main/docs/schema")
}

/// An optional field may be left out but never be `null` (SPEC section 2:
/// `null` or `~` where a value is expected is an error): drops the `null`
/// alternative schemars gives `Option` fields, and their `default: null`.
fn refuse_null(schema: &mut Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.get("default") == Some(&serde_json::Value::Null) {
        object.remove("default");
    }
    if let Some(serde_json::Value::Array(types)) = object.get_mut("type") {
        types.retain(|kind| kind != "null");
        if let [single] = types.as_slice() {
            let single = single.clone();
            object.insert("type".into(), single);
        }
    }
    let null = serde_json::json!({ "type": "null" });
    if let Some(serde_json::Value::Array(choices)) = object.get_mut("anyOf") {
        choices.retain(|choice| *choice != null);
        if let [serde_json::Value::Object(single)] = choices.as_slice() {
            let single = single.clone();
            object.remove("anyOf");
            for (key, value) in single {
                object.entry(key).or_insert(value);
            }
        }
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    /// A date (midnight UTC) or an RFC 3339 datetime, as
    /// [`Timestamp::parse`] reads them.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A date `YYYY-MM-DD` (midnight UTC) or an RFC 3339 datetime such as `2026-03-14T02:00:00Z`.",
            "type": "string",
            "anyOf": [
                { "format": "date", "pattern": format!("^{DATE}$") },
                { "format": "date-time", "pattern": format!("^{DATE}{TIME}$") },
            ],
        })
    }
}

impl JsonSchema for Zone {
    fn schema_name() -> Cow<'static, str> {
        "Zone".into()
    }

    /// Every IANA name [`Zone::parse`] accepts, so that editors complete it.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
        json_schema!({
            "description": "An IANA time zone name such as `UTC` or `Europe/Berlin`.",
            "type": "string",
            "enum": names,
        })
    }
}

impl JsonSchema for super::config::Pattern {
    fn schema_name() -> Cow<'static, str> {
        "Pattern".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A regular expression (Rust `regex` syntax).",
            "type": "string",
        })
    }
}

/// `lints:`: a level for each known flag code (SPEC sections 3 and 4).
pub fn lints(_: &mut SchemaGenerator) -> Schema {
    let codes: Vec<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
    let levels: Vec<&str> = [Level::Allow, Level::Warn, Level::Deny]
        .iter()
        .map(|level| level.as_str())
        .collect();
    json_schema!({
        "description": "Per-flag level overrides: allow, warn or deny per flag code.",
        "type": "object",
        "propertyNames": { "enum": codes },
        "additionalProperties": { "enum": levels },
    })
}

/// The conditional requirements of SPEC section 2 that a field type cannot
/// state: `summary` when public, `deployed` when deployed or rolled back,
/// `emergency` when the class is emergency.
pub fn record_rules(schema: &mut Schema) {
    let rule = |field: &str, value: &str, required: &str| {
        serde_json::json!({
            "if": { "properties": { field: { "const": value } }, "required": [field] },
            "then": { "required": [required] },
        })
    };
    let rules = vec![
        rule("visibility", "public", "summary"),
        rule("status", "deployed", "deployed"),
        rule("status", "rolled_back", "deployed"),
        rule("class", "emergency", "emergency"),
    ];
    schema.insert("allOf".into(), rules.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_schema_names_every_field_and_refuses_others() {
        let schema: serde_json::Value =
            serde_json::from_str(&schema_json(SchemaKind::Record)).unwrap();
        assert_eq!(schema["additionalProperties"], false);
        for field in [
            "id",
            "window_end",
            "deployed_by",
            "cancelled",
            "post_incident",
        ] {
            assert!(schema["properties"].get(field).is_some(), "{field}");
        }
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        for field in ["id", "title", "type", "status", "author", "created"] {
            assert!(required.contains(&field), "{field}");
        }
    }
}
