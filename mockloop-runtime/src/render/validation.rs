//! `mock_data/validation.json`: what the mock validates requests against and
//! synthesises dynamic responses from.
//!
//! Every schema is in the normalised dialect (JSON Schema 2020-12) and
//! refers to `#/components/schemas/<Name>`, so the file carries the
//! document's `components.schemas` at the same place: the mock registers the
//! whole file as one `referencing` resource and points at each operation's
//! schemas inside it, which resolves every reference without copying.
use serde_json::{Map, Value, json};

use crate::model::{ApiModel, Operation, ParamLocation};
use crate::spec::LoadedSpec;

/// The whole validation document.
pub(super) fn document(spec: &LoadedSpec, model: &ApiModel) -> Value {
    let schemas = spec
        .document
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let operations: Map<String, Value> = model
        .operations
        .iter()
        .map(|op| (op.key.clone(), operation(op, &model.base_path)))
        .collect();
    json!({
        "components": {"schemas": schemas},
        "operations": operations,
        "api_key_names": api_key_names(spec),
    })
}

fn operation(op: &Operation, base_path: &str) -> Value {
    let params: Vec<Value> = op
        .params
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "ident": p.ident,
                "in": location(p.location),
                "required": p.required,
                "style": p.style,
                "explode": p.explode,
                "schema": p.schema,
            })
        })
        .collect();
    let body = op.request_body.as_ref().map(|body| {
        json!({
            "required": body.required,
            "content": body.content,
        })
    });
    let responses: Map<String, Value> = op
        .responses
        .iter()
        .filter_map(|r| Some((r.status.clone(), r.schema.clone()?)))
        .collect();
    json!({
        "route": op.route,
        "path_template": format!("{base_path}{}", op.path),
        "params": params,
        "body": body,
        "responses": responses,
    })
}

fn location(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

/// The names of API keys the spec declares, by where they travel, so the
/// request log can redact them.
fn api_key_names(spec: &LoadedSpec) -> Value {
    let mut names: Map<String, Value> = Map::new();
    for place in ["header", "query", "cookie"] {
        names.insert(place.to_owned(), json!([]));
    }
    let schemes = spec
        .document
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    for scheme in schemes.into_iter().flat_map(|s| s.values()) {
        if scheme.get("type").and_then(Value::as_str) != Some("apiKey") {
            continue;
        }
        let (Some(place), Some(name)) = (
            scheme.get("in").and_then(Value::as_str),
            scheme.get("name").and_then(Value::as_str),
        ) else {
            continue;
        };
        if let Some(Value::Array(list)) = names.get_mut(place)
            && !list.iter().any(|n| n.as_str() == Some(name))
        {
            list.push(Value::String(name.to_owned()));
        }
    }
    Value::Object(names)
}
