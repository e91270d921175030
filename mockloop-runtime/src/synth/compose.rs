//! `oneOf`/`anyOf` (with `discriminator`), `if`/`then`/`else` and `not`.
use serde_json::{Map, Value};

use super::generate::Gen;
use super::resolve::{TRUE, is_inert, merge_parts, ref_name};

/// Keywords of the composite itself, left out of the merged branch schema.
const COMPOSITE_KEYS: &[&str] = &["oneOf", "anyOf", "discriminator"];

/// Retries of a `not` before giving up.
const NOT_RETRIES: usize = 3;
/// Values made for one branch (with examples, without, then another draw)
/// before the next branch is tried.
const BRANCH_ATTEMPTS: usize = 3;

impl Gen<'_, '_> {
    /// A value for a schema with `oneOf`/`anyOf`: the first branch (in a
    /// preferred order) whose value matches it — and, for `oneOf`, only it.
    pub(crate) fn composite(&mut self, map: &Map<String, Value>, hint: &str) -> Value {
        let one_of = map.get("oneOf").and_then(Value::as_array);
        let branches: &[Value] = match (one_of, map.get("anyOf").and_then(Value::as_array)) {
            (Some(list), _) | (None, Some(list)) => list,
            (None, None) => &[],
        };
        let exclusive = one_of.is_some();
        let rest: Map<String, Value> = map
            .iter()
            .filter(|(key, _)| !COMPOSITE_KEYS.contains(&key.as_str()))
            .filter(|(key, _)| !(exclusive && key.as_str() == "anyOf"))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let rest_matters = rest.keys().any(|key| !is_inert(key));
        let rest = Value::Object(rest);
        let mut first: Option<Value> = None;
        for index in self.branch_order(branches) {
            let Some(branch) = branches.get(index) else {
                continue;
            };
            for attempt in 0..BRANCH_ATTEMPTS {
                let make =
                    |this: &mut Self| this.branch_value(branch, &rest, rest_matters, map, hint);
                let candidate = if attempt == 1 {
                    self.without_examples(make)
                } else {
                    make(self)
                };
                if self.branch_accepts(branches, index, exclusive, &candidate) {
                    return candidate;
                }
                if exclusive
                    && let Some(distinct) = self.make_exclusive(branches, index, &rest, &candidate)
                {
                    return distinct;
                }
                first.get_or_insert(candidate);
            }
        }
        match first {
            Some(value) => value,
            None => {
                let plain: Map<String, Value> = rest.as_object().cloned().unwrap_or_default();
                self.typed(&plain, hint)
            }
        }
    }

    /// The order branches are tried in: as written, except that `null`-only
    /// branches go last — or first when recursion must stop, where branches
    /// that recurse go last.
    fn branch_order(&self, branches: &[Value]) -> Vec<usize> {
        let minimal = self.minimal();
        let mut order: Vec<usize> = (0..branches.len()).collect();
        order.sort_by_key(|index| {
            let branch = branches.get(*index).unwrap_or(&TRUE);
            let is_null = branch.get("type").and_then(Value::as_str) == Some("null");
            let recursive = branch
                .get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|reference| self.refs.iter().any(|name| name == ref_name(reference)));
            match (minimal, is_null, recursive) {
                (true, true, _) => 0,
                (true, false, false) => 1,
                (true, false, true) => 2,
                (false, false, _) => 0,
                (false, true, _) => 1,
            }
        });
        order
    }

    /// A value for one branch merged with the composite's other keywords,
    /// with the discriminator property set for the branch.
    fn branch_value(
        &mut self,
        branch: &Value,
        rest: &Value,
        rest_matters: bool,
        map: &Map<String, Value>,
        hint: &str,
    ) -> Value {
        let mut value = if rest_matters {
            self.merged(rest, branch, hint)
        } else {
            self.any(branch, hint)
        };
        if let (Some(property), Value::Object(object)) = (discriminator_property(map), &mut value)
            && let Some(tag) = discriminator_value(map, branch)
        {
            object.insert(property.to_owned(), Value::String(tag));
        }
        value
    }

    /// Whether `candidate` is valid against branch `index` (and, when
    /// `exclusive`, against no other branch). Unknown answers count as yes
    /// for the branch itself and no for the others.
    pub(crate) fn branch_accepts(
        &mut self,
        branches: &[Value],
        index: usize,
        exclusive: bool,
        candidate: &Value,
    ) -> bool {
        let Some(branch) = branches.get(index) else {
            return false;
        };
        if self.checker.is_valid(branch, candidate) == Some(false) {
            return false;
        }
        if !exclusive {
            return true;
        }
        branches
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .all(|(_, other)| self.checker.is_valid(other, candidate) != Some(true))
    }

    /// A value for a schema with `if`: made from `then` (merged), kept if it
    /// satisfies `if`; otherwise made from `else`.
    pub(crate) fn conditional(&mut self, map: &Map<String, Value>, hint: &str) -> Value {
        let rest: Map<String, Value> = map
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "if" | "then" | "else"))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let rest = Value::Object(rest);
        let condition = map.get("if").unwrap_or(&TRUE);
        let candidate = self.merged(&rest, map.get("then").unwrap_or(&TRUE), hint);
        if self.checker.is_valid(condition, &candidate) != Some(false) {
            return candidate;
        }
        self.merged(&rest, map.get("else").unwrap_or(&TRUE), hint)
    }

    /// A value for the merge of two schemas.
    fn merged(&mut self, first: &Value, second: &Value, hint: &str) -> Value {
        let document = self.document;
        let before = self.refs.len();
        let merged = merge_parts(document, &[first, second], &mut self.refs);
        let value = self.any(&merged, hint);
        self.refs.truncate(before);
        value
    }

    /// `value` if it is not valid against `not`; else another try (no
    /// examples), else the best effort.
    pub(crate) fn avoid_not(
        &mut self,
        map: &Map<String, Value>,
        not: &Value,
        value: Value,
        hint: &str,
    ) -> Value {
        if self.checker.is_valid(not, &value) != Some(true) {
            return value;
        }
        for _ in 0..NOT_RETRIES {
            let candidate = self.without_examples(|this| this.typed(map, hint));
            if self.checker.is_valid(not, &candidate) != Some(true) {
                return candidate;
            }
        }
        value
    }
}

/// The discriminator's property name, if the composite has one.
fn discriminator_property(map: &Map<String, Value>) -> Option<&str> {
    map.get("discriminator")?.get("propertyName")?.as_str()
}

/// The discriminator value naming `branch`: its key in the mapping, else the
/// name of the schema it refers to.
fn discriminator_value(map: &Map<String, Value>, branch: &Value) -> Option<String> {
    let reference = branch.get("$ref")?.as_str()?;
    let name = ref_name(reference);
    let mapping = map
        .get("discriminator")
        .and_then(|discriminator| discriminator.get("mapping"))
        .and_then(Value::as_object);
    if let Some(mapping) = mapping {
        for (key, target) in mapping {
            let target = target.as_str().unwrap_or_default();
            if target == reference || target == name || ref_name(target) == name {
                return Some(key.clone());
            }
        }
    }
    Some(name.to_owned())
}
