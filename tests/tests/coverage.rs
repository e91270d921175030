//! `mock_coverage` after a known sequence of requests to a running mock:
//! exactly the operations called and never called, the statuses never
//! received, the parameters and body fields never sent and the 422s, on
//! both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mockloop_runtime::{CoverageOptions, RenderOptions, coverage};
use mockloop_tests::backend::{Api, with_json};
use mockloop_tests::paths::repo_specs_dir;
use mockloop_tests::{Engine, GeneratedMock, on_both_engines};
use serde_json::json;

on_both_engines!(coverage_lists_exactly_what_was_exercised);

fn coverage_lists_exactly_what_was_exercised(engine: Engine) {
    let spec = repo_specs_dir().join("openapi30-petstore-expanded.yaml");
    let options = RenderOptions::default().with_feature("auth", false);
    let mock = GeneratedMock::new(&spec.to_string_lossy(), &options).unwrap();
    let server = mock.start_on(engine).unwrap();
    let api = Api::new(&server.url()).unwrap();
    let tagged = |request: reqwest::blocking::RequestBuilder| request.header("X-Session-Id", "cov");
    for _ in 0..2 {
        assert_eq!(
            Api::send(tagged(api.get("/v2/pets?limit=2"))).unwrap().0,
            200
        );
    }
    assert_eq!(
        Api::send(tagged(api.get("/v2/pets/7").header("Prefer", "code=404")))
            .unwrap()
            .0,
        404
    );
    let invalid = with_json(
        api.request(reqwest::Method::POST, "/v2/pets"),
        &json!({"tag": 1}),
    );
    assert_eq!(Api::send(tagged(invalid)).unwrap().0, 422);
    // Another client's request does not count.
    Api::send(api.request(reqwest::Method::DELETE, "/v2/pets/1")).unwrap();
    // A search writes the log out.
    api.search(&[("limit", "1")]).unwrap();

    let options = CoverageOptions {
        session_id: Some("cov".to_owned()),
        ..CoverageOptions::default()
    };
    let report = coverage(&mock.dir, &options).unwrap();
    assert_eq!(report.requests, 4);
    assert_eq!(report.never_called, ["DELETE /pets/{id}"]);
    assert_eq!((report.operations_called, report.operations_total), (3, 4));
    let op = |key: &str| {
        report
            .operations
            .iter()
            .find(|o| o.operation == key)
            .unwrap()
    };
    let list = op("GET /pets");
    assert_eq!(list.calls, 2);
    assert_eq!(list.params_never_sent, ["query.tags"]);
    assert_eq!(list.documented_never_seen, ["default"]);
    let one = op("GET /pets/{id}");
    assert_eq!(one.statuses_seen.get("404"), Some(&1));
    assert_eq!(one.documented_never_seen, ["200"]);
    let create = op("POST /pets");
    assert_eq!(create.body_fields_never_sent, ["body.name"]);
    let locations: Vec<&str> = report.refused.iter().map(|r| r.location.as_str()).collect();
    assert_eq!(locations, ["body.name", "body.tag"]);
    // A suggested scenario, passed to the mock, makes it answer the status.
    let scenario = report
        .scenarios
        .iter()
        .find(|s| s["scenario_config"].get("GET /pets").is_some())
        .unwrap();
    let body = json!({"name": scenario["scenario_name"], "endpoints": scenario["scenario_config"]});
    assert_eq!(
        Api::send(api.post_json("/admin/api/mock-data/scenarios", &body))
            .unwrap()
            .0,
        201
    );
    let activate = format!(
        "/admin/api/mock-data/scenarios/{}/activate",
        scenario["scenario_name"].as_str().unwrap()
    );
    assert_eq!(
        Api::send(api.request(reqwest::Method::POST, &activate))
            .unwrap()
            .0,
        200
    );
    assert_eq!(Api::send(api.get("/v2/pets")).unwrap().0, 500);
}
