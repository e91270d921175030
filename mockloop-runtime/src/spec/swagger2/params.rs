//! Swagger 2.0 parameters and headers → OpenAPI 3.0 parameters, request
//! bodies and headers.
use serde_json::{Map, Value, json};

use super::{DEFAULT_MEDIA_TYPE, MediaTypes, location_with};
use crate::spec::pointer::render;

const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// The keywords of a 2.0 parameter, header or items object that describe
/// its value; they move into `schema`.
const SCHEMA_KEYS: [&str; 18] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
    "x-nullable",
    "$ref",
];

/// Converts the parameters that stay parameters (query, header, path,
/// cookie); `body` and `formData` ones are left to [`request_body`].
pub(super) fn plain(
    list: Vec<Value>,
    location: &[String],
    warnings: &mut Vec<String>,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(list.len());
    for (i, param) in list.into_iter().enumerate() {
        let Value::Object(param) = param else {
            out.push(param);
            continue;
        };
        if matches!(param_in(&param), "body" | "formData") {
            continue;
        }
        out.push(parameter(
            param,
            &location_with(location, &i.to_string()),
            warnings,
        ));
    }
    out
}

fn param_in(param: &Map<String, Value>) -> &str {
    param.get("in").and_then(Value::as_str).unwrap_or_default()
}

fn param_name(param: &Map<String, Value>) -> &str {
    param
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn parameter(
    mut param: Map<String, Value>,
    location: &[String],
    warnings: &mut Vec<String>,
) -> Value {
    let place = param_in(&param).to_owned();
    let collection = take_str(&mut param, "collectionFormat");
    let is_array = param.get("type").and_then(Value::as_str) == Some("array");
    let schema = take_schema(&mut param, location, warnings);
    let mut out = Map::with_capacity(param.len() + 3);
    for (key, value) in param {
        if key == "x-example" {
            out.insert("example".to_owned(), value);
        } else {
            out.insert(key, value);
        }
    }
    if place == "path" {
        out.insert("required".to_owned(), json!(true));
    }
    if is_array
        && let Some((style, explode)) = style(collection.as_deref(), &place, location, warnings)
    {
        out.insert("style".to_owned(), json!(style));
        out.insert("explode".to_owned(), json!(explode));
    }
    out.insert("schema".to_owned(), schema);
    Value::Object(out)
}

/// `collectionFormat` → (`style`, `explode`) for a parameter in `place`.
fn style(
    collection: Option<&str>,
    place: &str,
    location: &[String],
    warnings: &mut Vec<String>,
) -> Option<(&'static str, bool)> {
    let query_like = matches!(place, "query" | "formData");
    let mut warn = |what: &str| {
        warnings.push(format!("{}: collectionFormat {what}", render(location)));
    };
    match (collection.unwrap_or("csv"), query_like) {
        ("csv", true) => Some(("form", false)),
        ("csv", false) => Some(("simple", false)),
        ("multi", true) => Some(("form", true)),
        ("ssv", true) => Some(("spaceDelimited", false)),
        ("pipes", true) => Some(("pipeDelimited", false)),
        ("tsv", true) => {
            warn(
                "`tsv` has no OpenAPI 3 equivalent; read as comma-separated (form, explode=false)",
            );
            Some(("form", false))
        }
        (other, true) => {
            warn(&format!("{other:?} is unknown; read as `csv`"));
            Some(("form", false))
        }
        (other, false) => {
            warn(&format!(
                "{other:?} is not allowed in {place}; read as `csv`"
            ));
            Some(("simple", false))
        }
    }
}

/// Moves the value-describing keywords of a 2.0 parameter, header or items
/// object into a schema.
fn take_schema(
    object: &mut Map<String, Value>,
    location: &[String],
    warnings: &mut Vec<String>,
) -> Value {
    let mut schema = Map::new();
    for key in SCHEMA_KEYS {
        if let Some(value) = object.remove(key) {
            let value = match (key, value) {
                ("items", Value::Object(mut items)) => {
                    if let Some(inner) = take_str(&mut items, "collectionFormat")
                        && inner != "csv"
                    {
                        warnings.push(format!(
                            "{}: nested collectionFormat {inner:?} is not supported; read as `csv`",
                            render(location)
                        ));
                    }
                    let inner = take_schema(&mut items, location, warnings);
                    merge_into(inner, items)
                }
                (_, value) => value,
            };
            schema.insert(key.to_owned(), value);
        }
    }
    Value::Object(schema)
}

/// Adds the leftover keys of an items object (extensions) to its schema.
fn merge_into(schema: Value, rest: Map<String, Value>) -> Value {
    match schema {
        Value::Object(mut map) => {
            for (key, value) in rest {
                map.entry(key).or_insert(value);
            }
            Value::Object(map)
        }
        other => other,
    }
}

fn take_str(object: &mut Map<String, Value>, key: &str) -> Option<String> {
    match object.remove(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// A 2.0 response header → a 3.0 header.
pub(super) fn header(header: Value, location: &[String], warnings: &mut Vec<String>) -> Value {
    let Value::Object(mut header) = header else {
        return header;
    };
    let collection = take_str(&mut header, "collectionFormat");
    let is_array = header.get("type").and_then(Value::as_str) == Some("array");
    let schema = take_schema(&mut header, location, warnings);
    let mut out = header;
    if is_array
        && let Some((style, explode)) = style(collection.as_deref(), "header", location, warnings)
    {
        out.insert("style".to_owned(), json!(style));
        out.insert("explode".to_owned(), json!(explode));
    }
    out.insert("schema".to_owned(), schema);
    Value::Object(out)
}

/// The request body from the operation's `body` or `formData` parameters,
/// falling back to the path item's ones that the operation does not override.
pub(super) fn request_body(
    own: &[Value],
    shared: &[Value],
    media: &MediaTypes,
    location: &[String],
    warnings: &mut Vec<String>,
) -> Option<Value> {
    let overridden = |p: &Map<String, Value>| {
        own.iter().filter_map(Value::as_object).any(|o| {
            param_in(o) == param_in(p) && (param_in(p) == "body" || param_name(o) == param_name(p))
        })
    };
    let mut params: Vec<&Map<String, Value>> = shared
        .iter()
        .filter_map(Value::as_object)
        .filter(|p| !overridden(p))
        .collect();
    params.extend(own.iter().filter_map(Value::as_object));
    let location = location_with(location, "parameters");
    if let Some(body) = params.iter().find(|p| param_in(p) == "body") {
        if params.iter().any(|p| param_in(p) == "formData") {
            warnings.push(format!(
                "{}: both `body` and `formData` parameters; the formData ones are ignored",
                render(&location)
            ));
        }
        return Some(body_param(body, media));
    }
    let form: Vec<&Map<String, Value>> = params
        .into_iter()
        .filter(|p| param_in(p) == "formData")
        .collect();
    (!form.is_empty()).then(|| form_body(&form, media, &location, warnings))
}

fn body_param(body: &Map<String, Value>, media: &MediaTypes) -> Value {
    let schema = body.get("schema").cloned().unwrap_or_else(|| json!({}));
    let examples = body.get("x-examples").and_then(Value::as_object);
    let mut content = Map::new();
    for media_type in unique_or_default(&media.consumes, DEFAULT_MEDIA_TYPE) {
        let mut entry = Map::from_iter([("schema".to_owned(), schema.clone())]);
        if let Some(example) = examples.and_then(|e| e.get(&media_type)) {
            entry.insert("example".to_owned(), example.clone());
        }
        content.insert(media_type, Value::Object(entry));
    }
    let mut out = Map::new();
    if let Some(description) = body.get("description") {
        out.insert("description".to_owned(), description.clone());
    }
    out.insert("content".to_owned(), Value::Object(content));
    if body.get("required") == Some(&json!(true)) {
        out.insert("required".to_owned(), json!(true));
    }
    for (key, value) in body {
        if key.starts_with("x-") && key != "x-examples" {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

fn form_body(
    form: &[&Map<String, Value>],
    media: &MediaTypes,
    location: &[String],
    warnings: &mut Vec<String>,
) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut encoding = Map::new();
    let mut has_file = false;
    for param in form {
        let name = param_name(param).to_owned();
        let mut param = (*param).clone();
        has_file |= param.get("type").and_then(Value::as_str) == Some("file");
        let collection = take_str(&mut param, "collectionFormat");
        let is_array = param.get("type").and_then(Value::as_str) == Some("array");
        let mut schema = take_schema(&mut param, location, warnings);
        if let (Some(description), Value::Object(schema)) = (param.get("description"), &mut schema)
        {
            schema.insert("description".to_owned(), description.clone());
        }
        if param.get("required") == Some(&json!(true)) {
            required.push(json!(name));
        }
        if is_array
            && collection.as_deref() != Some("multi")
            && let Some((style, explode)) =
                style(collection.as_deref(), "formData", location, warnings)
        {
            encoding.insert(name.clone(), json!({ "style": style, "explode": explode }));
        }
        properties.insert(name, schema);
    }
    // The formData parameters are the whole form: no other field is valid.
    let mut schema = Map::from_iter([
        ("type".to_owned(), json!("object")),
        ("properties".to_owned(), Value::Object(properties)),
        ("additionalProperties".to_owned(), json!(false)),
    ]);
    let any_required = !required.is_empty();
    if any_required {
        schema.insert("required".to_owned(), Value::Array(required));
    }
    let mut types: Vec<String> = media
        .consumes
        .iter()
        .filter(|m| base_type(m) == FORM || base_type(m) == MULTIPART)
        .cloned()
        .collect();
    if has_file {
        types.retain(|m| base_type(m) == MULTIPART);
    }
    if types.is_empty() {
        types.push(if has_file { MULTIPART } else { FORM }.to_owned());
    }
    let mut content = Map::new();
    for media_type in unique_or_default(&types, FORM) {
        let mut entry = Map::from_iter([("schema".to_owned(), Value::Object(schema.clone()))]);
        if base_type(&media_type) == FORM && !encoding.is_empty() {
            entry.insert("encoding".to_owned(), Value::Object(encoding.clone()));
        }
        content.insert(media_type, Value::Object(entry));
    }
    let mut out = Map::from_iter([("content".to_owned(), Value::Object(content))]);
    if any_required {
        out.insert("required".to_owned(), json!(true));
    }
    Value::Object(out)
}

/// The media type without parameters, lower-cased.
fn base_type(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The list without duplicates, or the default when it is empty.
pub(super) fn unique_or_default(list: &[String], default: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len().max(1));
    for item in list {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    if out.is_empty() {
        out.push(default.to_owned());
    }
    out
}
