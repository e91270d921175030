//! Validating requests against the spec, as `mockloop_mock/validation.py`
//! does: an invalid request is answered `422 application/problem+json`
//! listing every violation with where it was (`query.limit`, `path.petId`,
//! `header.X-Trace`, `cookie.session`, `body.items[2].price`).
use crate::model::{carries_json as is_json, media_essence as base};
use serde::Serialize;
use serde_json::{Value, json};

use super::catalog::{BodySpec, In, Op, ParamSpec};
use super::forms::{Encoding, FormReading, read};
use super::multipart;
use super::params;
use super::request::Incoming;
use super::respond::Reply;
use super::schemas::{PathPart, Schemas};

const PROBLEM_TYPE: &str = "urn:mockloop:problem:invalid-request";
const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";
const MAX_VIOLATIONS: usize = 100;
const WILDCARDS: [&str; 2] = ["*/*", "application/*"];
const ANNOTATIONS: [&str; 7] = [
    "title",
    "description",
    "example",
    "examples",
    "default",
    "deprecated",
    "$comment",
];

/// One problem with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Violation {
    pub(crate) location: String,
    pub(crate) message: String,
}

fn violation(location: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation {
        location: location.into(),
        message: message.into(),
    }
}

fn location(prefix: &str, path: &[PathPart]) -> String {
    let mut out = prefix.to_owned();
    for part in path {
        match part {
            PathPart::Index(index) => out.push_str(&format!("[{index}]")),
            PathPart::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
        }
    }
    out
}

/// Every way `instance` breaks `schema`, located under `prefix`.
fn schema_violations(
    schemas: &Schemas,
    schema: &Value,
    instance: &Value,
    prefix: &str,
) -> Vec<Violation> {
    let mut errors = schemas.errors(schema, instance);
    let joined = |path: &[PathPart]| {
        path.iter()
            .map(|part| match part {
                PathPart::Index(i) => i.to_string(),
                PathPart::Key(k) => k.clone(),
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    errors.sort_by(|a, b| (joined(&a.path), &a.message).cmp(&(joined(&b.path), &b.message)));
    let mut found: Vec<Violation> = Vec::new();
    for error in errors.into_iter().take(MAX_VIOLATIONS) {
        let at = location(prefix, &error.path);
        match error.missing {
            Some(name) => {
                let missing = violation(location(&at, &[PathPart::Key(name)]), "is required");
                if !found.contains(&missing) {
                    found.push(missing);
                }
            }
            None => found.push(violation(at, error.message)),
        }
    }
    found
}

fn param_violations(schemas: &Schemas, request: &Incoming, op: &Op) -> Vec<Violation> {
    let mut found = Vec::new();
    for param in &op.params {
        let prefix = format!("{}.{}", param.location.name(), param.name);
        match params::value(schemas, request, param) {
            None if param.required => found.push(violation(prefix, "is required")),
            None => {}
            Some(_) if params::has_no_wire_form(schemas, param) => {}
            Some(_) if param.allow_empty && request.query_all(&param.name) == [""] => {}
            Some(_) if is_library_accept_encoding(request, param) => {}
            Some(value) => found.extend(schema_violations(schemas, &param.schema, &value, &prefix)),
        }
    }
    found
}

/// Content codings HTTP libraries ask for on their own.
const CODINGS: [&str; 9] = [
    "gzip",
    "x-gzip",
    "deflate",
    "br",
    "zstd",
    "compress",
    "x-compress",
    "identity",
    "*",
];

/// Whether a declared `Accept-Encoding` holds only registered content
/// codings (with q-values): what a client's HTTP library sends by itself
/// (`gzip, deflate`), which passes whatever the spec's schema says
/// (Conjur's `base64`). Anything else is checked.
fn is_library_accept_encoding(request: &Incoming, param: &ParamSpec) -> bool {
    if param.location != In::Header || !param.name.eq_ignore_ascii_case("accept-encoding") {
        return false;
    }
    let values = request.header_all(&param.name);
    !values.is_empty()
        && values.iter().flat_map(|v| v.split(',')).all(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            CODINGS
                .iter()
                .any(|known| coding.eq_ignore_ascii_case(known))
                && parts.all(|p| {
                    p.trim().strip_prefix("q=").is_some_and(|q| {
                        !q.is_empty() && q.chars().all(|c| c.is_ascii_digit() || c == '.')
                    })
                })
        })
}

/// Whether `captured` path parameters are valid for `op` (routing among
/// operations that share a path).
pub(crate) fn path_params_valid(
    schemas: &Schemas,
    request: &Incoming,
    op: &Op,
    captured: &[(String, String)],
) -> bool {
    op.params
        .iter()
        .filter(|param| param.location == In::Path)
        .all(|param| {
            params::path_value(schemas, request, param, captured).is_some_and(|value| {
                schema_violations(schemas, &param.schema, &value, "path").is_empty()
            })
        })
}

/// The documented media type a request's `Content-Type` matches.
fn media_match<'b>(
    content_type: Option<&str>,
    body: &'b BodySpec,
) -> Option<&'b (String, std::sync::Arc<Value>)> {
    let Some(content_type) = content_type.filter(|c| !c.is_empty()) else {
        return (body.content.len() == 1).then(|| &body.content[0]);
    };
    let sent = base(content_type);
    let find = |wanted: &str| body.content.iter().find(|(media, _)| base(media) == wanted);
    if let Some(found) = find(&sent) {
        return Some(found);
    }
    let major = sent.split('/').next().unwrap_or_default();
    for pattern in [format!("{major}/*"), "*/*".to_owned()] {
        if let Some(found) = find(&pattern) {
            return Some(found);
        }
    }
    if sent.ends_with("+json") {
        return find("application/json");
    }
    if sent == "application/json" {
        return body
            .content
            .iter()
            .find(|(media, _)| base(media).ends_with("+json"));
    }
    None
}

fn accepts_anything(schema: &Value) -> bool {
    match schema {
        Value::Bool(true) => true,
        Value::Object(map) => map.keys().all(|k| ANNOTATIONS.contains(&k.as_str())),
        _ => false,
    }
}

/// Whether a documented body is taken as any bytes, unparsed.
fn opaque(schemas: &Schemas, media: &str, schema: &Value, sent: &str) -> bool {
    let base = base(media);
    if accepts_anything(schema) {
        return true;
    }
    let types = schemas.types_of(schema);
    if WILDCARDS.contains(&base.as_str()) {
        return !is_json(sent) || types.is_empty() || types.iter().all(|t| *t == "string");
    }
    if base == FORM || base == MULTIPART || is_json(&base) {
        return false;
    }
    !(base.starts_with("text/") && types.iter().all(|t| *t == "string"))
}

/// What a body reads as.
enum Instance {
    Value(Value),
    /// Not checkable (any bytes).
    Missing,
}

impl From<FormReading> for Instance {
    fn from(reading: FormReading) -> Self {
        match reading {
            FormReading::Value(value) => Self::Value(value),
            FormReading::Unjudged => Self::Missing,
        }
    }
}

fn body_instance(
    schemas: &Schemas,
    request: &Incoming,
    media: &str,
    schema: &Value,
) -> Result<Instance, String> {
    let base = base(media);
    let sent = request.content_type().unwrap_or_default();
    if opaque(schemas, &base, schema, sent) {
        return Ok(Instance::Missing);
    }
    let raw = &request.body;
    if base == FORM || base == MULTIPART {
        // Only objects have a form encoding (Adafruit documents an array
        // of records as urlencoded): anything else is any bytes.
        let types = schemas.types_of(schema);
        if !types.is_empty() && !types.contains(&"object") {
            return Ok(Instance::Missing);
        }
    }
    if base == FORM {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        return Ok(read(schemas, &pairs, schema, Encoding::Urlencoded).into());
    }
    if base == MULTIPART {
        let pairs = multipart::fields(sent, raw)?;
        return Ok(read(schemas, &pairs, schema, Encoding::Multipart).into());
    }
    if WILDCARDS.contains(&base.as_str()) {
        return Ok(serde_json::from_slice(raw).map_or(Instance::Missing, Instance::Value));
    }
    if is_json(&base) {
        return serde_json::from_slice(raw)
            .map(Instance::Value)
            .map_err(|err| err.to_string());
    }
    Ok(Instance::Value(Value::String(
        String::from_utf8_lossy(raw).into_owned(),
    )))
}

/// What a zero-byte body sent (as `sent`) for `media` is: a form with no
/// fields (`{}` for multipart), `""` for text, unchecked for a binary or
/// untyped body, `None` when it is no body of that type (JSON).
fn empty_body_instance(
    schemas: &Schemas,
    media: &str,
    schema: &Value,
    sent: &str,
) -> Option<Instance> {
    let base = base(media);
    if base == FORM && schemas.types_of(schema).contains(&"object") {
        // A form with no fields, read as any form is (a required array
        // with no items has no field).
        return Some(read(schemas, &[], schema, Encoding::Urlencoded).into());
    }
    if base == FORM || base == MULTIPART {
        return Some(if schemas.types_of(schema).contains(&"object") {
            Instance::Value(json!({}))
        } else {
            Instance::Missing
        });
    }
    if opaque(schemas, &base, schema, sent) {
        return Some(Instance::Missing);
    }
    if is_json(&base) || WILDCARDS.contains(&base.as_str()) {
        return None;
    }
    Some(Instance::Value(Value::String(String::new())))
}

fn body_violations(
    schemas: &Schemas,
    request: &Incoming,
    body: &BodySpec,
    params: &[ParamSpec],
) -> Vec<Violation> {
    let content_type = request.content_type();
    let matched = media_match(content_type, body);
    if request.body.is_empty() {
        let instance = match (matched, content_type) {
            (Some((media, schema)), Some(sent)) if !sent.is_empty() => {
                empty_body_instance(schemas, media, schema, sent)
            }
            _ => None,
        };
        return match (instance, matched) {
            (Some(Instance::Missing), _) => Vec::new(),
            (Some(Instance::Value(value)), Some((_, schema))) => {
                schema_violations(schemas, schema, &value, "body")
            }
            _ if body.required => vec![violation("body", "a request body is required")],
            _ => Vec::new(),
        };
    }
    let Some((media, schema)) = matched else {
        // An undocumented media type is refused, unless the spec declares a
        // Content-Type header of its own, whose value clients send as given.
        let declares_content_type = || {
            params.iter().any(|param| {
                param.location == In::Header && param.name.eq_ignore_ascii_case("content-type")
            })
        };
        return match content_type.filter(|sent| !sent.is_empty()) {
            Some(sent) if !body.content.is_empty() && !declares_content_type() => vec![violation(
                "header.Content-Type",
                format!(
                    "{sent} is none of the body's media types ({})",
                    body.content
                        .iter()
                        .map(|(media, _)| media.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )],
            _ => Vec::new(),
        };
    };
    match body_instance(schemas, request, media, schema) {
        Err(error) => vec![violation(
            "body",
            format!("cannot be parsed as {media}: {error}"),
        )],
        Ok(Instance::Missing) => Vec::new(),
        Ok(Instance::Value(value)) => schema_violations(schemas, schema, &value, "body"),
    }
}

/// Every problem with a request for `op`.
pub(crate) fn request_violations(schemas: &Schemas, request: &Incoming, op: &Op) -> Vec<Violation> {
    let mut found = param_violations(schemas, request, op);
    if let Some(body) = &op.body {
        found.extend(body_violations(schemas, request, body, &op.params));
    }
    found
}

/// The `422 application/problem+json` answer.
pub(crate) fn problem_response(violations: &[Violation]) -> Reply {
    let count = violations.len();
    Reply::json_as(
        422,
        &json!({
            "type": PROBLEM_TYPE,
            "title": "The request does not match the API description",
            "status": 422,
            "detail": format!("{count} violation{}", if count == 1 { "" } else { "s" }),
            "errors": violations,
        }),
        "application/problem+json",
    )
}
