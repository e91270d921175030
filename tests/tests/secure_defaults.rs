//! Secure defaults, end to end against running mocks: `python main.py`
//! listens on loopback only (and splits off the admin port when one is
//! set), no CORS headers unless origins are configured and never `*` with
//! credentials, and `MOCKLOOP_ADMIN_TOKEN` guards every `/admin` route.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mockloop_runtime::RenderOptions;
use mockloop_tests::server::START_TIMEOUT;
use mockloop_tests::{Engine, GeneratedMock, MockServer, Venv, on_both_engines, paths};
use reqwest::blocking::{Client, Response};

on_both_engines!(
    no_cors_headers_and_open_admin_by_default,
    cors_for_configured_origins_and_the_admin_token,
    wildcard_cors_never_allows_credentials
);

fn fixture() -> GeneratedMock {
    let spec = paths::repo_specs_dir().join("petstore.yaml");
    GeneratedMock::new(&spec.to_string_lossy(), &RenderOptions::default())
        .unwrap_or_else(|err| panic!("{err}"))
}

fn start(mock: &GeneratedMock, env: &[(&str, &str)], engine: Engine) -> MockServer {
    mock.start_on_with_env(engine, env)
        .unwrap_or_else(|err| panic!("{err}"))
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
}

fn preflight(base: &str, path: &str, origin: &str) -> Response {
    client()
        .request(reqwest::Method::OPTIONS, format!("{base}{path}"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `python main.py` in a mock folder; killed when dropped.
struct MainPy(Child);

impl MainPy {
    fn start(dir: &Path, venv: &Venv, env: &[(&str, &str)], port: u16) -> Self {
        let child = Command::new(venv.python())
            .arg("main.py")
            .current_dir(dir)
            .env_remove("MOCKLOOP_HOST")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self(child);
        let started = Instant::now();
        let url = format!("http://127.0.0.1:{port}/health");
        while client().get(&url).send().is_err() {
            assert!(
                started.elapsed() < START_TIMEOUT,
                "python main.py did not answer on {port}"
            );
            std::thread::sleep(Duration::from_millis(150));
        }
        server
    }
}

impl Drop for MainPy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn status(url: &str) -> u16 {
    client().get(url).send().unwrap().status().as_u16()
}

#[test]
fn main_py_listens_on_loopback_and_splits_the_admin_port() {
    let fixture = fixture();
    let (port, admin_port) = (free_port(), free_port());
    let env = [
        ("MOCKLOOP_PORT", port.to_string()),
        ("MOCKLOOP_ADMIN_PORT", admin_port.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _server = MainPy::start(&fixture.dir, &fixture.venv, &env, port);

    for p in [port, admin_port] {
        let addresses = mockloop_tests::net::listening_addresses(p);
        if addresses.is_empty() {
            eprintln!("!!! cannot read /proc/net/tcp; the bind address is not checked");
            continue;
        }
        // 127.0.0.1 in /proc/net/tcp's little-endian hex.
        assert_eq!(addresses, ["0100007F"], "port {p} listens beyond loopback");
    }

    let main = format!("http://127.0.0.1:{port}");
    let admin = format!("http://127.0.0.1:{admin_port}");
    assert_eq!(status(&format!("{main}/v1/pets")), 200);
    assert_eq!(status(&format!("{main}/admin/api/info")), 404);
    assert_eq!(status(&format!("{main}/admin")), 404);
    assert_eq!(status(&format!("{admin}/admin/api/info")), 200);
    assert_eq!(status(&format!("{admin}/admin")), 200);
    assert_eq!(status(&format!("{admin}/health")), 200);
    assert_eq!(status(&format!("{admin}/v1/pets")), 404);
    // Requests on the main port reach the log the admin port reads.
    let found: serde_json::Value = client()
        .get(format!("{admin}/admin/api/logs/search?path_pattern=pets"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(found["total_count"].as_u64().unwrap() >= 1, "{found}");
}

fn no_cors_headers_and_open_admin_by_default(engine: Engine) {
    let fixture = fixture();
    let server = start(&fixture, &[], engine);
    let base = server.url();
    for path in ["/v1/pets", "/admin/api/info"] {
        let response = preflight(&base, path, "https://evil.example");
        assert_eq!(header(&response, "access-control-allow-origin"), None);
        assert_eq!(header(&response, "access-control-allow-credentials"), None);
        let response = client()
            .get(format!("{base}{path}"))
            .header("Origin", "https://evil.example")
            .send()
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "access-control-allow-origin"), None);
    }
}

fn cors_for_configured_origins_and_the_admin_token(engine: Engine) {
    let fixture = fixture();
    let server = start(
        &fixture,
        &[
            (
                "MOCKLOOP_CORS_ORIGINS",
                "https://app.example, http://localhost:3000",
            ),
            ("MOCKLOOP_ADMIN_TOKEN", "s3cret-token"),
        ],
        engine,
    );
    let base = server.url();

    // CORS: the configured origins, with credentials; nobody else.
    let allowed = preflight(&base, "/admin/api/info", "https://app.example");
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        header(&allowed, "access-control-allow-origin").as_deref(),
        Some("https://app.example")
    );
    assert_eq!(
        header(&allowed, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    let foreign = preflight(&base, "/v1/pets", "https://evil.example");
    assert_eq!(header(&foreign, "access-control-allow-origin"), None);
    let simple = client()
        .get(format!("{base}/v1/pets"))
        .header("Origin", "http://localhost:3000")
        .send()
        .unwrap();
    assert_eq!(
        header(&simple, "access-control-allow-origin").as_deref(),
        Some("http://localhost:3000")
    );

    // The admin token: every /admin route but the page shell.
    let info = format!("{base}/admin/api/info");
    let denied = client().get(&info).send().unwrap();
    assert_eq!(denied.status(), 401);
    let body: serde_json::Value = denied.json().unwrap();
    assert!(body["error"].is_string(), "{body}");
    for (name, value) in [
        ("Authorization", "Bearer wrong"),
        ("Authorization", "Basic czNjcmV0LXRva2Vu"),
        ("X-Admin-Token", "s3cret-toke"),
        ("X-Admin-Token", ""),
    ] {
        let response = client().get(&info).header(name, value).send().unwrap();
        assert_eq!(response.status(), 401, "{name}: {value}");
    }
    for (name, value) in [
        ("Authorization", "Bearer s3cret-token"),
        ("X-Admin-Token", "s3cret-token"),
    ] {
        let response = client().get(&info).header(name, value).send().unwrap();
        assert_eq!(response.status(), 200, "{name}: {value}");
    }
    for path in [
        "/admin/api/logs/search",
        "/admin/api/mock-data/scenarios",
        "/admin/api/webhooks",
        "/admin/anything",
    ] {
        assert_eq!(status(&format!("{base}{path}")), 401, "{path}");
    }
    let scenario = client()
        .post(format!("{base}/admin/api/mock-data/scenarios"))
        .json(&serde_json::json!({"name": "x", "endpoints": {}}))
        .send()
        .unwrap();
    assert_eq!(scenario.status(), 401);
    // The page shell holds no data; the API it calls is guarded.
    assert_eq!(status(&format!("{base}/admin")), 200);
    assert_eq!(status(&format!("{base}/v1/pets")), 200);
    assert_eq!(status(&format!("{base}/health")), 200);
}

fn wildcard_cors_never_allows_credentials(engine: Engine) {
    let fixture = fixture();
    let server = start(&fixture, &[("MOCKLOOP_CORS_ORIGINS", "*")], engine);
    let response = preflight(&server.url(), "/v1/pets", "https://evil.example");
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_ne!(
        header(&response, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
}
