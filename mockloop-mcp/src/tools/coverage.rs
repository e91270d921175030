//! `mock_coverage`: what a client under test has exercised, from a mock's
//! request log.
use std::path::{Path, PathBuf};

use mockloop_runtime::{AdminClient, Coverage, CoverageOptions, Error, ToolInput, coverage};
use rmcp::model::{CallToolResult, JsonObject};
use serde::Deserialize;

use super::{ToolResult, blocking, finish, parse, success};
use crate::error::{argument_error, runtime_error};

/// Report what a client has exercised through a mock: operations called and never called, documented statuses never received, parameters and body fields never sent, requests refused with 422; with scenarios ready for manage_mock_data.
#[derive(Debug, ToolInput, Deserialize)]
pub struct MockCoverageInput {
    /// The mock's folder (the one with mockloop.json); or give server_url.
    pub mock_dir: Option<String>,
    /// A running mock's URL (its folder is found through its admin API).
    pub server_url: Option<String>,
    /// Only the requests of this X-Session-Id.
    pub session_id: Option<String>,
    /// Only requests at or after this ISO 8601 time.
    pub time_from: Option<String>,
    /// Only requests at or before this ISO 8601 time.
    pub time_to: Option<String>,
}

/// The folder of the mock at `server_url` (its log written out first).
pub async fn folder_of(server_url: &str) -> mockloop_runtime::Result<PathBuf> {
    let client = AdminClient::new(server_url)?;
    // A search flushes the mock's log writer.
    client
        .call("GET", "logs/search", &[("limit", "1".to_owned())], None)
        .await?;
    let info = client.call("GET", "info", &[], None).await?;
    let database = info
        .pointer("/database/path")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    Path::new(database)
        .parent()
        .and_then(Path::parent)
        .filter(|dir| dir.join("mock_data/validation.json").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::InvalidArgument {
            name: "server_url".to_owned(),
            reason: format!(
                "the mock's database {database:?} is not inside its folder (MOCKLOOP_DB_PATH); pass mock_dir"
            ),
        })
}

/// Reports the coverage.
pub async fn run(arguments: JsonObject) -> CallToolResult {
    finish(report(arguments).await)
}

async fn report(arguments: JsonObject) -> ToolResult<CallToolResult> {
    let input: MockCoverageInput = parse(arguments)?;
    let dir = match (&input.mock_dir, &input.server_url) {
        (Some(dir), None) if !dir.is_empty() => PathBuf::from(dir),
        (None, Some(url)) if !url.is_empty() => {
            folder_of(url).await.map_err(|err| runtime_error(&err))?
        }
        _ => return Err(argument_error("give exactly one of mock_dir or server_url")),
    };
    let options = CoverageOptions {
        session_id: input.session_id,
        time_from: input.time_from,
        time_to: input.time_to,
    };
    let found: Coverage = blocking(move || coverage(&dir, &options)).await?;
    let untested: usize = found
        .operations
        .iter()
        .map(|o| o.documented_never_seen.len())
        .sum();
    let text = format!(
        "{} requests called {} of {} operations; {} documented responses never received; {} kinds of 422. {}",
        found.requests,
        found.operations_called,
        found.operations_total,
        untested,
        found.refused.len(),
        found.suggestions.first().cloned().unwrap_or_default()
    );
    Ok(success(text, &found))
}
