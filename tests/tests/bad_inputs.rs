//! Bad inputs get a clear error naming the file and the problem; the error
//! text is part of the contract, so it is snapshotted.
// Test helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::Path;

use mockloop_runtime::{RenderOptions, error_chain, generate_project, load_spec};

#[test]
fn invalid_specs() {
    let specs_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let specs_dir = specs_dir.canonicalize().expect("specs/ exists");
    insta::glob!("../../specs/invalid", "*.{yaml,json}", |spec| {
        let err = load_spec(&spec.to_string_lossy()).expect_err("the spec is invalid");
        let text = error_chain(&err).replace(&specs_dir.to_string_lossy().into_owned(), "specs");
        insta::assert_snapshot!("error", text);
    });
}

#[test]
fn missing_file() {
    let err = load_spec("specs/does-not-exist.yaml").expect_err("no such file");
    insta::assert_snapshot!(error_chain(&err));
}

#[test]
fn unreachable_url() {
    let err = load_spec("http://127.0.0.1:9/openapi.yaml").expect_err("nothing listens on port 9");
    let text = error_chain(&err);
    assert!(text.contains("http://127.0.0.1:9/openapi.yaml"), "{text}");
}

#[test]
fn failure_leaves_nothing_behind() {
    let out = tempfile::tempdir().expect("temp dir");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/invalid/ref-to-nowhere.yaml");
    let result = generate_project(
        &spec.to_string_lossy(),
        out.path(),
        Some("mock"),
        &RenderOptions::default(),
    );
    assert!(result.is_err());
    let left: Vec<_> = std::fs::read_dir(out.path()).expect("readable").collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
