//! `mock_data/validation.json`: what the mock validates requests against and
//! synthesises dynamic responses from.
//!
//! Every schema is in the normalised dialect (JSON Schema 2020-12) and
//! refers to `#/components/schemas/<Name>`, so the file carries the
//! document's `components.schemas` at the same place: the mock registers the
//! whole file as one `referencing` resource and points at each operation's
//! schemas inside it, which resolves every reference without copying.
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::model::{ApiModel, Operation, Param, ParamLocation, RouteCondition};
use crate::spec::LoadedSpec;

/// The whole validation document, borrowing the spec and the model.
#[derive(Serialize)]
pub(super) struct ValidationDocument<'a> {
    components: Components<'a>,
    operations: IndexMap<&'a str, OperationEntry<'a>>,
    api_key_names: Value,
}

#[derive(Serialize)]
struct Components<'a> {
    schemas: Schemas<'a>,
}

/// The document's `components.schemas`, or `{}` when it has none.
#[derive(Serialize)]
#[serde(untagged)]
enum Schemas<'a> {
    Borrowed(&'a Value),
    Empty(Map<String, Value>),
}

#[derive(Serialize)]
struct OperationEntry<'a> {
    route: &'a str,
    route_aliases: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    conditions: &'a [RouteCondition],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    route_group: &'a [String],
    path_template: String,
    params: Vec<ParamEntry<'a>>,
    body: Option<BodyEntry<'a>>,
    responses: IndexMap<&'a str, &'a Value>,
}

#[derive(Serialize)]
struct ParamEntry<'a> {
    name: &'a str,
    ident: &'a str,
    #[serde(rename = "in")]
    location: &'static str,
    required: bool,
    style: &'a str,
    explode: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    allow_empty: bool,
    schema: &'a Value,
}

#[derive(Serialize)]
struct BodyEntry<'a> {
    required: bool,
    content: &'a IndexMap<String, Value>,
}

/// The whole validation document.
pub(super) fn document<'a>(spec: &'a LoadedSpec, model: &'a ApiModel) -> ValidationDocument<'a> {
    ValidationDocument {
        components: Components {
            schemas: spec
                .document
                .pointer("/components/schemas")
                .map_or_else(|| Schemas::Empty(Map::new()), Schemas::Borrowed),
        },
        operations: model
            .operations
            .iter()
            .map(|op| (op.key.as_str(), operation(op, &model.base_path)))
            .collect(),
        api_key_names: api_key_names(spec),
    }
}

fn operation<'a>(op: &'a Operation, base_path: &str) -> OperationEntry<'a> {
    OperationEntry {
        route: &op.route,
        route_aliases: &op.route_aliases,
        conditions: &op.conditions,
        route_group: &op.route_group,
        path_template: format!("{base_path}{}", op.path),
        params: op.params.iter().map(param).collect(),
        body: op.request_body.as_ref().map(|body| BodyEntry {
            required: body.required,
            content: &body.content,
        }),
        responses: op
            .responses
            .iter()
            .filter_map(|r| Some((r.status.as_str(), r.schema.as_ref()?)))
            .collect(),
    }
}

fn param(p: &Param) -> ParamEntry<'_> {
    ParamEntry {
        name: &p.name,
        ident: &p.ident,
        location: location(p.location),
        required: p.required,
        style: &p.style,
        explode: p.explode,
        allow_empty: p.allow_empty,
        schema: &p.schema,
    }
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
