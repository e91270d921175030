//! Reading form bodies (urlencoded and multipart) as JSON values, as
//! `mockloop_mock/forms.py` does: each field read every plausible way, the
//! reading its schema accepts winning, a `oneOf`/`anyOf` body read once per
//! branch; a body whose object fields a client flattened is not judged.
use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::params::{Shape, coerce, coerce_array, shape};
use super::schemas::Schemas;

const MAX_BRANCHES: usize = 64;

/// How a form body came.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// `application/x-www-form-urlencoded`.
    Urlencoded,
    /// `multipart/form-data`.
    Multipart,
}

/// What a form body reads as.
pub(crate) enum FormReading {
    /// The value to check.
    Value(Value),
    /// A body that cannot be judged.
    Unjudged,
}

/// The schema and, recursively, its `oneOf`/`anyOf` members (also inside
/// `allOf`): the shapes a value of it may take.
fn branches<'s>(schemas: &'s Schemas, schema: &'s Value) -> Vec<&'s Value> {
    let mut out = collect_branches(schemas, schema, 0);
    out.truncate(MAX_BRANCHES);
    out
}

fn collect_branches<'s>(schemas: &'s Schemas, schema: &'s Value, depth: usize) -> Vec<&'s Value> {
    let mut out = vec![schema];
    if depth > 4 {
        return out;
    }
    let resolved = schemas.resolve(schema);
    for keyword in ["oneOf", "anyOf", "allOf"] {
        for member in resolved
            .get(keyword)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let found = collect_branches(schemas, member, depth + 1);
            if keyword == "allOf" {
                out.extend(found.into_iter().skip(1));
            } else {
                out.extend(found);
            }
        }
    }
    out.truncate(MAX_BRANCHES);
    out
}

/// The schema of one field: its property, else `additionalProperties`.
fn field_schema<'s>(schemas: &'s Schemas, branch: &'s Value, key: &str) -> &'s Value {
    let found = schemas.subschema(branch, "properties", Some(key));
    if found == &Value::Bool(true) {
        let extra = schemas.subschema(branch, "additionalProperties", None);
        if extra.is_object() {
            return extra;
        }
    }
    found
}

fn readings(schemas: &Schemas, values: &[&str], field: &Value) -> Vec<Value> {
    if values.len() > 1 {
        return vec![coerce_array(schemas, values, field)];
    }
    let text = values.first().copied().unwrap_or_default();
    if shape(schemas, field) != Shape::Array {
        return vec![coerce(schemas, text, field)];
    }
    // An empty text is one empty item: an empty array has no field.
    let split: Vec<&str> = text.split(',').collect();
    vec![
        coerce_array(schemas, &split, field),
        coerce_array(schemas, &[text], field),
        coerce(schemas, text, field),
    ]
}

fn field_value(schemas: &Schemas, values: &[&str], field: &Value) -> Value {
    let mut first = None;
    for branch in branches(schemas, field) {
        for option in readings(schemas, values, branch) {
            if schemas.is_valid(field, &option) {
                return option;
            }
            if first.is_none() {
                first = Some(option);
            }
        }
    }
    first.unwrap_or(Value::Null)
}

fn wants_object(schemas: &Schemas, field: &Value) -> bool {
    branches(schemas, field).into_iter().any(|branch| {
        schemas.types_of(branch).contains(&"object")
            || schemas
                .types_of(schemas.subschema(branch, "items", None))
                .contains(&"object")
    })
}

fn object_keys(schemas: &Schemas, field: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for branch in branches(schemas, field) {
        for part in [branch, schemas.subschema(branch, "items", None)] {
            if let Some(declared) = schemas
                .resolve(part)
                .get("properties")
                .and_then(Value::as_object)
            {
                names.extend(declared.keys().cloned());
            }
        }
    }
    names
}

fn required(schemas: &Schemas, branch: &Value) -> Vec<String> {
    schemas
        .resolve(branch)
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Fields that hold objects but came as plain text flattened from them
/// (repeated, or one value naming a property of the object, as common
/// clients send an object's keys) or, in a urlencoded form, not at all
/// though required (an empty one, flattened to nothing; a multipart body
/// sends an object as a JSON part, `{}` included): losses no reading can
/// undo.
fn lost_fields(
    schemas: &Schemas,
    grouped: &IndexMap<&str, Vec<&str>>,
    branch: &Value,
    encoding: Encoding,
) -> BTreeSet<String> {
    let mut lost = BTreeSet::new();
    for (key, values) in grouped {
        let field = field_schema(schemas, branch, key);
        if !wants_object(schemas, field) {
            continue;
        }
        let plain: BTreeSet<&str> = values
            .iter()
            .copied()
            .filter(|text| serde_json::from_str::<Value>(text).is_err())
            .collect();
        if !plain.is_empty()
            && (values.len() > 1 || {
                let keys = object_keys(schemas, field);
                plain.iter().any(|text| keys.contains(*text))
            })
        {
            lost.insert((*key).to_owned());
        }
    }
    if encoding == Encoding::Multipart {
        return lost;
    }
    for key in required(schemas, branch) {
        if !grouped.contains_key(key.as_str())
            && wants_object(schemas, field_schema(schemas, branch, &key))
        {
            lost.insert(key);
        }
    }
    lost
}

fn valid_but_for_losses(
    schemas: &Schemas,
    grouped: &IndexMap<&str, Vec<&str>>,
    candidate: &Map<String, Value>,
    branch: &Value,
    encoding: Encoding,
) -> bool {
    let lost = lost_fields(schemas, grouped, branch, encoding);
    if lost.is_empty() {
        return false;
    }
    let mut relaxed = schemas.resolve(branch).clone();
    let kept: Vec<Value> = required(schemas, branch)
        .into_iter()
        .filter(|k| !lost.contains(k))
        .map(Value::String)
        .collect();
    relaxed.insert("required".to_owned(), Value::Array(kept));
    let rest: Map<String, Value> = candidate
        .iter()
        .filter(|(k, _)| !lost.contains(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    schemas.is_valid_uncached(&Value::Object(relaxed), &Value::Object(rest))
}

fn empty_arrays(
    schemas: &Schemas,
    grouped: &IndexMap<&str, Vec<&str>>,
    branch: &Value,
) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for key in required(schemas, branch) {
        if grouped.contains_key(key.as_str()) {
            continue;
        }
        let field = field_schema(schemas, branch, &key);
        let empty = Value::Array(Vec::new());
        if shape(schemas, field) == Shape::Array && schemas.is_valid(field, &empty) {
            found.push((key, empty));
        }
    }
    found
}

/// Form fields as an object valid against `schema` if any reading is;
/// [`FormReading::Unjudged`] when the body cannot be judged; else the
/// likeliest reading, for its violations to be reported.
pub(crate) fn read(
    schemas: &Schemas,
    pairs: &[(String, String)],
    schema: &Value,
    encoding: Encoding,
) -> FormReading {
    let mut grouped: IndexMap<&str, Vec<&str>> = IndexMap::new();
    for (key, text) in pairs {
        grouped.entry(key.as_str()).or_default().push(text.as_str());
    }
    let mut first = None;
    for branch in branches(schemas, schema) {
        let mut candidate = Map::new();
        for (key, values) in &grouped {
            let field = field_schema(schemas, branch, key);
            candidate.insert((*key).to_owned(), field_value(schemas, values, field));
        }
        for (key, value) in empty_arrays(schemas, &grouped, branch) {
            candidate.insert(key, value);
        }
        let value = Value::Object(candidate);
        if schemas.is_valid(schema, &value) {
            return FormReading::Value(value);
        }
        if let Value::Object(map) = &value
            && valid_but_for_losses(schemas, &grouped, map, branch, encoding)
        {
            return FormReading::Unjudged;
        }
        if first.is_none() {
            first = Some(value);
        }
    }
    FormReading::Value(first.unwrap_or_else(|| Value::Object(Map::new())))
}
