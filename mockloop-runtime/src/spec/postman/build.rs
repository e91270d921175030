//! The OpenAPI objects of one assembled operation: parameters, request
//! body, responses with their named examples, security.
use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::super::infer::{Strictness, infer};
use super::values::secretish;
use super::{Example, OperationSeen, ParamSeen, SKIPPED_HEADERS};
use crate::model::carries_json as is_json;

/// A unique operationId made from an item's name.
fn operation_id(summary: &str, ids: &mut HashMap<String, usize>) -> String {
    let mut id = String::new();
    for (index, word) in summary
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let lower = word.to_ascii_lowercase();
        if index == 0 {
            id.push_str(&lower);
        } else {
            let mut chars = lower.chars();
            if let Some(first) = chars.next() {
                id.push(first.to_ascii_uppercase());
                id.push_str(chars.as_str());
            }
        }
    }
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert_str(0, "operation");
    }
    let count = ids.entry(id.clone()).or_insert(0);
    *count += 1;
    if *count > 1 {
        format!("{id}{count}")
    } else {
        id
    }
}

/// The `paths` object of assembled operations keyed by (path, method),
/// with unique operationIds.
pub(in crate::spec) fn paths(
    operations: IndexMap<(String, String), OperationSeen>,
) -> IndexMap<String, Map<String, Value>> {
    let mut paths: IndexMap<String, Map<String, Value>> = IndexMap::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for ((path, method), seen) in operations {
        let operation = operation(&seen, &mut ids);
        paths
            .entry(path)
            .or_default()
            .insert(method.to_ascii_lowercase(), operation);
    }
    paths
}

fn operation(seen: &OperationSeen, ids: &mut HashMap<String, usize>) -> Value {
    let mut out = Map::new();
    if !seen.summary.is_empty() {
        out.insert("summary".to_owned(), json!(seen.summary));
    }
    out.insert(
        "operationId".to_owned(),
        json!(operation_id(&seen.summary, ids)),
    );
    if let Some(description) = &seen.description {
        out.insert("description".to_owned(), json!(description));
    }
    if !seen.tags.is_empty() {
        out.insert("tags".to_owned(), json!(seen.tags));
    }
    let params: Vec<Value> = seen
        .params
        .iter()
        .map(|((place, name), param)| parameter(place, name, param, seen.requests))
        .collect();
    if !params.is_empty() {
        out.insert("parameters".to_owned(), json!(params));
    }
    if !seen.bodies.is_empty() {
        let content: Map<String, Value> = seen
            .bodies
            .iter()
            .map(|(media, values)| {
                let examples: Vec<&Value> = values.iter().map(|(_, v)| v).collect();
                let mut schema = infer(&examples, Strictness::Lenient);
                if media == "multipart/form-data" {
                    mark_files(&mut schema, values);
                }
                let mut object = json!({"schema": schema});
                if let Some((_, first)) = values.first() {
                    object["example"] = first.clone();
                }
                (media.clone(), object)
            })
            .collect();
        out.insert("requestBody".to_owned(), json!({"content": content}));
    }
    let mut responses = Map::new();
    for (code, examples) in &seen.responses {
        responses.insert(code.to_string(), response(examples));
    }
    if responses.is_empty() {
        responses.insert("200".to_owned(), json!({"description": "OK"}));
    }
    // The mock enforces the operation's auth: say so.
    let secured = seen
        .security
        .as_ref()
        .and_then(Value::as_array)
        .is_some_and(|alternatives| !alternatives.is_empty());
    if secured && !responses.contains_key("401") {
        responses.insert(
            "401".to_owned(),
            json!({"description": "Unauthorized: the credentials are missing or wrong"}),
        );
    }
    out.insert("responses".to_owned(), Value::Object(responses));
    if let Some(security) = &seen.security {
        out.insert("security".to_owned(), security.clone());
    }
    Value::Object(out)
}

/// File fields of a form-data schema become binary strings.
fn mark_files(schema: &mut Value, values: &[(String, Value)]) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        let file = values
            .iter()
            .any(|(_, v)| v.get(name).and_then(Value::as_str) == Some("<file>"));
        if file {
            *property = json!({"type": "string", "format": "binary"});
        }
    }
}

fn parameter(place: &str, name: &str, seen: &ParamSeen, requests: usize) -> Value {
    let values: Vec<&Value> = seen.values.iter().collect();
    // One example says little: a lone value types nothing but a string.
    let schema = if place == "header" || values.len() < 2 {
        json!({"type": "string"})
    } else {
        let strings: Vec<Value> = seen
            .values
            .iter()
            .map(|v| match v {
                Value::String(_) => v.clone(),
                other => Value::String(other.to_string()),
            })
            .collect();
        let typed = infer(&values, Strictness::Lenient);
        if typed.get("type").is_some() {
            typed
        } else {
            infer(&strings.iter().collect::<Vec<_>>(), Strictness::Lenient)
        }
    };
    // Sent several times in one request: an (exploded) array.
    let repeated = place == "query" && seen.repeated;
    let schema = if repeated {
        json!({"type": "array", "items": schema})
    } else {
        schema
    };
    let required =
        place == "path" || (place == "query" && seen.enabled == requests && requests > 0);
    let mut out = json!({"name": name, "in": place, "required": required, "schema": schema});
    if let Some(description) = &seen.description {
        out["description"] = json!(description);
    }
    if let Some(example) = seen.values.first()
        && !(example.is_string() && example.as_str() == Some(""))
        && !secretish(name)
    {
        let schema = if repeated {
            &out["schema"]["items"]
        } else {
            &out["schema"]
        };
        let example = match (schema["type"].as_str(), example) {
            (Some("string"), Value::String(_)) | (None, _) => example.clone(),
            (Some("string"), other) => Value::String(other.to_string()),
            _ => example.clone(),
        };
        out["example"] = if repeated { json!([example]) } else { example };
    }
    out
}

fn response(examples: &[Example]) -> Value {
    let description = examples
        .iter()
        .map(|e| e.status_text.as_str())
        .find(|s| !s.is_empty())
        .map_or_else(|| examples[0].name.clone(), str::to_owned);
    let mut out = json!({"description": description});
    let mut content: IndexMap<String, Vec<&Example>> = IndexMap::new();
    for example in examples {
        if let Some(media) = &example.media {
            content.entry(media.clone()).or_default().push(example);
        }
    }
    if !content.is_empty() {
        let mut media_out = Map::new();
        for (media, list) in content {
            let bodies: Vec<&Value> = list.iter().map(|e| &e.body).collect();
            let schema = if is_json(&media) {
                infer(&bodies, Strictness::Descriptive)
            } else {
                json!({"type": "string"})
            };
            let mut named = Map::new();
            for example in list {
                let mut key = example.name.clone();
                let mut n = 1;
                while named.contains_key(&key) {
                    n += 1;
                    key = format!("{} {n}", example.name);
                }
                named.insert(key, json!({"value": example.body}));
            }
            media_out.insert(media, json!({"schema": schema, "examples": named}));
        }
        out["content"] = Value::Object(media_out);
    }
    let mut headers = Map::new();
    for (name, value) in &examples[0].headers {
        let lower = name.to_ascii_lowercase();
        let noise = lower.starts_with("access-control-")
            || lower.starts_with("x-amz")
            || lower.starts_with("cf-")
            || [
                "server",
                "x-powered-by",
                "via",
                "vary",
                "etag",
                "last-modified",
                "expires",
                "strict-transport-security",
                "alt-svc",
                "report-to",
                "nel",
                "age",
                "cache-control",
                "pragma",
                "content-encoding",
                "x-cache",
            ]
            .contains(&lower.as_str());
        if noise || SKIPPED_HEADERS.contains(&lower.as_str()) || secretish(&lower) {
            continue;
        }
        headers.insert(
            name.clone(),
            json!({"schema": {"type": "string"}, "example": value}),
        );
    }
    if !headers.is_empty() {
        out["headers"] = Value::Object(headers);
    }
    out
}
