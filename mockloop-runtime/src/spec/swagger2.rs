//! Swagger 2.0 → OpenAPI 3.0 structure.
//!
//! The input has been resolved already: it holds no non-schema `$ref`s, and
//! its schema references read `#/components/schemas/<Name>`.
mod params;
mod security;

use serde_json::{Map, Value, json};

use crate::spec::pointer::render;

const DEFAULT_MEDIA_TYPE: &str = "application/json";
const OPERATIONS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// Converts a resolved 2.0 document to the 3.0 shape.
pub(crate) fn convert(document: Value, warnings: &mut Vec<String>) -> Value {
    let Value::Object(mut root) = document else {
        return document;
    };
    let media = MediaTypes {
        consumes: strings(root.get("consumes")),
        produces: strings(root.get("produces")),
    };
    let mut out = Map::new();
    out.insert("openapi".to_owned(), json!("3.0.3"));
    if let Some(info) = root.remove("info") {
        out.insert("info".to_owned(), info);
    }
    out.insert("servers".to_owned(), servers(&root));
    let mut components = Map::new();
    for (key, value) in root {
        match key.as_str() {
            "swagger" | "host" | "basePath" | "schemes" | "consumes" | "produces"
            | "parameters" | "responses" => {}
            "paths" => {
                out.insert(key, paths(value, &media, warnings));
            }
            "definitions" => {
                components.insert("schemas".to_owned(), value);
            }
            "securityDefinitions" => {
                components.insert(
                    "securitySchemes".to_owned(),
                    security::schemes(value, warnings),
                );
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    out.entry("paths").or_insert_with(|| json!({}));
    if !components.is_empty() {
        out.insert("components".to_owned(), Value::Object(components));
    }
    Value::Object(out)
}

/// The media types in force for an operation.
#[derive(Clone)]
struct MediaTypes {
    consumes: Vec<String>,
    produces: Vec<String>,
}

impl MediaTypes {
    /// The operation's own `consumes`/`produces` override the global ones.
    fn for_operation(&self, operation: &Map<String, Value>) -> MediaTypes {
        let pick = |key: &str, global: &Vec<String>| match operation.get(key) {
            Some(value) => strings(Some(value)),
            None => global.clone(),
        };
        MediaTypes {
            consumes: pick("consumes", &self.consumes),
            produces: pick("produces", &self.produces),
        }
    }
}

/// `host`/`basePath`/`schemes` → `servers`.
fn servers(root: &Map<String, Value>) -> Value {
    let base_path = root.get("basePath").and_then(Value::as_str).unwrap_or("/");
    let base_path = if base_path.starts_with('/') {
        base_path.to_owned()
    } else {
        format!("/{base_path}")
    };
    let Some(host) = root.get("host").and_then(Value::as_str) else {
        return json!([{ "url": base_path }]);
    };
    let mut schemes = strings(root.get("schemes"));
    if schemes.is_empty() {
        schemes.push("http".to_owned());
    }
    let suffix = base_path.trim_end_matches('/');
    let urls: Vec<Value> = schemes
        .iter()
        .map(|scheme| json!({ "url": format!("{scheme}://{host}{suffix}") }))
        .collect();
    Value::Array(urls)
}

fn paths(value: Value, media: &MediaTypes, warnings: &mut Vec<String>) -> Value {
    let Value::Object(paths) = value else {
        return value;
    };
    let mut out = Map::with_capacity(paths.len());
    for (path, item) in paths {
        let converted = match item {
            Value::Object(item) if !path.starts_with("x-") => {
                path_item(item, &["paths".to_owned(), path.clone()], media, warnings)
            }
            other => other,
        };
        out.insert(path, converted);
    }
    Value::Object(out)
}

fn path_item(
    item: Map<String, Value>,
    location: &[String],
    media: &MediaTypes,
    warnings: &mut Vec<String>,
) -> Value {
    let shared = match item.get("parameters") {
        Some(Value::Array(list)) => list.clone(),
        _ => Vec::new(),
    };
    let mut out = Map::with_capacity(item.len());
    for (key, value) in item {
        let converted = match (key.as_str(), value) {
            ("parameters", Value::Array(list)) => {
                let kept = params::plain(list, &location_with(location, "parameters"), warnings);
                if kept.is_empty() {
                    continue;
                }
                Value::Array(kept)
            }
            (method, Value::Object(operation)) if OPERATIONS.contains(&method) => {
                let context = Operation {
                    location: location_with(location, method),
                    media: media.for_operation(&operation),
                    shared: &shared,
                };
                context.convert(operation, warnings)
            }
            (_, other) => other,
        };
        out.insert(key, converted);
    }
    Value::Object(out)
}

/// One operation being converted.
struct Operation<'a> {
    location: Vec<String>,
    media: MediaTypes,
    /// The path item's parameters.
    shared: &'a [Value],
}

impl Operation<'_> {
    fn convert(&self, operation: Map<String, Value>, warnings: &mut Vec<String>) -> Value {
        let own = match operation.get("parameters") {
            Some(Value::Array(list)) => list.clone(),
            _ => Vec::new(),
        };
        let request_body =
            params::request_body(&own, self.shared, &self.media, &self.location, warnings);
        let mut out = Map::with_capacity(operation.len() + 1);
        for (key, value) in operation {
            match (key.as_str(), value) {
                ("consumes" | "produces", _) => {}
                ("schemes", _) => warnings.push(format!(
                    "{}: operation-level `schemes` are ignored",
                    render(&self.location)
                )),
                ("parameters", Value::Array(list)) => {
                    let kept =
                        params::plain(list, &location_with(&self.location, "parameters"), warnings);
                    if !kept.is_empty() {
                        out.insert(key, Value::Array(kept));
                    }
                }
                ("responses", value) => {
                    if let Some(body) = &request_body {
                        out.insert("requestBody".to_owned(), body.clone());
                    }
                    out.insert(key, self.responses(value, warnings));
                }
                (_, value) => {
                    out.insert(key, value);
                }
            }
        }
        if let Some(body) = request_body {
            out.entry("requestBody").or_insert(body);
        }
        Value::Object(out)
    }

    fn responses(&self, value: Value, warnings: &mut Vec<String>) -> Value {
        let Value::Object(responses) = value else {
            return value;
        };
        let mut out = Map::with_capacity(responses.len());
        for (code, response) in responses {
            let converted = match response {
                Value::Object(response) if !code.starts_with("x-") => {
                    let location =
                        location_with(&location_with(&self.location, "responses"), &code);
                    self.response(response, &location, warnings)
                }
                other => other,
            };
            out.insert(code, converted);
        }
        Value::Object(out)
    }

    fn response(
        &self,
        mut response: Map<String, Value>,
        location: &[String],
        warnings: &mut Vec<String>,
    ) -> Value {
        let schema = response.remove("schema");
        let mut examples = match response.remove("examples") {
            Some(Value::Object(examples)) => examples,
            _ => Map::new(),
        };
        let mut out = Map::with_capacity(response.len() + 1);
        out.insert(
            "description".to_owned(),
            response.remove("description").unwrap_or_else(|| json!("")),
        );
        for (key, value) in response {
            let converted = match (key.as_str(), value) {
                ("headers", Value::Object(headers)) => {
                    let location = location_with(location, "headers");
                    Value::Object(
                        headers
                            .into_iter()
                            .map(|(name, header)| {
                                let converted = params::header(
                                    header,
                                    &location_with(&location, &name),
                                    warnings,
                                );
                                (name, converted)
                            })
                            .collect(),
                    )
                }
                (_, other) => other,
            };
            out.insert(key, converted);
        }
        // A response without a schema still declares the `produces` types as
        // its media types (clients and tools such as schemathesis expect
        // that Content-Type), so keep them as content without a schema.
        if schema.is_some() || !examples.is_empty() || !self.media.produces.is_empty() {
            let mut types = params::unique_or_default(&self.media.produces, DEFAULT_MEDIA_TYPE);
            for media_type in examples.keys() {
                if !types.contains(media_type) {
                    types.push(media_type.clone());
                }
            }
            let mut content = Map::with_capacity(types.len());
            for media_type in types {
                let mut entry = Map::new();
                if let Some(schema) = &schema {
                    entry.insert("schema".to_owned(), schema.clone());
                }
                if let Some(example) = examples.remove(&media_type) {
                    entry.insert("example".to_owned(), json_example(&media_type, example));
                }
                content.insert(media_type, Value::Object(entry));
            }
            out.insert("content".to_owned(), Value::Object(content));
        }
        Value::Object(out)
    }
}

/// A JSON example written as a string of JSON (as 2.0 examples often are)
/// becomes the JSON value it spells.
fn json_example(media_type: &str, example: Value) -> Value {
    let is_json = media_type.to_ascii_lowercase().contains("json");
    match &example {
        Value::String(text) if is_json && text.trim_start().starts_with(['{', '[']) => {
            serde_json::from_str(text).unwrap_or(example)
        }
        _ => example,
    }
}

/// A list of strings (`consumes`, `produces`, `schemes`).
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn location_with(location: &[String], key: &str) -> Vec<String> {
    let mut out = location.to_vec();
    out.push(key.to_owned());
    out
}
