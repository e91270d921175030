//! Postman Collections (v2.0, v2.1) → an OpenAPI 3.1 document, which the
//! rest of the pipeline reads like any other.
//!
//! Folders (nested) become tags; each request an operation named from its
//! item; requests with the same method and path template are one
//! operation, their examples merged. `:id` segments and `{{variable}}`
//! segments become path parameters; `{{baseUrl}}`-style hosts are resolved
//! from collection, folder and request variables into the server URL.
//! Bodies (raw JSON or text, urlencoded, form-data with files, GraphQL)
//! and saved example responses (status, headers, content type, body, each
//! selectable by name) are kept, with schemas inferred from the examples
//! ([`super::infer`]). Collection, folder and request auth become security
//! schemes; the recorded credentials themselves are never copied.
use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::infer::{Strictness, infer};

/// Headers that are the transport's, the client's, or secrets: never
/// documented as parameters or response headers.
const SKIPPED_HEADERS: [&str; 14] = [
    "accept",
    "accept-encoding",
    "authorization",
    "connection",
    "content-length",
    "content-type",
    "cookie",
    "date",
    "host",
    "keep-alive",
    "proxy-authorization",
    "set-cookie",
    "transfer-encoding",
    "user-agent",
];

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

/// The collection format of a parsed document, if it is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Collection v2.0 or v2.1.
    V2,
    /// The retired v1 format.
    V1,
}

/// Whether `document` is a Postman Collection, by its content.
pub(crate) fn detect(document: &Value) -> Option<Format> {
    let schema = document.pointer("/info/schema").and_then(Value::as_str);
    if let Some(schema) = schema
        && schema.contains("getpostman.com")
    {
        return Some(if schema.contains("/v1") {
            Format::V1
        } else {
            Format::V2
        });
    }
    let v1 = document.get("requests").is_some_and(Value::is_array)
        && (document.get("order").is_some() || document.get("folders").is_some());
    v1.then_some(Format::V1)
}

/// A parameter seen across the requests of one operation.
#[derive(Debug, Default)]
struct ParamSeen {
    values: Vec<Value>,
    /// Requests that sent it enabled.
    enabled: usize,
    description: Option<String>,
}

/// A path parameter: its name, an example value and a description.
type PathParam = (String, String, Option<String>);
/// A query entry: name, value, whether enabled, description.
type QueryEntry = (String, String, bool, Option<String>);
/// What a request URL holds.
type ParsedUrl = (String, Vec<PathParam>, Vec<QueryEntry>);

/// One example response.
#[derive(Debug)]
struct Example {
    name: String,
    media: Option<String>,
    body: Value,
    headers: Vec<(String, String)>,
    status_text: String,
}

/// One operation being assembled from its requests.
#[derive(Debug, Default)]
struct OperationSeen {
    summary: String,
    description: Option<String>,
    tags: Vec<String>,
    requests: usize,
    params: IndexMap<(String, String), ParamSeen>,
    bodies: IndexMap<String, Vec<(String, Value)>>,
    responses: IndexMap<u16, Vec<Example>>,
    security: Option<Value>,
}

/// What a folder hands down to its items.
#[derive(Debug, Clone, Default)]
struct Scope<'a> {
    variables: HashMap<String, String>,
    auth: Option<&'a Value>,
    tag: Option<String>,
}

/// Converts a v2.0/v2.1 collection to an OpenAPI 3.1 document.
pub(crate) fn convert(collection: &Value, warnings: &mut Vec<String>) -> Value {
    let mut converter = Converter::default();
    let mut scope = Scope::default();
    add_variables(&mut scope.variables, collection.get("variable"));
    scope.auth = collection.get("auth");
    let items = collection.get("item").and_then(Value::as_array);
    for item in items.into_iter().flatten() {
        converter.item(item, &scope);
    }
    if converter.operations.is_empty() {
        warnings.push("the collection has no requests".to_owned());
    }
    converter.document(collection)
}

#[derive(Debug, Default)]
struct Converter {
    operations: IndexMap<(String, String), OperationSeen>,
    tags: IndexMap<String, Option<String>>,
    schemes: IndexMap<String, Value>,
    server: Option<String>,
}

fn text_of(value: Option<&Value>) -> Option<String> {
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

fn add_variables(into: &mut HashMap<String, String>, list: Option<&Value>) {
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
fn substitute(text: &str, variables: &HashMap<String, String>) -> String {
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
fn template_name(name: &str) -> String {
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
fn scalar(text: &str) -> Value {
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
fn media_of(headers: &[(String, String)], hint: Option<&str>, body: &str) -> Option<String> {
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

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// A body's text as the value documented for `media`.
fn body_value(text: &str, media: &str, variables: &HashMap<String, String>) -> Value {
    let text = substitute(text, variables);
    if is_json(media)
        && let Ok(value) = serde_json::from_str::<Value>(&text)
    {
        return value;
    }
    Value::String(text)
}

fn headers_of(list: Option<&Value>) -> Vec<(String, String)> {
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
fn auth_field(auth: &Value, kind: &str, key: &str) -> Option<String> {
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

impl Converter {
    fn item<'a>(&mut self, item: &'a Value, scope: &Scope<'a>) {
        if let Some(children) = item.get("item").and_then(Value::as_array) {
            let mut inner = scope.clone();
            add_variables(&mut inner.variables, item.get("variable"));
            if let Some(auth) = item.get("auth").filter(|a| !a.is_null()) {
                inner.auth = Some(auth);
            }
            if let Some(name) = item.get("name").and_then(Value::as_str) {
                let description = text_of(item.get("description"));
                self.tags.entry(name.to_owned()).or_insert(description);
                inner.tag = Some(name.to_owned());
            }
            for child in children {
                self.item(child, &inner);
            }
            return;
        }
        if let Some(request) = item.get("request") {
            self.request(item, request, scope);
        }
    }

    fn request<'a>(&mut self, item: &'a Value, request: &'a Value, scope: &Scope<'a>) {
        let mut variables = scope.variables.clone();
        add_variables(&mut variables, item.get("variable"));
        let (method, url) = match request {
            Value::String(url) => ("GET".to_owned(), json!(url)),
            _ => (
                request
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("GET")
                    .to_ascii_uppercase(),
                request.get("url").cloned().unwrap_or(Value::Null),
            ),
        };
        let (path, path_params, query) = self.url(&url, &variables);
        let auth = request.get("auth").filter(|a| !a.is_null()).or(scope.auth);
        let security = auth.map(|auth| self.security(auth));
        let api_key_query = auth
            .filter(|a| a.get("type").and_then(Value::as_str) == Some("apikey"))
            .filter(|a| auth_field(a, "apikey", "in").as_deref() == Some("query"))
            .and_then(|a| auth_field(a, "apikey", "key"));
        let key = (path.clone(), method.clone());
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let operation = self.operations.entry(key).or_default();
        if operation.requests == 0 {
            operation.summary = name;
            operation.description = text_of(request.get("description"));
            operation.tags = scope.tag.iter().cloned().collect();
            operation.security = security;
        }
        operation.requests += 1;
        for (param, value, description) in path_params {
            let seen = operation
                .params
                .entry(("path".to_owned(), param))
                .or_default();
            seen.enabled += 1;
            seen.values.push(scalar(&value));
            seen.description = seen.description.take().or(description);
        }
        for entry in query {
            let (name, value, enabled, description) = entry;
            if api_key_query.as_deref() == Some(name.as_str()) {
                continue;
            }
            let seen = operation
                .params
                .entry(("query".to_owned(), name))
                .or_default();
            seen.enabled += usize::from(enabled);
            seen.values.push(scalar(&value));
            seen.description = seen.description.take().or(description);
        }
        let headers = request.get("header");
        for (name, value) in headers_of(headers) {
            if SKIPPED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) || secretish(&name) {
                continue;
            }
            let seen = operation
                .params
                .entry(("header".to_owned(), name))
                .or_default();
            seen.values
                .push(Value::String(substitute(&value, &variables)));
        }
        let header_list = headers_of(headers);
        if let Some((media, mut value)) =
            request_body(request.get("body"), &header_list, &variables)
        {
            redact(&mut value);
            operation
                .bodies
                .entry(media)
                .or_default()
                .push((operation.summary.clone(), value));
        }
        for response in item
            .get("response")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let code = response
                .get("code")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok())
                .filter(|c| (100..=599).contains(c))
                .unwrap_or(200);
            let headers: Vec<(String, String)> = headers_of(response.get("header"));
            let text = response
                .get("body")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let hint = response
                .get("_postman_previewlanguage")
                .and_then(Value::as_str);
            // An empty saved body is kept as an empty text example, so
            // that `Prefer: example=<name>` still selects its status
            // (except where HTTP forbids a body).
            let media = if text.is_empty() {
                (code >= 200 && code != 204 && code != 304).then(|| {
                    media_of(&headers, None, "x")
                        .filter(|m| !is_json(m))
                        .unwrap_or_else(|| "text/plain".to_owned())
                })
            } else {
                media_of(&headers, hint, text)
            };
            let mut body = match &media {
                Some(_) if text.is_empty() => Value::String(String::new()),
                Some(media) => body_value(text, media, &variables),
                None => Value::Null,
            };
            redact(&mut body);
            let name = response
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.trim().is_empty())
                .map_or_else(|| format!("example {code}"), str::to_owned);
            let status_text = response
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            operation.responses.entry(code).or_default().push(Example {
                name,
                media,
                body,
                headers,
                status_text,
            });
        }
    }

    /// The path template, path parameters and query entries of a request
    /// URL; the server URL is taken from the first one.
    fn url(&mut self, url: &Value, variables: &HashMap<String, String>) -> ParsedUrl {
        let raw = match url {
            Value::String(text) => text.clone(),
            _ => url
                .get("raw")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        };
        let (host, segments) = match (url.get("host"), url.get("path")) {
            (host, Some(path)) if url.is_object() => {
                let host = match host {
                    Some(Value::Array(parts)) => parts
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("."),
                    Some(Value::String(text)) => text.clone(),
                    _ => String::new(),
                };
                let segments: Vec<String> = match path {
                    Value::Array(parts) => parts
                        .iter()
                        .filter_map(|p| match p {
                            Value::String(text) => Some(text.clone()),
                            other => other
                                .get("value")
                                .and_then(Value::as_str)
                                .map(str::to_owned),
                        })
                        .collect(),
                    Value::String(text) => text.split('/').map(str::to_owned).collect(),
                    _ => Vec::new(),
                };
                let protocol = url.get("protocol").and_then(Value::as_str);
                let port = url.get("port").and_then(Value::as_str);
                let mut host = host;
                if let Some(protocol) = protocol {
                    host = format!("{protocol}://{host}");
                }
                if let Some(port) = port {
                    host = format!("{host}:{port}");
                }
                (host, segments)
            }
            _ => split_raw(&raw),
        };
        if self.server.is_none() {
            let resolved = substitute(&host, variables);
            if !resolved.contains("{{") && !resolved.is_empty() {
                let with_scheme = if resolved.contains("://") {
                    resolved
                } else {
                    format!("https://{resolved}")
                };
                self.server = Some(with_scheme.trim_end_matches('/').to_owned());
            }
        }
        let declared: HashMap<String, (String, Option<String>)> = url
            .get("variable")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| {
                let key = v.get("key").and_then(Value::as_str)?;
                let value = v.get("value").map(|value| match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                });
                Some((
                    key.to_owned(),
                    (value.unwrap_or_default(), text_of(v.get("description"))),
                ))
            })
            .collect();
        let mut template = String::new();
        let mut params = Vec::new();
        for segment in segments.iter().filter(|s| !s.is_empty()) {
            template.push('/');
            if let Some(name) = segment.strip_prefix(':') {
                let param = template_name(name);
                let (value, description) = declared.get(name).cloned().unwrap_or_default();
                template.push_str(&format!("{{{param}}}"));
                params.push((param, substitute(&value, variables), description));
            } else if segment.contains("{{") {
                let mut rest = segment.as_str();
                while let Some(start) = rest.find("{{") {
                    template.push_str(&rest[..start]);
                    let after = &rest[start + 2..];
                    let Some(end) = after.find("}}") else {
                        template.push_str(&rest[start..]);
                        rest = "";
                        break;
                    };
                    let name = after[..end].trim();
                    let param = template_name(name);
                    template.push_str(&format!("{{{param}}}"));
                    let value = variables.get(name).cloned().unwrap_or_default();
                    params.push((param, value, None));
                    rest = &after[end + 2..];
                }
                template.push_str(rest);
            } else {
                template.push_str(&segment.replace(['{', '}'], "_"));
            }
        }
        if template.is_empty() {
            template.push('/');
        }
        let query = url
            .get("query")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|q| {
                let key = q
                    .get("key")
                    .and_then(Value::as_str)
                    .filter(|k| !k.trim().is_empty())?;
                let value = q.get("value").and_then(Value::as_str).unwrap_or_default();
                let enabled = q.get("disabled").and_then(Value::as_bool) != Some(true);
                Some((
                    key.to_owned(),
                    substitute(value, variables),
                    enabled,
                    text_of(q.get("description")),
                ))
            })
            .collect();
        (template, params, query)
    }

    /// The security requirement of an auth object (`[]` for `noauth`),
    /// its scheme defined on first use.
    fn security(&mut self, auth: &Value) -> Value {
        let kind = auth.get("type").and_then(Value::as_str).unwrap_or("noauth");
        let (name, scheme) = match kind {
            "bearer" | "jwt" => (
                "bearerAuth".to_owned(),
                json!({"type": "http", "scheme": "bearer"}),
            ),
            "basic" => (
                "basicAuth".to_owned(),
                json!({"type": "http", "scheme": "basic"}),
            ),
            "apikey" => {
                let key =
                    auth_field(auth, "apikey", "key").unwrap_or_else(|| "X-API-Key".to_owned());
                let place = match auth_field(auth, "apikey", "in").as_deref() {
                    Some("query") => "query",
                    _ => "header",
                };
                (
                    format!("apiKey_{}", template_name(&key)),
                    json!({"type": "apiKey", "in": place, "name": key}),
                )
            }
            "oauth2" => {
                let token_url = auth_field(auth, "oauth2", "accessTokenUrl")
                    .filter(|u| u.starts_with("http"))
                    .unwrap_or_else(|| "https://example.invalid/oauth/token".to_owned());
                (
                    "oauth2Auth".to_owned(),
                    json!({"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": token_url, "scopes": {}}}}),
                )
            }
            _ => return json!([]),
        };
        self.schemes.entry(name.clone()).or_insert(scheme);
        json!([{ name: [] }])
    }

    fn document(self, collection: &Value) -> Value {
        let info = collection.get("info").cloned().unwrap_or(Value::Null);
        let version = match info.get("version") {
            Some(Value::String(text)) if !text.is_empty() => text.clone(),
            Some(Value::Object(parts)) => {
                let part = |k: &str| parts.get(k).map_or("0".to_owned(), |v| v.to_string());
                format!("{}.{}.{}", part("major"), part("minor"), part("patch"))
            }
            _ => "1.0.0".to_owned(),
        };
        let mut info_out = Map::new();
        info_out.insert(
            "title".to_owned(),
            json!(
                info.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("Postman Collection")
            ),
        );
        info_out.insert("version".to_owned(), json!(version));
        if let Some(description) = text_of(info.get("description")) {
            info_out.insert("description".to_owned(), json!(description));
        }
        let mut paths: IndexMap<String, Map<String, Value>> = IndexMap::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        for ((path, method), seen) in self.operations {
            let operation = operation(&seen, &mut ids);
            paths
                .entry(path)
                .or_default()
                .insert(method.to_ascii_lowercase(), operation);
        }
        let mut document = json!({
            "openapi": "3.1.0",
            "info": info_out,
            "servers": [{"url": self.server.unwrap_or_else(|| "/".to_owned())}],
            "paths": paths,
        });
        if !self.tags.is_empty() {
            let tags: Vec<Value> = self
                .tags
                .into_iter()
                .map(|(name, description)| match description {
                    Some(description) => json!({"name": name, "description": description}),
                    None => json!({"name": name}),
                })
                .collect();
            document["tags"] = json!(tags);
        }
        if !self.schemes.is_empty() {
            document["components"] = json!({"securitySchemes": self.schemes});
        }
        document
    }
}

/// Host and path segments of a raw URL (`{{baseUrl}}/a/:id?x=1`).
fn split_raw(raw: &str) -> (String, Vec<String>) {
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

/// The body of a request: its media type and value.
fn request_body(
    body: Option<&Value>,
    headers: &[(String, String)],
    variables: &HashMap<String, String>,
) -> Option<(String, Value)> {
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
            Some((media.clone(), body_value(text, &media, variables)))
        }
        "urlencoded" => {
            let fields = form_fields(body.get("urlencoded"), variables);
            Some((
                "application/x-www-form-urlencoded".to_owned(),
                Value::Object(fields.into_iter().map(|(k, v, _)| (k, v)).collect()),
            ))
        }
        "formdata" => {
            let fields = form_fields(body.get("formdata"), variables);
            let mut object = Map::new();
            for (name, value, file) in fields {
                object.insert(name, if file { json!("<file>") } else { value });
            }
            Some(("multipart/form-data".to_owned(), Value::Object(object)))
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
            ))
        }
        _ => None,
    }
}

/// Enabled form fields: name, value (text) and whether it is a file.
fn form_fields(
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

/// A unique operationId made from an item's name.
fn operation_id(summary: &str, ids: &mut HashMap<String, usize>) -> String {
    let mut id = String::new();
    for (index, word) in summary
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let lower = word.to_ascii_lowercase();
        if index == 0 {
            id.push_str(&lower);
        } else {
            let mut chars = lower.chars();
            if let Some(first) = chars.next() {
                id.push(first.to_ascii_uppercase());
                id.push_str(chars.as_str());
            }
        }
    }
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert_str(0, "operation");
    }
    let count = ids.entry(id.clone()).or_insert(0);
    *count += 1;
    if *count > 1 {
        format!("{id}{count}")
    } else {
        id
    }
}

fn operation(seen: &OperationSeen, ids: &mut HashMap<String, usize>) -> Value {
    let mut out = Map::new();
    if !seen.summary.is_empty() {
        out.insert("summary".to_owned(), json!(seen.summary));
    }
    out.insert(
        "operationId".to_owned(),
        json!(operation_id(&seen.summary, ids)),
    );
    if let Some(description) = &seen.description {
        out.insert("description".to_owned(), json!(description));
    }
    if !seen.tags.is_empty() {
        out.insert("tags".to_owned(), json!(seen.tags));
    }
    let params: Vec<Value> = seen
        .params
        .iter()
        .map(|((place, name), param)| parameter(place, name, param, seen.requests))
        .collect();
    if !params.is_empty() {
        out.insert("parameters".to_owned(), json!(params));
    }
    if !seen.bodies.is_empty() {
        let content: Map<String, Value> = seen
            .bodies
            .iter()
            .map(|(media, values)| {
                let examples: Vec<&Value> = values.iter().map(|(_, v)| v).collect();
                let mut schema = infer(&examples, Strictness::Lenient);
                if media == "multipart/form-data" {
                    mark_files(&mut schema, values);
                }
                let mut object = json!({"schema": schema});
                if let Some((_, first)) = values.first() {
                    object["example"] = first.clone();
                }
                (media.clone(), object)
            })
            .collect();
        out.insert("requestBody".to_owned(), json!({"content": content}));
    }
    let mut responses = Map::new();
    for (code, examples) in &seen.responses {
        responses.insert(code.to_string(), response(examples));
    }
    if responses.is_empty() {
        responses.insert("200".to_owned(), json!({"description": "OK"}));
    }
    // The mock enforces the operation's auth: say so.
    let secured = seen
        .security
        .as_ref()
        .and_then(Value::as_array)
        .is_some_and(|alternatives| !alternatives.is_empty());
    if secured && !responses.contains_key("401") {
        responses.insert(
            "401".to_owned(),
            json!({"description": "Unauthorized: the credentials are missing or wrong"}),
        );
    }
    out.insert("responses".to_owned(), Value::Object(responses));
    if let Some(security) = &seen.security {
        out.insert("security".to_owned(), security.clone());
    }
    Value::Object(out)
}

/// File fields of a form-data schema become binary strings.
fn mark_files(schema: &mut Value, values: &[(String, Value)]) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        let file = values
            .iter()
            .any(|(_, v)| v.get(name).and_then(Value::as_str) == Some("<file>"));
        if file {
            *property = json!({"type": "string", "format": "binary"});
        }
    }
}

fn parameter(place: &str, name: &str, seen: &ParamSeen, requests: usize) -> Value {
    let values: Vec<&Value> = seen.values.iter().collect();
    // One example says little: a lone value types nothing but a string.
    let schema = if place == "header" || values.len() < 2 {
        json!({"type": "string"})
    } else {
        let strings: Vec<Value> = seen
            .values
            .iter()
            .map(|v| match v {
                Value::String(_) => v.clone(),
                other => Value::String(other.to_string()),
            })
            .collect();
        let typed = infer(&values, Strictness::Lenient);
        if typed.get("type").is_some() {
            typed
        } else {
            infer(&strings.iter().collect::<Vec<_>>(), Strictness::Lenient)
        }
    };
    let required =
        place == "path" || (place == "query" && seen.enabled == requests && requests > 0);
    let mut out = json!({"name": name, "in": place, "required": required, "schema": schema});
    if let Some(description) = &seen.description {
        out["description"] = json!(description);
    }
    if let Some(example) = seen.values.first()
        && !(example.is_string() && example.as_str() == Some(""))
        && !secretish(name)
    {
        let example = match (out["schema"]["type"].as_str(), example) {
            (Some("string"), Value::String(_)) | (None, _) => example.clone(),
            (Some("string"), other) => Value::String(other.to_string()),
            _ => example.clone(),
        };
        out["example"] = example;
    }
    out
}

fn response(examples: &[Example]) -> Value {
    let description = examples
        .iter()
        .map(|e| e.status_text.as_str())
        .find(|s| !s.is_empty())
        .map_or_else(|| examples[0].name.clone(), str::to_owned);
    let mut out = json!({"description": description});
    let mut content: IndexMap<String, Vec<&Example>> = IndexMap::new();
    for example in examples {
        if let Some(media) = &example.media {
            content.entry(media.clone()).or_default().push(example);
        }
    }
    if !content.is_empty() {
        let mut media_out = Map::new();
        for (media, list) in content {
            let bodies: Vec<&Value> = list.iter().map(|e| &e.body).collect();
            let schema = if is_json(&media) {
                infer(&bodies, Strictness::Descriptive)
            } else {
                json!({"type": "string"})
            };
            let mut named = Map::new();
            for example in list {
                let mut key = example.name.clone();
                let mut n = 1;
                while named.contains_key(&key) {
                    n += 1;
                    key = format!("{} {n}", example.name);
                }
                named.insert(key, json!({"value": example.body}));
            }
            media_out.insert(media, json!({"schema": schema, "examples": named}));
        }
        out["content"] = Value::Object(media_out);
    }
    let mut headers = Map::new();
    for (name, value) in &examples[0].headers {
        let lower = name.to_ascii_lowercase();
        let noise = lower.starts_with("access-control-")
            || lower.starts_with("x-amz")
            || lower.starts_with("cf-")
            || [
                "server",
                "x-powered-by",
                "via",
                "vary",
                "etag",
                "last-modified",
                "expires",
                "strict-transport-security",
                "alt-svc",
                "report-to",
                "nel",
                "age",
                "cache-control",
                "pragma",
                "content-encoding",
                "x-cache",
            ]
            .contains(&lower.as_str());
        if noise || SKIPPED_HEADERS.contains(&lower.as_str()) || secretish(&lower) {
            continue;
        }
        headers.insert(
            name.clone(),
            json!({"schema": {"type": "string"}, "example": value}),
        );
    }
    if !headers.is_empty() {
        out["headers"] = Value::Object(headers);
    }
    out
}
