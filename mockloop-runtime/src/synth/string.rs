//! Strings: `pattern`, `format`, realistic hints, `minLength`/`maxLength`
//! (counted in Unicode code points).
use fake::Fake;
use fake::faker::lorem::en::Words;
use serde_json::{Map, Value};

use super::format::{alphanumeric, format_string};
use super::generate::Gen;
use super::object::count_keyword;
use super::realistic;

/// Longest string generated when `maxLength` is larger.
const MAX_GENERATED: usize = 4096;

impl Gen<'_, '_> {
    /// A string valid against the string keywords of `map`.
    pub(crate) fn string(&mut self, map: &Map<String, Value>, hint: &str) -> Value {
        let min = count_keyword(map, "minLength")
            .unwrap_or(0)
            .min(MAX_GENERATED);
        let max = count_keyword(map, "maxLength")
            .unwrap_or(usize::MAX)
            .max(min);
        let fits = |text: &str| (min..=max).contains(&text.chars().count());
        let format = map
            .get("format")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let pattern = map.get("pattern").and_then(Value::as_str);
        // A value of the format that also matches the pattern: a pattern
        // that restates a format (Microsoft Graph's date-times) would
        // otherwise give text of the pattern that the format rejects.
        let formatted = format_string(format, &mut self.rng).filter(|text| fits(text));
        if let Some(text) = &formatted
            && pattern.is_some_and(|pattern| self.matches(pattern, text))
        {
            return Value::String(text.clone());
        }
        if let Some(pattern) = pattern
            && let Some(text) =
                self.patterns
                    .sample(pattern, min, max.min(MAX_GENERATED), &mut self.rng)
        {
            return Value::String(text);
        }
        if let Some(text) = formatted {
            return Value::String(text);
        }
        if self.examples_allowed()
            && !matches!(format, "byte" | "binary")
            && let Some(text) = realistic::string(hint, &mut self.rng)
            && fits(&text)
        {
            self.used.push(self.path.clone());
            return Value::String(text);
        }
        Value::String(self.generic_string(min, max))
    }

    /// Whether `text` matches `pattern` (as validation reads it).
    fn matches(&mut self, pattern: &str, text: &str) -> bool {
        let schema = serde_json::json!({ "type": "string", "pattern": pattern });
        self.checker
            .is_valid(&schema, &Value::String(text.to_owned()))
            == Some(true)
    }

    /// Lorem words fitted to `min..=max` code points.
    fn generic_string(&mut self, min: usize, max: usize) -> String {
        let words: Vec<String> = Words(1..3).fake_with_rng(&mut self.rng);
        let mut text = words.join(" ");
        if text.is_empty() {
            text = "text".to_owned();
        }
        let length = text.chars().count();
        if length > max {
            text = text.chars().take(max).collect();
            // Avoid a trailing space left by the cut.
            if text.ends_with(' ') {
                text.pop();
                text.push('x');
            }
        } else if length < min {
            text.push_str(&alphanumeric(&mut self.rng, min - length));
        }
        text
    }
}
