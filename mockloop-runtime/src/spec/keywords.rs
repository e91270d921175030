//! Keyword values a validator cannot use, mended or dropped.
//!
//! Real-world specs carry values no JSON Schema validator accepts:
//! `required: true` on a property (Swagger 1 style), `minimum: "5"`,
//! `type: any`, `enum: a`, `maxLength: -1`, `additionalProperties: "no"`.
//! One such value makes the whole schema uncompilable, and then nothing in
//! it can be checked: not a spec example (served as is, however wrong), not
//! a request. Each is mended where its meaning is plain (a number written as
//! a string, a lone enum value) and dropped otherwise, so the rest of the
//! schema still holds; the path of the first is reported.
use serde_json::{Map, Value};

/// Keywords whose value is a number.
const NUMBERS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];
/// Keywords whose value is a non-negative integer.
const COUNTS: &[&str] = &[
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
];
/// Keywords whose value is a schema (an object or a boolean).
const SCHEMAS: &[&str] = &[
    "additionalProperties",
    "items",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
];
/// Keywords whose value is a non-empty array of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value is an object of schemas.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];
/// The JSON Schema type names.
const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// Mends or drops the keyword values of one schema object that no validator
/// accepts; returns whether anything changed.
pub(crate) fn mend(map: &mut Map<String, Value>) -> bool {
    let before = map.clone();
    for keyword in NUMBERS {
        mend_number(map, keyword, false);
    }
    for keyword in COUNTS {
        mend_number(map, keyword, true);
    }
    if let Some(Value::Number(step)) = map.get("multipleOf")
        && step.as_f64().is_none_or(|step| step <= 0.0)
    {
        map.remove("multipleOf");
    }
    mend_type(map);
    mend_required(map);
    match map.get("enum") {
        Some(Value::Array(_)) | None => {}
        Some(_) => {
            if let Some(single) = map.remove("enum") {
                map.insert("enum".to_owned(), Value::Array(vec![single]));
            }
        }
    }
    for keyword in ["uniqueItems", "deprecated", "readOnly", "writeOnly"] {
        if map.get(keyword).is_some_and(|value| !value.is_boolean()) {
            map.remove(keyword);
        }
    }
    for keyword in ["format", "pattern", "$ref"] {
        if map.get(keyword).is_some_and(|value| !value.is_string()) {
            map.remove(keyword);
        }
    }
    for keyword in SCHEMAS {
        if map
            .get(*keyword)
            .is_some_and(|value| !value.is_object() && !value.is_boolean() && !value.is_array())
        {
            map.remove(*keyword);
        }
    }
    for keyword in SCHEMA_LISTS {
        match map.get_mut(*keyword) {
            Some(Value::Array(items)) => {
                items.retain(|item| item.is_object() || item.is_boolean());
                if items.is_empty() {
                    map.remove(*keyword);
                }
            }
            Some(_) => {
                map.remove(*keyword);
            }
            None => {}
        }
    }
    for keyword in SCHEMA_MAPS {
        match map.get_mut(*keyword) {
            Some(Value::Object(entries)) => {
                entries.retain(|_, item| item.is_object() || item.is_boolean());
            }
            Some(_) => {
                map.remove(*keyword);
            }
            None => {}
        }
    }
    *map != before
}

/// A number written as a string becomes the number; anything else that is
/// not a number (or, for counts, not a non-negative integer) is dropped.
fn mend_number(map: &mut Map<String, Value>, keyword: &str, count: bool) {
    let Some(value) = map.get(keyword) else {
        return;
    };
    let parsed = match value {
        Value::Number(number) => Some(number.clone()),
        Value::String(text) => text.trim().parse::<serde_json::Number>().ok(),
        _ => None,
    };
    let usable = parsed.filter(|number| {
        !count
            || number.as_u64().is_some()
            || number
                .as_f64()
                .is_some_and(|n| n >= 0.0 && n.fract() == 0.0)
    });
    match usable {
        Some(number) => {
            let number = match (count, number.as_f64()) {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                (true, Some(n)) if number.as_u64().is_none() => Value::from(n as u64),
                _ => Value::Number(number),
            };
            map.insert(keyword.to_owned(), number);
        }
        None => {
            map.remove(keyword);
        }
    }
}

/// `type`: unknown names are left out (`any` means no type at all).
fn mend_type(map: &mut Map<String, Value>) {
    let known = |name: &str| TYPES.contains(&name);
    match map.get_mut("type") {
        Some(Value::String(name)) if known(name) => {}
        Some(Value::Array(names)) => {
            names.retain(|name| name.as_str().is_some_and(known));
            if names.is_empty() {
                map.remove("type");
            }
        }
        Some(_) => {
            map.remove("type");
        }
        None => {}
    }
}

/// `required`: an array of names; a boolean (Swagger 1's per-property flag)
/// or anything else is dropped, as are names that are not strings.
fn mend_required(map: &mut Map<String, Value>) {
    match map.get_mut("required") {
        Some(Value::Array(names)) => names.retain(Value::is_string),
        Some(_) => {
            map.remove("required");
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::mend;

    fn mended(schema: Value) -> Value {
        let Value::Object(mut map) = schema else {
            panic!("not an object")
        };
        mend(&mut map);
        Value::Object(map)
    }

    #[test]
    fn valid_schemas_are_untouched() {
        let schema = json!({
            "type": ["string", "null"], "minLength": 1, "maximum": 2.5, "required": ["a"],
            "enum": ["x", null], "items": {"type": "integer"}, "allOf": [true]
        });
        let Value::Object(mut map) = schema.clone() else {
            panic!()
        };
        assert!(!mend(&mut map));
        assert_eq!(Value::Object(map), schema);
    }

    #[test]
    fn unusable_values_are_mended_or_dropped() {
        assert_eq!(
            mended(json!({"type": "any", "required": true, "minimum": "5", "maxLength": -1})),
            json!({"minimum": 5})
        );
        assert_eq!(
            mended(json!({"type": ["string", "file"], "enum": "a", "minItems": 2.0})),
            json!({"type": ["string"], "enum": ["a"], "minItems": 2})
        );
        assert_eq!(
            mended(
                json!({"additionalProperties": "no", "oneOf": [], "multipleOf": 0,
                          "properties": {"a": {"type": "string"}, "b": "text"}})
            ),
            json!({"properties": {"a": {"type": "string"}}})
        );
    }
}
