//! The checks of one response against the spec, named as schemathesis
//! names them: `not_a_server_error`, `status_code_conformance`,
//! `content_type_conformance`, `response_headers_conformance`,
//! `response_schema_conformance` and, for invalid requests,
//! `negative_data_rejection`.
use serde_json::Value;

use super::super::api::Api;
use crate::model::{Operation, carries_json as is_json, media_essence as essence};
use crate::synth::Synthesizer;

/// Most schema errors reported for one response.
const MAX_SCHEMA_ERRORS: usize = 5;

/// A response as received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// One thing wrong with a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The check that failed.
    pub(crate) check: &'static str,
    /// What is wrong.
    pub(crate) message: String,
    /// The JSON pointer of the violation in the body, for schema errors.
    pub(crate) pointer: Option<String>,
}

fn problem(check: &'static str, message: String) -> Problem {
    Problem {
        check,
        message,
        pointer: None,
    }
}

/// The documented response key (`200`, `2XX`, `default`) that covers
/// `status`, if any.
pub(crate) fn documented_key(operation: &Operation, status: u16) -> Option<String> {
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    let keys: Vec<&str> = operation
        .responses
        .iter()
        .map(|r| r.status.as_str())
        .collect();
    if keys.contains(&exact.as_str()) {
        return Some(exact);
    }
    if let Some(key) = keys.iter().find(|key| key.eq_ignore_ascii_case(&range)) {
        return Some((*key).to_owned());
    }
    keys.contains(&"default").then(|| "default".to_owned())
}

/// Whether `received` matches the documented `pattern` (`*/*`, `text/*`).
fn media_matches(pattern: &str, received: &str) -> bool {
    let pattern = essence(pattern);
    if pattern == "*/*" || pattern == received {
        return true;
    }
    match (pattern.split_once('/'), received.split_once('/')) {
        (Some((kind, "*")), Some((other, _))) => kind == other,
        _ => false,
    }
}

/// The problems of the answer to a valid request.
pub(crate) fn positive(
    api: &Api,
    synth: &mut Synthesizer<'_>,
    operation: &Operation,
    received: &Received,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let status = received.status;
    if status >= 500 {
        problems.push(problem(
            "not_a_server_error",
            format!("the server answered {status} to a valid request"),
        ));
    }
    let Some(key) = documented_key(operation, status) else {
        let documented: Vec<&str> = operation
            .responses
            .iter()
            .map(|r| r.status.as_str())
            .collect();
        problems.push(problem(
            "status_code_conformance",
            format!(
                "status {status} is not documented (documented: {})",
                documented.join(", ")
            ),
        ));
        return problems;
    };
    let Some(response) = api.response_object(operation, &key) else {
        return problems;
    };
    let content = response.get("content").and_then(Value::as_object);
    let received_type = received.header("content-type").map(essence);
    let mut schema = None;
    if let Some(content) = content.filter(|c| !c.is_empty())
        && !received.body.is_empty()
    {
        let documented: Vec<&String> = content.keys().collect();
        match &received_type {
            None => problems.push(problem(
                "content_type_conformance",
                format!(
                    "the {status} response has a body but no Content-Type (documented: {})",
                    join(&documented)
                ),
            )),
            Some(got) => match content.iter().find(|(media, _)| media_matches(media, got)) {
                None => problems.push(problem(
                    "content_type_conformance",
                    format!(
                        "Content-Type {got} is not documented for {key} (documented: {})",
                        join(&documented)
                    ),
                )),
                Some((_, media)) => schema = media.get("schema").cloned(),
            },
        }
    }
    problems.extend(headers(api, synth, response, received));
    if let (Some(schema), Some(got)) = (schema, &received_type)
        && is_json(got)
    {
        problems.extend(body(synth, &schema, received));
    }
    problems
}

fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Required documented headers present, and valid where present.
fn headers(
    api: &Api,
    synth: &mut Synthesizer<'_>,
    response: &Value,
    received: &Received,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(documented) = response.get("headers").and_then(Value::as_object) else {
        return problems;
    };
    for (name, header) in documented {
        if name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        let header = api.resolve(header);
        let required = header.get("required").and_then(Value::as_bool) == Some(true);
        match received.header(name) {
            None if required => problems.push(problem(
                "response_headers_conformance",
                format!("the required header {name} is missing"),
            )),
            None => {}
            Some(text) => {
                let Some(schema) = header.get("schema") else {
                    continue;
                };
                let resolved = api.resolve(schema);
                let value = typed_header(resolved, text);
                if !synth.is_valid(schema, &value) {
                    problems.push(problem(
                        "response_headers_conformance",
                        format!("header {name}: {text:?} is not valid against its schema"),
                    ));
                }
            }
        }
    }
    problems
}

/// A header's text as the type its schema declares.
fn typed_header(schema: &Value, text: &str) -> Value {
    let kind = match schema.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("string"),
        _ => "string",
    };
    let parsed = match kind {
        "integer" => text.trim().parse::<i64>().ok().map(Value::from),
        "number" => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        "boolean" => match text.trim() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// The body parses as JSON and validates against `schema`.
fn body(synth: &mut Synthesizer<'_>, schema: &Value, received: &Received) -> Vec<Problem> {
    let instance: Value = match serde_json::from_slice(&received.body) {
        Ok(value) => value,
        Err(err) => {
            return vec![problem(
                "response_schema_conformance",
                format!("the body is not valid JSON: {err}"),
            )];
        }
    };
    let Some(errors) = synth.violations(schema, &instance, MAX_SCHEMA_ERRORS) else {
        return Vec::new();
    };
    errors
        .into_iter()
        .map(|(pointer, message)| Problem {
            check: "response_schema_conformance",
            message: format!(
                "the body at {} does not match the schema: {message}",
                if pointer.is_empty() { "/" } else { &pointer }
            ),
            pointer: Some(pointer),
        })
        .collect()
}

/// The problems of the answer to an invalid request (`breaks` says how).
pub(crate) fn negative(breaks: &str, received: &Received) -> Vec<Problem> {
    let status = received.status;
    if status >= 500 {
        return vec![problem(
            "not_a_server_error",
            format!("the server answered {status} to an invalid request ({breaks})"),
        )];
    }
    if status < 400 {
        return vec![problem(
            "negative_data_rejection",
            format!("the server accepted ({status}) a request that breaks the spec: {breaks}"),
        )];
    }
    Vec::new()
}
