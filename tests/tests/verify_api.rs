//! `mockloop-mcp verify` and `verify_api` against running mocks, on both
//! engines: a conformant mock passes (valid and invalid requests); with
//! overrides that break the schema of one operation, the content type of
//! another and the status of a third, exactly those three fail, each with
//! a curl line that reproduces it, and schemathesis finds the same three;
//! `--read-only` sends only GET and HEAD; bad input is a clear error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod mcp_common;

use std::collections::BTreeSet;
use std::process::Command;

use mockloop_runtime::RenderOptions;
use mockloop_tests::binary::mockloop_mcp_text;
use mockloop_tests::paths::repo_specs_dir;
use mockloop_tests::schemathesis::{self, Mode};
use mockloop_tests::{Engine, GeneratedMock, on_both_engines};
use serde_json::{Value, json};

/// `mockloop-mcp verify URL --spec SPEC ARGS --json`: the exit status and
/// the report.
fn verify(url: &str, spec: &str, args: &[&str]) -> (bool, Value) {
    let output = Command::new(mockloop_mcp_text().unwrap())
        .args(["verify", url, "--spec", spec, "--json"])
        .args(args)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "no report ({err}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.success(), report)
}

fn failing(report: &Value) -> BTreeSet<String> {
    report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op["passed"] == false)
        .map(|op| op["operation"].as_str().unwrap().to_owned())
        .collect()
}

fn crud_mock() -> GeneratedMock {
    let spec = repo_specs_dir().join("openapi30-crud.yaml");
    GeneratedMock::new(&spec.to_string_lossy(), &RenderOptions::default()).unwrap()
}

on_both_engines!(a_conformant_mock_passes);

fn a_conformant_mock_passes(engine: Engine) {
    let mock = crud_mock();
    let server = mock.start_on(engine).unwrap();
    let (ok, report) = verify(
        &server.url(),
        &mock.dir.to_string_lossy(),
        &["--negative", "--requests", "4"],
    );
    assert!(ok, "{report:#}");
    assert_eq!(report["operations_checked"], 6);
    assert_eq!(report["operations_failed"], 0, "{report:#}");
    // Invalid requests were sent too, and refused.
    let sent = report["requests_sent"].as_u64().unwrap();
    assert!(sent > 6 * 4, "{report:#}");
    let statuses: BTreeSet<String> = report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|op| op["statuses"].as_object().unwrap().keys().cloned())
        .collect();
    assert!(statuses.contains("422"), "{statuses:?}");
}

on_both_engines!(exactly_the_broken_operations_fail);

fn exactly_the_broken_operations_fail(engine: Engine) {
    let mock = crud_mock();
    let server = mock.start_on(engine).unwrap();
    let admin = reqwest::blocking::Client::new();
    for change in [
        json!({"method": "GET", "path": "/pets", "body": {"not": "a list"}}),
        json!({"method": "POST", "path": "/pets", "headers": {"Content-Type": "text/plain"}}),
        json!({"method": "PATCH", "path": "/pets/{petId}", "status_code": 418}),
    ] {
        admin
            .post(format!("{}/admin/api/mock-data/responses", server.url()))
            .json(&change)
            .send()
            .unwrap()
            .error_for_status()
            .unwrap();
    }
    let (ok, report) = verify(&server.url(), &mock.dir.to_string_lossy(), &[]);
    assert!(!ok);
    let expected: BTreeSet<String> = ["GET /pets", "POST /pets", "PATCH /pets/{petId}"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(failing(&report), expected, "{report:#}");
    let first = |key: &str| {
        report["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|op| op["operation"] == key)
            .unwrap()["failures"][0]
            .clone()
    };
    let schema = first("GET /pets");
    assert_eq!(schema["check"], "response_schema_conformance");
    assert_eq!(schema["pointer"], "");
    let content_type = first("POST /pets");
    assert_eq!(content_type["check"], "content_type_conformance");
    assert!(
        content_type["message"]
            .as_str()
            .unwrap()
            .contains("text/plain")
    );
    let status = first("PATCH /pets/{petId}");
    assert_eq!(status["check"], "status_code_conformance");
    assert_eq!(status["status"], 418);
    // Each curl line reproduces its failure.
    for (failure, expect) in [
        (&schema, "\"not\""),
        (&content_type, "text/plain"),
        (&status, " 418"),
    ] {
        let curl = failure["curl"].as_str().unwrap();
        let output = Command::new("sh").args(["-c", curl]).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).to_lowercase();
        assert!(output.status.success(), "{curl}");
        assert!(text.contains(&expect.to_lowercase()), "{curl}:\n{text}");
    }
    // Schemathesis finds the same three operations failing.
    let served = format!("{}/openapi.json", server.url());
    let found = schemathesis::run(
        &mock.venv,
        &served,
        &server.url(),
        "/api",
        10,
        Mode::Conformance,
        &[],
    )
    .expect_err("schemathesis passed a broken mock");
    let text = found.to_string();
    let theirs: BTreeSet<String> = text
        .lines()
        .filter_map(|line| {
            let name = line.trim().trim_matches('_').trim();
            (line.starts_with("___") && name.contains(' ')).then(|| name.to_owned())
        })
        .collect();
    assert_eq!(theirs, expected, "{text}");
}

#[test]
fn read_only_sends_only_get_and_head() {
    let mock = crud_mock();
    let server = mock.start_on(Engine::Native).unwrap();
    let (ok, report) = verify(
        &server.url(),
        &mock.dir.to_string_lossy(),
        &["--read-only", "--seed", "7"],
    );
    assert!(ok, "{report:#}");
    assert_eq!(report["operations_checked"], 2);
    assert_eq!(report["seed"], 7);
    assert_eq!(
        report["skipped"],
        json!([
            "POST /pets",
            "PUT /pets/{petId}",
            "DELETE /pets/{petId}",
            "PATCH /pets/{petId}"
        ])
    );
    let before = report["operations_checked"].clone();
    // The same seed sends the same requests.
    let (_, again) = verify(
        &server.url(),
        &mock.dir.to_string_lossy(),
        &["--read-only", "--seed", "7"],
    );
    assert_eq!(again["operations_checked"], before);
}

#[test]
fn bad_input_is_a_clear_error() {
    let spec = repo_specs_dir().join("openapi30-crud.yaml");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for (url, spec, expected) in [
        (
            format!("http://127.0.0.1:{port}"),
            spec.to_string_lossy().into_owned(),
            "no request got an answer",
        ),
        (
            "ftp://example.invalid".to_owned(),
            spec.to_string_lossy().into_owned(),
            "is not an http(s) URL",
        ),
        (
            "http://127.0.0.1:9".to_owned(),
            "/nonexistent/spec.yaml".to_owned(),
            "/nonexistent/spec.yaml",
        ),
    ] {
        let output = Command::new(mockloop_mcp_text().unwrap())
            .args(["verify", &url, "--spec", &spec])
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
    }
}

#[test]
fn verify_api_over_mcp() {
    let mock = crud_mock();
    let server = mock.start_on(Engine::Native).unwrap();
    let plan = json!([
        {"name": "verify_api", "arguments": {
            "base_url": server.url(),
            "spec_url_or_path": mock.dir,
            "negative": true,
        }},
        {"name": "verify_api", "arguments": {
            "base_url": "not a url",
            "spec_url_or_path": mock.dir,
        }},
    ]);
    let report = mcp_common::python_client("stdio", &mockloop_mcp_text().unwrap(), &plan, &[]);
    let results = report["results"].as_array().unwrap();
    let passed = &results[0];
    assert_eq!(passed["isError"], false, "{passed:#}");
    assert_eq!(passed["structuredContent"]["operations_failed"], 0);
    assert!(
        passed["text"][0]
            .as_str()
            .unwrap()
            .starts_with("6 of 6 operations passed")
    );
    let refused = &results[1];
    assert_eq!(refused["isError"], true);
    assert!(refused["text"][0].as_str().unwrap().contains("not a URL"));
}
