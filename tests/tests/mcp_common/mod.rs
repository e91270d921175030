//! Shared by the MCP tests: the binary under an rmcp client, a generated
//! petstore mock under uvicorn, traffic, and an independent percentile.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mockloop_tests::{MockServer, Venv};
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::RunningService;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value, json};

/// The binary under an rmcp client, over stdio, with a blocking API.
pub struct Session {
    pub rt: tokio::runtime::Runtime,
    pub client: Option<RunningService<RoleClient, ()>>,
}

impl Session {
    /// Starts `mockloop-mcp` in `cwd` with `MOCKLOOP_OUTPUT_DIR=output_dir`.
    pub fn stdio(cwd: &Path, output_dir: &Path) -> Self {
        let binary = mockloop_tests::binary::mockloop_mcp().unwrap_or_else(|err| panic!("{err}"));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let client = rt.block_on(async {
            let command = tokio::process::Command::new(binary).configure(|cmd| {
                cmd.current_dir(cwd)
                    .env("MOCKLOOP_OUTPUT_DIR", output_dir)
                    .env("RUST_LOG", "warn");
            });
            ().serve(TokioChildProcess::new(command).unwrap())
                .await
                .unwrap()
        });
        Self {
            rt,
            client: Some(client),
        }
    }

    /// Connects to a streamable HTTP endpoint.
    pub fn http(url: &str) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let client = rt.block_on(async {
            let transport =
                rmcp::transport::StreamableHttpClientTransport::from_uri(url.to_owned());
            ().serve(transport).await.unwrap()
        });
        Self {
            rt,
            client: Some(client),
        }
    }

    fn client(&self) -> &RunningService<RoleClient, ()> {
        self.client.as_ref().unwrap()
    }

    pub fn tools(&self) -> Vec<Tool> {
        self.rt.block_on(self.client().list_all_tools()).unwrap()
    }

    /// Calls a tool; the result is checked against the tool's output schema
    /// unless it is an error.
    pub fn call(&self, name: &str, arguments: Value) -> CallToolResult {
        let Value::Object(arguments) = arguments else {
            panic!("arguments must be an object")
        };
        let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments);
        let result = self.rt.block_on(self.client().call_tool(params)).unwrap();
        if result.is_error != Some(true) {
            let tool = self.tools().into_iter().find(|t| t.name == name).unwrap();
            let schema = Value::Object(tool.output_schema.as_deref().cloned().unwrap());
            let content = result
                .structured_content
                .clone()
                .expect("structured content");
            let validator = jsonschema::validator_for(&schema).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&content)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{name}: output does not match its schema: {errors:?}"
            );
            assert!(!text(&result).is_empty(), "{name}: no text");
        }
        result
    }

    /// Calls a tool that must succeed; returns its structured content.
    pub fn ok(&self, name: &str, arguments: Value) -> Value {
        let result = self.call(name, arguments);
        assert_ne!(
            result.is_error,
            Some(true),
            "{name} failed: {}",
            text(&result)
        );
        result.structured_content.unwrap()
    }

    /// Calls a tool that must fail; returns its text.
    pub fn fails(&self, name: &str, arguments: Value) -> String {
        let result = self.call(name, arguments);
        assert_eq!(
            result.is_error,
            Some(true),
            "{name} should fail: {:?}",
            result.structured_content
        );
        text(&result)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.rt.block_on(client.cancel());
        }
    }
}

/// The first text block.
pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

/// Every tool's input schema has an object root and a description on every
/// property; every tool has an output schema with an object root.
pub fn check_schemas(tools: &[Tool]) {
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "discover_mock_servers",
            "generate_mock_api",
            "list_mock_servers",
            "manage_mock_data",
            "mock_coverage",
            "query_mock_logs",
            "restart_mock_server",
            "run_load_test",
            "start_mock_server",
            "stop_mock_server",
            "verify_api"
        ]
    );
    for tool in tools {
        assert!(
            tool.description.as_deref().is_some_and(|d| !d.is_empty()),
            "{}",
            tool.name
        );
        assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
        let properties = tool.input_schema["properties"].as_object().unwrap();
        // Only list_mock_servers takes no arguments.
        assert_eq!(
            properties.is_empty(),
            tool.name == "list_mock_servers",
            "{}",
            tool.name
        );
        for (name, property) in properties {
            let description = property["description"].as_str().unwrap_or_default();
            assert!(
                !description.is_empty(),
                "{}.{name} has no description",
                tool.name
            );
            assert!(
                !property["type"].is_array(),
                "{}.{name} has a type union",
                tool.name
            );
        }
        let output = tool
            .output_schema
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no output schema", tool.name));
        assert_eq!(output["type"], "object", "{}", tool.name);
    }
}

/// Every tool's input schema, by name.
pub fn schemas(tools: &[Tool]) -> Value {
    let mut map = Map::new();
    let mut sorted: Vec<&Tool> = tools.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for tool in sorted {
        map.insert(
            tool.name.to_string(),
            json!({
                "description": tool.description,
                "inputSchema": Value::Object((*tool.input_schema).clone()),
            }),
        );
    }
    Value::Object(map)
}

/// The percentile of a sample, written independently of the runtime: sort,
/// then interpolate between the closest ranks (numpy's "linear").
pub fn reference_percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pos = (v.len() - 1) as f64 * p / 100.0;
    let below = pos.floor() as usize;
    let above = pos.ceil() as usize;
    let weight = pos - below as f64;
    v[below] * (1.0 - weight) + v[above] * weight
}

/// Asserts two floats agree to 1e-9 relative.
pub fn assert_close(actual: f64, expected: f64, what: &str) {
    let scale = expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= 1e-9 * scale,
        "{what}: {actual} != {expected}"
    );
}

/// The petstore spec of the repository.
pub fn petstore_spec() -> PathBuf {
    mockloop_tests::paths::repo_specs_dir().join("petstore.yaml")
}

/// A venv with the generated mock's requirements, then the mock under uvicorn.
pub fn start_mock(dir: &Path) -> MockServer {
    let venv = Venv::for_requirements(&dir.join("requirements_mock.txt"))
        .unwrap_or_else(|err| panic!("{err}"));
    MockServer::start(dir, &venv).unwrap_or_else(|err| panic!("{err}"))
}

/// Sends a fixed mix of requests with a session header; returns
/// (method, path, status) in the order sent.
pub fn send_traffic(url: &str, session: &str) -> Vec<(String, String, u16)> {
    let client = reqwest::blocking::Client::new();
    let mut sent = Vec::new();
    let requests: Vec<(&str, String, Option<Value>)> = (0..12)
        .map(|i| match i % 4 {
            0 => ("GET", "/v1/pets".to_owned(), None),
            1 => ("GET", format!("/v1/pets/{i}"), None),
            2 => (
                "POST",
                "/v1/pets".to_owned(),
                Some(json!({"id": i, "name": format!("pet{i}")})),
            ),
            _ => ("GET", "/v1/nowhere".to_owned(), None),
        })
        .collect();
    for (method, path, body) in requests {
        let mut request = client
            .request(method.parse().unwrap(), format!("{url}{path}"))
            .header("X-Session-Id", session);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let status = request.send().unwrap().status().as_u16();
        sent.push((method.to_owned(), path, status));
    }
    sent
}

/// `mockloop-mcp http --bind 127.0.0.1:0`, killed when dropped.
pub struct HttpServer {
    child: std::process::Child,
    /// `http://127.0.0.1:<port>/mcp`.
    pub url: String,
}

impl HttpServer {
    pub fn start(cwd: &Path, output_dir: &Path) -> Self {
        use std::io::BufRead;
        let binary = mockloop_tests::binary::mockloop_mcp().unwrap_or_else(|err| panic!("{err}"));
        let mut child = std::process::Command::new(binary)
            .args(["http", "--bind", "127.0.0.1:0"])
            .current_dir(cwd)
            .env("MOCKLOOP_OUTPUT_DIR", output_dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("http://127.0.0.1:") && line.trim_end().ends_with("/mcp"),
            "{line:?}"
        );
        Self {
            child,
            url: line.trim().to_owned(),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The pinned official MCP Python SDK, in a venv of its own.
pub const PYTHON_MCP: &str = "mcp==1.26.0\n";

/// Runs `tests/fixtures/mcp_client.py` (`stdio BINARY` or `http URL`) with
/// the official SDK on a plan of calls; returns its JSON report.
pub fn python_client(mode: &str, target: &str, plan: &Value, envs: &[(&str, &Path)]) -> Value {
    let venv = Venv::for_requirements_text(PYTHON_MCP).unwrap_or_else(|err| panic!("{err}"));
    let dir = tempfile::tempdir().unwrap();
    python_client_in(&venv.python(), dir.path(), mode, target, plan, envs)
}

/// [`python_client`] with the SDK of `python` (a venv's interpreter that
/// has `mcp`), run in `cwd`.
pub fn python_client_in(
    python: &Path,
    cwd: &Path,
    mode: &str,
    target: &str,
    plan: &Value,
    envs: &[(&str, &Path)],
) -> Value {
    let scratch = tempfile::tempdir().unwrap();
    let plan_path = scratch.path().join("plan.json");
    std::fs::write(&plan_path, plan.to_string()).unwrap();
    let script = mockloop_tests::paths::workspace_root().join("tests/fixtures/mcp_client.py");
    let mut command = std::process::Command::new(python);
    command
        .arg(script)
        .args([mode, target])
        .arg(&plan_path)
        .current_dir(cwd);
    for (name, value) in envs {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "python client failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The tools of a Python report as rmcp tools, for [`check_schemas`].
pub fn python_tools(report: &Value) -> Vec<Tool> {
    serde_json::from_value(report["tools"].clone()).unwrap()
}
