//! `verify_api`: a contract test of a real API (or a mock) against its
//! spec.
use std::time::Duration;

use mockloop_runtime::{ToolInput, VerifyOptions, VerifyReport, verify_api};
use rmcp::model::{CallToolResult, JsonObject};
use serde::Deserialize;

use super::{ToolResult, finish, parse, success};
use crate::error::{argument_error, runtime_error};

/// Check a real API (or a mock) against its spec with generated requests.
#[derive(Debug, ToolInput, Deserialize)]
pub struct VerifyApiInput {
    /// The API's base URL, e.g. https://api.example.com (a path in it replaces the spec's base path).
    pub base_url: String,
    /// The spec (file or URL) or a mock's folder.
    pub spec_url_or_path: String,
    /// Operations to check: `METHOD /path` or operationId (default: all).
    pub operations: Option<Vec<String>>,
    /// Headers sent with every request, e.g. credentials; Authorization replaces the mock's credentials.
    pub headers: Option<std::collections::BTreeMap<String, String>>,
    /// Valid requests per operation (default 3).
    #[tool_input(minimum = 1, maximum = 1000)]
    pub requests_per_operation: Option<u32>,
    /// Varies the generated values; the same seed sends the same requests (default 0).
    pub seed: Option<u64>,
    /// Only GET and HEAD requests, for live systems (default false).
    pub read_only: Option<bool>,
    /// Also send invalid requests, which must be refused with a 4xx (default false).
    pub negative: Option<bool>,
    /// Seconds one request may take (default 30).
    pub timeout_s: Option<f64>,
}

/// Runs the contract test.
pub async fn run(arguments: JsonObject) -> CallToolResult {
    finish(body(arguments).await)
}

async fn body(arguments: JsonObject) -> ToolResult<CallToolResult> {
    let input: VerifyApiInput = parse(arguments)?;
    let timeout = match input.timeout_s {
        None => Duration::from_secs(30),
        Some(secs) => Duration::try_from_secs_f64(secs)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| argument_error("timeout_s: give a number of seconds above 0"))?,
    };
    let options = VerifyOptions {
        url: input.base_url,
        spec: input.spec_url_or_path,
        operations: input.operations.unwrap_or_default(),
        headers: input.headers.unwrap_or_default().into_iter().collect(),
        requests_per_operation: input.requests_per_operation.unwrap_or(3),
        seed: input.seed.unwrap_or(0),
        read_only: input.read_only.unwrap_or(false),
        negative: input.negative.unwrap_or(false),
        credentials: true,
        timeout,
    };
    let report = verify_api(&options)
        .await
        .map_err(|err| runtime_error(&err))?;
    Ok(success(summary(&report), &report))
}

fn summary(report: &VerifyReport) -> String {
    let mut text = format!(
        "{} of {} operations passed, {} failed ({} requests).",
        report.operations_passed,
        report.operations_checked,
        report.operations_failed,
        report.requests_sent
    );
    for op in report.operations.iter().filter(|op| !op.passed).take(10) {
        if let Some(first) = op.failures.first() {
            text.push_str(&format!(
                "\n{}: [{}] {}\n  {}",
                op.operation, first.check, first.message, first.curl
            ));
        }
    }
    text
}
