//! `mockloop-mcp load` and `run_load_test` against running mocks: the
//! report's count equals the rows the mock logged, its percentiles agree
//! with a recomputation from the per-request timings, every request made
//! from the spec is valid (no 422, no 401 with auth on), the open model
//! keeps its rate, a server that is not there is a clear failure, and the
//! MCP tool reports progress.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod mcp_common;

use std::path::Path;
use std::process::Command;

use mockloop_runtime::{LOG_DB_RELATIVE, RenderOptions};
use mockloop_tests::binary::mockloop_mcp_text;
use mockloop_tests::paths::repo_specs_dir;
use mockloop_tests::{Engine, GeneratedMock, on_both_engines};
use serde_json::{Value, json};

/// API rows in the mock's log.
fn logged(dir: &Path) -> u64 {
    let db = rusqlite::Connection::open(dir.join(LOG_DB_RELATIVE)).unwrap();
    let count: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM request_logs WHERE is_admin = 0",
            [],
            |row| row.get(0),
        )
        .unwrap();
    u64::try_from(count).unwrap()
}

/// Runs `mockloop-mcp load ... --json`; the report.
fn load(args: &[&str]) -> Value {
    let output = Command::new(mockloop_mcp_text().unwrap())
        .arg("load")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "load failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The nearest-rank percentile of sorted values.
fn nearest_rank(sorted: &[u64], quantile: f64) -> u64 {
    let rank = (quantile * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn close(reported_ms: f64, recomputed_us: u64, what: &str) {
    let recomputed = recomputed_us as f64 / 1000.0;
    let tolerance = (recomputed * 0.01).max(0.002);
    assert!(
        (reported_ms - recomputed).abs() <= tolerance,
        "{what}: reported {reported_ms} ms, recomputed {recomputed} ms"
    );
}

on_both_engines!(a_load_test_counts_what_the_mock_logged);

fn a_load_test_counts_what_the_mock_logged(engine: Engine) {
    let spec = repo_specs_dir().join("openapi30-petstore-expanded.yaml");
    let mock = GeneratedMock::new(&spec.to_string_lossy(), &RenderOptions::default()).unwrap();
    let server = mock.start_on(engine).unwrap();
    // A log search writes out what the native engine has buffered.
    let flush = || {
        reqwest::blocking::get(format!("{}/admin/api/logs/search?limit=1", server.url()))
            .unwrap()
            .error_for_status()
            .unwrap();
    };
    flush();
    let before = logged(&mock.dir);
    let timings = tempfile::NamedTempFile::new().unwrap();
    let requests = 2_000;
    let report = load(&[
        &server.url(),
        "--spec",
        &mock.dir.to_string_lossy(),
        "-n",
        &requests.to_string(),
        "-c",
        "8",
        "--operations",
        "GET /pets:3,POST /pets,GET /pets/{id}",
        "--timings",
        &timings.path().to_string_lossy(),
    ]);
    assert_eq!(report["requests"], requests, "{report:#}");
    assert_eq!(report["sent"], requests);
    assert_eq!(report["log_rows_gained"], requests, "{report:#}");
    flush();
    assert_eq!(logged(&mock.dir) - before, requests);
    // Every request made from the spec is valid: no 422 and no 5xx.
    let statuses = report["statuses"].as_object().unwrap();
    assert!(
        statuses.keys().all(|s| s.starts_with('2') || s == "404"),
        "{report:#}"
    );
    assert_eq!(report["errors"]["connect"], 0);
    assert_eq!(report["errors"]["timeout"], 0);
    assert_eq!(report["errors"]["io"], 0);
    // The weights hold: GET /pets had three shares of five.
    let ops = report["operations"].as_array().unwrap();
    let share = |key: &str| {
        ops.iter().find(|o| o["operation"] == key).unwrap()["requests"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(share("GET /pets"), 1_200);
    assert_eq!(share("POST /pets") + share("GET /pets/{id}"), 800);
    assert_eq!(
        report["operations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["requests"].as_u64().unwrap())
            .sum::<u64>(),
        requests
    );
    // The percentiles agree with the per-request timings.
    let text = std::fs::read_to_string(timings.path()).unwrap();
    let mut latencies: Vec<u64> = text
        .lines()
        .skip(1)
        .map(|line| line.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(latencies.len() as u64, requests);
    latencies.sort_unstable();
    let latency = &report["latency_ms"];
    for (name, quantile) in [("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99)] {
        close(
            latency[name].as_f64().unwrap(),
            nearest_rank(&latencies, quantile),
            name,
        );
    }
    close(
        latency["max"].as_f64().unwrap(),
        *latencies.last().unwrap(),
        "max",
    );
    let mean = latencies.iter().sum::<u64>() as f64 / latencies.len() as f64;
    let reported_mean = latency["mean"].as_f64().unwrap() * 1000.0;
    assert!(
        (reported_mean - mean).abs() <= mean * 0.01 + 2.0,
        "mean: reported {reported_mean} µs, recomputed {mean} µs"
    );
}

#[test]
fn credentials_from_the_mock_folder_pass_its_auth() {
    let spec = repo_specs_dir().join("openapi30-security.yaml");
    let mock = GeneratedMock::new(&spec.to_string_lossy(), &RenderOptions::default()).unwrap();
    let server = mock.start_on(Engine::Native).unwrap();
    let report = load(&[
        &server.url(),
        "--spec",
        &mock.dir.to_string_lossy(),
        "-n",
        "300",
    ]);
    assert_eq!(report["requests"], 300);
    assert_eq!(report["errors"]["non_2xx"], 0, "{report:#}");
    // The same secrets are derived from the spec itself.
    let from_spec = load(&[
        &server.url(),
        "--spec",
        &spec.to_string_lossy(),
        "-n",
        "100",
    ]);
    assert_eq!(from_spec["errors"]["non_2xx"], 0, "{from_spec:#}");
    let without = load(&[
        &server.url(),
        "--spec",
        &spec.to_string_lossy(),
        "-n",
        "100",
        "--no-credentials",
    ]);
    assert!(without["statuses"]["401"].as_u64().unwrap() > 0);
}

#[test]
fn the_open_model_keeps_its_rate() {
    let spec = repo_specs_dir().join("petstore.yaml");
    let mock = GeneratedMock::new(&spec.to_string_lossy(), &RenderOptions::default()).unwrap();
    let server = mock.start_on(Engine::Native).unwrap();
    let report = load(&[
        &server.url(),
        "--spec",
        &spec.to_string_lossy(),
        "--duration",
        "2",
        "--rate",
        "400",
        "-c",
        "4",
    ]);
    assert_eq!(report["model"], "open");
    let sent = report["sent"].as_u64().unwrap();
    assert!((760..=840).contains(&sent), "{report:#}");
    assert_eq!(report["requests"], sent);
}

#[test]
fn no_server_is_a_clear_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = repo_specs_dir().join("petstore.yaml");
    let output = Command::new(mockloop_mcp_text().unwrap())
        .args(["load", &format!("http://127.0.0.1:{port}"), "--spec"])
        .arg(&spec)
        .args(["-n", "50"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no request was answered"), "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    let bad = Command::new(mockloop_mcp_text().unwrap())
        .args(["load", "http://127.0.0.1:1", "--spec", "/nonexistent.yaml"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent.yaml"));
}

#[test]
fn run_load_test_over_mcp_reports_progress() {
    let spec = repo_specs_dir().join("petstore.yaml");
    let mock = GeneratedMock::new(&spec.to_string_lossy(), &RenderOptions::default()).unwrap();
    let server = mock.start_on(Engine::Native).unwrap();
    let plan = json!([
        {"name": "run_load_test", "arguments": {
            "server_url": server.url(),
            "spec_url_or_path": mock.dir,
            "duration_s": 1.5,
            "concurrency": 4,
        }},
        {"name": "run_load_test", "arguments": {
            "server_url": server.url(),
            "spec_url_or_path": mock.dir,
            "operations": ["no-such-operation"],
        }},
    ]);
    let report = mcp_common::python_client("stdio", &mockloop_mcp_text().unwrap(), &plan, &[]);
    let results = report["results"].as_array().unwrap();
    let done = &results[0];
    assert_eq!(done["isError"], false, "{done:#}");
    let content = &done["structuredContent"];
    let requests = content["requests"].as_u64().unwrap();
    assert!(requests > 100, "{content:#}");
    assert_eq!(content["log_rows_gained"], requests);
    assert!(
        !done["progress"].as_array().unwrap().is_empty(),
        "no progress notifications: {done:#}"
    );
    let refused = &results[1];
    assert_eq!(refused["isError"], true);
    assert!(
        refused["text"][0]
            .as_str()
            .unwrap()
            .contains("no-such-operation")
    );
}

#[test]
fn ctrl_c_stops_a_load_test_with_its_report() {
    let spec = repo_specs_dir().join("petstore.yaml");
    let mock = GeneratedMock::new(&spec.to_string_lossy(), &RenderOptions::default()).unwrap();
    let server = mock.start_on(Engine::Native).unwrap();
    let child = Command::new(mockloop_mcp_text().unwrap())
        .args(["load", &server.url(), "--spec"])
        .arg(&mock.dir)
        .args(["--duration", "60", "-c", "2", "--rate", "200", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let started = std::time::Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["cancelled"], true);
    assert!(report["requests"].as_u64().unwrap() > 50, "{report:#}");
    assert!(report["duration_s"].as_f64().unwrap() < 10.0);
}
