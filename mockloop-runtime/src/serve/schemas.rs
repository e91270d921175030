//! JSON Schema checks of request values over `mock_data/validation.json`,
//! the same checks `mockloop_mock/schemas.py` makes: JSON Schema 2020-12
//! with `multipleOf` in decimal arithmetic, `required` leaving read-only
//! properties optional, and the well-known formats asserted (only the
//! int32/int64 ranges when `MOCKLOOP_STRICT_FORMATS=off`).
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use jsonschema::paths::{Location, LocationSegment};
use jsonschema::{Draft, Keyword, Registry, ValidationError, Validator};
use serde_json::{Map, Value};

use super::formats;
use crate::error::{Error, Result};

/// The URI the validation document is registered under.
pub(crate) const DOCUMENT_URI: &str = "urn:mockloop:validation";
const COMPONENT_PREFIX: &str = "urn:mockloop:validation#/components/schemas/";
/// The keyword name custom `required` errors carry (their message is the
/// missing property's name).
const REQUIRED: &str = "required";

/// One way a value breaks its schema.
#[derive(Debug, Clone)]
pub(crate) struct SchemaError {
    /// Where in the value (property names and array indexes).
    pub(crate) path: Vec<PathPart>,
    /// A required property that is missing, if that is the error.
    pub(crate) missing: Option<String>,
    /// What is wrong, in words.
    pub(crate) message: String,
}

/// One step into a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathPart {
    /// A property of an object.
    Key(String),
    /// An item of an array.
    Index(usize),
}

/// The validation document with its compiled validators.
pub(crate) struct Schemas {
    /// The document, `$ref`s made absolute (`urn:mockloop:validation#/...`).
    document: Arc<Value>,
    registry: Registry<'static>,
    strict_formats: bool,
    /// Validators by the address of their schema inside `document`.
    cache: RwLock<HashMap<usize, Arc<Validator>>>,
}

impl Schemas {
    /// Registers the document (its refs already absolute).
    pub(crate) fn new(document: Arc<Value>, strict_formats: bool) -> Result<Self> {
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .retrieve_known_draft_meta_schemas(false)
            .add(DOCUMENT_URI, Arc::clone(&document))
            .and_then(|builder| builder.prepare())
            .map_err(|err| Error::Serve {
                what: "mock_data/validation.json".to_owned(),
                reason: format!("its schemas cannot be registered: {err}"),
            })?;
        Ok(Self {
            document,
            registry,
            strict_formats,
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// Whether `instance` is valid against `schema`, a schema inside the
    /// document (its validator is compiled once). A schema that does not
    /// compile accepts everything, as nothing better is known.
    pub(crate) fn is_valid(&self, schema: &Value, instance: &Value) -> bool {
        self.validator(schema).is_none_or(|v| v.is_valid(instance))
    }

    /// [`Schemas::is_valid`] for a schema built at run time (not cached).
    pub(crate) fn is_valid_uncached(&self, schema: &Value, instance: &Value) -> bool {
        self.compile(schema).is_none_or(|v| v.is_valid(instance))
    }

    /// Every way `instance` breaks `schema`, in the order of their paths.
    pub(crate) fn errors(&self, schema: &Value, instance: &Value) -> Vec<SchemaError> {
        let Some(validator) = self.validator(schema) else {
            return Vec::new();
        };
        if validator.is_valid(instance) {
            return Vec::new();
        }
        validator
            .iter_errors(instance)
            .take(1000)
            .map(|error| {
                let missing = match error.kind() {
                    jsonschema::error::ValidationErrorKind::Custom { keyword, message }
                        if keyword == REQUIRED =>
                    {
                        Some(message.clone())
                    }
                    _ => None,
                };
                let message = match &missing {
                    Some(name) => format!("{name:?} is a required property"),
                    None => error.to_string(),
                };
                SchemaError {
                    path: path_parts(error.instance_path()),
                    missing,
                    message,
                }
            })
            .collect()
    }

    fn validator(&self, schema: &Value) -> Option<Arc<Validator>> {
        let key = std::ptr::from_ref(schema) as usize;
        if let Ok(cache) = self.cache.read()
            && let Some(found) = cache.get(&key)
        {
            return Some(Arc::clone(found));
        }
        let compiled = Arc::new(self.compile(schema)?);
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(key, Arc::clone(&compiled));
        }
        Some(compiled)
    }

    fn compile(&self, schema: &Value) -> Option<Validator> {
        let components = Arc::clone(&self.document);
        let strict = self.strict_formats;
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(&self.registry)
            .should_validate_formats(false)
            .with_keyword("multipleOf", |_parent, value, _path| {
                Ok(Box::new(ExactMultipleOf(value.clone())) as Box<dyn for<'i> Keyword<'i>>)
            })
            .with_keyword(REQUIRED, move |parent, value, _path| {
                Ok(
                    Box::new(RequiredUnlessReadOnly::new(&components, parent, value))
                        as Box<dyn for<'i> Keyword<'i>>,
                )
            })
            .with_keyword("format", move |parent, value, _path| {
                Ok(Box::new(FormatAsserted::new(parent, value, strict))
                    as Box<dyn for<'i> Keyword<'i>>)
            })
            .build(schema)
            .map_err(|err| {
                tracing::warn!("a schema cannot be compiled, so it is not checked: {err}")
            })
            .ok()
    }

    /// The schema with a top-level `$ref` followed; `{}` for `true`.
    pub(crate) fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Map<String, Value> {
        resolve_in(&self.document, schema)
    }

    /// The JSON types a schema allows, as far as can be told; empty if any.
    pub(crate) fn types_of(&self, schema: &Value) -> Vec<&'static str> {
        let mut found = types_of(&self.document, schema, 0);
        found.sort_unstable();
        found.dedup();
        found
    }

    /// `items` (or `properties[name]`) of a schema, looking into `allOf`;
    /// `true` when there is none.
    pub(crate) fn subschema<'s>(
        &'s self,
        schema: &'s Value,
        keyword: &str,
        name: Option<&str>,
    ) -> &'s Value {
        let resolved = self.resolve(schema);
        let members = resolved
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let parts =
            std::iter::once(resolved).chain(members.iter().map(|member| self.resolve(member)));
        for part in parts {
            let mut found = part.get(keyword);
            if let Some(name) = name {
                found = found
                    .and_then(|value| value.as_object())
                    .and_then(|m| m.get(name));
            }
            if let Some(found) = found {
                return found;
            }
        }
        &TRUE
    }
}

static TRUE: Value = Value::Bool(true);
static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

fn resolve_in<'s>(document: &'s Value, mut schema: &'s Value) -> &'s Map<String, Value> {
    for _ in 0..32 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(name) = reference.strip_prefix(COMPONENT_PREFIX) else {
            return &EMPTY;
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        match document
            .get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(|s| s.get(&name))
        {
            Some(target) => schema = target,
            None => return &EMPTY,
        }
    }
    schema.as_object().unwrap_or(&EMPTY)
}

fn types_of(document: &Value, schema: &Value, depth: usize) -> Vec<&'static str> {
    let schema = resolve_in(document, schema);
    match schema.get("type") {
        Some(Value::String(kind)) => return type_name(kind).into_iter().collect(),
        Some(Value::Array(kinds)) => {
            return kinds
                .iter()
                .filter_map(Value::as_str)
                .filter_map(type_name)
                .collect();
        }
        _ => {}
    }
    if depth > 8 {
        return Vec::new();
    }
    for keyword in ["allOf", "anyOf", "oneOf"] {
        let Some(members) = schema.get(keyword).and_then(Value::as_array) else {
            continue;
        };
        if members.is_empty() {
            continue;
        }
        let found: Vec<Vec<&'static str>> = members
            .iter()
            .map(|member| types_of(document, member, depth + 1))
            .collect();
        if keyword == "allOf" {
            let known: Vec<&Vec<&'static str>> = found.iter().filter(|t| !t.is_empty()).collect();
            let Some((first, rest)) = known.split_first() else {
                return Vec::new();
            };
            return first
                .iter()
                .copied()
                .filter(|kind| rest.iter().all(|other| other.contains(kind)))
                .collect();
        }
        if found.iter().all(|types| !types.is_empty()) {
            return found.into_iter().flatten().collect();
        }
    }
    if let Some(constant) = schema.get("const") {
        return vec![json_type(constant)];
    }
    Vec::new()
}

fn type_name(kind: &str) -> Option<&'static str> {
    [
        "array", "boolean", "integer", "null", "number", "object", "string",
    ]
    .into_iter()
    .find(|known| *known == kind)
}

/// The JSON type of a value (`integer` for whole numbers written without a
/// fraction).
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn path_parts(location: &Location) -> Vec<PathPart> {
    location
        .iter()
        .map(|segment| match segment {
            LocationSegment::Property(name) => PathPart::Key(name.into_owned()),
            LocationSegment::Index(index) => PathPart::Index(index),
        })
        .collect()
}

/// `multipleOf` in decimal arithmetic: 9999.98 is a multiple of 0.01.
struct ExactMultipleOf(Value);

impl<'i> Keyword<'i> for ExactMultipleOf {
    fn validate(&self, instance: &'i Value) -> std::result::Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            return Ok(());
        }
        Err(ValidationError::custom(format!(
            "{instance} is not a multiple of {}",
            self.0
        )))
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        let (Value::Number(value), Value::Number(step)) = (instance, &self.0) else {
            return true;
        };
        formats::is_multiple(value, step)
    }
}

/// `required`, except that a request need not carry read-only properties.
struct RequiredUnlessReadOnly {
    names: Vec<String>,
}

impl RequiredUnlessReadOnly {
    fn new(document: &Value, parent: &Map<String, Value>, value: &Value) -> Self {
        let properties = parent.get("properties").and_then(Value::as_object);
        let names = value
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .filter(|name| {
                let read_only = properties
                    .and_then(|p| p.get(*name))
                    .map(|schema| resolve_in(document, schema))
                    .and_then(|schema| schema.get("readOnly"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                !read_only
            })
            .map(str::to_owned)
            .collect();
        Self { names }
    }
}

impl<'i> Keyword<'i> for RequiredUnlessReadOnly {
    fn validate(&self, instance: &'i Value) -> std::result::Result<(), ValidationError<'i>> {
        match self.iter_errors(instance).next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        instance
            .as_object()
            .is_none_or(|object| self.names.iter().all(|name| object.contains_key(name)))
    }

    fn iter_errors(
        &self,
        instance: &'i Value,
    ) -> Box<dyn Iterator<Item = ValidationError<'i>> + 'i> {
        let Some(object) = instance.as_object() else {
            return Box::new(std::iter::empty());
        };
        let missing: Vec<ValidationError<'i>> = self
            .names
            .iter()
            .filter(|name| !object.contains_key(name.as_str()))
            .map(|name| ValidationError::custom(name.clone()))
            .collect();
        Box::new(missing.into_iter())
    }
}

/// `format`, asserted for the well-known formats (the int32/int64 ranges
/// only, unless strict), except that an empty string passes as a nullable
/// date-time or time.
struct FormatAsserted {
    format: Option<formats::Format>,
    lenient_when_empty: bool,
}

impl FormatAsserted {
    fn new(parent: &Map<String, Value>, value: &Value, strict: bool) -> Self {
        let format = value
            .as_str()
            .and_then(formats::Format::named)
            .filter(|format| strict || format.is_range());
        let lenient_when_empty = format.is_some_and(|f| f.lenient_when_empty())
            && parent.get("type").is_some_and(Value::is_array);
        Self {
            format,
            lenient_when_empty,
        }
    }
}

impl<'i> Keyword<'i> for FormatAsserted {
    fn validate(&self, instance: &'i Value) -> std::result::Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            return Ok(());
        }
        let name = self.format.map_or("", formats::Format::name);
        Err(ValidationError::custom(format!(
            "{instance} is not a {name:?}"
        )))
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        let Some(format) = self.format else {
            return true;
        };
        if self.lenient_when_empty && instance.as_str() == Some("") {
            return true;
        }
        format.accepts(instance)
    }
}

/// Rewrites the document's internal `$ref`s (`#/...`) to absolute ones.
pub(crate) fn absolute_refs(node: &mut Value) {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match (key.as_str(), &mut *value) {
                    ("$ref", Value::String(target)) if target.starts_with('#') => {
                        target.insert_str(0, DOCUMENT_URI);
                    }
                    ("enum" | "const" | "example" | "examples" | "default", _) => {}
                    _ => absolute_refs(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(absolute_refs),
        _ => {}
    }
}
