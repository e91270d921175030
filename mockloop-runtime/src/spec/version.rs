//! Recognising a description and the version it is written in.
use serde_json::Value;

use crate::error::{Error, Result};
use crate::spec::SpecVersion;

/// Reads the `swagger`/`openapi` field of a parsed document.
pub(crate) fn detect(document: &Value, source_name: &str) -> Result<SpecVersion> {
    let not_a_spec = |reason: String| Error::NotASpec {
        source_name: source_name.to_owned(),
        reason,
    };
    let unsupported = |found: String| Error::UnsupportedVersion {
        source_name: source_name.to_owned(),
        found,
    };
    let Value::Object(map) = document else {
        return Err(not_a_spec(format!(
            "the top level is {}, not a mapping",
            describe(document)
        )));
    };
    if let Some(value) = map.get("openapi") {
        let text = version_text(value);
        let mut parts = text.split('.');
        return match (parts.next(), parts.next()) {
            (Some("3"), Some("0")) => Ok(SpecVersion::OpenApi30),
            (Some("3"), Some("1")) => Ok(SpecVersion::OpenApi31),
            _ => Err(unsupported(format!("openapi {text:?}"))),
        };
    }
    if let Some(value) = map.get("swagger") {
        let text = version_text(value);
        return match text.as_str() {
            "2.0" | "2" => Ok(SpecVersion::Swagger2),
            _ => Err(unsupported(format!("swagger {text:?}"))),
        };
    }
    if let Some(value) = map.get("swaggerVersion") {
        return Err(unsupported(format!(
            "swaggerVersion {:?}",
            version_text(value)
        )));
    }
    Err(not_a_spec(
        "it has no `openapi` or `swagger` field, nor a Postman `info.schema`, nor HAR `log.entries`".to_owned(),
    ))
}

fn version_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions() {
        let v = |doc: Value| detect(&doc, "x");
        assert_eq!(v(json!({"swagger": "2.0"})).unwrap(), SpecVersion::Swagger2);
        assert_eq!(v(json!({"swagger": 2.0})).unwrap(), SpecVersion::Swagger2);
        assert_eq!(
            v(json!({"openapi": "3.0.3"})).unwrap(),
            SpecVersion::OpenApi30
        );
        assert_eq!(
            v(json!({"openapi": "3.1.0"})).unwrap(),
            SpecVersion::OpenApi31
        );
        assert!(matches!(
            v(json!({"openapi": "4.0.0"})),
            Err(Error::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            v(json!({"swagger": "1.2"})),
            Err(Error::UnsupportedVersion { .. })
        ));
        assert!(matches!(v(json!([1])), Err(Error::NotASpec { .. })));
        assert!(matches!(v(json!({"a": 1})), Err(Error::NotASpec { .. })));
    }
}
