//! The FastAPI mock's throughput against bare FastAPI, side by side: the
//! petstore-expanded mock (request log on, and off) and a bare FastAPI app
//! with one route returning a constant dict, in the same venv under the same
//! uvicorn (one worker each), measured with wrk (keep-alive, 32
//! connections), interleaved in each round so that all see the same machine.
//!
//! `cargo run --release -p mockloop-tests --example bench_fastapi -- [SECONDS] [ROUNDS] [PATH...]`
//! (default: 5 s per run, 5 rounds, `/v2/pets`). Needs `wrk` on the PATH
//! (`apt-get install wrk`). Every request wrk counts for the logged mock
//! must have left a row in its request log.
// Test helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use mockloop_runtime::{RenderOptions, generate_project};
use mockloop_tests::bench::{BARE_FASTAPI, CONNECTIONS, Run, logged_rows, median};
use mockloop_tests::{MockServer, Venv};

/// wrk's threads.
const THREADS: &str = "2";

fn wrk(base: &str, path: &str, threads: &str, seconds: u64, session: &str) -> anyhow::Result<Run> {
    mockloop_tests::bench::wrk(base, path, threads, seconds, session)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(5);
    let rounds: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(5);
    let mut paths: Vec<String> = args.collect();
    if paths.is_empty() {
        paths.push("/v2/pets".to_owned());
    }
    anyhow::ensure!(
        Command::new("wrk").arg("--version").output().is_ok(),
        "wrk is not on the PATH (apt-get install wrk)"
    );
    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/openapi30-petstore-expanded.yaml"
    );
    let out = tempfile::tempdir()?;
    let (dir, _) = generate_project(spec, out.path(), Some("mock"), &RenderOptions::default())?;
    let venv = Venv::for_requirements(&dir.join("requirements_mock.txt"))?;
    let bare_dir = out.path().join("bare");
    std::fs::create_dir_all(&bare_dir)?;
    std::fs::write(bare_dir.join("main.py"), BARE_FASTAPI)?;

    let start = |folder: &Path, log: &str| {
        MockServer::start_with_env(
            folder,
            &venv,
            Duration::from_secs(60),
            &[("MOCKLOOP_REQUEST_LOG", log)],
        )
    };
    let bare = start(&bare_dir, "off")?;
    let logged = start(&dir, "on")?;
    let unlogged = start(&dir, "off")?;
    println!(
        "wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s, {rounds} rounds, uvicorn 1 worker each, \
         venv {}",
        venv.python().display()
    );

    for (number, path) in paths.iter().enumerate() {
        println!("\nGET {path}");
        let session = format!("bench-fastapi-{number}");
        let targets = [
            ("bare FastAPI", &bare),
            ("mock, log on", &logged),
            ("mock, log off", &unlogged),
        ];
        for (_, server) in &targets {
            wrk(&server.url(), path, THREADS, 1, "warm-up")?;
        }
        let mut ratios = Vec::new();
        let mut costs = Vec::new();
        let mut logged_requests = 0;
        for round in 0..rounds {
            let mut runs: Vec<Option<Run>> = vec![None, None, None];
            for offset in 0..targets.len() {
                let index = (round + offset) % targets.len();
                let (_, server) = targets[index];
                runs[index] = Some(wrk(&server.url(), path, THREADS, seconds, &session)?);
            }
            let [bare_run, on, off] = [0, 1, 2].map(|i| runs[i].take().unwrap());
            anyhow::ensure!(
                bare_run.non_2xx + on.non_2xx + off.non_2xx == 0,
                "non-2xx answers in round {round}"
            );
            logged_requests += on.requests;
            let ratio = on.rate / bare_run.rate * 100.0;
            let cost = (1.0 - on.rate / off.rate) * 100.0;
            println!(
                "round {round}: bare {:>7.0}/s (p99 {:>5.1} ms) | mock log on {:>7.0}/s (p99 {:>5.1} ms) \
                 = {ratio:>5.1}% of bare | log off {:>7.0}/s (p99 {:>5.1} ms); logging costs {cost:>5.1}%",
                bare_run.rate, bare_run.p99_ms, on.rate, on.p99_ms, off.rate, off.p99_ms
            );
            ratios.push(ratio);
            costs.push(cost);
        }
        println!(
            "median of {rounds} rounds: the logged mock serves {:.1}% of bare FastAPI's \
             throughput; logging costs {:.1}%",
            median(&ratios),
            median(&costs)
        );
        let rows = logged_rows(&logged.url(), &session)?;
        println!(
            "rows in the logged mock's request log for the timed runs of GET {path}: {rows} \
             (wrk counted {logged_requests} completed; requests in flight when wrk stops are \
             logged too)"
        );
        anyhow::ensure!(
            rows >= logged_requests,
            "rows were lost: {rows} < {logged_requests}"
        );
    }
    Ok(())
}
