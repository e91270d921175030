//! An agent framework drives the whole loop through its MCP adapter:
//! LangChain's `langchain-mcp-adapters` (pinned) loads mockloop's tools over
//! stdio and starts a mock, sends it traffic, reads the log, changes a
//! response, lists and stops it (`tests/fixtures/langchain_loop.py`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mockloop_tests::{Venv, binary, paths};
use serde_json::{Value, json};

const ADAPTERS: &str = "langchain-mcp-adapters==0.3.2\n";

#[test]
fn langchain_mcp_adapters_run_the_loop() {
    let venv = Venv::for_requirements_text(ADAPTERS).unwrap_or_else(|err| panic!("{err}"));
    let dir = tempfile::tempdir().unwrap();
    let script = paths::workspace_root().join("tests/fixtures/langchain_loop.py");
    let spec = paths::repo_specs_dir().join("petstore.yaml");
    let output = std::process::Command::new(venv.python())
        .arg(script)
        .arg(binary::mockloop_mcp().unwrap())
        .arg(spec)
        .current_dir(dir.path())
        .env("MOCKLOOP_STATE_DIR", dir.path().join("state"))
        .env("MOCKLOOP_OUTPUT_DIR", dir.path().join("mocks"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report["tools"]
            .as_array()
            .unwrap()
            .contains(&json!("start_mock_server"))
    );
    assert_eq!(report["started"]["server"]["engine"], "native");
    assert_eq!(report["sent"], json!([200, 200, 200]));
    assert_eq!(report["logged"], 3);
    assert_eq!(report["changed"], json!(["from langchain"]));
    assert_eq!(report["listed"]["servers"].as_array().unwrap().len(), 1);
    assert_eq!(report["stopped"]["stopped"][0]["outcome"], "stopped");
}
