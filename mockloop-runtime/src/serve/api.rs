//! Answering a request to one of the API's operations, as
//! `mockloop_mock/responses.py` does. The first of these that applies
//! decides: the store (stateful mode), the `Prefer` header, the endpoint's
//! override, the active scenario's entry, the documented default. A request
//! without the credentials it needs gets 401, an invalid one 422, first.
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::catalog::Op;
use super::engine::Mock;
use super::request::Incoming;
use super::respond::Reply;
use super::storage::{self, Outcome};
use super::validate::{problem_response, request_violations};
use crate::synth::Synthesizer;

/// What a client asked for in `Prefer`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Preference {
    code: Option<u16>,
    example: Option<String>,
    dynamic: bool,
}

/// The `name=value` pairs of a `Prefer` header, separated by `,` or `;`;
/// a value may be a quoted string with backslash escapes (RFC 9110), so
/// an example's name can hold spaces, commas and quotes.
fn prefer_pairs(header: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let (mut name, mut value) = (String::new(), String::new());
    let (mut in_value, mut quoted, mut escaped) = (false, false, false);
    for c in header.chars() {
        if quoted {
            match c {
                _ if escaped => {
                    value.push(c);
                    escaped = false;
                }
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => value.push(c),
            }
            continue;
        }
        match c {
            ',' | ';' => {
                pairs.push((name.trim().to_lowercase(), value.trim().to_owned()));
                name.clear();
                value.clear();
                in_value = false;
            }
            '=' if !in_value => in_value = true,
            '"' if in_value && value.trim().is_empty() => quoted = true,
            _ if in_value => value.push(c),
            _ => name.push(c),
        }
    }
    pairs.push((name.trim().to_lowercase(), value.trim().to_owned()));
    pairs
}

fn parse_prefer(header: Option<&str>) -> Option<Preference> {
    let header = header.filter(|h| !h.is_empty())?;
    let values: std::collections::HashMap<String, String> =
        prefer_pairs(header).into_iter().collect();
    let code = values
        .get("code")
        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|c| (100..=599).contains(c));
    let preference = Preference {
        code,
        example: values.get("example").filter(|e| !e.is_empty()).cloned(),
        dynamic: values
            .get("dynamic")
            .is_some_and(|d| d.to_lowercase() == "true"),
    };
    (preference != Preference::default()).then_some(preference)
}

/// The response to a request for operation `index`.
pub(crate) async fn answer(mock: &Arc<Mock>, request: &Incoming, index: usize) -> Reply {
    let op = &mock.catalog.ops[index];
    if let Some(denied) = mock.auth.check(request, &op.key) {
        return denied;
    }
    if mock.settings.validation {
        let violations = request_violations(&mock.schemas, request, op);
        if !violations.is_empty() {
            return problem_response(&violations);
        }
    }
    if mock.storage_active()
        && mock.collections.handles(&op.path)
        && let Some(outcome) = stored(mock, request, index).await
    {
        return stored_response(op, outcome);
    }
    if let Some(preference) = parse_prefer(request.header("prefer")) {
        return preferred_response(mock, op, &preference);
    }
    let configured = mock
        .state
        .override_of(&op.key)
        .or_else(|| mock.state.scenario_behaviour(&op.key));
    if let Some(config) = configured {
        return configured_response(op, &config).await;
    }
    match op.default_response() {
        Some((_, entry)) => Reply::documented(entry),
        None => Reply::empty(200),
    }
}

async fn stored(mock: &Arc<Mock>, request: &Incoming, index: usize) -> Option<Outcome> {
    let op = &mock.catalog.ops[index];
    let body = if ["POST", "PUT", "PATCH"].contains(&op.method.as_str()) {
        let raw: &[u8] = if request.body.is_empty() {
            b"null"
        } else {
            &request.body
        };
        Some(serde_json::from_slice::<Value>(raw).ok()?)
    } else {
        None
    };
    let last = request.last_segment();
    let mock = Arc::clone(mock);
    tokio::task::spawn_blocking(move || {
        let op = &mock.catalog.ops[index];
        let default = match op.default_response() {
            Some((_, entry)) => storage::Default {
                status: entry.status_code,
                example: Some(entry.body.clone()).filter(|body| !body.is_null()),
                has_body: entry.media_type.is_some(),
            },
            None => storage::Default {
                status: 200,
                example: None,
                has_body: false,
            },
        };
        let db = mock.state.db();
        storage::handle(
            &db,
            &mock.collections,
            &op.method,
            &op.path,
            &last,
            body,
            &default,
        )
        .map_err(|err| tracing::error!("stateful storage failed: {err}"))
        .ok()
        .flatten()
    })
    .await
    .ok()
    .flatten()
}

fn stored_response(op: &Op, outcome: Outcome) -> Reply {
    if outcome.status == 404 {
        if let Some((status, entry)) = op.documented(404)
            && status != "default"
        {
            return Reply::documented(entry);
        }
        return Reply::json_as(
            404,
            &json!({
                "type": "about:blank",
                "title": "Not Found",
                "status": 404,
                "detail": "no stored item with this id",
            }),
            "application/problem+json",
        );
    }
    match outcome.body {
        None => Reply::empty(outcome.status),
        Some(body) => Reply::json(outcome.status, &body),
    }
}

fn preferred_response(mock: &Mock, op: &Op, preference: &Preference) -> Reply {
    let (status, entry, status_code) = if let Some(code) = preference.code {
        match op.documented(code) {
            None => return Reply::empty(code),
            Some((status, entry)) => (status, entry, code),
        }
    } else if let Some((status, entry)) = preference
        .example
        .as_deref()
        .and_then(|name| op.with_example(name))
        .or_else(|| op.default_response())
    {
        (status, entry, entry.status_code)
    } else {
        return Reply::empty(200);
    };
    let mut body = &entry.body;
    let fresh;
    if let Some(example) = preference
        .example
        .as_deref()
        .and_then(|name| entry.examples.get(name))
    {
        body = example;
    } else if preference.dynamic
        && entry.media_type.is_some()
        && let Some(schema) = op.response_schemas.get(status)
    {
        let mut synthesizer = Synthesizer::new(&mock.catalog.raw_document);
        if let Some(value) = synthesizer.fresh_value(schema, rand::random()) {
            fresh = value;
            body = &fresh;
        }
    }
    Reply::entry(
        status_code,
        entry.media_type.as_deref(),
        body,
        entry.headers.clone(),
    )
}

async fn configured_response(op: &Op, config: &Value) -> Reply {
    if let Some(delay) = config
        .get("delay_ms")
        .and_then(Value::as_f64)
        .filter(|d| *d > 0.0)
    {
        tokio::time::sleep(Duration::from_secs_f64(delay / 1000.0)).await;
    }
    if let Some(rate) = config
        .get("error_rate")
        .and_then(Value::as_f64)
        .filter(|r| *r > 0.0)
        && rand::random::<f64>() < rate
    {
        return fault_response(op);
    }
    let code = config
        .get("status_code")
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok());
    let found = match code {
        Some(code) => op.documented(code),
        None => op.default_response(),
    };
    let (mut status_code, mut media_type, mut body, mut headers) =
        (code.unwrap_or(200), None, Value::Null, Vec::new());
    if let Some((_, entry)) = found {
        status_code = code.unwrap_or(entry.status_code);
        media_type = entry.media_type.clone();
        body = entry.body.clone();
        headers = entry.headers.clone();
    }
    if let Some(configured) = config.get("body") {
        body = configured.clone();
        media_type = media_type.or_else(|| Some("application/json".to_owned()));
    }
    if let Some(extra) = config.get("headers").and_then(Value::as_object) {
        for (name, value) in extra {
            let value = value.as_str().unwrap_or_default().to_owned();
            match headers.iter_mut().find(|(n, _)| n == name) {
                Some(existing) => existing.1 = value,
                None => headers.push((name.clone(), value)),
            }
        }
    }
    Reply::entry(status_code, media_type.as_deref(), &body, headers)
}

fn fault_response(op: &Op) -> Reply {
    match op.responses.values().find(|entry| entry.status_code >= 500) {
        Some(entry) => Reply::documented(entry),
        None => Reply::json(
            500,
            &json!({"error": "fault injected by mockloop", "status": 500}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefer_header() {
        assert_eq!(
            parse_prefer(Some("code=404")).and_then(|p| p.code),
            Some(404)
        );
        let quoted = parse_prefer(Some(r#"example="a \"b\", c; d", code=404"#));
        assert_eq!(
            quoted.as_ref().and_then(|p| p.example.as_deref()),
            Some(r#"a "b", c; d"#)
        );
        assert_eq!(quoted.and_then(|p| p.code), Some(404));
        let both = parse_prefer(Some("code=200; example=\"cat\""));
        assert_eq!(both.and_then(|p| p.example).as_deref(), Some("cat"));
        assert!(parse_prefer(Some("dynamic=true")).is_some_and(|p| p.dynamic));
        assert!(parse_prefer(Some("respond-async")).is_none());
        assert!(parse_prefer(Some("code=99")).is_none());
    }
}
