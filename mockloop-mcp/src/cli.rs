//! The command line interface.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use mockloop_runtime::{ImportOptions, RenderOptions, generate_project};

mod analyze;
mod convert;
mod coverage;
mod load;
mod serve;
mod servers;
mod verify;

pub use analyze::AnalyzeArgs;
pub use convert::ConvertArgs;
pub use coverage::CoverageArgs;
pub use load::LoadArgs;
pub use mockloop_runtime::error_chain;
pub use serve::ServeArgs;
pub use servers::{StartArgs, TargetArgs};
pub use verify::VerifyArgs;

/// Turn OpenAPI/Swagger descriptions into runnable FastAPI mock servers.
///
/// Without a subcommand, serves MCP over stdio (for Claude Desktop, Cline
/// and other MCP clients).
#[derive(Debug, Parser)]
#[command(name = "mockloop-mcp", version, about)]
pub struct Cli {
    /// What to do (default: serve MCP over stdio).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a FastAPI mock server project from a spec file or URL.
    Generate(GenerateArgs),
    /// Serve MCP over streamable HTTP at http://BIND/mcp.
    Http(HttpArgs),
    /// Serve mocks natively (no Python): specs or generated mock folders.
    Serve(ServeArgs),
    /// Start a mock in the background and print its URL (native, fastapi or docker engine).
    Start(StartArgs),
    /// Stop a mock mockloop started (by URL, port or folder).
    Stop(TargetArgs),
    /// Restart a mock mockloop started, on the same engine and port.
    Restart(TargetArgs),
    /// List the mocks mockloop started.
    Ps,
    /// What a client exercised through a mock: operations, statuses, parameters never tried.
    Coverage(CoverageArgs),
    /// Load-test a running mock (or any server implementing the spec) with valid requests made from the spec.
    Load(LoadArgs),
    /// Write the OpenAPI 3.1 document mockloop reads from a Postman Collection (or any spec), to adopt and edit.
    Convert(ConvertArgs),
    /// Contract-test an API (or a mock) against its spec: status, content type, headers and body of every response.
    Verify(VerifyArgs),
    /// Analyse a mock's request log: a mock folder, its .db file, or a running mock's URL.
    Analyze(AnalyzeArgs),
}

/// Arguments of `http`.
#[derive(Debug, Args)]
pub struct HttpArgs {
    /// The address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub bind: SocketAddr,
}

/// Arguments of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The spec: a path or an http(s) URL (OpenAPI, Swagger, Postman, HAR as JSON or YAML; a GraphQL SDL file, folder of SDL files, or introspection JSON).
    pub spec: String,
    /// The folder that receives the mock's folder.
    #[arg(long, default_value = "generated_mocks")]
    pub out: PathBuf,
    /// The mock's folder name (default: from the API's title and version).
    #[arg(long)]
    pub name: Option<String>,
    /// The port the mock listens on.
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// A separate port for the admin API.
    #[arg(long)]
    pub admin_port: Option<u16>,
    /// The features to leave out.
    #[command(flatten)]
    pub features: FeatureFlags,
    /// How a HAR recording is read.
    #[command(flatten)]
    pub import: ImportFlags,
}

/// The optional features a mock can leave out.
#[derive(Debug, Clone, Copy, Args)]
pub struct FeatureFlags {
    /// Do not enforce the spec's security requirements.
    #[arg(long)]
    pub no_auth: bool,
    /// Leave out webhooks.
    #[arg(long)]
    pub no_webhooks: bool,
    /// Leave out the admin UI.
    #[arg(long)]
    pub no_admin_ui: bool,
    /// Leave out stateful storage.
    #[arg(long)]
    pub no_storage: bool,
}

/// How a HAR recording or a GraphQL schema given as the spec is read.
#[derive(Debug, Clone, Default, Args)]
pub struct ImportFlags {
    /// For a HAR recording: the origin the mock serves, e.g. https://api.example.com (default: the one most requests went to).
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
    /// For a HAR recording: keep static assets, pages, analytics and preflights.
    #[arg(long)]
    pub keep_noise: bool,
    /// For a GraphQL schema: the credential the mock asks for, bearer, api-key (header X-API-Key) or api-key:<Header-Name>; its mock secret is in mockloop.json.
    #[arg(long, value_name = "KIND")]
    pub graphql_auth: Option<String>,
}

impl ImportFlags {
    /// The runtime's options.
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            har_origin: self.origin.clone(),
            har_keep_noise: self.keep_noise,
            graphql_auth: self.graphql_auth.clone(),
        }
    }
}

impl FeatureFlags {
    /// `(feature name, switched off)` for each feature.
    pub fn switches(self) -> [(&'static str, bool); 4] {
        [
            ("auth", self.no_auth),
            ("webhooks", self.no_webhooks),
            ("admin_ui", self.no_admin_ui),
            ("storage", self.no_storage),
        ]
    }
}

impl GenerateArgs {
    fn options(&self) -> RenderOptions {
        self.features.switches().into_iter().fold(
            RenderOptions::default()
                .with_import(self.import.options())
                .with_port(self.port)
                .with_admin_port(self.admin_port),
            |options, (name, off)| options.with_feature(name, !off),
        )
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Generate(args)) => generate(&args),
        Some(Command::Http(args)) => serve(crate::serve_http(args.bind)),
        Some(Command::Analyze(args)) => analyze::run(&args),
        Some(Command::Serve(args)) => serve::run(&args),
        Some(Command::Coverage(args)) => coverage::run(&args),
        Some(Command::Load(args)) => load::run(&args),
        Some(Command::Convert(args)) => convert::run(&args),
        Some(Command::Verify(args)) => verify::run(&args),
        Some(Command::Start(args)) => servers::start(&args),
        Some(Command::Stop(args)) => servers::stop(&args),
        Some(Command::Restart(args)) => servers::restart(&args),
        Some(Command::Ps) => servers::ps(),
        None => serve(crate::serve_stdio()),
    }
}

/// Prints a command's report: as JSON with `--json`, else in words; a
/// report that cannot be written as JSON is the command's failure.
pub(crate) fn print_report<T: serde::Serialize>(
    report: &T,
    json: bool,
    words: impl FnOnce(&T),
) -> Result<(), ExitCode> {
    if !json {
        words(report);
        return Ok(());
    }
    match serde_json::to_string_pretty(report) {
        Ok(text) => {
            println!("{text}");
            Ok(())
        }
        Err(err) => {
            eprintln!("error: cannot write the report as JSON: {err}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// A multi-threaded runtime, or the failure reported (for commands).
pub(crate) fn command_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    runtime().map_err(|err| {
        eprintln!("error: cannot start the async runtime: {err}");
        ExitCode::FAILURE
    })
}

/// Runs an async entry point on a multi-threaded runtime.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

fn serve(server: impl Future<Output = anyhow::Result<()>>) -> ExitCode {
    match runtime()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(server))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn generate(args: &GenerateArgs) -> ExitCode {
    if let Some(name) = &args.name
        && (name.is_empty() || name.contains(['/', '\\']) || name == "." || name == "..")
    {
        eprintln!("error: --name must be a plain folder name, not {name:?}");
        return ExitCode::from(2);
    }
    match generate_project(&args.spec, &args.out, args.name.as_deref(), &args.options()) {
        Ok((folder, project)) => {
            for warning in &project.warnings {
                eprintln!("warning: {warning}");
            }
            println!(
                "Generated {} operations ({} files).",
                project.operation_count,
                project.files.len()
            );
            println!("{}", folder.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}", error_chain(&err));
            ExitCode::FAILURE
        }
    }
}
