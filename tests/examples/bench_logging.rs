//! What request logging costs a running mock: the petstore mock under
//! uvicorn (one worker), the same load with `MOCKLOOP_REQUEST_LOG` on and
//! off, alternating, and a check that every logged request left a row.
//!
//! `cargo run --release -p mockloop-tests --example bench_logging -- [REQUESTS] [CONCURRENCY] [ROUNDS]`
//! (default: 20000 requests from 8 clients, 2 rounds of each mode). With
//! `MOCKLOOP_BENCH_MOCK=<folder>` it runs an already generated mock instead
//! of generating the petstore one.
// Test helpers panic to report failures, like the tests that call them.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mockloop_runtime::{RenderOptions, generate_project};
use mockloop_tests::backend::Api;
use mockloop_tests::{MockServer, Venv};

const WARM_UP: usize = 500;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let requests: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(20_000);
    let clients: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(8);
    let rounds: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(2);
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/petstore.yaml");
    let out = tempfile::tempdir()?;
    let dir = match std::env::var_os("MOCKLOOP_BENCH_MOCK") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => generate_project(spec, out.path(), Some("mock"), &RenderOptions::default())?.0,
    };
    let venv = Venv::for_requirements(&dir.join("requirements_mock.txt"))?;
    println!(
        "petstore mock, {requests} requests from {clients} clients per run, uvicorn with 1 worker"
    );

    let mut on = Vec::new();
    let mut off = Vec::new();
    for round in 0..rounds {
        for logging in [true, false] {
            let flag = if logging { "on" } else { "off" };
            let server = MockServer::start_with_env(
                &dir,
                &venv,
                Duration::from_secs(60),
                &[("MOCKLOOP_REQUEST_LOG", flag)],
            )?;
            let session = format!("bench-{flag}-{round}");
            drive(&server.url(), WARM_UP, clients, "warm-up");
            let rate = drive(&server.url(), requests, clients, &session);
            println!("round {round}, logging {flag:>3}: {rate:>8.1} requests/s");
            if logging {
                on.push(rate);
                assert!(server.stop(Duration::from_secs(60)), "no clean shutdown");
                let rows = count_rows(&dir.join("db/request_logs.db"), &session)?;
                println!("  rows logged for this run: {rows} of {requests}");
                assert_eq!(rows, requests, "rows were lost");
            } else {
                off.push(rate);
            }
        }
    }
    let best = |rates: &[f64]| rates.iter().copied().fold(0.0, f64::max);
    let (on, off) = (best(&on), best(&off));
    println!(
        "best of {rounds}: logging on {on:.1} requests/s, off {off:.1} requests/s; \
         logging costs {:.1}%",
        (1.0 - on / off) * 100.0
    );
    Ok(())
}

/// Sends `total` requests from `clients` threads; returns requests/s.
fn drive(base: &str, total: usize, clients: usize, session: &str) -> f64 {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                let api = Api::new(base).unwrap();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let path = if i.is_multiple_of(2) {
                        format!("/v1/pets?limit={}", i % 100 + 1)
                    } else {
                        format!("/v1/pets/{i}")
                    };
                    let response = api
                        .get(&path)
                        .header("X-Session-Id", session)
                        .send()
                        .unwrap();
                    assert!(
                        response.status().is_success(),
                        "{path}: {}",
                        response.status()
                    );
                    response.bytes().unwrap();
                }
            });
        }
    });
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / started.elapsed().as_secs_f64();
    rate
}

fn count_rows(db: &Path, session: &str) -> anyhow::Result<usize> {
    let connection = rusqlite::Connection::open(db)?;
    let count: i64 = connection.query_row(
        "SELECT COUNT(*) FROM request_logs WHERE session_id = ?1",
        [session],
        |row| row.get(0),
    )?;
    Ok(usize::try_from(count)?)
}
