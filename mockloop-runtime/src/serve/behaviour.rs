//! What an override or a scenario tells one endpoint to do, checked as
//! `mockloop_mock/behaviour.py` and `scenarios.py` check it.
use serde_json::{Map, Value};

use super::catalog::Catalog;
use crate::graphql::behaviour as graphql_behaviour;
use crate::graphql::resolve::World;

const FIELDS: [&str; 5] = ["status_code", "body", "headers", "delay_ms", "error_rate"];
const MAX_DELAY_MS: f64 = 120_000.0;
const MAX_NAME: usize = 200;

/// Bad input to the admin API: answered with `status` and `{"error": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InputError {
    pub(crate) status: u16,
    pub(crate) message: String,
}

impl InputError {
    /// A 400.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self::status(400, message)
    }

    /// Another status.
    pub(crate) fn status(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// Python's `repr` of a string, for messages that quote input.
pub(crate) fn repr(text: &str) -> String {
    if text.contains('\'') && !text.contains('"') {
        format!("\"{text}\"")
    } else {
        format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

fn sorted_list(items: &[&str]) -> String {
    let mut items: Vec<&str> = items.to_vec();
    items.sort_unstable();
    let quoted: Vec<String> = items.iter().map(|item| repr(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Checks that `"GET /pets/{petId}"` names an operation; returns its key.
pub(crate) fn endpoint_key(catalog: &Catalog, raw: &Value) -> Result<String, InputError> {
    let text = raw.as_str().map(str::trim).filter(|t| t.contains(' '));
    let Some(text) = text else {
        let shown = raw.as_str().map_or_else(|| raw.to_string(), repr);
        return Err(InputError::new(format!(
            "endpoint {shown} is not 'METHOD /path/template'"
        )));
    };
    let (method, path) = text.split_once(' ').unwrap_or((text, ""));
    match catalog.operation(method, path.trim()) {
        Some(op) => Ok(op.key.to_string()),
        None => Err(InputError::new(format!(
            "no operation {} {} in this API",
            method.to_uppercase(),
            path.trim()
        ))),
    }
}

fn is_int(value: &Value) -> bool {
    value.is_i64() || value.is_u64()
}

/// Checks a behaviour object; returns a clean copy.
pub(crate) fn validate(raw: &Value, place: &str) -> Result<Map<String, Value>, InputError> {
    let object = raw
        .as_object()
        .ok_or_else(|| InputError::new(format!("{place}: expected an object")))?;
    let unknown: Vec<&str> = object
        .keys()
        .map(String::as_str)
        .filter(|k| !FIELDS.contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(InputError::new(format!(
            "{place}: unknown fields {}; allowed: {}",
            sorted_list(&unknown),
            sorted_list(&FIELDS)
        )));
    }
    let mut clean = Map::new();
    if let Some(status) = object.get("status_code").filter(|v| !v.is_null()) {
        let ok = is_int(status) && status.as_i64().is_some_and(|s| (100..=599).contains(&s));
        if !ok {
            return Err(InputError::new(format!(
                "{place}.status_code: expected an integer 100-599"
            )));
        }
        clean.insert("status_code".to_owned(), status.clone());
    }
    if let Some(body) = object.get("body") {
        clean.insert("body".to_owned(), body.clone());
    }
    if let Some(headers) = object.get("headers").filter(|v| !v.is_null()) {
        let ok = headers
            .as_object()
            .is_some_and(|h| h.values().all(Value::is_string));
        if !ok {
            return Err(InputError::new(format!(
                "{place}.headers: expected an object of strings"
            )));
        }
        clean.insert("headers".to_owned(), headers.clone());
    }
    if let Some(delay) = object.get("delay_ms").filter(|v| !v.is_null()) {
        if !delay
            .as_f64()
            .is_some_and(|d| (0.0..=MAX_DELAY_MS).contains(&d))
        {
            return Err(InputError::new(format!(
                "{place}.delay_ms: expected a number 0-{}",
                MAX_DELAY_MS as u64
            )));
        }
        clean.insert("delay_ms".to_owned(), delay.clone());
    }
    if let Some(rate) = object.get("error_rate").filter(|v| !v.is_null()) {
        if !rate.as_f64().is_some_and(|r| (0.0..=1.0).contains(&r)) {
            return Err(InputError::new(format!(
                "{place}.error_rate: expected a number 0-1"
            )));
        }
        clean.insert("error_rate".to_owned(), rate.clone());
    }
    Ok(clean)
}

/// A checked scenario.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) endpoints: Map<String, Value>,
    pub(crate) storage: bool,
}

/// Checks `{name, description, endpoints, storage}`.
pub(crate) fn validate_scenario(
    catalog: &Catalog,
    graphql: Option<&World>,
    raw: &Value,
    name: Option<&str>,
) -> Result<Scenario, InputError> {
    let object = raw
        .as_object()
        .ok_or_else(|| InputError::new("expected a JSON object {name, description, endpoints}"))?;
    let unknown: Vec<&str> = object
        .keys()
        .map(String::as_str)
        .filter(|k| !["name", "description", "endpoints", "storage"].contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(InputError::new(format!(
            "unknown fields {}",
            sorted_list(&unknown)
        )));
    }
    let name = match name {
        Some(name) => Some(name.to_owned()),
        None => object
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    let name = name
        .filter(|n| !n.trim().is_empty() && n.chars().count() <= MAX_NAME)
        .ok_or_else(|| {
            InputError::new(format!(
                "name: expected a non-empty string of at most {MAX_NAME}"
            ))
        })?;
    let description = match object.get("description") {
        None => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(_) => return Err(InputError::new("description: expected a string")),
    };
    let endpoints = match object.get("endpoints") {
        None => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            return Err(InputError::new(
                "endpoints: expected an object keyed by 'METHOD /path'",
            ));
        }
    };
    let mut clean = Map::new();
    for (key, value) in &endpoints {
        let place = format!("endpoints[{}]", repr(key));
        if let Some(world) = graphql.filter(|_| graphql_behaviour::is_coordinate(key)) {
            let coordinate = graphql_behaviour::coordinate(world, &Value::String(key.clone()))
                .map_err(InputError::new)?;
            let behaviour = graphql_behaviour::validate(value, &place).map_err(InputError::new)?;
            clean.insert(coordinate, Value::Object(behaviour));
            continue;
        }
        let endpoint = endpoint_key(catalog, &Value::String(key.clone()))?;
        let behaviour = validate(value, &place)?;
        clean.insert(endpoint, Value::Object(behaviour));
    }
    let storage = match object.get("storage") {
        None => false,
        Some(Value::Bool(on)) => *on,
        Some(_) => return Err(InputError::new("storage: expected true or false")),
    };
    Ok(Scenario {
        name,
        description,
        endpoints: clean,
        storage,
    })
}
