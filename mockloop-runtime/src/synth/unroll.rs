//! A schema with its `$ref`s inlined as deep as one instance goes, so that
//! checking a value costs what the value reaches rather than the whole
//! `$ref` graph. On very connected documents (Stripe's expandable fields,
//! Microsoft Graph) a validator compiled from a schema compiles nearly
//! every schema of the document; the unrolled schema holds only the parts
//! that apply to some location of the instance, and judges it the same way.
//!
//! Each keyword's subschemas are unrolled against the instances they apply
//! to (all of them where it is not known which: every property value for
//! `additionalProperties`, every item for `items`), so the result is exact
//! for the instance. A subschema that applies to nothing becomes `true`.
use std::collections::HashSet;

use serde_json::{Map, Value};

use super::resolve::lookup;

/// Most nodes an unrolled schema may have; beyond, the caller checks the
/// usual way.
const MAX_NODES: usize = 100_000;

/// `schema` unrolled for `instance`; `None` when it cannot be (a dynamic
/// reference, a reference outside the document, or too big).
pub(crate) fn unroll(document: &Value, schema: &Value, instance: &Value) -> Option<Value> {
    let mut unroller = Unroller {
        document,
        active: HashSet::new(),
        nodes: 0,
    };
    unroller.schema(schema, &[instance])
}

struct Unroller<'d> {
    document: &'d Value,
    /// The references being inlined, with the instances they apply to (by
    /// address): meeting one again there is a cycle that reads no deeper.
    active: HashSet<(String, Vec<usize>)>,
    nodes: usize,
}

impl Unroller<'_> {
    fn schema(&mut self, schema: &Value, instances: &[&Value]) -> Option<Value> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return None;
        }
        let Value::Object(map) = schema else {
            return Some(schema.clone());
        };
        if instances.is_empty() {
            return Some(Value::Bool(true));
        }
        let mut out = Map::new();
        let mut inlined: Vec<Value> = Vec::new();
        for (keyword, value) in map {
            let unrolled = match keyword.as_str() {
                "$ref" => {
                    inlined.push(self.reference(value, instances)?);
                    continue;
                }
                "$dynamicRef" | "$recursiveRef" => return None,
                "$defs" | "definitions" => continue,
                "properties" => self.named(value, |name| {
                    instances
                        .iter()
                        .filter_map(|instance| instance.as_object()?.get(name))
                        .collect()
                })?,
                "patternProperties" => {
                    let values = property_values(instances);
                    self.named(value, |_| values.clone())?
                }
                "dependentSchemas" => self.named(value, |_| instances.to_vec())?,
                "additionalProperties" | "unevaluatedProperties" => {
                    self.schema(value, &property_values(instances))?
                }
                "propertyNames" => {
                    let names: Vec<Value> = instances
                        .iter()
                        .filter_map(|instance| instance.as_object())
                        .flat_map(|object| object.keys().cloned().map(Value::String))
                        .collect();
                    let refs: Vec<&Value> = names.iter().collect();
                    self.schema(value, &refs)?
                }
                "prefixItems" => self.tuple(value, instances)?,
                "items" if value.is_array() => self.tuple(value, instances)?,
                "items" | "additionalItems" | "unevaluatedItems" | "contains" => {
                    self.schema(value, &items(instances))?
                }
                "allOf" | "anyOf" | "oneOf" => match value {
                    Value::Array(branches) => Value::Array(
                        branches
                            .iter()
                            .map(|branch| self.schema(branch, instances))
                            .collect::<Option<_>>()?,
                    ),
                    other => other.clone(),
                },
                "not" | "if" | "then" | "else" => self.schema(value, instances)?,
                _ => value.clone(),
            };
            out.insert(keyword.clone(), unrolled);
        }
        if !inlined.is_empty() {
            let mut all_of = match out.remove("allOf") {
                Some(Value::Array(branches)) => branches,
                Some(other) => vec![other],
                None => Vec::new(),
            };
            all_of.extend(inlined);
            out.insert("allOf".to_owned(), Value::Array(all_of));
        }
        Some(Value::Object(out))
    }

    /// The target of a `$ref`, unrolled for `instances`.
    fn reference(&mut self, reference: &Value, instances: &[&Value]) -> Option<Value> {
        let reference = reference.as_str()?;
        let target = lookup(self.document, reference)?;
        let key = (
            reference.to_owned(),
            instances
                .iter()
                .map(|instance| std::ptr::from_ref::<Value>(instance) as usize)
                .collect::<Vec<_>>(),
        );
        if self.active.contains(&key) {
            return Some(Value::Bool(true));
        }
        self.active.insert(key.clone());
        let unrolled = self.schema(target, instances);
        self.active.remove(&key);
        unrolled
    }

    /// A map of subschemas by name, each unrolled for the instances
    /// `applies_to` gives for its name.
    fn named<'i>(
        &mut self,
        value: &Value,
        applies_to: impl Fn(&str) -> Vec<&'i Value>,
    ) -> Option<Value> {
        let Value::Object(map) = value else {
            return Some(value.clone());
        };
        let mut out = Map::new();
        for (name, schema) in map {
            out.insert(name.clone(), self.schema(schema, &applies_to(name))?);
        }
        Some(Value::Object(out))
    }

    /// Positional item schemas, each unrolled for the items at its index.
    fn tuple(&mut self, value: &Value, instances: &[&Value]) -> Option<Value> {
        let Value::Array(schemas) = value else {
            return Some(value.clone());
        };
        let mut out = Vec::with_capacity(schemas.len());
        for (index, schema) in schemas.iter().enumerate() {
            let at: Vec<&Value> = instances
                .iter()
                .filter_map(|instance| instance.as_array()?.get(index))
                .collect();
            out.push(self.schema(schema, &at)?);
        }
        Some(Value::Array(out))
    }
}

/// Every property value of the object instances.
fn property_values<'i>(instances: &[&'i Value]) -> Vec<&'i Value> {
    instances
        .iter()
        .filter_map(|instance| instance.as_object())
        .flat_map(|object| object.values())
        .collect()
}

/// Every item of the array instances.
fn items<'i>(instances: &[&'i Value]) -> Vec<&'i Value> {
    instances
        .iter()
        .filter_map(|instance| instance.as_array())
        .flatten()
        .collect()
}
