//! Mocks from HAR recordings: every recorded API call, replayed against
//! the mock (either engine) with `Prefer: example="<METHOD> <path>"`, gets
//! the recorded status and body; ids in paths become parameters; noise is
//! left out; recorded secrets reach no generated file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use mockloop_runtime::RenderOptions;
use mockloop_tests::recorded::{redacted, shared_input};
use mockloop_tests::{Engine, GeneratedMock, on_both_engines};
use serde_json::Value;

/// Replays the recording's JSON API calls to the served origin; the
/// number replayed and the mismatches.
fn replay(recording: &Path, engine: Engine) -> (usize, Vec<String>) {
    // Auth on: the recorded credentials are sent.
    let mock = GeneratedMock::new(&recording.to_string_lossy(), &RenderOptions::default()).unwrap();
    let server = mock.start_on(engine).unwrap();
    let openapi: Value = serde_json::from_str(
        &std::fs::read_to_string(mock.dir.join("mock_data/openapi.json")).unwrap(),
    )
    .unwrap();
    let origin = openapi["servers"][0]["url"].as_str().unwrap().to_owned();
    let har: Value = serde_json::from_str(&std::fs::read_to_string(recording).unwrap()).unwrap();
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let (mut count, mut wrong) = (0, Vec::new());
    for entry in har["log"]["entries"].as_array().unwrap() {
        let url = url::Url::parse(entry["request"]["url"].as_str().unwrap()).unwrap();
        let mime = entry["response"]["content"]["mimeType"]
            .as_str()
            .unwrap_or_default();
        let method = entry["request"]["method"].as_str().unwrap().to_uppercase();
        if url.origin().ascii_serialization() != origin || method == "OPTIONS" {
            continue;
        }
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        // The example is named without credential-like query parameters.
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(name, _)| !name.to_ascii_lowercase().contains("token"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let named = if kept.is_empty() {
            url.path().to_owned()
        } else {
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(kept)
                .finish();
            format!("{}?{query}", url.path())
        };
        let base = format!("{method} {}", named.chars().take(100).collect::<String>());
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        let name = if *n > 1 { format!("{base} #{n}") } else { base };
        if !mime.contains("json") {
            continue;
        }
        count += 1;
        let mut request = client
            .request(method.parse().unwrap(), format!("{}{target}", server.url()))
            .header("Prefer", format!("example=\"{name}\""));
        // The recorded request headers, credentials included.
        for header in entry["request"]["headers"].as_array().into_iter().flatten() {
            let header_name = header["name"].as_str().unwrap_or_default();
            let skip = header_name.starts_with(':')
                || [
                    "host",
                    "content-length",
                    "connection",
                    "accept-encoding",
                    "content-type",
                ]
                .contains(&header_name.to_ascii_lowercase().as_str());
            if !skip {
                request = request.header(header_name, header["value"].as_str().unwrap_or_default());
            }
        }
        if let Some(text) = entry["request"]["postData"]["text"].as_str() {
            let media = entry["request"]["postData"]["mimeType"]
                .as_str()
                .unwrap_or("application/json");
            request = request.header("Content-Type", media).body(text.to_owned());
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        let text = response.text().unwrap();
        let recorded = entry["response"]["status"].as_u64().unwrap();
        if u64::from(status) != recorded {
            wrong.push(format!(
                "{name}: {status}, recorded {recorded}: {}",
                text.chars().take(200).collect::<String>()
            ));
            continue;
        }
        let expected: Option<Value> = entry["response"]["content"]["text"]
            .as_str()
            .and_then(|t| serde_json::from_str(t).ok())
            .map(|v| redacted(&v));
        let got: Option<Value> = serde_json::from_str(&text).ok();
        if expected.is_some() && got != expected {
            wrong.push(format!(
                "{name}: the body differs: {}",
                text.chars().take(200).collect::<String>()
            ));
        }
    }
    (count, wrong)
}

fn check(relative: &str, engine: Engine, at_least: usize) {
    let Some(path) = shared_input("har", relative) else {
        return;
    };
    let (count, wrong) = replay(&path, engine);
    assert!(
        count >= at_least,
        "{relative}: only {count} API calls replayed"
    );
    assert!(
        wrong.is_empty(),
        "{relative}: {} of {count} replays differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

on_both_engines!(petstore_recording_replays, edge_case_recording_replays);

fn edge_case_recording_replays(engine: Engine) {
    let path = mockloop_tests::paths::repo_specs_dir().join("har-edge-cases.har");
    let (count, wrong) = replay(&path, engine);
    assert!(count >= 6, "only {count} replays");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let mock = GeneratedMock::new(&path.to_string_lossy(), &RenderOptions::default()).unwrap();
    // Recorded auth is enforced, and any credential of its kind lets in.
    let server = mock.start_on(engine).unwrap();
    let client = reqwest::blocking::Client::new();
    let url = format!("{}/api/products/42", server.url());
    assert_eq!(client.get(&url).send().unwrap().status().as_u16(), 401);
    let with = client
        .get(&url)
        .header("Authorization", "Bearer other")
        .send()
        .unwrap();
    assert_eq!(with.status().as_u16(), 200);
    // Recorded credentials (all spelled `recorded-har-...`) reach no file.
    assert!(
        !contains(&mock.dir, "recorded-har-"),
        "a recorded secret in the generated files"
    );
}

fn petstore_recording_replays(engine: Engine) {
    check("optic/petstore.swagger.io.har", engine, 8);
}

#[test]
fn jsonplaceholder_and_firefox_recordings_replay() {
    check("pollyjs/jsonplaceholder.recording.har", Engine::Native, 5);
    check(
        "har-to-openapi/ServerService-GetNavigationMenu2-ff.har",
        Engine::Native,
        1,
    );
}

#[test]
fn ids_become_parameters_and_noise_is_left_out() {
    let Some(path) = shared_input("har", "optic/petstore.swagger.io.har") else {
        return;
    };
    let spec = mockloop_runtime::load_spec(&path.to_string_lossy()).unwrap();
    let paths: Vec<&String> = spec.original["paths"].as_object().unwrap().keys().collect();
    assert!(
        paths.iter().any(|p| p.as_str() == "/v2/pet/{id}"),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .all(|p| !p.ends_with(".js") && !p.ends_with(".css") && p.as_str() != "/"),
        "{paths:?}"
    );
    // No recorded cookie or credential reaches the generated files.
    let mock = GeneratedMock::new(&path.to_string_lossy(), &RenderOptions::default()).unwrap();
    let har: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for entry in har["log"]["entries"].as_array().unwrap() {
        for header in entry["request"]["headers"].as_array().into_iter().flatten() {
            let name = header["name"].as_str().unwrap().to_ascii_lowercase();
            let value = header["value"].as_str().unwrap();
            if (name == "cookie" || name == "authorization") && value.len() > 8 {
                assert!(
                    !contains(&mock.dir, value),
                    "{name} value in the generated files"
                );
            }
        }
    }
}

fn contains(dir: &Path, needle: &str) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            path.file_name().is_some_and(|n| n != "db") && contains(&path, needle)
        } else {
            std::fs::read_to_string(&path).is_ok_and(|text| text.contains(needle))
        }
    })
}

#[test]
fn origin_and_noise_flags_choose_what_is_served() {
    let spec = mockloop_tests::paths::repo_specs_dir().join("har-edge-cases.har");
    let binary = mockloop_tests::binary::mockloop_mcp().unwrap();
    let convert = |extra: &[&str]| {
        let output = std::process::Command::new(&binary)
            .arg("convert")
            .arg(&spec)
            .args(extra)
            .output()
            .unwrap();
        let document: Value = yaml_serde::from_slice(&output.stdout).unwrap_or(Value::Null);
        (
            output.status.success(),
            document,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let paths = |document: &Value| -> Vec<String> {
        document["paths"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let (ok, busiest, warnings) = convert(&[]);
    assert!(ok);
    assert_eq!(busiest["servers"][0]["url"], "https://shop.example.com");
    assert!(warnings.contains("https://cdn.example.net"), "{warnings}");
    assert!(
        !paths(&busiest)
            .iter()
            .any(|p| p.ends_with(".js") || p == "/")
    );
    let (ok, cdn, _) = convert(&["--origin", "https://cdn.example.net"]);
    assert!(ok);
    assert_eq!(paths(&cdn), ["/api/config"]);
    let (ok, noisy, _) = convert(&["--keep-noise"]);
    assert!(ok);
    let noisy = paths(&noisy);
    assert!(noisy.iter().any(|p| p.ends_with(".js")), "{noisy:?}");
    assert!(noisy.iter().any(|p| p == "/"), "{noisy:?}");
    let (ok, _, error) = convert(&["--origin", "https://elsewhere.example"]);
    assert!(!ok);
    assert!(
        error.contains("no requests to https://elsewhere.example"),
        "{error}"
    );
    assert!(error.contains("https://shop.example.com"), "{error}");
    // `generate` takes the same flags.
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(&binary)
        .arg("generate")
        .arg(&spec)
        .args(["--origin", "https://cdn.example.net", "--out"])
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let folder = std::fs::read_dir(out.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let operations = std::fs::read_to_string(folder.join("mock_data/operations.json")).unwrap();
    assert!(operations.contains("GET /api/config"));
    assert!(!operations.contains("/api/products"));
}
