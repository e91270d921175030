//! HAR 1.2 recordings → an OpenAPI 3.1 document.
//!
//! Entries are grouped into operations by method and a path template
//! inferred across the recorded URLs: a segment that looks like an id
//! (a number, a UUID, a hex hash, a long token) becomes `{id}`, so
//! `/users/42` and `/users/7` are one operation `/users/{id}`. The server
//! is the origin most entries went to (the others are reported). Noise is
//! left out: static assets, pages, analytics hosts, `OPTIONS` preflights.
//! Each recorded response becomes a named example, selectable with
//! `Prefer: example="<METHOD> <path>"`; schemas are inferred from them.
//! Recorded secrets (Authorization, cookies, credential-like query
//! parameters and body fields) never reach the document.
use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::ImportOptions;
use super::infer::is_uuid;
use super::postman::values::{redact, scalar, secretish};
use super::postman::{Example, OperationSeen, ParamSeen, build};
use crate::error::{Error, Result};
use crate::model::{carries_json as is_json, media_essence as essence};

/// File extensions of static assets.
const ASSETS: [&str; 18] = [
    "js", "mjs", "css", "png", "jpg", "jpeg", "gif", "svg", "ico", "woff", "woff2", "ttf", "otf",
    "map", "webp", "avif", "mp4", "webm",
];
/// DevTools resource types that are not API calls.
const NOT_API: [&str; 8] = [
    "document",
    "script",
    "stylesheet",
    "image",
    "font",
    "media",
    "manifest",
    "ping",
];
/// Hosts of analytics, ads and monitoring.
const ANALYTICS: [&str; 14] = [
    "google-analytics.com",
    "googletagmanager.com",
    "doubleclick.net",
    "segment.io",
    "segment.com",
    "hotjar.com",
    "facebook.com",
    "sentry.io",
    "nr-data.net",
    "newrelic.com",
    "mixpanel.com",
    "amplitude.com",
    "fullstory.com",
    "clarity.ms",
];

/// Whether `document` is a HAR recording.
pub(crate) fn detect(document: &Value) -> bool {
    document
        .pointer("/log/entries")
        .is_some_and(Value::is_array)
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Why an entry is left out, if it is noise.
fn noise(entry: &Value, url: &url::Url) -> bool {
    let method = text(entry, "/request/method");
    if method.eq_ignore_ascii_case("OPTIONS") {
        return true;
    }
    let kind = text(entry, "/_resourceType").to_ascii_lowercase();
    if NOT_API.contains(&kind.as_str()) {
        return true;
    }
    let host = url.host_str().unwrap_or_default();
    if ANALYTICS
        .iter()
        .any(|a| host == *a || host.ends_with(&format!(".{a}")))
    {
        return true;
    }
    let last = url.path().rsplit('/').next().unwrap_or_default();
    let extension = last.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if extension.is_some_and(|e| ASSETS.contains(&e.as_str())) {
        return true;
    }
    let mime = text(entry, "/response/content/mimeType").to_ascii_lowercase();
    method.eq_ignore_ascii_case("GET") && mime.starts_with("text/html")
}

/// Whether a path segment looks like an identifier rather than a name.
fn looks_like_id(segment: &str) -> bool {
    let digits = segment.bytes().filter(u8::is_ascii_digit).count();
    let all_digits = !segment.is_empty() && digits == segment.len();
    let hex = segment.len() >= 8 && digits > 0 && segment.bytes().all(|b| b.is_ascii_hexdigit());
    let token = segment.len() >= 16
        && digits >= 2
        && segment.bytes().any(|b| b.is_ascii_alphabetic())
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    all_digits || is_uuid(segment) || hex || token
}

/// The path template of a URL path and the values of its parameters.
fn template(path: &str) -> (String, Vec<(String, String)>) {
    let mut out = String::new();
    let mut params = Vec::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        let decoded = percent_encoding::percent_decode_str(segment)
            .decode_utf8_lossy()
            .into_owned();
        if looks_like_id(&decoded) {
            let name = if params.is_empty() {
                "id".to_owned()
            } else {
                format!("id{}", params.len() + 1)
            };
            out.push_str(&format!("{{{name}}}"));
            params.push((name, decoded));
        } else {
            out.push_str(&decoded.replace(['{', '}'], "_"));
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    (out, params)
}

/// A recorded body as the value documented for `mime`.
fn body(text: &str, mime: &str, base64: bool) -> Option<Value> {
    let decoded = if base64 {
        String::from_utf8(STANDARD.decode(text.trim()).ok()?).ok()?
    } else {
        text.to_owned()
    };
    if decoded.is_empty() {
        return None;
    }
    if is_json(mime) {
        return serde_json::from_str(&decoded).ok();
    }
    Some(Value::String(decoded))
}

/// The path and query an example is named after, credential-like query
/// parameters left out (the name is written into the mock's files).
pub(crate) fn example_target(url: &url::Url) -> String {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !secretish(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        return url.path().to_owned();
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    format!("{}?{query}", url.path())
}

/// Header names that carry an API key.
const KEY_HEADERS: [&str; 5] = [
    "x-api-key",
    "api-key",
    "apikey",
    "x-auth-token",
    "x-access-token",
];
/// Query parameter names that carry a credential.
const KEY_QUERY: [&str; 5] = ["api_key", "apikey", "key", "access_token", "token"];

/// The security scheme a recorded request authenticated with, by name:
/// what kind of credential it sent and where (never its value).
fn credential_scheme(entry: &Value, url: &url::Url) -> Option<(String, Value)> {
    let headers = entry.pointer("/request/headers").and_then(Value::as_array);
    for header in headers.into_iter().flatten() {
        let name = text(header, "/name").to_ascii_lowercase();
        let value = text(header, "/value");
        if name == "authorization" {
            let kind = value
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            return match kind.as_str() {
                "bearer" => Some((
                    "bearerAuth".to_owned(),
                    json!({"type": "http", "scheme": "bearer"}),
                )),
                "basic" => Some((
                    "basicAuth".to_owned(),
                    json!({"type": "http", "scheme": "basic"}),
                )),
                _ => None,
            };
        }
        if KEY_HEADERS.contains(&name.as_str()) {
            let original = text(header, "/name");
            return Some((
                format!("apiKey_{}", name.replace('-', "_")),
                json!({"type": "apiKey", "in": "header", "name": original}),
            ));
        }
    }
    url.query_pairs()
        .find(|(name, _)| KEY_QUERY.contains(&name.to_ascii_lowercase().as_str()))
        .map(|(name, _)| {
            (
                format!("apiKey_{}", name.to_ascii_lowercase()),
                json!({"type": "apiKey", "in": "query", "name": name}),
            )
        })
}

/// Converts a HAR recording to an OpenAPI 3.1 document.
pub(crate) fn convert(
    recording: &Value,
    import: &ImportOptions,
    warnings: &mut Vec<String>,
) -> Result<Value> {
    let entries: Vec<(&Value, url::Url)> = recording
        .pointer("/log/entries")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let url = url::Url::parse(text(entry, "/request/url")).ok()?;
            matches!(url.scheme(), "http" | "https").then_some((entry, url))
        })
        .filter(|(entry, url)| import.har_keep_noise || !noise(entry, url))
        .collect();
    let mut origins: IndexMap<String, usize> = IndexMap::new();
    for (_, url) in &entries {
        *origins
            .entry(url.origin().ascii_serialization())
            .or_default() += 1;
    }
    let origin = match &import.har_origin {
        Some(wanted) => {
            let wanted = url::Url::parse(wanted)
                .map(|u| u.origin().ascii_serialization())
                .map_err(|err| Error::InvalidArgument {
                    name: "origin".to_owned(),
                    reason: format!(
                        "{wanted:?} is not an origin like https://api.example.com: {err}"
                    ),
                })?;
            if !origins.contains_key(&wanted) {
                return Err(Error::InvalidArgument {
                    name: "origin".to_owned(),
                    reason: format!(
                        "the recording has no requests to {wanted} (it has: {})",
                        origins.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
            Some(wanted)
        }
        None => origins
            .iter()
            .max_by_key(|(_, count)| **count)
            .map(|(origin, _)| origin.clone()),
    };
    let others: Vec<&String> = origins
        .keys()
        .filter(|o| Some(*o) != origin.as_ref())
        .collect();
    if !others.is_empty() {
        warnings.push(format!(
            "the recording also has requests to {}: this mock serves {} (choose another with --origin)",
            others.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(", "),
            origin.as_deref().unwrap_or_default()
        ));
    }
    if entries.is_empty() {
        warnings.push(
            "the recording has no API requests (static assets, pages and analytics are left out)"
                .to_owned(),
        );
    }
    let mut operations: IndexMap<(String, String), OperationSeen> = IndexMap::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut schemes: IndexMap<String, Value> = IndexMap::new();
    // Per operation: the scheme each of its requests authenticated with.
    let mut credentials: HashMap<(String, String), Vec<Option<String>>> = HashMap::new();
    for (entry, url) in &entries {
        if Some(url.origin().ascii_serialization()) != origin {
            continue;
        }
        let method = text(entry, "/request/method").to_ascii_uppercase();
        let (path, path_params) = template(url.path());
        let operation = operations
            .entry((path.clone(), method.clone()))
            .or_default();
        if operation.requests == 0 {
            operation.summary = format!("{method} {path}");
        }
        operation.requests += 1;
        let credential = credential_scheme(entry, url).map(|(name, mut scheme)| {
            scheme["x-mockloop-recorded"] = json!(true);
            schemes.entry(name.clone()).or_insert(scheme);
            name
        });
        credentials
            .entry((path.clone(), method.clone()))
            .or_default()
            .push(credential);
        for (name, value) in path_params {
            let seen = operation
                .params
                .entry(("path".to_owned(), name))
                .or_default();
            seen.enabled += 1;
            seen.values.push(scalar(&value));
        }
        let mut sent: IndexMap<String, Vec<Value>> = IndexMap::new();
        for (name, value) in url.query_pairs() {
            if !secretish(&name) {
                sent.entry(name.into_owned())
                    .or_default()
                    .push(scalar(&value));
            }
        }
        for (name, values) in sent {
            let seen: &mut ParamSeen = operation
                .params
                .entry(("query".to_owned(), name))
                .or_default();
            seen.enabled += 1;
            seen.repeated |= values.len() > 1;
            seen.values.extend(values);
        }
        let request_mime = essence(text(entry, "/request/postData/mimeType"));
        let request_text = text(entry, "/request/postData/text");
        if !request_text.is_empty() {
            let media = if request_mime.is_empty() {
                "application/octet-stream".to_owned()
            } else {
                request_mime.clone()
            };
            let value = if media == "application/x-www-form-urlencoded" {
                Some(Value::Object(
                    form_urlencoded::parse(request_text.as_bytes())
                        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                        .collect::<Map<String, Value>>(),
                ))
            } else {
                body(request_text, &media, false)
            };
            if let Some(mut value) = value {
                redact(&mut value);
                let summary = operation.summary.clone();
                operation
                    .bodies
                    .entry(media)
                    .or_default()
                    .push((summary, value));
            }
        }
        let status = entry
            .pointer("/response/status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| (100..=599).contains(s))
            .unwrap_or(200);
        let mime = essence(text(entry, "/response/content/mimeType"));
        let base64 = text(entry, "/response/content/encoding") == "base64";
        let recorded = body(text(entry, "/response/content/text"), &mime, base64);
        let (media, mut value) = match recorded {
            Some(value) if !mime.is_empty() => (Some(mime), value),
            _ if status >= 200 && status != 204 && status != 304 => {
                (Some("text/plain".to_owned()), Value::String(String::new()))
            }
            _ => (None, Value::Null),
        };
        redact(&mut value);
        let headers: Vec<(String, String)> = entry
            .pointer("/response/headers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|h| {
                let name = h.get("name")?.as_str()?;
                (!name.starts_with(':')).then(|| (name.to_owned(), text(h, "/value").to_owned()))
            })
            .collect();
        let target = example_target(url);
        let base = format!("{method} {}", target.chars().take(100).collect::<String>());
        let count = names.entry(base.clone()).or_insert(0);
        *count += 1;
        let name = if *count > 1 {
            format!("{base} #{count}")
        } else {
            base
        };
        operation
            .responses
            .entry(status)
            .or_default()
            .push(Example {
                name,
                media,
                body: value,
                headers,
                status_text: text(entry, "/response/statusText").to_owned(),
            });
    }
    for (key, seen) in &mut operations {
        // Secured when every recorded request sent the same kind of
        // credential; open otherwise.
        let sent = credentials.remove(key).unwrap_or_default();
        if let Some(Some(first)) = sent.first()
            && sent.iter().all(|c| c.as_ref() == Some(first))
        {
            seen.security = Some(json!([{ first.clone(): [] }]));
        }
    }
    let paths = build::paths(operations);
    let title = origin
        .as_deref()
        .and_then(|o| url::Url::parse(o).ok())
        .and_then(|u| u.host_str().map(|h| format!("{h} (recorded)")))
        .unwrap_or_else(|| "Recorded API".to_owned());
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": "Inferred from a HAR recording by mockloop.",
        },
        "servers": [{"url": origin.unwrap_or_else(|| "/".to_owned())}],
        "paths": paths,
    });
    if !schemes.is_empty() {
        document["components"] = json!({"securitySchemes": schemes});
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_parameters() {
        assert_eq!(template("/users/42/posts").0, "/users/{id}/posts");
        assert_eq!(
            template("/a/3f2b8c9d-1e2f-4a5b-8c9d-0e1f2a3b4c5d/b/7").0,
            "/a/{id}/b/{id2}"
        );
        assert_eq!(template("/v2/users/alice").0, "/v2/users/alice");
        assert_eq!(template("/files/deadbeef42").0, "/files/{id}");
        assert_eq!(
            template("/svc/json/GetNavigationMenu2").0,
            "/svc/json/GetNavigationMenu2"
        );
        assert_eq!(template("/t/aZ09bY18cX27dW36").0, "/t/{id}");
        assert_eq!(template("/").0, "/");
    }
}
