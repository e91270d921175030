//! Tests of the end-to-end harness itself, against a hand-written FastAPI
//! app (`tests/fixtures/handmade`) that conforms to its description, run
//! with the generator's pinned requirements.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use mockloop_runtime::{ApiModel, LoadedSpec, load_spec};
use mockloop_tests::{MockServer, Secrets, Venv, check_all, conformance, python, schemathesis};
use serde_json::json;

fn fixture() -> (tempfile::TempDir, PathBuf) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/handmade");
    let dir = tempfile::tempdir().unwrap();
    for name in ["main.py", "openapi.json"] {
        std::fs::copy(source.join(name), dir.path().join(name)).unwrap();
    }
    // The generator's pinned requirements, so the venv is the one the
    // end-to-end tests use.
    let requirements =
        mockloop_tests::paths::workspace_root().join("templates/fastapi/requirements_mock.txt");
    std::fs::copy(requirements, dir.path().join("requirements_mock.txt")).unwrap();
    let path = dir.path().to_path_buf();
    (dir, path)
}

fn venv(dir: &Path) -> Venv {
    Venv::for_requirements(&dir.join("requirements_mock.txt")).unwrap_or_else(|err| panic!("{err}"))
}

fn spec(dir: &Path) -> LoadedSpec {
    load_spec(dir.join("openapi.json").to_str().unwrap()).unwrap()
}

#[test]
fn handmade_mock_conforms() {
    let (_guard, dir) = fixture();
    let venv = venv(&dir);
    python::ruff_check(&venv, &dir).unwrap_or_else(|err| panic!("{err}"));
    python::py_compile(&venv, &dir).unwrap_or_else(|err| panic!("{err}"));
    let server = MockServer::start(&dir, &venv).unwrap_or_else(|err| panic!("{err}"));
    let health = conformance::check_health(&server.url()).unwrap();
    assert_eq!(health, json!({"status": "ok"}));
    let spec = spec(&dir);
    conformance::check_openapi_json(&spec, &server.url()).unwrap();
    let model = ApiModel::from_spec(&spec).unwrap();
    let report = check_all(&spec, &model, &server.url(), &Secrets::from_mock_dir(&dir)).unwrap();
    assert!(
        report.is_ok(),
        "{report}\n--- server output ---\n{}",
        server.output()
    );
    assert_eq!(report.checked, 7, "{report}");
}

#[test]
fn mismatches_are_reported() {
    let (_guard, dir) = fixture();
    let venv = venv(&dir);
    let server = MockServer::start(&dir, &venv).unwrap_or_else(|err| panic!("{err}"));
    let mut spec = spec(&dir);
    let doc = &mut spec.document;
    // The app serves integer ids, no 204 for deletes, and JSON for logins.
    doc["components"]["schemas"]["Pet"]["allOf"][1]["properties"]["id"] = json!({"type": "string"});
    doc["paths"]["/pets/{petId}"]["delete"]["responses"] = json!({"200": {"description": "OK"}});
    doc["paths"]["/login"]["post"]["responses"]["200"]["content"] = json!({"text/plain": {}});
    doc["paths"]["/pets"]["head"]["responses"] =
        json!({"200": {"description": "OK", "content": {"text/plain": {}}}});
    let model = ApiModel::from_spec(&spec).unwrap();
    let report = check_all(&spec, &model, &server.url(), &Secrets::from_mock_dir(&dir)).unwrap();
    let failed: Vec<&str> = report
        .failures
        .iter()
        .map(|f| f.operation.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "POST /login",
            "GET /pets",
            "POST /pets",
            "GET /pets/{petId}",
            "DELETE /pets/{petId}"
        ],
        "{report}"
    );
    let text = report.to_string();
    assert!(text.contains("at '/0/id'"), "{text}");
    assert!(text.contains("status 204 is not documented"), "{text}");
    assert!(
        text.contains("Content-Type \"application/json; charset=utf-8\" is not documented for 200"),
        "{text}"
    );
}

#[test]
fn servers_die_with_their_handle() {
    let (_guard, dir) = fixture();
    let venv = venv(&dir);
    let server = MockServer::start(&dir, &venv).unwrap_or_else(|err| panic!("{err}"));
    let pid = server.pid();
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    drop(server);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "uvicorn {pid} outlived its MockServer"
    );
}

#[test]
fn failed_starts_show_the_server_output() {
    let (_guard, dir) = fixture();
    let venv = venv(&dir);
    std::fs::write(dir.join("main.py"), "import not_a_module_anywhere\n").unwrap();
    let err = MockServer::start(&dir, &venv).unwrap_err().to_string();
    assert!(err.contains("not_a_module_anywhere"), "{err}");
}

#[test]
fn schemathesis_accepts_the_handmade_mock() {
    let (_guard, dir) = fixture();
    let venv = venv(&dir);
    let server = MockServer::start(&dir, &venv).unwrap_or_else(|err| panic!("{err}"));
    let spec = dir.join("openapi.json");
    let output = schemathesis::run(
        &venv,
        spec.to_str().unwrap(),
        &server.url(),
        "/v1",
        5,
        schemathesis::Mode::Conformance,
        &[],
    )
    .unwrap_or_else(|err| panic!("{err}\n--- server output ---\n{}", server.output()));
    assert!(output.contains("passed"), "{output}");
}
