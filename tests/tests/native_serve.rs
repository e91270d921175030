//! `mockloop-mcp serve` as a program: a spec served straight from the spec
//! (no folder, no Python), several mocks from one process on consecutive
//! ports, the admin port split on loopback, a clean stop on SIGTERM that
//! writes out the request log, and clear errors for bad arguments.
// Test helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mockloop_runtime::RenderOptions;
use mockloop_tests::backend::Api;
use mockloop_tests::paths::repo_specs_dir;
use mockloop_tests::{GeneratedMock, binary};
use serde_json::Value;

/// `mockloop-mcp serve ARGS...`, killed when dropped.
struct Serve {
    child: Child,
    urls: Vec<String>,
    lines: Vec<String>,
}

impl Serve {
    /// Starts `serve` and reads its `Serving ...` lines (one per mock).
    fn start(args: &[&str], mocks: usize) -> Self {
        let mut child = Command::new(binary::mockloop_mcp().unwrap())
            .arg("serve")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        let mut urls = Vec::new();
        while urls.len() < mocks {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "serve ended early: {lines:?}"
            );
            if let Some(rest) = line.split(" at ").nth(1) {
                urls.push(rest.split_whitespace().next().unwrap().to_owned());
            }
            lines.push(line);
        }
        Self { child, urls, lines }
    }

    /// SIGTERM; whether it exited on its own within `grace`.
    fn stop(mut self, grace: Duration) -> bool {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < grace {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get(url: &str) -> (u16, Value) {
    Api::send(reqwest::blocking::Client::new().get(url)).unwrap()
}

fn spec(name: &str) -> String {
    repo_specs_dir().join(name).to_string_lossy().into_owned()
}

#[test]
fn specs_are_served_from_the_spec_on_consecutive_ports() {
    let port = free_port_pair();
    let (petstore, crud) = (
        spec("openapi30-petstore-expanded.yaml"),
        spec("openapi30-crud.yaml"),
    );
    let server = Serve::start(&[&petstore, &crud, "--port", &port.to_string()], 2);
    assert_eq!(
        server.urls,
        [
            format!("http://127.0.0.1:{port}"),
            format!("http://127.0.0.1:{}", port + 1)
        ]
    );
    let (status, health) = get(&format!("{}/health", server.urls[0]));
    assert_eq!(status, 200);
    assert_eq!(health["engine"], "native");
    assert_eq!(health["mockloop"]["api_title"], "Swagger Petstore");
    let (status, pet) = get(&format!("{}/v2/pets/7", server.urls[0]));
    assert_eq!(status, 200, "{pet}");
    assert!(pet["name"].is_string(), "{pet}");
    let (_, other) = get(&format!("{}/health", server.urls[1]));
    assert_ne!(
        other["mockloop"]["api_title"], "Swagger Petstore",
        "{other}"
    );
    // The log of a spec served without a folder works like any other.
    let (status, found) = get(&format!("{}/admin/api/logs/search", server.urls[0]));
    assert_eq!(status, 200);
    assert_eq!(found["total_count"], 2, "{found}");
    assert_eq!(
        found["logs"][0]["operation_key"], "GET /pets/{id}",
        "{found}"
    );
    assert!(server.stop(Duration::from_secs(10)), "no clean stop");
}

#[test]
fn sigterm_writes_out_every_row_first() {
    let mock = GeneratedMock::new(
        &spec("openapi30-petstore-expanded.yaml"),
        &RenderOptions::default(),
    )
    .unwrap();
    let dir = mock.dir.to_string_lossy().into_owned();
    let server = Serve::start(&[&dir, "--port", "0"], 1);
    let client = reqwest::blocking::Client::new();
    for _ in 0..500 {
        let response = client
            .get(format!("{}/v2/pets/1", server.urls[0]))
            .header("X-Session-Id", "before-stop")
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    assert!(server.stop(Duration::from_secs(10)), "no clean stop");
    let db = rusqlite::Connection::open(mock.dir.join("db/request_logs.db")).unwrap();
    let rows: i64 = db
        .query_row(
            "SELECT count(*) FROM request_logs WHERE session_id = 'before-stop'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(rows, 500);
}

#[test]
fn the_admin_port_serves_only_admin_on_loopback() {
    let mock = GeneratedMock::new(
        &spec("openapi30-petstore-expanded.yaml"),
        &RenderOptions::default(),
    )
    .unwrap();
    let dir = mock.dir.to_string_lossy().into_owned();
    let port = free_port_pair();
    let server = Serve::start(
        &[
            &dir,
            "--port",
            &port.to_string(),
            "--admin-port",
            &(port + 1).to_string(),
        ],
        1,
    );
    assert!(
        server.lines[0].contains(&format!("admin http://127.0.0.1:{}/admin", port + 1)),
        "{:?}",
        server.lines
    );
    let (api, admin) = (
        format!("http://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port + 1),
    );
    assert_eq!(get(&format!("{api}/v2/pets")).0, 200);
    assert_eq!(get(&format!("{api}/admin/api/info")).0, 404);
    assert_eq!(get(&format!("{admin}/admin/api/info")).0, 200);
    assert_eq!(get(&format!("{admin}/v2/pets")).0, 404);
    assert_eq!(get(&format!("{admin}/health")).0, 200);
    for p in [port, port + 1] {
        let listening = mockloop_tests::net::listening_addresses(p);
        assert!(!listening.is_empty(), "nothing listens on {p}");
        // 0100007F: 127.0.0.1 in /proc/net/tcp's byte order.
        assert!(
            listening.iter().all(|a| a == "0100007F"),
            "{p} listens on {listening:?}"
        );
    }
}

#[test]
fn bad_arguments_get_a_clear_error_and_start_nothing() {
    let out = tempfile::tempdir().unwrap();
    let binary = binary::mockloop_mcp().unwrap();
    let run = |args: &[&str]| {
        let output = Command::new(&binary)
            .arg("serve")
            .args(args)
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, text) = run(&["no/such/spec.yaml"]);
    assert!(!ok && text.contains("no/such/spec.yaml"), "{text}");
    let (ok, text) = run(&[&out.path().to_string_lossy()]);
    assert!(!ok && text.contains("has no mockloop.json"), "{text}");
    let invalid =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/invalid/ref-to-nowhere.yaml");
    let (ok, text) = run(&[&invalid.to_string_lossy()]);
    assert!(!ok && text.contains("ref-to-nowhere.yaml"), "{text}");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (ok, text) = run(&[&spec("petstore.yaml"), "--port", &port]);
    assert!(
        !ok && text.contains(&format!("127.0.0.1:{port}")) && text.contains("cannot listen"),
        "{text}"
    );
}

#[test]
fn a_folder_of_sdl_files_is_served_as_one_schema() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("base.graphql"),
        "type Query { hello: String! }\n",
    )
    .unwrap();
    std::fs::create_dir(folder.path().join("more")).unwrap();
    std::fs::write(
        folder.path().join("more/extra.graphqls"),
        "extend type Query { count: Int! }\n",
    )
    .unwrap();
    let port = free_port_pair();
    let source = folder.path().to_string_lossy();
    let server = Serve::start(&[&source, "--port", &port.to_string()], 1);
    let (status, answer) = Api::send(
        reqwest::blocking::Client::new()
            .post(format!("{}/graphql", server.urls[0]))
            .json(&serde_json::json!({"query": "{ hello count }"})),
    )
    .unwrap();
    assert_eq!(status, 200, "{answer}");
    assert!(answer["data"]["hello"].is_string(), "{answer}");
    assert!(answer["data"]["count"].is_i64(), "{answer}");
    assert!(server.stop(Duration::from_secs(10)), "no clean stop");
}

/// A port whose next port is free too (best effort).
fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let first = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = first.local_addr().unwrap().port();
        if port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two consecutive free ports");
}
