//! Building the model's operations from the parsed structure.
use indexmap::IndexMap;
use serde_json::Value;

use super::conditions::{conditions, path_part};
use super::ident::Namespace;
use super::params::{RawParam, build_params};
use super::responses::{build_responses, default_response};
use super::routes::{
    METHODS, base_path, collapsed_aliases, fastapi_route, route_groups, route_order,
    template_params,
};
use super::{ApiModel, Operation, ParamLocation, RequestBody};
use crate::error::Result;
use crate::spec::LoadedSpec;
use crate::synth::{Synthesizer, seed_for};

/// Header parameters the mock neither validates nor documents: OpenAPI's
/// three, and the ones that frame the message.
const IGNORED_HEADERS: [&str; 7] = [
    "accept",
    "content-type",
    "authorization",
    "connection",
    "content-length",
    "host",
    "transfer-encoding",
];

/// Ignored headers that must still be sent when the spec requires them.
const PRESENCE_ONLY_HEADERS: [&str; 2] = ["accept", "content-type"];

/// Module-level names of `main.py` that handlers must not shadow.
const MODULE_RESERVED: &[&str] = &["app", "mock_response", "main", "support"];

/// Builds the whole model.
pub(super) fn build_model(spec: &LoadedSpec, api: &openapiv3::OpenAPI) -> Result<ApiModel> {
    let base_path = base_path(&api.servers);
    let mut synth = Synthesizer::new(&spec.document);
    let mut functions = Namespace::with_reserved(MODULE_RESERVED);
    let raw_paths = spec.document.get("paths").and_then(Value::as_object);
    let mut operations = Vec::new();
    for (path, _) in api.paths.iter() {
        let Some(raw_item) = raw_paths.and_then(|paths| paths.get(path)) else {
            continue;
        };
        for method in METHODS {
            let Some(raw_op) = raw_item.get(*method) else {
                continue;
            };
            let secured = has_security(raw_op, &spec.document);
            operations.push(build_operation(
                path, method, raw_item, raw_op, &base_path, secured, &mut synth,
            ));
        }
    }
    operations.sort_by(|a, b| {
        route_order(
            (path_part(&a.path), &a.method),
            (path_part(&b.path), &b.method),
        )
        .then_with(|| b.conditions.len().cmp(&a.conditions.len()))
    });
    collapsed_aliases(&mut operations);
    route_groups(&mut operations);
    for operation in &mut operations {
        let name = operation
            .operation_id
            .clone()
            .unwrap_or_else(|| format!("{} {}", operation.method, operation.path));
        operation.function = functions.claim(&name, "op");
    }
    let mut warnings = spec.warnings.clone();
    warnings.extend(synth.take_warnings());
    Ok(ApiModel {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        spec_version: spec.version,
        base_path,
        operations,
        warnings,
    })
}

/// Whether an operation requires credentials by a security scheme (its
/// own `security`, else the document's; `{}` among them makes them optional).
fn has_security(raw_op: &Value, document: &Value) -> bool {
    raw_op
        .get("security")
        .or_else(|| document.get("security"))
        .and_then(Value::as_array)
        .is_some_and(|requirements| {
            !requirements.is_empty()
                && requirements
                    .iter()
                    .all(|one| one.as_object().is_some_and(|names| !names.is_empty()))
        })
}

fn build_operation(
    path: &str,
    method: &str,
    raw_item: &Value,
    raw_op: &Value,
    base_path: &str,
    secured: bool,
    synth: &mut Synthesizer<'_>,
) -> Operation {
    let upper = method.to_ascii_uppercase();
    let key = format!("{upper} {path}");
    let raw_params = merged_params(path, raw_item, raw_op, secured);
    let (params, path_idents) = build_params(raw_params, synth, &key);
    let responses = build_responses(raw_op.get("responses"), method, &key, synth);
    let text = |field: &str| raw_op.get(field).and_then(Value::as_str).map(str::to_owned);
    Operation {
        operation_id: text("operationId"),
        function: String::new(),
        method: upper,
        route: fastapi_route(base_path, path_part(path), &path_idents),
        route_aliases: Vec::new(),
        conditions: conditions(path, &params),
        route_group: Vec::new(),
        path: path.to_owned(),
        summary: text("summary"),
        tags: raw_op
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        deprecated: raw_op
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        params,
        request_body: request_body(raw_op.get("requestBody"), &key, synth),
        default_response: default_response(&responses),
        responses,
        key,
    }
}

/// Path-level parameters overridden by operation-level ones (same name and
/// location), plus any template parameter the spec forgot to declare.
fn merged_params<'a>(
    path: &'a str,
    raw_item: &'a Value,
    raw_op: &'a Value,
    secured: bool,
) -> Vec<RawParam<'a>> {
    let list = |value: &'a Value| -> Vec<RawParam<'a>> {
        value
            .get("parameters")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(RawParam::from_value).collect())
            .unwrap_or_default()
    };
    let mut merged: IndexMap<(String, ParamLocation), RawParam<'a>> = IndexMap::new();
    for param in list(raw_item).into_iter().chain(list(raw_op)) {
        // OpenAPI: header parameters named Accept, Content-Type or
        // Authorization are ignored (the media types and security schemes
        // say those). So are the headers that frame the message, which the
        // HTTP stack writes.
        if param.location == ParamLocation::Header
            && IGNORED_HEADERS
                .iter()
                .any(|name| param.name.eq_ignore_ascii_case(name))
        {
            // Except that a client following an API's documentation sends
            // the Accept or Content-Type it calls required (VTEX's
            // `Content-Type: application/json` on every GET), and the
            // Authorization of an operation no security scheme covers
            // (India's NDHM), so one of those must be there, with any value.
            let presence_only = PRESENCE_ONLY_HEADERS
                .iter()
                .any(|name| param.name.eq_ignore_ascii_case(name))
                || (!secured && param.name.eq_ignore_ascii_case("authorization"));
            if param.required && presence_only {
                merged.insert(
                    (param.name.to_owned(), param.location),
                    param.presence_only(),
                );
            }
            continue;
        }
        merged.insert((param.name.to_owned(), param.location), param);
    }
    let template = template_params(path);
    merged
        .retain(|(name, location), _| *location != ParamLocation::Path || template.contains(name));
    for name in template {
        merged
            .entry((name.clone(), ParamLocation::Path))
            .or_insert_with(|| RawParam::undeclared_path(path_name(path, &name)));
    }
    merged.into_values().collect()
}

/// The slice of `path` holding `name`, so the raw parameter can borrow it.
fn path_name<'a>(path: &'a str, name: &str) -> &'a str {
    path.find(name)
        .map_or("param", |start| &path[start..start + name.len()])
}

fn request_body(
    raw: Option<&Value>,
    key: &str,
    synth: &mut Synthesizer<'_>,
) -> Option<RequestBody> {
    let raw = raw?;
    let content: IndexMap<String, Value> = raw
        .get("content")
        .and_then(Value::as_object)
        .map(|content| {
            content
                .iter()
                .map(|(media, object)| {
                    (
                        media.clone(),
                        object.get("schema").cloned().unwrap_or(Value::Bool(true)),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let example = raw
        .get("content")
        .and_then(Value::as_object)
        .and_then(|content| {
            let chosen = content
                .keys()
                .find(|media| super::responses::is_json(media))
                .or_else(|| content.keys().next())?;
            let media = content.get(chosen)?;
            let examples = synth.media_examples(media, key, seed_for(&[key, "request", chosen]));
            Some((chosen.clone(), examples.default))
        });
    Some(RequestBody {
        required: raw
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        content,
        example,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn media_and_credential_headers_are_checked_only_when_required() {
        let op = json!({"parameters": [
            {"name": "Authorization", "in": "header", "required": true, "schema": {"type": "string"}},
            {"name": "Accept", "in": "header", "required": true,
             "schema": {"type": "string", "enum": ["application/json"], "default": "application/json"}},
            {"name": "Content-Type", "in": "header", "schema": {"type": "string"}},
            {"name": "Host", "in": "header", "required": true, "schema": {"type": "string"}},
        ]});
        let item = json!({});
        let names = |secured| -> Vec<String> {
            merged_params("/x", &item, &op, secured)
                .iter()
                .map(|p| p.name.to_owned())
                .collect()
        };
        assert_eq!(names(false), ["Authorization", "Accept"]);
        assert_eq!(names(true), ["Accept"]);
        let accept = merged_params("/x", &item, &op, true).remove(0);
        assert_eq!(
            accept.schema,
            json!({"type": "string", "default": "application/json"})
        );
    }

    #[test]
    fn security_of_an_operation() {
        let document = json!({"security": [{"key": []}]});
        assert!(has_security(&json!({}), &document));
        assert!(!has_security(&json!({"security": []}), &document));
        assert!(!has_security(
            &json!({"security": [{}, {"key": []}]}),
            &document
        ));
        assert!(!has_security(&json!({}), &json!({})));
        assert!(has_security(
            &json!({"security": [{"key": []}]}),
            &json!({})
        ));
    }
}
