//! Stateful mode end to end: create, read, update, list and delete on a
//! generated pet store, switched on by the environment or the admin API,
//! surviving restarts.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use mockloop_runtime::RenderOptions;
use mockloop_tests::backend::{Api, with_json};
use mockloop_tests::paths::repo_specs_dir;
use mockloop_tests::{Engine, GeneratedMock, MockServer, on_both_engines};
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    crud_round_trip_survives_restarts,
    switched_off_features_leave_their_routes_out
);

fn call(api: &Api, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let request = api.request(method, path);
    let request = match body {
        Some(body) => with_json(request, &body),
        None => request,
    };
    Api::send(request).unwrap()
}

fn crud_round_trip_survives_restarts(engine: Engine) {
    let spec = repo_specs_dir().join("openapi30-crud.yaml");
    let mock = GeneratedMock::new(&spec.to_string_lossy(), &RenderOptions::default())
        .unwrap_or_else(|err| panic!("{err}"));
    let (dir, venv) = (&mock.dir, &mock.venv);
    let timeout = Duration::from_secs(30);
    let server =
        MockServer::start_engine(engine, dir, venv, timeout, &[("MOCKLOOP_STORAGE", "on")])
            .unwrap_or_else(|err| panic!("{err}"));
    let api = Api::new(&server.url()).unwrap();

    let (status, rex) = call(
        &api,
        Method::POST,
        "/api/pets",
        Some(json!({"name": "Rex"})),
    );
    assert_eq!((status, &rex), (201, &json!({"name": "Rex", "id": 1})));
    let (status, tom) = call(
        &api,
        Method::POST,
        "/api/pets",
        Some(json!({"name": "Tom", "tag": "cat"})),
    );
    assert_eq!((status, &tom["id"]), (201, &json!(2)));
    assert_eq!(
        call(&api, Method::GET, "/api/pets", None),
        (200, json!([rex, tom]))
    );
    assert_eq!(call(&api, Method::GET, "/api/pets/1", None), (200, rex));
    let (status, replaced) = call(
        &api,
        Method::PUT,
        "/api/pets/1",
        Some(json!({"name": "Rex II", "tag": "dog"})),
    );
    assert_eq!(
        (status, &replaced),
        (200, &json!({"name": "Rex II", "tag": "dog", "id": 1}))
    );
    let (status, patched) = call(
        &api,
        Method::PATCH,
        "/api/pets/2",
        Some(json!({"tag": "lion"})),
    );
    assert_eq!(
        (status, &patched),
        (200, &json!({"name": "Tom", "tag": "lion", "id": 2}))
    );
    assert_eq!(call(&api, Method::DELETE, "/api/pets/2", None).0, 204);
    // The documented 404, with its example body.
    let (status, missing) = call(&api, Method::GET, "/api/pets/2", None);
    assert_eq!(status, 404);
    assert!(missing.get("code").is_some(), "{missing}");
    assert_eq!(call(&api, Method::DELETE, "/api/pets/2", None).0, 404);
    assert_eq!(
        call(&api, Method::PUT, "/api/pets/9", Some(json!({"name": "x"}))).0,
        404
    );
    drop(server);

    // Restarted without the variable: the examples again, until the admin
    // API switches storage on; the items are still there.
    let server = MockServer::start_engine(engine, dir, venv, timeout, &[])
        .unwrap_or_else(|err| panic!("{err}"));
    let api = Api::new(&server.url()).unwrap();
    let (_, example) = call(&api, Method::GET, "/api/pets", None);
    assert_ne!(example, json!([replaced]));
    let (status, state) = call(&api, Method::POST, "/admin/api/storage/enable", None);
    assert_eq!(status, 200);
    assert_eq!(state["active"], true);
    assert_eq!(state["collections"], json!({"/pets": 1}));
    assert_eq!(
        call(&api, Method::GET, "/api/pets", None),
        (200, json!([replaced]))
    );
    drop(server);

    // The switch survives a restart too.
    let server = MockServer::start_engine(engine, dir, venv, timeout, &[])
        .unwrap_or_else(|err| panic!("{err}"));
    let api = Api::new(&server.url()).unwrap();
    assert_eq!(
        call(&api, Method::GET, "/api/pets/1", None),
        (200, replaced)
    );
    let (_, created) = call(
        &api,
        Method::POST,
        "/api/pets",
        Some(json!({"name": "Kit"})),
    );
    assert_eq!(created["id"], 2, "the next integer after the stored ones");
    let (status, state) = call(&api, Method::POST, "/admin/api/storage/disable", None);
    assert_eq!((status, &state["active"]), (200, &json!(false)));

    // A scenario can switch it on too.
    let scenario = json!({"name": "stateful", "endpoints": {}, "storage": true});
    let (status, created) = call(
        &api,
        Method::POST,
        "/admin/api/mock-data/scenarios",
        Some(scenario),
    );
    assert_eq!(
        (status, &created["storage"]),
        (201, &json!(true)),
        "{created}"
    );
    let path = "/admin/api/mock-data/scenarios/stateful/activate";
    assert_eq!(call(&api, Method::POST, path, None).0, 200);
    assert_eq!(
        call(&api, Method::GET, "/api/pets/2", None),
        (200, json!({"name": "Kit", "id": 2}))
    );
    let path = "/admin/api/mock-data/scenarios/deactivate";
    assert_eq!(call(&api, Method::POST, path, None).0, 200);
    let (_, example) = call(&api, Method::GET, "/api/pets/2", None);
    assert_ne!(example, json!({"name": "Kit", "id": 2}));
}

fn switched_off_features_leave_their_routes_out(engine: Engine) {
    let spec = repo_specs_dir().join("openapi30-crud.yaml");
    let options = RenderOptions::default()
        .with_feature("storage", false)
        .with_feature("webhooks", false);
    let mock =
        GeneratedMock::new(&spec.to_string_lossy(), &options).unwrap_or_else(|err| panic!("{err}"));
    let (dir, venv) = (&mock.dir, &mock.venv);
    let env = [("MOCKLOOP_STORAGE", "on")];
    let server = MockServer::start_engine(engine, dir, venv, Duration::from_secs(30), &env)
        .unwrap_or_else(|err| panic!("{err}"));
    let api = Api::new(&server.url()).unwrap();
    assert_eq!(
        call(&api, Method::POST, "/admin/api/storage/enable", None).0,
        404
    );
    assert_eq!(call(&api, Method::GET, "/admin/api/webhooks", None).0, 404);
    // Not stored: the example answer, whatever was sent.
    let (status, body) = call(
        &api,
        Method::POST,
        "/api/pets",
        Some(json!({"name": "Zed"})),
    );
    assert_eq!(status, 201);
    assert_ne!(body, json!({"name": "Zed", "id": 1}));
}
