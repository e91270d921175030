//! The examples of a media type object: its `example`, its named `examples`
//! (each kept only if valid, else replaced), then the schema's own.
use indexmap::IndexMap;
use serde_json::Value;

use super::resolve::TRUE;
use super::{MediaExamples, Synthesizer, seed_for};

impl Synthesizer<'_> {
    /// The examples for a media type object (`example`, `examples`, `schema`).
    /// Every returned value is valid against the schema.
    pub(crate) fn media_examples(&mut self, media: &Value, hint: &str, seed: u64) -> MediaExamples {
        let schema = media.get("schema").unwrap_or(&TRUE);
        let mut named = IndexMap::new();
        let mut first_valid: Option<Value> = None;
        if let Some(examples) = media.get("examples").and_then(Value::as_object) {
            for (name, example) in examples {
                let value = match example.get("value") {
                    Some(value) if example.is_object() => Some(value),
                    _ => None,
                };
                let value = match value {
                    Some(value) if self.is_valid(schema, value) => {
                        first_valid.get_or_insert_with(|| value.clone());
                        value.clone()
                    }
                    _ => {
                        let name_seed = seed ^ seed_for(&[name]);
                        self.value(schema, hint, name_seed)
                    }
                };
                named.insert(name.clone(), value);
            }
        }
        let example = media
            .get("example")
            .filter(|example| self.is_valid(schema, example))
            .cloned();
        let default = match (example, first_valid) {
            (Some(example), _) | (None, Some(example)) => example,
            (None, None) => self.value(schema, hint, seed),
        };
        MediaExamples { default, named }
    }
}
