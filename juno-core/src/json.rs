//! The one rule for JSON input, applied by the core, the C ABI and the Python package alike.
//!
//! - Text that is not JSON is [`Error::Json`], with the parser's line and column.
//! - Where an object is meant, only an object is accepted (serde would also read an array
//!   as a struct's fields in order; no caller means that), and a list of objects is a JSON
//!   array whose every item is an object.
//! - Unknown fields are refused: every input type is `deny_unknown_fields`, so a misspelt
//!   setting (`{"min_sample": 3}`) is an error instead of a silent default.
//! - A value of the wrong type or out of the type's range is [`Error::InvalidInput`] naming
//!   the **field path** inside the input (`evidence.observations`, `tickets[3].updated`)
//!   and what was expected.
//!
//! `what` names the input as a whole (`evidence`, `settings`); it prefixes every path.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};

/// `what` joined with a path inside it (`evidence` + `observations`, `tickets` + `[3].key`).
pub fn join(what: &str, path: &str) -> String {
    match (what.is_empty(), path) {
        (_, "" | ".") => what.to_owned(),
        (true, p) => p.trim_start_matches('.').to_owned(),
        (false, p) if p.starts_with('[') => format!("{what}{p}"),
        (false, p) => format!("{what}.{}", p.trim_start_matches('.')),
    }
}

/// Parses `text` as any JSON value.
///
/// # Errors
/// [`Error::Json`] for text that is not JSON.
pub fn value(what: &str, text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::json(what, &e))
}

/// Reads `value` as `T`.
///
/// # Errors
/// [`Error::InvalidInput`] naming the path of the first field that does not fit (wrong
/// type, out of range, unknown, or missing).
pub fn from_value<T: DeserializeOwned>(what: &str, value: Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = join(what, &e.path().to_string());
        Error::invalid(field, e.into_inner().to_string())
    })
}

/// Reads `value`, which must be a JSON object, as `T`.
///
/// # Errors
/// [`Error::InvalidInput`] for anything but an object, then as [`from_value`].
pub fn object_from_value<T: DeserializeOwned>(what: &str, value: Value) -> Result<T> {
    if !value.is_object() {
        return Err(Error::invalid(
            what,
            format!("expected a JSON object, got {}", kind(&value)),
        ));
    }
    from_value(what, value)
}

/// Reads `value`, which must be a JSON array of objects, as a list of `T` (`what[3]` in
/// errors).
///
/// # Errors
/// [`Error::InvalidInput`] for anything but an array, an item that is not an object, or
/// an item as [`from_value`].
pub fn objects_from_value<T: DeserializeOwned>(what: &str, value: Value) -> Result<Vec<T>> {
    let Value::Array(items) = value else {
        return Err(Error::invalid(
            what,
            format!("expected a JSON array of objects, got {}", kind(&value)),
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| object_from_value(&format!("{what}[{i}]"), item))
        .collect()
}

/// Parses `text` as `T` (any JSON shape `T` accepts).
///
/// # Errors
/// As [`value`], then as [`from_value`].
pub fn parse<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    from_value(what, value(what, text)?)
}

/// Parses `text`, which must be a JSON object, as `T`.
///
/// # Errors
/// As [`value`], then as [`object_from_value`].
pub fn parse_object<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    object_from_value(what, value(what, text)?)
}

/// Parses `text`, which must be a JSON array of objects, as a list of `T`.
///
/// # Errors
/// As [`value`], then as [`objects_from_value`].
pub fn parse_objects<T: DeserializeOwned>(what: &str, text: &str) -> Result<Vec<T>> {
    objects_from_value(what, value(what, text)?)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::FlowSettings;
    use crate::model::Evidence;

    fn field<T: std::fmt::Debug>(r: Result<T>) -> (String, String) {
        match r {
            Err(Error::InvalidInput { field, reason }) => (field, reason),
            other => (format!("{other:?}"), String::new()),
        }
    }

    #[test]
    fn a_wrong_type_names_the_field_path_and_the_expected_type() {
        let (f, why) = field(parse::<Evidence>("evidence", r#"{"observations": "many"}"#));
        assert_eq!(f, "evidence.observations");
        assert!(why.contains("expected u64"), "{why}");
        let (f, why) = field(parse::<Evidence>("evidence", r#"{"observations": -3}"#));
        assert_eq!(f, "evidence.observations");
        assert!(why.contains("-3"), "{why}");
        let (f, _) = field(parse::<Evidence>(
            "evidence",
            r#"{"engine_signals": [0.5, "x"]}"#,
        ));
        assert_eq!(f, "evidence.engine_signals[1]");
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let (f, why) = field(parse::<FlowSettings>("settings", r#"{"min_sample": 3}"#));
        assert!(f.starts_with("settings"), "{f}");
        assert!(why.contains("unknown field `min_sample`"), "{why}");
        assert!(parse::<FlowSettings>("settings", r#"{"min_samples": 3}"#).is_ok());
    }

    #[test]
    fn objects_are_objects_and_lists_are_lists_of_objects() {
        let (f, why) = field(parse_object::<Evidence>("evidence", "[1, 2]"));
        assert_eq!(
            (f.as_str(), why.as_str()),
            ("evidence", "expected a JSON object, got an array")
        );
        let (f, _) = field(parse_objects::<Evidence>("items", r#"[{}, 3]"#));
        assert_eq!(f, "items[1]");
        let (f, _) = field(parse_objects::<Evidence>("items", r#"{}"#));
        assert_eq!(f, "items");
        assert!(matches!(
            parse::<Evidence>("evidence", "{"),
            Err(Error::Json { .. })
        ));
    }

    #[test]
    fn paths_join() {
        assert_eq!(join("evidence", "observations"), "evidence.observations");
        assert_eq!(join("tickets", "[3].key"), "tickets[3].key");
        assert_eq!(join("state", "."), "state");
        assert_eq!(join("", "a.b"), "a.b");
    }
}
