//! `mockloop-mcp analyze <MOCK_DIR|DB_FILE|URL> [--json]`: the same analysis
//! as the `query_mock_logs` tool, printed.
use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use mockloop_runtime::{AdminClient, LogFilter, LogStore, Report, analyze};

use super::{error_chain, runtime};

/// Arguments of `analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// A mock's folder, its request-log .db file, or a running mock's URL.
    pub target: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Only this HTTP method.
    #[arg(long)]
    pub method: Option<String>,
    /// Only paths in which this regular expression matches.
    #[arg(long)]
    pub path_pattern: Option<String>,
    /// Only this status code.
    #[arg(long)]
    pub status_code: Option<u16>,
    /// Only requests at or after this ISO 8601 time.
    #[arg(long)]
    pub time_from: Option<String>,
    /// Only requests at or before this ISO 8601 time.
    #[arg(long)]
    pub time_to: Option<String>,
    /// Only this X-Session-Id.
    #[arg(long)]
    pub session_id: Option<String>,
    /// Include admin API requests.
    #[arg(long)]
    pub include_admin: bool,
}

impl AnalyzeArgs {
    fn filter(&self) -> LogFilter {
        LogFilter {
            method: self.method.clone(),
            path_pattern: self.path_pattern.clone(),
            status_code: self.status_code,
            time_from: self.time_from.clone(),
            time_to: self.time_to.clone(),
            session_id: self.session_id.clone(),
            include_admin: self.include_admin,
            limit: None,
            offset: 0,
        }
    }
}

/// Runs `analyze`.
pub fn run(args: &AnalyzeArgs) -> ExitCode {
    let started = std::time::Instant::now();
    let report = if args.target.starts_with("http://") || args.target.starts_with("https://") {
        from_url(args)
    } else {
        LogStore::open(Path::new(&args.target)).and_then(|store| store.analyze(&args.filter()))
    };
    let report = match report {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {}", error_chain(&err));
            return ExitCode::FAILURE;
        }
    };
    if let Err(code) = super::print_report(&report, args.json, |report| {
        print!("{}", render(report));
    }) {
        return code;
    }
    tracing::debug!("analysed in {:?}", started.elapsed());
    ExitCode::SUCCESS
}

fn from_url(args: &AnalyzeArgs) -> mockloop_runtime::Result<Report> {
    let rt = runtime().map_err(|err| mockloop_runtime::Error::InvalidArgument {
        name: "runtime".to_owned(),
        reason: err.to_string(),
    })?;
    rt.block_on(async {
        let client = AdminClient::new(&args.target)?;
        let (rows, truncated) = client.all_logs(&args.filter(), u64::MAX).await?;
        if truncated {
            eprintln!("warning: more rows matched than were fetched");
        }
        Ok(analyze(&rows))
    })
}

/// The report as text for a terminal.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let range = match (&report.time_range.first, &report.time_range.last) {
        (Some(first), Some(last)) => format!(" from {first} to {last}"),
        _ => String::new(),
    };
    out.push_str(&format!("{} requests{range}\n", report.total_requests));
    out.push_str(&format!(
        "errors: {} ({:.2}%)   sessions: {}\n",
        report.error_count,
        report.error_rate * 100.0,
        report.sessions
    ));
    let l = &report.latency_ms;
    out.push_str(&format!(
        "latency ms: mean {:.2}  p50 {:.2}  p90 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}\n",
        l.mean, l.p50, l.p90, l.p95, l.p99, l.max
    ));
    let join = |map: &std::collections::BTreeMap<String, u64>| {
        map.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push_str(&format!("methods: {}\n", join(&report.methods)));
    out.push_str(&format!(
        "status classes: {}\n",
        join(&report.status_classes)
    ));
    out.push_str("\nendpoints (busiest first):\n");
    for e in report.endpoints.iter().take(20) {
        out.push_str(&format!(
            "  {:<50} {:>8} req  {:>6.2}% err  p50 {:>8.2}  p95 {:>8.2}  p99 {:>8.2} ms\n",
            e.endpoint,
            e.count,
            e.error_rate * 100.0,
            e.latency_ms.p50,
            e.latency_ms.p95,
            e.latency_ms.p99
        ));
    }
    if report.endpoints.len() > 20 {
        out.push_str(&format!("  ... {} more\n", report.endpoints.len() - 20));
    }
    out.push_str("\nslowest endpoints (p95):\n");
    for s in &report.slowest_endpoints {
        out.push_str(&format!(
            "  {:<50} p95 {:.2} ms, max {:.2} ms\n",
            s.endpoint, s.p95_ms, s.max_ms
        ));
    }
    out.push_str("\ninsights:\n");
    for line in &report.insights {
        out.push_str(&format!("  - {line}\n"));
    }
    out.push_str("\nrecommendations:\n");
    for line in &report.recommendations {
        out.push_str(&format!("  - {line}\n"));
    }
    out
}
