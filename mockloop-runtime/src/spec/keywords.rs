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
    let mut changed = false;
    for keyword in NUMBERS {
        changed |= mend_number(map, keyword, false);
    }
    for keyword in COUNTS {
        changed |= mend_number(map, keyword, true);
    }
    changed |= drop_if(map, "multipleOf", |step| {
        step.as_f64().is_none_or(|step| step <= 0.0)
    });
    changed |= mend_type(map);
    changed |= mend_list(map, "required", Value::is_string, false);
    if map.get("enum").is_some_and(|value| !value.is_array())
        && let Some(single) = map.remove("enum")
    {
        map.insert("enum".to_owned(), Value::Array(vec![single]));
        changed = true;
    }
    for keyword in ["uniqueItems", "deprecated", "readOnly", "writeOnly"] {
        changed |= drop_if(map, keyword, |value| !value.is_boolean());
    }
    for keyword in ["format", "pattern", "$ref"] {
        changed |= drop_if(map, keyword, |value| !value.is_string());
    }
    for keyword in SCHEMAS {
        changed |= drop_if(map, keyword, |value| {
            !value.is_object() && !value.is_boolean() && !value.is_array()
        });
    }
    for keyword in SCHEMA_LISTS {
        changed |= mend_list(map, keyword, is_schema, true);
    }
    for keyword in SCHEMA_MAPS {
        match map.get_mut(*keyword) {
            Some(Value::Object(entries)) => {
                let before = entries.len();
                entries.retain(|_, item| is_schema(item));
                changed |= entries.len() != before;
            }
            Some(_) => changed |= map.remove(*keyword).is_some(),
            None => {}
        }
    }
    changed
}

/// Whether a value can be a schema (an object or a boolean).
fn is_schema(value: &Value) -> bool {
    value.is_object() || value.is_boolean()
}

/// Removes `keyword` if its value is `bad`; returns whether it did.
fn drop_if(map: &mut Map<String, Value>, keyword: &str, bad: impl Fn(&Value) -> bool) -> bool {
    if map.get(keyword).is_some_and(bad) {
        map.remove(keyword);
        return true;
    }
    false
}

/// A keyword holding an array: items that are not `good` are left out, and
/// an empty array too when `non_empty`; anything but an array is dropped.
fn mend_list(
    map: &mut Map<String, Value>,
    keyword: &str,
    good: impl Fn(&Value) -> bool,
    non_empty: bool,
) -> bool {
    match map.get_mut(keyword) {
        Some(Value::Array(items)) => {
            let before = items.len();
            items.retain(|item| good(item));
            let changed = items.len() != before;
            if non_empty && items.is_empty() {
                map.remove(keyword);
                return true;
            }
            changed
        }
        Some(_) => map.remove(keyword).is_some(),
        None => false,
    }
}

/// A number written as a string becomes the number; anything else that is
/// not a number (or, for counts, not a non-negative integer) is dropped.
/// Returns whether the value changed.
fn mend_number(map: &mut Map<String, Value>, keyword: &str, count: bool) -> bool {
    let Some(value) = map.get(keyword) else {
        return false;
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
    let Some(number) = usable else {
        map.remove(keyword);
        return true;
    };
    let mended = match (count, number.as_f64()) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (true, Some(n)) if number.as_u64().is_none() => Value::from(n as u64),
        _ => Value::Number(number),
    };
    if map.get(keyword) == Some(&mended) {
        return false;
    }
    map.insert(keyword.to_owned(), mended);
    true
}

/// `type`: unknown names are left out (`any` means no type at all).
fn mend_type(map: &mut Map<String, Value>) -> bool {
    let known = |name: &Value| name.as_str().is_some_and(|name| TYPES.contains(&name));
    match map.get("type") {
        Some(Value::String(_)) => drop_if(map, "type", |name| !known(name)),
        _ => mend_list(map, "type", known, true),
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
