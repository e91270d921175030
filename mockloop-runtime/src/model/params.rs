//! Operation parameters and the Python types they are declared with.
use indexmap::IndexMap;
use serde_json::Value;

use super::ident::Namespace;
use super::{Param, ParamLocation};
use crate::synth::{Synthesizer, seed_for};

/// Names a handler already uses for itself.
pub(super) const HANDLER_RESERVED: &[&str] = &["request"];

/// One parameter as read from the spec, before identifiers are assigned.
pub(super) struct RawParam<'a> {
    pub name: &'a str,
    pub location: ParamLocation,
    pub required: bool,
    pub style: Option<&'a str>,
    pub explode: Option<bool>,
    /// `allowEmptyValue`: a query parameter may be sent with no value.
    pub allow_empty: bool,
    pub schema: Value,
}

impl<'a> RawParam<'a> {
    /// Reads a raw (normalised) parameter object.
    pub(super) fn from_value(value: &'a Value) -> Option<Self> {
        let name = value.get("name")?.as_str()?;
        let location = match value.get("in")?.as_str()? {
            "path" => ParamLocation::Path,
            "query" => ParamLocation::Query,
            "header" => ParamLocation::Header,
            "cookie" => ParamLocation::Cookie,
            _ => return None,
        };
        let schema = value
            .get("schema")
            .cloned()
            .or_else(|| content_schema(value))
            .unwrap_or(Value::Bool(true));
        Some(Self {
            name,
            location,
            required: location == ParamLocation::Path
                || value
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            style: value.get("style").and_then(Value::as_str),
            explode: value.get("explode").and_then(Value::as_bool),
            allow_empty: location == ParamLocation::Query
                && value
                    .get("allowEmptyValue")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            schema,
        })
    }

    /// The parameter checked for presence only: any text (test tools send
    /// `""` for a plain string), its schema's default and example kept for
    /// the requests made from it.
    pub(super) fn presence_only(self) -> Self {
        let mut schema = serde_json::Map::new();
        schema.insert("type".to_owned(), Value::from("string"));
        for key in ["default", "example"] {
            if let Some(text) = self.schema.get(key).filter(|v| v.is_string()) {
                schema.insert(key.to_owned(), text.clone());
            }
        }
        Self {
            schema: Value::Object(schema),
            ..self
        }
    }

    /// A parameter that the path template names but the spec does not declare.
    pub(super) fn undeclared_path(name: &'a str) -> Self {
        Self {
            name,
            location: ParamLocation::Path,
            required: true,
            style: None,
            explode: None,
            allow_empty: false,
            schema: serde_json::json!({"type": "string"}),
        }
    }
}

/// The schema of a parameter given with `content` instead of `schema`.
fn content_schema(value: &Value) -> Option<Value> {
    value
        .get("content")?
        .as_object()?
        .values()
        .next()?
        .get("schema")
        .cloned()
}

/// Turns raw parameters into model parameters with unique identifiers.
pub(super) fn build_params(
    raw: Vec<RawParam<'_>>,
    synth: &mut Synthesizer<'_>,
    op_key: &str,
) -> (Vec<Param>, IndexMap<String, String>) {
    let mut names = Namespace::with_reserved(HANDLER_RESERVED);
    let mut path_idents = IndexMap::new();
    let params = raw
        .into_iter()
        .map(|param| {
            let ident = names.claim(param.name, "param");
            if param.location == ParamLocation::Path {
                path_idents.insert(param.name.to_owned(), ident.clone());
            }
            let style = param
                .style
                .map_or_else(|| default_style(param.location), str::to_owned);
            let explode = param.explode.unwrap_or(style == "form");
            let example = synth.value(&param.schema, param.name, seed_for(&[op_key, param.name]));
            Param {
                py_type: py_type(&param.schema, param.location, &style, explode),
                name: param.name.to_owned(),
                ident,
                location: param.location,
                required: param.required,
                schema: param.schema,
                style,
                explode,
                allow_empty: param.allow_empty,
                example,
            }
        })
        .collect();
    (params, path_idents)
}

fn default_style(location: ParamLocation) -> String {
    match location {
        ParamLocation::Query | ParamLocation::Cookie => "form",
        ParamLocation::Path | ParamLocation::Header => "simple",
    }
    .to_owned()
}

/// The single non-null JSON type of a schema, if it has exactly one.
fn single_type(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(kind) => Some(kind),
        Value::Array(kinds) => {
            let mut non_null = kinds
                .iter()
                .filter_map(Value::as_str)
                .filter(|k| *k != "null");
            let first = non_null.next()?;
            non_null.next().is_none().then_some(first)
        }
        _ => None,
    }
}

/// The Python type FastAPI parses a parameter with. Anything FastAPI could
/// reject although the spec allows it (objects, delimited arrays, unions)
/// is declared `str` and left to the mock's own validation.
fn py_type(schema: &Value, location: ParamLocation, style: &str, explode: bool) -> String {
    let scalar = |schema: &Value| match single_type(schema) {
        Some("integer") => "int",
        Some("number") => "float",
        Some("boolean") => "bool",
        _ => "str",
    };
    if single_type(schema) == Some("array") {
        let repeated = location == ParamLocation::Query && style == "form" && explode;
        if repeated {
            let items = schema.get("items").unwrap_or(&Value::Bool(true));
            return format!("list[{}]", scalar(items));
        }
        return "str".to_owned();
    }
    scalar(schema).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_types() {
        let q = ParamLocation::Query;
        assert_eq!(py_type(&json!({"type": "integer"}), q, "form", true), "int");
        assert_eq!(
            py_type(&json!({"type": ["number", "null"]}), q, "form", true),
            "float"
        );
        assert_eq!(
            py_type(&json!({"type": ["number", "string"]}), q, "form", true),
            "str"
        );
        assert_eq!(
            py_type(
                &json!({"type": "array", "items": {"type": "integer"}}),
                q,
                "form",
                true
            ),
            "list[int]"
        );
        assert_eq!(
            py_type(
                &json!({"type": "array", "items": {"type": "integer"}}),
                q,
                "form",
                false
            ),
            "str"
        );
        assert_eq!(
            py_type(&json!({"type": "object"}), q, "deepObject", true),
            "str"
        );
    }
}
