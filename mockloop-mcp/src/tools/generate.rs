//! `generate_mock_api`: an OpenAPI description → a runnable FastAPI mock.
use std::path::{Path, PathBuf};

use mockloop_runtime::{ImportOptions, RenderOptions, ToolInput, generate_project};
use rmcp::model::{CallToolResult, JsonObject};
use serde::{Deserialize, Serialize};

use super::{ToolResult, blocking, finish, parse, success};
use crate::error::argument_error;

/// Where mocks go when no output_base_dir is given: `$MOCKLOOP_OUTPUT_DIR`,
/// else `./generated_mocks`.
pub fn default_output_dir() -> PathBuf {
    std::env::var_os("MOCKLOOP_OUTPUT_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("generated_mocks"), PathBuf::from)
}

/// Generate a runnable FastAPI mock server from an API description: OpenAPI 3.x, Swagger 2.0, a Postman Collection, a HAR recording or a GraphQL schema.
#[derive(Debug, ToolInput, Deserialize)]
pub struct GenerateMockInput {
    /// A path or http(s) URL of the API description: OpenAPI 3.x, Swagger 2.0 (JSON or YAML; relative $refs are followed), a Postman Collection v2.x, a HAR 1.2 recording, or a GraphQL schema (an SDL file .graphql/.graphqls/.gql, a folder of them merged, or an introspection result as JSON).
    pub spec_url_or_path: String,
    /// The mock's folder name (default: from the API's title and version).
    pub output_dir_name: Option<String>,
    /// The folder that receives the mock's folder (default: $MOCKLOOP_OUTPUT_DIR, else ./generated_mocks).
    pub output_base_dir: Option<String>,
    /// Enforce the spec's security requirements (API keys, bearer tokens).
    #[tool_input(default = true)]
    pub auth_enabled: bool,
    /// Include webhooks.
    #[tool_input(default = true)]
    pub webhooks_enabled: bool,
    /// Include the admin UI.
    #[tool_input(default = true)]
    pub admin_ui_enabled: bool,
    /// Include stateful storage.
    #[tool_input(default = true)]
    pub storage_enabled: bool,
    /// The port the mock listens on.
    #[tool_input(default = 8000, minimum = 1)]
    pub business_port: u16,
    /// A separate port for the admin API (default: the business port).
    pub admin_port: Option<u16>,
    /// For a HAR recording: the origin the mock serves, e.g. https://api.example.com (default: the one most requests went to).
    pub har_origin: Option<String>,
    /// For a HAR recording: keep static assets, pages, analytics and preflights (default false).
    pub har_keep_noise: Option<bool>,
    /// For a GraphQL schema: the credential the mock asks for, "bearer", "api-key" (header X-API-Key) or "api-key:<Header-Name>" (default: none); its mock secret is in mockloop.json.
    pub graphql_auth: Option<String>,
}

/// How to run the generated mock.
#[derive(Debug, ToolInput, Serialize, Deserialize)]
pub struct RunInstructions {
    /// Install the mock's requirements (in its folder).
    pub install: String,
    /// Run it with uvicorn (in its folder).
    pub uvicorn: String,
    /// Run it with Docker Compose (in its folder).
    pub docker_compose: String,
    /// Where it answers once running.
    pub url: String,
}

/// What was generated.
#[derive(Debug, ToolInput, Serialize, Deserialize)]
pub struct GenerateMockOutput {
    /// The mock's folder (absolute).
    pub path: String,
    /// The generated files, relative to the folder.
    pub files: Vec<String>,
    /// How many operations the mock serves.
    pub operation_count: u64,
    /// How to run it.
    pub run: RunInstructions,
    /// Constructs of the spec that could not be honoured.
    pub warnings: Vec<String>,
}

/// Generates the mock.
pub async fn run(arguments: JsonObject) -> CallToolResult {
    finish(generate(arguments).await)
}

async fn generate(arguments: JsonObject) -> ToolResult<CallToolResult> {
    let input: GenerateMockInput = parse(arguments)?;
    if let Some(name) = &input.output_dir_name
        && (name.is_empty() || name.contains(['/', '\\']) || name == "." || name == "..")
    {
        return Err(argument_error(&format!(
            "output_dir_name must be a plain folder name, not {name:?}"
        )));
    }
    let base = input
        .output_base_dir
        .as_deref()
        .filter(|dir| !dir.is_empty())
        .map_or_else(default_output_dir, PathBuf::from);
    let options = RenderOptions::default()
        .with_import(ImportOptions {
            har_origin: input.har_origin.clone(),
            har_keep_noise: input.har_keep_noise.unwrap_or(false),
            graphql_auth: input.graphql_auth.clone(),
        })
        .with_port(input.business_port)
        .with_admin_port(input.admin_port)
        .with_feature("auth", input.auth_enabled)
        .with_feature("webhooks", input.webhooks_enabled)
        .with_feature("admin_ui", input.admin_ui_enabled)
        .with_feature("storage", input.storage_enabled);
    let spec = input.spec_url_or_path.clone();
    let name = input.output_dir_name.clone();
    let (folder, project) =
        blocking(move || generate_project(&spec, &base, name.as_deref(), &options)).await?;
    let folder = absolute(&folder);
    let port = input.business_port;
    let output = GenerateMockOutput {
        path: folder.display().to_string(),
        files: project.files.keys().cloned().collect(),
        operation_count: project.operation_count as u64,
        run: RunInstructions {
            install: "python -m venv .venv && . .venv/bin/activate && pip install -r requirements_mock.txt".to_owned(),
            uvicorn: format!("uvicorn main:app --host 127.0.0.1 --port {port}"),
            docker_compose: "docker compose up --build".to_owned(),
            url: format!("http://127.0.0.1:{port}"),
        },
        warnings: project.warnings,
    };
    let text = format!(
        "Generated a mock with {} operations ({} files) in {}. Run it there with `{}`; then call query_mock_logs or manage_mock_data with server_url {}.{}",
        output.operation_count,
        output.files.len(),
        output.path,
        output.run.uvicorn,
        output.run.url,
        if output.warnings.is_empty() {
            String::new()
        } else {
            format!(" {} warnings.", output.warnings.len())
        }
    );
    Ok(success(text, &output))
}

fn absolute(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::env::current_dir().map(|dir| dir.join(path)))
        .unwrap_or_else(|_| path.to_path_buf())
}
