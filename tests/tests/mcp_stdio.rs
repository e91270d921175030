//! The real `mockloop-mcp` binary over stdio, driven by rmcp's client:
//! schemas, then every tool against a generated mock running under uvicorn.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod mcp_common;

use mcp_common::{
    Session, assert_close, check_schemas, reference_percentile, send_traffic, start_mock,
};
use serde_json::{Value, json};

#[test]
fn tools_list_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::stdio(dir.path(), &dir.path().join("out"));
    let tools = session.tools();
    check_schemas(&tools);
    insta::assert_json_snapshot!("mcp_tool_schemas", mcp_common::schemas(&tools));
}

#[test]
fn errors_are_tool_results_and_the_server_keeps_going() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::stdio(dir.path(), &dir.path().join("out"));
    let text = session.fails("query_mock_logs", json!({}));
    assert!(text.contains("exactly one of server_url"), "{text}");
    let text = session.fails("query_mock_logs", json!({"mock_dir": dir.path()}));
    assert!(text.contains("no request log"), "{text}");
    let text = session.fails(
        "generate_mock_api",
        json!({"spec_url_or_path": "missing.yaml"}),
    );
    assert!(
        text.contains("missing.yaml") && text.contains("Hint"),
        "{text}"
    );
    let text = session.fails(
        "manage_mock_data",
        json!({"server_url": "http://127.0.0.1:9", "operation": "list_scenarios"}),
    );
    assert!(text.contains("cannot reach"), "{text}");
    let text = session.fails(
        "manage_mock_data",
        json!({"server_url": "x", "operation": "explode"}),
    );
    assert!(text.contains("invalid arguments"), "{text}");
    let text = session.fails(
        "query_mock_logs",
        json!({"mock_dir": dir.path(), "path_pattern": "("}),
    );
    assert!(!text.is_empty());
    assert_eq!(session.tools().len(), 11);
}

#[test]
fn every_tool_against_a_running_mock() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let session = Session::stdio(dir.path(), &out);

    // generate_mock_api (output_base_dir defaults to $MOCKLOOP_OUTPUT_DIR)
    let spec = mcp_common::petstore_spec();
    let generated = session.ok(
        "generate_mock_api",
        json!({"spec_url_or_path": spec, "output_dir_name": "pets"}),
    );
    let mock_dir = std::path::PathBuf::from(generated["path"].as_str().unwrap());
    assert_eq!(mock_dir, out.join("pets").canonicalize().unwrap());
    assert_eq!(generated["operation_count"], 3);
    let files: Vec<&str> = generated["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        files.contains(&"main.py") && files.contains(&"mockloop.json"),
        "{files:?}"
    );
    assert!(
        generated["run"]["uvicorn"]
            .as_str()
            .unwrap()
            .starts_with("uvicorn main:app")
    );

    let server = start_mock(&mock_dir);
    let url = server.url();
    let sent = send_traffic(&url, "run-1");

    // query_mock_logs over the admin API: exactly the requests sent, newest
    // first (the session leaves out the harness's own /health probes).
    let logs = session.ok(
        "query_mock_logs",
        json!({"server_url": url, "limit": 50, "session_id": "run-1"}),
    );
    assert_eq!(logs["total_count"], sent.len(), "{logs}");
    let got: Vec<(String, String, u16)> = logs["logs"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_owned(),
                r["path"].as_str().unwrap().to_owned(),
                r["status_code"].as_u64().unwrap() as u16,
            )
        })
        .collect();
    assert_eq!(got, sent);
    let times: Vec<f64> = logs["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["process_time_ms"].as_f64().unwrap())
        .collect();
    let analysis = &logs["analysis"];
    assert_eq!(analysis["total_requests"], sent.len());
    assert_eq!(analysis["sessions"], 1);
    for p in [50.0, 90.0, 95.0, 99.0] {
        let key = format!("p{p}");
        assert_close(
            analysis["latency_ms"][&key].as_f64().unwrap(),
            reference_percentile(&times, p),
            &key,
        );
    }
    let errors = sent.iter().filter(|(_, _, s)| *s >= 400).count();
    assert_eq!(analysis["error_count"], errors);

    // The mock's own analysis agrees on the same rows.
    let own: Value =
        reqwest::blocking::get(format!("{url}/admin/api/logs/analyze?session_id=run-1"))
            .unwrap()
            .json()
            .unwrap();
    for key in ["p50", "p90", "p95", "p99", "max", "min"] {
        assert_close(
            analysis["latency_ms"][key].as_f64().unwrap(),
            own["latency_ms"][key].as_f64().unwrap(),
            key,
        );
    }
    assert_close(
        analysis["latency_ms"]["mean"].as_f64().unwrap(),
        own["latency_ms"]["mean"].as_f64().unwrap(),
        "mean",
    );
    for key in [
        "total_requests",
        "methods",
        "status_codes",
        "error_count",
        "error_rate",
        "sessions",
        "traffic",
        "time_range",
    ] {
        assert_eq!(analysis[key], own[key], "{key}");
    }
    let ours: Vec<(&Value, &Value)> = analysis["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (&e["endpoint"], &e["count"]))
        .collect();
    let theirs: Vec<(&Value, &Value)> = own["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (&e["endpoint"], &e["count"]))
        .collect();
    assert_eq!(ours, theirs);

    // The same through the SQLite file, with filters.
    let direct = session.ok(
        "query_mock_logs",
        json!({"mock_dir": mock_dir, "limit": 50, "session_id": "run-1"}),
    );
    assert_eq!(direct["logs"], logs["logs"]);
    assert_eq!(direct["analysis"], logs["analysis"]);
    let posts = session.ok("query_mock_logs", json!({"mock_dir": mock_dir, "method": "post", "path_pattern": "^/v1/pets$", "analyze": false}));
    assert_eq!(
        posts["total_count"],
        sent.iter().filter(|(m, _, _)| m == "POST").count()
    );
    assert!(posts.get("analysis").is_none());

    // manage_mock_data: an override, then a scenario, switched live.
    let get_pets = || reqwest::blocking::get(format!("{url}/v1/pets")).unwrap();
    session.ok("manage_mock_data", json!({"server_url": url, "operation": "update_response", "endpoint_path": "/pets", "method": "GET", "response_data": {"mocked": true}, "status_code": 200}));
    assert_eq!(get_pets().json::<Value>().unwrap(), json!({"mocked": true}));
    let reset = session.ok(
        "manage_mock_data",
        json!({"server_url": url, "operation": "reset"}),
    );
    assert!(
        reset["changed"]
            .as_str()
            .unwrap()
            .contains("cleared 1 overrides"),
        "{reset}"
    );
    assert_ne!(get_pets().json::<Value>().unwrap(), json!({"mocked": true}));
    session.ok("manage_mock_data", json!({"server_url": url, "operation": "create_scenario", "scenario_name": "outage", "scenario_config": {"GET /pets": {"status_code": 503, "body": {"down": true}}}}));
    assert_eq!(get_pets().status().as_u16(), 200);
    let switched = session.ok(
        "manage_mock_data",
        json!({"server_url": url, "operation": "switch_scenario", "scenario_name": "outage"}),
    );
    assert_eq!(switched["active_scenario"], "outage");
    let down = get_pets();
    assert_eq!(down.status().as_u16(), 503);
    assert_eq!(down.json::<Value>().unwrap(), json!({"down": true}));
    let listed = session.ok(
        "manage_mock_data",
        json!({"server_url": url, "operation": "list_scenarios"}),
    );
    assert_eq!(listed["result"]["active"], "outage");
    assert_eq!(listed["result"]["scenarios"][0]["name"], "outage");
    let text = session.fails(
        "manage_mock_data",
        json!({"server_url": url, "operation": "switch_scenario", "scenario_name": "nope"}),
    );
    assert!(text.contains("404") && text.contains("nope"), "{text}");
    session.ok(
        "manage_mock_data",
        json!({"server_url": url, "operation": "delete_scenario", "scenario_name": "outage"}),
    );
    assert_eq!(get_pets().status().as_u16(), 200);

    // discover_mock_servers: the running mock and its folder.
    let found = session.ok("discover_mock_servers", json!({"ports": [server.port()]}));
    let servers = found["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1, "{found}");
    assert_eq!(servers[0]["kind"], "mockloop");
    assert_eq!(servers[0]["api_title"], "Swagger Petstore");
    let generated = found["generated"].as_array().unwrap();
    assert_eq!(generated.len(), 1, "{found}");
    assert_eq!(generated[0]["path"], mock_dir.display().to_string());
    assert_eq!(generated[0]["running_at"], json!([url]));
    assert_eq!(generated[0]["has_request_log"], true);
}

#[test]
fn discovery_tells_other_servers_apart() {
    // A plain HTTP server that is not a mock.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            use std::io::{Read, Write};
            let mut stream = stream;
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{\"status\":\"ok\"}");
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let session = Session::stdio(dir.path(), &dir.path().join("none"));
    let found = session.ok(
        "discover_mock_servers",
        json!({"ports": [port], "include_generated": false}),
    );
    assert_eq!(found["servers"][0]["kind"], "not_mockloop", "{found}");
    assert!(
        found["servers"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("not mockloop")
    );
}
