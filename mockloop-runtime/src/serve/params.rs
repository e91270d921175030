//! Reading parameters off a request as the spec serialises them, as
//! `mockloop_mock/params.py` does: raw strings split per `style` and
//! `explode`, then read as the types the schema allows, the reading that
//! passes the schema preferred.
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::catalog::{In, ParamSpec};
use super::request::Incoming;
use super::schemas::Schemas;

static INTEGER: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^-?(0|[1-9][0-9]*)$").ok());
static NUMBER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$").ok());

fn full(regex: &LazyLock<Option<Regex>>, text: &str) -> bool {
    regex.as_ref().is_some_and(|re| re.is_match(text))
}

/// The plausible readings of one string, most specific first.
pub(crate) fn candidates(schemas: &Schemas, text: &str, schema: &Value) -> Vec<Value> {
    let types = schemas.types_of(schema);
    let any = types.is_empty();
    let has = |kind: &str| any || types.contains(&kind);
    let mut out = Vec::new();
    if has("integer") || has("number") {
        if full(&INTEGER, text) {
            match text.parse::<i64>() {
                Ok(n) => out.push(Value::from(n)),
                Err(_) => {
                    if let Ok(Value::Number(n)) = serde_json::from_str::<Value>(text) {
                        out.push(Value::Number(n));
                    }
                }
            }
        } else if full(&NUMBER, text)
            && let Some(n) = text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
        {
            out.push(Value::Number(n));
        }
    }
    if has("boolean") && (text == "true" || text == "false") {
        out.push(Value::Bool(text == "true"));
    }
    if has("null") && text == "null" {
        out.push(Value::Null);
    }
    if (has("object") || has("array"))
        && text.starts_with(['{', '['])
        && let Ok(value) = serde_json::from_str::<Value>(text)
    {
        out.push(value);
    }
    out.push(Value::String(text.to_owned()));
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        out.push(value);
    }
    out
}

/// The reading of `text` valid against `schema`, else the first reading.
pub(crate) fn coerce(schemas: &Schemas, text: &str, schema: &Value) -> Value {
    let mut options = candidates(schemas, text, schema);
    let found = options
        .iter()
        .position(|option| schemas.is_valid(schema, option));
    options.swap_remove(found.unwrap_or(0))
}

/// Key-value pairs as an object, each value read per its property.
pub(crate) fn coerce_object(schemas: &Schemas, pairs: &[(&str, &str)], schema: &Value) -> Value {
    let mut out = Map::new();
    for (key, value) in pairs {
        let property = schemas.subschema(schema, "properties", Some(key));
        out.insert((*key).to_owned(), coerce(schemas, value, property));
    }
    Value::Object(out)
}

/// Strings as an array, each read per `items` (a repeated string once).
pub(crate) fn coerce_array(schemas: &Schemas, items: &[&str], schema: &Value) -> Value {
    let item_schema = schemas.subschema(schema, "items", None);
    let mut seen: HashMap<&str, Value> = HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let value = seen
            .entry(item)
            .or_insert_with(|| coerce(schemas, item, item_schema));
        out.push(value.clone());
    }
    Value::Array(out)
}

/// How a parameter is serialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Array,
    Object,
    Scalar,
}

/// `array`, `object` or `scalar`.
pub(crate) fn shape(schemas: &Schemas, schema: &Value) -> Shape {
    let types = schemas.types_of(schema);
    match types.as_slice() {
        ["array"] | ["array", "null"] => Shape::Array,
        ["null", "object"] | ["object"] => Shape::Object,
        _ => Shape::Scalar,
    }
}

/// The branch of a `oneOf`/`anyOf` schema that is an array, if any.
fn array_branch<'s>(schemas: &'s Schemas, schema: &'s Value) -> Option<&'s Value> {
    let resolved = schemas.resolve(schema);
    ["oneOf", "anyOf"]
        .iter()
        .filter_map(|keyword| resolved.get(*keyword).and_then(Value::as_array))
        .flatten()
        .find(|branch| shape(schemas, branch) == Shape::Array)
}

/// Whether OpenAPI gives a parameter no serialisation: an array of objects
/// or of arrays (clients send such values in forms of their own, taken as
/// they are).
pub(crate) fn has_no_wire_form(schemas: &Schemas, param: &ParamSpec) -> bool {
    shape(schemas, &param.schema) == Shape::Array
        && shape(schemas, schemas.subschema(&param.schema, "items", None)) != Shape::Scalar
}

fn pairs(parts: &[&str], explode: bool) -> Vec<(String, String)> {
    if explode {
        parts
            .iter()
            .map(|part| {
                let (key, value) = part.split_once('=').unwrap_or((part, ""));
                (key.to_owned(), value.to_owned())
            })
            .collect()
    } else {
        parts
            .chunks(2)
            .filter(|pair| pair.len() == 2)
            .map(|pair| (pair[0].to_owned(), pair[1].to_owned()))
            .collect()
    }
}

/// A simple/form-serialised value (path, header, cookie, unexploded query).
fn from_text(
    schemas: &Schemas,
    text: &str,
    param: &ParamSpec,
    style: &str,
    separator: &str,
) -> Value {
    let schema = param.schema.as_ref();
    let kind = shape(schemas, schema);
    let mut text = text.to_owned();
    let mut separator = separator.to_owned();
    if style == "label" {
        text = text.strip_prefix('.').unwrap_or(&text).to_owned();
        separator = if param.explode { "." } else { "," }.to_owned();
    } else if style == "matrix" {
        text = text.strip_prefix(';').unwrap_or(&text).to_owned();
        let prefix = format!("{}=", param.name);
        if kind != Shape::Object || !param.explode {
            text = text
                .split(';')
                .map(|p| p.strip_prefix(&prefix).unwrap_or(p))
                .collect::<Vec<_>>()
                .join(",");
        } else {
            text = text.replace(';', ",");
        }
    }
    match kind {
        Shape::Array => {
            // Empty text is an empty array here: joined items of none
            // (clients send `ids=` for `[]` unexploded).
            let items: Vec<&str> = if text.is_empty() {
                Vec::new()
            } else {
                text.split(separator.as_str()).collect()
            };
            coerce_array(schemas, &items, schema)
        }
        Shape::Object => {
            let parts: Vec<&str> = text.split(separator.as_str()).collect();
            let found = pairs(&parts, param.explode);
            let borrowed: Vec<(&str, &str)> = found
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            coerce_object(schemas, &borrowed, schema)
        }
        Shape::Scalar => coerce(schemas, &text, schema),
    }
}

fn query_value(schemas: &Schemas, request: &Incoming, param: &ParamSpec) -> Option<Value> {
    let schema = param.schema.as_ref();
    let name = param.name.as_str();
    let kind = shape(schemas, schema);
    if param.style == "deepObject" {
        let prefix = format!("{name}[");
        let found: Vec<(&str, &str)> = request
            .query
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_suffix(']'))
                    .map(|key| (key, v.as_str()))
            })
            .collect();
        return (!found.is_empty()).then(|| coerce_object(schemas, &found, schema));
    }
    if kind == Shape::Object && param.explode {
        let properties = schemas
            .resolve(schema)
            .get("properties")
            .and_then(Value::as_object);
        let found: Vec<(&str, &str)> = request
            .query
            .iter()
            .filter(|(k, _)| properties.is_some_and(|p| p.contains_key(k)))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        return (!found.is_empty()).then(|| coerce_object(schemas, &found, schema));
    }
    let mut sent = request
        .query
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    let text = sent.next()?;
    if kind == Shape::Array && param.style == "form" && param.explode {
        return Some(coerce_array(schemas, &request.query_all(name), schema));
    }
    if sent.next().is_some() {
        // Only an exploded array is sent as several values: the array a
        // branch of the schema allows (Discord's `oneOf` a snowflake or a
        // list of them), else the texts as sent, which the schema refuses.
        let texts = request.query_all(name);
        if param.style == "form"
            && param.explode
            && let Some(branch) = array_branch(schemas, schema)
        {
            return Some(coerce_array(schemas, &texts, branch));
        }
        return Some(Value::Array(texts.into_iter().map(Value::from).collect()));
    }
    if kind == Shape::Array {
        let separator = match param.style.as_str() {
            "spaceDelimited" => " ",
            "pipeDelimited" => "|",
            _ => ",",
        };
        return Some(from_text(schemas, text, param, "form", separator));
    }
    Some(from_text(schemas, text, param, &param.style, ","))
}

/// A path parameter's value among `captured` (the route's parameters, by
/// its names); `None` when absent.
pub(crate) fn path_value(
    schemas: &Schemas,
    request: &Incoming,
    param: &ParamSpec,
    captured: &[(String, String)],
) -> Option<Value> {
    let raw = [&param.ident, &param.name].into_iter().find_map(|name| {
        captured
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| request.restore(value))
    })?;
    Some(from_text(schemas, &raw, param, &param.style, ","))
}

/// A parameter's value read off the request; `None` when absent.
pub(crate) fn value(schemas: &Schemas, request: &Incoming, param: &ParamSpec) -> Option<Value> {
    match param.location {
        In::Query => query_value(schemas, request, param),
        In::Path => path_value(schemas, request, param, &request.path_params),
        In::Header => {
            let values = request.header_all(&param.name);
            (!values.is_empty())
                .then(|| from_text(schemas, &values.join(", "), param, &param.style, ","))
        }
        In::Cookie => {
            let raw = request.cookie(&param.name)?;
            Some(from_text(schemas, &raw, param, &param.style, ","))
        }
    }
}
