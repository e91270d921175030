//! Overrides and scenario entries of a GraphQL mock, addressed by schema
//! coordinate (`Query.user`, `User.email`, `Mutation.createUser`), as
//! `mockloop_mock/behaviour.py` checks them: `data` (the field's value,
//! `null` included), `errors` (`[{message, extensions}]`), `delay_ms`
//! and `error_rate`.
use apollo_compiler::schema::ExtendedType;
use serde_json::{Map, Value};

use super::resolve::World;

/// What a GraphQL behaviour may hold.
pub(crate) const FIELDS: [&str; 4] = ["data", "delay_ms", "error_rate", "errors"];
const MAX_DELAY_MS: f64 = 120_000.0;

/// Python's `repr` of a string, for messages that quote input.
fn repr(text: &str) -> String {
    if text.contains('\'') && !text.contains('"') {
        format!("\"{text}\"")
    } else {
        format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// Whether a key of a scenario's `endpoints` is a coordinate rather than
/// `METHOD /path`.
pub(crate) fn is_coordinate(raw: &str) -> bool {
    let raw = raw.trim();
    !raw.contains(' ') && raw.contains('.')
}

/// Checks that `Type.field` names a field of the schema; returns it.
pub(crate) fn coordinate(world: &World, raw: &Value) -> Result<String, String> {
    let Some(text) = raw.as_str().map(str::trim).filter(|t| is_coordinate(t)) else {
        let shown = raw.as_str().map_or_else(|| raw.to_string(), repr);
        return Err(format!("coordinate {shown} is not 'Type.field'"));
    };
    let (type_name, field) = text.split_once('.').unwrap_or((text, ""));
    let known = match world.schema.types.get(type_name) {
        Some(ExtendedType::Object(object)) => object.fields.contains_key(field),
        Some(ExtendedType::Interface(interface)) => interface.fields.contains_key(field),
        _ => false,
    };
    if known {
        Ok(text.to_owned())
    } else {
        Err(format!("no field {text} in this schema"))
    }
}

/// Checks a GraphQL behaviour object; returns a clean copy.
pub(crate) fn validate(raw: &Value, place: &str) -> Result<Map<String, Value>, String> {
    let object = raw
        .as_object()
        .ok_or_else(|| format!("{place}: expected an object"))?;
    let mut unknown: Vec<&str> = object
        .keys()
        .map(String::as_str)
        .filter(|k| !FIELDS.contains(k))
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        let list = |items: &[&str]| {
            let quoted: Vec<String> = items.iter().map(|i| repr(i)).collect();
            format!("[{}]", quoted.join(", "))
        };
        return Err(format!(
            "{place}: unknown fields {}; allowed: {}",
            list(&unknown),
            list(&FIELDS)
        ));
    }
    let mut clean = Map::new();
    if let Some(data) = object.get("data") {
        clean.insert("data".to_owned(), data.clone());
    }
    if let Some(errors) = object.get("errors").filter(|v| !v.is_null()) {
        let ok = errors.as_array().is_some_and(|items| {
            !items.is_empty()
                && items.iter().all(|item| {
                    item.get("message").is_some_and(Value::is_string)
                        && item
                            .get("extensions")
                            .is_none_or(|e| e.is_object() || e.is_null())
                        && item
                            .as_object()
                            .is_some_and(|o| o.keys().all(|k| k == "message" || k == "extensions"))
                })
        });
        if !ok {
            return Err(format!(
                "{place}.errors: expected a list of {{message, extensions}} objects"
            ));
        }
        clean.insert("errors".to_owned(), errors.clone());
    }
    if let Some(delay) = object.get("delay_ms").filter(|v| !v.is_null()) {
        if !delay
            .as_f64()
            .is_some_and(|d| (0.0..=MAX_DELAY_MS).contains(&d) && !delay.is_boolean())
        {
            return Err(format!(
                "{place}.delay_ms: expected a number 0-{}",
                MAX_DELAY_MS as u64
            ));
        }
        clean.insert("delay_ms".to_owned(), delay.clone());
    }
    if let Some(rate) = object.get("error_rate").filter(|v| !v.is_null()) {
        if !rate.as_f64().is_some_and(|r| (0.0..=1.0).contains(&r)) {
            return Err(format!("{place}.error_rate: expected a number 0-1"));
        }
        clean.insert("error_rate".to_owned(), rate.clone());
    }
    Ok(clean)
}
