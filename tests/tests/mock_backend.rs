//! The generated mock as a test backend, end to end against running mocks:
//! the SQLite request log (every request, every field, secrets redacted),
//! log search and analysis (checked against the rows read straight from
//! SQLite), scenarios, overrides and `Prefer` (live, and after a restart),
//! request validation (422 problem+json at every location, valid requests
//! accepted) and the admin API's answers to bad input.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use mockloop_runtime::RenderOptions;
use mockloop_tests::backend::{
    Api, json_body, log_db_path, percentile, with_form, with_json, with_multipart,
};
use mockloop_tests::paths::repo_specs_dir;
use mockloop_tests::{Engine, GeneratedMock, MockServer, on_both_engines, python};
use reqwest::Method;
use serde_json::{Value, json};

/// An API with parameters in every location and style, a JSON, a form and
/// an API key, so every part of validation and redaction is exercised.
const SPEC: &str = include_str!("../fixtures/backend.yaml");

/// A generated mock of [`SPEC`] in a temp folder, with its venv. Auth is
/// tested in auth.rs; here the API key is only a header to redact.
fn fixture() -> GeneratedMock {
    let options = RenderOptions::default().with_feature("auth", false);
    GeneratedMock::from_text("backend.yaml", SPEC, &options).unwrap_or_else(|err| panic!("{err}"))
}

fn start(mock: &GeneratedMock, engine: Engine) -> MockServer {
    mock.start_on(engine).unwrap_or_else(|err| panic!("{err}"))
}

/// The engine that is not `engine`.
fn other(engine: Engine) -> Engine {
    match engine {
        Engine::FastApi => Engine::Native,
        Engine::Native => Engine::FastApi,
    }
}

on_both_engines!(
    every_request_is_logged_with_its_fields_and_secrets_redacted,
    each_search_filter_returns_exactly_the_matching_rows,
    analyze_agrees_with_an_independent_computation,
    scenarios_overrides_and_prefer_change_responses_live_and_after_a_restart,
    a_change_made_through_one_process_reaches_the_others,
    invalid_requests_get_problem_json_and_valid_ones_pass,
    bad_admin_input_gets_a_4xx_json_error,
    n_requests_give_n_rows_after_a_clean_shutdown
);

fn api(server: &MockServer) -> Api {
    Api::new(&server.url()).unwrap()
}

fn send(request: reqwest::blocking::RequestBuilder) -> (u16, Value) {
    Api::send(request).unwrap()
}

/// One `request_logs` row, read straight from SQLite.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    timestamp: String,
    method: String,
    path: String,
    query_params: String,
    status_code: i64,
    process_time_ms: f64,
    headers: Value,
    request_body: Option<String>,
    response_body: Option<String>,
    response_size: i64,
    user_agent: Option<String>,
    session_id: Option<String>,
    correlation_id: Option<String>,
    test_scenario: Option<String>,
    is_admin: bool,
    operation_key: Option<String>,
    client_host: Option<String>,
}

fn read_rows(db: &Path) -> Vec<Row> {
    let connection =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut statement = connection
        .prepare(
            "SELECT id, timestamp, method, path, query_params, status_code, process_time_ms,
                    headers, request_body, response_body, response_size, user_agent,
                    session_id, correlation_id, test_scenario, is_admin, operation_key,
                    client_host
             FROM request_logs ORDER BY id",
        )
        .unwrap();
    statement
        .query_map([], |row| {
            let headers: String = row.get(7)?;
            Ok(Row {
                id: row.get(0)?,
                timestamp: row.get(1)?,
                method: row.get(2)?,
                path: row.get(3)?,
                query_params: row.get(4)?,
                status_code: row.get(5)?,
                process_time_ms: row.get(6)?,
                headers: serde_json::from_str(&headers).unwrap(),
                request_body: row.get(8)?,
                response_body: row.get(9)?,
                response_size: row.get(10)?,
                user_agent: row.get(11)?,
                session_id: row.get(12)?,
                correlation_id: row.get(13)?,
                test_scenario: row.get(14)?,
                is_admin: row.get::<_, i64>(15)? != 0,
                operation_key: row.get(16)?,
                client_host: row.get(17)?,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Drives a known mix of requests in session `session`: 3 per kind.
fn drive_traffic(api: &Api, session: &str) -> usize {
    let mut sent = 0;
    for i in 1..=3 {
        let requests = [
            api.get(&format!("/api/items?limit={}", i * 10)),
            api.get(&format!("/api/items/{i}"))
                .header("X-Trace", "abc123")
                .header("Cookie", "session=secret-cookie"),
            api.post_json(
                "/api/orders",
                &json!({"id": i, "items": [{"sku": "a", "price": 1.5}], "api_token": "t0ps3cret"}),
            )
            .header("X-Api-Key", "key-123")
            .header("Authorization", "Bearer abc.def"),
            api.get("/api/items?limit=0"),
            api.get("/api/nowhere"),
        ];
        for request in requests {
            send(request.header("X-Session-Id", session));
            sent += 1;
        }
    }
    sent
}

fn every_request_is_logged_with_its_fields_and_secrets_redacted(engine: Engine) {
    let fixture = fixture();
    let server = start(&fixture, engine);
    let api = api(&server);
    let sent = drive_traffic(&api, "s-fields");
    let response = api
        .get("/api/items?limit=5&access_token=hidden")
        .header("X-Session-Id", "s-fields")
        .header("X-Correlation-Id", "corr-42")
        .send()
        .unwrap();
    assert_eq!(
        response.headers()["x-correlation-id"].to_str().unwrap(),
        "corr-42"
    );
    let (status, found) = api
        .search(&[("session_id", "s-fields"), ("limit", "1000")])
        .unwrap();
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["total_count"], json!(sent + 1), "{found}");

    let rows: Vec<Row> = read_rows(&log_db_path(&fixture.dir))
        .into_iter()
        .filter(|row| row.session_id.as_deref() == Some("s-fields"))
        .collect();
    assert_eq!(rows.len(), sent + 1);
    for row in &rows {
        assert!(
            row.timestamp.ends_with('Z') && row.timestamp.len() == 24,
            "{row:?}"
        );
        assert!(row.process_time_ms > 0.0, "{row:?}");
        assert_eq!(row.client_host.as_deref(), Some("127.0.0.1"));
        assert!(
            row.user_agent.is_some() && row.correlation_id.is_some(),
            "{row:?}"
        );
        assert!(!row.is_admin && row.test_scenario.is_none(), "{row:?}");
        assert!(row.response_size > 0 || row.status_code == 204, "{row:?}");
        let text = format!("{row:?}");
        for secret in ["abc.def", "key-123", "secret-cookie", "t0ps3cret", "hidden"] {
            assert!(!text.contains(secret), "{secret} leaked: {row:?}");
        }
    }
    let order = rows.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(order.operation_key.as_deref(), Some("POST /orders"));
    assert_eq!(order.headers["authorization"], "[REDACTED]");
    assert_eq!(order.headers["x-api-key"], "[REDACTED]");
    assert!(order.request_body.as_deref().unwrap().contains("\"sku\""));
    assert!(
        order
            .response_body
            .as_deref()
            .unwrap()
            .contains("\"items\"")
    );
    let item = rows.iter().find(|r| r.path == "/api/items/2").unwrap();
    assert_eq!(item.operation_key.as_deref(), Some("GET /items/{itemId}"));
    assert_eq!(item.headers["cookie"], "[REDACTED]");
    let tagged = rows
        .iter()
        .find(|r| r.query_params.contains("access_token"))
        .unwrap();
    assert_eq!(tagged.correlation_id.as_deref(), Some("corr-42"));
    assert!(tagged.query_params.contains("limit=5"), "{tagged:?}");
    let unknown = rows.iter().find(|r| r.path == "/api/nowhere").unwrap();
    assert_eq!(unknown.status_code, 404);
    assert!(unknown.operation_key.is_none());
    // Admin requests are logged too, flagged (the second search flushes the
    // first one's row).
    api.search(&[("limit", "1")]).unwrap();
    let all = read_rows(&log_db_path(&fixture.dir));
    assert!(
        all.iter()
            .any(|r| r.is_admin && r.path == "/admin/api/logs/search")
    );
}

/// The ids search returns for `query`, and its total.
fn search_ids(api: &Api, query: &[(&str, &str)]) -> (Vec<i64>, u64) {
    let (status, found) = api.search(query).unwrap();
    assert_eq!(status, 200, "{query:?}: {found}");
    let ids = found["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|log| log["id"].as_i64().unwrap())
        .collect();
    (ids, found["total_count"].as_u64().unwrap())
}

fn ids_newest_first<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<i64> {
    let mut ids: Vec<i64> = rows.map(|row| row.id).collect();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids
}

fn each_search_filter_returns_exactly_the_matching_rows(engine: Engine) {
    let fixture = fixture();
    let server = start(&fixture, engine);
    let api = api(&server);
    drive_traffic(&api, "s-one");
    std::thread::sleep(Duration::from_millis(20));
    drive_traffic(&api, "s-two");
    // Flush, then read every row the filters choose from.
    search_ids(&api, &[("limit", "1")]);
    let rows = read_rows(&log_db_path(&fixture.dir));
    let public: Vec<&Row> = rows.iter().filter(|r| !r.is_admin).collect();
    let all = "10000";

    let check = |query: &[(&str, &str)], expected: Vec<i64>| {
        let mut query = query.to_vec();
        query.push(("limit", all));
        let (ids, total) = search_ids(&api, &query);
        assert_eq!(ids, expected, "{query:?}");
        assert_eq!(total, expected.len() as u64, "{query:?}");
    };
    check(&[], ids_newest_first(public.iter().copied()));
    check(
        &[("method", "post")],
        ids_newest_first(public.iter().copied().filter(|r| r.method == "POST")),
    );
    check(
        &[("status_code", "422")],
        ids_newest_first(public.iter().copied().filter(|r| r.status_code == 422)),
    );
    check(
        &[("session_id", "s-two")],
        ids_newest_first(
            public
                .iter()
                .copied()
                .filter(|r| r.session_id.as_deref() == Some("s-two")),
        ),
    );
    check(
        &[("path_pattern", r"^/api/items/\d+$")],
        ids_newest_first(public.iter().copied().filter(|r| {
            r.path
                .strip_prefix("/api/items/")
                .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
        })),
    );
    // With admin requests: every row logged before the search (the
    // searches above included).
    let (ids, _) = search_ids(&api, &[("include_admin", "true"), ("limit", all)]);
    let now = read_rows(&log_db_path(&fixture.dir));
    assert!(ids[0] >= rows.last().unwrap().id);
    assert_eq!(ids, ids_newest_first(now.iter().filter(|r| r.id <= ids[0])));
    assert!(now.iter().any(|r| r.is_admin && ids.contains(&r.id)));
    // Times, inclusive at both ends, given with Z, with an offset and naive.
    let from = &public[4].timestamp;
    let to = &public[public.len() - 5].timestamp;
    let between = ids_newest_first(
        public
            .iter()
            .copied()
            .filter(|r| &r.timestamp >= from && &r.timestamp <= to),
    );
    check(&[("time_from", from), ("time_to", to)], between.clone());
    let naive = |ts: &str| ts.trim_end_matches('Z').to_owned();
    check(
        &[("time_from", &naive(from)), ("time_to", &naive(to))],
        between.clone(),
    );
    if let (Some(a), Some(b)) = (shift_two_hours(from), shift_two_hours(to)) {
        check(&[("time_from", &a), ("time_to", &b)], between);
    }
    // Paging.
    let every = ids_newest_first(public.iter().copied());
    let (page, total) = search_ids(&api, &[("limit", "5"), ("offset", "3")]);
    assert_eq!(page, every[3..8].to_vec());
    assert_eq!(total, every.len() as u64);
}

/// The same instant written with a `+02:00` offset (`None` late in the day).
fn shift_two_hours(ts: &str) -> Option<String> {
    let hour: u32 = ts.get(11..13)?.parse().ok()?;
    (hour < 22).then(|| format!("{}{:02}{}+02:00", &ts[..11], hour + 2, &ts[13..23]))
}

fn analyze_agrees_with_an_independent_computation(engine: Engine) {
    let fixture = fixture();
    let server = start(&fixture, engine);
    let api = api(&server);
    drive_traffic(&api, "s-analyze");
    drive_traffic(&api, "s-other");
    let (status, report) = api.analyze(&[("session_id", "s-analyze")]).unwrap();
    assert_eq!(status, 200, "{report}");
    let rows: Vec<Row> = read_rows(&log_db_path(&fixture.dir))
        .into_iter()
        .filter(|r| !r.is_admin && r.session_id.as_deref() == Some("s-analyze"))
        .collect();
    assert_eq!(report["total_requests"], json!(rows.len()));
    let count_by = |key: fn(&Row) -> String| {
        let mut counts = BTreeMap::<String, u64>::new();
        for row in &rows {
            *counts.entry(key(row)).or_default() += 1;
        }
        serde_json::to_value(counts).unwrap()
    };
    assert_eq!(report["methods"], count_by(|r| r.method.clone()));
    assert_eq!(
        report["status_codes"],
        count_by(|r| r.status_code.to_string())
    );
    let errors = rows.iter().filter(|r| r.status_code >= 400).count();
    assert_eq!(report["error_count"], json!(errors));
    #[allow(clippy::cast_precision_loss)]
    let rate = errors as f64 / rows.len() as f64;
    close(&report["error_rate"], rate, "error_rate");
    check_latency(&report["latency_ms"], rows.iter(), "overall");

    let key = |r: &Row| {
        r.operation_key
            .clone()
            .unwrap_or_else(|| format!("{} {}", r.method, r.path))
    };
    let endpoints = report["endpoints"].as_array().unwrap();
    let expected = count_by(key);
    assert_eq!(endpoints.len(), expected.as_object().unwrap().len());
    for endpoint in endpoints {
        let name = endpoint["endpoint"].as_str().unwrap();
        assert_eq!(endpoint["count"], expected[name], "{name}");
        let group = rows.iter().filter(|r| key(r) == name);
        check_latency(&endpoint["latency_ms"], group, name);
    }
    assert!(
        endpoints
            .iter()
            .any(|e| e["endpoint"] == "GET /items/{itemId}" && e["count"] == 3),
        "{endpoints:?}"
    );
    let traffic: u64 = report["traffic"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bucket| bucket["count"].as_u64().unwrap())
        .sum();
    assert_eq!(traffic, rows.len() as u64);
    assert_eq!(
        report["traffic"][0]["minute"].as_str().unwrap(),
        &rows[0].timestamp[..16]
    );
    assert!(!report["insights"].as_array().unwrap().is_empty());
}

fn check_latency<'a>(figures: &Value, rows: impl Iterator<Item = &'a Row>, what: &str) {
    let mut times: Vec<f64> = rows.map(|r| r.process_time_ms).collect();
    times.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss)]
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    close(&figures["mean"], mean, what);
    close(&figures["max"], *times.last().unwrap(), what);
    for p in [50.0, 90.0, 95.0, 99.0] {
        close(&figures[format!("p{p}")], percentile(&times, p), what);
    }
}

fn close(actual: &Value, expected: f64, what: &str) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual}"));
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: {actual} != {expected}"
    );
}

fn scenarios_overrides_and_prefer_change_responses_live_and_after_a_restart(engine: Engine) {
    let fixture = fixture();
    let server = start(&fixture, engine);
    let api = api(&server);
    let item = || api.get("/api/items/1").header("X-Trace", "ab");

    // Prefer: code, example, dynamic.
    let (status, _) = send(item().header("Prefer", "code=404"));
    assert_eq!(status, 404);
    let (_, body) = send(api.get("/api/items").header("Prefer", "example=two"));
    assert_eq!(
        body,
        json!([{"sku": "two", "price": 2}, {"sku": "three", "price": 3}])
    );
    let (status, body) = send(api.get("/api/items").header("Prefer", "dynamic=true"));
    assert_eq!(status, 200);
    assert!(body.is_array(), "{body}");

    // A scenario, activated, changes the next response.
    let scenario = json!({
        "name": "outage",
        "description": "items are down",
        "endpoints": {
            "GET /items": {"status_code": 503, "body": {"code": 503, "message": "down"}},
            "GET /items/{itemId}": {"status_code": 404, "delay_ms": 50}
        }
    });
    let (status, created) = send(api.post_json("/admin/api/mock-data/scenarios", &scenario));
    assert_eq!(status, 201, "{created}");
    let (status, _) = send(api.request(
        Method::POST,
        "/admin/api/mock-data/scenarios/outage/activate",
    ));
    assert_eq!(status, 200);
    assert_eq!(
        send(api.get("/api/items")),
        (503, json!({"code": 503, "message": "down"}))
    );
    assert_eq!(send(item()).0, 404);
    // Prefer beats the scenario.
    assert_eq!(
        send(api.get("/api/items").header("Prefer", "code=200")).0,
        200
    );

    // An override beats the scenario.
    let override_ = json!({"method": "GET", "path": "/items", "status_code": 200,
                           "body": [{"sku": "over", "price": 9}], "headers": {"X-Mocked": "yes"}});
    let (status, set) = send(api.post_json("/admin/api/mock-data/responses", &override_));
    assert_eq!(status, 201, "{set}");
    let response = api.get("/api/items").send().unwrap();
    assert_eq!(response.headers()["x-mocked"], "yes");
    assert_eq!(json_body(response), json!([{"sku": "over", "price": 9}]));
    let (_, listed) = send(api.get("/admin/api/mock-data/responses"));
    assert_eq!(listed["overrides"][0]["endpoint"], "GET /items");

    // The requests were logged under the active scenario.
    let (_, found) = api
        .search(&[("path_pattern", "^/api/items$"), ("limit", "1")])
        .unwrap();
    assert_eq!(found["logs"][0]["test_scenario"], "outage");

    // Both survive a restart, on the other engine too: the engines are
    // interchangeable on one folder.
    assert!(server.stop(Duration::from_secs(10)), "no clean shutdown");
    let server = start(&fixture, other(engine));
    let api = Api::new(&server.url()).unwrap();
    let (_, active) = send(api.get("/admin/api/mock-data/scenarios/active"));
    assert_eq!(active["active"], "outage", "{active}");
    assert_eq!(
        send(api.get("/api/items")).1,
        json!([{"sku": "over", "price": 9}])
    );
    assert_eq!(send(api.get("/api/items/1").header("X-Trace", "ab")).0, 404);

    // Clearing and deactivating restore the documented responses.
    let (_, cleared) = send(api.request(Method::DELETE, "/admin/api/mock-data/responses"));
    assert_eq!(cleared["cleared"], 1);
    assert_eq!(send(api.get("/api/items")).0, 503);
    send(api.request(Method::POST, "/admin/api/mock-data/scenarios/deactivate"));
    assert_eq!(send(api.get("/api/items")).0, 200);

    // Fault injection: error_rate 1 serves the documented 5xx.
    let faulty = json!({"name": "faulty", "endpoints": {"GET /items": {"error_rate": 1.0}}});
    let (status, _) = send(with_json(
        api.request(Method::PUT, "/admin/api/mock-data/scenarios/faulty"),
        &faulty,
    ));
    assert_eq!(status, 200);
    send(api.request(
        Method::POST,
        "/admin/api/mock-data/scenarios/faulty/activate",
    ));
    assert_eq!(send(api.get("/api/items")).0, 503);
    let (status, _) = send(api.request(Method::DELETE, "/admin/api/mock-data/scenarios/faulty"));
    assert_eq!(status, 200);
    assert_eq!(send(api.get("/api/items")).0, 200);

    // Info and health.
    let (_, info) = send(api.get("/admin/api/info"));
    assert_eq!(info["manifest"]["api"]["title"], "Backend Test API");
    assert_eq!(info["features"]["request_log"], true);
    assert!(info["uptime_s"].as_f64().unwrap() >= 0.0);
    let (_, health) = send(api.get("/health"));
    assert_eq!(health["mockloop"]["operation_count"], 5);
}

/// Several processes serving one mock (`uvicorn --workers N`, here two
/// servers of one folder) share its database: a change made through one is
/// seen by the other on its next request, without a restart.
fn a_change_made_through_one_process_reaches_the_others(engine: Engine) {
    let fixture = fixture();
    let first = start(&fixture, engine);
    let second = start(&fixture, other(engine));
    let (one, two) = (api(&first), api(&second));
    assert_eq!(send(two.get("/api/items")).0, 200);

    let override_items = json!({"method": "GET", "path": "/items", "status_code": 503,
                                "body": {"code": 1, "message": "from the first"}});
    let (status, body) = send(one.post_json("/admin/api/mock-data/responses", &override_items));
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        send(two.get("/api/items")),
        (503, json!({"code": 1, "message": "from the first"}))
    );
    let (status, _) = send(two.request(Method::DELETE, "/admin/api/mock-data/responses"));
    assert_eq!(status, 200);
    assert_eq!(send(one.get("/api/items")).0, 200);

    let scenario = json!({"name": "shared", "endpoints": {"GET /items": {"status_code": 404}}});
    let (status, _) = send(two.post_json("/admin/api/mock-data/scenarios", &scenario));
    assert_eq!(status, 201);
    let (status, _) = send(two.request(
        Method::POST,
        "/admin/api/mock-data/scenarios/shared/activate",
    ));
    assert_eq!(status, 200);
    assert_eq!(send(one.get("/api/items")).0, 404);
    let (_, active) = send(one.get("/admin/api/mock-data/scenarios/active"));
    assert_eq!(active["active"], "shared", "{active}");
    let (status, _) = send(one.request(Method::POST, "/admin/api/mock-data/scenarios/deactivate"));
    assert_eq!(status, 200);
    assert_eq!(send(two.get("/api/items")).0, 200);
}

/// The locations of the violations in a 422 answer.
fn violations(response: reqwest::blocking::Response) -> Vec<String> {
    assert_eq!(response.status().as_u16(), 422);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem = json_body(response);
    assert_eq!(problem["status"], 422);
    let mut found: Vec<String> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["location"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

fn invalid_requests_get_problem_json_and_valid_ones_pass(engine: Engine) {
    let fixture = fixture();
    let server = start(&fixture, engine);
    let api = api(&server);
    let ok = |request: reqwest::blocking::RequestBuilder| {
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        assert!(status < 400, "{status}: {}", response.text().unwrap());
    };
    // Valid, in every style.
    ok(api.get("/api/items?limit=50&tags=1,2,3&filter[color]=red&filter[size]=4&mode=a|b"));
    ok(api.get("/api/items"));
    ok(api
        .get("/api/items/7")
        .header("X-Trace", "beef")
        .header("Cookie", "session=abcd"));
    ok(api.post_json(
        "/api/orders",
        &json!({"id": 1, "items": [{"sku": "x", "price": 0}]}),
    ));
    ok(with_form(
        api.request(Method::POST, "/api/forms"),
        &[("name", "Ann"), ("age", "30")],
    ));

    // Forms as common clients send them: one branch of a oneOf ("0" is a
    // string there), "null" for a nullable array, one JSON object for an
    // array of them, over 1,000 repeated fields, an empty form, and an
    // object flattened to its keys (no reading can rebuild it).
    let upload =
        |fields: &[(&str, &str)]| with_multipart(api.request(Method::POST, "/api/uploads"), fields);
    ok(upload(&[("name", "0"), ("attachments", "null")]));
    ok(upload(&[
        ("name", "a"),
        ("attachments", r#"{"id": "1", "size": 2}"#),
    ]));
    ok(upload(&[("count", "3")]));
    let many: Vec<(&str, &str)> = std::iter::once(("name", "n"))
        .chain(std::iter::repeat_n(("tags", "42"), 1500))
        .collect();
    ok(upload(&many));
    let form =
        |fields: &[(&str, &str)]| with_form(api.request(Method::POST, "/api/uploads"), fields);
    ok(form(&[("kind", "1"), ("meta", "note"), ("meta", "size")]));
    ok(form(&[("kind", "1")]));
    ok(form(&[("kind", "1"), ("meta", "{}"), ("extra", "null")]));

    // Invalid, at every location; every violation is listed.
    let invalid = |request: reqwest::blocking::RequestBuilder| violations(request.send().unwrap());
    assert_eq!(
        invalid(api.get("/api/items?limit=0&tags=1,x&filter[color]=green&mode=a|c")),
        [
            "query.filter.color",
            "query.limit",
            "query.mode[1]",
            "query.tags[1]"
        ]
    );
    assert_eq!(invalid(api.get("/api/items?tags=1,2,3,4")), ["query.tags"]);
    assert_eq!(
        invalid(
            api.get("/api/items/0")
                .header("X-Trace", "XYZ")
                .header("Cookie", "session=ab")
        ),
        ["cookie.session", "header.X-Trace", "path.itemId"]
    );
    assert_eq!(invalid(api.get("/api/items/1")), ["header.X-Trace"]);
    assert_eq!(
        invalid(api.get("/api/items/abc").header("X-Trace", "a")),
        ["path.itemId"]
    );
    assert_eq!(
        invalid(api.post_json(
            "/api/orders",
            &json!({"id": 0, "items": [{"sku": "a", "price": 1}, {"sku": "", "price": 1},
                                       {"sku": "c", "price": -1}, {"price": 2}]}),
        )),
        [
            "body.id",
            "body.items[1].sku",
            "body.items[2].price",
            "body.items[3].sku"
        ]
    );
    assert_eq!(invalid(api.request(Method::POST, "/api/orders")), ["body"]);
    assert_eq!(
        invalid(
            api.request(Method::POST, "/api/orders")
                .header("Content-Type", "application/json")
                .body("{not json")
        ),
        ["body"]
    );
    assert_eq!(
        invalid(with_form(
            api.request(Method::POST, "/api/forms"),
            &[("name", "A"), ("age", "-3")]
        )),
        ["body.age", "body.name"]
    );
    // int32 is a range; a nullable enum admits null only if it lists it.
    assert_eq!(
        invalid(with_form(
            api.request(Method::POST, "/api/forms"),
            &[("name", "Ann"), ("age", "2147483648"), ("color", "null")]
        )),
        ["body.age", "body.color"]
    );
    ok(with_form(
        api.request(Method::POST, "/api/forms"),
        &[("name", "Ann"), ("age", "2147483647"), ("color", "red")],
    ));
    // Well-known formats are checked, unless MOCKLOOP_STRICT_FORMATS=off.
    let formats = [
        ("name", "Ann"),
        ("when", "yesterday"),
        ("contact", "nobody"),
    ];
    assert_eq!(
        invalid(with_form(api.request(Method::POST, "/api/forms"), &formats)),
        ["body.contact", "body.when"]
    );
    ok(with_form(
        api.request(Method::POST, "/api/forms"),
        &[
            ("name", "Ann"),
            ("when", "2024-02-29T10:00:00Z"),
            ("contact", "a@b.example"),
        ],
    ));
    // As schemathesis reads it, "" is a valid nullable date-time; any
    // other mismatch is not.
    ok(with_form(
        api.request(Method::POST, "/api/forms"),
        &[("name", "Ann"), ("until", "")],
    ));
    assert_eq!(
        invalid(with_form(
            api.request(Method::POST, "/api/forms"),
            &[("name", "Ann"), ("until", "soon")]
        )),
        ["body.until"]
    );
    let lenient = fixture
        .start_on_with_env(engine, &[("MOCKLOOP_STRICT_FORMATS", "off")])
        .unwrap_or_else(|err| panic!("{err}"));
    let lenient = Api::new(&lenient.url()).unwrap();
    ok(with_form(
        lenient.request(Method::POST, "/api/forms"),
        &formats,
    ));
    assert_eq!(invalid(upload(&[("count", "11")])), ["body"]);
    assert_eq!(
        invalid(upload(&[("name", "a"), ("tags", "x"), ("tags", "1")])),
        ["body"]
    );
    assert_eq!(
        invalid(form(&[
            ("kind", "one"),
            ("meta", "{}"),
            ("extra", "too long")
        ])),
        ["body.extra", "body.kind"]
    );
    // One plain-text value for an object, or a repeated scalar, is no
    // flattening: it is wrong.
    assert_eq!(
        invalid(form(&[("kind", "1"), ("meta", "AAA")])),
        ["body.meta"]
    );
    assert_eq!(
        invalid(form(&[("kind", "1"), ("kind", "2"), ("meta", "{}")])),
        ["body.kind"]
    );
}

fn bad_admin_input_gets_a_4xx_json_error(engine: Engine) {
    let fixture = fixture();
    let server = start(&fixture, engine);
    let api = api(&server);
    let cases: Vec<(reqwest::blocking::RequestBuilder, u16)> = vec![
        (api.get("/admin/api/logs/search?limit=abc"), 400),
        (api.get("/admin/api/logs/search?limit=0"), 400),
        (api.get("/admin/api/logs/search?offset=-1"), 400),
        (api.get("/admin/api/logs/search?status_code=999"), 400),
        (api.get("/admin/api/logs/search?time_from=yesterday"), 400),
        (
            api.get("/admin/api/logs/search?path_pattern=(unclosed"),
            400,
        ),
        (api.get("/admin/api/logs/search?include_admin=maybe"), 400),
        (api.get("/admin/api/logs/search?colour=red"), 400),
        (api.get("/admin/api/logs/analyze?time_to=13:99"), 400),
        (api.get("/admin/api/mock-data/scenarios/nope"), 404),
        (
            api.request(Method::POST, "/admin/api/mock-data/scenarios/nope/activate"),
            404,
        ),
        (
            api.request(Method::POST, "/admin/api/mock-data/scenarios")
                .header("Content-Type", "application/json")
                .body("{"),
            400,
        ),
        (
            api.post_json("/admin/api/mock-data/scenarios", &json!([1])),
            400,
        ),
        (
            api.post_json("/admin/api/mock-data/scenarios", &json!({"name": ""})),
            400,
        ),
        (
            api.post_json(
                "/admin/api/mock-data/scenarios",
                &json!({"name": "x", "endpoints": {"GET /missing": {}}}),
            ),
            400,
        ),
        (
            api.post_json(
                "/admin/api/mock-data/scenarios",
                &json!({"name": "x", "endpoints": {"GET /items": {"status_code": 42}}}),
            ),
            400,
        ),
        (
            api.post_json(
                "/admin/api/mock-data/responses",
                &json!({"method": "GET", "path": "/items", "delay_ms": "slow"}),
            ),
            400,
        ),
        (
            api.post_json("/admin/api/mock-data/responses", &json!({"path": "/items"})),
            400,
        ),
        (
            api.request(
                Method::DELETE,
                "/admin/api/mock-data/responses?method=GET&path=/nope",
            ),
            400,
        ),
    ];
    for (request, expected) in cases {
        let request = request.build().unwrap();
        let what = format!("{} {}", request.method(), request.url());
        let response = reqwest::blocking::Client::new().execute(request).unwrap();
        let status = response.status().as_u16();
        let body = json_body(response);
        assert_eq!(status, expected, "{what}: {body}");
        assert!(body["error"].is_string(), "{what}: {body}");
    }
    // A duplicate scenario is a conflict.
    let scenario = json!({"name": "dup", "endpoints": {}});
    assert_eq!(
        send(api.post_json("/admin/api/mock-data/scenarios", &scenario)).0,
        201
    );
    assert_eq!(
        send(api.post_json("/admin/api/mock-data/scenarios", &scenario)).0,
        409
    );
}

#[test]
fn generated_python_is_clean() {
    let fixture = fixture();
    python::ruff_check(&fixture.venv, &fixture.dir).unwrap_or_else(|err| panic!("{err}"));
    python::py_compile(&fixture.venv, &fixture.dir).unwrap_or_else(|err| panic!("{err}"));
}

/// Sends `n` logged requests tagged with `session`.
fn send_tagged(api: &Api, session: &str, n: usize) {
    for i in 0..n {
        let (status, _) = send(
            api.get(&format!("/api/items?limit={}", i % 50 + 1))
                .header("X-Session-Id", session),
        );
        assert_eq!(status, 200);
    }
}

fn count_session(db: &Path, session: &str) -> usize {
    read_rows(db)
        .iter()
        .filter(|r| r.session_id.as_deref() == Some(session))
        .count()
}

fn n_requests_give_n_rows_after_a_clean_shutdown(engine: Engine) {
    let fixture = fixture();
    // The default log sink process, and the in-thread writer (one writer
    // thread on the native engine, whatever the setting).
    for sink in ["process", "thread"] {
        let server = fixture
            .start_on_with_env(engine, &[("MOCKLOOP_LOG_SINK", sink)])
            .unwrap_or_else(|err| panic!("{err}"));
        let session = format!("s-count-{sink}");
        send_tagged(&api(&server), &session, 300);
        assert!(server.stop(Duration::from_secs(20)), "no clean shutdown");
        let counted = count_session(&log_db_path(&fixture.dir), &session);
        assert_eq!(counted, 300, "rows written with MOCKLOOP_LOG_SINK={sink}");
    }
}

/// The processes running `python -m mockloop_mock.log_sink` for `db`.
fn log_sink_pids(db: &Path) -> Vec<u32> {
    let wanted = db.to_string_lossy().into_owned();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|&b| b == 0)
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect();
        if args.iter().any(|a| a == "mockloop_mock.log_sink") && args.contains(&wanted) {
            pids.push(pid);
        }
    }
    pids
}

fn wait_until_gone(pids: &[u32], timeout: Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let alive = pids.iter().any(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|stat| !stat.contains(") Z "))
        });
        if !alive {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn rows_are_written_even_when_the_log_sink_process_dies() {
    let fixture = fixture();
    let db = log_db_path(&fixture.dir);
    let server = start(&fixture, Engine::FastApi);
    let api = api(&server);
    send_tagged(&api, "s-before-kill", 50);
    // A search flushes the log, so these rows are in before the kill.
    let (status, found) = api.search(&[("session_id", "s-before-kill")]).unwrap();
    assert_eq!((status, &found["total_count"]), (200, &json!(50)));
    let sinks = log_sink_pids(&db);
    assert_eq!(sinks.len(), 1, "one log sink process per mock: {sinks:?}");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &sinks[0].to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(wait_until_gone(&sinks, Duration::from_secs(10)));
    // The writer notices and writes in its own thread from then on.
    send_tagged(&api, "s-after-kill", 120);
    let (status, found) = api.search(&[("session_id", "s-after-kill")]).unwrap();
    assert_eq!((status, &found["total_count"]), (200, &json!(120)));
    let output = server.output();
    assert!(
        output.contains("writing the request log in a thread instead"),
        "the fallback is reported: {output}"
    );
    send_tagged(&api, "s-after-kill", 30);
    assert!(server.stop(Duration::from_secs(20)), "no clean shutdown");
    assert_eq!(count_session(&db, "s-before-kill"), 50);
    assert_eq!(count_session(&db, "s-after-kill"), 150);
}

#[test]
fn the_log_sink_process_ends_with_the_mock() {
    let fixture = fixture();
    let db = log_db_path(&fixture.dir);
    // A clean stop: the sink writes what it was sent, then exits.
    let server = start(&fixture, Engine::FastApi);
    send_tagged(&api(&server), "s-clean", 40);
    let sinks = log_sink_pids(&db);
    assert_eq!(sinks.len(), 1, "{sinks:?}");
    assert!(server.stop(Duration::from_secs(20)), "no clean shutdown");
    assert!(
        wait_until_gone(&sinks, Duration::from_secs(5)),
        "sink left running"
    );
    assert_eq!(count_session(&db, "s-clean"), 40);
    // The mock killed outright: the sink sees its input end and exits too.
    let server = start(&fixture, Engine::FastApi);
    let api = api(&server);
    send_tagged(&api, "s-killed", 40);
    let (status, _) = api.search(&[("session_id", "s-killed")]).unwrap();
    assert_eq!(status, 200);
    let sinks = log_sink_pids(&db);
    assert_eq!(sinks.len(), 1, "{sinks:?}");
    drop(server);
    assert!(
        wait_until_gone(&sinks, Duration::from_secs(10)),
        "sink orphaned"
    );
    assert_eq!(count_session(&db, "s-killed"), 40);
}

/// A handler given custom behaviour reads its parameters as the spec
/// serialises them, typed, through `parameters(request, key)`.
#[test]
fn custom_handlers_read_parameters_typed() {
    let spec = repo_specs_dir().join("openapi30-petstore-expanded.yaml");
    let mock = GeneratedMock::new(&spec.to_string_lossy(), &RenderOptions::default())
        .unwrap_or_else(|err| panic!("{err}"));
    let main = mock.dir.join("main.py");
    let source = std::fs::read_to_string(&main).unwrap();
    let default_body = "    return await mock_response(request, \"GET /pets\")\n";
    assert!(source.contains(default_body), "{source}");
    let custom = source
        .replace(
            default_body,
            "    return JSONResponse(parameters(request, \"GET /pets\"))\n",
        )
        .replace(
            "from fastapi.responses import Response\n",
            "from fastapi.responses import JSONResponse, Response\n\
             from mockloop_mock.params import parameters\n",
        );
    std::fs::write(&main, custom).unwrap();
    let server = start(&mock, Engine::FastApi);
    let api = api(&server);
    let (status, body) = send(api.get("/v2/pets?limit=3&tags=a&tags=b"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"limit": 3, "tags": ["a", "b"]}));
    assert_eq!(send(api.get("/v2/pets")), (200, json!({})));
    // The other handlers still answer (and validate) as generated.
    assert_eq!(send(api.get("/v2/pets/1")).0, 200);
    assert_eq!(send(api.get("/v2/pets/x")).0, 422);
}

/// `(type, name, sql)` of every schema object, and `user_version`.
fn schema_of(connection: &rusqlite::Connection) -> (Vec<(String, String, String)>, i64) {
    let mut statement = connection
        .prepare(
            "SELECT type, name, COALESCE(sql, '') FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .unwrap();
    let objects = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    let version = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    (objects, version)
}

/// The database the FastAPI mock creates is the one the Rust migrations
/// create (one set of migration files serves both), and the mock runs on a
/// database the Rust side created.
#[test]
fn both_engines_share_one_database_schema() {
    let native = rusqlite::Connection::open_in_memory().unwrap();
    mockloop_runtime::migrate_database(&native).unwrap();
    let expected = schema_of(&native);
    assert_eq!(
        expected.1,
        i64::try_from(mockloop_runtime::database_schema_version()).unwrap()
    );

    let mock = fixture();
    let server = start(&mock, Engine::FastApi);
    assert_eq!(send(api(&server).get("/api/items")).0, 200);
    let db = log_db_path(&mock.dir);
    assert!(server.stop(Duration::from_secs(30)));
    let created_by_python = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(schema_of(&created_by_python), expected);
    drop(created_by_python);

    std::fs::remove_dir_all(db.parent().unwrap()).unwrap();
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    mockloop_runtime::migrate_database(&rusqlite::Connection::open(&db).unwrap()).unwrap();
    let server = start(&mock, Engine::FastApi);
    let api = api(&server);
    assert_eq!(send(api.get("/api/items")).0, 200);
    let (status, found) = api.search(&[("path_pattern", "^/api/items$")]).unwrap();
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["total_count"], json!(1), "{found}");
}
