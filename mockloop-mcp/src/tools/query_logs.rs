//! `query_mock_logs`: a mock's request log, filtered, with an analysis.
use std::path::PathBuf;

use mockloop_runtime::{AdminClient, LogFilter, LogStore, Report, RequestLog, ToolInput, analyze};
use rmcp::model::{CallToolResult, JsonObject};
use serde::{Deserialize, Serialize};

use super::{ToolResult, blocking, finish, parse, success};
use crate::error::{argument_error, runtime_error};

/// At most this many rows are fetched over HTTP for an analysis.
const HTTP_ANALYSIS_CAP: u64 = 200_000;

/// Read a mock's request log (newest first) and analyse it: from a running mock's admin API (server_url) or directly from its SQLite file (mock_dir).
#[derive(Debug, ToolInput, Deserialize)]
pub struct QueryMockLogsInput {
    /// The running mock's URL, e.g. http://127.0.0.1:8000 (give this or mock_dir).
    pub server_url: Option<String>,
    /// The mock's folder (with db/request_logs.db) or the .db file itself (give this or server_url).
    pub mock_dir: Option<String>,
    /// At most this many requests in `logs`.
    #[tool_input(default = 100, minimum = 1, maximum = 10000)]
    pub limit: u32,
    /// Skip this many matching requests first.
    #[tool_input(default = 0)]
    pub offset: u64,
    /// Only this HTTP method (any case).
    pub method: Option<String>,
    /// Only paths in which this regular expression matches, e.g. ^/pets/\d+$.
    pub path_pattern: Option<String>,
    /// Only this response status.
    #[tool_input(minimum = 100, maximum = 599)]
    pub status_code: Option<u16>,
    /// Only requests at or after this ISO 8601 time (no zone means UTC).
    pub time_from: Option<String>,
    /// Only requests at or before this ISO 8601 time (no zone means UTC).
    pub time_to: Option<String>,
    /// Only requests that sent this X-Session-Id header.
    pub session_id: Option<String>,
    /// Also include the mock's admin API requests.
    #[tool_input(default = false)]
    pub include_admin: bool,
    /// Also analyse every matching request (not only this page): totals, errors, latency percentiles, endpoints, traffic, insights.
    #[tool_input(default = true)]
    pub analyze: bool,
}

/// The requests and their analysis.
#[derive(Debug, ToolInput, Serialize, Deserialize)]
pub struct QueryMockLogsOutput {
    /// Where the log was read: the server URL or the database file.
    pub source: String,
    /// This page of matching requests, newest first.
    pub logs: Vec<RequestLog>,
    /// How many requests match, over all pages.
    pub total_count: u64,
    /// The page size.
    pub limit: u32,
    /// Requests skipped before this page.
    pub offset: u64,
    /// The analysis of every matching request (when analyze is true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Report>,
    /// True when more requests matched than were fetched for the analysis.
    #[serde(default)]
    pub analysis_truncated: bool,
}

/// Reads and analyses the log.
pub async fn run(arguments: JsonObject) -> CallToolResult {
    finish(query(arguments).await)
}

async fn query(arguments: JsonObject) -> ToolResult<CallToolResult> {
    let input: QueryMockLogsInput = parse(arguments)?;
    let page_filter = LogFilter {
        method: input.method.clone(),
        path_pattern: input.path_pattern.clone(),
        status_code: input.status_code,
        time_from: input.time_from.clone(),
        time_to: input.time_to.clone(),
        session_id: input.session_id.clone(),
        include_admin: input.include_admin,
        limit: Some(input.limit),
        offset: input.offset,
    };
    let all = LogFilter {
        limit: None,
        offset: 0,
        ..page_filter.clone()
    };
    let server_url = input.server_url.as_deref().filter(|s| !s.trim().is_empty());
    let mock_dir = input.mock_dir.as_deref().filter(|s| !s.trim().is_empty());
    let output = match (server_url, mock_dir) {
        (Some(url), None) => {
            let client = AdminClient::new(url).map_err(|err| runtime_error(&err))?;
            let page = client
                .search_logs(&page_filter)
                .await
                .map_err(|err| runtime_error(&err))?;
            let (analysis, truncated) = if input.analyze {
                let (rows, truncated) = client
                    .all_logs(&all, HTTP_ANALYSIS_CAP)
                    .await
                    .map_err(|err| runtime_error(&err))?;
                (Some(analyze(&rows)), truncated)
            } else {
                (None, false)
            };
            QueryMockLogsOutput {
                source: client.base_url().to_owned(),
                total_count: page.total_count,
                logs: page.logs,
                limit: input.limit,
                offset: input.offset,
                analysis,
                analysis_truncated: truncated,
            }
        }
        (None, Some(dir)) => {
            let dir = PathBuf::from(dir);
            let wants_analysis = input.analyze;
            let (source, page, analysis) = blocking(move || {
                let store = LogStore::open(&dir)?;
                let page = store.search(&page_filter)?;
                let analysis = wants_analysis.then(|| store.analyze(&all)).transpose()?;
                Ok((store.path().display().to_string(), page, analysis))
            })
            .await?;
            QueryMockLogsOutput {
                source,
                total_count: page.total_count,
                logs: page.logs,
                limit: input.limit,
                offset: input.offset,
                analysis,
                analysis_truncated: false,
            }
        }
        _ => {
            return Err(argument_error(
                "give exactly one of server_url (a running mock) and mock_dir (its folder)",
            ));
        }
    };
    Ok(success(summary(&output), &output))
}

fn summary(output: &QueryMockLogsOutput) -> String {
    let mut text = format!(
        "{} matching requests in {}; showing {} from offset {}.",
        output.total_count,
        output.source,
        output.logs.len(),
        output.offset
    );
    if let Some(report) = &output.analysis {
        text.push_str(&format!(
            " Error rate {:.1}%, latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms.",
            report.error_rate * 100.0,
            report.latency_ms.p50,
            report.latency_ms.p95,
            report.latency_ms.p99
        ));
        for line in report.insights.iter().chain(&report.recommendations) {
            text.push_str("\n- ");
            text.push_str(line);
        }
    }
    text
}
