//! A hostile spec generates safe code: nothing in it executes, no spec text
//! is evaluated as a template, the Python is clean and only imports and
//! calls what mockloop emits, and the mock still serves the text as data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use mockloop_runtime::{RenderOptions, generate_project, load_spec};
use mockloop_tests::{MockServer, Venv, python};

const MARKER: &str = "/tmp/pwned";

#[test]
fn hostile_spec_generates_safe_code() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/hostile.yaml");
    let _ = std::fs::remove_file(MARKER);
    let out = tempfile::tempdir().unwrap();
    let (dir, _) = generate_project(
        &spec.to_string_lossy(),
        out.path(),
        Some("hostile"),
        &RenderOptions::default(),
    )
    .unwrap_or_else(|err| panic!("{err}"));

    let main_py = std::fs::read_to_string(dir.join("main.py")).unwrap();
    assert!(
        main_py.contains("{{ 7*7 }}"),
        "Jinja syntax must come out literally"
    );
    assert!(
        !main_py.contains("49"),
        "spec text was evaluated as a template"
    );
    assert!(main_py.contains("\\u202e"), "bidi controls must be escaped");

    let venv = Venv::for_requirements(&dir.join("requirements_mock.txt"))
        .unwrap_or_else(|err| panic!("{err}"));
    python::ruff_check(&venv, &dir).unwrap_or_else(|err| panic!("{err}"));
    python::py_compile(&venv, &dir).unwrap_or_else(|err| panic!("{err}"));
    let audit = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audit_main_py.py");
    let output = Command::new(venv.python())
        .arg(&audit)
        .arg(dir.join("main.py"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "main.py imports or calls something unexpected:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );

    let server = MockServer::start(&dir, &venv).unwrap_or_else(|err| panic!("{err}"));
    let original = load_spec(&spec.to_string_lossy()).unwrap().original;
    let body = reqwest::blocking::get(format!("{}/openapi.json", server.url()))
        .unwrap()
        .text()
        .unwrap();
    let served: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        served, original,
        "the hostile text is served intact, as data"
    );
    assert!(
        !Path::new(MARKER).exists(),
        "spec text executed: {MARKER} was created"
    );
}
