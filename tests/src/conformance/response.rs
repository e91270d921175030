//! Checking one response against the operation's documented responses.
use jsonschema::{Draft, Registry};
use mockloop_runtime::Operation;
use serde_json::{Map, Value, json};

use super::escape;
use super::request::{Received, essence, is_json};
use crate::error::{Error, Result};

/// The URI the spec's document is registered under.
const DOCUMENT_URI: &str = "https://mockloop.invalid/spec.json";

/// Builds validators for schemas inside one document.
pub(super) struct Validators<'a> {
    registry: Registry<'a>,
    used: std::cell::Cell<usize>,
}

impl<'a> Validators<'a> {
    pub(super) fn new(document: &'a Value) -> Result<Self> {
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(DOCUMENT_URI, document)
            .and_then(|builder| builder.prepare())
            .map_err(|err| Error::Registry(err.to_string()))?;
        Ok(Self {
            registry,
            used: std::cell::Cell::new(0),
        })
    }

    /// Validates `instance` against the schema at `pointer` in the document;
    /// the errors found, if any.
    pub(super) fn validate(
        &self,
        pointer: &str,
        instance: &Value,
    ) -> std::result::Result<(), String> {
        self.used.set(self.used.get() + 1);
        let schema = json!({ "$ref": format!("{DOCUMENT_URI}#{}", fragment(pointer)) });
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|err| format!("cannot compile the schema at {pointer}: {err}"))?;
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .take(5)
            .map(|err| format!("at '{}': {err}", err.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "body does not match the schema at {pointer}: {}",
                errors.join(" | ")
            ))
        }
    }
}

impl Validators<'_> {
    /// How many bodies were validated against a schema.
    pub(super) fn used(&self) -> usize {
        self.used.get()
    }
}

/// A JSON Pointer as a URI fragment: everything outside the unreserved set
/// and `/` percent-encoded (the resolver decodes it).
fn fragment(pointer: &str) -> String {
    let mut out = String::new();
    for byte in pointer.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Every way `received` breaks the operation's documented responses.
pub(super) fn check(
    validators: &Validators<'_>,
    operation: &Operation,
    raw_op: &Value,
    received: &Received,
) -> Vec<String> {
    let empty = Map::new();
    let responses = raw_op
        .get("responses")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if responses.is_empty() {
        // OpenAPI 3.1 makes `responses` optional: nothing to hold the
        // answer to but not failing.
        return if received.status >= 500 {
            vec![format!(
                "status {} (server error) for an operation documenting no responses",
                received.status
            )]
        } else {
            Vec::new()
        };
    }
    let Some((key, response)) = documented(responses, received.status) else {
        let keys: Vec<&str> = responses.keys().map(String::as_str).collect();
        return vec![format!(
            "status {} is not documented (documented: {})",
            received.status,
            keys.join(", ")
        )];
    };
    let mut reasons = Vec::new();
    let no_body = operation.method == "HEAD"
        || matches!(received.status, 100..=199 | 204 | 304)
        || response
            .get("content")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty);
    if no_body {
        if !received.body.is_empty() {
            reasons.push(format!(
                "expected no body ({}), got {} bytes",
                why_no_body(operation, received.status),
                received.body.len()
            ));
        }
        return reasons;
    }
    let content = response
        .get("content")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let Some(actual) = received.content_type.as_deref() else {
        reasons.push(format!(
            "no Content-Type (documented for {key}: {})",
            content.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
        return reasons;
    };
    let Some(media_key) = matching_media_type(content, actual) else {
        reasons.push(format!(
            "Content-Type {actual:?} is not documented for {key} (documented: {})",
            content.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
        return reasons;
    };
    if !is_json(&essence(actual)) {
        return reasons;
    }
    let body: Value = match serde_json::from_slice(&received.body) {
        Ok(body) => body,
        Err(err) => {
            reasons.push(format!(
                "Content-Type is {actual:?} but the body is not JSON: {err}"
            ));
            return reasons;
        }
    };
    let has_schema = content
        .get(media_key)
        .and_then(|media| media.get("schema"))
        .is_some();
    if has_schema {
        let pointer = format!(
            "/paths/{}/{}/responses/{}/content/{}/schema",
            escape(&operation.path),
            operation.method.to_ascii_lowercase(),
            escape(key),
            escape(media_key)
        );
        if let Err(reason) = validators.validate(&pointer, &body) {
            reasons.push(reason);
        }
    }
    reasons
}

fn why_no_body(operation: &Operation, status: u16) -> String {
    if operation.method == "HEAD" {
        "HEAD request".to_owned()
    } else if matches!(status, 100..=199 | 204 | 304) {
        format!("status {status}")
    } else {
        "the response is documented without content".to_owned()
    }
}

/// The documented response for `status`: an exact code, else a range such
/// as `2XX`, else `default`.
fn documented(responses: &Map<String, Value>, status: u16) -> Option<(&str, &Value)> {
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    responses
        .get_key_value(&exact)
        .or_else(|| {
            responses
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(&range))
        })
        .or_else(|| responses.get_key_value("default"))
        .map(|(key, value)| (key.as_str(), value))
}

/// The documented media type `actual` falls under: an exact match first,
/// then `type/*`, then `*/*`. Parameters (`; charset=…`) are ignored.
fn matching_media_type<'m>(content: &'m Map<String, Value>, actual: &str) -> Option<&'m str> {
    let actual = essence(actual);
    let (kind, _) = actual.split_once('/')?;
    let ranked = |documented: &str| -> Option<u8> {
        let documented = essence(documented);
        if documented == actual {
            Some(0)
        } else if documented == format!("{kind}/*") {
            Some(1)
        } else if documented == "*/*" {
            Some(2)
        } else {
            None
        }
    };
    content
        .keys()
        .filter_map(|key| ranked(key).map(|rank| (rank, key.as_str())))
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, key)| key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_exactly_then_by_range_then_default() {
        let responses = json!({"200": {}, "4XX": {}, "default": {}});
        let responses = responses.as_object().unwrap();
        assert_eq!(documented(responses, 200).unwrap().0, "200");
        assert_eq!(documented(responses, 404).unwrap().0, "4XX");
        assert_eq!(documented(responses, 503).unwrap().0, "default");
        let only = json!({"201": {}});
        assert!(documented(only.as_object().unwrap(), 200).is_none());
    }

    #[test]
    fn media_types_allow_wildcards_and_parameters() {
        let content = json!({"application/json": {}, "text/*": {}, "*/*": {}});
        let content = content.as_object().unwrap();
        assert_eq!(
            matching_media_type(content, "application/json; charset=utf-8"),
            Some("application/json")
        );
        assert_eq!(matching_media_type(content, "text/plain"), Some("text/*"));
        assert_eq!(matching_media_type(content, "image/png"), Some("*/*"));
        let strict = json!({"Application/JSON; charset=UTF-8": {}});
        let strict = strict.as_object().unwrap();
        assert_eq!(
            matching_media_type(strict, "application/json"),
            Some("Application/JSON; charset=UTF-8")
        );
        assert_eq!(matching_media_type(strict, "application/xml"), None);
    }

    #[test]
    fn schemas_resolve_refs_in_the_document() {
        let document = json!({
            "paths": {"/pets/{id}": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Pet"}
            }}}}}}},
            "components": {"schemas": {"Pet": {
                "type": "object", "required": ["id"],
                "properties": {"id": {"type": "integer"}, "born": {"type": "string", "format": "date"}}
            }}}
        });
        let validators = Validators::new(&document).unwrap();
        let pointer = "/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema";
        validators
            .validate(pointer, &json!({"id": 1, "born": "2020-01-31"}))
            .unwrap();
        let err = validators
            .validate(pointer, &json!({"id": "x"}))
            .unwrap_err();
        assert!(err.contains("at '/id'"), "{err}");
        let err = validators
            .validate(pointer, &json!({"id": 1, "born": "yesterday"}))
            .unwrap_err();
        assert!(err.contains("born"), "{err}");
    }
}
