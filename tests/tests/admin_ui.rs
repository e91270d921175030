//! The admin UI at `/admin`, rendered by headless Chromium against a running
//! mock that has served traffic, including a request whose path, header and
//! body carry HTML. The page must list the requests, draw its charts, and
//! show the hostile text as text only. `--no-admin-ui` removes the page.
//!
//! Needs `chromium` (Debian's package; `.ci/run` installs it). Without it the
//! browser test is skipped with a loud message.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mockloop_runtime::{RenderOptions, generate_project};
use mockloop_tests::server::START_TIMEOUT;
use mockloop_tests::{Engine, MockServer, Venv, on_both_engines, paths};
use serde_json::json;

const IMG: &str = "<img src=x onerror=alert(1)>";
const SCRIPT: &str = "<script>alert(2)</script>";

on_both_engines!(
    admin_ui_renders_traffic_and_escapes_it,
    no_admin_ui_flag_removes_the_page,
    an_api_with_its_own_get_admin_keeps_it,
    admin_ui_with_a_token_asks_for_it,
    admin_ui_names_graphql_operations
);

fn generate(out: &Path, options: &RenderOptions) -> (PathBuf, Venv) {
    generate_from(&paths::repo_specs_dir().join("petstore.yaml"), out, options)
}

fn generate_from(spec: &Path, out: &Path, options: &RenderOptions) -> (PathBuf, Venv) {
    let (dir, _) = generate_project(&spec.to_string_lossy(), out, Some("mock"), options)
        .unwrap_or_else(|err| panic!("{err}"));
    let venv = Venv::for_requirements(&dir.join("requirements_mock.txt"))
        .unwrap_or_else(|err| panic!("{err}"));
    (dir, venv)
}

/// The Chromium binary; `None` (after a loud message) if none is installed.
fn chromium_or_skip(test: &str) -> Option<String> {
    let found = chromium();
    if found.is_none() {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !!! SKIPPED: {test}: no chromium installed.\n\
             !!! Install it with: apt-get install -y chromium chromium-driver\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
    }
    found
}

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        })
        .map(str::to_owned)
}

/// The DOM of `url` after 5 s of virtual time (timers and polling run).
fn dump_dom(browser: &str, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=5000", "--dump-dom", url])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run {browser}: {err}"));
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("{browser} did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{browser}: {}", output.status);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Normal traffic, one 404, then hostile requests: one with HTML in its
/// path, then one with HTML in a header and the body (the newest, so the
/// details pane shows it).
fn send_traffic(base: &str) {
    let client = reqwest::blocking::Client::new();
    for session in ["alpha", "beta"] {
        for path in ["/v1/pets", "/v1/pets?limit=3", "/v1/pets/1"] {
            let status = client
                .get(format!("{base}{path}"))
                .header("X-Session-Id", session)
                .send()
                .unwrap()
                .status();
            assert!(status.is_success(), "GET {path}: {status}");
        }
    }
    client.get(format!("{base}/nowhere")).send().unwrap();
    let hostile_path = format!("{base}/v1/pets/{}", IMG.replace(' ', "%20"));
    client.get(hostile_path).send().unwrap();
    client
        .post(format!("{base}/v1/pets"))
        .header("X-Evil", SCRIPT)
        .header("X-Session-Id", IMG)
        .json(&json!({"id": 7, "name": IMG, "tag": SCRIPT}))
        .send()
        .unwrap();
}

/// An active scenario (with HTML in its description) and an override.
fn set_up_scenario_and_override(base: &str) {
    let client = reqwest::blocking::Client::new();
    let admin = format!("{base}/admin/api/mock-data");
    let scenario = json!({
        "name": "slow-list",
        "description": "<b>bold</b>",
        "endpoints": {"GET /pets": {"delay_ms": 5}},
    });
    for (url, body) in [
        (format!("{admin}/scenarios"), scenario),
        (format!("{admin}/scenarios/slow-list/activate"), json!({})),
        (
            format!("{admin}/responses"),
            json!({"method": "GET", "path": "/pets/{petId}", "status_code": 503}),
        ),
    ] {
        let response = client.post(&url).json(&body).send().unwrap();
        assert!(
            response.status().is_success(),
            "POST {url}: {}",
            response.status()
        );
    }
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

fn admin_ui_renders_traffic_and_escapes_it(engine: Engine) {
    let out = tempfile::tempdir().unwrap();
    let (dir, venv) = generate(out.path(), &RenderOptions::default());
    let server = MockServer::start_engine(engine, &dir, &venv, START_TIMEOUT, &[])
        .unwrap_or_else(|err| panic!("{err}"));
    let url = format!("{}/admin", server.url());

    let page = reqwest::blocking::get(&url).unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'sha256-") && !csp.contains("unsafe-inline' 'self'"),
        "{csp}"
    );
    let html = page.text().unwrap();
    for needle in ["href=\"http", "href=\"//", " src=", "@import", "url("] {
        assert!(
            !html.contains(needle),
            "the page loads resources ({needle})"
        );
    }

    send_traffic(&server.url());
    set_up_scenario_and_override(&server.url());
    let Some(browser) = chromium_or_skip("admin UI browser test") else {
        return;
    };
    let dom = dump_dom(&browser, &url);
    let context = || format!("--- DOM ---\n{dom}\n--- server ---\n{}", server.output());

    // The requests: /health (one or more: the start-up poll may ask again
    // before it has seen the server's "running" line), 6 + the 404 + 2
    // hostile ones; the page and the API calls it makes are admin requests,
    // hidden.
    let rows = count(&dom, "class=\"request-row");
    let health = count(&dom, "<td>/health</td>");
    assert!(health >= 1, "{}", context());
    assert_eq!(rows - health, 9, "{}", context());
    assert!(dom.contains("/v1/pets/1"), "{}", context());
    assert!(
        dom.contains(">alpha<") && dom.contains(">beta<"),
        "{}",
        context()
    );
    // The charts: a traffic point, four percentile bars, one bar per status.
    assert!(count(&dom, "<circle class=\"point") >= 1, "{}", context());
    for label in ["p50", "p90", "p95", "p99"] {
        assert!(
            dom.contains(&format!("data-label=\"{label}\"")),
            "{}",
            context()
        );
    }
    for status in ["200", "404"] {
        let bar = format!("class=\"bar status-{}\"", &status[..1]);
        assert!(dom.contains(&bar), "no {status} bar\n{}", context());
    }
    assert!(
        dom.contains(&format!("{rows} matching requests")),
        "{}",
        context()
    );
    // Scenarios, overrides and webhooks panels loaded (webhooks may be absent).
    assert!(dom.contains("Active scenario: slow-list"), "{}", context());
    assert!(
        dom.contains("<span class=\"badge\">active</span>"),
        "{}",
        context()
    );
    assert!(dom.contains("&lt;b&gt;bold&lt;/b&gt;"), "{}", context());
    assert_eq!(count(&dom, "<b>"), 0, "{}", context());
    assert!(
        dom.contains("<td>GET /pets/{petId}</td><td>503</td>"),
        "{}",
        context()
    );
    assert!(dom.contains("Overridden endpoints: 1."), "{}", context());
    assert!(
        dom.contains("No webhooks registered.")
            || dom.contains("Registered webhooks:")
            || dom.contains("has no webhooks API"),
        "{}",
        context()
    );

    // The hostile text is shown, escaped, in the row and the details.
    assert!(
        dom.contains("/v1/pets/&lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        context()
    );
    assert!(
        count(&dom, "&lt;script&gt;alert(2)&lt;/script&gt;") >= 2,
        "header and body\n{}",
        context()
    );
    // ... and never as an element: the page's own script is the only one,
    // and the page has no images.
    assert_eq!(count(&dom, "<script"), 1, "{}", context());
    assert_eq!(count(&dom, "<img"), 0, "{}", context());
    assert!(!dom.contains("onerror=\""), "{}", context());
}

fn no_admin_ui_flag_removes_the_page(engine: Engine) {
    let out = tempfile::tempdir().unwrap();
    let options = RenderOptions::default().with_feature("admin_ui", false);
    let (dir, venv) = generate(out.path(), &options);
    let server = MockServer::start_engine(engine, &dir, &venv, START_TIMEOUT, &[])
        .unwrap_or_else(|err| panic!("{err}"));
    let page = reqwest::blocking::get(format!("{}/admin", server.url())).unwrap();
    assert_eq!(page.status(), 404);
    let api = reqwest::blocking::get(format!("{}/admin/api/info", server.url())).unwrap();
    assert_eq!(api.status(), 200, "the admin API stays");
}

/// An API with its own `GET /admin` keeps it; the UI steps aside.
const OWN_ADMIN: &str = "\
openapi: 3.0.3
info: {title: Own admin, version: '1'}
paths:
  /admin:
    get:
      responses:
        '200':
          description: the API's own page
          content:
            application/json:
              example: {mine: true}
";

fn an_api_with_its_own_get_admin_keeps_it(engine: Engine) {
    let out = tempfile::tempdir().unwrap();
    let spec = out.path().join("own_admin.yaml");
    std::fs::write(&spec, OWN_ADMIN).unwrap();
    let (dir, venv) = generate_from(&spec, out.path(), &RenderOptions::default());
    let server = MockServer::start_engine(engine, &dir, &venv, START_TIMEOUT, &[])
        .unwrap_or_else(|err| panic!("{err}"));
    let page = reqwest::blocking::get(format!("{}/admin", server.url())).unwrap();
    assert_eq!(page.status(), 200);
    let body: serde_json::Value = page.json().unwrap();
    assert_eq!(body, json!({"mine": true}));
}

fn admin_ui_with_a_token_asks_for_it(engine: Engine) {
    let out = tempfile::tempdir().unwrap();
    let (dir, venv) = generate(out.path(), &RenderOptions::default());
    let token = "tok-<b>&\"'";
    let server = MockServer::start_engine(
        engine,
        &dir,
        &venv,
        mockloop_tests::server::START_TIMEOUT,
        &[("MOCKLOOP_ADMIN_TOKEN", token)],
    )
    .unwrap_or_else(|err| panic!("{err}"));
    reqwest::blocking::get(format!("{}/v1/pets", server.url())).unwrap();
    let Some(browser) = chromium_or_skip("admin UI token test") else {
        return;
    };
    let url = format!("{}/admin", server.url());

    // Without the token: no data, the token field shown, the reason given.
    let dom = dump_dom(&browser, &url);
    assert_eq!(count(&dom, "class=\"request-row"), 0, "{dom}");
    assert!(dom.contains("<form id=\"token-form\">"), "{dom}");
    assert!(dom.contains("needs the admin token"), "{dom}");

    // With it (handed over in the fragment, which is never sent): data.
    let fragment: String = token.bytes().map(|b| format!("%{b:02X}")).collect();
    let dom = dump_dom(&browser, &format!("{url}#token={fragment}"));
    assert!(count(&dom, "class=\"request-row") >= 1, "{dom}");
    assert!(dom.contains("<form id=\"token-form\" hidden"), "{dom}");
    assert!(!dom.contains("needs the admin token"), "{dom}");
}

/// A GraphQL mock's requests are listed with their operation's name.
fn admin_ui_names_graphql_operations(engine: Engine) {
    let out = tempfile::tempdir().unwrap();
    let spec = paths::repo_specs_dir().join("graphql-edge-cases.graphql");
    let (dir, venv) = generate_from(&spec, out.path(), &RenderOptions::default());
    let server = MockServer::start_engine(engine, &dir, &venv, START_TIMEOUT, &[])
        .unwrap_or_else(|err| panic!("{err}"));
    let client = reqwest::blocking::Client::new();
    for query in [
        "query Shelf { books { id } }",
        "mutation Add { deleteBook(id: \"x\") }",
    ] {
        let response = client
            .post(format!("{}/graphql", server.url()))
            .json(&json!({"query": query}))
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let Some(browser) = chromium_or_skip("admin UI GraphQL test") else {
        return;
    };
    let dom = dump_dom(&browser, &format!("{}/admin", server.url()));
    for wanted in [
        "/graphql \u{b7} query Shelf",
        "/graphql \u{b7} mutation Add",
    ] {
        assert!(dom.contains(wanted), "{wanted}\n{dom}");
    }
}
