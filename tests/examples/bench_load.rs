//! The load tester against wrk: both drive the same native petstore mock
//! (request log on) with the same connections for the same time, in
//! alternating runs, so both see the same machine; the figure is the
//! ratio of `mockloop-mcp load`'s throughput to wrk's, per round.
//!
//! `cargo run --release -p mockloop-tests --example bench_load -- [SECONDS] [ROUNDS]`
//! (default: 5-second runs, 5 rounds). Needs wrk on the PATH. wrk sends one
//! fixed request (`GET /v1/pets`); `load` sends the same operation with the
//! requests it makes from the spec (its optional `limit` in and out), and a
//! last run sends the whole mix of operations, for information.
// Benchmark helpers panic to report failures, like the tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::process::Command;

use mockloop_runtime::RenderOptions;
use mockloop_tests::bench::{CONNECTIONS, median, wrk};
use mockloop_tests::{Engine, GeneratedMock};
use serde_json::Value;

fn load(binary: &str, url: &str, dir: &str, seconds: u64, operations: Option<&str>) -> Value {
    let mut command = Command::new(binary);
    command.args(["load", url, "--spec", dir, "--json"]).args([
        "-c",
        CONNECTIONS,
        "-d",
        &seconds.to_string(),
    ]);
    if let Some(operations) = operations {
        command.args(["--operations", operations]);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(5);
    let rounds: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(5);
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/petstore.yaml");
    let mock = GeneratedMock::new(spec, &RenderOptions::default())?;
    let server = mock.start_on(Engine::Native)?;
    let binary = mockloop_tests::binary::mockloop_mcp()?
        .display()
        .to_string();
    let url = server.url();
    let dir = mock.dir.display().to_string();
    println!(
        "native petstore mock (log on), {CONNECTIONS} connections, {seconds} s per run, {rounds} rounds"
    );
    println!("round  wrk req/s  load req/s  load/wrk  load p50 ms  load p99 ms");
    let mut ratios = Vec::new();
    for round in 0..rounds {
        // Alternate which goes first, so neither always meets a warmer
        // (or busier) machine.
        let (theirs, ours) = if round % 2 == 0 {
            let theirs = wrk(&url, "/v1/pets", "2", seconds, "bench-wrk")?;
            (
                theirs,
                load(&binary, &url, &dir, seconds, Some("GET /pets")),
            )
        } else {
            let ours = load(&binary, &url, &dir, seconds, Some("GET /pets"));
            (wrk(&url, "/v1/pets", "2", seconds, "bench-wrk")?, ours)
        };
        let rate = ours["throughput_rps"].as_f64().unwrap();
        let ratio = rate / theirs.rate;
        ratios.push(ratio);
        println!(
            "{round:>5}  {:>9.0}  {rate:>10.0}  {ratio:>8.2}  {:>11.3}  {:>11.3}",
            theirs.rate, ours["latency_ms"]["p50"], ours["latency_ms"]["p99"]
        );
        assert_eq!(ours["errors"]["io"], 0);
        assert_eq!(ours["log_rows_gained"], ours["requests"]);
    }
    println!("median load/wrk: {:.2}", median(&ratios));
    let mixed = load(&binary, &url, &dir, seconds, None);
    println!(
        "all operations (GET /pets, POST /pets, GET /pets/{{petId}}): {:.0} req/s, p99 {} ms, statuses {}",
        mixed["throughput_rps"].as_f64().unwrap(),
        mixed["latency_ms"]["p99"],
        mixed["statuses"]
    );
    Ok(())
}
