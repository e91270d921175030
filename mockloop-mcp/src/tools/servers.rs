//! `start_mock_server`, `stop_mock_server`, `restart_mock_server` and
//! `list_mock_servers`: run mocks without a shell, on the native engine
//! (default), the FastAPI project or Docker Compose. Servers outlive the
//! session that started them; only servers mockloop started are stopped.
use std::path::PathBuf;

use mockloop_runtime::{
    EngineKind, ImportOptions, Listed, StartOptions, Started, StopReport, Target, ToolInput,
    list_servers, restart_server, start_server, stop_server,
};
use rmcp::model::{CallToolResult, JsonObject, ProgressNotificationParam};
use rmcp::service::RequestContext;
use rmcp::{Peer, RoleServer};
use serde::{Deserialize, Serialize};

use super::generate::default_output_dir;
use super::{ToolResult, blocking, finish, parse, success};
use crate::error::argument_error;

/// Start a mock server and return once it answers: from a spec (its mock folder is generated first) or a generated mock folder.
#[derive(Debug, ToolInput, Deserialize)]
pub struct StartMockServerInput {
    /// A spec (OpenAPI, Swagger, Postman Collection, HAR recording or GraphQL schema; path or http(s) URL) to generate the mock from; or give mock_dir.
    pub spec_url_or_path: Option<String>,
    /// A generated mock's folder (the one with mockloop.json).
    pub mock_dir: Option<String>,
    /// native (no Python, starts at once), fastapi (the generated project in a cached venv) or docker (docker compose up).
    #[tool_input(default = "native")]
    pub engine: String,
    /// The port wanted; a free one is chosen when absent or taken (the result says which).
    pub port: Option<u16>,
    /// A separate port for the admin API.
    pub admin_port: Option<u16>,
    /// Enforce the spec's security requirements.
    #[tool_input(default = true)]
    pub auth_enabled: bool,
    /// Webhooks.
    #[tool_input(default = true)]
    pub webhooks_enabled: bool,
    /// The admin UI.
    #[tool_input(default = true)]
    pub admin_ui_enabled: bool,
    /// Stateful storage.
    #[tool_input(default = true)]
    pub storage_enabled: bool,
    /// Where a spec's mock folder is generated (default: $MOCKLOOP_OUTPUT_DIR, else ./generated_mocks).
    pub output_base_dir: Option<String>,
    /// For a HAR recording: the origin the mock serves, e.g. https://api.example.com (default: the one most requests went to).
    pub har_origin: Option<String>,
    /// For a HAR recording: keep static assets, pages, analytics and preflights (default false).
    pub har_keep_noise: Option<bool>,
    /// For a GraphQL schema: the credential the mock asks for, "bearer", "api-key" (header X-API-Key) or "api-key:<Header-Name>" (default: none); its mock secret is in mockloop.json.
    pub graphql_auth: Option<String>,
}

/// Which server: give one of url, port, mock_dir or pid.
#[derive(Debug, ToolInput, Deserialize)]
pub struct ServerTargetInput {
    /// The server's URL.
    pub url: Option<String>,
    /// The server's port.
    pub port: Option<u16>,
    /// The server's mock folder.
    pub mock_dir: Option<String>,
    /// The server's process id (only processes mockloop started are stopped).
    pub pid: Option<u32>,
}

/// List the mock servers mockloop started (in any session) that still run.
#[derive(Debug, ToolInput, Deserialize)]
pub struct ListMockServersInput {}

/// What a stop did.
#[derive(Debug, ToolInput, Serialize, Deserialize)]
pub struct StopMockServerOutput {
    /// Each server stopped.
    pub stopped: Vec<StopReport>,
}

/// The servers mockloop started.
#[derive(Debug, ToolInput, Serialize, Deserialize)]
pub struct ListMockServersOutput {
    /// Each server, with uptime and whether it answers.
    pub servers: Vec<Listed>,
}

/// The binary that runs the native engine: this one.
pub fn own_binary() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("mockloop-mcp"))
}

impl ServerTargetInput {
    fn target(&self) -> ToolResult<Target> {
        let given = [
            self.url
                .as_deref()
                .filter(|u| !u.is_empty())
                .map(|u| Target::Url(u.to_owned())),
            self.port.map(Target::Port),
            self.mock_dir
                .as_deref()
                .filter(|d| !d.is_empty())
                .map(|d| Target::Dir(PathBuf::from(d))),
            self.pid.map(Target::Pid),
        ];
        let mut given = given.into_iter().flatten();
        match (given.next(), given.next()) {
            (Some(target), None) => Ok(target),
            _ => Err(argument_error(
                "give exactly one of url, port, mock_dir or pid",
            )),
        }
    }
}

fn started_text(started: &Started) -> String {
    let server = &started.server;
    format!(
        "Started {} on the {} engine at {} in {} ms{} (pid {}; admin {}, docs {}). Send it requests, then query_mock_logs or manage_mock_data with server_url {}; stop_mock_server stops it.",
        server.mock_dir,
        server.engine,
        server.url,
        started.startup_ms,
        if started.port_changed {
            " (the port asked for was taken)"
        } else {
            ""
        },
        server.pid.map_or_else(|| "-".to_owned(), |p| p.to_string()),
        started.admin_url,
        started.docs_url,
        server.url,
    )
}

/// Steps reported while a start runs: as MCP progress notifications when
/// the client asked for them (a progress token), and to the log.
struct Progress {
    sender: tokio::sync::mpsc::UnboundedSender<String>,
    forwarder: tokio::task::JoinHandle<()>,
}

impl Progress {
    fn new(tool: &'static str, context: Option<&RequestContext<RoleServer>>) -> Self {
        let (sender, mut steps) = tokio::sync::mpsc::unbounded_channel::<String>();
        let token = context.and_then(|c| c.meta.get_progress_token());
        let peer: Option<Peer<RoleServer>> = context.map(|c| c.peer.clone());
        let forwarder = tokio::spawn(async move {
            let mut count = 0.0;
            while let Some(step) = steps.recv().await {
                tracing::info!("{tool}: {step}");
                count += 1.0;
                if let (Some(token), Some(peer)) = (&token, &peer) {
                    let param =
                        ProgressNotificationParam::new(token.clone(), count).with_message(step);
                    let _ = peer.notify_progress(param).await;
                }
            }
        });
        Self { sender, forwarder }
    }

    /// The callback the runtime calls with each step.
    fn reporter(&self) -> impl Fn(&str) + Send + 'static {
        let sender = self.sender.clone();
        move |step: &str| {
            let _ = sender.send(step.to_owned());
        }
    }

    /// Waits until every step was sent.
    async fn done(self) {
        drop(self.sender);
        let _ = self.forwarder.await;
    }
}

/// Starts a mock.
pub async fn start(
    arguments: JsonObject,
    context: Option<RequestContext<RoleServer>>,
) -> CallToolResult {
    finish(start_body(arguments, context).await)
}

async fn start_body(
    arguments: JsonObject,
    context: Option<RequestContext<RoleServer>>,
) -> ToolResult<CallToolResult> {
    let input: StartMockServerInput = parse(arguments)?;
    let source = match (&input.spec_url_or_path, &input.mock_dir) {
        (Some(spec), None) if !spec.is_empty() => spec.clone(),
        (None, Some(dir)) if !dir.is_empty() => dir.clone(),
        _ => {
            return Err(argument_error(
                "give exactly one of spec_url_or_path or mock_dir",
            ));
        }
    };
    let engine =
        EngineKind::named(&input.engine).map_err(|err| argument_error(&err.to_string()))?;
    let disabled = [
        ("auth", input.auth_enabled),
        ("webhooks", input.webhooks_enabled),
        ("admin_ui", input.admin_ui_enabled),
        ("storage", input.storage_enabled),
    ]
    .into_iter()
    .filter(|(_, on)| !on)
    .map(|(name, _)| name.to_owned())
    .collect();
    let options = StartOptions {
        engine,
        port: input.port,
        admin_port: input.admin_port,
        disabled,
        output_base: input
            .output_base_dir
            .as_deref()
            .filter(|d| !d.is_empty())
            .map_or_else(default_output_dir, PathBuf::from),
        binary: own_binary(),
        import: ImportOptions {
            har_origin: input.har_origin.clone(),
            har_keep_noise: input.har_keep_noise.unwrap_or(false),
            graphql_auth: input.graphql_auth.clone(),
        },
    };
    let progress = Progress::new("start_mock_server", context.as_ref());
    let report = progress.reporter();
    let started = blocking(move || start_server(&source, &options, &report)).await;
    progress.done().await;
    let started = started?;
    Ok(success(started_text(&started), &started))
}

/// Stops a mock.
pub async fn stop(arguments: JsonObject) -> CallToolResult {
    finish(stop_body(arguments).await)
}

async fn stop_body(arguments: JsonObject) -> ToolResult<CallToolResult> {
    let input: ServerTargetInput = parse(arguments)?;
    let target = input.target()?;
    let stopped = blocking(move || stop_server(&target)).await?;
    let text = stopped
        .iter()
        .map(|r| {
            format!(
                "{} ({} engine, pid {}) at {}: {}{}",
                r.server.mock_dir,
                r.server.engine,
                r.server
                    .pid
                    .map_or_else(|| "-".to_owned(), |p| p.to_string()),
                r.server.url,
                r.outcome,
                match r.outcome.as_str() {
                    "stopped" => ", its request log written out",
                    "killed" => " (SIGKILL after it ignored SIGTERM for 10 s)",
                    _ => "",
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Ok(success(text, &StopMockServerOutput { stopped }))
}

/// Restarts a mock on the same engine, port and features.
pub async fn restart(
    arguments: JsonObject,
    context: Option<RequestContext<RoleServer>>,
) -> CallToolResult {
    finish(restart_body(arguments, context).await)
}

async fn restart_body(
    arguments: JsonObject,
    context: Option<RequestContext<RoleServer>>,
) -> ToolResult<CallToolResult> {
    let input: ServerTargetInput = parse(arguments)?;
    let target = input.target()?;
    let binary = own_binary();
    let progress = Progress::new("restart_mock_server", context.as_ref());
    let report = progress.reporter();
    let started = blocking(move || restart_server(&target, &binary, &report)).await;
    progress.done().await;
    let started = started?;
    Ok(success(started_text(&started), &started))
}

/// Lists the mocks mockloop started.
pub async fn list(arguments: JsonObject) -> CallToolResult {
    finish(list_body(arguments).await)
}

async fn list_body(arguments: JsonObject) -> ToolResult<CallToolResult> {
    let _: ListMockServersInput = parse(arguments)?;
    let servers = blocking(list_servers).await?;
    let text = if servers.is_empty() {
        "mockloop runs no mock servers (start_mock_server starts one).".to_owned()
    } else {
        servers
            .iter()
            .map(|l| {
                format!(
                    "{} on the {} engine at {} (pid {}, up {} s, {})",
                    l.server.mock_dir,
                    l.server.engine,
                    l.server.url,
                    l.server
                        .pid
                        .map_or_else(|| "-".to_owned(), |p| p.to_string()),
                    l.uptime_s,
                    if l.answering {
                        "answering"
                    } else {
                        "not answering"
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    Ok(success(text, &ListMockServersOutput { servers }))
}
