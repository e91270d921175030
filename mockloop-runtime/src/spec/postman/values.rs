//! Reading a collection's values: variables, URLs, headers, bodies and
//! auth fields, and keeping recorded credentials out.
use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::model::carries_json as is_json;

/// Whether a header or parameter name suggests a credential, whose
/// recorded values must not reach the mock's files.
pub(crate) fn secretish(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "token",
        "secret",
        "auth",
        "key",
        "session",
        "cookie",
        "signature",
        "password",
        "credential",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// `value` with every string under a credential-like key (`password`,
/// `access_token`, ...) replaced, so recorded secrets in bodies never
/// reach the mock's files.
pub(crate) fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if secretish(key) && inner.is_string() {
                    *inner = Value::String("redacted".to_owned());
                } else {
                    redact(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

pub(in crate::spec) fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Object(map) => map
            .get("content")
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
    .filter(|text| !text.trim().is_empty())
}

pub(in crate::spec) fn add_variables(into: &mut HashMap<String, String>, list: Option<&Value>) {
    for variable in list.and_then(Value::as_array).into_iter().flatten() {
        let key = variable
            .get("key")
            .or_else(|| variable.get("id"))
            .and_then(Value::as_str);
        let value = match variable.get("value") {
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        if let (Some(key), Some(value)) = (key, value) {
            into.insert(key.to_owned(), value);
        }
    }
}

/// `{{name}}` replaced by the variable's value where it has one.
pub(in crate::spec) fn substitute(text: &str, variables: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match variables.get(name) {
                    Some(value) => out.push_str(value),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A parameter name safe inside a path template.
pub(in crate::spec) fn template_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "param".to_owned()
    } else {
        clean
    }
}

/// A query or path value as the JSON value it spells.
pub(in crate::spec) fn scalar(text: &str) -> Value {
    if let Ok(number) = text.parse::<i64>() {
        return Value::from(number);
    }
    if let Some(number) = text
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .and_then(serde_json::Number::from_f64)
    {
        return Value::Number(number);
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(text.to_owned()),
    }
}

/// The media type a response or body declares or shows.
pub(in crate::spec) fn media_of(
    headers: &[(String, String)],
    hint: Option<&str>,
    body: &str,
) -> Option<String> {
    if let Some((_, value)) = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
    {
        let essence = value.split(';').next().unwrap_or_default().trim();
        if !essence.is_empty() {
            return Some(essence.to_ascii_lowercase());
        }
    }
    match hint.map(str::to_ascii_lowercase).as_deref() {
        Some("json") => return Some("application/json".to_owned()),
        Some("xml") => return Some("application/xml".to_owned()),
        Some("html") => return Some("text/html".to_owned()),
        Some("text") => return Some("text/plain".to_owned()),
        Some("javascript") => return Some("application/javascript".to_owned()),
        _ => {}
    }
    if body.trim().is_empty() {
        return None;
    }
    Some(
        if serde_json::from_str::<Value>(body).is_ok() {
            "application/json"
        } else {
            "text/plain"
        }
        .to_owned(),
    )
}

/// A body's text as the value documented for `media`.
pub(in crate::spec) fn body_value(
    text: &str,
    media: &str,
    variables: &HashMap<String, String>,
) -> Value {
    let text = substitute(text, variables);
    if is_json(media) {
        if let Ok(value) = serde_json::from_str::<Value>(&text) {
            return value;
        }
        // Variables with no value here (Postman's dynamic `{{$guid}}`,
        // environment ones) stand for values: read them as `null` (any
        // value) so the body is still JSON.
        let with_nulls = substitute_unknown(&text, "null");
        if let Ok(value) = serde_json::from_str::<Value>(&with_nulls) {
            return value;
        }
    }
    Value::String(text)
}

/// Every `{{name}}` outside a JSON string replaced by `replacement`
/// (inside strings they stay as written).
fn substitute_unknown(text: &str, replacement: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !in_string
            && rest.starts_with("{{")
            && let Some(end) = rest.find("}}")
        {
            out.push_str(replacement);
            rest = &rest[end + 2..];
            continue;
        }
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

pub(in crate::spec) fn headers_of(list: Option<&Value>) -> Vec<(String, String)> {
    match list {
        Some(Value::Array(items)) => items
            .iter()
            .filter(|h| h.get("disabled").and_then(Value::as_bool) != Some(true))
            .filter_map(|h| {
                let key = h.get("key").and_then(Value::as_str)?;
                let value = h.get("value").and_then(Value::as_str).unwrap_or_default();
                Some((key.to_owned(), value.to_owned()))
            })
            .collect(),
        Some(Value::String(text)) => text
            .lines()
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                Some((name.trim().to_owned(), value.trim().to_owned()))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A field of an auth object, in v2.1's list form or v2.0's map form.
pub(in crate::spec) fn auth_field(auth: &Value, kind: &str, key: &str) -> Option<String> {
    match auth.get(kind)? {
        Value::Array(entries) => entries
            .iter()
            .find(|e| e.get("key").and_then(Value::as_str) == Some(key))
            .and_then(|e| e.get("value"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        Value::Object(map) => map.get(key).and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// Host and path segments of a raw URL (`{{baseUrl}}/a/:id?x=1`).
pub(in crate::spec) fn split_raw(raw: &str) -> (String, Vec<String>) {
    let without_query = raw.split(['?', '#']).next().unwrap_or_default();
    let (host, path) = if let Some(rest) = without_query.strip_prefix("{{") {
        match rest.find("}}") {
            Some(end) => (
                format!("{{{{{}}}}}", &rest[..end]),
                rest[end + 2..].to_owned(),
            ),
            None => (String::new(), without_query.to_owned()),
        }
    } else if let Some((scheme, rest)) = without_query.split_once("://") {
        match rest.find('/') {
            Some(slash) => (
                format!("{scheme}://{}", &rest[..slash]),
                rest[slash..].to_owned(),
            ),
            None => (without_query.to_owned(), String::new()),
        }
    } else {
        match without_query.find('/') {
            Some(0) => (String::new(), without_query.to_owned()),
            Some(slash) => (
                without_query[..slash].to_owned(),
                without_query[slash..].to_owned(),
            ),
            None => (without_query.to_owned(), String::new()),
        }
    };
    (host, path.split('/').map(str::to_owned).collect())
}

/// The body of a request: its media type, its value, and whether Postman
/// sends it as `text/plain` all the same (raw text with no Content-Type
/// header and no language: the default, whatever the text looks like).
pub(in crate::spec) fn request_body(
    body: Option<&Value>,
    headers: &[(String, String)],
    variables: &HashMap<String, String>,
) -> Option<(String, Value, bool)> {
    let body = body?;
    match body.get("mode").and_then(Value::as_str)? {
        "raw" => {
            let text = body.get("raw").and_then(Value::as_str)?;
            if text.trim().is_empty() {
                return None;
            }
            let hint = body
                .pointer("/options/raw/language")
                .and_then(Value::as_str);
            let media = media_of(headers, hint, text)?;
            let as_text = hint.is_none()
                && !headers
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
            let value = body_value(text, &media, variables);
            Some((media, value, as_text))
        }
        "urlencoded" => {
            let fields = form_fields(body.get("urlencoded"), variables);
            Some((
                "application/x-www-form-urlencoded".to_owned(),
                Value::Object(fields.into_iter().map(|(k, v, _)| (k, v)).collect()),
                false,
            ))
        }
        "formdata" => {
            let fields = form_fields(body.get("formdata"), variables);
            let mut object = Map::new();
            for (name, value, file) in fields {
                object.insert(name, if file { json!("<file>") } else { value });
            }
            Some((
                "multipart/form-data".to_owned(),
                Value::Object(object),
                false,
            ))
        }
        "graphql" => {
            let graphql = body.get("graphql")?;
            let variables_value = match graphql.get("variables") {
                Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
                Some(other) => other.clone(),
                None => Value::Null,
            };
            Some((
                "application/json".to_owned(),
                json!({"query": graphql.get("query").cloned().unwrap_or_default(), "variables": variables_value}),
                false,
            ))
        }
        _ => None,
    }
}

/// Enabled form fields: name, value (text) and whether it is a file.
pub(in crate::spec) fn form_fields(
    list: Option<&Value>,
    variables: &HashMap<String, String>,
) -> Vec<(String, Value, bool)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|f| f.get("disabled").and_then(Value::as_bool) != Some(true))
        .filter_map(|f| {
            let key = f.get("key").and_then(Value::as_str)?;
            let file = f.get("type").and_then(Value::as_str) == Some("file");
            let value = f.get("value").and_then(Value::as_str).unwrap_or_default();
            Some((key.to_owned(), json!(substitute(value, variables)), file))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_text_without_a_language_is_sent_as_text() {
        let none = HashMap::new();
        let raw = |options: Value| json!({"mode": "raw", "raw": "{\"a\": 1}", "options": options});
        let json_header = [("Content-Type".to_owned(), "application/json".to_owned())];
        let (media, value, as_text) = request_body(Some(&raw(json!({}))), &[], &none).unwrap();
        assert_eq!((media.as_str(), as_text), ("application/json", true));
        assert_eq!(value, json!({"a": 1}));
        let language = json!({"raw": {"language": "json"}});
        assert!(!request_body(Some(&raw(language)), &[], &none).unwrap().2);
        assert!(
            !request_body(Some(&raw(json!({}))), &json_header, &none)
                .unwrap()
                .2
        );
    }

    #[test]
    fn unknown_variables_in_json_bodies_read_as_any_value() {
        let known: HashMap<String, String> = [("name".to_owned(), "Rex".to_owned())].into();
        let body = body_value(
            r#"{"id": {{$randomInt}}, "ref": "{{$guid}}", "name": "{{name}}", "s": "a\"{{x}}"}"#,
            "application/json",
            &known,
        );
        assert_eq!(
            body,
            json!({"id": null, "ref": "{{$guid}}", "name": "Rex", "s": "a\"{{x}}"})
        );
        let text = body_value("not json {{x}}", "application/json", &known);
        assert_eq!(text, json!("not json {{x}}"));
    }

    #[test]
    fn credential_like_fields_are_redacted() {
        let mut value =
            json!({"user": {"password": "p", "name": "n"}, "tokens": [{"access_token": "t"}]});
        redact(&mut value);
        assert_eq!(
            value,
            json!({"user": {"password": "redacted", "name": "n"}, "tokens": [{"access_token": "redacted"}]})
        );
    }
}
