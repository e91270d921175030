//! The official MCP Python SDK (PyPI `mcp`, pinned) drives the real binary
//! over stdio and over streamable HTTP; it validates every structured
//! result against the tool's outputSchema itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod mcp_common;

use mcp_common::{
    HttpServer, check_schemas, python_client, python_tools, send_traffic, start_mock,
};
use serde_json::json;

#[test]
fn python_sdk_over_stdio_uses_every_tool() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let binary = mockloop_tests::binary::mockloop_mcp().unwrap();
    let binary = binary.to_str().unwrap();
    let envs = [("MOCKLOOP_OUTPUT_DIR", out.as_path())];
    let spec = mcp_common::petstore_spec();
    let first = python_client(
        "stdio",
        binary,
        &json!([{"name": "generate_mock_api", "arguments": {"spec_url_or_path": spec, "output_dir_name": "pets"}}]),
        &envs,
    );
    assert_eq!(first["server"], "mockloop-mcp");
    check_schemas(&python_tools(&first));
    let generated = &first["results"][0];
    assert_eq!(generated["isError"], false, "{generated}");
    let mock_dir =
        std::path::PathBuf::from(generated["structuredContent"]["path"].as_str().unwrap());

    let server = start_mock(&mock_dir);
    let url = server.url();
    let sent = send_traffic(&url, "py");
    let report = python_client(
        "stdio",
        binary,
        &json!([
            {"name": "query_mock_logs", "arguments": {"server_url": url, "session_id": "py"}},
            {"name": "manage_mock_data", "arguments": {"server_url": url, "operation": "update_response", "endpoint_path": "/pets", "response_data": ["from python"]}},
            {"name": "discover_mock_servers", "arguments": {"ports": [server.port()]}},
            {"name": "query_mock_logs", "arguments": {}},
        ]),
        &envs,
    );
    let results = report["results"].as_array().unwrap();
    let logs = &results[0]["structuredContent"];
    assert_eq!(logs["total_count"], sent.len(), "{logs}");
    assert_eq!(logs["analysis"]["total_requests"], sent.len());
    assert_eq!(results[1]["isError"], false, "{}", results[1]);
    let body: serde_json::Value = reqwest::blocking::get(format!("{url}/v1/pets"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body, json!(["from python"]));
    let found = &results[2]["structuredContent"];
    assert_eq!(found["servers"][0]["kind"], "mockloop");
    assert_eq!(found["generated"][0]["running_at"], json!([url]));
    assert_eq!(results[3]["isError"], true);
}

#[test]
fn python_sdk_over_streamable_http() {
    let dir = tempfile::tempdir().unwrap();
    let http = HttpServer::start(dir.path(), &dir.path().join("generated"));
    let report = python_client(
        "http",
        &http.url,
        &json!([{"name": "discover_mock_servers", "arguments": {"ports": [9], "include_generated": false}}]),
        &[],
    );
    check_schemas(&python_tools(&report));
    assert_eq!(report["results"][0]["isError"], false, "{report}");
    assert_eq!(
        report["results"][0]["structuredContent"]["ports_scanned"],
        1
    );
}
