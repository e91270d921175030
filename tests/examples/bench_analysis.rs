//! Times `mockloop-mcp analyze` on a 1,000,000-row request log and checks
//! its figures against a plain recomputation from the same rows.
//!
//! ```sh
//! cargo run --release -p mockloop-tests --example bench_analysis [-- ROWS]
//! ```
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, ensure};
use mockloop_runtime::{LogFilter, LogStore};
use mockloop_tests::logdb;
use serde_json::Value;

fn main() -> anyhow::Result<()> {
    let rows: usize = std::env::args()
        .nth(1)
        .map_or(Ok(1_000_000), |n| n.parse())?;
    let dir = mockloop_tests::paths::target_dir().join("mockloop-bench");
    std::fs::create_dir_all(&dir)?;
    let db = dir.join(format!("request_logs_{rows}.db"));
    let started = Instant::now();
    logdb::write(&db, logdb::synthetic(rows))?;
    println!(
        "built {} ({rows} rows) in {:.2?}",
        db.display(),
        started.elapsed()
    );

    let binary = mockloop_tests::binary::mockloop_mcp()?;
    let mut timings = Vec::new();
    let mut report = Value::Null;
    for _ in 0..5 {
        let started = Instant::now();
        let output = Command::new(&binary)
            .arg("analyze")
            .arg(&db)
            .arg("--json")
            .output()?;
        timings.push(started.elapsed().as_secs_f64());
        ensure!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        report = serde_json::from_slice(&output.stdout)?;
    }
    timings.sort_by(f64::total_cmp);
    println!(
        "`mockloop-mcp analyze {} --json`: min {:.3} s, median {:.3} s, max {:.3} s over {} runs",
        db.display(),
        timings[0],
        timings[timings.len() / 2],
        timings[timings.len() - 1],
        timings.len()
    );
    let started = Instant::now();
    let store = LogStore::open(&db)?;
    let library = store.analyze(&LogFilter::default())?;
    println!(
        "library LogStore::analyze: {:.3} s",
        started.elapsed().as_secs_f64()
    );
    ensure!(
        serde_json::to_value(&library)? == report,
        "the CLI and the library disagree"
    );

    check(&db, &report)?;
    println!("figures match a plain recomputation from the same rows");
    Ok(())
}

/// Recomputes the headline figures from every non-admin row, naively.
fn check(db: &std::path::Path, report: &Value) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(db)?;
    let mut stmt = conn.prepare(
        "SELECT method, path, status_code, process_time_ms, session_id, operation_key \
         FROM request_logs WHERE is_admin = 0",
    )?;
    let mut times = Vec::new();
    let mut methods: BTreeMap<String, u64> = BTreeMap::new();
    let mut errors = 0u64;
    let mut sessions = std::collections::HashSet::new();
    let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let method: String = row.get(0)?;
        let path: String = row.get(1)?;
        let status: i64 = row.get(2)?;
        let ms: f64 = row.get(3)?;
        if let Some(session) = row.get::<_, Option<String>>(4)? {
            sessions.insert(session);
        }
        let key = row
            .get::<_, Option<String>>(5)?
            .unwrap_or_else(|| format!("{method} {path}"));
        groups.entry(key).or_default().push(ms);
        *methods.entry(method).or_default() += 1;
        errors += u64::from(status >= 400);
        times.push(ms);
    }
    let total = times.len() as u64;
    ensure!(report["total_requests"] == total, "total");
    ensure!(report["error_count"] == errors, "errors");
    ensure!(report["sessions"] == sessions.len() as u64, "sessions");
    ensure!(
        serde_json::to_value(&methods)? == report["methods"],
        "methods"
    );
    let latency = |values: &mut Vec<f64>, figures: &Value, what: &str| -> anyhow::Result<()> {
        values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        for p in [50.0, 90.0, 95.0, 99.0] {
            let pos = (values.len() - 1) as f64 * p / 100.0;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            let expected = values[lo] + (values[hi] - values[lo]) * (pos - lo as f64);
            let got = figures[format!("p{p}")].as_f64().context("percentile")?;
            ensure!(
                (got - expected).abs() <= 1e-9 * expected.abs().max(1.0),
                "{what} p{p}: {got} != {expected}"
            );
        }
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let got = figures["mean"].as_f64().context("mean")?;
        ensure!(
            (got - mean).abs() <= 1e-9 * mean.abs().max(1.0),
            "{what} mean: {got} != {mean}"
        );
        ensure!(
            figures["max"].as_f64() == values.last().copied(),
            "{what} max"
        );
        Ok(())
    };
    latency(&mut times, &report["latency_ms"], "overall")?;
    let endpoints = report["endpoints"].as_array().context("endpoints")?;
    ensure!(endpoints.len() == groups.len(), "endpoint count");
    for endpoint in endpoints {
        let name = endpoint["endpoint"].as_str().context("name")?;
        let values = groups.get_mut(name).context("unknown endpoint")?;
        ensure!(endpoint["count"] == values.len() as u64, "{name} count");
        latency(values, &endpoint["latency_ms"], name)?;
    }
    Ok(())
}
