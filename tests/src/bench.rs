//! wrk runs and their figures, for the side-by-side benchmarks
//! (`examples/bench_*.rs`).
use std::process::Command;

use crate::backend::Api;

/// wrk's connections: 32, as the benchmarks agree.
pub const CONNECTIONS: &str = "32";

/// Bare FastAPI: one route that returns a constant dict (and `/health`,
/// which the test harness waits for).
pub const BARE_FASTAPI: &str = r#"from fastapi import FastAPI

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
pub struct Run {
    /// Requests per second.
    pub rate: f64,
    /// 99th percentile latency.
    pub p99_ms: f64,
    /// Completed requests.
    pub requests: u64,
    /// Answers outside 2xx/3xx.
    pub non_2xx: u64,
}

/// One wrk run against `base` + `path`.
pub fn wrk(
    base: &str,
    path: &str,
    threads: &str,
    seconds: u64,
    session: &str,
) -> anyhow::Result<Run> {
    let output = Command::new("wrk")
        .args(["-t", threads, "-c", CONNECTIONS, "--latency"])
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
pub fn parse_latency_ms(text: &str) -> f64 {
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
pub fn logged_rows(base: &str, session: &str) -> anyhow::Result<u64> {
    let api = Api::new(base)?;
    let (status, found) = api.search(&[("session_id", session), ("limit", "1")])?;
    anyhow::ensure!(status == 200, "log search answered {status}: {found}");
    found["total_count"]
        .as_u64()
        .ok_or_else(|| anyhow::anyhow!("no total_count in {found}"))
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
