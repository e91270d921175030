//! Arrays: `prefixItems`/`items`, `minItems`/`maxItems`, `uniqueItems`,
//! `contains`.
use serde_json::{Map, Value, json};

use super::generate::Gen;
use super::object::count_keyword;
use super::resolve::TRUE;

/// Retries for an item that duplicates an earlier one (`uniqueItems`).
const UNIQUE_RETRIES: usize = 16;
/// Most items generated for one array.
const MAX_ITEMS: usize = 64;

impl Gen<'_, '_> {
    /// An array valid against the array keywords of `map`.
    pub(crate) fn array(&mut self, map: &Map<String, Value>, hint: &str) -> Value {
        // Draft-4 style tuple `items: [...]` is read as `prefixItems`.
        let (prefix, items): (&[Value], &Value) = match (map.get("prefixItems"), map.get("items")) {
            (Some(Value::Array(prefix)), items) => (prefix, items.unwrap_or(&TRUE)),
            (_, Some(Value::Array(prefix))) => {
                (prefix, map.get("additionalItems").unwrap_or(&TRUE))
            }
            (_, items) => (&[], items.unwrap_or(&TRUE)),
        };
        let min = count_keyword(map, "minItems").unwrap_or(0);
        let mut max = count_keyword(map, "maxItems")
            .unwrap_or(MAX_ITEMS)
            .min(MAX_ITEMS);
        if items == &Value::Bool(false) {
            max = max.min(prefix.len());
        }
        let contains = map.get("contains");
        // Items that were invalid whatever was tried: as few as allowed.
        let wanted = if self.minimal() || (0..2).any(|index| self.omitted(&index.to_string())) {
            0
        } else if self.depth_is_top() {
            2
        } else {
            1
        };
        let mut target = wanted.max(min).max(usize::from(contains.is_some()));
        target = target.min(max.max(min.min(MAX_ITEMS)));
        let unique = map.get("uniqueItems") == Some(&Value::Bool(true));
        let item_hint = singular(hint);
        let mut out: Vec<Value> = Vec::with_capacity(target);
        for index in 0..target {
            let base = prefix.get(index).unwrap_or(items);
            let with_contains;
            let schema = match contains {
                Some(contains) if index == 0 => {
                    with_contains = json!({"allOf": [base, contains]});
                    &with_contains
                }
                _ => base,
            };
            let segment = index.to_string();
            let mut value = self.child(schema, &item_hint, &segment);
            if unique {
                let mut retries = 0;
                while out.contains(&value) && retries < UNIQUE_RETRIES {
                    retries += 1;
                    value = self.without_examples_at(&segment, |this| {
                        this.child(schema, &item_hint, &segment)
                    });
                }
                if out.contains(&value) && out.len() >= min {
                    break;
                }
            }
            out.push(value);
        }
        Value::Array(out)
    }

    /// Whether the current value is the response body itself or one level in.
    fn depth_is_top(&self) -> bool {
        self.refs.len() <= 1 && self.path.matches('/').count() == 0
    }

    /// Runs `make` with examples disabled below `segment` of the current path.
    fn without_examples_at<T>(&mut self, segment: &str, make: impl FnOnce(&mut Self) -> T) -> T {
        let blocked = format!("{}/{segment}", self.path);
        self.avoid.push(blocked);
        let value = make(self);
        self.avoid.pop();
        value
    }
}

/// A hint for the items of an array named `hint`: `tags` → `tag`.
fn singular(hint: &str) -> String {
    if let Some(stem) = hint.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = hint.strip_suffix('s').filter(|stem| !stem.ends_with('s')) {
        stem.to_owned()
    } else {
        hint.to_owned()
    }
}
