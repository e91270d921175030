//! Writes one spec's mock project to `target/mockloop/<name>/`:
//! `cargo run -p mockloop-tests --example render_spec -- specs/petstore.yaml`.
// Test helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::Path;

use mockloop_runtime::{RenderOptions, generate_project};

fn main() -> anyhow::Result<()> {
    let spec = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: render_spec <SPEC>"))?;
    let out = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/mockloop"));
    let (folder, project) = generate_project(&spec, out, None, &RenderOptions::default())?;
    println!("{} files", project.files.len());
    println!("{}", folder.display());
    Ok(())
}
