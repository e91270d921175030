//! End to end on `specs/openapi31-real-world-gaps.yaml`: each class of
//! mistake real-world specs exposed, reproduced and checked over HTTP
//! against a running mock. Examples that do not validate are not served;
//! a `oneOf` body matches exactly one branch; forms with empty arrays,
//! empty binary bodies, bodies of any type, non-object form bodies and
//! bodies on GET and DELETE are accepted when valid (and refused when
//! not); `%2F` stays inside its path parameter; paths with empty segments
//! answer as written and collapsed; a required Accept or Content-Type
//! header must be sent; `text/json` bodies are JSON.
// Helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mockloop_runtime::{ApiModel, RenderOptions, load_spec};
use mockloop_tests::backend::{Api, with_form, with_json, with_multipart};
use mockloop_tests::paths::repo_specs_dir;
use mockloop_tests::{Engine, GeneratedMock, MockServer, on_both_engines};
use reqwest::Method;
use reqwest::blocking::RequestBuilder;
use serde_json::{Value, json};

const SPEC: &str = "openapi31-real-world-gaps.yaml";

struct Gaps {
    api: Api,
    model: ApiModel,
    document: Value,
    server: MockServer,
    _mock: GeneratedMock,
}

on_both_engines!(real_world_gaps_end_to_end);

fn start(engine: Engine) -> Gaps {
    let spec = repo_specs_dir().join(SPEC).to_string_lossy().into_owned();
    let options = RenderOptions::default().with_feature("auth", false);
    let mock = GeneratedMock::new(&spec, &options).unwrap_or_else(|err| panic!("{err}"));
    let server = mock.start_on(engine).unwrap_or_else(|err| panic!("{err}"));
    let loaded = load_spec(&spec).unwrap();
    let model = ApiModel::from_spec(&loaded).unwrap();
    Gaps {
        api: Api::new(&server.url()).unwrap(),
        model,
        document: loaded.document,
        server,
        _mock: mock,
    }
}

impl Gaps {
    fn status(&self, request: RequestBuilder) -> u16 {
        Api::send(request).unwrap().0
    }

    fn get(&self, path: &str) -> (u16, Value) {
        Api::send(self.api.get(path)).unwrap()
    }

    /// Whether `body` is valid against the documented 200/201 schema of `key`.
    fn valid(&self, key: &str, body: &Value) -> bool {
        let op = self
            .model
            .operations
            .iter()
            .find(|op| op.key == key)
            .unwrap();
        let schema = op.responses[0].schema.clone().unwrap();
        let mut root = self.document.clone();
        root["components"]["schemas"]["__Response"] = schema;
        root["$ref"] = json!("#/components/schemas/__Response");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .unwrap()
            .is_valid(body)
    }
}

fn real_world_gaps_end_to_end(engine: Engine) {
    let gaps = start(engine);
    let output = || gaps.server.output();

    // Examples that break their schema are replaced by valid values.
    for (path, key) in [
        ("/v2/labels", "GET /labels"),
        ("/v2/metrics", "GET /metrics"),
        ("/v2/settings", "GET /settings"),
    ] {
        let (status, body) = gaps.get(path);
        assert_eq!(status, 200, "{path}: {body}\n{}", output());
        assert!(
            gaps.valid(key, &body),
            "{path} serves an invalid body: {body}"
        );
    }
    let (_, labels) = gaps.get("/v2/labels");
    assert_ne!(labels["labels"]["flaky"], json!(true), "{labels}");
    let invalid_named = gaps
        .api
        .get("/v2/labels/named")
        .header("Prefer", "example=invalid");
    let (status, named) = Api::send(invalid_named).unwrap();
    assert_eq!(status, 200);
    assert!(gaps.valid("GET /labels/named", &named), "{named}");
    let valid_named = gaps
        .api
        .get("/v2/labels/named")
        .header("Prefer", "example=valid");
    assert_eq!(
        Api::send(valid_named).unwrap().1,
        json!({"name": "ok", "labels": {"team": "core"}})
    );

    // oneOf bodies match exactly one branch (the validator counts them).
    for (path, key) in [
        ("/v2/pets/1", "GET /pets/{petId}"),
        ("/v2/events/e1", "GET /events/{eventId}"),
        ("/v2/values", "GET /values"),
    ] {
        let (status, body) = gaps.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            gaps.valid(key, &body),
            "{path}: {body} matches no or several branches"
        );
    }

    // An empty array has no field in a form.
    let post = |path: &str| gaps.api.request(Method::POST, path);
    assert_eq!(
        gaps.status(with_form(post("/v2/forms/urlencoded"), &[("name", "a")])),
        204
    );
    assert_eq!(
        gaps.status(with_form(
            post("/v2/forms/urlencoded"),
            &[("name", "a"), ("tags", "red")]
        )),
        204
    );
    assert_eq!(
        gaps.status(with_form(post("/v2/forms/urlencoded"), &[("tags", "red")])),
        422
    );
    // ... even when it is the only field: zero bytes are an empty form.
    // The declared Content-Type, Accept and Authorization take any value,
    // but Authorization (which no security scheme covers) must be sent.
    let permissions = || post("/v2/forms/permissions").header("Authorization", "Bearer x");
    assert_eq!(gaps.status(with_form(permissions(), &[])), 204);
    assert_eq!(
        gaps.status(with_form(post("/v2/forms/permissions"), &[])),
        422
    );
    assert_eq!(
        gaps.status(with_form(
            permissions(),
            &[
                ("Permission", "sendMessage"),
                ("Permission", "leaveChannel")
            ]
        )),
        204
    );
    assert_eq!(
        gaps.status(with_form(
            post("/v2/forms/urlencoded"),
            &[("name", "a"), ("tags", "x")]
        )),
        422
    );
    assert_eq!(
        gaps.status(with_multipart(
            post("/v2/forms/multipart"),
            &[("name", "a")]
        )),
        204
    );
    assert_eq!(
        gaps.status(with_multipart(post("/v2/forms/multipart"), &[])),
        422
    );
    // A form body that is not an object has no defined encoding.
    assert_eq!(
        gaps.status(with_multipart(
            post("/v2/forms/multipart-list"),
            &[("file", "x")]
        )),
        204
    );
    assert_eq!(
        gaps.status(with_form(
            post("/v2/forms/multipart-list"),
            &[("[[\"x\", null]]", "")]
        )),
        204
    );

    // A field with empty text is an array of one empty item, in a form
    // and in the query (an empty array has no field or value at all).
    for (fields, status) in [
        (&[("name", "a"), ("tags", "")][..], 422),
        (&[("name", "a"), ("tags", "red")][..], 204),
    ] {
        assert_eq!(
            gaps.status(with_form(post("/v2/forms/urlencoded"), fields)),
            status,
            "{fields:?}"
        );
        assert_eq!(
            gaps.status(with_multipart(post("/v2/forms/multipart"), fields)),
            status,
            "{fields:?}"
        );
    }
    let threads = |query: &str| gaps.api.get(&format!("/v2/threads{query}"));
    assert_eq!(gaps.status(threads("?ids=")), 422);
    assert_eq!(gaps.status(threads("?ids=12&ids=0")), 204);
    assert_eq!(gaps.status(threads("")), 204);
    assert_eq!(gaps.status(threads("?limit=2")), 204);
    assert_eq!(gaps.status(threads("?limit=2&limit=3")), 422);
    // A value sent more than once is the array a `oneOf` branch allows.
    assert_eq!(gaps.status(threads("?roles=null&roles=12")), 204);
    assert_eq!(gaps.status(threads("?roles=abc")), 204);
    assert_eq!(gaps.status(threads("?roles=abc&roles=12")), 422);
    assert_eq!(gaps.status(threads("?results_only=")), 204);
    assert_eq!(gaps.status(threads("?results_only=true")), 204);
    assert_eq!(gaps.status(threads("?results_only=x")), 422);
    assert_eq!(gaps.status(threads("?limit=")), 422);
    assert_eq!(
        gaps.status(threads("?callback=https://a.example/b%2520c%3Fd%3De")),
        204
    );
    assert_eq!(gaps.status(threads("?callback=https://%C2%84")), 422);
    for (coding, status) in [
        ("gzip, deflate", 204),
        ("br;q=1.0, identity;q=0.5, *;q=0", 204),
        ("base64", 204),
        ("AAA", 422),
        ("gzip, AAA", 422),
    ] {
        assert_eq!(
            gaps.status(threads("").header("Accept-Encoding", coding)),
            status,
            "{coding}"
        );
    }
    // A multipart body sends an object as a JSON part: one the only
    // branch that allows the other fields requires is missing, not
    // flattened away.
    for (fields, status) in [
        (&[("name", "a"), ("invitable", "{}")][..], 422),
        (&[("name", "a"), ("invitable", "true")][..], 204),
        (
            &[("name", "a"), ("message", r#"{"content": "hi"}"#)][..],
            204,
        ),
        (
            &[("name", "a"), ("message", "{}"), ("invitable", "{}")][..],
            204,
        ),
    ] {
        assert_eq!(
            gaps.status(with_multipart(post("/v2/threads"), fields)),
            status,
            "{fields:?}"
        );
    }

    // A target too long for either engine's HTTP parser (over 64 KiB,
    // as Discord's 152,133-character tokens make) is refused alike, 400.
    let long = format!("/v2/blobs/{}", "b".repeat(70_000));
    assert_eq!(raw_status(&gaps.server.url(), &long), 400);
    let under = format!("/v2/blobs/{}", "b".repeat(60_000));
    assert_eq!(raw_status(&gaps.server.url(), &under), 422);

    // Zero bytes are a valid binary body; no body at all is not.
    let put = gaps.api.request(Method::PUT, "/v2/blobs/b1");
    let octets = |request: RequestBuilder, media: &str| request.header("Content-Type", media);
    assert_eq!(
        gaps.status(octets(put, "application/octet-stream").body(Vec::<u8>::new())),
        204
    );
    let put = gaps.api.request(Method::PUT, "/v2/blobs/b1");
    assert_eq!(
        gaps.status(octets(put, "application/octet-stream").body(vec![0u8, 159, 146])),
        204
    );
    assert_eq!(
        gaps.status(gaps.api.request(Method::PUT, "/v2/blobs/b1")),
        422
    );
    let (status, created) =
        Api::send(octets(post("/v2/images"), "image/png").body(Vec::<u8>::new())).unwrap();
    assert_eq!(status, 201, "{created}");

    // `*/*`, no schema and `{}` accept any bytes.
    assert_eq!(
        gaps.status(octets(post("/v2/uploads/any"), "text/csv").body("a,b\n1,2")),
        204
    );
    // Structured data under `*/*` is checked when it comes as JSON.
    assert_eq!(
        gaps.status(with_json(post("/v2/uploads/any"), &json!({"never": 1}))),
        204
    );
    assert_eq!(
        gaps.status(with_json(post("/v2/uploads/any"), &json!({}))),
        422
    );
    assert_eq!(
        gaps.status(octets(post("/v2/uploads/any"), "application/json").body("{x")),
        204
    );
    // Zero bytes are an empty file under `*/*`, but no JSON document.
    assert_eq!(
        gaps.status(octets(post("/v2/uploads/any"), "text/csv").body("")),
        204
    );
    assert_eq!(
        gaps.status(octets(post("/v2/uploads/any"), "application/json").body("")),
        422
    );
    assert_eq!(
        gaps.status(octets(post("/v2/uploads/untyped"), "application/json").body("{not json")),
        204
    );
    assert_eq!(
        gaps.status(octets(post("/v2/uploads/untyped"), "text/plain").body("")),
        204
    );

    // Bodies on GET and DELETE are validated like any other.
    let search = || gaps.api.request(Method::GET, "/v2/search");
    assert_eq!(gaps.status(search()), 200);
    assert_eq!(
        gaps.status(with_json(search(), &json!({"query": "cats"}))),
        200
    );
    assert_eq!(gaps.status(with_json(search(), &json!({"query": ""}))), 422);
    assert_eq!(gaps.status(with_json(search(), &json!({"other": 1}))), 422);
    let clear = || gaps.api.request(Method::DELETE, "/v2/search");
    // A body sent as a media type the operation does not take is refused.
    let (status, problem) =
        Api::send(clear().header("Content-Type", "<z").body("104529234")).unwrap();
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        problem["errors"],
        json!([{
            "location": "header.Content-Type",
            "message": "<z is none of the body's media types (application/json)",
        }])
    );
    assert_eq!(gaps.status(clear()), 204);
    assert_eq!(
        gaps.status(with_json(clear(), &json!({"olderThanDays": 3}))),
        204
    );
    assert_eq!(
        gaps.status(with_json(clear(), &json!({"olderThanDays": 0}))),
        422
    );

    // `%2F` stays inside its parameter, which is validated with its slash.
    let (status, refs) = gaps.get("/v2/repos/o/r/git/matching-refs/heads%2Ffeature");
    assert_eq!(status, 200, "{refs}\n{}", output());
    let (status, _) = gaps.get("/v2/repos/o/r/git/matching-refs/heads%2fa%2Fb");
    assert_eq!(status, 200);
    assert_eq!(gaps.get("/v2/repos/o/r/contents/docs%2Fa.md").0, 200);
    let (status, problem) = gaps.get("/v2/repos/o/r/contents/docs%2Fa%20b.md");
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        problem["errors"][0]["location"],
        json!("path.path"),
        "{problem}"
    );
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("docs/a b.md"),
        "{problem}"
    );
    assert_eq!(
        gaps.get("/v2/repos/o/r/git/matching-refs/heads/feature").0,
        404
    );

    // Paths with empty segments answer as written and collapsed (unless the
    // collapsed form is another operation's: see the model's unit tests).
    assert_eq!(gaps.get("/v2/stores//orders/5").0, 200);
    assert_eq!(gaps.get("/v2/stores/orders/5").0, 200);
    assert_eq!(gaps.get("/v2/stores/orders/0").0, 422);
    let delete = gaps.api.request(Method::DELETE, "/v2/stores/orders/5");
    assert_eq!(gaps.status(delete), 204);
    for path in ["/v2//ping", "/v2/ping"] {
        let response = gaps.api.get(path).send().unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(response.text().unwrap(), "pong", "{path}");
    }

    // A required Accept or Content-Type header parameter must be sent
    // (any value), and so must an Authorization that no security scheme
    // covers. A `text/json` body is JSON, validated as such.
    let (status, problem) = Api::send(gaps.api.get("/v2/giftcards")).unwrap();
    assert_eq!(status, 422, "{problem}");
    let mut missing: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["location"].as_str().unwrap())
        .collect();
    missing.sort_unstable();
    assert_eq!(
        missing,
        ["header.Authorization", "header.Content-Type"],
        "{problem}"
    );
    let cards = |method: Method| {
        gaps.api
            .request(method, "/v2/giftcards")
            .header("Authorization", "anything")
    };
    let listed = cards(Method::GET)
        .header("Accept", "*/*")
        .header("Content-Type", "anything");
    let (status, addresses) = Api::send(listed).unwrap();
    assert_eq!(status, 200, "{addresses}");
    // `\A` and `\z` are anchors: the served addresses are four octets.
    for address in addresses.as_array().unwrap() {
        let octets: Vec<&str> = address.as_str().unwrap().split('.').collect();
        assert_eq!(octets.len(), 4, "{addresses}");
        assert!(
            octets.iter().all(|o| o.parse::<u8>().is_ok()),
            "{addresses}"
        );
    }
    let empty_accept = cards(Method::GET)
        .header("Accept", "")
        .header("Content-Type", "application/json");
    assert_eq!(gaps.status(empty_accept), 200);
    let created = |body: &str| {
        cards(Method::POST)
            .header("Content-Type", "text/json")
            .body(body.to_owned())
    };
    assert_eq!(gaps.status(created(r#"{"name": "gift"}"#)), 201);
    let (status, problem) = Api::send(created(r#"{"name": "gift", "tags": [null]}"#)).unwrap();
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["location"], json!("body.tags"));
    assert_eq!(gaps.status(created("{not json")), 422);
    // Where the spec declares a Content-Type header, its value is the
    // client's to choose.
    let declared = cards(Method::POST)
        .header("Content-Type", "application/json")
        .body(r#"{"name": "gift"}"#);
    assert_eq!(gaps.status(declared), 201);
    // Patterns with Unicode properties, in the FastAPI mock too (Python's
    // `re` cannot read them); `\p{Z}` takes ASCII whitespace as well.
    for (label, expected) in [("Été 2", 201), ("tab\tand\nline", 201), ("aws:x", 422)] {
        let body = json!({"name": "gift", "label": label}).to_string();
        assert_eq!(gaps.status(created(&body)), expected, "{label:?}");
    }
    // `.` is any character but a newline, on both engines.
    for (note, expected) in [("a\rb\u{2028}", 201), ("a\nb", 422)] {
        let body = json!({"name": "gift", "note": note}).to_string();
        assert_eq!(gaps.status(created(&body)), expected, "{note:?}");
    }
    for (address, expected) in [("10.0.0.1", 201), ("A10.0.0.1z", 422)] {
        let body = json!({"name": "gift", "address": address}).to_string();
        assert_eq!(gaps.status(created(&body)), expected, "{address}");
    }
    for (validity, expected) in [("P1D", 201), ("PT1H30M", 201), ("1 day", 422), ("PT", 422)] {
        let body = json!({"name": "gift", "validity": validity}).to_string();
        assert_eq!(gaps.status(created(&body)), expected, "{validity}");
    }
    for (counts, expected) in [
        (json!({"Élan": 1}), 201),
        (json!({"élan": 1}), 422),
        (json!({"Élan": "one"}), 422),
    ] {
        let body = json!({"name": "gift", "counts": counts}).to_string();
        assert_eq!(gaps.status(created(&body)), expected, "{counts}");
    }

    // The log keeps the paths as they were sent (decoded) and knows the
    // operation behind an alias and an encoded slash.
    let (status, found) = gaps
        .api
        .search(&[("path_pattern", "matching-refs|stores"), ("limit", "50")])
        .unwrap();
    assert_eq!(status, 200, "{found}");
    let logs = found["logs"].as_array().unwrap();
    let paths: Vec<&str> = logs.iter().filter_map(|log| log["path"].as_str()).collect();
    assert!(
        paths.contains(&"/v2/repos/o/r/git/matching-refs/heads/feature"),
        "{paths:?}"
    );
    assert!(paths.contains(&"/v2/stores/orders/5"), "{paths:?}");
}

/// The status of a `PUT` of `target` with no body, sent as raw bytes
/// (clients refuse such long URLs).
fn raw_status(url: &str, target: &str) -> u16 {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let request = format!("PUT {target} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    let text = String::from_utf8_lossy(&head).into_owned();
    text[9..12]
        .parse()
        .unwrap_or_else(|_| panic!("no status in {text:?}"))
}
