//! Benchmarks generation of a mock from a spec, end to end (load,
//! normalise, model, synthesise, render, write), and reports peak memory.
//!
//! `cargo run --release -p mockloop-tests --example bench_generate -- [SPEC] [RUNS]`
//! (default: GitHub's REST API description from `../shared/specs`, 5 runs).
// Test helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::time::{Duration, Instant};

use mockloop_runtime::{RenderOptions, generate_project, load_spec, render_project};

/// The same allocator as the `mockloop-mcp` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let spec = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/specs/github/api.github.com.json"
        )
        .to_owned()
    });
    let runs: u32 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(5);
    let out = tempfile::tempdir()?;
    let options = RenderOptions::default();

    let mut load = Vec::new();
    let mut render = Vec::new();
    let mut total = Vec::new();
    for run in 0..runs {
        let started = Instant::now();
        let loaded = load_spec(&spec)?;
        load.push(started.elapsed());
        let rendered_at = Instant::now();
        let project = render_project(&loaded, &options)?;
        render.push(rendered_at.elapsed());
        drop((loaded, project));
        let whole = Instant::now();
        let (_, project) =
            generate_project(&spec, out.path(), Some(&format!("run{run}")), &options)?;
        total.push(whole.elapsed());
        if run == 0 {
            println!(
                "{spec}: {} operations, {} files",
                project.operation_count,
                project.files.len()
            );
        }
    }
    println!("load + normalise : {}", summary(&load));
    println!("model + render   : {}", summary(&render));
    println!("generate (total) : {}", summary(&total));
    println!("peak RSS         : {}", peak_rss());
    Ok(())
}

fn summary(times: &[Duration]) -> String {
    let mut sorted = times.to_vec();
    sorted.sort();
    let median = sorted[sorted.len() / 2];
    format!(
        "median {:.0} ms, min {:.0} ms, max {:.0} ms over {} runs",
        median.as_secs_f64() * 1e3,
        sorted[0].as_secs_f64() * 1e3,
        sorted[sorted.len() - 1].as_secs_f64() * 1e3,
        sorted.len()
    )
}

/// The process's peak resident set size, from /proc (Linux).
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown (no /proc)".to_owned())
}
