//! A `oneOf` value must match exactly one branch. When branches overlap
//! (objects that share most fields, open objects, numbers and integers), a
//! value made for one branch is reshaped until the others reject it.
use serde_json::{Map, Value};

use super::generate::Gen;
use super::resolve::{merge_parts, resolve};

/// Most values of one `enum` tried as the branch's telling field.
const MAX_ENUM_TRIES: usize = 8;

/// Values that most schemas of another type reject, tried as the value of a
/// field only another branch declares.
fn wrong_values() -> [Value; 5] {
    [
        Value::Null,
        Value::Bool(true),
        Value::from(0),
        Value::from("x"),
        Value::Array(Vec::new()),
    ]
}

impl Gen<'_, '_> {
    /// `candidate` (made for branch `index`) reshaped to match that branch
    /// and no other, trying in turn: only the fields the branch requires;
    /// without the optional fields other matching branches declare; each
    /// value of the branch's `enum`/`const` fields (its own tag); a field
    /// only another branch declares, with a value that branch rejects.
    pub(crate) fn make_exclusive(
        &mut self,
        branches: &[Value],
        index: usize,
        rest: &Value,
        candidate: &Value,
    ) -> Option<Value> {
        let object = candidate.as_object()?;
        let branch = branches.get(index)?;
        let document = self.document;
        let mut scratch = Vec::new();
        let own = merge_parts(document, &[rest, branch], &mut scratch);
        let required = names(&own, "required");
        let others: Vec<Value> = branches
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .map(|(_, other)| resolve(document, other, &mut scratch).into_owned())
            .collect();

        let required_only: Map<String, Value> = object
            .iter()
            .filter(|(key, _)| required.contains(key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let declared_elsewhere: Vec<String> = others
            .iter()
            .flat_map(|other| names(other, "properties"))
            .collect();
        let unshared: Map<String, Value> = object
            .iter()
            .filter(|(key, _)| required.contains(key) || !declared_elsewhere.contains(key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        for variant in [required_only, unshared] {
            let variant = Value::Object(variant);
            if self.branch_accepts(branches, index, true, &variant) {
                return Some(variant);
            }
        }
        if let Some(tagged) = self.tagged(branches, index, &own, candidate) {
            return Some(tagged);
        }
        self.poisoned(branches, index, &own, candidate)
    }

    /// `candidate` with one of its branch's `enum`/`const` fields set to a
    /// value that makes it match that branch alone.
    fn tagged(
        &mut self,
        branches: &[Value],
        index: usize,
        own: &Value,
        candidate: &Value,
    ) -> Option<Value> {
        let properties = own.get("properties").and_then(Value::as_object)?;
        let document = self.document;
        for (name, schema) in properties {
            let mut scratch = Vec::new();
            let resolved = resolve(document, schema, &mut scratch);
            let allowed: Vec<Value> = match (resolved.get("const"), resolved.get("enum")) {
                (Some(value), _) => vec![value.clone()],
                (None, Some(Value::Array(values))) => values.clone(),
                _ => continue,
            };
            for value in allowed.into_iter().take(MAX_ENUM_TRIES) {
                let mut attempt = candidate.clone();
                if let Some(object) = attempt.as_object_mut() {
                    object.insert(name.clone(), value);
                }
                if self.branch_accepts(branches, index, true, &attempt) {
                    return Some(attempt);
                }
            }
        }
        None
    }

    /// `candidate` with, for each other branch that accepts it, a field that
    /// branch declares (and this one does not) set to a value it rejects.
    fn poisoned(
        &mut self,
        branches: &[Value],
        index: usize,
        own: &Value,
        candidate: &Value,
    ) -> Option<Value> {
        let branch = branches.get(index)?;
        let own_properties = names(own, "properties");
        let document = self.document;
        let mut scratch = Vec::new();
        let mut value = candidate.clone();
        for (other_index, other) in branches.iter().enumerate() {
            if other_index == index || self.checker.is_valid(other, &value) != Some(true) {
                continue;
            }
            let resolved = resolve(document, other, &mut scratch);
            let properties = resolved.get("properties").and_then(Value::as_object)?;
            let mut fixed = false;
            'fields: for (name, schema) in properties {
                if own_properties.contains(name) || value.get(name).is_some() {
                    continue;
                }
                for wrong in wrong_values() {
                    if self.checker.is_valid(schema, &wrong) != Some(false) {
                        continue;
                    }
                    let mut attempt = value.clone();
                    if let Some(object) = attempt.as_object_mut() {
                        object.insert(name.clone(), wrong);
                    }
                    if self.checker.is_valid(branch, &attempt) == Some(true)
                        && self.checker.is_valid(other, &attempt) == Some(false)
                    {
                        value = attempt;
                        fixed = true;
                        break 'fields;
                    }
                }
            }
            if !fixed {
                return None;
            }
        }
        self.branch_accepts(branches, index, true, &value)
            .then_some(value)
    }
}

/// The names listed under `required`, or the keys of `properties`.
fn names(schema: &Value, keyword: &str) -> Vec<String> {
    match schema.get(keyword) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}
