//! A library user's own MCP tool, its input schema derived with
//! `#[derive(ToolInput)]`, served over stdio next to nothing else.
//!
//! ```sh
//! cargo run -p mockloop-mcp --example custom_tool            # speaks MCP on stdio
//! cargo run -p mockloop-mcp --example custom_tool -- schema  # prints the schema
//! ```
use mockloop_runtime::{LogFilter, LogStore, ToolInput};
use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use rmcp::{ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use serde::Deserialize;

/// How a latency figure is picked.
#[derive(Debug, Clone, Copy, ToolInput, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Figure {
    /// The median.
    P50,
    /// The 95th percentile.
    P95,
    /// The slowest request.
    Max,
}

/// Report one latency figure of a mock's request log.
#[derive(Debug, ToolInput, Deserialize)]
struct SlowestInput {
    /// The mock's folder (with db/request_logs.db).
    mock_dir: String,
    /// Which figure.
    #[tool_input(default = "p95")]
    figure: Figure,
    /// Only this HTTP method.
    method: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct LatencyServer;

#[tool_router]
impl LatencyServer {
    /// Report one latency figure (p50, p95 or max) of a mock's request log.
    #[tool(input_schema = SlowestInput::input_schema())]
    async fn latency_figure(&self, arguments: JsonObject) -> CallToolResult {
        let input = match SlowestInput::from_arguments(serde_json::Value::Object(arguments)) {
            Ok(input) => input,
            Err(err) => return CallToolResult::error(vec![ContentBlock::text(err.to_string())]),
        };
        let filter = LogFilter {
            method: input.method,
            ..LogFilter::default()
        };
        let report =
            LogStore::open(input.mock_dir.as_ref()).and_then(|store| store.analyze(&filter));
        match report {
            Ok(report) => {
                let value = match input.figure {
                    Figure::P50 => report.latency_ms.p50,
                    Figure::P95 => report.latency_ms.p95,
                    Figure::Max => report.latency_ms.max,
                };
                CallToolResult::success(vec![ContentBlock::text(format!("{value:.2} ms"))])
            }
            Err(err) => CallToolResult::error(vec![ContentBlock::text(err.to_string())]),
        }
    }
}

#[tool_handler]
impl ServerHandler for LatencyServer {}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("schema") {
        println!(
            "{}",
            serde_json::to_string_pretty(&*SlowestInput::input_schema())?
        );
        return Ok(());
    }
    LatencyServer
        .serve(rmcp::transport::stdio())
        .await?
        .waiting()
        .await?;
    Ok(())
}
