//! The mockloop command line and MCP server.
//!
//! `mockloop-mcp` with no arguments speaks MCP over stdio; `mockloop-mcp
//! http --bind 127.0.0.1:PORT` serves streamable HTTP at `/mcp`. The tools
//! live in [`tools`], one module each, and can be called in-process.
//!
//! A library user defines a tool the same way: derive
//! [`ToolInput`](mockloop_runtime::ToolInput) on its input and plug the
//! schema into rmcp's `#[tool]`:
//!
//! ```
//! use mockloop_runtime::ToolInput;
//! use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
//! use rmcp::{ServerHandler, tool, tool_handler, tool_router};
//!
//! /// Say hello.
//! #[derive(ToolInput, serde::Deserialize)]
//! struct Hello {
//!     /// Who to greet.
//!     name: String,
//!     /// How many exclamation marks.
//!     #[tool_input(default = 1, maximum = 5)]
//!     excitement: u8,
//! }
//!
//! #[derive(Clone)]
//! struct Greeter;
//!
//! #[tool_router]
//! impl Greeter {
//!     /// Greets someone.
//!     #[tool(input_schema = Hello::input_schema())]
//!     async fn hello(&self, arguments: JsonObject) -> CallToolResult {
//!         match Hello::from_arguments(serde_json::Value::Object(arguments)) {
//!             Ok(hello) => CallToolResult::success(vec![ContentBlock::text(format!(
//!                 "Hello, {}{}",
//!                 hello.name,
//!                 "!".repeat(hello.excitement.into())
//!             ))]),
//!             Err(err) => CallToolResult::error(vec![ContentBlock::text(err.to_string())]),
//!         }
//!     }
//! }
//!
//! #[tool_handler]
//! impl ServerHandler for Greeter {}
//!
//! let tool = Greeter::hello_tool_attr();
//! assert_eq!(tool.input_schema["properties"]["excitement"]["default"], 1);
//! // Serve it with `Greeter.serve(rmcp::transport::stdio())`, as `serve_stdio` does.
//! ```
pub mod cli;
mod error;
pub mod server;
pub mod tools;

use std::net::SocketAddr;

use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};

pub use server::MockloopServer;

/// Serves MCP over stdin/stdout until the client disconnects.
pub async fn serve_stdio() -> anyhow::Result<()> {
    let service = MockloopServer::new()
        .serve(rmcp::transport::stdio())
        .await?;
    service.waiting().await?;
    Ok(())
}

/// Serves MCP over streamable HTTP at `http://<bind>/mcp` until Ctrl-C.
pub async fn serve_http(bind: SocketAddr) -> anyhow::Result<()> {
    let config = StreamableHttpServerConfig::default();
    let cancel = config.cancellation_token.clone();
    let service = StreamableHttpService::new(
        || Ok(MockloopServer::new()),
        LocalSessionManager::default().into(),
        config,
    );
    let router = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(
        "serving MCP over streamable HTTP at http://{}/mcp",
        listener.local_addr()?
    );
    // The last stdout line is the address, for scripts that bind port 0.
    println!("http://{}/mcp", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            cancel.cancel();
        })
        .await?;
    Ok(())
}
