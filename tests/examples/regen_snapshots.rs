//! Regenerates every snapshot of the generated files and error texts:
//! `cargo run -p mockloop-tests --example regen_snapshots`.
// Test helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::process::Command;

fn main() -> anyhow::Result<()> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    for test in ["generated_files", "bad_inputs"] {
        let status = Command::new(env!("CARGO"))
            .args(["test", "-p", "mockloop-tests", "--test", test])
            .env("INSTA_UPDATE", "always")
            .env("INSTA_FORCE_PASS", "1")
            .current_dir(root)
            .status()?;
        anyhow::ensure!(status.success(), "cargo test --test {test} failed");
    }
    let status = Command::new("git")
        .args(["status", "--short", "tests/tests/snapshots"])
        .current_dir(root)
        .status()?;
    anyhow::ensure!(status.success(), "git status failed");
    Ok(())
}
