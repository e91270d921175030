//! The typed structure of a normalised document, parsed with `openapiv3`.
//!
//! `openapiv3` reads OpenAPI 3.0 schemas only, while the normalised document
//! carries JSON Schema 2020-12 schemas (3.1 type arrays, numeric exclusive
//! bounds, ...). So the structure is parsed from a skeleton: `openapi`,
//! `info`, `servers`, the security schemes `openapiv3` knows, and `paths`
//! with each operation reduced to what identifies it. The model reads
//! parameters, bodies, responses and schemas from the document itself, and
//! reads them defensively, so a quirk in one operation of a real-world spec
//! (a non-standard `style`, an odd response key) cannot fail the whole
//! generation.
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::spec::LoadedSpec;

/// Security scheme types `openapiv3` knows.
const KNOWN_SECURITY_TYPES: &[&str] = &["apiKey", "http", "oauth2", "openIdConnect"];

/// Parses the structure (paths, operations, parameters, responses) of `spec`.
pub(super) fn parse(spec: &LoadedSpec) -> Result<openapiv3::OpenAPI> {
    let skeleton = skeleton(&spec.document);
    serde_json::from_value(skeleton).map_err(|err| Error::Structure {
        source_name: spec.source.clone(),
        message: err.to_string(),
    })
}

/// A copy of the document without schemas, in the shape `openapiv3` reads.
fn skeleton(document: &Value) -> Value {
    let Value::Object(root) = document else {
        return document.clone();
    };
    let mut out = Map::new();
    for (key, value) in root {
        match key.as_str() {
            "components" => {
                out.insert(key.clone(), components_skeleton(value));
            }
            "paths" => {
                out.insert(key.clone(), paths_skeleton(value));
            }
            "openapi" | "info" | "servers" => {
                out.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
    out.entry("paths")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(Value::Object(paths)) = out.get_mut("paths") {
        for item in paths.values_mut() {
            add_missing_responses(item);
        }
    }
    Value::Object(out)
}

/// Keeps only the security schemes `openapiv3` can represent.
fn components_skeleton(components: &Value) -> Value {
    let mut out = Map::new();
    if let Some(Value::Object(schemes)) = components.get("securitySchemes") {
        let known: Map<String, Value> = schemes
            .iter()
            .filter(|(_, scheme)| {
                scheme
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|kind| KNOWN_SECURITY_TYPES.contains(&kind))
            })
            .map(|(name, scheme)| (name.clone(), scheme.clone()))
            .collect();
        out.insert("securitySchemes".to_owned(), Value::Object(known));
    }
    Value::Object(out)
}

/// Every path with its operations reduced to `operationId` and `summary`.
fn paths_skeleton(paths: &Value) -> Value {
    let Value::Object(paths) = paths else {
        return Value::Object(Map::new());
    };
    let items = paths.iter().map(|(path, item)| {
        let operations = super::routes::METHODS.iter().filter_map(|method| {
            let operation = item.get(*method)?;
            let mut reduced = Map::new();
            for key in ["operationId", "summary"] {
                if let Some(Value::String(text)) = operation.get(key) {
                    reduced.insert(key.to_owned(), Value::String(text.clone()));
                }
            }
            Some(((*method).to_owned(), Value::Object(reduced)))
        });
        (path.clone(), Value::Object(operations.collect()))
    });
    Value::Object(items.collect())
}

/// OpenAPI 3.1 makes `responses` optional; `openapiv3` requires it.
fn add_missing_responses(path_item: &mut Value) {
    let Value::Object(item) = path_item else {
        return;
    };
    for method in super::routes::METHODS {
        if let Some(Value::Object(operation)) = item.get_mut(*method) {
            operation
                .entry("responses")
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
}
