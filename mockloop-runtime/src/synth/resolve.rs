//! Following `$ref`s and flattening `allOf` (and `$ref` with siblings) into
//! one schema, so the generator only ever sees plain keywords.
use std::borrow::Cow;

use serde_json::{Map, Value};

use super::merge::merge_into;

/// The schema that accepts everything (the target of a missing `$ref`).
pub(crate) static TRUE: Value = Value::Bool(true);

/// Most nested `$ref`/`allOf` hops followed while flattening one schema.
const MAX_RESOLVE_DEPTH: usize = 24;

/// Keywords that carry no validation: a `$ref` whose siblings are all in this
/// list is followed without building a merged copy.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "summary",
    "$comment",
    "deprecated",
    "externalDocs",
    "xml",
];

/// Keywords that say nothing about validity, so a schema of only these adds
/// nothing to a `oneOf`/`anyOf` branch: the annotations plus the
/// request/response markers and the example-like ones.
pub(crate) fn is_inert(keyword: &str) -> bool {
    ANNOTATIONS.contains(&keyword)
        || matches!(
            keyword,
            "readOnly" | "writeOnly" | "example" | "examples" | "default" | "nullable"
        )
}

/// The schema a document-internal reference (`#/a/b`) points to.
pub(crate) fn lookup<'d>(document: &'d Value, reference: &str) -> Option<&'d Value> {
    let pointer = reference.strip_prefix('#')?;
    let decoded = percent_decode(pointer);
    document.pointer(&decoded)
}

/// The last segment of a reference: `#/components/schemas/Pet` → `Pet`.
pub(crate) fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// Decodes `%xx` escapes (refs are URI fragments); invalid escapes are kept.
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (byte, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                index += 3;
            }
            _ => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `schema` with its `$ref` followed and its `allOf` merged in; the names of
/// the refs followed are pushed to `refs` (for recursion control).
pub(crate) fn resolve<'s>(
    document: &'s Value,
    schema: &'s Value,
    refs: &mut Vec<String>,
) -> Cow<'s, Value> {
    resolve_at(document, schema, refs, 0)
}

/// [`resolve`] with the number of hops already taken.
fn resolve_at<'s>(
    document: &'s Value,
    schema: &'s Value,
    refs: &mut Vec<String>,
    depth: usize,
) -> Cow<'s, Value> {
    let Some(map) = schema.as_object() else {
        return Cow::Borrowed(schema);
    };
    if depth > MAX_RESOLVE_DEPTH {
        return Cow::Borrowed(&TRUE);
    }
    let reference = map.get("$ref").and_then(Value::as_str);
    let all_of = map.get("allOf").and_then(Value::as_array);
    let only_annotations = map
        .keys()
        .all(|key| key == "$ref" || ANNOTATIONS.contains(&key.as_str()));
    match (reference, all_of) {
        (None, None) => Cow::Borrowed(schema),
        (Some(reference), None) if only_annotations => {
            refs.push(ref_name(reference).to_owned());
            let target = lookup(document, reference).unwrap_or(&TRUE);
            resolve_at(document, target, refs, depth + 1)
        }
        _ => {
            let mut merged = Map::new();
            let rest: Map<String, Value> = map
                .iter()
                .filter(|(key, _)| *key != "$ref" && *key != "allOf")
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            let mut impossible = false;
            merge_into(&mut merged, &Value::Object(rest), &mut impossible);
            if let Some(reference) = reference {
                refs.push(ref_name(reference).to_owned());
                let target = lookup(document, reference).unwrap_or(&TRUE);
                let target = resolve_at(document, target, refs, depth + 1);
                merge_into(&mut merged, &target, &mut impossible);
            }
            for part in all_of.into_iter().flatten() {
                let part = resolve_at(document, part, refs, depth + 1);
                merge_into(&mut merged, &part, &mut impossible);
            }
            if impossible {
                return Cow::Borrowed(&FALSE);
            }
            Cow::Owned(Value::Object(merged))
        }
    }
}

/// The schema that accepts nothing (a contradictory `allOf`).
static FALSE: Value = Value::Bool(false);

/// Builds a merged schema from several parts (each resolved first).
pub(crate) fn merge_parts(document: &Value, parts: &[&Value], refs: &mut Vec<String>) -> Value {
    let mut merged = Map::new();
    let mut impossible = false;
    for part in parts {
        let part = resolve(document, part, refs);
        merge_into(&mut merged, &part, &mut impossible);
    }
    if impossible {
        return Value::Bool(false);
    }
    Value::Object(merged)
}
