//! What request logging costs a running mock: the petstore mock under
//! uvicorn (one worker), started twice, with `MOCKLOOP_REQUEST_LOG` on and
//! off; the same load goes to each in alternating bursts, and every logged
//! request must have left a row.
//!
//! `cargo run --release -p mockloop-tests --example bench_logging -- [REQUESTS] [CONCURRENCY] [ROUNDS]`
//! (default: 20000 requests per server and round from 8 clients, 2 rounds).
//! A burst to the logging server is timed until its rows are in the
//! database (a log search flushes the log), so deferred work is counted. With
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
/// Each round alternates between the two servers this many times, so that
/// both see the same machine (its load drifts).
const BURSTS: usize = 10;

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
        let start = |flag: &str| {
            MockServer::start_with_env(
                &dir,
                &venv,
                Duration::from_secs(60),
                &[("MOCKLOOP_REQUEST_LOG", flag)],
            )
        };
        let (logged, unlogged) = (start("on")?, start("off")?);
        let logged_api = Api::new(&logged.url())?;
        let session = format!("bench-{round}");
        drive(&logged.url(), WARM_UP, clients, "warm-up");
        drive(&unlogged.url(), WARM_UP, clients, "warm-up");
        let (mut time_on, mut time_off) = (Duration::ZERO, Duration::ZERO);
        for burst in 0..BURSTS {
            let n = requests / BURSTS + usize::from(burst < requests % BURSTS);
            let timed_on = |time: &mut Duration| {
                let started = Instant::now();
                drive(&logged.url(), n, clients, &session);
                // Until the burst's rows are in the database: a search
                // flushes the log (one matching no row, so that it costs
                // the same whatever the log holds).
                let flush = [("session_id", "flush"), ("limit", "1")];
                let (status, _) = logged_api.search(&flush).unwrap();
                assert_eq!(status, 200);
                *time += started.elapsed();
            };
            let timed_off = |time: &mut Duration| {
                *time += drive(&unlogged.url(), n, clients, &session);
            };
            if burst % 2 == 0 {
                timed_on(&mut time_on);
                timed_off(&mut time_off);
            } else {
                timed_off(&mut time_off);
                timed_on(&mut time_on);
            }
        }
        #[allow(clippy::cast_precision_loss)]
        let rate = |time: Duration| requests as f64 / time.as_secs_f64();
        let (rate_on, rate_off) = (rate(time_on), rate(time_off));
        println!(
            "round {round}: logging on {rate_on:>8.1} requests/s, off {rate_off:>8.1} requests/s \
             ({:.1}%)",
            (1.0 - rate_on / rate_off) * 100.0
        );
        on.push(rate_on);
        off.push(rate_off);
        drop(unlogged);
        assert!(logged.stop(Duration::from_secs(60)), "no clean shutdown");
        let rows = count_rows(&dir.join("db/request_logs.db"), &session)?;
        println!("  rows logged in this round: {rows} of {requests}");
        assert_eq!(rows, requests, "rows were lost");
    }
    let costs: Vec<f64> = on
        .iter()
        .zip(&off)
        .map(|(on, off)| (1.0 - on / off) * 100.0)
        .collect();
    let (on, off) = (median(&on), median(&off));
    println!(
        "median of {rounds} rounds: logging on {on:.1} requests/s, off {off:.1} requests/s; \
         logging costs {:.1}% (median of the rounds' own figures: {:.1}%)",
        (1.0 - on / off) * 100.0,
        median(&costs),
    );
    Ok(())
}

fn median(rates: &[f64]) -> f64 {
    let mut sorted = rates.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Sends `total` requests from `clients` threads; returns the time taken.
fn drive(base: &str, total: usize, clients: usize, session: &str) -> Duration {
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
    started.elapsed()
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
