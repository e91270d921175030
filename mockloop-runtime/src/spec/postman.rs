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

pub(super) mod build;
pub(super) mod values;

use crate::model::carries_json as is_json;
use values::{
    add_variables, auth_field, body_value, headers_of, media_of, redact, request_body, scalar,
    secretish, split_raw, substitute, template_name, text_of,
};

/// Headers that are the transport's, the client's, or secrets: never
/// documented as parameters or response headers.
pub(super) const SKIPPED_HEADERS: [&str; 14] = [
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
pub(super) struct ParamSeen {
    pub(super) values: Vec<Value>,
    /// Requests that sent it enabled.
    pub(super) enabled: usize,
    pub(super) description: Option<String>,
    /// A request sent it more than once (a query parameter: an exploded
    /// array).
    pub(super) repeated: bool,
}

/// A path parameter: its name, an example value and a description.
type PathParam = (String, String, Option<String>);
/// A query entry: name, value, whether enabled, description.
type QueryEntry = (String, String, bool, Option<String>);
/// What a request URL holds.
type ParsedUrl = (String, Vec<PathParam>, Vec<QueryEntry>);

/// One example response.
#[derive(Debug)]
pub(super) struct Example {
    pub(super) name: String,
    pub(super) media: Option<String>,
    pub(super) body: Value,
    pub(super) headers: Vec<(String, String)>,
    pub(super) status_text: String,
}

/// One operation being assembled from its requests.
#[derive(Debug, Default)]
pub(super) struct OperationSeen {
    pub(super) summary: String,
    pub(super) description: Option<String>,
    pub(super) tags: Vec<String>,
    pub(super) requests: usize,
    pub(super) params: IndexMap<(String, String), ParamSeen>,
    pub(super) bodies: IndexMap<String, Vec<(String, Value)>>,
    pub(super) responses: IndexMap<u16, Vec<Example>>,
    pub(super) security: Option<Value>,
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
        let mut sent: HashMap<String, usize> = HashMap::new();
        for (name, _, enabled, _) in &query {
            if *enabled {
                *sent.entry(name.clone()).or_default() += 1;
            }
        }
        for entry in query {
            let (name, value, _, description) = entry;
            if api_key_query.as_deref() == Some(name.as_str()) {
                continue;
            }
            let times = sent.remove(&name);
            let seen = operation
                .params
                .entry(("query".to_owned(), name))
                .or_default();
            // Once per request, however often it repeats there.
            seen.enabled += usize::from(times.is_some());
            seen.repeated |= times.is_some_and(|n| n > 1);
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
        if let Some((media, mut value, as_text)) =
            request_body(request.get("body"), &header_list, &variables)
        {
            redact(&mut value);
            if as_text && media != "text/plain" {
                // Postman sends it as text/plain: the mock takes that too
                // (the redacted value as text, never the raw one).
                let text = match &value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                operation
                    .bodies
                    .entry("text/plain".to_owned())
                    .or_default()
                    .push((operation.summary.clone(), Value::String(text)));
            }
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
        let mut scheme = scheme;
        scheme["x-mockloop-recorded"] = json!(true);
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
        let paths = build::paths(self.operations);
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
