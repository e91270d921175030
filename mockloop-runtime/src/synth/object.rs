//! Objects: `properties`, `required`, `additionalProperties`,
//! `patternProperties`, `propertyNames`, `minProperties`/`maxProperties`.
use serde_json::{Map, Value};

use super::generate::Gen;
use super::resolve::{TRUE, lookup};

/// Most optional properties generated for one object.
const MAX_OPTIONAL: usize = 64;
/// Most extra (additional/pattern) properties added to reach `minProperties`.
const MAX_EXTRA: usize = 32;

impl Gen<'_, '_> {
    /// An object valid against the object keywords of `map`.
    pub(crate) fn object(&mut self, map: &Map<String, Value>) -> Value {
        let empty = Map::new();
        let properties = map
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let minimal = self.minimal();
        let max_properties = count_keyword(map, "maxProperties").unwrap_or(usize::MAX);
        let mut out = Map::new();
        let mut optional = 0;
        for (name, schema) in properties {
            let is_required = required.contains(&name.as_str());
            if !is_required {
                let full = out.len() + required.len() >= max_properties;
                if minimal
                    || optional >= MAX_OPTIONAL
                    || full
                    || self.write_only(schema)
                    || self.omitted(name)
                {
                    continue;
                }
                optional += 1;
            }
            let value = self.child(schema, name, name);
            out.insert(name.clone(), value);
        }
        for name in required {
            if !out.contains_key(name) {
                let schema = self.extra_schema(map, name);
                if let Some(schema) = schema {
                    let value = self.child(&schema, name, name);
                    out.insert(name.to_owned(), value);
                }
            }
        }
        let min_properties = count_keyword(map, "minProperties").unwrap_or(0);
        let wants_sample = !minimal && properties.is_empty() && out.is_empty();
        let target = if wants_sample {
            min_properties.max(1)
        } else {
            min_properties
        };
        self.add_extra(map, &mut out, target.min(max_properties));
        trim_optional(map, &mut out, max_properties);
        Value::Object(out)
    }

    /// Whether a property schema (or its ref target) is `writeOnly`.
    fn write_only(&self, schema: &Value) -> bool {
        let direct = schema.get("writeOnly") == Some(&Value::Bool(true));
        let target = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| lookup(self.document, reference))
            .is_some_and(|target| target.get("writeOnly") == Some(&Value::Bool(true)));
        direct || target
    }

    /// The schema of a property not in `properties`: the additional
    /// properties schema, or `None` when additional properties are forbidden.
    fn extra_schema(&self, map: &Map<String, Value>, _name: &str) -> Option<Value> {
        match map.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(schema) => Some(schema.clone()),
            None => Some(TRUE.clone()),
        }
    }

    /// Adds generated extra properties (pattern or additional) until `out`
    /// has `target` properties, when the schema allows any.
    fn add_extra(&mut self, map: &Map<String, Value>, out: &mut Map<String, Value>, target: usize) {
        let patterns: Vec<(&String, &Value)> = map
            .get("patternProperties")
            .and_then(Value::as_object)
            .map(|patterns| patterns.iter().collect())
            .unwrap_or_default();
        let additional = self.extra_schema(map, "");
        let mut attempts = 0;
        while out.len() < target && attempts < MAX_EXTRA {
            attempts += 1;
            let (key, schema) = if patterns.is_empty() {
                let Some(schema) = &additional else {
                    break;
                };
                (self.key(map, None, attempts), schema.clone())
            } else {
                let Some((pattern, schema)) = patterns.get((attempts - 1) % patterns.len()) else {
                    break;
                };
                let names =
                    Map::from_iter([("pattern".to_owned(), Value::String((*pattern).clone()))]);
                (self.key(map, Some(&names), attempts), (*schema).clone())
            };
            if out.contains_key(&key) {
                continue;
            }
            let hint = key.clone();
            let value = self.child(&schema, &hint, &key);
            out.insert(key, value);
        }
    }

    /// A property name for an extra property: from `propertyNames` (or the
    /// given pattern schema) when there is one, else a word.
    fn key(
        &mut self,
        map: &Map<String, Value>,
        pattern: Option<&Map<String, Value>>,
        attempt: usize,
    ) -> String {
        let names = pattern.or_else(|| map.get("propertyNames").and_then(Value::as_object));
        if let Some(names) = names
            && let Some(Value::String(name)) = self.name_for(names)
        {
            return name;
        }
        if attempt <= 1 {
            "key".to_owned()
        } else {
            format!("key{attempt}")
        }
    }

    /// A string for a `propertyNames`-like schema.
    fn name_for(&mut self, names: &Map<String, Value>) -> Option<Value> {
        let value = self.without_examples(|this| this.any(&Value::Object(names.clone()), "key"));
        value.is_string().then_some(value)
    }
}

/// A non-negative integer keyword (`minProperties`...), if present.
pub(crate) fn count_keyword(map: &Map<String, Value>, key: &str) -> Option<usize> {
    let number = map.get(key)?.as_f64()?;
    if number.is_nan() || number < 0.0 {
        return Some(0);
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // non-negative, saturating
    Some(number.min(1_000_000.0) as usize)
}

/// Drops optional properties (from the end) until at most `max` remain.
fn trim_optional(map: &Map<String, Value>, out: &mut Map<String, Value>, max: usize) {
    let required: Vec<&str> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    while out.len() > max {
        let last_optional = out
            .keys()
            .rev()
            .find(|key| !required.contains(&key.as_str()))
            .cloned();
        match last_optional {
            Some(key) => {
                out.shift_remove(&key);
            }
            None => break,
        }
    }
}
