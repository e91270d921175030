//! Typed MCP tool inputs: JSON Schemas derived from Rust types.
//!
//! `#[derive(ToolInput)]` (re-exported here from `mockloop-macros`) on a
//! struct implements [`ToolSchema`] and [`ToolInput`]; on a unit-only enum it
//! implements [`ToolSchema`] as a string `enum`.
//!
//! ```
//! use mockloop_runtime::ToolInput;
//!
//! /// Greet someone.
//! #[derive(ToolInput, serde::Deserialize)]
//! struct Greet {
//!     /// Who to greet.
//!     name: String,
//!     /// How many times.
//!     #[tool_input(default = 1, minimum = 1)]
//!     times: u8,
//!     /// Shout it.
//!     loud: Option<bool>,
//! }
//!
//! let schema = Greet::input_schema();
//! assert_eq!(schema["type"], "object");
//! assert_eq!(schema["required"], serde_json::json!(["name"]));
//! assert_eq!(schema["properties"]["times"]["default"], 1);
//! assert_eq!(schema["properties"]["loud"]["type"], "boolean");
//! let greet = Greet::from_arguments(serde_json::json!({"name": "Ada"})).unwrap();
//! assert_eq!(greet.times, 1);
//! ```
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value, json};

/// A type with a JSON Schema, usable as a field of a [`ToolInput`].
pub trait ToolSchema {
    /// The JSON Schema of values of this type.
    fn tool_schema() -> Value;
}

/// The input of an MCP tool: an object whose schema is derived.
pub trait ToolInput: ToolSchema + serde::de::DeserializeOwned {
    /// The struct's doc comment, usable as the tool's description.
    const DESCRIPTION: Option<&'static str>;

    /// The tool's `inputSchema`: always `type: object`, without the
    /// top-level `title`/`description` that MCP clients do not expect.
    fn input_schema() -> Arc<Map<String, Value>> {
        let mut schema = match Self::tool_schema() {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        schema.insert("type".to_owned(), json!("object"));
        schema.remove("title");
        schema.remove("description");
        Arc::new(schema)
    }

    /// Deserialises tool arguments, first filling in every missing property
    /// that has a schema `default`.
    fn from_arguments(arguments: Value) -> Result<Self, serde_json::Error> {
        let mut arguments = match arguments {
            Value::Null => Value::Object(Map::new()),
            other => other,
        };
        if let (Value::Object(args), Some(Value::Object(properties))) =
            (&mut arguments, Self::tool_schema().get("properties"))
        {
            for (name, property) in properties {
                if let Some(default) = property.get("default") {
                    args.entry(name.clone()).or_insert_with(|| default.clone());
                }
            }
        }
        serde_json::from_value(arguments)
    }
}

macro_rules! integer_schemas {
    ($($ty:ty),*) => {$(
        impl ToolSchema for $ty {
            fn tool_schema() -> Value {
                json!({"type": "integer", "minimum": <$ty>::MIN, "maximum": <$ty>::MAX})
            }
        }
    )*};
}

integer_schemas!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl ToolSchema for f32 {
    fn tool_schema() -> Value {
        json!({"type": "number"})
    }
}

impl ToolSchema for f64 {
    fn tool_schema() -> Value {
        json!({"type": "number"})
    }
}

impl ToolSchema for bool {
    fn tool_schema() -> Value {
        json!({"type": "boolean"})
    }
}

impl ToolSchema for String {
    fn tool_schema() -> Value {
        json!({"type": "string"})
    }
}

impl ToolSchema for std::path::PathBuf {
    fn tool_schema() -> Value {
        json!({"type": "string"})
    }
}

impl ToolSchema for Value {
    fn tool_schema() -> Value {
        json!({})
    }
}

impl<T: ToolSchema> ToolSchema for Vec<T> {
    fn tool_schema() -> Value {
        json!({"type": "array", "items": T::tool_schema()})
    }
}

impl<T: ToolSchema> ToolSchema for BTreeMap<String, T> {
    fn tool_schema() -> Value {
        json!({"type": "object", "additionalProperties": T::tool_schema()})
    }
}

impl<T: ToolSchema, S> ToolSchema for HashMap<String, T, S> {
    fn tool_schema() -> Value {
        json!({"type": "object", "additionalProperties": T::tool_schema()})
    }
}

impl ToolSchema for Map<String, Value> {
    fn tool_schema() -> Value {
        json!({"type": "object"})
    }
}

/// Support for the derive's output; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use serde_json;
    use serde_json::{Map, Value, json};

    /// A field's schema with its description, default and bounds.
    pub fn field_schema(
        schema: Value,
        description: Option<&str>,
        default: Option<Value>,
        minimum: Option<Value>,
        maximum: Option<Value>,
    ) -> Value {
        let mut schema = match schema {
            Value::Object(map) => map,
            other => return other,
        };
        let extras = [
            ("description", description.map(Value::from)),
            ("default", default),
            ("minimum", minimum),
            ("maximum", maximum),
        ];
        for (key, value) in extras {
            if let Some(value) = value {
                schema.insert(key.to_owned(), value);
            }
        }
        Value::Object(schema)
    }

    /// A struct's object schema.
    pub fn object_schema(
        properties: Map<String, Value>,
        required: &[&str],
        description: Option<&str>,
        closed: bool,
    ) -> Value {
        let mut schema = Map::new();
        schema.insert("type".to_owned(), json!("object"));
        if let Some(description) = description {
            schema.insert("description".to_owned(), json!(description));
        }
        schema.insert("properties".to_owned(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".to_owned(), json!(required));
        }
        if closed {
            schema.insert("additionalProperties".to_owned(), json!(false));
        }
        Value::Object(schema)
    }

    /// A unit enum's string schema; variant docs become `x-enum-descriptions`.
    pub fn enum_schema(
        names: &[&str],
        documented: &[(&str, Option<&str>)],
        description: Option<&str>,
    ) -> Value {
        let mut schema = Map::new();
        schema.insert("type".to_owned(), json!("string"));
        schema.insert("enum".to_owned(), json!(names));
        let mut text = description.map(str::to_owned).unwrap_or_default();
        for (name, doc) in documented {
            if let Some(doc) = doc {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&format!("- `{name}`: {doc}"));
            }
        }
        if !text.is_empty() {
            schema.insert("description".to_owned(), json!(text));
        }
        Value::Object(schema)
    }
}
