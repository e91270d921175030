//! Mocks from Postman Collections: every example response saved in a
//! collection, its request replayed against the mock with
//! `Prefer: example=<name>`, gets the saved status and the saved body; the
//! converted OpenAPI is what `convert` writes; a v1 export is refused with
//! how to re-export it; recorded secrets reach no generated file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use mockloop_runtime::RenderOptions;
use mockloop_tests::paths::repo_specs_dir;
use mockloop_tests::recorded::{redacted, shared_input};
use mockloop_tests::{Engine, GeneratedMock, on_both_engines};
use serde_json::Value;

fn variables(into: &mut HashMap<String, String>, list: Option<&Value>) {
    for v in list.and_then(Value::as_array).into_iter().flatten() {
        if let (Some(k), Some(val)) = (v["key"].as_str(), v["value"].as_str()) {
            into.insert(k.to_owned(), val.to_owned());
        }
    }
}

fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
    let mut out = text.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("{{{{{k}}}}}"), v);
    }
    out
}

/// `text` with every `{{variable}}` left replaced by `1`.
fn unknown_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(length) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push('1');
        rest = &rest[start + length + 2..];
    }
    out.push_str(rest);
    out
}

/// One saved example and the request that produced it.
struct Saved {
    name: String,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
    status: u16,
    expected: Option<Value>,
}

fn path_and_query(url: &Value, vars: &HashMap<String, String>) -> String {
    let declared: HashMap<String, String> = url["variable"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| {
            Some((
                v["key"].as_str()?.to_owned(),
                v["value"].as_str().unwrap_or("1").to_owned(),
            ))
        })
        .collect();
    let segments: Vec<String> = match &url["path"] {
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect(),
        _ => {
            let raw = url.as_str().or(url["raw"].as_str()).unwrap_or_default();
            // A `{{host}}` variable is the server (base path included).
            let raw = match raw
                .strip_prefix("{{")
                .and_then(|rest| rest.split_once("}}"))
            {
                Some((_, rest)) => format!("host{rest}"),
                None => substitute(raw, vars),
            };
            let path = raw.split('?').next().unwrap_or_default();
            let after_host = path.split_once("://").map_or(path, |(_, rest)| rest);
            after_host.split('/').skip(1).map(str::to_owned).collect()
        }
    };
    let mut path = String::new();
    for segment in segments.iter().filter(|s| !s.is_empty()) {
        path.push('/');
        match segment.strip_prefix(':') {
            Some(name) => {
                let value = declared
                    .get(name)
                    .filter(|v| !v.is_empty())
                    .cloned()
                    .unwrap_or_else(|| "1".to_owned());
                path.push_str(&substitute(&value, vars));
            }
            None => path.push_str(&substitute(segment, vars)),
        }
    }
    let query: Vec<String> = url["query"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|q| q["disabled"] != true)
        .filter_map(|q| {
            Some(format!(
                "{}={}",
                q["key"].as_str()?,
                substitute(q["value"].as_str().unwrap_or_default(), vars)
            ))
        })
        .collect();
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query.join("&"));
    }
    path
}

fn body_of(request: &Value, vars: &HashMap<String, String>) -> Option<(String, Vec<u8>)> {
    let body = &request["body"];
    match body["mode"].as_str()? {
        "raw" => {
            let text = substitute(body["raw"].as_str()?, vars);
            if text.trim().is_empty() {
                return None;
            }
            // The Content-Type Postman sends for the body's language.
            let language = match body["options"]["raw"]["language"].as_str() {
                Some("json") => Some("application/json"),
                Some("xml") => Some("application/xml"),
                Some("html") => Some("text/html"),
                Some("text") => Some("text/plain"),
                Some("javascript") => Some("application/javascript"),
                _ => None,
            };
            // A variable no environment defines gets a value, as a user's
            // environment would give it (`"profileId": {{profile_id}}`).
            let text = if language == Some("application/json") {
                unknown_variables(&text)
            } else {
                text
            };
            let media = request["header"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|h| {
                    h["key"]
                        .as_str()
                        .is_some_and(|k| k.eq_ignore_ascii_case("content-type"))
                })
                .and_then(|h| h["value"].as_str())
                .map(str::to_owned)
                .or_else(|| language.map(str::to_owned))
                .unwrap_or_else(|| {
                    if serde_json::from_str::<Value>(&text).is_ok() {
                        "application/json"
                    } else {
                        "text/plain"
                    }
                    .to_owned()
                });
            Some((media, text.into_bytes()))
        }
        "urlencoded" => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for field in body["urlencoded"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["disabled"] != true)
            {
                form.append_pair(
                    field["key"].as_str()?,
                    &substitute(field["value"].as_str().unwrap_or_default(), vars),
                );
            }
            Some((
                "application/x-www-form-urlencoded".to_owned(),
                form.finish().into_bytes(),
            ))
        }
        "formdata" => {
            let mut out = String::new();
            for field in body["formdata"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["disabled"] != true)
            {
                let name = field["key"].as_str()?;
                out.push_str("--XyZ\r\n");
                if field["type"] == "file" {
                    out.push_str(&format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\nBYTES\r\n"));
                } else {
                    out.push_str(&format!(
                        "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{}\r\n",
                        substitute(field["value"].as_str().unwrap_or_default(), vars)
                    ));
                }
            }
            out.push_str("--XyZ--\r\n");
            Some((
                "multipart/form-data; boundary=XyZ".to_owned(),
                out.into_bytes(),
            ))
        }
        _ => None,
    }
}

/// The header or query pair a Postman auth object sends (as Postman adds
/// it at send time), with the recorded (or a stand-in) credential.
fn auth_pair(auth: &Value) -> Option<(bool, String, String)> {
    let field = |kind: &str, key: &str| -> Option<String> {
        match &auth[kind] {
            Value::Array(entries) => entries
                .iter()
                .find(|e| e["key"] == key)
                .and_then(|e| e["value"].as_str())
                .map(str::to_owned),
            Value::Object(map) => map.get(key).and_then(Value::as_str).map(str::to_owned),
            _ => None,
        }
    };
    match auth["type"].as_str()? {
        "bearer" | "jwt" | "oauth2" => Some((
            false,
            "Authorization".to_owned(),
            format!(
                "Bearer {}",
                field("bearer", "token").unwrap_or_else(|| "recorded".to_owned())
            ),
        )),
        "basic" => {
            use base64::Engine as _;
            let user = field("basic", "username").unwrap_or_else(|| "user".to_owned());
            let password = field("basic", "password").unwrap_or_default();
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            Some((
                false,
                "Authorization".to_owned(),
                format!("Basic {encoded}"),
            ))
        }
        "apikey" => {
            let name = field("apikey", "key").unwrap_or_else(|| "X-API-Key".to_owned());
            let value = field("apikey", "value").unwrap_or_else(|| "recorded".to_owned());
            let in_query = field("apikey", "in").as_deref() == Some("query");
            Some((in_query, name, value))
        }
        _ => None,
    }
}

fn collect_with(item: &Value, vars: &HashMap<String, String>, auth: &Value, out: &mut Vec<Saved>) {
    let auth = if item["auth"].is_object() {
        &item["auth"]
    } else {
        auth
    };
    let mut vars = vars.clone();
    variables(&mut vars, item.get("variable"));
    if let Some(children) = item["item"].as_array() {
        for child in children {
            collect_with(child, &vars, auth, out);
        }
        return;
    }
    let responses: Vec<&Value> = item["response"].as_array().into_iter().flatten().collect();
    // A request with no saved response is replayed too: any 2xx (status 0).
    let no_response = Value::Null;
    let cases: Vec<&Value> = if responses.is_empty() && !item["request"].is_null() {
        vec![&no_response]
    } else {
        responses
    };
    for response in cases {
        let request = if response["originalRequest"].is_object() {
            &response["originalRequest"]
        } else {
            &item["request"]
        };
        let request_auth = if item["request"]["auth"].is_object() {
            &item["request"]["auth"]
        } else {
            auth
        };
        let url = if request.is_string() {
            request
        } else {
            &request["url"]
        };
        let mut headers: Vec<(String, String)> = request["header"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|h| h["disabled"] != true)
            .filter_map(|h| {
                Some((
                    h["key"].as_str()?.to_owned(),
                    substitute(h["value"].as_str().unwrap_or_default(), &vars),
                ))
            })
            .filter(|(k, _)| {
                ![
                    "authorization",
                    "content-type",
                    "content-length",
                    "host",
                    "cookie",
                ]
                .contains(&k.to_ascii_lowercase().as_str())
            })
            .filter(|(_, v)| v.chars().all(|c| c == ' ' || c.is_ascii_graphic()))
            .collect();
        let mut path = path_and_query(url, &vars);
        match auth_pair(request_auth) {
            Some((false, name, value)) => headers.push((name, value)),
            Some((true, name, value)) => {
                path.push(if path.contains('?') { '&' } else { '?' });
                path.push_str(&format!("{name}={value}"));
            }
            None => {}
        }
        let text = response["body"].as_str().unwrap_or_default();
        let expected = serde_json::from_str::<Value>(&substitute(text, &vars))
            .ok()
            .map(|v| redacted(&v));
        out.push(Saved {
            name: response["name"].as_str().unwrap_or_default().to_owned(),
            method: request["method"].as_str().unwrap_or("GET").to_owned(),
            path,
            headers,
            body: body_of(request, &vars),
            status: match (response.is_null(), response["code"].as_u64()) {
                (true, _) => 0,
                (false, code) => code.map_or(200, |c| u16::try_from(c).unwrap()),
            },
            expected,
        });
    }
}

/// Replays every saved example against the mock of `collection`; the
/// mismatches.
fn replay(collection: &Path, engine: Engine) -> (usize, Vec<String>) {
    // Auth on: the recorded credentials are sent, as Postman sends them.
    let mock =
        GeneratedMock::new(&collection.to_string_lossy(), &RenderOptions::default()).unwrap();
    let server = mock.start_on(engine).unwrap();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(mock.dir.join("mockloop.json")).unwrap())
            .unwrap();
    let base = format!(
        "{}{}",
        server.url(),
        manifest["base_path"].as_str().unwrap()
    );
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(collection).unwrap()).unwrap();
    let mut vars = HashMap::new();
    variables(&mut vars, document.get("variable"));
    let mut saved = Vec::new();
    for item in document["item"].as_array().into_iter().flatten() {
        collect_with(item, &vars, &document["auth"], &mut saved);
    }
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut wrong = Vec::new();
    for one in &saved {
        let mut request =
            client.request(one.method.parse().unwrap(), format!("{base}{}", one.path));
        if !one.name.is_empty() {
            request = request.header(
                "Prefer",
                format!("example=\"{}\"", one.name.replace('"', "\\\"")),
            );
        }
        for (name, value) in &one.headers {
            request = request.header(name, value);
        }
        if let Some((media, bytes)) = &one.body {
            request = request.header("Content-Type", media).body(bytes.clone());
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        let text = response.text().unwrap();
        let matches = if one.status == 0 {
            (200..300).contains(&status)
        } else {
            status == one.status
        };
        if !matches {
            wrong.push(format!(
                "{} {} ({:?}): {status}, saved {}: {}",
                one.method,
                one.path,
                one.name,
                one.status,
                text.chars().take(300).collect::<String>()
            ));
            continue;
        }
        if let Some(expected) = &one.expected {
            let got: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if &got != expected {
                wrong.push(format!(
                    "{} {} ({:?}): body differs: {}",
                    one.method,
                    one.path,
                    one.name,
                    text.chars().take(300).collect::<String>()
                ));
            }
        }
    }
    (saved.len(), wrong)
}

fn check(relative: &str, engine: Engine, at_least: usize) {
    let Some(path) = shared_input("postman", relative) else {
        return;
    };
    let (count, wrong) = replay(&path, engine);
    assert!(count >= at_least, "{relative}: only {count} saved examples");
    assert!(
        wrong.is_empty(),
        "{relative}: {} of {count} replays differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn apideck_crm_examples_replay() {
    check("apideck-crm/crm.postman.json", Engine::Native, 200);
}

#[test]
fn wise_requests_without_examples_replay() {
    check("wise/cards-api.postman_collection.json", Engine::Native, 40);
}

#[test]
fn quipu_examples_replay() {
    check("postman-to-openapi/issue175.json", Engine::Native, 40);
}

on_both_engines!(saved_responses_replay, edge_case_collection_replays);

fn edge_case_collection_replays(engine: Engine) {
    let path = repo_specs_dir().join("postman-edge-cases.postman_collection.json");
    let (count, wrong) = replay(&path, engine);
    assert!(count >= 10, "only {count} replays");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn saved_responses_replay(engine: Engine) {
    check("postman-to-openapi/v21/Responses.json", engine, 3);
}

#[test]
fn every_shared_collection_generates_and_converts() {
    for relative in [
        "apideck-crm/crm.postman.json",
        "postman-to-openapi/issue175.json",
        "postman-to-openapi/v2/FolderCollection.json",
        "postman-to-openapi/v21/FormData.json",
        "postman-to-openapi/v21/Responses.json",
        "wise/cards-api.postman_collection.json",
    ] {
        let Some(path) = shared_input("postman", relative) else {
            continue;
        };
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("openapi.yaml");
        let binary = mockloop_tests::binary::mockloop_mcp().unwrap();
        let status = Command::new(&binary)
            .arg("convert")
            .arg(&path)
            .arg("--out")
            .arg(&target)
            .status()
            .unwrap();
        assert!(status.success(), "{relative}");
        let converted: Value =
            yaml_serde::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
        assert_eq!(converted["openapi"], "3.1.0");
        assert!(
            !converted["paths"].as_object().unwrap().is_empty(),
            "{relative}"
        );
        // The converted document is itself a spec mockloop reads.
        mockloop_runtime::load_spec(&target.to_string_lossy()).unwrap();
        // No recorded credential reaches the generated files.
        let mock = GeneratedMock::new(&path.to_string_lossy(), &RenderOptions::default()).unwrap();
        for secret in ["<Bearer Token>", "pasword123"] {
            let hits = grep(&mock.dir, secret);
            assert!(hits.is_empty(), "{relative}: {secret:?} in {hits:?}");
        }
    }
}

fn grep(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "db" && n != ".venv") {
                hits.extend(grep(&path, needle));
            }
        } else if std::fs::read_to_string(&path).is_ok_and(|text| text.contains(needle)) {
            hits.push(path);
        }
    }
    hits
}

#[test]
fn a_v1_collection_is_refused_with_how_to_re_export() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.json");
    std::fs::write(
        &path,
        r#"{"id": "x", "name": "Old", "order": [], "requests": []}"#,
    )
    .unwrap();
    let err = mockloop_runtime::load_spec(&path.to_string_lossy())
        .unwrap_err()
        .to_string();
    assert!(err.contains("Postman Collection v1"), "{err}");
    assert!(err.contains("v2.1"), "{err}");
}

#[test]
fn recorded_auth_is_enforced_but_lets_any_credential_of_its_kind_in() {
    let path = repo_specs_dir().join("postman-edge-cases.postman_collection.json");
    let mock = GeneratedMock::new(&path.to_string_lossy(), &RenderOptions::default()).unwrap();
    let server = mock.start_on(Engine::Native).unwrap();
    let client = reqwest::blocking::Client::new();
    let url = format!("{}/v1/pets?limit=10", server.url());
    let status =
        |request: reqwest::blocking::RequestBuilder| request.send().unwrap().status().as_u16();
    assert_eq!(status(client.get(&url)), 401);
    assert_eq!(
        status(client.get(&url).header("Authorization", "Basic eDp5")),
        401
    );
    assert_eq!(
        status(client.get(&url).header("Authorization", "Bearer any-token")),
        200
    );
    // The query API key of the Organisations folder.
    let settings = format!("{}/v1/orgs/acme/settings", server.url());
    assert_eq!(status(client.get(&settings)), 401);
    assert_eq!(status(client.get(format!("{settings}?api_key=k"))), 200);
    // `noauth` opens an operation.
    let logo = format!("{}/v1/orgs/acme/logo", server.url());
    let form = "--b\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nx\r\n--b--\r\n";
    let upload = client
        .post(&logo)
        .header("Content-Type", "multipart/form-data; boundary=b")
        .body(form);
    assert_eq!(status(upload), 200);
}
