//! The admin API under `/admin/api`, the admin UI's page, `/health`,
//! `/openapi.json`, `/docs` and `/token`: the same paths and JSON as the
//! FastAPI mock's (`mockloop_mock/admin.py`, `webhook_routes.py`,
//! `storage.py`). Bad input is answered with a 4xx and `{"error": ...}`.
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::behaviour::{InputError, endpoint_key, repr, validate, validate_scenario};
use super::engine::Mock;
use super::request::Incoming;
use super::respond::Reply;
use super::router::Own;
use crate::graphql::behaviour as graphql_behaviour;
use crate::logs::{LogFilter, LogStore, MAX_LIMIT, RequestLog, database_schema_version};

const MAX_BODY: usize = 1_000_000;
const KNOWN: [&str; 9] = [
    "method",
    "path_pattern",
    "status_code",
    "time_from",
    "time_to",
    "session_id",
    "include_admin",
    "limit",
    "offset",
];

fn json_body(request: &Incoming) -> Result<Value, InputError> {
    if request.body.len() > MAX_BODY {
        return Err(InputError::status(413, "the body is too large"));
    }
    serde_json::from_slice(&request.body)
        .map_err(|err| InputError::new(format!("the body is not valid JSON: {err}")))
}

fn int(name: &str, text: &str, low: i64, high: i64) -> Result<i64, InputError> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| InputError::new(format!("{name}: expected an integer, got {}", repr(text))))?;
    if !(low..=high).contains(&value) {
        return Err(InputError::new(format!(
            "{name}: expected {low}-{high}, got {value}"
        )));
    }
    Ok(value)
}

/// Reads and checks the log filters of a query string.
fn log_filter(request: &Incoming, default_limit: Option<u32>) -> Result<LogFilter, InputError> {
    let mut query: Map<String, Value> = Map::new();
    for (key, value) in &request.query {
        query.insert(key.clone(), Value::String(value.clone()));
    }
    let mut unknown: Vec<&str> = query
        .keys()
        .map(String::as_str)
        .filter(|k| !KNOWN.contains(k))
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        let mut known = KNOWN.to_vec();
        known.sort_unstable();
        let list = |items: &[&str]| items.iter().map(|i| repr(i)).collect::<Vec<_>>().join(", ");
        return Err(InputError::new(format!(
            "unknown parameters [{}]; known: [{}]",
            list(&unknown),
            list(&known)
        )));
    }
    let text = |name: &str| {
        query
            .get(name)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
    };
    let mut filter = LogFilter {
        limit: default_limit,
        ..LogFilter::default()
    };
    filter.method = text("method").map(|m| m.trim().to_uppercase());
    filter.path_pattern = text("path_pattern").map(str::to_owned);
    if let Some(status) = text("status_code") {
        filter.status_code = Some(int("status_code", status, 100, 599)? as u16);
    }
    filter.time_from = text("time_from").map(str::to_owned);
    filter.time_to = text("time_to").map(str::to_owned);
    filter.session_id = text("session_id").map(str::to_owned);
    if let Some(flag) = query.get("include_admin").and_then(Value::as_str) {
        filter.include_admin = match flag.trim().to_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" | "" => false,
            _ => {
                return Err(InputError::new(format!(
                    "include_admin: expected true or false, got {}",
                    repr(flag)
                )));
            }
        };
    }
    if let Some(limit) = text("limit") {
        filter.limit = Some(int("limit", limit, 1, i64::from(MAX_LIMIT))? as u32);
    }
    if let Some(offset) = text("offset") {
        filter.offset = int("offset", offset, 0, 1 << 62)? as u64;
    }
    Ok(filter)
}

fn log_row(row: RequestLog) -> Value {
    json!({
        "id": row.id,
        "timestamp": row.timestamp,
        "method": row.method,
        "path": row.path,
        "query_params": row.query_params,
        "status_code": row.status_code,
        "process_time_ms": row.process_time_ms,
        "client_host": row.client_host,
        "headers": row.headers,
        "request_body": row.request_body,
        "response_body": row.response_body,
        "response_size": row.response_size,
        "user_agent": row.user_agent,
        "session_id": row.session_id,
        "correlation_id": row.correlation_id,
        "test_scenario": row.test_scenario,
        "is_admin": row.is_admin,
        "operation_key": row.operation_key,
    })
}

fn store_error(err: &crate::error::Error) -> InputError {
    match err {
        crate::error::Error::InvalidArgument { .. } => InputError::new(err.to_string()),
        other => InputError::status(500, crate::error::error_chain(other)),
    }
}

async fn read_logs(
    mock: &Arc<Mock>,
    request: &Incoming,
    analyze: bool,
) -> Result<Value, InputError> {
    let filter = log_filter(request, if analyze { None } else { Some(100) })?;
    if let Some(log) = &mock.log {
        log.flush().await;
    }
    let path = mock.settings.db_path.clone();
    let outcome = tokio::task::spawn_blocking(move || -> Result<Value, InputError> {
        let store = LogStore::open(&path).map_err(|e| store_error(&e))?;
        if analyze {
            let report = store.analyze(&filter).map_err(|e| store_error(&e))?;
            let mut value = serde_json::to_value(report).unwrap_or_default();
            if let Some(range) = value.get_mut("time_range").and_then(Value::as_object_mut) {
                range.entry("first").or_insert(Value::Null);
                range.entry("last").or_insert(Value::Null);
            }
            return Ok(value);
        }
        let page = store.search(&filter).map_err(|e| store_error(&e))?;
        Ok(json!({
            "logs": page.logs.into_iter().map(log_row).collect::<Vec<_>>(),
            "total_count": page.total_count,
            "limit": page.limit,
            "offset": page.offset,
        }))
    })
    .await;
    outcome.unwrap_or_else(|err| Err(InputError::status(500, err.to_string())))
}

fn param(request: &Incoming, name: &str) -> String {
    request.path_param(&[name]).unwrap_or_default()
}

fn webhook_id(request: &Incoming) -> Result<i64, Reply> {
    let raw = param(request, "webhook_id");
    raw.parse::<i64>().map_err(|_| {
        super::validate::problem_response(&[super::validate::Violation {
            location: "path.webhook_id".to_owned(),
            message: "Input should be a valid integer, unable to parse string as an integer"
                .to_owned(),
        }])
    })
}

fn storage_status(mock: &Mock) -> Value {
    let db = mock.state.db();
    json!({
        "active": mock.storage_active(),
        "env": mock.settings.storage_env,
        "switched_on": mock.state.storage_on(),
        "collections": mock.collections.counts(&db),
    })
}

fn info(mock: &Mock) -> Value {
    let mut features = mock
        .manifest
        .get("features")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    features.insert("request_log".to_owned(), json!(mock.settings.request_log));
    features.insert("validation".to_owned(), json!(mock.settings.validation));
    let log = mock.log.as_ref().map(|log| {
        use std::sync::atomic::Ordering::Relaxed;
        json!({
            "written": log.stats.written.load(Relaxed),
            "backpressure_waits": log.stats.waits.load(Relaxed),
            "write_failures": log.stats.failures.load(Relaxed),
        })
    });
    json!({
        "manifest": mock.manifest,
        "engine": "native",
        "features": features,
        "active_scenario": mock.state.active_name(),
        "overrides": mock.state.override_count(),
        "uptime_s": mock.started.elapsed().as_secs_f64(),
        "database": {
            "path": mock.settings.db_path.display().to_string(),
            "schema_version": database_schema_version(),
        },
        "request_log": log,
    })
}

/// Answers one of the mock's own endpoints.
pub(crate) async fn handle(mock: &Arc<Mock>, own: Own, request: &Incoming) -> Reply {
    match dispatch(mock, own, request).await {
        Ok(reply) => reply,
        Err(error) => Reply::error(error.status, &error.message),
    }
}

async fn dispatch(mock: &Arc<Mock>, own: Own, request: &Incoming) -> Result<Reply, InputError> {
    let state = &mock.state;
    let catalog = &mock.catalog;
    Ok(match own {
        Own::Health => Reply::bytes(200, "application/json", mock.health.clone()),
        Own::OpenApi => Reply::bytes(200, "application/json", mock.openapi.clone()),
        Own::Docs => Reply::bytes(200, "text/html", mock.docs.clone()),
        Own::AdminPage => Reply::bytes(200, "text/html", mock.admin_page.clone())
            .with_header("content-security-policy", mock.admin_csp.clone())
            .with_header("x-content-type-options", "nosniff")
            .with_header("referrer-policy", "no-referrer")
            .with_header("cache-control", "no-store"),
        Own::Token => mock.auth.token_endpoint(request),
        Own::LogsSearch => Reply::json(200, &read_logs(mock, request, false).await?),
        Own::LogsAnalyze => Reply::json(200, &read_logs(mock, request, true).await?),
        Own::ScenariosList => Reply::json(
            200,
            &json!({"scenarios": state.list_scenarios()?, "active": state.active_name()}),
        ),
        Own::ScenarioCreate => {
            let scenario =
                validate_scenario(catalog, mock.graphql.as_deref(), &json_body(request)?, None)?;
            Reply::json(201, &state.create_scenario(&scenario)?)
        }
        Own::ScenarioActive => {
            let name = state.active_name();
            let scenario = match &name {
                Some(name) => Some(state.get_scenario(name)?),
                None => None,
            };
            Reply::json(200, &json!({"active": name, "scenario": scenario}))
        }
        Own::ScenarioDeactivate => Reply::json(
            200,
            &json!({"active": null, "deactivated": state.deactivate()?}),
        ),
        Own::ScenarioGet => Reply::json(200, &state.get_scenario(&param(request, "name"))?),
        Own::ScenarioReplace => {
            let name = param(request, "name");
            let raw = json_body(request)?;
            if let Some(given) = raw.get("name")
                && given != &Value::String(name.clone())
            {
                return Err(InputError::new(
                    "the body's name differs from the one in the path",
                ));
            }
            let scenario = validate_scenario(catalog, mock.graphql.as_deref(), &raw, Some(&name))?;
            Reply::json(200, &state.replace_scenario(&scenario)?)
        }
        Own::ScenarioDelete => {
            let name = param(request, "name");
            state.delete_scenario(&name)?;
            Reply::json(200, &json!({"deleted": name}))
        }
        Own::ScenarioActivate => {
            let name = param(request, "name");
            let scenario = state.activate(&name)?;
            Reply::json(200, &json!({"active": name, "scenario": scenario}))
        }
        Own::OverridesList => Reply::json(200, &json!({"overrides": state.list_overrides()})),
        Own::OverrideSet => {
            let raw = json_body(request)?;
            if let (Some(world), Some(object)) = (&mock.graphql, raw.as_object())
                && object.contains_key("coordinate")
            {
                let key = graphql_behaviour::coordinate(world, &object["coordinate"])
                    .map_err(InputError::new)?;
                let rest: Map<String, Value> = object
                    .iter()
                    .filter(|(k, _)| k.as_str() != "coordinate")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let config = graphql_behaviour::validate(&Value::Object(rest), &key)
                    .map_err(InputError::new)?;
                return Ok(Reply::json(201, &state.set_override(&key, config)?));
            }
            let object = raw.as_object().ok_or_else(|| {
                InputError::new("expected a JSON object {method, path, status_code, ...}")
            })?;
            let (Some(Value::String(method)), Some(Value::String(path))) =
                (object.get("method"), object.get("path"))
            else {
                return Err(InputError::new(
                    "method and path (the spec's path template) are required",
                ));
            };
            let key = endpoint_key(catalog, &Value::String(format!("{method} {path}")))?;
            let rest: Map<String, Value> = object
                .iter()
                .filter(|(k, _)| k.as_str() != "method" && k.as_str() != "path")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let config = validate(&Value::Object(rest), &key)?;
            Reply::json(201, &state.set_override(&key, config)?)
        }
        Own::OverridesClear => {
            let (method, path) = (request.query_last("method"), request.query_last("path"));
            let coordinate = request.query_last("coordinate");
            let key = match (method, path) {
                (None, None) if coordinate.is_some() => {
                    let world = mock.graphql.as_ref().ok_or_else(|| {
                        InputError::new("coordinate: this mock is not a GraphQL mock")
                    })?;
                    let raw = Value::String(coordinate.unwrap_or_default().to_owned());
                    Some(graphql_behaviour::coordinate(world, &raw).map_err(InputError::new)?)
                }
                (None, None) => None,
                _ => Some(endpoint_key(
                    catalog,
                    &Value::String(format!(
                        "{} {}",
                        method.unwrap_or_default(),
                        path.unwrap_or_default()
                    )),
                )?),
            };
            Reply::json(
                200,
                &json!({"cleared": state.clear_overrides(key.as_deref())?}),
            )
        }
        Own::Info => Reply::json(200, &info(mock)),
        Own::WebhooksList => Reply::json(200, &json!({"webhooks": mock.webhooks.list(state)?})),
        Own::WebhookRegister => {
            Reply::json(201, &mock.webhooks.register(state, &json_body(request)?)?)
        }
        Own::WebhookEvents => {
            let listed: Map<String, Value> = mock
                .webhooks
                .events
                .iter()
                .map(|(name, event)| {
                    let pick = |k: &str| event.get(k).cloned().unwrap_or(Value::Null);
                    (
                        name.clone(),
                        json!({"kind": pick("kind"), "method": pick("method"), "operation": pick("operation")}),
                    )
                })
                .collect();
            Reply::json(200, &json!({"events": listed}))
        }
        Own::WebhookFire => {
            Reply::json(200, &mock.webhooks.fire(state, &json_body(request)?).await?)
        }
        Own::WebhookDelete => match webhook_id(request) {
            Err(reply) => reply,
            Ok(id) => {
                mock.webhooks.delete(state, id)?;
                Reply::empty(204)
            }
        },
        Own::WebhookTest => match webhook_id(request) {
            Err(reply) => reply,
            Ok(id) => Reply::json(200, &mock.webhooks.send_test(state, id).await?),
        },
        Own::WebhookDeliveries => match webhook_id(request) {
            Err(reply) => reply,
            Ok(id) => Reply::json(
                200,
                &json!({"deliveries": mock.webhooks.deliveries(state, id)?}),
            ),
        },
        Own::StorageShow => Reply::json(200, &storage_status(mock)),
        Own::StorageEnable => {
            state.switch_storage(true)?;
            Reply::json(200, &storage_status(mock))
        }
        Own::StorageDisable => {
            state.switch_storage(false)?;
            Reply::json(200, &storage_status(mock))
        }
        Own::StorageClear => {
            state
                .db()
                .execute("DELETE FROM stored_items", [])
                .map_err(|err| InputError::status(500, err.to_string()))?;
            Reply::json(200, &storage_status(mock))
        }
    })
}
