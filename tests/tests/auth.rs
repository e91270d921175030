//! Auth end to end: every secured operation of the secured specs answers
//! 401 problem+json without the mock's credentials and conforms with them;
//! `/token` issues JWTs that are accepted as bearer tokens; `--no-auth`
//! leaves everything open.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mockloop_runtime::{ApiModel, RenderOptions, load_spec};
use mockloop_tests::backend::{Api, with_form, with_json};
use mockloop_tests::conformance::prepare_request;
use mockloop_tests::paths::{repo_specs_dir, shared_specs_dir};
use mockloop_tests::server::START_TIMEOUT;
use mockloop_tests::{Engine, GeneratedMock, MockServer, Secrets, check_all, on_both_engines};
use serde_json::{Value, json};

on_both_engines!(
    secured_operations_need_the_mock_credentials,
    unauthorized_answers_and_tokens,
    no_auth_leaves_everything_open
);

fn generate(spec: &Path, options: &RenderOptions) -> GeneratedMock {
    GeneratedMock::new(&spec.to_string_lossy(), options).unwrap_or_else(|err| panic!("{err}"))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn secured_specs() -> Vec<PathBuf> {
    let mut specs = vec![
        repo_specs_dir().join("openapi30-security.yaml"),
        repo_specs_dir().join("openapi31-non-oauth-scopes.json"),
    ];
    let uber = shared_specs_dir().join("oai/v2.0/yaml/uber.yaml");
    if uber.exists() {
        specs.push(uber);
    }
    specs
}

fn secured_operations_need_the_mock_credentials(engine: Engine) {
    for spec_path in secured_specs() {
        let mock = generate(&spec_path, &RenderOptions::default());
        let (dir, venv) = (&mock.dir, &mock.venv);
        let secured: BTreeSet<String> =
            read_json(&dir.join("mock_data/security.json"))["operations"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
        assert!(!secured.is_empty(), "{}", spec_path.display());
        let server = MockServer::start_engine(engine, dir, venv, START_TIMEOUT, &[])
            .unwrap_or_else(|err| panic!("{err}"));
        let spec = load_spec(&spec_path.to_string_lossy()).unwrap();
        let model = ApiModel::from_spec(&spec).unwrap();

        let with = check_all(&spec, &model, &server.url(), &Secrets::from_mock_dir(dir)).unwrap();
        assert!(with.is_ok(), "{with}\n{}", server.output());

        // Without credentials every secured operation answers 401
        // problem+json, and only those do.
        let client = reqwest::blocking::Client::new();
        let mut denied = BTreeSet::new();
        for operation in &model.operations {
            let prepared = prepare_request(&spec, &model, operation, &server.url(), None).unwrap();
            let mut request = client.request(
                reqwest::Method::from_bytes(prepared.method.as_bytes()).unwrap(),
                prepared.url.clone(),
            );
            for (name, value) in &prepared.headers {
                request = request.header(name, value);
            }
            if let Some(body) = &prepared.body {
                request = request.body(body.clone());
            }
            let response = request.send().unwrap();
            if response.status().as_u16() == 401 {
                assert_eq!(
                    response.headers()["content-type"],
                    "application/problem+json",
                    "{prepared}"
                );
                denied.insert(operation.key.clone());
            }
        }
        assert_eq!(denied, secured, "{}", spec_path.display());
    }
}

fn unauthorized_answers_and_tokens(engine: Engine) {
    let spec = repo_specs_dir().join("openapi30-security.yaml");
    let mock = generate(&spec, &RenderOptions::default());
    let (dir, venv) = (&mock.dir, &mock.venv);
    let auth = read_json(&dir.join("mockloop.json"))["auth"].clone();
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains(auth["bearer_tokens"][0].as_str().unwrap()),
        "the README lists the mock secrets"
    );
    let server = MockServer::start_engine(engine, dir, venv, START_TIMEOUT, &[])
        .unwrap_or_else(|err| panic!("{err}"));
    let api = Api::new(&server.url()).unwrap();

    let response = api.get("/both").send().unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/problem+json");
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("Basic") && challenge.contains("Bearer"),
        "{challenge}"
    );
    let body: Value = response.json().unwrap();
    assert_eq!(body["status"], 401);

    // Open operations, and an optional requirement.
    assert_eq!(api.get("/public").send().unwrap().status().as_u16(), 200);
    assert_eq!(api.get("/optional").send().unwrap().status().as_u16(), 200);
    // The global header key, a wrong one, one alternative of two.
    let key = auth["api_keys"]["headerKey"].as_str().unwrap();
    let status =
        |request: reqwest::blocking::RequestBuilder| request.send().unwrap().status().as_u16();
    assert_eq!(status(api.get("/things").header("X-API-Key", key)), 200);
    assert_eq!(status(api.get("/things").header("X-API-Key", "nope")), 401);
    let basic = &auth["basic"];
    let (user, password) = (
        basic["username"].as_str().unwrap(),
        basic["password"].as_str().unwrap(),
    );
    assert_eq!(
        status(api.get("/both").basic_auth(user, Some(password))),
        401
    );
    assert_eq!(
        status(
            api.get("/both")
                .basic_auth(user, Some(password))
                .header("X-API-Key", key)
        ),
        200
    );

    // The password grant, form-encoded and as JSON.
    let mock_user = &auth["users"][0];
    let (name, secret) = (
        mock_user["username"].as_str().unwrap(),
        mock_user["password"].as_str().unwrap(),
    );
    let form = [
        ("grant_type", "password"),
        ("username", name),
        ("password", secret),
    ];
    let response = with_form(api.request(reqwest::Method::POST, "/token"), &form)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let token: Value = response.json().unwrap();
    assert_eq!(token["token_type"], "bearer");
    let jwt = token["access_token"].as_str().unwrap();
    assert_eq!(jwt.split('.').count(), 3);
    let json_grant = json!({"username": name, "password": secret});
    let response = with_json(api.request(reqwest::Method::POST, "/token"), &json_grant)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let wrong = json!({"username": name, "password": "wrong"});
    let response = with_json(api.request(reqwest::Method::POST, "/token"), &wrong)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);

    for (method, path, expected) in [
        (reqwest::Method::POST, "/oauth", 201),
        (reqwest::Method::DELETE, "/oidc", 204),
        (reqwest::Method::GET, "/bearer", 200),
    ] {
        let request = api.request(method.clone(), path);
        assert_eq!(
            status(request.bearer_auth(jwt)),
            expected,
            "{method} {path}"
        );
        let request = api.request(method.clone(), path);
        assert_eq!(
            status(request.bearer_auth(format!("{jwt}x"))),
            401,
            "{path}"
        );
    }
}

fn no_auth_leaves_everything_open(engine: Engine) {
    let spec_path = repo_specs_dir().join("openapi30-security.yaml");
    let options = RenderOptions::default().with_feature("auth", false);
    let mock = generate(&spec_path, &options);
    let (dir, venv) = (&mock.dir, &mock.venv);
    let server = MockServer::start_engine(engine, dir, venv, START_TIMEOUT, &[])
        .unwrap_or_else(|err| panic!("{err}"));
    let spec = load_spec(&spec_path.to_string_lossy()).unwrap();
    let model = ApiModel::from_spec(&spec).unwrap();
    let report = check_all(&spec, &model, &server.url(), &Secrets::default()).unwrap();
    assert!(report.is_ok(), "{report}");
    let api = Api::new(&server.url()).unwrap();
    let status = api
        .request(reqwest::Method::POST, "/token")
        .send()
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 404);
}
