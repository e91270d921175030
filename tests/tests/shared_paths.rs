//! End to end on `specs/openapi30-shared-paths.yaml`: operations that share
//! a path. AWS JSON services (`/#X-Amz-Target=Svc.Op`, told apart by a
//! header), AWS query services (`/#Action=Op`, by a query parameter),
//! queries written into path keys (`/current?lat={lat}&lon={lon}`, bound
//! to path parameters) and two templates of one shape (`/orders/{OrderID}`
//! and `/orders/{OrderNumber}`: the first whose path parameters are valid).
//! A query parameter OpenAPI gives no form (an array of objects) is taken
//! as sent.
//! Checked over HTTP on both engines, then by schemathesis.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use mockloop_runtime::{ApiModel, RenderOptions, load_spec};
use mockloop_tests::backend::{Api, with_json};
use mockloop_tests::binary::mockloop_mcp_text;
use mockloop_tests::paths::repo_specs_dir;
use mockloop_tests::schemathesis::{self, Mode};
use mockloop_tests::{Engine, GeneratedMock, on_both_engines};
use reqwest::Method;
use serde_json::{Value, json};

const SPEC: &str = "openapi30-shared-paths.yaml";

on_both_engines!(shared_paths_end_to_end);

fn shared_paths_end_to_end(engine: Engine) {
    let spec = repo_specs_dir().join(SPEC).to_string_lossy().into_owned();
    let options = RenderOptions::default().with_feature("auth", false);
    let mock = GeneratedMock::new(&spec, &options).unwrap_or_else(|err| panic!("{err}"));
    let server = mock.start_on(engine).unwrap_or_else(|err| panic!("{err}"));
    let api = Api::new(&server.url()).unwrap();
    let logs = || server.output();
    let send = |method: Method, path: &str, header: Option<&str>, body: Option<Value>| {
        let mut request = api.request(method, path);
        if let Some(target) = header {
            request = request.header("X-Amz-Target", target);
        }
        if let Some(body) = body {
            request = with_json(request, &body);
        }
        Api::send(request).unwrap()
    };

    // AWS JSON: the header picks the operation; its body is validated.
    let (status, body) = send(
        Method::POST,
        "/v1/",
        Some("Shop.CreateCart"),
        Some(json!({"Owner": "ann"})),
    );
    assert_eq!(status, 200, "{body}\n{}", logs());
    assert!(body["CartId"].is_string(), "{body}");
    let (status, body) = send(
        Method::POST,
        "/v1/",
        Some("Shop.ListCarts"),
        Some(json!({})),
    );
    assert_eq!(status, 200, "{body}\n{}", logs());
    assert!(body["Carts"].is_array(), "{body}");
    let (status, body) = send(
        Method::POST,
        "/v1/",
        Some("Shop.CreateCart"),
        Some(json!({})),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["location"], "body.Owner", "{body}");
    // No operation of that target, none at all, another method: not found.
    for target in [Some("Shop.DropCart"), None] {
        let (status, body) = send(Method::POST, "/v1/", target, Some(json!({})));
        assert_eq!(status, 404, "{target:?}: {body}");
    }

    // AWS query: the Action parameter picks the operation.
    let (status, body) = send(
        Method::GET,
        "/v1/?Action=SendMessage&MessageBody=hi",
        None,
        None,
    );
    assert_eq!(status, 200, "{body}\n{}", logs());
    assert!(body["MessageId"].is_string(), "{body}");
    let (status, _) = send(Method::GET, "/v1/?Action=PurgeQueue", None, None);
    assert_eq!(status, 204);
    // An array of objects has no form in a query: what clients send is
    // taken as it is (schemathesis sends the objects' keys).
    let (status, body) = send(
        Method::GET,
        "/v1/?Action=PurgeQueue&Tags=Key&Tags=Value",
        None,
        None,
    );
    assert_eq!(status, 204, "{body}");
    let (status, body) = send(Method::GET, "/v1/?Action=SendMessage", None, None);
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["location"], "query.MessageBody", "{body}");

    // Queries in path keys: bound to path parameters, validated as such; a
    // `+` in them is a plus (clients fill the template in as a path).
    let (status, body) = send(Method::GET, "/v1/current?lat=1e+1&lon=-3.5", None, None);
    assert_eq!(status, 200, "{body}\n{}", logs());
    assert!(body["lat"].is_number(), "{body}");
    let (status, body) = send(Method::GET, "/v1/current?city=Lyon", None, None);
    assert_eq!(status, 200, "{body}\n{}", logs());
    assert!(body["city"].is_string(), "{body}");
    let (status, body) = send(Method::GET, "/v1/current?lat=91&lon=0", None, None);
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["location"], "path.lat", "{body}");
    let (status, _) = send(Method::GET, "/v1/current", None, None);
    assert_eq!(status, 404);

    // One shape, two templates: the first whose path parameters are valid,
    // else the first.
    let (status, body) = send(
        Method::GET,
        "/v1/orders/59dee97b-66e1-4568-b8f9-0e66a06317ac",
        None,
        None,
    );
    assert_eq!(status, 200, "{body}\n{}", logs());
    assert!(body["id"].is_string(), "{body}");
    let (status, body) = send(Method::GET, "/v1/orders/PO-17", None, None);
    assert_eq!(status, 200, "{body}\n{}", logs());
    assert!(body["number"].is_string(), "{body}");
    let (status, body) = send(Method::GET, "/v1/orders/neither", None, None);
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["location"], "path.OrderID", "{body}");

    // The log names the operation each request reached.
    let (status, found) = api
        .search(&[("path_pattern", "/v1/orders/PO-17"), ("limit", "5")])
        .unwrap();
    assert_eq!(status, 200, "{found}");
    let keys: Vec<&str> = found["logs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row["operation_key"].as_str())
        .collect();
    assert!(
        keys.contains(&"GET /orders/{OrderNumber}"),
        "{found}\n{}",
        logs()
    );

    // The contract tester sends the same requests (no fragment, the path
    // key's query first), valid and invalid, and every answer conforms.
    let output = Command::new(mockloop_mcp_text().unwrap())
        .args(["verify", &server.url(), "--spec", &spec, "--negative"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // Schemathesis: every response conforms, and in both modes every valid
    // request is accepted, every invalid one refused, except for the two
    // order templates, where a request invalid for one is valid for the
    // other.
    let model = ApiModel::from_spec(&load_spec(&spec).unwrap()).unwrap();
    let described = repo_specs_dir().join(SPEC);
    let described = described.to_string_lossy();
    for (mode, excluded) in [
        (Mode::Conformance, &[][..]),
        (Mode::Acceptance, &["getOrderById", "getOrderByNumber"][..]),
    ] {
        schemathesis::run(
            &mock.venv,
            &described,
            &server.url(),
            &model.base_path,
            10,
            mode,
            excluded,
        )
        .unwrap_or_else(|err| panic!("{mode:?} ({engine:?}): {err}\n{}", logs()));
    }
}
