//! Values as the executor takes them, and the data an override gives.
use apollo_compiler::ast;
use apollo_compiler::resolvers::ResolvedValue;
use apollo_compiler::response::JsonValue;
use apollo_compiler::schema::ExtendedType;
use serde_json::Value;

use super::{Obj, decode_id};

impl<'w> Obj<'w> {
    /// The value an override's `data` gives a field of type `ty`.
    pub(super) fn given<'a>(&self, value: &Value, ty: &ast::Type) -> ResolvedValue<'a>
    where
        'w: 'a,
    {
        let world = self.world();
        let named = ty.inner_named_type().as_str();
        match (ty, value) {
            (_, Value::Null) => ResolvedValue::null(),
            (ast::Type::List(inner) | ast::Type::NonNullList(inner), Value::Array(items)) => {
                let items: Vec<ResolvedValue<'a>> =
                    items.iter().map(|item| self.given(item, inner)).collect();
                ResolvedValue::list(items)
            }
            (_, Value::Object(map))
                if !matches!(
                    world.schema.types.get(named),
                    Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_))
                ) =>
            {
                let concrete = map
                    .get("__typename")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or_else(|| match world.shape.possible_types(named) {
                        Some(types) => types.first().cloned(),
                        None => Some(named.to_owned()),
                    })
                    .unwrap_or_default();
                let index = map
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(decode_id)
                    .map_or(0, |(_, index)| index);
                let mut obj = Obj::plain(self.context, concrete, index, None, None);
                obj.fixed = Some(map.clone());
                ResolvedValue::object(obj)
            }
            _ => leaf_result(value, ty),
        }
    }
}

/// A leaf value as the executor wants it: a list type's value as a list
/// of leaves (a value that is not a list is left for the executor to refuse).
pub(super) fn leaf_result<'a>(value: &Value, ty: &ast::Type) -> ResolvedValue<'a> {
    match (ty, value) {
        (ast::Type::List(inner) | ast::Type::NonNullList(inner), Value::Array(items)) => {
            let items: Vec<ResolvedValue<'a>> =
                items.iter().map(|item| leaf_result(item, inner)).collect();
            ResolvedValue::list(items)
        }
        _ => ResolvedValue::Leaf(to_response(value)),
    }
}

/// serde_json → the response's JSON type.
pub(crate) fn to_response(value: &Value) -> JsonValue {
    match value {
        Value::Null => JsonValue::Null,
        Value::Bool(b) => JsonValue::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(JsonValue::from)
            .or_else(|| n.as_u64().map(JsonValue::from))
            .or_else(|| n.as_f64().map(JsonValue::from))
            .unwrap_or(JsonValue::Null),
        Value::String(s) => JsonValue::from(s.as_str()),
        Value::Array(items) => JsonValue::Array(items.iter().map(to_response).collect()),
        Value::Object(map) => JsonValue::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().into(), to_response(v)))
                .collect(),
        ),
    }
}
