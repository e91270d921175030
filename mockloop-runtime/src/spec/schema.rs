//! Schemas rewritten into the JSON Schema 2020-12 dialect.
//!
//! `nullable`/`x-nullable` become `"null"` in `type` (not in `enum`), boolean
//! `exclusiveMinimum`/`exclusiveMaximum` become numbers, `type: file` becomes
//! a binary string, tuple-style `items` arrays become `prefixItems`, and for
//! Swagger 2.0 and OpenAPI 3.0 the siblings of `$ref` are dropped (those
//! versions ignore them; 3.1 applies them, so there they stay). Patterns
//! are rewritten from ECMA-262 for the engines that check them
//! (`ecma_regex`).
use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::spec::SpecVersion;
use crate::spec::kind::{Kind, Shape};
use crate::spec::pointer::render;
use crate::spec::{ecma_regex, keywords};

/// Keywords that describe a schema without constraining it; they stay on the
/// outside when a schema is wrapped to admit `null`.
const ANNOTATIONS: [&str; 10] = [
    "title",
    "description",
    "default",
    "example",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
    "xml",
];

/// Normalises every schema of a 3.x-shaped document in place.
pub(crate) fn normalise(document: &mut Value, version: SpecVersion, warnings: &mut Vec<String>) {
    let mut normaliser = Normaliser {
        keep_ref_siblings: version == SpecVersion::OpenApi31,
        dropped: 0,
        first_dropped: None,
        patterns: HashMap::new(),
        unusable_patterns: Vec::new(),
        mended: 0,
        first_mended: None,
    };
    normaliser.walk(document, Kind::Root, &mut Vec::new());
    if let Some(first) = &normaliser.first_mended {
        warnings.push(format!(
            "{} schemas have keyword values no validator accepts (first at {first}, e.g. `required: true` or `minimum: \"5\"`); they were mended or dropped",
            normaliser.mended
        ));
    }
    if let Some((pattern, at)) = normaliser.unusable_patterns.first() {
        warnings.push(format!(
            "{} patterns are not regular expressions that can be checked and are not enforced (first: {pattern:?} at {at})",
            normaliser.unusable_patterns.len(),
        ));
    }
    if let Some(first) = normaliser.first_dropped {
        warnings.push(format!(
            "{} schema `$ref`s have sibling keywords, which OpenAPI {} ignores (first at {first}); they were dropped",
            normaliser.dropped,
            if version == SpecVersion::Swagger2 { "2.0" } else { "3.0" },
        ));
    }
}

struct Normaliser {
    keep_ref_siblings: bool,
    dropped: usize,
    first_dropped: Option<String>,
    /// ECMA-262 pattern → its rewrite, or `None` if no engine can read it.
    patterns: HashMap<String, Option<String>>,
    /// Patterns dropped, with where the first use of each was.
    unusable_patterns: Vec<(String, String)>,
    /// Schemas with keyword values no validator accepts (`keywords`).
    mended: usize,
    first_mended: Option<String>,
}

impl Normaliser {
    fn walk(&mut self, value: &mut Value, kind: Kind, path: &mut Vec<String>) {
        match value {
            Value::Object(map) if kind != Kind::Opaque => {
                if kind == Kind::Schema
                    && map.contains_key("$ref")
                    && map.len() > 1
                    && !self.keep_ref_siblings
                {
                    self.dropped += 1;
                    self.first_dropped.get_or_insert_with(|| render(path));
                    map.retain(|key, _| key == "$ref");
                    return;
                }
                for (key, child) in map.iter_mut() {
                    path.push(key.clone());
                    self.walk_field(child, kind.field(key), path);
                    path.pop();
                }
                if kind == Kind::Schema {
                    self.translate_patterns(map, path);
                    normalise_schema(map);
                    if keywords::mend(map) {
                        self.mended += 1;
                        self.first_mended.get_or_insert_with(|| render(path));
                    }
                }
            }
            Value::Array(items) if kind != Kind::Opaque => {
                for (i, item) in items.iter_mut().enumerate() {
                    path.push(i.to_string());
                    self.walk(item, kind, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn walk_field(&mut self, value: &mut Value, shape: Shape, path: &mut Vec<String>) {
        match (shape, value) {
            (Shape::One(kind), value) => self.walk(value, kind, path),
            (Shape::Map(kind), Value::Object(map)) => {
                for (key, item) in map.iter_mut() {
                    path.push(key.clone());
                    self.walk(item, kind, path);
                    path.pop();
                }
            }
            (Shape::Map(_), _) => {}
        }
    }

    /// Rewrites `pattern` and the keys of `patternProperties` for the regex
    /// engines that check them (see `ecma_regex`); one that none can read is
    /// dropped, so that the rest of the schema is still checked.
    fn translate_patterns(&mut self, map: &mut Map<String, Value>, path: &[String]) {
        if let Some(Value::String(pattern)) = map.get("pattern").cloned() {
            match self.translated(&pattern, path) {
                Some(rewritten) => {
                    map.insert("pattern".to_owned(), Value::String(rewritten));
                }
                None => {
                    map.remove("pattern");
                }
            }
        }
        if let Some(Value::Object(properties)) = map.get_mut("patternProperties") {
            let entries = std::mem::take(properties);
            for (pattern, schema) in entries {
                if let Some(rewritten) = self.translated(&pattern, path) {
                    properties.insert(rewritten, schema);
                }
            }
        }
    }

    fn translated(&mut self, pattern: &str, path: &[String]) -> Option<String> {
        if let Some(known) = self.patterns.get(pattern) {
            return known.clone();
        }
        let rewritten = ecma_regex::translate(pattern);
        let compiles = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&json!({ "pattern": rewritten }))
            .is_ok();
        let found = compiles.then_some(rewritten);
        if found.is_none() {
            self.unusable_patterns
                .push((pattern.to_owned(), render(path)));
        }
        self.patterns.insert(pattern.to_owned(), found.clone());
        found
    }
}

/// Rewrites one schema object (its subschemas are done already).
fn normalise_schema(map: &mut Map<String, Value>) {
    if map.get("type").and_then(Value::as_str) == Some("file") {
        map.insert("type".to_owned(), json!("string"));
        map.entry("format").or_insert_with(|| json!("binary"));
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Bool(exclusive)) = map.get(flag) {
            let exclusive = *exclusive;
            map.remove(flag);
            if exclusive && let Some(limit) = map.remove(bound) {
                map.insert(flag.to_owned(), limit);
            }
        }
    }
    if let Some(Value::Array(_)) = map.get("items")
        && let Some(tuple) = map.remove("items")
    {
        map.insert("prefixItems".to_owned(), tuple);
        if let Some(rest) = map.remove("additionalItems") {
            map.insert("items".to_owned(), rest);
        }
    }
    // `enum: []` admits nothing; real-world specs (Discord's) write it
    // beside an `allOf` that holds the real enum. Read it as absent.
    if matches!(map.get("enum"), Some(Value::Array(values)) if values.is_empty()) {
        map.remove("enum");
    }
    let nullable = [map.remove("nullable"), map.remove("x-nullable")]
        .iter()
        .any(|flag| flag == &Some(Value::Bool(true)));
    if nullable {
        admit_null(map);
    }
}

/// Makes a schema accept `null` as well. An `enum` is left alone: as the
/// OpenAPI 3.0.3 clarification of `nullable` says (and validators such as
/// schemathesis read it), a nullable enum admits `null` only if it lists it.
fn admit_null(map: &mut Map<String, Value>) {
    match map.get_mut("type") {
        Some(Value::String(one)) if one != "null" => {
            let one = std::mem::take(one);
            map.insert("type".to_owned(), json!([one, "null"]));
        }
        Some(Value::Array(types)) if !types.contains(&json!("null")) => types.push(json!("null")),
        Some(_) => {}
        None => {
            let constrained = ["$ref", "allOf", "anyOf", "oneOf", "not", "const"]
                .iter()
                .any(|key| map.contains_key(*key));
            if constrained && !map.contains_key("enum") {
                wrap_with_null(map);
            }
        }
    }
}

/// `{…}` → `{annotations…, anyOf: [{constraints…}, {type: "null"}]}`.
fn wrap_with_null(map: &mut Map<String, Value>) {
    let all = std::mem::take(map);
    let mut core = Map::new();
    for (key, value) in all {
        if ANNOTATIONS.contains(&key.as_str()) || key.starts_with("x-") {
            map.insert(key, value);
        } else {
            core.insert(key, value);
        }
    }
    map.insert(
        "anyOf".to_owned(),
        json!([Value::Object(core), { "type": "null" }]),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(schema: Value) -> Value {
        let Value::Object(mut map) = schema else {
            panic!("not an object")
        };
        normalise_schema(&mut map);
        Value::Object(map)
    }

    #[test]
    fn nullable_becomes_type_null() {
        assert_eq!(
            norm(json!({"type": "string", "nullable": true})),
            json!({"type": ["string", "null"]})
        );
        assert_eq!(
            norm(json!({"type": "string", "enum": ["a"], "x-nullable": true})),
            json!({"type": ["string", "null"], "enum": ["a"]})
        );
        assert_eq!(
            norm(
                json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true, "description": "d"})
            ),
            json!({"description": "d", "anyOf": [{"allOf": [{"$ref": "#/components/schemas/A"}]}, {"type": "null"}]})
        );
        assert_eq!(
            norm(json!({"type": "string", "nullable": false})),
            json!({"type": "string"})
        );
    }

    #[test]
    fn exclusive_bounds_become_numbers() {
        assert_eq!(
            norm(
                json!({"minimum": 1, "exclusiveMinimum": true, "maximum": 5, "exclusiveMaximum": false})
            ),
            json!({"maximum": 5, "exclusiveMinimum": 1})
        );
    }

    #[test]
    fn empty_enum_is_dropped() {
        assert_eq!(
            norm(json!({"type": "string", "enum": [], "allOf": [{"enum": ["a"]}]})),
            json!({"type": "string", "allOf": [{"enum": ["a"]}]})
        );
    }

    #[test]
    fn file_becomes_binary_string() {
        assert_eq!(
            norm(json!({"type": "file"})),
            json!({"type": "string", "format": "binary"})
        );
    }

    #[test]
    fn patterns_are_rewritten_or_dropped() {
        let mut document = json!({"components": {"schemas": {"S": {
            "type": "object",
            "properties": {
                "a": {"type": "string", "pattern": "^[\\w-.]+$"},
                "b": {"type": "string", "pattern": "(unclosed"}
            },
            "patternProperties": {"^x{,2}$": {"type": "integer"}, "(": {}}
        }}}});
        let mut warnings = Vec::new();
        normalise(&mut document, SpecVersion::OpenApi31, &mut warnings);
        let schema = &document["components"]["schemas"]["S"];
        assert_eq!(schema["properties"]["a"]["pattern"], json!("^[\\w\\-.]+$"));
        assert_eq!(schema["properties"]["b"], json!({"type": "string"}));
        assert_eq!(
            schema["patternProperties"],
            json!({"^x\\{,2\\}$": {"type": "integer"}})
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("(unclosed"), "{warnings:?}");
    }
}
