//! `mock_data/graphql.json`: the schema's sources, its introspection, and
//! the pool of generated leaf values (scalars and enums) per object type
//! that both engines resolve fields from.
//!
//! The pool holds `pool_size` instances per object type; object number `n`
//! of a type takes its leaf values from instance `n % pool_size`, and its
//! `id` from its type and number (see `resolve`). Values are made by
//! `synth` from the field's name and type, so `email` is an email and
//! `createdAt: DateTime` a date-time; an `@example(value: ...)` directive
//! or an `Example: ...` line in the description gives the value itself.
use apollo_compiler::Schema;
use apollo_compiler::ast;
use apollo_compiler::schema::{ExtendedType, FieldDefinition};
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value, json};

use super::introspection;
use super::load::SdlSource;
use crate::error::{Error, Result};
use crate::synth::{Synthesizer, seed_for};

/// How many objects of each type the mock's world holds: a connection's
/// `totalCount`, and the length lists stop at.
pub(crate) const TOTAL: u64 = 20;
/// The length of a list when no argument sets it.
pub(crate) const DEFAULT_LIST: u64 = 3;
/// The longest list an argument can ask for.
pub(crate) const MAX_LIST: u64 = 100;
/// The deepest query (nested selection sets) the mock answers.
pub(crate) const MAX_DEPTH: usize = 15;
/// The most objects and list items one response may hold.
pub(crate) const MAX_VALUES: usize = 100_000;
/// Roughly how many leaf values the pool may hold in all.
const POOL_BUDGET: usize = 60_000;

/// The data file for a schema made of `sources`.
pub(crate) fn document(sources: &[SdlSource], schema: &Valid<Schema>) -> Result<Value> {
    let introspection =
        introspection::of_schema(schema).map_err(|reason| Error::GraphqlSchema {
            source_name: label(sources),
            problems: format!("the schema cannot be introspected: {reason}"),
        })?;
    let leaf_fields: usize = schema
        .types
        .values()
        .filter_map(|ty| match ty {
            ExtendedType::Object(object) => Some(object.fields.len()),
            _ => None,
        })
        .sum();
    let pool_size = (POOL_BUDGET / leaf_fields.max(1)).clamp(3, 10);
    Ok(json!({
        "version": 1,
        "sources": sources,
        "introspection": introspection,
        "limits": {
            "total": TOTAL,
            "default_list": DEFAULT_LIST,
            "max_list": MAX_LIST,
            "max_depth": MAX_DEPTH,
            "max_values": MAX_VALUES,
            "length_args": super::resolve::LENGTH_ARGS,
            "offset_args": super::resolve::OFFSET_ARGS,
        },
        "pool_size": pool_size,
        "pool": pool(schema, pool_size),
    }))
}

fn label(sources: &[SdlSource]) -> String {
    sources
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Object type → `pool_size` instances of its leaf fields.
fn pool(schema: &Schema, pool_size: usize) -> Map<String, Value> {
    let document = json!({});
    let mut synth = Synthesizer::new(&document);
    let mut pool = Map::new();
    for (name, ty) in &schema.types {
        let ExtendedType::Object(object) = ty else {
            continue;
        };
        if ty.is_built_in() {
            continue;
        }
        let instances: Vec<Value> = (0..pool_size)
            .map(|index| {
                let mut instance = Map::new();
                for (field_name, field) in &object.fields {
                    if !is_leaf(schema, field.ty.inner_named_type()) {
                        continue;
                    }
                    let seed = seed_for(&[name, field_name, &index.to_string()]);
                    let value = example(field)
                        .filter(|value| fits(schema, &field.ty, value))
                        .unwrap_or_else(|| {
                            leaf_value(schema, &mut synth, &field.ty, field_name, seed)
                        });
                    instance.insert(field_name.to_string(), value);
                }
                Value::Object(instance)
            })
            .collect();
        pool.insert(name.to_string(), Value::Array(instances));
    }
    pool
}

fn is_leaf(schema: &Schema, named: &str) -> bool {
    matches!(
        schema.types.get(named),
        Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_))
    )
}

/// A value for a leaf type (a list of two for a list type).
fn leaf_value(
    schema: &Schema,
    synth: &mut Synthesizer<'_>,
    ty: &ast::Type,
    hint: &str,
    seed: u64,
) -> Value {
    match ty {
        ast::Type::List(inner) | ast::Type::NonNullList(inner) => Value::Array(
            (0..2u64)
                .map(|i| leaf_value(schema, synth, inner, hint, seed.wrapping_add(i * 7919)))
                .collect(),
        ),
        ast::Type::Named(named) | ast::Type::NonNullNamed(named) => {
            match schema.types.get(named.as_str()) {
                Some(ExtendedType::Enum(en)) => {
                    let values: Vec<&str> = en
                        .values
                        .values()
                        .filter(|v| v.directives.get("deprecated").is_none())
                        .map(|v| v.value.as_str())
                        .collect();
                    let values = if values.is_empty() {
                        en.values.keys().map(|k| k.as_str()).collect()
                    } else {
                        values
                    };
                    values
                        .get((seed % values.len().max(1) as u64) as usize)
                        .map_or(Value::Null, |v| Value::String((*v).to_owned()))
                }
                _ => synth.value(&scalar_schema(named.as_str(), hint), hint, seed),
            }
        }
    }
}

/// The JSON Schema a scalar's values are made from: the built-ins, and
/// common custom scalars by name.
fn scalar_schema(scalar: &str, hint: &str) -> Value {
    let lower = scalar.to_ascii_lowercase();
    let has = |part: &str| lower.contains(part);
    match scalar {
        "String" => return json!({"type": "string"}),
        "Int" => return json!({"type": "integer", "minimum": 0, "maximum": 100_000}),
        "Float" => return json!({"type": "number", "minimum": 0, "maximum": 10_000}),
        "Boolean" => return json!({"type": "boolean"}),
        "ID" => return json!({"type": "string", "format": "uuid"}),
        _ => {}
    }
    if has("datetime") || has("timestamp") || lower == "instant" {
        json!({"type": "string", "format": "date-time"})
    } else if has("date") {
        json!({"type": "string", "format": "date"})
    } else if has("time") {
        json!({"type": "string", "format": "time"})
    } else if has("uuid") || has("guid") {
        json!({"type": "string", "format": "uuid"})
    } else if has("url") || has("uri") {
        json!({"type": "string", "format": "uri"})
    } else if has("email") {
        json!({"type": "string", "format": "email"})
    } else if has("duration") {
        json!({"type": "string", "format": "duration"})
    } else if has("jsonstring") {
        json!({"const": "{}"})
    } else if has("json") || has("map") || has("object") || has("generic") || lower == "any" {
        json!({"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]})
    } else if has("decimal") || has("money") || has("float") || has("weight") || has("price") {
        json!({"type": "number", "minimum": 0, "maximum": 10_000})
    } else if has("int") || has("long") || has("count") {
        json!({"type": "integer", "minimum": 0, "maximum": 100_000})
    } else if has("bool") {
        json!({"type": "boolean"})
    } else {
        let _ = hint;
        json!({"type": "string"})
    }
}

/// Whether an example value is one of the field's type.
fn fits(schema: &Schema, ty: &ast::Type, value: &Value) -> bool {
    match (ty, value) {
        (ast::Type::List(inner) | ast::Type::NonNullList(inner), Value::Array(items)) => {
            items.iter().all(|item| fits(schema, inner, item))
        }
        (ast::Type::List(_) | ast::Type::NonNullList(_), _) => false,
        (_, Value::Null) => false,
        (ast::Type::Named(named) | ast::Type::NonNullNamed(named), value) => {
            match (named.as_str(), schema.types.get(named.as_str())) {
                ("String" | "ID", _) => value.is_string(),
                ("Int", _) => value.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
                ("Float", _) => value.is_number(),
                ("Boolean", _) => value.is_boolean(),
                (_, Some(ExtendedType::Enum(en))) => value
                    .as_str()
                    .is_some_and(|v| en.values.keys().any(|k| k.as_str() == v)),
                _ => true,
            }
        }
    }
}

/// The value an `@example(value: ...)`-like directive or an `Example: ...`
/// line of the description gives a field.
fn example(field: &FieldDefinition) -> Option<Value> {
    for directive in field.directives.iter() {
        let name = directive.name.to_ascii_lowercase();
        if !["example", "examples", "sample", "mock", "fake"].contains(&name.as_str()) {
            continue;
        }
        if let Some(argument) = directive.arguments.first() {
            let value = ast_to_json(&argument.value);
            let value = match value {
                Value::Array(items) if name == "examples" => items.into_iter().next()?,
                other => other,
            };
            return Some(value);
        }
    }
    let description = field.description.as_deref()?;
    description.lines().find_map(|line| {
        let line = line.trim();
        let rest = ["Example:", "example:", "e.g.", "E.g."]
            .iter()
            .find_map(|prefix| line.strip_prefix(prefix))?
            .trim()
            .trim_end_matches('.');
        if rest.is_empty() {
            return None;
        }
        let unquoted = rest.trim_matches('`');
        Some(
            serde_json::from_str::<Value>(unquoted)
                .unwrap_or_else(|_| Value::String(unquoted.to_owned())),
        )
    })
}

/// A GraphQL literal as JSON (variables, which a schema cannot hold, as null).
pub(crate) fn ast_to_json(value: &ast::Value) -> Value {
    match value {
        ast::Value::Null | ast::Value::Variable(_) => Value::Null,
        ast::Value::Enum(name) => Value::String(name.to_string()),
        ast::Value::String(text) => Value::String(text.clone()),
        ast::Value::Boolean(b) => Value::Bool(*b),
        ast::Value::Int(int) => int
            .as_str()
            .parse::<i64>()
            .map_or(Value::Null, |i| Value::Number(i.into())),
        ast::Value::Float(float) => float
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        ast::Value::List(items) => Value::Array(items.iter().map(|i| ast_to_json(i)).collect()),
        ast::Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| (name.to_string(), ast_to_json(value)))
                .collect(),
        ),
    }
}
