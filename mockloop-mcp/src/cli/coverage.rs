//! `mockloop-mcp coverage`: what a client exercised, from a mock's log.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use mockloop_runtime::{Coverage, CoverageOptions, coverage, error_chain};

use crate::tools::coverage::folder_of;

/// Arguments of `coverage`.
#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// The mock: its folder, or its URL while it runs.
    #[arg(value_name = "MOCK_DIR|URL")]
    pub mock: String,
    /// Only the requests of this X-Session-Id.
    #[arg(long)]
    pub session_id: Option<String>,
    /// Only requests at or after this ISO 8601 time.
    #[arg(long)]
    pub time_from: Option<String>,
    /// Only requests at or before this ISO 8601 time.
    #[arg(long)]
    pub time_to: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Prints the coverage report.
pub fn run(args: &CoverageArgs) -> ExitCode {
    let dir = if args.mock.starts_with("http://") || args.mock.starts_with("https://") {
        let found = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| err.to_string())
            .and_then(|rt| {
                rt.block_on(folder_of(&args.mock))
                    .map_err(|err| error_chain(&err))
            });
        match found {
            Ok(dir) => dir,
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        PathBuf::from(&args.mock)
    };
    let options = CoverageOptions {
        session_id: args.session_id.clone(),
        time_from: args.time_from.clone(),
        time_to: args.time_to.clone(),
    };
    match coverage(&dir, &options) {
        Ok(report) => match super::print_report(&report, args.json, print_words) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Err(err) => {
            eprintln!("error: {}", error_chain(&err));
            ExitCode::FAILURE
        }
    }
}

fn print_words(report: &Coverage) {
    println!(
        "{} requests; {} of {} operations called",
        report.requests, report.operations_called, report.operations_total
    );
    for op in &report.operations {
        println!(
            "  {:<40} {:>6} calls  never received: {}",
            op.operation,
            op.calls,
            if op.documented_never_seen.is_empty() {
                "-".to_owned()
            } else {
                op.documented_never_seen.join(", ")
            }
        );
    }
    for suggestion in &report.suggestions {
        println!("- {suggestion}");
    }
}
