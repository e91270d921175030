//! `start`, `stop`, `restart` and `ps`: the process manager from the
//! command line, the same code as the MCP tools.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use mockloop_runtime::{
    EngineKind, StartOptions, Started, Target, error_chain, list_servers, restart_server,
    start_server, stop_server,
};

use crate::tools::generate::default_output_dir;
use crate::tools::servers::own_binary;

/// Arguments of `start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// A spec (file or URL; its mock folder is generated first) or a generated mock folder.
    #[arg(value_name = "SPEC|MOCK_DIR")]
    pub source: String,
    /// native (no Python), fastapi (the generated project, venv built once) or docker.
    #[arg(long, default_value = "native")]
    pub engine: String,
    /// The port wanted (a free one when absent or taken).
    #[arg(long)]
    pub port: Option<u16>,
    /// A separate port for the admin API.
    #[arg(long)]
    pub admin_port: Option<u16>,
    /// Where a spec's mock folder is generated.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The features to leave out.
    #[command(flatten)]
    pub features: super::FeatureFlags,
    /// How a HAR recording is read.
    #[command(flatten)]
    pub import: super::ImportFlags,
}

/// Arguments of `stop` and `restart`.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The server: its URL, port or mock folder.
    #[arg(value_name = "URL|PORT|DIR")]
    pub target: String,
}

fn report_started(started: &Started) -> ExitCode {
    let server = &started.server;
    eprintln!(
        "started {} on the {} engine in {} ms (pid {}, admin {}, docs {}, output {})",
        server.mock_dir,
        server.engine,
        started.startup_ms,
        server.pid.map_or_else(|| "-".to_owned(), |p| p.to_string()),
        started.admin_url,
        started.docs_url,
        server.output_file
    );
    println!("{}", server.url);
    ExitCode::SUCCESS
}

/// A spinner on stderr with the current step (venv build, start); it
/// draws only on a terminal.
fn spinner() -> indicatif::ProgressBar {
    let spinner = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

/// A step: on the spinner on a terminal, as a line otherwise.
fn show(spinner: &indicatif::ProgressBar, step: &str) {
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        spinner.set_message(step.to_owned());
    } else {
        eprintln!("mockloop: {step}");
    }
}

fn failed(err: &mockloop_runtime::Error) -> ExitCode {
    eprintln!("error: {}", error_chain(err));
    ExitCode::FAILURE
}

/// `start`: prints the URL as its last line.
pub fn start(args: &StartArgs) -> ExitCode {
    let engine = match EngineKind::named(&args.engine) {
        Ok(engine) => engine,
        Err(err) => return failed(&err),
    };
    let options = StartOptions {
        engine,
        port: args.port,
        admin_port: args.admin_port,
        disabled: args
            .features
            .switches()
            .into_iter()
            .filter(|(_, off)| *off)
            .map(|(name, _)| name.to_owned())
            .collect(),
        output_base: args.out.clone().unwrap_or_else(default_output_dir),
        binary: own_binary(),
        import: args.import.options(),
    };
    match start_server(&args.source, &options, &|step| {
        eprintln!("mockloop: {step}")
    }) {
        Ok(started) => report_started(&started),
        Err(err) => failed(&err),
    }
}

/// `stop`.
pub fn stop(args: &TargetArgs) -> ExitCode {
    match stop_server(&Target::parse(&args.target)) {
        Ok(reports) => {
            for report in reports {
                println!(
                    "{} {} ({})",
                    report.outcome, report.server.url, report.server.mock_dir
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => failed(&err),
    }
}

/// `restart`.
pub fn restart(args: &TargetArgs) -> ExitCode {
    let spinner = spinner();
    let outcome = restart_server(&Target::parse(&args.target), &own_binary(), &|step| {
        show(&spinner, step);
    });
    spinner.finish_and_clear();
    match outcome {
        Ok(started) => report_started(&started),
        Err(err) => failed(&err),
    }
}

/// `ps`: one line per server mockloop started.
pub fn ps() -> ExitCode {
    match list_servers() {
        Ok(servers) => {
            println!(
                "{:<8} {:>7} {:<24} {:>8} {:<4} FOLDER",
                "ENGINE", "PID", "URL", "UP", "OK"
            );
            for listed in servers {
                let server = &listed.server;
                println!(
                    "{:<8} {:>7} {:<24} {:>7}s {:<4} {}",
                    server.engine,
                    server.pid.map_or_else(|| "-".to_owned(), |p| p.to_string()),
                    server.url,
                    listed.uptime_s,
                    if listed.answering { "yes" } else { "no" },
                    server.mock_dir
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => failed(&err),
    }
}
