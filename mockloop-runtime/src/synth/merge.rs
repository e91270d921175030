//! Deep merge of two (already resolved) schemas, as for `allOf`: properties
//! merge recursively, `required` unites, types intersect, bounds tighten.
use serde_json::{Map, Value, json};

/// Keywords whose merged value is the larger of the two numbers.
const LOWER_BOUNDS: &[&str] = &[
    "minimum",
    "minLength",
    "minItems",
    "minProperties",
    "minContains",
];

/// Keywords whose merged value is the smaller of the two numbers.
const UPPER_BOUNDS: &[&str] = &[
    "maximum",
    "maxLength",
    "maxItems",
    "maxProperties",
    "maxContains",
];

/// Keywords holding a map of name → subschema, merged name by name.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "dependentSchemas",
    "$defs",
];

/// Keywords holding one subschema, merged as an `allOf` of both.
const SUBSCHEMAS: &[&str] = &[
    "additionalProperties",
    "items",
    "propertyNames",
    "contains",
    "unevaluatedProperties",
    "unevaluatedItems",
    "not",
];

/// Merges `part` into `target`. A `false` part (or a contradiction that
/// cannot be represented) sets `impossible`.
pub(crate) fn merge_into(target: &mut Map<String, Value>, part: &Value, impossible: &mut bool) {
    let part = match part {
        Value::Object(part) => part,
        Value::Bool(false) => {
            *impossible = true;
            return;
        }
        _ => return,
    };
    for (key, value) in part {
        let Some(existing) = target.get_mut(key) else {
            target.insert(key.clone(), value.clone());
            continue;
        };
        let key = key.as_str();
        if key == "type" {
            *existing = intersect_types(existing, value);
        } else if key == "required" {
            unite_arrays(existing, value);
        } else if key == "enum" {
            intersect_enums(existing, value);
        } else if key == "exclusiveMinimum" || LOWER_BOUNDS.contains(&key) {
            tighten(existing, value, f64::max);
        } else if key == "exclusiveMaximum" || UPPER_BOUNDS.contains(&key) {
            tighten(existing, value, f64::min);
        } else if key == "multipleOf" {
            combine_multiples(existing, value);
        } else if key == "uniqueItems" || key == "readOnly" || key == "writeOnly" {
            if value == &Value::Bool(true) {
                *existing = Value::Bool(true);
            }
        } else if SCHEMA_MAPS.contains(&key) {
            merge_schema_maps(existing, value);
        } else if SUBSCHEMAS.contains(&key) {
            *existing = both(existing, value, key == "not");
        } else if key == "prefixItems" {
            merge_prefix_items(existing, value);
        }
        // Anything else: the first value wins (annotations, `format`,
        // `pattern`, `const`, `oneOf`, `discriminator`, examples...).
    }
}

/// The intersection of two `type` keywords (`integer` ⊂ `number`); when it
/// is empty, the first one is kept (best effort on a contradiction).
fn intersect_types(first: &Value, second: &Value) -> Value {
    let first_types = type_list(first);
    let second_types = type_list(second);
    let mut common: Vec<&str> = Vec::new();
    for kind in &first_types {
        let keep =
            second_types.contains(kind) || (*kind == "integer" && second_types.contains(&"number"));
        if keep && !common.contains(kind) {
            common.push(kind);
        }
    }
    if first_types.contains(&"number")
        && second_types.contains(&"integer")
        && !common.contains(&"integer")
    {
        common.push("integer");
    }
    match common.as_slice() {
        [] => first.clone(),
        [single] => Value::String((*single).to_owned()),
        many => Value::Array(
            many.iter()
                .map(|kind| Value::String((*kind).to_owned()))
                .collect(),
        ),
    }
}

/// A `type` keyword as a list of names.
pub(crate) fn type_list(value: &Value) -> Vec<&str> {
    match value {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Appends the items of `extra` missing from `existing` (both arrays).
fn unite_arrays(existing: &mut Value, extra: &Value) {
    if let (Value::Array(items), Value::Array(more)) = (existing, extra) {
        for item in more {
            if !items.contains(item) {
                items.push(item.clone());
            }
        }
    }
}

/// Keeps the values allowed by both enums (the first enum if none is).
fn intersect_enums(existing: &mut Value, other: &Value) {
    if let (Value::Array(items), Value::Array(allowed)) = (&*existing, other) {
        let common: Vec<Value> = items
            .iter()
            .filter(|item| allowed.contains(item))
            .cloned()
            .collect();
        if !common.is_empty() {
            *existing = Value::Array(common);
        }
    }
}

/// Replaces a numeric bound by `pick(existing, other)` when both are numbers.
fn tighten(existing: &mut Value, other: &Value, pick: fn(f64, f64) -> f64) {
    if let (Some(first), Some(second)) = (existing.as_f64(), other.as_f64()) {
        let chosen = pick(first, second);
        if chosen == second {
            *existing = other.clone();
        }
    }
}

/// A `multipleOf` that satisfies both (the larger if one divides the other,
/// else their product).
fn combine_multiples(existing: &mut Value, other: &Value) {
    let (Some(first), Some(second)) = (existing.as_f64(), other.as_f64()) else {
        return;
    };
    if first <= 0.0 || second <= 0.0 {
        return;
    }
    let (small, large) = if first <= second {
        (first, second)
    } else {
        (second, first)
    };
    let ratio = large / small;
    let combined = if (ratio - ratio.round()).abs() < 1e-9 {
        large
    } else {
        first * second
    };
    if let Some(number) = serde_json::Number::from_f64(combined) {
        *existing = if combined.fract() == 0.0 && combined.abs() < 9e15 {
            #[allow(clippy::cast_possible_truncation)] // integral and in range, checked above
            Value::from(combined as i64)
        } else {
            Value::Number(number)
        };
    }
}

/// Merges two maps of name → subschema; a name in both gets an `allOf`.
fn merge_schema_maps(existing: &mut Value, other: &Value) {
    if let (Value::Object(first), Value::Object(second)) = (existing, other) {
        for (name, schema) in second {
            match first.get_mut(name) {
                Some(current) => *current = both(current, schema, false),
                None => {
                    first.insert(name.clone(), schema.clone());
                }
            }
        }
    }
}

/// Merges `prefixItems` position by position.
fn merge_prefix_items(existing: &mut Value, other: &Value) {
    if let (Value::Array(first), Value::Array(second)) = (existing, other) {
        for (index, schema) in second.iter().enumerate() {
            match first.get_mut(index) {
                Some(current) => *current = both(current, schema, false),
                None => first.push(schema.clone()),
            }
        }
    }
}

/// A subschema that requires both (`allOf`), or — for `not` — forbids both.
fn both(first: &Value, second: &Value, negated: bool) -> Value {
    if first == second {
        return first.clone();
    }
    match (first, second, negated) {
        (_, _, true) => json!({"anyOf": [first, second]}),
        (Value::Bool(false), _, _) | (_, Value::Bool(false), _) => Value::Bool(false),
        (Value::Bool(true), other, _) | (other, Value::Bool(true), _) => other.clone(),
        _ => json!({"allOf": [first, second]}),
    }
}
