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

/// Samples of a pattern tried for one that its format accepts too.
const FORMAT_SAMPLES: usize = 8;

/// `text` (a value of `format`) fitted to `min..=max` code points: a
/// date-time or time can gain fractional seconds and a numeric offset
/// (`...T12:00:00.123456+00:00`) and stay valid. `None` when it cannot fit.
fn fitted_format(format: &str, text: String, min: usize, max: usize) -> Option<String> {
    let fits = |text: &str| (min..=max).contains(&text.chars().count());
    if fits(&text) {
        return Some(text);
    }
    let stem = match format {
        "date-time" | "time" => text.strip_suffix('Z')?,
        _ => return None,
    };
    (0..=9)
        .flat_map(|digits| {
            ["Z", "+00:00"].into_iter().map(move |zone| {
                let fraction = if digits == 0 {
                    String::new()
                } else {
                    format!(".{}", &"123456789"[..digits])
                };
                format!("{stem}{fraction}{zone}")
            })
        })
        .find(|candidate| fits(candidate))
}

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
        let formatted = format_string(format, &mut self.rng)
            .and_then(|text| fitted_format(format, text, min, max));
        if let Some(pattern) = pattern {
            if let Some(text) = &formatted {
                // Hex digits a pattern wants in capitals (`[0-9A-F]`).
                for candidate in [text.clone(), text.to_uppercase()] {
                    if self.matches(pattern, &candidate) {
                        return Value::String(candidate);
                    }
                }
            }
            let mut first = None;
            for _ in 0..FORMAT_SAMPLES {
                let Some(text) =
                    self.patterns
                        .sample(pattern, min, max.min(MAX_GENERATED), &mut self.rng)
                else {
                    break;
                };
                // A sample of the pattern that the format accepts too.
                if formatted.is_none() || self.has_format(format, &text) {
                    return Value::String(text);
                }
                first.get_or_insert(text);
            }
            if let Some(text) = first {
                return Value::String(text);
            }
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

    /// Whether `text` is valid for `format` (as validation reads it).
    fn has_format(&mut self, format: &str, text: &str) -> bool {
        let schema = serde_json::json!({ "type": "string", "format": format });
        self.checker
            .is_valid(&schema, &Value::String(text.to_owned()))
            != Some(false)
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
