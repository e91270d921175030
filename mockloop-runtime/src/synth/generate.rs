//! The generator: one walk over a schema producing a value, dispatching on
//! composition keywords first and then on the chosen type.
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

use super::check::Checker;
use super::merge::type_list;
use super::pattern::PatternCache;
use super::resolve::resolve;
use crate::spec::pointer::escape;

/// Nesting depth past which nothing more is generated (`null`).
const HARD_DEPTH: usize = 48;
/// Refs followed on the current path past which only required parts are made.
const MAX_REF_DEPTH: usize = 3;
/// Nesting depth past which only required parts are made.
const SOFT_DEPTH: usize = 12;

/// The state of one generation: rng, recursion control, and the instance
/// locations where spec examples and realistic hints must not be used.
pub(crate) struct Gen<'g, 'a> {
    /// The normalised document refs resolve against.
    pub(crate) document: &'a Value,
    /// Validators, for oneOf/not/if decisions.
    pub(crate) checker: &'g mut Checker<'a>,
    /// Compiled string generators for `pattern`s.
    pub(crate) patterns: &'g mut PatternCache,
    /// The seeded source of every random choice.
    pub(crate) rng: ChaCha8Rng,
    /// Names of the refs followed to reach the current schema.
    pub(crate) refs: Vec<String>,
    /// The JSON pointer of the value being generated.
    pub(crate) path: String,
    /// Pointers under which examples and hints are not used (they failed).
    pub(crate) avoid: Vec<String>,
    /// Pointers where a spec example or a realistic hint was used.
    pub(crate) used: Vec<String>,
    /// Pointers of optional properties left out (no valid value was found
    /// for them, examples or not).
    pub(crate) omit: Vec<String>,
    /// Current nesting depth.
    depth: usize,
}

impl<'g, 'a> Gen<'g, 'a> {
    /// A generator with a fresh rng state.
    pub(crate) fn new(
        document: &'a Value,
        checker: &'g mut Checker<'a>,
        patterns: &'g mut PatternCache,
        rng: ChaCha8Rng,
        avoid: Vec<String>,
    ) -> Self {
        Self {
            document,
            checker,
            patterns,
            rng,
            refs: Vec::new(),
            path: String::new(),
            avoid,
            used: Vec::new(),
            omit: Vec::new(),
            depth: 0,
        }
    }

    /// A value for `schema`; `hint` is the property name.
    pub(crate) fn any(&mut self, schema: &Value, hint: &str) -> Value {
        if self.depth > HARD_DEPTH {
            return Value::Null;
        }
        self.depth += 1;
        let refs_before = self.refs.len();
        let document = self.document;
        let resolved = resolve(document, schema, &mut self.refs);
        let value = match resolved.as_ref() {
            Value::Object(map) => self.for_map(map, hint),
            Value::Bool(false) => Value::Null,
            _ => self.untyped(hint),
        };
        self.refs.truncate(refs_before);
        self.depth -= 1;
        value
    }

    /// A value for `schema` generated at `segment` below the current path.
    pub(crate) fn child(&mut self, schema: &Value, hint: &str, segment: &str) -> Value {
        let before = self.path.len();
        self.path.push('/');
        self.path.push_str(&escape(segment));
        let value = self.any(schema, hint);
        self.path.truncate(before);
        value
    }

    /// Whether the optional property `name` of the object being generated
    /// is to be left out.
    pub(crate) fn omitted(&self, name: &str) -> bool {
        if self.omit.is_empty() {
            return false;
        }
        let child = format!("{}/{}", self.path, escape(name));
        self.omit.contains(&child)
    }

    /// Whether only the required parts should be generated here (recursion).
    pub(crate) fn minimal(&self) -> bool {
        if self.refs.len() >= MAX_REF_DEPTH || self.depth > SOFT_DEPTH {
            return true;
        }
        self.refs
            .iter()
            .enumerate()
            .any(|(index, name)| self.refs[..index].contains(name))
    }

    /// Whether spec examples and realistic hints may be used here.
    pub(crate) fn examples_allowed(&self) -> bool {
        !self.avoid.iter().any(|prefix| {
            self.path.starts_with(prefix.as_str())
                && (self.path.len() == prefix.len()
                    || self.path.as_bytes().get(prefix.len()) == Some(&b'/'))
        })
    }

    /// Runs `make` with examples disabled below the current path.
    pub(crate) fn without_examples<T>(&mut self, make: impl FnOnce(&mut Self) -> T) -> T {
        self.avoid.push(self.path.clone());
        let value = make(self);
        self.avoid.pop();
        value
    }

    /// A value for a resolved schema object.
    fn for_map(&mut self, map: &Map<String, Value>, hint: &str) -> Value {
        if self.examples_allowed()
            && let Some(example) = schema_example(map)
        {
            self.used.push(self.path.clone());
            return example.clone();
        }
        if let Some(constant) = map.get("const") {
            return constant.clone();
        }
        if let Some(Value::Array(choices)) = map.get("enum")
            && let Some(choice) = self.pick_enum(map, choices)
        {
            return choice;
        }
        if map.contains_key("oneOf") || map.contains_key("anyOf") {
            return self.composite(map, hint);
        }
        if map.contains_key("if") {
            return self.conditional(map, hint);
        }
        let value = self.typed(map, hint);
        match map.get("not") {
            Some(not) => self.avoid_not(map, not, value, hint),
            None => value,
        }
    }

    /// A value of the type chosen for `map`.
    pub(crate) fn typed(&mut self, map: &Map<String, Value>, hint: &str) -> Value {
        match self.choose_type(map) {
            Some("object") => self.object(map),
            Some("array") => self.array(map, hint),
            Some("string") => self.string(map, hint),
            Some("integer") => self.integer(map, hint),
            Some("number") => self.number(map, hint),
            Some("boolean") => Value::Bool(self.rng.random_bool(0.5)),
            Some("null") => Value::Null,
            _ => self.untyped(hint),
        }
    }

    /// The type to generate: the first non-null listed type (`null` first
    /// when recursion must stop), else one inferred from the keywords.
    fn choose_type(&self, map: &Map<String, Value>) -> Option<&'static str> {
        let kinds: Vec<&str> = map.get("type").map(type_list).unwrap_or_default();
        if kinds.is_empty() {
            return infer_type(map);
        }
        if self.minimal() && kinds.contains(&"null") {
            return Some("null");
        }
        let chosen = kinds
            .iter()
            .find(|kind| **kind != "null")
            .or_else(|| kinds.first())?;
        KNOWN_TYPES.iter().copied().find(|known| known == chosen)
    }

    /// An enum member, preferring members of the declared type and non-null.
    fn pick_enum(&mut self, map: &Map<String, Value>, choices: &[Value]) -> Option<Value> {
        let kinds: Vec<&str> = map.get("type").map(type_list).unwrap_or_default();
        let fits = |value: &Value| {
            !value.is_null()
                && (kinds.is_empty() || kinds.iter().any(|kind| value_has_type(value, kind)))
        };
        let preferred: Vec<&Value> = choices.iter().filter(|value| fits(value)).collect();
        let pool: Vec<&Value> = if preferred.is_empty() {
            choices.iter().collect()
        } else {
            preferred
        };
        if pool.is_empty() {
            return None;
        }
        let index = if self.minimal() {
            0
        } else {
            self.rng.random_range(0..pool.len())
        };
        pool.get(index).map(|value| (*value).clone())
    }

    /// A value when the schema says nothing about the type.
    pub(crate) fn untyped(&mut self, hint: &str) -> Value {
        if hint.is_empty() {
            return Value::Object(Map::new());
        }
        self.string(&Map::new(), hint)
    }
}

/// The types the generator knows, as static names.
const KNOWN_TYPES: &[&str] = &[
    "object", "array", "string", "integer", "number", "boolean", "null",
];

/// The schema's own example: `example`, `examples[0]`, then `default`.
fn schema_example(map: &Map<String, Value>) -> Option<&Value> {
    map.get("example")
        .or_else(|| {
            map.get("examples")
                .and_then(Value::as_array)
                .and_then(|list| list.first())
        })
        .or_else(|| map.get("default"))
}

/// Whether `value` is an instance of the JSON Schema type `kind`.
pub(crate) fn value_has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.as_f64().is_some_and(|number| number.fract() == 0.0),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

/// The type implied by the keywords of a schema without `type`.
fn infer_type(map: &Map<String, Value>) -> Option<&'static str> {
    let has = |keys: &[&str]| keys.iter().any(|key| map.contains_key(*key));
    if has(&[
        "properties",
        "additionalProperties",
        "patternProperties",
        "required",
        "minProperties",
        "maxProperties",
        "propertyNames",
    ]) {
        Some("object")
    } else if has(&[
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "contains",
        "uniqueItems",
    ]) {
        Some("array")
    } else if has(&["pattern", "minLength", "maxLength", "format"]) {
        let integral = matches!(
            map.get("format").and_then(Value::as_str),
            Some("int32" | "int64")
        );
        let numeric = matches!(
            map.get("format").and_then(Value::as_str),
            Some("float" | "double")
        );
        Some(if integral {
            "integer"
        } else if numeric {
            "number"
        } else {
            "string"
        })
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        Some("number")
    } else {
        None
    }
}
