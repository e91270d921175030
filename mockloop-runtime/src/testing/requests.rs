//! Requests made from a spec: valid ones (parameters serialised in their
//! documented styles, bodies in a documented media type, the mock's
//! credentials) and, for negative testing, ones that break exactly one rule.
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use super::api::{Api, Credential};
use crate::model::{Operation, Param, ParamLocation, carries_json as is_json};
use crate::synth::{Synthesizer, seed_for};

/// Everything but RFC 3986's unreserved characters is escaped.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Header names the spec may list as parameters but which OpenAPI says
/// are ignored (the request's own machinery sets them).
const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// The boundary of multipart bodies (a fixed, unlikely string).
const BOUNDARY: &str = "mockloop-boundary-7d1f3c";

/// One ready request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prepared {
    /// The operation's key (`GET /pets/{petId}`).
    pub(crate) operation: String,
    /// The upper-case method.
    pub(crate) method: String,
    /// Base path, path and query, percent-encoded.
    pub(crate) target: String,
    /// Headers, `Content-Type` and `Cookie` included.
    pub(crate) headers: Vec<(String, String)>,
    /// The body, if any.
    pub(crate) body: Option<Vec<u8>>,
    /// For a negative request: the one rule it breaks.
    pub(crate) breaks: Option<String>,
}

impl Prepared {
    /// The request as a `curl` command line against `origin`.
    pub(crate) fn curl(&self, origin: &str) -> String {
        let mut line = format!(
            "curl -sS -i -X {} {}",
            self.method,
            quote(&format!("{}{}", origin.trim_end_matches('/'), self.target))
        );
        for (name, value) in &self.headers {
            line.push_str(" -H ");
            line.push_str(&quote(&format!("{name}: {value}")));
        }
        if let Some(body) = &self.body {
            line.push_str(" --data-binary ");
            line.push_str(&quote(&String::from_utf8_lossy(body)));
        }
        line
    }
}

/// Single-quotes `text` for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Makes requests for the operations of one API.
pub(crate) struct RequestMaker<'a> {
    api: &'a Api,
    synth: Synthesizer<'a>,
    seed: u64,
    /// Whether to send the mock's credentials.
    credentials: bool,
    /// Headers given by the user, sent with every request (and replacing
    /// the mock's credentials when they set `Authorization`).
    extra_headers: Vec<(String, String)>,
    /// The path prefix of every request (the spec's base path, or the
    /// path of the URL given).
    base_path: String,
}

/// The base path requests go under: the path of `url` when it has one
/// (`http://host/api/v2` → `/api/v2`, replacing the spec's), else the
/// spec's own.
fn base_path_for(url: &str, spec_base: &str) -> String {
    let path = url::Url::parse(url.trim())
        .map(|parsed| parsed.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    if path.is_empty() {
        spec_base.to_owned()
    } else {
        path
    }
}

/// A parameter's serialised form.
enum Placed {
    Path(String, String),
    Query(Vec<(String, String)>),
    Header(String, String),
    Cookie(String, String),
}

impl<'a> RequestMaker<'a> {
    /// A maker for `api`'s operations; `seed` varies the values.
    pub(crate) fn new(
        api: &'a Api,
        seed: u64,
        credentials: bool,
        extra_headers: Vec<(String, String)>,
    ) -> Self {
        Self {
            api,
            synth: Synthesizer::new(&api.spec.document),
            seed,
            credentials,
            extra_headers,
            base_path: api.model.base_path.clone(),
        }
    }

    /// A maker for requests to the server at `url`: under the URL's own
    /// path when it has one, else under the spec's base path.
    pub(crate) fn for_url(
        api: &'a Api,
        url: &str,
        seed: u64,
        credentials: bool,
        extra_headers: Vec<(String, String)>,
    ) -> Self {
        let mut maker = Self::new(api, seed, credentials, extra_headers);
        maker.base_path = base_path_for(url, &api.model.base_path);
        maker
    }

    fn value(&mut self, schema: &Value, hint: &str, parts: &[&str], variant: u32) -> Value {
        let variant = variant.to_string();
        let seed = self.seed.to_string();
        let mut all: Vec<&str> = parts.to_vec();
        all.extend([variant.as_str(), seed.as_str()]);
        self.synth.value(schema, hint, seed_for(&all))
    }

    /// A valid request for `operation`; `variant` picks other values (and,
    /// on odd variants, leaves the optional parameters out).
    pub(crate) fn valid(&mut self, operation: &Operation, variant: u32) -> Prepared {
        let mut placed = Vec::new();
        for param in &operation.params {
            if !param.required && variant % 2 == 1 {
                continue;
            }
            if let Some(one) = self.place_param(operation, param, variant, None) {
                placed.push(one);
            }
        }
        let body = self.body(operation, variant);
        self.assemble(operation, placed, body, None)
    }

    /// Requests for `operation` that each break one rule of the spec
    /// (a required parameter left out, a value of the wrong type, a body
    /// that does not validate), at most `limit`.
    pub(crate) fn negative(&mut self, operation: &Operation, limit: usize) -> Vec<Prepared> {
        let mut out = Vec::new();
        let count = operation.params.len();
        for index in 0..count {
            let param = &operation.params[index];
            let ignored = param.location == ParamLocation::Header
                && IGNORED_HEADERS.contains(&param.name.to_ascii_lowercase().as_str());
            if ignored {
                continue;
            }
            let location = location_name(param.location);
            if param.required && param.location != ParamLocation::Path {
                let rule = format!("{location}.{} (required) is missing", param.name);
                out.push(self.with_param(operation, index, None, rule));
            }
            if let Some(bad) = self.invalid_text(&param.schema) {
                let rule = format!(
                    "{location}.{} is {bad:?}, not valid against its schema",
                    param.name
                );
                out.push(self.with_param(operation, index, Some(bad), rule));
            }
        }
        if let Some(body) = &operation.request_body {
            if body.required {
                let mut request = self.valid(operation, 0);
                request.body = None;
                request
                    .headers
                    .retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
                request.breaks = Some("the required body is missing".to_owned());
                out.push(request);
            }
            if let Some((media, bad, rule)) = self.invalid_body(operation) {
                let mut request = self.valid(operation, 0);
                request.body = Some(bad);
                request
                    .headers
                    .retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
                request.headers.push(("Content-Type".to_owned(), media));
                request.breaks = Some(rule);
                out.push(request);
            }
        }
        out.truncate(limit);
        out
    }

    /// The valid request of variant 0 with parameter `index` replaced by
    /// raw text `bad`, or left out when `bad` is `None`.
    fn with_param(
        &mut self,
        operation: &Operation,
        index: usize,
        bad: Option<String>,
        rule: String,
    ) -> Prepared {
        let mut placed = Vec::new();
        for (at, param) in operation.params.iter().enumerate() {
            if at == index {
                if let Some(text) = &bad {
                    placed.extend(self.place_param(operation, param, 0, Some(text)));
                }
                continue;
            }
            if param.required {
                placed.extend(self.place_param(operation, param, 0, None));
            }
        }
        let body = self.body(operation, 0);
        self.assemble(operation, placed, body, Some(rule))
    }

    /// A text that the parameter's schema rejects once a server has read
    /// it as the schema's type (a number, a boolean, a one-item array).
    fn invalid_text(&mut self, schema: &Value) -> Option<String> {
        let resolved = self.api.resolve(schema).clone();
        let types = type_names(&resolved);
        if types.contains(&"object") {
            return None;
        }
        let items = resolved
            .get("items")
            .map(|items| self.api.resolve(items).clone());
        let array = types.contains(&"array");
        // An array of objects or arrays has no form in a parameter: servers
        // take what is sent.
        if array
            && items.as_ref().is_some_and(|items| {
                type_names(items)
                    .iter()
                    .any(|t| matches!(*t, "object" | "array"))
            })
        {
            return None;
        }
        ["mockloop-not-a-number", "mockloop-invalid-value", ""]
            .into_iter()
            .find(|text| {
                let instance = match &items {
                    Some(items) if array => Value::Array(vec![read_as(items, text)]),
                    _ => read_as(&resolved, text),
                };
                !self.synth.is_valid(schema, &instance)
            })
            .map(str::to_owned)
    }

    /// A body of the operation's first media type that its schema rejects:
    /// a required property left out, or a value of the wrong type.
    fn invalid_body(&mut self, operation: &Operation) -> Option<(String, Vec<u8>, String)> {
        let body = operation.request_body.as_ref()?;
        let (media, schema) = body
            .content
            .iter()
            .find(|(media, _)| is_json(media))
            .map(|(media, schema)| (media.clone(), schema.clone()))?;
        let valid = self.value(&schema, &operation.key, &[&operation.key, "body"], 0);
        if let Value::Object(map) = &valid {
            let resolved = self.api.resolve(&schema).clone();
            let required: Vec<String> = resolved
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            let read_only = |name: &str| {
                resolved
                    .get("properties")
                    .and_then(|p| p.get(name))
                    .map(|p| self.api.resolve(p))
                    .and_then(|p| p.get("readOnly"))
                    .and_then(Value::as_bool)
                    == Some(true)
            };
            for name in required.iter().filter(|name| !read_only(name)) {
                let mut broken = map.clone();
                if broken.remove(name.as_str()).is_some() {
                    let instance = Value::Object(broken);
                    if !self.synth.is_valid(&schema, &instance) {
                        let bytes = serde_json::to_vec(&instance).unwrap_or_default();
                        let rule = format!("body.{name} (required) is missing");
                        return Some((media, bytes, rule));
                    }
                }
            }
        }
        let wrong = if valid.is_string() {
            Value::from(12_345)
        } else {
            Value::String("mockloop-invalid-body".to_owned())
        };
        if self.synth.is_valid(&schema, &wrong) {
            return None;
        }
        let bytes = serde_json::to_vec(&wrong).unwrap_or_default();
        Some((
            media,
            bytes,
            format!("the body is {wrong}, not valid against its schema"),
        ))
    }

    /// Serialises one parameter (its synthesised value, or raw `text`).
    fn place_param(
        &mut self,
        operation: &Operation,
        param: &Param,
        variant: u32,
        text: Option<&str>,
    ) -> Option<Placed> {
        if param.location == ParamLocation::Header
            && IGNORED_HEADERS.contains(&param.name.to_ascii_lowercase().as_str())
        {
            let given = self
                .extra_headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(&param.name));
            return if given {
                None
            } else {
                required_header(operation, param)
            };
        }
        if let Some(text) = text {
            let name = param.name.clone();
            return Some(match param.location {
                ParamLocation::Path => {
                    Placed::Path(name, utf8_percent_encode(text, COMPONENT).to_string())
                }
                ParamLocation::Query => Placed::Query(vec![(name, text.to_owned())]),
                ParamLocation::Header => Placed::Header(name, text.to_owned()),
                _ => Placed::Cookie(name, text.to_owned()),
            });
        }
        for attempt in 0..4 {
            let value = if variant == 0 && attempt == 0 {
                param.example.clone()
            } else {
                let attempt = attempt.to_string();
                self.value(
                    &param.schema,
                    &param.name,
                    &[&operation.key, &param.name, &attempt],
                    variant,
                )
            };
            if value.is_null() {
                continue;
            }
            if let Some(placed) = serialise(param, &value) {
                return Some(placed);
            }
        }
        None
    }

    /// The body for the operation's preferred media type, with that type.
    fn body(&mut self, operation: &Operation, variant: u32) -> Option<(String, Vec<u8>)> {
        let body = operation.request_body.as_ref()?;
        let (media, schema) = body
            .content
            .iter()
            .min_by_key(|(media, _)| media_rank(media))?;
        let value = match (&body.example, variant) {
            (Some((example_media, example)), 0) if example_media == media => example.clone(),
            _ => self.value(schema, &operation.key, &[&operation.key, "body"], variant),
        };
        let schema = self.api.resolve(schema).clone();
        Some(encode_body(self.api, media, &schema, &value))
    }

    fn assemble(
        &self,
        operation: &Operation,
        placed: Vec<Placed>,
        body: Option<(String, Vec<u8>)>,
        breaks: Option<String>,
    ) -> Prepared {
        let mut path = operation.path.clone();
        let mut query: Vec<(String, String)> = Vec::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut cookies: Vec<(String, String)> = Vec::new();
        for one in placed {
            match one {
                Placed::Path(name, text) => path = path.replace(&format!("{{{name}}}"), &text),
                Placed::Query(pairs) => query.extend(pairs),
                Placed::Header(name, text) => headers.push((name, text)),
                Placed::Cookie(name, text) => cookies.push((name, text)),
            }
        }
        let user_auth = self
            .extra_headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
        if self.credentials && !user_auth {
            for credential in self.api.credentials(&operation.key) {
                match credential {
                    Credential::Header(name, value) => headers.push((name, value)),
                    Credential::Query(name, value) => query.push((name, value)),
                    Credential::Cookie(name, value) => cookies.push((name, value)),
                }
            }
        }
        headers.extend(self.extra_headers.iter().cloned());
        if !cookies.is_empty() {
            let text: Vec<String> = cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            headers.push(("Cookie".to_owned(), text.join("; ")));
        }
        let body = body.map(|(media, bytes)| {
            headers.push(("Content-Type".to_owned(), media));
            bytes
        });
        // A fragment in a path key (`/#Action=SendMessage`) is not sent; a
        // query in one (`/current?city={city}`) is, before the others.
        let sent = path.split('#').next().unwrap_or_default();
        let mut target = format!("{}{}", self.base_path, sent);
        if !query.is_empty() {
            let pairs: Vec<String> = query
                .iter()
                .map(|(name, value)| {
                    format!(
                        "{}={}",
                        utf8_percent_encode(name, COMPONENT),
                        utf8_percent_encode(value, COMPONENT)
                    )
                })
                .collect();
            target.push(if target.contains('?') { '&' } else { '?' });
            target.push_str(&pairs.join("&"));
        }
        Prepared {
            operation: operation.key.clone(),
            method: operation.method.clone(),
            target,
            headers,
            body,
            breaks,
        }
    }
}

fn location_name(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        _ => "cookie",
    }
}

/// `text` as a server reads it for a schema of `schema`'s type: a number
/// or boolean when it parses as one, else the string.
fn read_as(schema: &Value, text: &str) -> Value {
    let types = type_names(schema);
    if types.contains(&"integer")
        && let Ok(number) = text.parse::<i64>()
    {
        return Value::from(number);
    }
    if types.contains(&"number")
        && let Some(number) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
    {
        return Value::Number(number);
    }
    if types.contains(&"boolean") && matches!(text, "true" | "false") {
        return Value::Bool(text == "true");
    }
    Value::String(text.to_owned())
}

fn type_names(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A scalar as parameter text.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A parameter value in its style, or `None` if it cannot be sent as it is
/// (a header or cookie value outside visible ASCII).
fn serialise(param: &Param, value: &Value) -> Option<Placed> {
    let style = param.style.as_str();
    let parts: Vec<(String, String)> = match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), scalar_text(v)))
            .collect(),
        _ => Vec::new(),
    };
    let items: Vec<String> = match value {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        _ => Vec::new(),
    };
    let joined = |separator: &str| -> String {
        match value {
            Value::Array(_) => items.join(separator),
            Value::Object(_) if param.explode => parts
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(separator),
            Value::Object(_) => parts
                .iter()
                .flat_map(|(k, v)| [k.clone(), v.clone()])
                .collect::<Vec<_>>()
                .join(separator),
            other => scalar_text(other),
        }
    };
    match param.location {
        ParamLocation::Path => {
            let encode = |text: &str| utf8_percent_encode(text, COMPONENT).to_string();
            let text = match style {
                "label" => format!(
                    ".{}",
                    encode(&joined(if param.explode { "." } else { "," }))
                ),
                "matrix" => format!(";{}={}", param.name, encode(&joined(","))),
                _ => encode(&joined(",")),
            };
            Some(Placed::Path(param.name.clone(), text))
        }
        ParamLocation::Query => {
            let name = param.name.clone();
            let pairs = match (value, style) {
                (Value::Object(_), "deepObject") => parts
                    .into_iter()
                    .map(|(k, v)| (format!("{name}[{k}]"), v))
                    .collect(),
                (Value::Object(_), _) if param.explode => parts,
                (Value::Array(_), "form") if param.explode => {
                    items.into_iter().map(|item| (name.clone(), item)).collect()
                }
                (Value::Array(_), "spaceDelimited") => vec![(name, items.join(" "))],
                (Value::Array(_), "pipeDelimited") => vec![(name, items.join("|"))],
                _ => vec![(name, joined(","))],
            };
            Some(Placed::Query(pairs))
        }
        ParamLocation::Header => {
            let text = joined(",");
            header_safe(&text).then(|| Placed::Header(param.name.clone(), text))
        }
        _ => {
            let text = joined(",");
            let safe = header_safe(&text) && !text.contains([';', ',', ' ', '"', '\\']);
            safe.then(|| Placed::Cookie(param.name.clone(), text))
        }
    }
}

fn header_safe(text: &str) -> bool {
    text.chars().all(|c| c == ' ' || c.is_ascii_graphic()) && text.trim() == text
}

/// Lower is preferred: JSON, then forms, then text, then anything.
fn media_rank(media: &str) -> u8 {
    let media = media.to_ascii_lowercase();
    if is_json(&media) {
        0
    } else if media.starts_with("application/x-www-form-urlencoded") {
        1
    } else if media.starts_with("multipart/form-data") {
        2
    } else if media.starts_with("text/") {
        3
    } else if media.contains('*') {
        5
    } else {
        4
    }
}

/// A body value in `media`'s encoding; the media type sent (wildcards
/// made concrete, the multipart boundary added) and the bytes.
fn encode_body(api: &Api, media: &str, schema: &Value, value: &Value) -> (String, Vec<u8>) {
    let lower = media.to_ascii_lowercase();
    if is_json(&lower) {
        return (
            media.to_owned(),
            serde_json::to_vec(value).unwrap_or_default(),
        );
    }
    if lower.starts_with("application/x-www-form-urlencoded") {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, text) in form_fields(value) {
            form.append_pair(&name, &text);
        }
        return (media.to_owned(), form.finish().into_bytes());
    }
    if lower.starts_with("multipart/form-data") {
        return (
            format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(api, schema, value),
        );
    }
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let media = if media.contains('*') {
        "application/octet-stream".to_owned()
    } else {
        media.to_owned()
    };
    (media, text.into_bytes())
}

/// Form fields of an object: arrays repeat, objects go as JSON text.
fn form_fields(value: &Value) -> Vec<(String, String)> {
    let Value::Object(map) = value else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    for (name, value) in map {
        match value {
            Value::Array(items) => {
                fields.extend(items.iter().map(|item| (name.clone(), field_text(item))));
            }
            other => fields.push((name.clone(), field_text(other))),
        }
    }
    fields
}

fn field_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A multipart/form-data body: binary properties as file parts.
fn multipart(api: &Api, schema: &Value, value: &Value) -> Vec<u8> {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut out = String::new();
    for (name, text) in form_fields(value) {
        let quoted = name.replace(['"', '\r', '\n'], "_");
        let property = properties.get(&name).map(|p| api.resolve(p));
        let property = property.map(|p| match p.get("items") {
            Some(items) if p.get("type").and_then(Value::as_str) == Some("array") => {
                api.resolve(items)
            }
            _ => p,
        });
        let binary = property.is_some_and(|p| {
            p.get("format").and_then(Value::as_str) == Some("binary")
                || p.get("contentMediaType").is_some()
                || p.get("contentEncoding").is_some()
        });
        out.push_str(&format!("--{BOUNDARY}\r\n"));
        if binary {
            out.push_str(&format!(
                "Content-Disposition: form-data; name=\"{quoted}\"; filename=\"{quoted}.bin\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            ));
        } else {
            out.push_str(&format!(
                "Content-Disposition: form-data; name=\"{quoted}\"\r\n\r\n"
            ));
        }
        out.push_str(&text);
        out.push_str("\r\n");
    }
    out.push_str(&format!("--{BOUNDARY}--\r\n"));
    out.into_bytes()
}

/// The Accept, Content-Type or Authorization header a spec requires (the
/// model keeps them only then): the spec's own default or example, else
/// what any API takes. A body's Content-Type is the body's media type, set
/// with it.
fn required_header(operation: &Operation, param: &Param) -> Option<Placed> {
    let has_body = operation
        .request_body
        .as_ref()
        .is_some_and(|body| !body.content.is_empty());
    let fallback = match param.name.to_ascii_lowercase().as_str() {
        "content-type" if has_body => return None,
        "content-type" => "application/json",
        "authorization" => "Bearer mockloop",
        _ => "*/*",
    };
    let documented = ["default", "example"]
        .iter()
        .find_map(|key| param.schema.get(*key).and_then(Value::as_str))
        .filter(|text| !text.trim().is_empty());
    Some(Placed::Header(
        param.name.clone(),
        documented.unwrap_or(fallback).to_owned(),
    ))
}
