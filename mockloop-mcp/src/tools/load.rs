//! `run_load_test`: real traffic at a running mock (or any server that
//! implements the spec), with progress notifications and cancellation.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mockloop_runtime::{LoadOptions, LoadProgress, LoadReport, ToolInput, run_load_test};
use rmcp::model::{CallToolResult, JsonObject, ProgressNotificationParam};
use rmcp::service::RequestContext;
use rmcp::{Peer, RoleServer};
use serde::Deserialize;

use super::{ToolResult, finish, parse, success};
use crate::error::{argument_error, runtime_error};

/// Drive a running mock with valid requests made from its spec and measure it.
#[derive(Debug, ToolInput, Deserialize)]
pub struct RunLoadTestInput {
    /// The server's URL, e.g. http://127.0.0.1:8000 (the spec's base path is added).
    pub server_url: String,
    /// The spec (file or URL) or the mock's folder the requests are made from.
    pub spec_url_or_path: String,
    /// Send this many requests (default 1000 when no duration_s).
    #[tool_input(minimum = 1)]
    pub requests: Option<u64>,
    /// Send requests for this many seconds (at most 600).
    #[tool_input(minimum = 0.1, maximum = 600)]
    pub duration_s: Option<f64>,
    /// Connections, each with one request in flight (default 16).
    #[tool_input(minimum = 1, maximum = 10000)]
    pub concurrency: Option<u32>,
    /// Requests per second to aim for (open model: latency counts from when each was due); absent: as fast as answered.
    pub rate: Option<f64>,
    /// Operations to include: `METHOD /path` or operationId, each optionally `:WEIGHT` (default: all, equally).
    pub operations: Option<Vec<String>>,
    /// Seconds to reach full concurrency (or the full rate).
    pub ramp_up_s: Option<f64>,
    /// Reuse connections (default true).
    pub keep_alive: Option<bool>,
    /// Seconds one request may take (default 10).
    pub timeout_s: Option<f64>,
    /// Varies the generated values (default 0).
    pub seed: Option<u64>,
    /// Headers sent with every request; an Authorization header replaces the mock's credentials.
    pub headers: Option<std::collections::BTreeMap<String, String>>,
}

fn seconds(name: &str, value: Option<f64>) -> ToolResult<Option<Duration>> {
    value
        .map(|v| {
            Duration::try_from_secs_f64(v)
                .map_err(|_| argument_error(&format!("{name}: give a number of seconds")))
        })
        .transpose()
}

/// Runs the load test.
pub async fn run(
    arguments: JsonObject,
    context: Option<RequestContext<RoleServer>>,
) -> CallToolResult {
    finish(body(arguments, context).await)
}

async fn body(
    arguments: JsonObject,
    context: Option<RequestContext<RoleServer>>,
) -> ToolResult<CallToolResult> {
    let input: RunLoadTestInput = parse(arguments)?;
    if input.duration_s.is_some_and(|d| d > 600.0) {
        return Err(argument_error("duration_s: at most 600 seconds"));
    }
    if input.requests.is_some() && input.duration_s.is_some() {
        return Err(argument_error("give requests or duration_s, not both"));
    }
    let options = LoadOptions {
        url: input.server_url.clone(),
        spec: input.spec_url_or_path.clone(),
        requests: input.requests,
        duration: seconds("duration_s", input.duration_s)?,
        concurrency: input.concurrency.unwrap_or(16),
        rate: input.rate,
        operations: input.operations.unwrap_or_default(),
        ramp_up: seconds("ramp_up_s", input.ramp_up_s)?.unwrap_or_default(),
        keep_alive: input.keep_alive.unwrap_or(true),
        timeout: seconds("timeout_s", input.timeout_s)?.unwrap_or(Duration::from_secs(10)),
        seed: input.seed.unwrap_or(0),
        credentials: true,
        headers: input.headers.unwrap_or_default().into_iter().collect(),
        keep_timings: false,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let token = context.as_ref().and_then(|c| c.meta.get_progress_token());
    let peer: Option<Peer<RoleServer>> = context.as_ref().map(|c| c.peer.clone());
    let cancel = context.as_ref().map(|c| c.ct.clone());
    let canceller = cancel.map(|ct| {
        let flag = stop.clone();
        tokio::spawn(async move {
            ct.cancelled().await;
            flag.store(true, Ordering::Relaxed);
        })
    });
    let notify = move |progress: LoadProgress| {
        let (Some(token), Some(peer)) = (token.clone(), peer.clone()) else {
            return;
        };
        let (done, total) = match (progress.duration, progress.planned) {
            (Some(duration), _) => (progress.elapsed.as_secs_f64(), Some(duration.as_secs_f64())),
            (None, Some(planned)) => (progress.done as f64, Some(planned as f64)),
            (None, None) => (progress.done as f64, None),
        };
        let mut param = ProgressNotificationParam::new(token, done)
            .with_message(format!("{} requests done", progress.done));
        if let Some(total) = total {
            param = param.with_total(total);
        }
        tokio::spawn(async move {
            let _ = peer.notify_progress(param).await;
        });
    };
    let result = run_load_test(&options, stop, notify).await;
    if let Some(canceller) = canceller {
        canceller.abort();
    }
    let (report, _) = result.map_err(|err| runtime_error(&err))?;
    Ok(success(summary(&report), &report))
}

fn summary(report: &LoadReport) -> String {
    let errors = &report.errors;
    let log = report.log_rows_gained.map_or(String::new(), |rows| {
        format!("; the mock logged {rows} rows")
    });
    format!(
        "{} requests in {:.2} s ({:.1}/s, {} model{}): latency p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; errors: {} connect, {} timeout, {} io, {} non-2xx{log}.",
        report.requests,
        report.duration_s,
        report.throughput_rps,
        report.model,
        if report.cancelled { ", cancelled" } else { "" },
        report.latency_ms.p50,
        report.latency_ms.p99,
        report.latency_ms.max,
        errors.connect,
        errors.timeout,
        errors.io,
        errors.non_2xx,
    )
}
