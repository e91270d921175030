//! `mockloop-mcp http` serves streamable HTTP at /mcp: rmcp's client lists
//! the tools and calls them there, with several sessions at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod mcp_common;

use mcp_common::{HttpServer, Session, check_schemas};
use serde_json::json;

#[test]
fn streamable_http_serves_the_tools() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let http = HttpServer::start(dir.path(), &out);
    let first = Session::http(&http.url);
    let second = Session::http(&http.url);
    check_schemas(&first.tools());
    assert_eq!(second.tools().len(), 11);
    let spec = mcp_common::petstore_spec();
    let generated = first.ok("generate_mock_api", json!({"spec_url_or_path": spec}));
    assert!(
        generated["path"]
            .as_str()
            .unwrap()
            .ends_with("swagger_petstore_1_0_0"),
        "{generated}"
    );
    let found = second.ok("discover_mock_servers", json!({"ports": [9]}));
    assert_eq!(
        found["generated"][0]["api_title"], "Swagger Petstore",
        "{found}"
    );
    let text = second.fails("query_mock_logs", json!({"server_url": "not a url"}));
    assert!(text.contains("server_url"), "{text}");
}
