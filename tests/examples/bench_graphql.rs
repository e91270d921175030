//! GraphQL mocks side by side: the same query (`hero` with its friends, on
//! gqlgen's Star Wars schema, by GET) with wrk against the native engine
//! and the FastAPI mock (request logs on) and `@graphql-tools/mock`
//! (`addMocksToSchema` behind node's http module,
//! `tests/fixtures/graphql_tools_mock_server.js`; install it with
//! `npm install --prefix $PEERS_DIR/graphql graphql@16 @graphql-tools/mock@9
//! @graphql-tools/schema@10`, else it is skipped). Rounds interleave the
//! servers. Then the time to generate the mock of Saleor's schema (1,461
//! types), several rounds.
//!
//! `cargo run --release -p mockloop-tests --example bench_graphql -- [SECONDS] [ROUNDS]`
//! (default: 10 s per run, 3 rounds).
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use mockloop_runtime::{RenderOptions, generate_project};
use mockloop_tests::bench::{CONNECTIONS, median, wrk};
use mockloop_tests::paths::{shared_specs_dir, workspace_root};
use mockloop_tests::peers::{Running, free_port, group, peers_dir, port_of};
use mockloop_tests::{Engine, MockServer, Venv, binary};

const THREADS: &str = "1";
const QUERY: &str =
    "/graphql?query=%7B%20hero%20%7B%20id%20name%20friends%20%7B%20id%20name%20%7D%20%7D%20%7D";

type Start = Box<dyn Fn(u16) -> anyhow::Result<Running>>;

fn wait_ready(port: u16, timeout: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if let Ok(response) = reqwest::blocking::get(format!("http://127.0.0.1:{port}{QUERY}"))
            && response.status().is_success()
        {
            let body = response.text().unwrap_or_default();
            anyhow::ensure!(body.contains("\"hero\""), "{body}");
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    anyhow::bail!("no answer to the query within {timeout:?}")
}

fn targets(dir: &Path, schema: &Path) -> Vec<(&'static str, Start)> {
    let mut out: Vec<(&'static str, Start)> = Vec::new();
    for (name, engine) in [
        ("native engine", Engine::Native),
        ("FastAPI mock", Engine::FastApi),
    ] {
        let dir = dir.to_path_buf();
        out.push((
            name,
            Box::new(move |_| {
                let venv = Venv::for_requirements(&dir.join("requirements_mock.txt"))?;
                Ok(Running::Harness(MockServer::start_engine(
                    engine,
                    &dir,
                    &venv,
                    Duration::from_secs(60),
                    &[("UVICORN_ACCESS_LOG", "false")],
                )?))
            }),
        ));
    }
    let modules = peers_dir().join("graphql/node_modules");
    if modules.join("@graphql-tools/mock").is_dir() {
        let script = workspace_root().join("tests/fixtures/graphql_tools_mock_server.js");
        let schema = schema.to_path_buf();
        out.push((
            "@graphql-tools/mock 9",
            Box::new(move |port| {
                group(
                    Command::new("node")
                        .env("NODE_PATH", &modules)
                        .arg(&script)
                        .arg(&schema)
                        .arg(port.to_string()),
                )
            }),
        ));
    } else {
        println!(
            "SKIP @graphql-tools/mock: {} is missing (see this file's header)",
            modules.display()
        );
    }
    out
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(10);
    let rounds: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(3);
    let schema = shared_specs_dir().join("graphql/gqlgen/starwars.graphql");
    anyhow::ensure!(schema.is_file(), "{} is missing", schema.display());
    let out = tempfile::tempdir()?;
    let (dir, _) = generate_project(
        &schema.to_string_lossy(),
        out.path(),
        Some("mock"),
        &RenderOptions::default(),
    )?;
    Venv::for_requirements(&dir.join("requirements_mock.txt"))?;
    binary::mockloop_mcp()?;
    let targets = targets(&dir, &schema);
    println!(
        "wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s, keep-alive; {rounds} rounds; \
         GET {{ hero {{ id name friends {{ id name }} }} }} on starwars.graphql"
    );
    let mut rates: Vec<Vec<f64>> = targets.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for (index, (name, start)) in targets.iter().enumerate() {
            let asked = free_port();
            let running = start(asked)?;
            let port = port_of(&running, asked);
            if let Err(err) = wait_ready(port, Duration::from_secs(60)) {
                println!("round {round}: {name}: {err}");
                running.stop();
                continue;
            }
            let base = format!("http://127.0.0.1:{port}");
            wrk(&base, QUERY, THREADS, 2, "warm-up")?;
            let run = wrk(
                &base,
                QUERY,
                THREADS,
                seconds,
                &format!("bench-graphql-{round}"),
            )?;
            anyhow::ensure!(run.non_2xx == 0, "{name}: {} non-2xx answers", run.non_2xx);
            println!(
                "round {round}: {name:<24} {:>9.0} req/s  p99 {:>7.2} ms",
                run.rate, run.p99_ms
            );
            rates[index].push(run.rate);
            running.stop();
        }
    }
    println!("\nmedian over the rounds (req/s):");
    for ((name, _), runs) in targets.iter().zip(&rates) {
        println!("  {name:<24} {:>9.0}", median(runs));
    }
    if let (Some(native), Some(peer)) = (rates.first(), rates.get(2)) {
        println!(
            "native engine / @graphql-tools/mock: {:.1}x",
            median(native) / median(peer)
        );
    }
    if let (Some(native), Some(fastapi)) = (rates.first(), rates.get(1)) {
        println!(
            "native engine / FastAPI mock: {:.1}x",
            median(native) / median(fastapi)
        );
    }
    generation(rounds.max(3))
}

/// How long generating Saleor's mock takes (every file written).
fn generation(rounds: usize) -> anyhow::Result<()> {
    let saleor: PathBuf = shared_specs_dir().join("graphql/saleor/schema.graphql");
    if !saleor.is_file() {
        println!("SKIP Saleor: {} is missing", saleor.display());
        return Ok(());
    }
    let mut seconds = Vec::new();
    for round in 0..rounds {
        let out = tempfile::tempdir()?;
        let started = Instant::now();
        generate_project(
            &saleor.to_string_lossy(),
            out.path(),
            Some("saleor"),
            &RenderOptions::default(),
        )?;
        seconds.push(started.elapsed().as_secs_f64());
        println!(
            "round {round}: Saleor (1,461 types) generated in {:.3} s",
            seconds[round]
        );
    }
    println!("Saleor generation, median: {:.3} s", median(&seconds));
    Ok(())
}
