//! The MCP server: four tools whose schemas are derived from their input
//! and output structs (`#[derive(ToolInput)]`).
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};

use crate::tools::discover::DiscoverMockServersInput;
use crate::tools::generate::{GenerateMockInput, GenerateMockOutput};
use crate::tools::manage_data::{ManageMockDataInput, ManageMockDataOutput};
use crate::tools::query_logs::{QueryMockLogsInput, QueryMockLogsOutput};
use crate::tools::{self, schema};
use mockloop_runtime::Discovery;

/// The mockloop MCP server. Stateless: every call names its mock.
#[derive(Debug, Clone, Default)]
pub struct MockloopServer;

impl MockloopServer {
    /// A server.
    pub fn new() -> Self {
        Self
    }
}

#[tool_router]
impl MockloopServer {
    /// Generate a runnable FastAPI mock server from an OpenAPI 3.x or Swagger 2.0 description (file or URL). Returns its folder, files, operation count and how to run it.
    #[tool(input_schema = schema::<GenerateMockInput>(), output_schema = schema::<GenerateMockOutput>())]
    async fn generate_mock_api(&self, arguments: JsonObject) -> CallToolResult {
        tools::generate::run(arguments).await
    }

    /// Read a mock's request log (from server_url or mock_dir) with filters, and analyse it: error rates, latency percentiles, slowest endpoints, traffic, sessions, insights and recommendations.
    #[tool(input_schema = schema::<QueryMockLogsInput>(), output_schema = schema::<QueryMockLogsOutput>())]
    async fn query_mock_logs(&self, arguments: JsonObject) -> CallToolResult {
        tools::query_logs::run(arguments).await
    }

    /// Find running mock servers on 127.0.0.1 (mockloop mocks are told apart from other servers) and the generated mock folders, matched to the servers that run them.
    #[tool(input_schema = schema::<DiscoverMockServersInput>(), output_schema = schema::<Discovery>())]
    async fn discover_mock_servers(&self, arguments: JsonObject) -> CallToolResult {
        tools::discover::run(arguments).await
    }

    /// Change a running mock's responses live through its admin API: update_response, create_scenario, switch_scenario, list_scenarios, delete_scenario or reset.
    #[tool(input_schema = schema::<ManageMockDataInput>(), output_schema = schema::<ManageMockDataOutput>())]
    async fn manage_mock_data(&self, arguments: JsonObject) -> CallToolResult {
        tools::manage_data::run(arguments).await
    }
}

#[tool_handler(
    name = "mockloop-mcp",
    instructions = "mockloop generates FastAPI mock servers from OpenAPI descriptions. Use generate_mock_api, run the mock (uvicorn main:app in its folder), then query_mock_logs to see and analyse the requests it got, manage_mock_data to change its responses, and discover_mock_servers to find running mocks and generated folders."
)]
impl ServerHandler for MockloopServer {}
