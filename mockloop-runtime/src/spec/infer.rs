//! JSON Schemas inferred from example values (Postman's saved bodies,
//! HAR recordings): types, formats, required properties, nullability,
//! array items and, for responses, small recurring sets as enums.
//!
//! Request schemas are lenient where examples give little evidence: with
//! fewer than two examples no property is required and no enum is made,
//! and a value whose examples disagree on type accepts any type; so a mock
//! never refuses a request its own recording contains.
use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// How strict an inferred schema may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strictness {
    /// For requests: the mock validates against it.
    Lenient,
    /// For responses: it documents what the mock serves.
    Descriptive,
}

/// Most distinct strings turned into an enum.
const ENUM_MAX: usize = 4;
/// Examples needed per enum value before a set counts as recurring.
const ENUM_EVIDENCE: usize = 2;

/// A schema that every one of `examples` validates against.
pub(crate) fn infer(examples: &[&Value], strictness: Strictness) -> Value {
    let nullable = examples.iter().any(|v| v.is_null());
    let present: Vec<&Value> = examples.iter().copied().filter(|v| !v.is_null()).collect();
    if present.is_empty() {
        return json!({});
    }
    let kinds: BTreeSet<&str> = present.iter().map(|v| kind(v)).collect();
    let mut schema = if kinds.len() == 1 {
        typed(
            &present,
            kinds.iter().next().copied().unwrap_or("string"),
            strictness,
        )
    } else if kinds.iter().all(|k| matches!(*k, "integer" | "number")) {
        typed(&present, "number", strictness)
    } else {
        // Examples disagree on the type: any value.
        Map::new()
    };
    if nullable && let Some(kind) = schema.get("type").cloned() {
        schema.insert("type".to_owned(), json!([kind, "null"]));
        if let Some(Value::Array(values)) = schema.get_mut("enum") {
            values.push(Value::Null);
        }
    }
    Value::Object(schema)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn typed(present: &[&Value], kind: &str, strictness: Strictness) -> Map<String, Value> {
    let mut schema = Map::new();
    schema.insert("type".to_owned(), json!(kind));
    match kind {
        "string" => {
            let texts: Vec<&str> = present.iter().filter_map(|v| v.as_str()).collect();
            let evidence = strictness == Strictness::Descriptive || texts.len() >= 2;
            if let Some(format) = common_format(&texts).filter(|_| evidence) {
                schema.insert("format".to_owned(), json!(format));
            } else if strictness == Strictness::Descriptive {
                let distinct: BTreeSet<&str> = texts.iter().copied().collect();
                let recurring = (2..=ENUM_MAX).contains(&distinct.len())
                    && texts.len() >= distinct.len() * ENUM_EVIDENCE;
                if recurring {
                    schema.insert("enum".to_owned(), json!(distinct));
                }
            }
        }
        "array" => {
            let items: Vec<&Value> = present
                .iter()
                .filter_map(|v| v.as_array())
                .flatten()
                .collect();
            schema.insert("items".to_owned(), infer(&items, strictness));
        }
        "object" => object(present, strictness, &mut schema),
        _ => {}
    }
    schema
}

fn object(present: &[&Value], strictness: Strictness, schema: &mut Map<String, Value>) {
    let objects: Vec<&Map<String, Value>> = present.iter().filter_map(|v| v.as_object()).collect();
    let mut names: Vec<&String> = Vec::new();
    for object in &objects {
        for name in object.keys() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let mut properties = Map::new();
    let mut required = Vec::new();
    for name in names {
        let values: Vec<&Value> = objects.iter().filter_map(|o| o.get(name)).collect();
        if values.len() == objects.len() {
            required.push(name.clone());
        }
        properties.insert(name.clone(), infer(&values, strictness));
    }
    schema.insert("properties".to_owned(), Value::Object(properties));
    let enough = strictness == Strictness::Descriptive || objects.len() >= 2;
    if enough && !required.is_empty() {
        schema.insert("required".to_owned(), json!(required));
    }
}

/// A format every text has: date-time, date, uuid, email or uri.
fn common_format(texts: &[&str]) -> Option<&'static str> {
    if texts.is_empty() {
        return None;
    }
    type Check = fn(&str) -> bool;
    let checks: [(&str, Check); 5] = [
        ("date-time", is_date_time),
        ("date", is_date),
        ("uuid", is_uuid),
        ("email", is_email),
        ("uri", is_uri),
    ];
    checks
        .into_iter()
        .find(|(_, check)| texts.iter().all(|text| check(text)))
        .map(|(format, _)| format)
}

fn is_date(text: &str) -> bool {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() && text.len() == 10
}

fn is_date_time(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

/// Whether `text` is a UUID in its hyphenated form.
pub(super) fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>')
}

/// An absolute http(s) URL as RFC 3986 writes it: the URL parser alone
/// also takes spaces and other characters a `uri` format check refuses.
fn is_uri(text: &str) -> bool {
    (text.starts_with("http://") || text.starts_with("https://"))
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c))
        && url::Url::parse(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenient(values: &[Value]) -> Value {
        infer(&values.iter().collect::<Vec<_>>(), Strictness::Lenient)
    }

    #[test]
    fn only_well_formed_urls_are_uris() {
        assert!(is_uri("https://api.example.com/v1/items?page=2#top"));
        assert!(!is_uri("https://example.com/a b"));
        assert!(!is_uri("https://example.com/<script>"));
        assert!(!is_uri("http://exa mple.com"));
        assert!(!is_uri("ftp://example.com"));
    }

    #[test]
    fn types_formats_and_nulls() {
        assert_eq!(lenient(&[json!(1), json!(2)]), json!({"type": "integer"}));
        assert_eq!(lenient(&[json!(1), json!(2.5)]), json!({"type": "number"}));
        assert_eq!(lenient(&[json!(1), json!("a")]), json!({}));
        assert_eq!(
            lenient(&[
                json!("2024-01-02T03:04:05Z"),
                json!("2025-01-02T03:04:05+01:00"),
                Value::Null
            ]),
            json!({"type": ["string", "null"], "format": "date-time"})
        );
        assert_eq!(lenient(&[json!("a@b.io")]), json!({"type": "string"}));
        assert_eq!(
            lenient(&[json!("a@b.io"), json!("c@d.io")]),
            json!({"type": "string", "format": "email"})
        );
    }

    #[test]
    fn objects_need_two_examples_for_required_when_lenient() {
        let one = lenient(&[json!({"id": 1})]);
        assert!(one.get("required").is_none());
        let two = lenient(&[json!({"id": 1, "a": true}), json!({"id": 2})]);
        assert_eq!(two["required"], json!(["id"]));
        let described = infer(&[&json!({"id": 1})], Strictness::Descriptive);
        assert_eq!(described["required"], json!(["id"]));
    }

    #[test]
    fn arrays_merge_items_and_responses_get_enums() {
        let values = [
            json!([{"s": "on"}, {"s": "off"}]),
            json!([{"s": "on"}, {"s": "off"}]),
        ];
        let schema = infer(&values.iter().collect::<Vec<_>>(), Strictness::Descriptive);
        assert_eq!(
            schema["items"]["properties"]["s"]["enum"],
            json!(["off", "on"])
        );
        assert_eq!(lenient(&[json!([])]), json!({"type": "array", "items": {}}));
        let nullable = [json!("a"), json!("b"), json!("a"), json!("b"), Value::Null];
        let schema = infer(
            &nullable.iter().collect::<Vec<_>>(),
            Strictness::Descriptive,
        );
        assert_eq!(schema["enum"], json!(["a", "b", null]));
    }
}
