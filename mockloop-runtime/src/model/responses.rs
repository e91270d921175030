//! Documented responses and the examples served for them.
use indexmap::IndexMap;
use serde_json::Value;

use super::ResponseSpec;
use crate::synth::{Synthesizer, seed_for};

/// Response headers the server sets itself; documenting them changes nothing.
const SERVER_HEADERS: &[&str] = &["content-type", "content-length", "transfer-encoding"];

/// Reads every documented response of an operation, in spec order.
pub(super) fn build_responses(
    raw: Option<&Value>,
    method: &str,
    op_key: &str,
    synth: &mut Synthesizer<'_>,
) -> Vec<ResponseSpec> {
    let Some(Value::Object(responses)) = raw else {
        return Vec::new();
    };
    let has_success = responses.keys().any(|status| status.starts_with('2'));
    responses
        .iter()
        .filter_map(|(status, response)| {
            let code = status_code(status, has_success)?;
            Some(build_response(
                status, code, response, method, op_key, synth,
            ))
        })
        .collect()
}

/// The index of the response served by default: the first 2xx (lowest
/// explicit code), else a `2XX` range, else `default`, else the first one.
pub(super) fn default_response(responses: &[ResponseSpec]) -> Option<usize> {
    let explicit_success = responses
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.status.len() == 3
                && r.status.starts_with('2')
                && r.status.chars().all(|c| c.is_ascii_digit())
        })
        .min_by_key(|(_, r)| r.status_code)
        .map(|(index, _)| index);
    explicit_success
        .or_else(|| {
            responses
                .iter()
                .position(|r| r.status.eq_ignore_ascii_case("2XX"))
        })
        .or_else(|| responses.iter().position(|r| r.status == "default"))
        .or(if responses.is_empty() { None } else { Some(0) })
}

/// The status code sent for a response key.
fn status_code(status: &str, has_success: bool) -> Option<u16> {
    if status == "default" {
        return Some(if has_success { 500 } else { 200 });
    }
    let upper = status.to_ascii_uppercase();
    if upper.len() == 3 && upper.ends_with("XX") {
        let class = upper.chars().next()?.to_digit(10)?;
        return u16::try_from(class * 100)
            .ok()
            .filter(|code| (100..600).contains(code));
    }
    status
        .parse::<u16>()
        .ok()
        .filter(|code| (100..600).contains(code))
}

fn build_response(
    status: &str,
    code: u16,
    response: &Value,
    method: &str,
    op_key: &str,
    synth: &mut Synthesizer<'_>,
) -> ResponseSpec {
    let content = response.get("content").and_then(Value::as_object);
    let media_types: Vec<String> = content
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    let bodyless = method.eq_ignore_ascii_case("HEAD") || code == 204 || code == 304 || code < 200;
    let chosen = preferred_media_type(&media_types).map(str::to_owned);
    let mut spec = ResponseSpec {
        status: status.to_owned(),
        status_code: code,
        description: response
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        media_type: chosen
            .as_deref()
            .filter(|_| !bodyless)
            .map(served_media_type),
        media_types,
        schema: None,
        body: None,
        examples: IndexMap::new(),
        headers: headers(response.get("headers"), op_key, status, synth),
    };
    if let (Some(chosen), Some(content)) = (chosen, content)
        && let Some(media) = content.get(&chosen)
    {
        if !bodyless && !has_body(media) && is_json(&chosen) {
            // A JSON media type without a schema: any JSON will do, and an
            // empty body would not be JSON at all.
            spec.body = Some(Value::Null);
            return spec;
        }
        if bodyless || !has_body(media) {
            // Documented media type but nothing to put in it: send the
            // Content-Type alone, with an empty body.
            spec.media_type = None;
            spec.headers
                .insert("Content-Type".to_owned(), served_media_type(&chosen));
            return spec;
        }
        let examples = synth.media_examples(media, op_key, seed_for(&[op_key, status, &chosen]));
        spec.schema = media.get("schema").cloned();
        spec.body = Some(examples.default);
        spec.examples = examples.named;
    }
    spec
}

/// Whether a media type object describes a body (a schema or an example).
fn has_body(media: &Value) -> bool {
    ["schema", "example", "examples"]
        .iter()
        .any(|key| media.get(key).is_some())
}

/// Picks the media type to serve: JSON first, then other JSON-like types,
/// then text, then whatever comes first.
fn preferred_media_type(types: &[String]) -> Option<&str> {
    let find = |pred: &dyn Fn(&str) -> bool| types.iter().map(String::as_str).find(|t| pred(t));
    find(&|t| base(t) == "application/json")
        .or_else(|| find(&|t| is_json(t)))
        .or_else(|| find(&|t| base(t) == "*/*" || base(t) == "application/*"))
        .or_else(|| find(&|t| base(t).starts_with("text/")))
        .or_else(|| types.first().map(String::as_str))
}

/// The media type without parameters, lower-cased.
pub(crate) fn base(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type is JSON proper: `application/json`, a `+json` type
/// or another concrete `x/json` such as `text/json` (parameters ignored).
/// Unlike [`is_json`], no `*/*` or `*/json`.
pub(crate) fn carries_json(media_type: &str) -> bool {
    let base = base(media_type);
    base == "application/json"
        || base.ends_with("+json")
        || (base.ends_with("/json") && !base.starts_with('*'))
}

/// Whether a media type carries JSON.
pub(crate) fn is_json(media_type: &str) -> bool {
    let base = base(media_type);
    base == "application/json"
        || base.ends_with("+json")
        || base.ends_with("/json")
        || base == "*/*"
}

/// The concrete Content-Type sent for a documented (possibly wildcard) type.
fn served_media_type(media_type: &str) -> String {
    match base(media_type).as_str() {
        "*/*" | "application/*" => "application/json".to_owned(),
        "text/*" => "text/plain".to_owned(),
        "image/*" => "image/png".to_owned(),
        other if other.ends_with("/*") => format!("{}/octet-stream", other.trim_end_matches("/*")),
        _ => media_type.trim().to_owned(),
    }
}

/// Documented response headers with the values sent for them.
fn headers(
    raw: Option<&Value>,
    op_key: &str,
    status: &str,
    synth: &mut Synthesizer<'_>,
) -> IndexMap<String, String> {
    let Some(Value::Object(headers)) = raw else {
        return IndexMap::new();
    };
    headers
        .iter()
        .filter(|(name, _)| !SERVER_HEADERS.contains(&name.to_ascii_lowercase().as_str()))
        .filter(|(name, _)| is_header_name(name))
        .map(|(name, header)| {
            let value = header.get("example").cloned().unwrap_or_else(|| {
                let schema = header.get("schema").cloned().unwrap_or(Value::Bool(true));
                synth.value(&schema, name, seed_for(&[op_key, status, name]))
            });
            (name.clone(), header_text(&value))
        })
        .filter(|(_, value)| value.chars().all(|c| c == '\t' || (' '..='~').contains(&c)))
        .collect()
}

/// Whether a name is a valid HTTP header name (an RFC 9110 token).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A JSON value as header text (`simple` style).
fn header_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(header_text).collect::<Vec<_>>().join(","),
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| [k.clone(), header_text(v)])
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes() {
        assert_eq!(status_code("200", true), Some(200));
        assert_eq!(status_code("4XX", true), Some(400));
        assert_eq!(status_code("2xx", true), Some(200));
        assert_eq!(status_code("default", true), Some(500));
        assert_eq!(status_code("default", false), Some(200));
        assert_eq!(status_code("999", true), None);
    }

    #[test]
    fn media_type_preference() {
        let types = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            preferred_media_type(&types(&["application/xml", "application/json"])),
            Some("application/json")
        );
        assert_eq!(
            preferred_media_type(&types(&["text/plain", "application/vnd.github+json"])),
            Some("application/vnd.github+json")
        );
        assert_eq!(served_media_type("*/*"), "application/json");
        assert_eq!(header_text(&serde_json::json!([1, 2])), "1,2");
    }
}
