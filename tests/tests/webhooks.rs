//! Webhooks end to end against a local receiver: signed deliveries whose
//! HMAC verifies, a retry after a failed attempt, the delivery history,
//! `request.completed`, firing the spec's webhooks and callbacks, and the
//! rejection of non-http(s) URLs.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mockloop_runtime::{RenderOptions, generate_project};
use mockloop_tests::backend::{Api, with_json};
use mockloop_tests::paths::repo_specs_dir;
use mockloop_tests::{Engine, MockServer, Venv, on_both_engines};
use reqwest::Method;
use serde_json::{Value, json};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// A tiny HTTP server answering the queued statuses (then 200).
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(statuses: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let queue = Arc::new(Mutex::new(
            statuses.iter().copied().collect::<VecDeque<_>>(),
        ));
        let store = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                let mut headers = BTreeMap::new();
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    let header = header.trim_end();
                    if header.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':') {
                        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
                    }
                }
                let length: usize = headers
                    .get("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                store.lock().unwrap().push(Received {
                    path,
                    headers,
                    body,
                });
                let status = queue.lock().unwrap().pop_front().unwrap_or(200);
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Self { url, received }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn wait_for(&self, count: usize) -> Vec<Received> {
        let started = Instant::now();
        while self.received().len() < count && started.elapsed() < Duration::from_secs(15) {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.received()
    }
}

on_both_engines!(
    signed_deliveries_retry_and_are_recorded,
    only_http_urls_are_accepted,
    spec_webhooks_and_callbacks_can_be_fired
);

/// HMAC-SHA256 computed by Python's standard library, independently of
/// the mock's code.
fn hmac_hex(venv: &Venv, secret: &str, body: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), body).unwrap();
    let output = Command::new(venv.python())
        .args([
            "-c",
            "import hashlib, hmac, sys; print(hmac.new(sys.argv[1].encode(), \
             open(sys.argv[2], 'rb').read(), hashlib.sha256).hexdigest())",
            secret,
        ])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn generate(spec: &Path, out: &Path) -> (PathBuf, Venv) {
    let (dir, _) = generate_project(
        &spec.to_string_lossy(),
        out,
        Some("mock"),
        &RenderOptions::default(),
    )
    .unwrap_or_else(|err| panic!("{err}"));
    let venv = Venv::for_requirements(&dir.join("requirements_mock.txt"))
        .unwrap_or_else(|err| panic!("{err}"));
    (dir, venv)
}

fn start(dir: &Path, venv: &Venv, engine: Engine) -> MockServer {
    MockServer::start_engine(
        engine,
        dir,
        venv,
        Duration::from_secs(30),
        &[("MOCKLOOP_WEBHOOK_BACKOFF", "0.1")],
    )
    .unwrap_or_else(|err| panic!("{err}"))
}

fn post(api: &Api, path: &str, body: &Value) -> (u16, Value) {
    Api::send(with_json(api.request(Method::POST, path), body)).unwrap()
}

fn signed_deliveries_retry_and_are_recorded(engine: Engine) {
    let out = tempfile::tempdir().unwrap();
    let (dir, venv) = generate(&repo_specs_dir().join("openapi30-crud.yaml"), out.path());
    let server = start(&dir, &venv, engine);
    let api = Api::new(&server.url()).unwrap();
    let receiver = Receiver::start(&[500]);

    let hook = json!({"url": format!("{}/hook", receiver.url), "secret": "s3cret"});
    let (status, created) = post(&api, "/admin/api/webhooks", &hook);
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["events"], json!(["request.completed"]));

    let (status, result) = post(&api, &format!("/admin/api/webhooks/{id}/test"), &json!({}));
    assert_eq!(status, 200);
    assert_eq!(result["delivered"], true, "{result}");
    assert_eq!(result["attempts"], 2, "one 500, then 200: {result}");
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    for request in &got {
        assert_eq!(request.path, "/hook");
        assert_eq!(request.headers["x-mockloop-event"], "webhook.test");
        assert!(
            request.headers["x-mockloop-timestamp"]
                .parse::<u64>()
                .is_ok()
        );
        let expected = format!("sha256={}", hmac_hex(&venv, "s3cret", &request.body));
        assert_eq!(request.headers["x-mockloop-signature"], expected);
    }
    let payload: Value = serde_json::from_slice(&got[1].body).unwrap();
    assert_eq!(payload["event"], "webhook.test");

    let (status, history) =
        Api::send(api.get(&format!("/admin/api/webhooks/{id}/deliveries"))).unwrap();
    assert_eq!(status, 200);
    let attempts: Vec<(i64, bool)> = history["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["status_code"].as_i64().unwrap(),
                d["success"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(attempts, [(200, true), (500, false)], "newest first");

    // request.completed for the API's requests.
    let (status, _) = Api::send(api.get("/api/pets")).unwrap();
    assert_eq!(status, 200);
    let got = receiver.wait_for(3);
    assert_eq!(got.len(), 3);
    let event: Value = serde_json::from_slice(&got[2].body).unwrap();
    assert_eq!(got[2].headers["x-mockloop-event"], "request.completed");
    assert_eq!(event["operation"], "GET /pets");
    assert_eq!(event["status_code"], 200);
    let expected = format!("sha256={}", hmac_hex(&venv, "s3cret", &got[2].body));
    assert_eq!(got[2].headers["x-mockloop-signature"], expected);

    // Listing hides secrets; deleting stops deliveries.
    let (_, listed) = Api::send(api.get("/admin/api/webhooks")).unwrap();
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1);
    assert!(listed["webhooks"][0].get("secret").is_none());
    let path = format!("/admin/api/webhooks/{id}");
    assert_eq!(
        Api::send(api.request(Method::DELETE, &path)).unwrap().0,
        204
    );
    assert_eq!(
        Api::send(api.request(Method::DELETE, &path)).unwrap().0,
        404
    );
    let (_, listed) = Api::send(api.get("/admin/api/webhooks")).unwrap();
    assert_eq!(listed["webhooks"], json!([]));
}

fn only_http_urls_are_accepted(engine: Engine) {
    let out = tempfile::tempdir().unwrap();
    let (dir, venv) = generate(&repo_specs_dir().join("openapi30-crud.yaml"), out.path());
    let server = start(&dir, &venv, engine);
    let api = Api::new(&server.url()).unwrap();
    for url in [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "gopher://x",
        "/relative",
        "http://",
    ] {
        let (status, body) = post(&api, "/admin/api/webhooks", &json!({"url": url}));
        assert_eq!(status, 400, "{url}: {body}");
    }
    let (status, _) = post(
        &api,
        "/admin/api/webhooks",
        &json!({"url": "http://127.0.0.1:9/x", "events": "all"}),
    );
    assert_eq!(status, 400);
}

fn spec_webhooks_and_callbacks_can_be_fired(engine: Engine) {
    for (spec, name, field) in [
        ("openapi31-webhook-example.json", "newPet", "name"),
        ("openapi30-callback-example.yaml", "onData", "timestamp"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let (dir, venv) = generate(&repo_specs_dir().join(spec), out.path());
        let server = start(&dir, &venv, engine);
        let api = Api::new(&server.url()).unwrap();
        let (_, events) = Api::send(api.get("/admin/api/webhooks/events")).unwrap();
        assert!(events["events"].get(name).is_some(), "{events}");

        let receiver = Receiver::start(&[]);
        let fire = json!({"name": name, "url": format!("{}/in", receiver.url), "secret": "k"});
        let (status, result) = post(&api, "/admin/api/webhooks/fire", &fire);
        assert_eq!(
            (status, &result["delivered"]),
            (200, &json!(true)),
            "{result}"
        );
        let got = receiver.wait_for(1);
        let payload: Value = serde_json::from_slice(&got[0].body).unwrap();
        assert!(payload.get(field).is_some(), "{spec}: {payload}");
        assert_eq!(got[0].headers["x-mockloop-event"], name);
        let expected = format!("sha256={}", hmac_hex(&venv, "k", &got[0].body));
        assert_eq!(got[0].headers["x-mockloop-signature"], expected);

        let unknown = json!({"name": "nope", "url": receiver.url});
        assert_eq!(post(&api, "/admin/api/webhooks/fire", &unknown).0, 404);
    }
}
