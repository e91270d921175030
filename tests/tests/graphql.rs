//! GraphQL mocks end to end, on both engines: the shared real-world schemas
//! and `specs/graphql-edge-cases.graphql` are generated, started, and
//! checked with a real client (`tests/fixtures/graphql_check.py`, gql):
//! introspection rebuilds the SDL, every query and mutation field answers
//! data valid for the schema, invalid operations get spec-shaped errors.
//! Then the HTTP rules, the stateful round trip, the log, and the two
//! engines answering alike.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use mockloop_runtime::RenderOptions;
use mockloop_tests::paths::{repo_specs_dir, shared_specs_dir, workspace_root};
use mockloop_tests::{Engine, GeneratedMock, MockServer, on_both_engines};
use serde_json::{Value, json};

const START: Duration = Duration::from_secs(60);

on_both_engines!(
    every_schema_passes_the_client_check,
    http_rules_hold,
    stateful_round_trip,
    coordinates_are_overridden,
    auth_given_at_generation_is_enforced,
    subscriptions_run_over_websocket,
    coverage_names_root_fields,
    an_introspection_result_is_an_input,
    schemathesis_finds_no_error,
);

fn edge_cases() -> PathBuf {
    repo_specs_dir().join("graphql-edge-cases.graphql")
}

/// The schemas checked: ours, and the shared ones where `../shared` is.
fn schemas() -> Vec<PathBuf> {
    let mut found = vec![edge_cases()];
    let shared = shared_specs_dir().join("graphql");
    let candidates = [
        "gqlgen/starwars.graphql",
        "gqlgen/chat.graphql",
        "gqlgen/todo.graphql",
        "gqlgen/type-system-extension",
        "saleor/schema.graphql",
    ];
    for relative in candidates {
        let path = shared.join(relative);
        if path.exists() {
            found.push(path);
        } else {
            eprintln!(
                "SKIPPED: {} is absent (../shared is not beside the checkout)",
                path.display()
            );
        }
    }
    found
}

fn generate(schema: &Path) -> GeneratedMock {
    GeneratedMock::new(&schema.to_string_lossy(), &RenderOptions::default())
        .unwrap_or_else(|err| panic!("{}: {err}", schema.display()))
}

fn start(mock: &GeneratedMock, engine: Engine, env: &[(&str, &str)]) -> MockServer {
    MockServer::start_engine(engine, &mock.dir, &mock.venv, START, env)
        .unwrap_or_else(|err| panic!("{err}"))
}

/// Runs a fixture script with the mock's venv; its JSON report.
fn script_report(
    mock: &GeneratedMock,
    server: &MockServer,
    script: &str,
    args: &[String],
) -> Value {
    let output = std::process::Command::new(mock.venv.python())
        .arg(workspace_root().join("tests/fixtures").join(script))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{script} {args:?}: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        server.output()
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn every_schema_passes_the_client_check(engine: Engine) {
    for schema in schemas() {
        let mock = generate(&schema);
        let server = start(&mock, engine, &[]);
        let args = [
            format!("{}/graphql", server.url()),
            schema.display().to_string(),
        ];
        let report = script_report(&mock, &server, "graphql_check.py", &args);
        let context = format!("{} on {}", schema.display(), engine.name());
        assert_eq!(
            report["introspection"]["equal"], true,
            "{report}\n{context}"
        );
        assert!(
            report["fields"]["checked"].as_u64().unwrap() > 0,
            "{report}"
        );
        assert_eq!(report["fields"]["failed"], 0, "{report}\n{context}");
        for case in report["invalid"].as_array().unwrap() {
            assert_eq!(case["ok"], true, "{case}\n{context}");
        }
    }
}

/// POSTs a query; returns the status, the media type and the body.
/// Schemathesis's GraphQL fuzzing (queries and mutations made from the
/// schema, arguments included: nulls, extremes, custom scalars from
/// `tests/fixtures/graphql_scalars.py`): no answer is a server error or an
/// error for a valid operation. Saleor is left out: schemathesis makes
/// operations there that select one name with different types, which
/// GraphQL's validation refuses.
fn schemathesis_finds_no_error(engine: Engine) {
    for schema in schemas() {
        if schema.to_string_lossy().contains("saleor") {
            continue;
        }
        let mock = generate(&schema);
        // Stateless: in stateful mode an unknown id is an error, by design.
        let server = start(&mock, engine, &[]);
        let scratch = tempfile::tempdir().unwrap();
        let output = mock
            .venv
            .module("schemathesis.cli")
            .arg("run")
            .arg(format!("{}/graphql", server.url()))
            .args(["--max-examples", "20", "--seed", "1", "--workers", "1"])
            .args(["--no-shrink", "--no-color", "--request-timeout", "10"])
            .current_dir(scratch.path())
            .env("SCHEMATHESIS_HOOKS", "graphql_scalars")
            .env("PYTHONPATH", workspace_root().join("tests/fixtures"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{} on {}:\n{text}\n{}\n{}",
            schema.display(),
            engine.name(),
            String::from_utf8_lossy(&output.stderr),
            server.output()
        );
    }
}

fn post(base: &str, body: &Value, accept: &str) -> (u16, String, Value) {
    let response = reqwest::blocking::Client::new()
        .post(format!("{base}/graphql"))
        .header("accept", accept)
        .json(body)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, media, response.json().unwrap_or(Value::Null))
}

fn data(base: &str, query: &str, variables: &Value) -> Value {
    let body = json!({"query": query, "variables": variables});
    let (status, _, answer) = post(base, &body, "application/json");
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("errors").is_none(), "{query}: {answer}");
    answer["data"].clone()
}

fn http_rules_hold(engine: Engine) {
    let mock = generate(&edge_cases());
    let server = start(&mock, engine, &[]);
    let base = server.url();
    let client = reqwest::blocking::Client::new();

    // Examples from the schema, identity, lists and connections.
    let listed = data(
        &base,
        "query Shelf { books(limit: 4) { id title isbn publisher author { id name } } }",
        &json!({}),
    );
    let books = listed["books"].as_array().unwrap();
    assert_eq!(books.len(), 4);
    assert_eq!(books[0]["isbn"], "978-0-13-468599-1");
    assert_eq!(books[0]["publisher"], "Penguin Random House");
    let first = &books[1];
    let looked_up = data(
        &base,
        "query One($id: ID!) { book(id: $id) { id title isbn publisher author { id name } } \
         node(id: $id) { id ... on Book { title } } }",
        &json!({"id": first["id"]}),
    );
    assert_eq!(&looked_up["book"], first);
    assert_eq!(looked_up["node"]["title"], first["title"]);
    let page = data(
        &base,
        "{ booksConnection(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }",
        &json!({}),
    );
    let connection = &page["booksConnection"];
    assert_eq!(connection["edges"].as_array().unwrap().len(), 2);
    assert_eq!(connection["pageInfo"]["hasNextPage"], true);
    let next = data(
        &base,
        "query Next($after: String) { booksConnection(first: 2, after: $after) { edges { node { id } } } }",
        &json!({"after": connection["pageInfo"]["endCursor"]}),
    );
    assert_eq!(
        next["booksConnection"]["edges"][0]["node"]["id"], books[2]["id"],
        "the page after the first two starts at the third book"
    );
    let total = connection["totalCount"].as_u64().unwrap();
    let last = data(
        &base,
        "{ booksConnection(last: 1) { pageInfo { hasNextPage hasPreviousPage } edges { cursor } } }",
        &json!({}),
    );
    assert_eq!(last["booksConnection"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(
        last["booksConnection"]["pageInfo"]["hasPreviousPage"],
        total > 1
    );

    // GET for queries; mutations only by POST.
    let with_query = |query: &str| {
        reqwest::Url::parse_with_params(&format!("{base}/graphql"), &[("query", query)]).unwrap()
    };
    let got = client.get(with_query("{ bookCount }")).send().unwrap();
    assert_eq!(got.status(), 200);
    assert!(got.json::<Value>().unwrap()["data"]["bookCount"].is_i64());
    let refused = client
        .get(with_query("mutation { deleteBook(id: \"x\") }"))
        .send()
        .unwrap();
    assert_eq!(refused.status(), 405);
    assert_eq!(refused.headers()["allow"], "POST");

    // Requests that are not GraphQL requests.
    let batched = client
        .post(format!("{base}/graphql"))
        .json(&json!([{"query": "{ bookCount }"}]))
        .send()
        .unwrap();
    assert_eq!(batched.status(), 400);
    let plain = client
        .post(format!("{base}/graphql"))
        .header("content-type", "text/plain")
        .body("{ bookCount }")
        .send()
        .unwrap();
    assert_eq!(plain.status(), 415);
    let unacceptable = client
        .post(format!("{base}/graphql"))
        .header("accept", "application/xml")
        .json(&json!({"query": "{ bookCount }"}))
        .send()
        .unwrap();
    assert_eq!(unacceptable.status(), 406);

    // Invalid operations: errors with locations, no data, status by media type.
    let invalid = json!({"query": "query Broken { book(id: 1) { nope } }"});
    let (status, media, body) = post(&base, &invalid, "application/graphql-response+json");
    assert_eq!(status, 400, "{body}");
    assert!(
        media.starts_with("application/graphql-response+json"),
        "{media}"
    );
    assert!(body.get("data").is_none(), "{body}");
    assert!(body["errors"][0]["locations"][0]["line"].is_u64(), "{body}");
    let (status, media, _) = post(&base, &invalid, "application/json");
    assert_eq!((status, media.starts_with("application/json")), (200, true));

    // Hostile queries are bounded: depth, and the size of the answer.
    let deep = format!(
        "{{ books {{ {} id {} }} }}",
        "author { books { ".repeat(9),
        "} } ".repeat(9)
    );
    let (_, _, body) = post(&base, &json!({"query": deep}), "application/json");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("levels deep"),
        "{body}"
    );
    let wide = "{ books(limit: 100) { author { books(first: 100) { reviews(first: 100) { edges { node { \
                author { books(first: 100) { id } } } } } } } } }";
    let (status, _, body) = post(&base, &json!({"query": wide}), "application/json");
    assert_eq!(status, 200, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("more than"),
        "{body}"
    );

    // The query page: self-contained, with a script-hash CSP.
    let page = client
        .get(format!("{base}/graphql"))
        .header("accept", "text/html")
        .send()
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    let html = page.text().unwrap();
    assert!(html.contains("<textarea id=\"query\""));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));

    // The log names each operation.
    let logged: Value = client
        .get(format!("{base}/admin/api/logs/search?limit=200"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let operations: Vec<&str> = logged["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row["operation_key"].as_str())
        .collect();
    for wanted in ["query Shelf", "query One", "query Next", "invalid"] {
        assert!(operations.contains(&wanted), "{wanted} in {operations:?}");
    }
    let analysis: Value = client
        .get(format!("{base}/admin/api/logs/analyze"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        analysis.to_string().contains("query Shelf"),
        "the analysis groups by operation: {analysis}"
    );
}

fn stateful_round_trip(engine: Engine) {
    let mock = generate(&edge_cases());
    let server = start(&mock, engine, &[("MOCKLOOP_STORAGE", "on")]);
    let base = server.url();
    let created = data(
        &base,
        "mutation Add($input: BookInput!) { createBook(input: $input, clientMutationId: \"c1\") \
         { clientMutationId userErrors { message } book { id title price genre } } }",
        &json!({"input": {"title": "Dune", "price": 9.5}}),
    );
    let payload = &created["createBook"];
    assert_eq!(payload["clientMutationId"], "c1");
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["book"]["title"], "Dune");
    assert_eq!(payload["book"]["genre"], "FICTION", "the input's default");
    let id = payload["book"]["id"].clone();

    let read = data(
        &base,
        "query Read($id: ID!) { book(id: $id) { id title price } \
         booksConnection(last: 1) { totalCount edges { node { id } } } }",
        &json!({"id": id}),
    );
    assert_eq!(
        read["book"],
        json!({"id": id, "title": "Dune", "price": 9.5})
    );
    assert_eq!(read["booksConnection"]["edges"][0]["node"]["id"], id);
    let total = read["booksConnection"]["totalCount"].as_u64().unwrap();

    let updated = data(
        &base,
        "mutation Change($id: ID!) { updateBook(id: $id, patch: {title: \"Dune Messiah\"}) { id title price } }",
        &json!({"id": id}),
    );
    assert_eq!(updated["updateBook"]["title"], "Dune Messiah");
    assert_eq!(updated["updateBook"]["price"], 9.5);
    let read = data(
        &base,
        "query Read($id: ID!) { book(id: $id) { title } }",
        &json!({"id": id}),
    );
    assert_eq!(read["book"]["title"], "Dune Messiah");

    // An input's null leaves a non-null field as it was (it does not
    // clear it, which would make the answer an error).
    let nulls = data(
        &base,
        "mutation Nulls($id: ID!) { createBook(input: {title: \"Emma\", isbn: null, tags: null}) \
         { book { isbn tags } } updateBook(id: $id, patch: {inStock: null, price: null}) \
         { inStock price } }",
        &json!({"id": id}),
    );
    assert!(nulls["createBook"]["book"]["isbn"].is_string(), "{nulls}");
    assert!(nulls["createBook"]["book"]["tags"].is_array(), "{nulls}");
    assert!(nulls["updateBook"]["inStock"].is_boolean(), "{nulls}");
    assert_eq!(
        nulls["updateBook"]["price"],
        Value::Null,
        "a nullable field is cleared"
    );

    let deleted = data(
        &base,
        "mutation Drop($id: ID!) { deleteBook(id: $id) }",
        &json!({"id": id}),
    );
    assert_eq!(deleted["deleteBook"], true);
    let read = data(
        &base,
        "query Read($id: ID!) { book(id: $id) { title } booksConnection { totalCount } }",
        &json!({"id": id}),
    );
    assert_eq!(read["book"], Value::Null);
    // Emma added, Dune deleted.
    assert_eq!(read["booksConnection"]["totalCount"], total);
    let (status, _, again) = post(
        &base,
        &json!({"query": "mutation Drop($id: ID!) { deleteBook(id: $id) }", "variables": {"id": id}}),
        "application/json",
    );
    assert_eq!(status, 200);
    assert!(
        again["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no Book"),
        "{again}"
    );
}

fn admin(base: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let request = reqwest::blocking::Client::new()
        .request(method, format!("{base}/admin/api/mock-data/{path}"));
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = request.send().unwrap();
    (response.status().as_u16(), response.json().unwrap())
}

fn coordinates_are_overridden(engine: Engine) {
    use reqwest::Method;
    let mock = generate(&edge_cases());
    let server = start(&mock, engine, &[]);
    let base = server.url();
    let set = |body: Value| admin(&base, Method::POST, "responses", Some(body));
    let locked = json!({"coordinate": "Query.book", "errors": [{"message": "Book is locked", "extensions": {"code": "LOCKED"}}]});
    assert_eq!(set(locked).0, 201);
    assert_eq!(
        set(json!({"coordinate": "Book.title", "data": "Fixed title"})).0,
        201
    );
    let given = json!({"coordinate": "Query.randomBook", "data": {"isbn": "given", "author": {"name": "Ann"}}});
    assert_eq!(set(given).0, 201);
    assert_eq!(
        set(json!({"coordinate": "Query.featured", "data": null})).0,
        201
    );
    let (status, refused) = set(json!({"coordinate": "Query.nope", "data": 1}));
    assert_eq!(
        (status, &refused["error"]),
        (400, &json!("no field Query.nope in this schema"))
    );
    let (status, refused) = set(json!({"coordinate": "Query.book", "errors": [{"text": "x"}]}));
    assert_eq!(status, 400, "{refused}");

    let (_, _, answer) = post(
        &base,
        &json!({"query": "{ book(id: \"b\") { id } books(limit: 2) { title } randomBook { isbn title author { name email } } featured { createdAt } }"}),
        "application/json",
    );
    assert_eq!(answer["errors"][0]["message"], "Book is locked", "{answer}");
    assert_eq!(answer["errors"][0]["extensions"], json!({"code": "LOCKED"}));
    assert_eq!(answer["errors"][0]["path"], json!(["book"]));
    let data = &answer["data"];
    assert_eq!(data["book"], Value::Null);
    assert_eq!(
        data["books"],
        json!([{"title": "Fixed title"}, {"title": "Fixed title"}])
    );
    assert_eq!(data["randomBook"]["isbn"], "given");
    assert_eq!(data["randomBook"]["author"]["name"], "Ann");
    assert!(
        data["randomBook"]["author"]["email"].is_string(),
        "generated where not given"
    );
    assert_eq!(data["featured"], Value::Null);

    let (status, listed) = admin(&base, Method::GET, "responses", None);
    assert_eq!(status, 200);
    assert_eq!(listed["overrides"].as_array().unwrap().len(), 4, "{listed}");
    let (_, cleared) = admin(
        &base,
        Method::DELETE,
        "responses?coordinate=Query.book",
        None,
    );
    assert_eq!(cleared["cleared"], 1);
    assert_eq!(
        admin(&base, Method::DELETE, "responses", None).1["cleared"],
        3
    );

    // A scenario addresses coordinates too.
    let scenario = json!({"name": "flaky", "endpoints": {"Query.bookCount": {"data": 7}, "Mutation.deleteBook": {"error_rate": 1}}});
    assert_eq!(
        admin(&base, Method::POST, "scenarios", Some(scenario)).0,
        201
    );
    assert_eq!(
        admin(
            &base,
            Method::POST,
            "scenarios/flaky/activate",
            Some(json!({}))
        )
        .0,
        200
    );
    let (_, _, answer) = post(
        &base,
        &json!({"query": "{ bookCount }"}),
        "application/json",
    );
    assert_eq!(answer["data"]["bookCount"], 7);
    let (_, _, answer) = post(
        &base,
        &json!({"query": "mutation { deleteBook(id: \"x\") }"}),
        "application/json",
    );
    assert_eq!(answer["data"], Value::Null, "{answer}");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("error_rate")
    );
}

fn auth_given_at_generation_is_enforced(engine: Engine) {
    let import = mockloop_runtime::ImportOptions {
        graphql_auth: Some("api-key:X-Token".to_owned()),
        ..Default::default()
    };
    let options = RenderOptions::default().with_import(import);
    let mock = GeneratedMock::new(&edge_cases().to_string_lossy(), &options).unwrap();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(mock.dir.join("mockloop.json")).unwrap())
            .unwrap();
    let key = manifest["auth"]["api_keys"]["apiKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let server = start(&mock, engine, &[]);
    let client = reqwest::blocking::Client::new();
    let ask = |token: Option<&str>| {
        let request = client
            .post(format!("{}/graphql", server.url()))
            .json(&json!({"query": "{ bookCount }"}));
        let request = match token {
            Some(token) => request.header("X-Token", token),
            None => request,
        };
        let response = request.send().unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().unwrap(),
        )
    };
    assert_eq!(ask(None).0, 401);
    assert_eq!(ask(Some("wrong")).0, 401);
    let (status, body) = ask(Some(&key));
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["bookCount"].is_i64());
}

fn subscriptions_run_over_websocket(engine: Engine) {
    let mock = generate(&edge_cases());
    let server = start(&mock, engine, &[]);
    let report = script_report(&mock, &server, "graphql_ws_check.py", &[server.url()]);
    assert_eq!(report["subprotocol"], "graphql-transport-ws");
    assert_eq!(report["ack"], "connection_ack");
    let ticks = report["ticks"].as_array().unwrap();
    assert_eq!(ticks.len(), 3, "{report}");
    let ids: Vec<&Value> = ticks
        .iter()
        .map(|t| &t["payload"]["data"]["bookAdded"]["id"])
        .collect();
    assert!(ids.iter().all(|id| id.is_string()), "{report}");
    assert!(
        ids[0] != ids[1] || ids[1] != ids[2],
        "events differ: {report}"
    );
    let created = &report["created"]["data"]["createBook"]["book"];
    let added = &report["added"]["payload"]["data"]["bookAdded"];
    assert_eq!(added["title"], "From WS", "{report}");
    assert_eq!(added["price"], 3.5);
    assert_eq!(added["id"], created["id"], "the event is the created book");
    assert_eq!(report["added_complete"], "complete");
    assert_eq!(report["query"][0]["type"], "next");
    assert!(report["query"][0]["payload"]["data"]["bookCount"].is_i64());
    assert_eq!(report["query"][1]["type"], "complete");
    assert_eq!(report["invalid"]["type"], "error");
    assert!(
        report["invalid"]["payload"][0]["locations"].is_array(),
        "{report}"
    );
    assert_eq!(report["pong"], "pong");
    assert_eq!(
        report["closes"],
        json!({"subscribe before init": 4401, "two inits": 4429, "not a message": 4400})
    );
    assert_eq!(report["wrong_protocol"], 400);
    assert!(report["gql"]["books"][0]["id"].is_string(), "{report}");

    // Each operation on a socket is in the request log, by name.
    let logged: Value =
        reqwest::blocking::get(format!("{}/admin/api/logs/search?limit=200", server.url()))
            .unwrap()
            .json()
            .unwrap();
    let socket_rows: Vec<(&str, &Value)> = logged["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["status_code"] == 101)
        .map(|row| {
            (
                row["operation_key"].as_str().unwrap_or(""),
                &row["request_body"],
            )
        })
        .collect();
    let keys: Vec<&str> = socket_rows.iter().map(|(key, _)| *key).collect();
    for wanted in ["subscription Ticks", "subscription", "query", "invalid"] {
        assert!(keys.contains(&wanted), "{wanted} in {keys:?}");
    }
    assert!(
        socket_rows
            .iter()
            .any(|(key, body)| *key == "subscription Ticks"
                && body.as_str().is_some_and(|b| b.contains("interval_ms"))),
        "{socket_rows:?}"
    );
}

fn coverage_names_root_fields(engine: Engine) {
    let mock = generate(&edge_cases());
    let server = start(&mock, engine, &[]);
    let base = server.url();
    let client = reqwest::blocking::Client::new();
    let send = |body: Value| {
        client
            .post(format!("{base}/graphql"))
            .header("X-Session-Id", "cov")
            .json(&body)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(
        send(json!({"query": "query A { books(limit: 2) { id } book(id: \"x\") { id } }"})),
        200
    );
    assert_eq!(
        send(
            json!({"query": "fragment F on Query { authors { id } } query B { ...F }", "operationName": "B"})
        ),
        200
    );
    assert_eq!(send(json!({"query": "{ nope }"})), 200);
    let got = client
        .get(format!("{base}/graphql?query=%7BbookCount%7D"))
        .header("X-Session-Id", "cov")
        .send()
        .unwrap();
    assert_eq!(got.status(), 200);
    // A search writes the log out.
    client
        .get(format!("{base}/admin/api/logs/search?limit=1"))
        .send()
        .unwrap();

    let options = mockloop_runtime::CoverageOptions {
        session_id: Some("cov".to_owned()),
        ..Default::default()
    };
    let report = mockloop_runtime::coverage(&mock.dir, &options).unwrap();
    assert_eq!(report.requests, 4);
    let called: Vec<&str> = report
        .operations
        .iter()
        .map(|o| o.operation.as_str())
        .collect();
    assert_eq!(
        called,
        [
            "Query.authors",
            "Query.book",
            "Query.bookCount",
            "Query.books"
        ]
    );
    assert_eq!(report.operations_called, 4);
    assert_eq!(report.operations_total, 17);
    assert!(
        report
            .never_called
            .contains(&"Mutation.createBook".to_owned())
    );
    assert!(
        report
            .never_called
            .contains(&"Subscription.bookAdded".to_owned())
    );
    let books = &report.operations[3];
    assert_eq!(books.params_never_sent, ["arg.filter", "arg.offset"]);
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    assert_eq!(report.refused[0].count, 1);
    assert!(
        report
            .scenarios
            .iter()
            .any(|s| s["name"] == "query-book-error")
    );
}

/// A mock made from an introspection result (as a server answers it)
/// introspects as the SDL it came from, and answers every field.
fn an_introspection_result_is_an_input(engine: Engine) {
    let first = generate(&edge_cases());
    let data: Value = serde_json::from_str(
        &std::fs::read_to_string(first.dir.join("mock_data/graphql.json")).unwrap(),
    )
    .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let input = scratch.path().join("introspection.json");
    std::fs::write(&input, json!({"data": data["introspection"]}).to_string()).unwrap();
    let mock = generate(&input);
    let server = start(&mock, engine, &[]);
    let args = [
        format!("{}/graphql", server.url()),
        edge_cases().display().to_string(),
    ];
    let report = script_report(&mock, &server, "graphql_check.py", &args);
    assert_eq!(report["introspection"]["equal"], true, "{report}");
    assert_eq!(report["fields"]["failed"], 0, "{report}");
}

/// The same queries get the same data from both engines, on one folder.
#[test]
fn both_engines_answer_alike() {
    let mock = generate(&edge_cases());
    let fastapi = start(&mock, Engine::FastApi, &[]);
    let native = start(&mock, Engine::Native, &[]);
    let queries = [
        "{ books(limit: 5) { id title isbn genre price pages inStock tags uuid metadata createdAt updatedAt \
           author { id name email website books { id title } } reviews(first: 3) { totalCount edges { cursor node { id stars body } } } } }",
        "{ search(text: \"x\", first: 6) { __typename ... on Book { id title } ... on Author { id name } ... on Review { id stars } } }",
        "{ featured { __typename createdAt ... on Book { title } ... on Author { name } } shelves { id } bookCount randomBook { id } }",
        "{ node(id: \"not-a-known-id\") { id __typename } author(id: \"QXV0aG9yOjM=\") { id name } }",
        "mutation { createBook(input: {title: \"T\"}) { book { id title genre } } addReview(bookId: \"b\", stars: 5) { id stars } }",
    ];
    for query in queries {
        let ours = post(&fastapi.url(), &json!({"query": query}), "application/json").2;
        let theirs = post(&native.url(), &json!({"query": query}), "application/json").2;
        assert!(ours.get("errors").is_none(), "{query}: {ours}");
        assert_eq!(ours, theirs, "{query}");
    }
}

/// A schema that does not build is refused with the file, line and
/// problem, and nothing is written.
#[test]
fn bad_schemas_are_refused_with_their_place() {
    let out = tempfile::tempdir().unwrap();
    let cases = [
        (
            "missing.graphql",
            "type Query {\n  a: Missing\n}\n",
            "missing.graphql:2:",
        ),
        (
            "syntax.graphql",
            "type Query {\n  a: Int\n",
            "syntax.graphql:",
        ),
        ("noquery.graphqls", "type Book { id: ID }\n", "query root"),
    ];
    for (name, text, wanted) in cases {
        let path = out.path().join(name);
        std::fs::write(&path, text).unwrap();
        let target = out.path().join("mocks");
        let err = mockloop_runtime::generate_project(
            &path.to_string_lossy(),
            &target,
            None,
            &RenderOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains(wanted), "{name}: {err}");
        assert!(!target.exists(), "{name}: nothing is written");
    }
}
