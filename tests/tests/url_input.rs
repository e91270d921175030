//! Specs can be loaded from http(s) URLs, relative external `$ref`s
//! included, and a failing URL gets an error naming it.
// Test helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::thread;

use mockloop_runtime::{RenderOptions, load_spec, render_project};

/// Serves files below `specs/` over HTTP/1.0 on a free loopback port.
fn serve_specs() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request_line = String::new();
            if BufReader::new(&stream)
                .read_line(&mut request_line)
                .is_err()
            {
                continue;
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .to_owned();
            let file = root.join(path.trim_start_matches('/'));
            let response = match std::fs::read(&file) {
                Ok(body) if !path.contains("..") => {
                    let mut head =
                        format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len())
                            .into_bytes();
                    head.extend(body);
                    head
                }
                _ => b"HTTP/1.0 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found".to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
    format!("http://{address}")
}

#[test]
fn loads_a_spec_from_a_url() {
    let base = serve_specs();
    let spec = load_spec(&format!("{base}/petstore.yaml")).expect("loads over http");
    let project = render_project(&spec, &RenderOptions::default()).expect("renders");
    assert_eq!(project.operation_count, 3);
}

#[test]
fn resolves_relative_refs_against_the_url() {
    let base = serve_specs();
    let spec =
        load_spec(&format!("{base}/petstore-separate/spec/swagger.yaml")).expect("loads over http");
    let text = spec.document.to_string();
    assert!(!text.contains(".yaml"), "external refs left: {text}");
    let project = render_project(&spec, &RenderOptions::default()).expect("renders");
    assert_eq!(project.operation_count, 4);
}

#[test]
fn a_missing_url_names_the_url() {
    let base = serve_specs();
    let url = format!("{base}/no-such-spec.yaml");
    let err = load_spec(&url).expect_err("404");
    assert!(err.to_string().contains(&url), "{err}");
}
