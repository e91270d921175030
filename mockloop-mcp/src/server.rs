//! The MCP server: the tools, whose schemas are derived from their input
//! and output structs (`#[derive(ToolInput)]`).
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, tool, tool_handler, tool_router};

use crate::tools::coverage::MockCoverageInput;
use crate::tools::discover::DiscoverMockServersInput;
use crate::tools::generate::{GenerateMockInput, GenerateMockOutput};
use crate::tools::load::RunLoadTestInput;
use crate::tools::manage_data::{ManageMockDataInput, ManageMockDataOutput};
use crate::tools::query_logs::{QueryMockLogsInput, QueryMockLogsOutput};
use crate::tools::servers::{
    ListMockServersInput, ListMockServersOutput, ServerTargetInput, StartMockServerInput,
    StopMockServerOutput,
};
use crate::tools::verify::VerifyApiInput;
use crate::tools::{self, schema};
use mockloop_runtime::{Coverage, Discovery, LoadReport, Started, VerifyReport};

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

    /// Start a mock server and return once it answers, from a spec (the mock folder is generated first) or a mock folder: engine native (default, no Python, instant), fastapi (the generated project; its venv is built once and cached) or docker. Returns URL, admin and docs URLs, pid, log file and start-up time. The server keeps running after this session.
    #[tool(input_schema = schema::<StartMockServerInput>(), output_schema = schema::<Started>())]
    async fn start_mock_server(
        &self,
        arguments: JsonObject,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        tools::servers::start(arguments, Some(context)).await
    }

    /// Stop a mock server mockloop started (by url, port, mock_dir or pid): SIGTERM, a bounded wait while it writes out its request log, SIGKILL only after that. Servers mockloop did not start are never touched.
    #[tool(input_schema = schema::<ServerTargetInput>(), output_schema = schema::<StopMockServerOutput>())]
    async fn stop_mock_server(&self, arguments: JsonObject) -> CallToolResult {
        tools::servers::stop(arguments).await
    }

    /// Restart a mock server mockloop started (after its spec or folder changed), on the same engine, port and features.
    #[tool(input_schema = schema::<ServerTargetInput>(), output_schema = schema::<Started>())]
    async fn restart_mock_server(
        &self,
        arguments: JsonObject,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        tools::servers::restart(arguments, Some(context)).await
    }

    /// Report what a client under test exercised through a mock (mock_dir or server_url; session_id, time window): operations never called, documented statuses never received (untested error handling), parameters and body fields never sent, 422 refusals and why; with create_scenario arguments for manage_mock_data that make the mock answer the statuses never seen.
    #[tool(input_schema = schema::<MockCoverageInput>(), output_schema = schema::<Coverage>())]
    async fn mock_coverage(&self, arguments: JsonObject) -> CallToolResult {
        tools::coverage::run(arguments).await
    }

    /// Load-test a running mock (or any server implementing the spec) with valid requests made from the spec, the mock's credentials included: a request count or a duration, concurrency, an optional target rate (open model), operation weights, ramp-up. Reports throughput, latency mean/p50/p90/p95/p99/max overall and per operation, statuses, errors by kind, and the rows the mock's log gained. Sends progress notifications; cancellable.
    #[tool(input_schema = schema::<RunLoadTestInput>(), output_schema = schema::<LoadReport>())]
    async fn run_load_test(
        &self,
        arguments: JsonObject,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        tools::load::run(arguments, Some(context)).await
    }

    /// Contract-test a real API (or a mock) against its spec: valid requests for every operation (negative: invalid ones too, which must get a 4xx; read_only: GET and HEAD only), each response checked for a documented status, a documented content type, required headers and a body valid against the schema. Per operation pass/fail; every failure with its check, the JSON pointer of a schema violation and a curl line that reproduces it.
    #[tool(input_schema = schema::<VerifyApiInput>(), output_schema = schema::<VerifyReport>())]
    async fn verify_api(&self, arguments: JsonObject) -> CallToolResult {
        tools::verify::run(arguments).await
    }

    /// List the mock servers mockloop started, in this session or earlier ones, with engine, pid, port, uptime and whether each still answers.
    #[tool(input_schema = schema::<ListMockServersInput>(), output_schema = schema::<ListMockServersOutput>())]
    async fn list_mock_servers(&self, arguments: JsonObject) -> CallToolResult {
        tools::servers::list(arguments).await
    }
}

#[tool_handler(
    name = "mockloop-mcp",
    instructions = "mockloop turns OpenAPI/Swagger descriptions and Postman Collections into mock servers. The loop: start_mock_server on a spec (or generate_mock_api, then start_mock_server on its folder) returns the mock's URL; send requests to it; query_mock_logs reads and analyses what it received; manage_mock_data changes its responses live (overrides, scenarios); list_mock_servers shows what runs; stop_mock_server stops it. discover_mock_servers finds mocks and generated folders. Testing with mocks: mock_coverage tells what a client under test has and has not exercised (with scenarios for the statuses it never saw); run_load_test drives a mock with valid traffic and measures it; verify_api checks a real API (or a mock) against the spec."
)]
impl ServerHandler for MockloopServer {}
