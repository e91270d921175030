//! `mockloop-mcp verify`: a contract test of a real API (or a mock)
//! against its spec.
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use mockloop_runtime::{VerifyOptions, VerifyReport, error_chain, verify_api};

use super::load::parse_header;

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The API's base URL, e.g. https://api.example.com (a path in it replaces the spec's base path).
    #[arg(value_name = "BASE_URL")]
    pub url: String,
    /// The spec (file or URL) or a mock's folder.
    #[arg(long, value_name = "SPEC")]
    pub spec: String,
    /// Operations to check, comma-separated `METHOD /path` or operationIds (default: all).
    #[arg(long, value_delimiter = ',')]
    pub operations: Vec<String>,
    /// A header sent with every request (`Name: value`), e.g. credentials; repeatable. An Authorization header replaces the mock's credentials.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Valid requests per operation.
    #[arg(long, default_value_t = 3)]
    pub requests: u32,
    /// Varies the generated values; the same seed sends the same requests.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Only GET and HEAD requests (for live systems).
    #[arg(long)]
    pub read_only: bool,
    /// Also send invalid requests, which must be refused with a 4xx.
    #[arg(long)]
    pub negative: bool,
    /// Do not send the mock's credentials (from its folder, or derived from the spec).
    #[arg(long)]
    pub no_credentials: bool,
    /// Seconds one request may take.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the contract test; fails when any operation fails.
pub fn run(args: &VerifyArgs) -> ExitCode {
    let headers = match args.headers.iter().map(|h| parse_header(h)).collect() {
        Ok(headers) => headers,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(timeout) = Duration::try_from_secs_f64(args.timeout) else {
        eprintln!("error: --timeout: give a number of seconds");
        return ExitCode::FAILURE;
    };
    let options = VerifyOptions {
        url: args.url.clone(),
        spec: args.spec.clone(),
        operations: args.operations.clone(),
        headers,
        requests_per_operation: args.requests,
        seed: args.seed,
        read_only: args.read_only,
        negative: args.negative,
        credentials: !args.no_credentials,
        timeout,
    };
    let runtime = match super::command_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let report = match runtime.block_on(verify_api(&options)) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {}", error_chain(&err));
            return ExitCode::FAILURE;
        }
    };
    if let Err(code) = super::print_report(&report, args.json, print_report) {
        return code;
    }
    if report.operations_failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn print_report(report: &VerifyReport) {
    for op in &report.operations {
        let verdict = if op.passed { "PASS" } else { "FAIL" };
        println!("{verdict} {} ({} requests)", op.operation, op.requests);
        for failure in &op.failures {
            println!("  [{}] {}", failure.check, failure.message);
            println!("    {}", failure.curl);
        }
    }
    if !report.skipped.is_empty() {
        println!("skipped (read-only): {}", report.skipped.join(", "));
    }
    println!(
        "{} of {} operations passed, {} failed; {} requests (seed {})",
        report.operations_passed,
        report.operations_checked,
        report.operations_failed,
        report.requests_sent,
        report.seed
    );
}
