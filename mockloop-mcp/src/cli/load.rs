//! `mockloop-mcp load`: a load test of a running mock (or any server that
//! implements the spec), with a progress bar on a terminal.
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;
use mockloop_runtime::{LoadOptions, LoadProgress, LoadReport, Timing, error_chain, run_load_test};

/// Arguments of `load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The server's URL, e.g. http://127.0.0.1:8000 (the spec's base path is added).
    #[arg(value_name = "URL")]
    pub url: String,
    /// The spec (file or URL) or the mock's folder the requests are made from.
    #[arg(long, value_name = "SPEC|MOCK_DIR")]
    pub spec: String,
    /// Send this many requests (default 1000 when no --duration).
    #[arg(long, short = 'n', conflicts_with = "duration")]
    pub requests: Option<u64>,
    /// Send requests for this many seconds.
    #[arg(long, short = 'd', value_name = "SECS")]
    pub duration: Option<f64>,
    /// Connections, each with one request in flight.
    #[arg(long, short = 'c', default_value_t = 16)]
    pub concurrency: u32,
    /// Requests per second to aim for (open model: latency counts from when each was due).
    #[arg(long, value_name = "PER_SECOND")]
    pub rate: Option<f64>,
    /// Operations to include, comma-separated `METHOD /path` or operationIds, each with an optional `:WEIGHT` (default: all, equally).
    #[arg(long, value_delimiter = ',')]
    pub operations: Vec<String>,
    /// Seconds to reach full concurrency (or the full rate).
    #[arg(long, value_name = "SECS", default_value_t = 0.0)]
    pub ramp_up: f64,
    /// A new connection for every request.
    #[arg(long)]
    pub no_keep_alive: bool,
    /// Seconds one request may take.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Varies the generated values.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// A header sent with every request (`Name: value`); repeatable. An Authorization header replaces the mock's credentials.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Do not send the mock's credentials (from mockloop.json or derived from the spec).
    #[arg(long)]
    pub no_credentials: bool,
    /// Write every request's timing to this CSV file (operation, status, start_us, latency_us).
    #[arg(long, value_name = "FILE")]
    pub timings: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `Name: value` → the pair, or an error naming the bad header.
pub fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("header {text:?}: write it as `Name: value`"))?;
    let name = name.trim();
    let value = value.trim();
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid_name || value.chars().any(|c| c.is_control()) {
        return Err(format!("header {text:?}: not a valid HTTP header"));
    }
    Ok((name.to_owned(), value.to_owned()))
}

fn seconds(name: &str, value: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value).map_err(|_| format!("--{name}: give a number of seconds"))
}

fn options(args: &LoadArgs) -> Result<LoadOptions, String> {
    let headers = args
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(LoadOptions {
        url: args.url.clone(),
        spec: args.spec.clone(),
        requests: args.requests,
        duration: args.duration.map(|d| seconds("duration", d)).transpose()?,
        concurrency: args.concurrency,
        rate: args.rate,
        operations: args.operations.clone(),
        ramp_up: seconds("ramp-up", args.ramp_up)?,
        keep_alive: !args.no_keep_alive,
        timeout: seconds("timeout", args.timeout)?,
        seed: args.seed,
        credentials: !args.no_credentials,
        headers,
        keep_timings: args.timings.is_some(),
    })
}

fn bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} ({elapsed})")
    {
        bar.set_style(style);
    }
    Some(bar)
}

fn show(bar: &indicatif::ProgressBar, progress: LoadProgress) {
    match (progress.planned, progress.duration) {
        (_, Some(duration)) => {
            bar.set_length(duration.as_millis() as u64);
            bar.set_position(progress.elapsed.as_millis().min(duration.as_millis()) as u64);
            bar.set_message(format!("{} requests", progress.done));
        }
        (Some(planned), None) => {
            bar.set_length(planned);
            bar.set_position(progress.done);
        }
        (None, None) => bar.set_position(progress.done),
    }
}

/// Runs the load test and prints its report.
pub fn run(args: &LoadArgs) -> ExitCode {
    let options = match options(args) {
        Ok(options) => options,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match super::command_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let progress_bar = bar();
    let result = runtime.block_on(async {
        let flag = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::Relaxed);
            }
        });
        let shown = progress_bar.clone();
        run_load_test(&options, stop.clone(), move |progress| {
            if let Some(bar) = &shown {
                show(bar, progress);
            }
        })
        .await
    });
    if let Some(bar) = progress_bar {
        bar.finish_and_clear();
    }
    let (report, timings) = match result {
        Ok(done) => done,
        Err(err) => {
            eprintln!("error: {}", error_chain(&err));
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.timings
        && let Err(err) = write_timings(path, &report, &timings)
    {
        eprintln!("error: cannot write {}: {err}", path.display());
        return ExitCode::FAILURE;
    }
    if let Err(code) = super::print_report(&report, args.json, print_report) {
        return code;
    }
    if report.requests == 0 && !report.cancelled {
        let why = report.notes.last().cloned().unwrap_or_default();
        eprintln!("error: no request was answered ({why})");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn write_timings(path: &PathBuf, report: &LoadReport, timings: &[Timing]) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "operation,status,start_us,latency_us")?;
    for timing in timings {
        let name = report
            .operations
            .get(timing.operation as usize)
            .map_or("", |op| op.operation.as_str());
        writeln!(
            out,
            "\"{}\",{},{},{}",
            name.replace('"', "\"\""),
            timing.status,
            timing.start_us,
            timing.latency_us
        )?;
    }
    out.flush()
}

fn print_report(report: &LoadReport) {
    let rate = report
        .target_rate
        .map_or(String::new(), |rate| format!(", target {rate}/s"));
    println!(
        "{} requests in {:.2} s: {:.1} req/s, {:.1} MB/s ({} model, {} connections{rate}){}",
        report.requests,
        report.duration_s,
        report.throughput_rps,
        report.bytes_received as f64 / report.duration_s.max(1e-9) / 1e6,
        report.model,
        report.concurrency,
        if report.cancelled { ", cancelled" } else { "" }
    );
    let l = &report.latency_ms;
    println!(
        "latency ms: mean {:.3}  p50 {:.3}  p90 {:.3}  p95 {:.3}  p99 {:.3}  max {:.3}",
        l.mean, l.p50, l.p90, l.p95, l.p99, l.max
    );
    let statuses: Vec<String> = report
        .statuses
        .iter()
        .map(|(status, count)| format!("{status}: {count}"))
        .collect();
    println!("statuses: {}", statuses.join(", "));
    let e = &report.errors;
    println!(
        "errors: connect {}, timeout {}, io {}, non-2xx {}",
        e.connect, e.timeout, e.io, e.non_2xx
    );
    if let Some(rows) = report.log_rows_gained {
        println!("the mock's log gained {rows} rows");
    }
    println!(
        "{:<44} {:>8} {:>9} {:>9} {:>9}  statuses",
        "operation", "requests", "p50 ms", "p99 ms", "max ms"
    );
    for op in &report.operations {
        let statuses: Vec<String> = op
            .statuses
            .iter()
            .map(|(status, count)| format!("{status}×{count}"))
            .collect();
        println!(
            "{:<44} {:>8} {:>9.3} {:>9.3} {:>9.3}  {}",
            op.operation,
            op.requests,
            op.latency_ms.p50,
            op.latency_ms.p99,
            op.latency_ms.max,
            statuses.join(" ")
        );
    }
    for note in &report.notes {
        println!("note: {note}");
    }
}
