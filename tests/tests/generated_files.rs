//! Pins every generated file for every spec in `specs/` with insta.
//!
//! Regenerate with `cargo run -p mockloop-tests --example regen_snapshots`
//! (or `cargo insta review`).
// Test helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::Path;

use mockloop_runtime::{RenderOptions, load_spec, render_project};

/// The snapshot name of a generated file: `main.py` → `main_py`.
fn slug(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn render(spec: &Path) -> std::collections::BTreeMap<String, String> {
    let loaded = load_spec(&spec.to_string_lossy())
        .unwrap_or_else(|err| panic!("{}: {err}", spec.display()));
    render_project(&loaded, &RenderOptions::default())
        .unwrap_or_else(|err| panic!("{}: {err}", spec.display()))
        .files
}

#[test]
fn generated_files() {
    insta::glob!("../../specs", "*.{yaml,json,har,graphql}", |spec| {
        for (path, text) in render(spec) {
            insta::assert_snapshot!(slug(&path), text);
        }
    });
}

#[test]
fn multi_file_spec() {
    let spec =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/petstore-separate/spec/swagger.yaml");
    for (path, text) in render(&spec) {
        insta::assert_snapshot!(format!("petstore_separate__{}", slug(&path)), text);
    }
}

#[test]
fn output_is_deterministic() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/openapi30-edge-cases.yaml");
    assert_eq!(render(&spec), render(&spec));
}
