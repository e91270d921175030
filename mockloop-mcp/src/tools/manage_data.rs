//! `manage_mock_data`: change a running mock's responses and scenarios
//! through its admin API.
use std::collections::BTreeMap;

use mockloop_runtime::{AdminClient, ToolInput};
use rmcp::model::{CallToolResult, JsonObject};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{ToolResult, finish, parse, success};
use crate::error::{argument_error, runtime_error};

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToolInput, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Override one endpoint's response (endpoint_path and method; response_data, status_code, headers, delay_ms).
    UpdateResponse,
    /// Create a scenario (scenario_name; scenario_config maps "METHOD /path" to a behaviour).
    CreateScenario,
    /// Make a scenario active (scenario_name).
    SwitchScenario,
    /// List the scenarios, the active one and the overrides.
    ListScenarios,
    /// Delete a scenario (scenario_name).
    DeleteScenario,
    /// Clear overrides (one with endpoint_path and method, else all) and deactivate the scenario.
    Reset,
}

/// Change a running mock's responses live: override an endpoint, create, switch, list or delete scenarios, or reset.
#[derive(Debug, ToolInput, Deserialize)]
pub struct ManageMockDataInput {
    /// The running mock's URL, e.g. http://127.0.0.1:8000.
    pub server_url: String,
    /// The change to make: update_response (endpoint_path, method, then response_data, status_code, headers, delay_ms); create_scenario (scenario_name, scenario_config); switch_scenario, delete_scenario (scenario_name); list_scenarios; reset (every override, or the one of endpoint_path and method; also deactivates the scenario).
    pub operation: Operation,
    /// The spec's path template of the endpoint, e.g. /pets/{petId}.
    pub endpoint_path: Option<String>,
    /// On a GraphQL mock, the schema coordinate to change instead of an endpoint, e.g. Query.user or User.email: update_response serves response_data (the field's value, null included), errors, delay_ms; reset clears it. Scenario entries take coordinates as keys too.
    pub coordinate: Option<String>,
    /// On a GraphQL mock, the errors the coordinate answers: [{"message": .., "extensions": {..}}].
    pub errors: Option<Vec<Value>>,
    /// The endpoint's HTTP method.
    #[tool_input(default = "GET")]
    pub method: String,
    /// The response body to serve (any JSON).
    pub response_data: Option<Value>,
    /// The response status to serve.
    #[tool_input(minimum = 100, maximum = 599)]
    pub status_code: Option<u16>,
    /// Response headers to add.
    pub headers: Option<BTreeMap<String, String>>,
    /// Delay before answering, in milliseconds.
    #[tool_input(minimum = 0, maximum = 120000)]
    pub delay_ms: Option<u64>,
    /// The scenario's name.
    pub scenario_name: Option<String>,
    /// The scenario: {"METHOD /path": {status_code, body, headers, delay_ms, error_rate}}, or {"description": .., "endpoints": {..}}.
    pub scenario_config: Option<Map<String, Value>>,
}

/// What changed.
#[derive(Debug, ToolInput, Serialize, Deserialize)]
pub struct ManageMockDataOutput {
    /// The operation done.
    pub operation: Operation,
    /// The mock's URL.
    pub server_url: String,
    /// What changed, in words.
    pub changed: String,
    /// The active scenario afterwards, if one is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_scenario: Option<String>,
    /// The mock's answer(s).
    pub result: Value,
}

/// Applies the change.
pub async fn run(arguments: JsonObject) -> CallToolResult {
    finish(manage(arguments).await)
}

async fn manage(arguments: JsonObject) -> ToolResult<CallToolResult> {
    let input: ManageMockDataInput = parse(arguments)?;
    let client = AdminClient::new(&input.server_url).map_err(|err| runtime_error(&err))?;
    let call = |method: &'static str,
                path: String,
                query: Vec<(&'static str, String)>,
                body: Option<Value>| {
        let client = client.clone();
        async move {
            client
                .call(method, &path, &query, body.as_ref())
                .await
                .map_err(|err| runtime_error(&err))
        }
    };
    let method = input.method.trim().to_ascii_uppercase();
    let (changed, result) = match input.operation {
        Operation::UpdateResponse if input.coordinate.is_some() => {
            let coordinate = required(&input.coordinate, "coordinate", "update_response")?;
            let mut body = json!({"coordinate": coordinate});
            if let Some(data) = &input.response_data {
                body["data"] = data.clone();
            }
            if let Some(errors) = &input.errors {
                body["errors"] = json!(errors);
            }
            if let Some(delay) = input.delay_ms {
                body["delay_ms"] = json!(delay);
            }
            let result = call("POST", "mock-data/responses".into(), vec![], Some(body)).await?;
            (
                format!("{coordinate} now answers with the override"),
                result,
            )
        }
        Operation::UpdateResponse => {
            let path = required(&input.endpoint_path, "endpoint_path", "update_response")?;
            let mut body = json!({"method": method, "path": path});
            if let Some(data) = &input.response_data {
                body["body"] = data.clone();
            }
            if let Some(status) = input.status_code {
                body["status_code"] = json!(status);
            }
            if let Some(headers) = &input.headers {
                body["headers"] = json!(headers);
            }
            if let Some(delay) = input.delay_ms {
                body["delay_ms"] = json!(delay);
            }
            let result = call("POST", "mock-data/responses".into(), vec![], Some(body)).await?;
            (
                format!("{method} {path} now answers with the override"),
                result,
            )
        }
        Operation::CreateScenario => {
            let name = required(&input.scenario_name, "scenario_name", "create_scenario")?;
            let config = input.scenario_config.clone().unwrap_or_default();
            let body = if config.contains_key("endpoints") {
                let mut body = config;
                body.insert("name".into(), json!(name));
                Value::Object(body)
            } else {
                json!({"name": name, "endpoints": config})
            };
            let result = call("POST", "mock-data/scenarios".into(), vec![], Some(body)).await?;
            let count = result
                .get("endpoints")
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            (
                format!(
                    "created scenario {name:?} with {count} endpoints (not active yet; switch_scenario activates it)"
                ),
                result,
            )
        }
        Operation::SwitchScenario => {
            let name = required(&input.scenario_name, "scenario_name", "switch_scenario")?;
            let path = format!("mock-data/scenarios/{}/activate", encode(&name));
            let result = call("POST", path, vec![], None).await?;
            (
                format!("scenario {name:?} is now active; it applies from the next request"),
                result,
            )
        }
        Operation::ListScenarios => {
            let scenarios = call("GET", "mock-data/scenarios".into(), vec![], None).await?;
            let overrides = call("GET", "mock-data/responses".into(), vec![], None).await?;
            let count = scenarios
                .get("scenarios")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let result = json!({
                "scenarios": scenarios.get("scenarios").cloned().unwrap_or(json!([])),
                "active": scenarios.get("active").cloned().unwrap_or(Value::Null),
                "overrides": overrides.get("overrides").cloned().unwrap_or(json!([])),
            });
            (format!("nothing changed; {count} scenarios"), result)
        }
        Operation::DeleteScenario => {
            let name = required(&input.scenario_name, "scenario_name", "delete_scenario")?;
            let path = format!("mock-data/scenarios/{}", encode(&name));
            let result = call("DELETE", path, vec![], None).await?;
            (format!("deleted scenario {name:?}"), result)
        }
        Operation::Reset => {
            let query = match (&input.coordinate, &input.endpoint_path) {
                (Some(coordinate), _) => vec![("coordinate", coordinate.clone())],
                (None, Some(path)) => vec![("method", method.clone()), ("path", path.clone())],
                (None, None) => vec![],
            };
            let cleared = call("DELETE", "mock-data/responses".into(), query, None).await?;
            let deactivated = call(
                "POST",
                "mock-data/scenarios/deactivate".into(),
                vec![],
                None,
            )
            .await?;
            let count = cleared.get("cleared").and_then(Value::as_u64).unwrap_or(0);
            let previous = deactivated
                .get("deactivated")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let changed = format!(
                "cleared {count} overrides; {}",
                previous.map_or("no scenario was active".to_owned(), |p| format!(
                    "deactivated scenario {p:?}"
                ))
            );
            (
                changed,
                json!({"cleared": cleared, "deactivated": deactivated}),
            )
        }
    };
    let active = call("GET", "mock-data/scenarios/active".into(), vec![], None)
        .await
        .ok()
        .and_then(|v| v.get("active").and_then(Value::as_str).map(str::to_owned));
    let output = ManageMockDataOutput {
        operation: input.operation,
        server_url: client.base_url().to_owned(),
        changed: changed.clone(),
        active_scenario: active,
        result,
    };
    Ok(success(
        format!("{}: {changed}.", client.base_url()),
        &output,
    ))
}

fn required(value: &Option<String>, name: &str, operation: &str) -> ToolResult<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| argument_error(&format!("{operation} needs {name}")))
}

/// Percent-encodes a path segment.
fn encode(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
