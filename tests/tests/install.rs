//! mockloop installed the way users install MCP servers: the wheel built
//! with maturin (`pyproject.toml`, `bindings = "bin"`) goes into a fresh
//! venv beside the official MCP Python SDK, which lists the installed
//! `mockloop-mcp`'s tools over stdio and generates a mock that then starts;
//! and `cargo install --path mockloop-mcp --locked` gives a binary that does
//! the same from any folder (the templates are embedded).
//!
//! The wheel is built with the dev profile so that it reuses the test
//! build; `maturin build --release` makes the one to ship (its size is in
//! the README).
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod mcp_common;

use std::path::{Path, PathBuf};
use std::process::Command;

use mcp_common::{PYTHON_MCP, check_schemas, python_client_in, python_tools, start_mock};
use mockloop_tests::Venv;
use mockloop_tests::paths::{target_dir, workspace_root};
use mockloop_tests::venv::{base_python, run};
use serde_json::{Value, json};

const MATURIN: &str = "maturin==1.16.0\n";

/// Builds the wheel into `out` and returns its path.
fn build_wheel(out: &Path) -> PathBuf {
    let maturin = Venv::for_requirements_text(MATURIN).unwrap_or_else(|err| panic!("{err}"));
    let mut command = maturin.module("maturin");
    command
        .args(["build", "--locked", "--out"])
        .arg(out)
        .current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", target_dir());
    run(&mut command).unwrap_or_else(|err| panic!("{err}"));
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    wheels.into_iter().next().unwrap()
}

/// `generate_mock_api` through the official SDK, run by `python`, against
/// the server `binary`, from a folder that is not the workspace (the
/// binary must carry its templates); returns the SDK's report.
fn generate_through_sdk(python: &Path, binary: &Path, out: &Path) -> Value {
    let plan = json!([{
        "name": "generate_mock_api",
        "arguments": {"spec_url_or_path": mcp_common::petstore_spec(), "output_dir_name": "pets"},
    }]);
    let elsewhere = tempfile::tempdir().unwrap();
    let target = binary.to_str().unwrap();
    let envs = [("MOCKLOOP_OUTPUT_DIR", out)];
    python_client_in(python, elsewhere.path(), "stdio", target, &plan, &envs)
}

/// The report lists every tool with a valid schema, the mock was generated,
/// and it starts and answers.
fn check_generated_mock_starts(report: &Value) {
    assert_eq!(report["server"], "mockloop-mcp");
    let tools = python_tools(report);
    assert!(tools.len() >= 4, "{tools:?}");
    check_schemas(&tools);
    let generated = &report["results"][0];
    assert_eq!(generated["isError"], false, "{generated}");
    let dir = PathBuf::from(generated["structuredContent"]["path"].as_str().unwrap());
    let server = start_mock(&dir);
    let pets = reqwest::blocking::get(format!("{}/v1/pets", server.url())).unwrap();
    assert_eq!(pets.status().as_u16(), 200);
}

fn version_of(binary: &Path) -> String {
    let output = Command::new(binary).arg("--version").output().unwrap();
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn pip_installed_wheel_serves_mcp_and_generates_a_mock_that_starts() {
    let scratch = tempfile::tempdir().unwrap();
    let wheel = build_wheel(&scratch.path().join("wheels"));
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let size = std::fs::metadata(&wheel).unwrap().len();
    eprintln!("built {name}: {:.1} MB (dev profile)", size as f64 / 1e6);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        name.starts_with(&format!("mockloop-{version}-py3-none-")),
        "{name}"
    );
    assert!(name.contains("linux"), "{name}");

    // A fresh venv: the wheel and the official MCP SDK, nothing else.
    let venv = scratch.path().join("venv");
    let status = Command::new(base_python())
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(status.success());
    let python = venv.join("bin/python");
    let mut install = Command::new(&python);
    install
        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
        .arg(&wheel)
        .arg(PYTHON_MCP.trim());
    run(&mut install).unwrap_or_else(|err| panic!("{err}"));
    let installed = venv.join("bin/mockloop-mcp");
    assert!(
        installed.is_file(),
        "pip put no mockloop-mcp in {}",
        venv.display()
    );
    assert_eq!(version_of(&installed), format!("mockloop-mcp {version}"));

    let report = generate_through_sdk(&python, &installed, &scratch.path().join("generated"));
    check_generated_mock_starts(&report);
}

#[test]
fn cargo_installed_binary_serves_mcp_and_generates_a_mock_that_starts() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().join("root");
    // `--debug` and the workspace's target dir reuse the test build; users
    // run the same command without them.
    let mut install = Command::new(env!("CARGO"));
    install
        .args([
            "install",
            "--path",
            "mockloop-mcp",
            "--locked",
            "--debug",
            "--quiet",
        ])
        .arg("--root")
        .arg(&root)
        .arg("--target-dir")
        .arg(target_dir())
        .current_dir(workspace_root());
    run(&mut install).unwrap_or_else(|err| panic!("{err}"));
    let installed = root.join("bin/mockloop-mcp");
    assert!(installed.is_file());
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(version_of(&installed), format!("mockloop-mcp {version}"));
    let sdk = Venv::for_requirements_text(PYTHON_MCP).unwrap_or_else(|err| panic!("{err}"));
    let report = generate_through_sdk(&sdk.python(), &installed, &scratch.path().join("generated"));
    check_generated_mock_starts(&report);
}
