//! Running mocks through MCP with the official Python SDK over stdio: a
//! mock started in one session answers, logs and changes its responses, is
//! listed and stopped by a later session, and is then gone; two starts on
//! one port both run; a pid mockloop did not start is never stopped; a mock
//! that cannot start reports its output and leaves nothing running.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod mcp_common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use mcp_common::{petstore_spec, python_client, send_traffic};
use serde_json::{Value, json};

/// The state and output folders of one test, and the binary.
struct Env {
    _dir: tempfile::TempDir,
    state: PathBuf,
    out: PathBuf,
    cache: PathBuf,
    binary: String,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (state, out, cache) = (
            dir.path().join("state"),
            dir.path().join("mocks"),
            dir.path().join("cache"),
        );
        let binary = mockloop_tests::binary::mockloop_mcp()
            .unwrap()
            .display()
            .to_string();
        Self {
            _dir: dir,
            state,
            out,
            cache,
            binary,
        }
    }

    /// One MCP session over stdio running `plan`; its results.
    fn session(&self, plan: Value) -> Vec<Value> {
        let envs = [
            ("MOCKLOOP_STATE_DIR", self.state.as_path()),
            ("MOCKLOOP_OUTPUT_DIR", self.out.as_path()),
            ("MOCKLOOP_CACHE_DIR", self.cache.as_path()),
        ];
        let report = python_client("stdio", &self.binary, &plan, &envs);
        report["results"].as_array().unwrap().clone()
    }
}

impl Drop for Env {
    /// Stops whatever a failed test left running (by process group).
    fn drop(&mut self) {
        let text = std::fs::read_to_string(self.state.join("servers.json")).unwrap_or_default();
        let entries: Vec<Value> = serde_json::from_str(&text).unwrap_or_default();
        for pid in entries.iter().filter_map(|e| e["pid"].as_u64()) {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
        }
    }
}

fn alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or_default()
            .trim_start()
            .starts_with('Z')
    })
}

fn port_open(port: u64) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", u16::try_from(port).unwrap())).is_ok()
}

fn the_loop(engine: &str, env: &Env, budget: Duration) {
    let spec = petstore_spec();
    let started = &env.session(json!([
        {"name": "start_mock_server", "arguments": {"spec_url_or_path": spec, "engine": engine}}
    ]))[0];
    assert_eq!(started["isError"], false, "{started}");
    assert!(
        started["elapsed_ms"].as_f64().unwrap() < budget.as_secs_f64() * 1000.0,
        "start_mock_server took {} ms",
        started["elapsed_ms"]
    );
    let server = &started["structuredContent"]["server"];
    assert_eq!(server["engine"], engine);
    let progress = started["progress"].to_string();
    assert!(
        progress.contains(&format!("starting the {engine} engine")),
        "{progress}"
    );
    let url = server["url"].as_str().unwrap().to_owned();
    let (pid, port) = (
        server["pid"].as_u64().unwrap(),
        server["port"].as_u64().unwrap(),
    );
    let health: Value = reqwest::blocking::get(format!("{url}/health"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health["engine"], engine);

    // The first session is over; the mock still runs. Traffic, the log,
    // a live change, all from a second session.
    let sent = send_traffic(&url, "mcp-loop");
    let results = env.session(json!([
        {"name": "query_mock_logs", "arguments": {"server_url": url, "session_id": "mcp-loop"}},
        {"name": "manage_mock_data", "arguments": {"server_url": url, "operation": "update_response", "endpoint_path": "/pets", "response_data": ["changed"]}},
    ]));
    assert_eq!(
        results[0]["structuredContent"]["total_count"],
        sent.len(),
        "{}",
        results[0]
    );
    assert_eq!(results[1]["isError"], false, "{}", results[1]);
    let body: Value = reqwest::blocking::get(format!("{url}/v1/pets"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body, json!(["changed"]));

    // A third session lists it and stops it; then it is gone.
    let results = env.session(json!([
        {"name": "list_mock_servers", "arguments": {}},
        {"name": "stop_mock_server", "arguments": {"url": url}},
        {"name": "list_mock_servers", "arguments": {}},
    ]));
    let listed = &results[0]["structuredContent"]["servers"];
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["server"]["url"], url.as_str());
    assert_eq!(listed[0]["answering"], true);
    assert_eq!(
        results[1]["structuredContent"]["stopped"][0]["outcome"], "stopped",
        "{}",
        results[1]
    );
    assert_eq!(results[2]["structuredContent"]["servers"], json!([]));
    assert!(!alive(pid), "pid {pid} still runs");
    assert!(!port_open(port), "port {port} still open");
}

#[test]
fn native_mock_started_listed_and_stopped_across_sessions() {
    the_loop("native", &Env::new(), Duration::from_secs(2));
}

#[test]
fn fastapi_mock_from_a_cold_and_a_warm_cache() {
    let env = Env::new();
    // Cold: the venv is built (pip install), within a few minutes, and
    // the client hears about it.
    the_loop("fastapi", &env, Duration::from_secs(300));
    assert!(env.cache.join("venvs").is_dir());
    // Warm: the cached venv is reused.
    the_loop("fastapi", &env, Duration::from_secs(30));
}

#[test]
fn two_starts_on_one_port_both_run_and_foreign_pids_are_refused() {
    let env = Env::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = petstore_spec();
    let results = env.session(json!([
        {"name": "start_mock_server", "arguments": {"spec_url_or_path": spec, "port": port}},
        {"name": "start_mock_server", "arguments": {"spec_url_or_path": spec, "port": port}},
        {"name": "list_mock_servers", "arguments": {}},
        {"name": "stop_mock_server", "arguments": {"pid": std::process::id()}},
    ]));
    let urls: Vec<&str> = results[..2]
        .iter()
        .map(|r| r["structuredContent"]["server"]["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls[0], format!("http://127.0.0.1:{port}"));
    assert_ne!(urls[0], urls[1]);
    assert_eq!(results[1]["structuredContent"]["port_changed"], true);
    assert_eq!(
        results[2]["structuredContent"]["servers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for url in &urls {
        assert!(
            reqwest::blocking::get(format!("{url}/health"))
                .unwrap()
                .status()
                .is_success()
        );
    }
    assert_eq!(results[3]["isError"], true, "{}", results[3]);
    assert!(
        results[3]["text"][0]
            .as_str()
            .unwrap()
            .contains("only stops servers it started")
    );
    assert!(alive(u64::from(std::process::id())));
    let stopped = env.session(json!([
        {"name": "stop_mock_server", "arguments": {"mock_dir": results[0]["structuredContent"]["server"]["mock_dir"]}}
    ]));
    assert_eq!(
        stopped[0]["structuredContent"]["stopped"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{}",
        stopped[0]
    );
}

#[test]
fn a_mock_that_cannot_start_reports_its_output_and_leaves_nothing() {
    let env = Env::new();
    let spec = petstore_spec();
    let generated = &env.session(json!([
        {"name": "generate_mock_api", "arguments": {"spec_url_or_path": spec, "output_dir_name": "broken"}}
    ]))[0];
    let dir = PathBuf::from(generated["structuredContent"]["path"].as_str().unwrap());
    break_main(&dir);
    let failed = &env.session(json!([
        {"name": "start_mock_server", "arguments": {"mock_dir": dir, "engine": "fastapi"}},
        {"name": "list_mock_servers", "arguments": {}},
    ]));
    assert_eq!(failed[0]["isError"], true);
    let text = failed[0]["text"][0].as_str().unwrap();
    assert!(
        text.contains("did not start") && text.contains("SyntaxError"),
        "{text}"
    );
    assert_eq!(failed[1]["structuredContent"]["servers"], json!([]));
}

fn break_main(dir: &Path) {
    let main = dir.join("main.py");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, format!("{text}\ndef broken(:\n")).unwrap();
}

#[test]
fn the_docker_engine_without_docker_says_so_and_starts_nothing() {
    let docker = std::process::Command::new("docker").arg("info").output();
    if docker.is_ok_and(|out| out.status.success()) {
        eprintln!(
            "\n!!! SKIPPED: a Docker engine is reachable here; this test is for machines without one\n"
        );
        return;
    }
    let env = Env::new();
    let results = env.session(json!([
        {"name": "start_mock_server", "arguments": {"spec_url_or_path": petstore_spec(), "engine": "docker"}},
        {"name": "list_mock_servers", "arguments": {}},
    ]));
    assert_eq!(results[0]["isError"], true);
    let text = results[0]["text"][0].as_str().unwrap();
    assert!(
        text.contains("docker") && text.contains("engine native"),
        "{text}"
    );
    assert_eq!(results[1]["structuredContent"]["servers"], json!([]));
}
