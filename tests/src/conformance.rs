//! Sends one valid request to every operation of a running mock and checks
//! the response against the description.
//!
//! Requests are built from the model's examples ([`Param::example`],
//! [`RequestBody::example`]), serialised the way the description says
//! (`style`/`explode`, form and multipart bodies), and carry credentials for
//! the operation's first security requirement. Responses are checked against
//! the spec's *document*, not the model, so a wrong model cannot hide a wrong
//! mock: the status must be documented (exactly, as a range like `2XX`, or by
//! `default`; an operation documenting no responses only must not answer
//! 5xx); the `Content-Type` must match one of that response's media
//! types (wildcards and parameters allowed); 1xx, 204, 304 and `HEAD`
//! answers, and responses documented without content, must have no body;
//! and a JSON body must validate (JSON Schema 2020-12, formats asserted)
//! against the schema documented for its media type, with `$ref`s resolved
//! in the document.
//!
//! [`Param::example`]: mockloop_runtime::Param::example
//! [`RequestBody::example`]: mockloop_runtime::RequestBody::example
mod encode;
mod request;
mod response;

use std::fmt;
use std::time::Duration;

use mockloop_runtime::{ApiModel, LoadedSpec, Operation};
use serde_json::Value;

use crate::error::{Error, Result};
pub use request::{PreparedRequest, Secrets};
use response::Validators;

/// One operation whose response did not conform.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The operation's key, e.g. `GET /pets/{petId}`.
    pub operation: String,
    /// The request sent, e.g. `GET http://127.0.0.1:4000/v1/pets/1`.
    pub request: String,
    /// What was wrong.
    pub reason: String,
}

/// The outcome of checking every operation of one mock.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// A name for the mock, for messages (usually the spec's file name).
    pub name: String,
    /// How many operations were exercised.
    pub checked: usize,
    /// How many response bodies were validated against a schema.
    pub validated: usize,
    /// Every non-conforming response.
    pub failures: Vec<Failure>,
}

impl Report {
    /// Whether every response conformed.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} operations checked ({} bodies schema-validated), {} failed",
            self.name,
            self.checked,
            self.validated,
            self.failures.len()
        )?;
        for failure in &self.failures {
            writeln!(
                f,
                "  {}\n    request: {}\n    reason:  {}",
                failure.operation, failure.request, failure.reason
            )?;
        }
        Ok(())
    }
}

/// Checks every operation of `model` against the mock at `base_url`
/// (scheme, host and port; the model's base path is added), sending
/// `secrets` for the operations' first security requirement.
pub fn check_all(
    spec: &LoadedSpec,
    model: &ApiModel,
    base_url: &str,
    secrets: &Secrets,
) -> Result<Report> {
    let validators = Validators::new(&spec.document)?;
    let client = client()?;
    let mut report = Report {
        name: spec.source.clone(),
        ..Report::default()
    };
    for operation in &model.operations {
        report.checked += 1;
        if let Err((request, reason)) = check_operation(
            &client,
            &validators,
            spec,
            model,
            operation,
            base_url,
            secrets,
        ) {
            report.failures.push(Failure {
                operation: operation.key.clone(),
                request,
                reason,
            });
        }
    }
    report.validated = validators.used();
    Ok(report)
}

/// The request the checker sends for `operation` of the mock at `base_url`,
/// with credentials from `secrets`, or none.
pub fn prepare_request(
    spec: &LoadedSpec,
    model: &ApiModel,
    operation: &Operation,
    base_url: &str,
    secrets: Option<&Secrets>,
) -> std::result::Result<PreparedRequest, String> {
    let base = format!("{}{}", base_url.trim_end_matches('/'), model.base_path);
    request::prepare(&base, operation, &spec.document, secrets)
}

fn check_operation(
    client: &reqwest::blocking::Client,
    validators: &Validators<'_>,
    spec: &LoadedSpec,
    model: &ApiModel,
    operation: &Operation,
    base_url: &str,
    secrets: &Secrets,
) -> std::result::Result<(), (String, String)> {
    let base = format!("{}{}", base_url.trim_end_matches('/'), model.base_path);
    let prepared =
        request::prepare(&base, operation, &spec.document, Some(secrets)).map_err(|reason| {
            (
                format!("{} {}{}", operation.method, base, operation.path),
                reason,
            )
        })?;
    let shown = prepared.to_string();
    let received = prepared
        .send(client)
        .map_err(|reason| (shown.clone(), reason))?;
    let raw_op = spec
        .document
        .pointer(&format!(
            "/paths/{}/{}",
            escape(&operation.path),
            operation.method.to_ascii_lowercase()
        ))
        .ok_or_else(|| {
            (
                shown.clone(),
                "operation not found in the spec's document".to_owned(),
            )
        })?;
    let reasons = response::check(validators, operation, raw_op, &received);
    if reasons.is_empty() {
        Ok(())
    } else {
        Err((
            shown,
            format!("{}\n    response: {}", reasons.join("; "), received),
        ))
    }
}

fn client() -> Result<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(Error::Client)
}

/// Checks that `GET /health` answers 200 with a JSON body.
pub fn check_health(base_url: &str) -> std::result::Result<Value, String> {
    get_json(&format!("{}/health", base_url.trim_end_matches('/')))
}

/// Checks that `GET /openapi.json` serves the description as written
/// (`LoadedSpec::original`), not FastAPI's own.
pub fn check_openapi_json(spec: &LoadedSpec, base_url: &str) -> std::result::Result<(), String> {
    let served = get_json(&format!("{}/openapi.json", base_url.trim_end_matches('/')))?;
    if served == spec.original {
        return Ok(());
    }
    let key = |doc: &Value, key: &str| doc.get(key).cloned().unwrap_or(Value::Null);
    Err(format!(
        "/openapi.json differs from the original description (served openapi/swagger {}/{}, \
         title {}; expected {}/{}, title {})",
        key(&served, "openapi"),
        key(&served, "swagger"),
        served.pointer("/info/title").unwrap_or(&Value::Null),
        key(&spec.original, "openapi"),
        key(&spec.original, "swagger"),
        spec.original.pointer("/info/title").unwrap_or(&Value::Null),
    ))
}

fn get_json(url: &str) -> std::result::Result<Value, String> {
    let client = client().map_err(|err| err.to_string())?;
    let response = client
        .get(url)
        .send()
        .map_err(|err| format!("GET {url}: {err}"))?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response
        .bytes()
        .map_err(|err| format!("GET {url}: {err}"))?;
    if !status.is_success() {
        return Err(format!("GET {url} answered {status}"));
    }
    if !content_type.starts_with("application/json") {
        return Err(format!(
            "GET {url}: Content-Type is {content_type:?}, not JSON"
        ));
    }
    serde_json::from_slice(&body).map_err(|err| format!("GET {url}: body is not JSON: {err}"))
}

/// Escapes one JSON Pointer token.
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
