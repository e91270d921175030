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
use mockloop_tests::backend::Api;
use mockloop_tests::{MockServer, Venv};

const CONNECTIONS: &str = "32";
const THREADS: &str = "2";

/// Bare FastAPI: one route that returns a constant dict (and `/health`,
/// which the test harness waits for).
const BARE_APP: &str = r#"from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/v2/pets")
async def pets():
    return {"id": 1, "name": "Rex", "tag": "dog"}


@app.get("/v2/pets/{pet_id}")
async def pet(pet_id: int):
    return {"id": pet_id, "name": "Rex", "tag": "dog"}
"#;

/// What one wrk run measured.
struct Run {
    rate: f64,
    p99_ms: f64,
    requests: u64,
    non_2xx: u64,
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
    std::fs::write(bare_dir.join("main.py"), BARE_APP)?;

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
            wrk(&server.url(), path, 1, "warm-up")?;
        }
        let mut ratios = Vec::new();
        let mut costs = Vec::new();
        let mut logged_requests = 0;
        for round in 0..rounds {
            let mut runs: Vec<Option<Run>> = vec![None, None, None];
            for offset in 0..targets.len() {
                let index = (round + offset) % targets.len();
                let (_, server) = targets[index];
                runs[index] = Some(wrk(&server.url(), path, seconds, &session)?);
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

/// One wrk run against `base` + `path`.
fn wrk(base: &str, path: &str, seconds: u64, session: &str) -> anyhow::Result<Run> {
    let output = Command::new("wrk")
        .args(["-t", THREADS, "-c", CONNECTIONS, "--latency"])
        .args(["-d", &format!("{seconds}s")])
        .args(["-H", &format!("X-Session-Id: {session}")])
        .arg(format!("{base}{path}"))
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    anyhow::ensure!(output.status.success(), "wrk failed:\n{text}");
    let field = |prefix: &str| -> Option<&str> {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(str::trim)
    };
    let rate = field("Requests/sec:")
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no Requests/sec in wrk's output:\n{text}"))?;
    let p99_ms = field("99%").map_or(f64::NAN, parse_latency_ms);
    let requests = text
        .lines()
        .find_map(|line| line.trim().split_once(" requests in "))
        .and_then(|(count, _)| count.trim().parse().ok())
        .unwrap_or(0);
    let non_2xx = field("Non-2xx or 3xx responses:")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    Ok(Run {
        rate,
        p99_ms,
        requests,
        non_2xx,
    })
}

/// wrk's latency (`850.00us`, `1.25ms`, `2.01s`) in milliseconds.
fn parse_latency_ms(text: &str) -> f64 {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        _ => f64::NAN,
    }
}

/// The rows the mock logged in one session (a search flushes the log first).
fn logged_rows(base: &str, session: &str) -> anyhow::Result<u64> {
    let api = Api::new(base)?;
    let (status, found) = api.search(&[("session_id", session), ("limit", "1")])?;
    anyhow::ensure!(status == 200, "log search answered {status}: {found}");
    found["total_count"]
        .as_u64()
        .ok_or_else(|| anyhow::anyhow!("no total_count in {found}"))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
