//! The native engine against everything else, side by side on one machine:
//! GET one pet of petstore-expanded with wrk (keep-alive, 32 connections,
//! one thread), request log on, for the native engine, the FastAPI mock,
//! bare FastAPI, and the peers Stoplight Prism, Mockoon CLI, WireMock and
//! MockServer (installed by `../shared/bench/peers-setup.sh` into
//! `$PEERS_DIR`, default `/tmp/peers`; a missing peer is reported and
//! skipped). Each server is started in its own process group, checked,
//! warmed up, measured and stopped (SIGTERM, SIGKILL after 10 s) before the
//! next one starts; rounds interleave the servers. Also: the native
//! engine's logging cost (log off), no row lost, and GitHub's spec served
//! from the spec (time to the first 200, resident memory).
//!
//! `cargo run --release -p mockloop-tests --example bench_native -- [SECONDS] [ROUNDS]`
//! (default: 10 s per run, 3 rounds).
// Benchmark helpers panic to report failures, like the tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mockloop_runtime::{RenderOptions, generate_project};
use mockloop_tests::bench::{BARE_FASTAPI, CONNECTIONS, Run, logged_rows, median, wrk};
use mockloop_tests::paths::shared_specs_dir;
use mockloop_tests::peers::{Running, free_port, group, peers_dir, port_of};
use mockloop_tests::{Engine, MockServer, Venv, binary};

const THREADS: &str = "1";
const PET: &str = r#"{"id": 7, "name": "Rex", "tag": "dog"}"#;

/// One server to measure.
struct Target {
    name: &'static str,
    start: Box<dyn Fn(u16) -> anyhow::Result<Running>>,
    /// The paths to try, in order; the first that answers 2xx is measured.
    paths: Vec<&'static str>,
    /// Seconds of warm-up (the JVMs need more).
    warm_up: u64,
    /// Whether its request log is on and checked for lost rows.
    logged: bool,
}

/// The first path that answers 2xx within `timeout`.
fn wait_ready(port: u16, paths: &[&str], timeout: Duration) -> anyhow::Result<String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let started = Instant::now();
    while started.elapsed() < timeout {
        for path in paths {
            if let Ok(response) = client.get(format!("http://127.0.0.1:{port}{path}")).send()
                && response.status().is_success()
            {
                let body = response.text().unwrap_or_default();
                anyhow::ensure!(body.contains("\"name\""), "{path} answered {body}");
                return Ok((*path).to_owned());
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    anyhow::bail!("no 2xx on {paths:?} within {timeout:?}")
}

fn peer_missing(folder: &str, file: &Path) -> Option<String> {
    let skip = peers_dir().join(folder).join("SKIP");
    if let Ok(reason) = std::fs::read_to_string(&skip) {
        return Some(reason.trim().to_owned());
    }
    (!file.exists()).then(|| {
        format!(
            "{} is missing (run ../shared/bench/peers-setup.sh)",
            file.display()
        )
    })
}

fn node() -> PathBuf {
    let pinned = peers_dir().join("node24/bin/node");
    if pinned.exists() {
        pinned
    } else {
        PathBuf::from("node")
    }
}

fn targets(dir: &Path, bare: &Path, spec: &Path, scratch: &Path) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for (name, log) in [("native engine", "on"), ("native engine, log off", "off")] {
        let dir = dir.to_path_buf();
        out.push(Target {
            name,
            start: Box::new(move |_| {
                Ok(Running::Harness(MockServer::start_engine(
                    Engine::Native,
                    &dir,
                    &Venv::for_requirements(&dir.join("requirements_mock.txt"))?,
                    Duration::from_secs(30),
                    &[("MOCKLOOP_REQUEST_LOG", log)],
                )?))
            }),
            paths: vec!["/v2/pets/7"],
            warm_up: 1,
            logged: log == "on",
        });
    }
    for (name, folder, log) in [("FastAPI mock", dir, "on"), ("bare FastAPI", bare, "off")] {
        let folder = folder.to_path_buf();
        let venv_dir = dir.join("requirements_mock.txt");
        out.push(Target {
            name,
            start: Box::new(move |_| {
                let venv = Venv::for_requirements(&venv_dir)?;
                Ok(Running::Harness(MockServer::start_engine(
                    Engine::FastApi,
                    &folder,
                    &venv,
                    Duration::from_secs(60),
                    &[
                        ("MOCKLOOP_REQUEST_LOG", log),
                        // uvicorn's per-request console line off, as for every server.
                        ("UVICORN_ACCESS_LOG", "false"),
                    ],
                )?))
            }),
            paths: vec!["/v2/pets/7"],
            warm_up: 1,
            logged: log == "on" && name == "FastAPI mock",
        });
    }
    let prism = peers_dir().join("prism/node_modules/@stoplight/prism-cli/dist/index.js");
    match peer_missing("prism", &prism) {
        Some(reason) => println!("SKIP Prism: {reason}"),
        None => {
            let spec = spec.to_path_buf();
            out.push(Target {
                name: "Prism 5.16",
                start: Box::new(move |port| {
                    group(
                        Command::new(node())
                            .arg(&prism)
                            .args(["mock", "-h", "127.0.0.1", "-p"])
                            .arg(port.to_string())
                            .args(["-v", "warn"])
                            .arg(&spec),
                    )
                }),
                paths: vec!["/pets/7", "/v2/pets/7"],
                warm_up: 2,
                logged: false,
            });
        }
    }
    let mockoon = peers_dir().join("mockoon/node_modules/@mockoon/cli/bin/run.js");
    match peer_missing("mockoon", &mockoon) {
        Some(reason) => println!("SKIP Mockoon: {reason}"),
        None => {
            let (spec, home) = (spec.to_path_buf(), scratch.join("mockoon-home"));
            out.push(Target {
                name: "Mockoon CLI 9.9",
                start: Box::new(move |port| {
                    std::fs::create_dir_all(&home)?;
                    group(
                        Command::new(node())
                            .env("HOME", &home)
                            .arg(&mockoon)
                            .args(["start", "--data"])
                            .arg(&spec)
                            .args([
                                "--port",
                                &port.to_string(),
                                "--hostname",
                                "127.0.0.1",
                                "--disable-log-to-file",
                            ]),
                    )
                }),
                paths: vec!["/v2/pets/7", "/pets/7"],
                warm_up: 2,
                logged: false,
            });
        }
    }
    let wiremock = peers_dir().join("wiremock/wiremock-standalone-3.13.2.jar");
    match peer_missing("wiremock", &wiremock) {
        Some(reason) => println!("SKIP WireMock: {reason}"),
        None => {
            let root = scratch.join("wiremock");
            let mappings = root.join("mappings");
            let _ = std::fs::create_dir_all(&mappings);
            let stub = format!(
                r#"{{"request": {{"method": "GET", "urlPathTemplate": "/v2/pets/{{id}}"}}, "response": {{"status": 200, "headers": {{"Content-Type": "application/json"}}, "jsonBody": {PET}}}}}"#
            );
            let _ = std::fs::write(mappings.join("pet.json"), stub);
            out.push(Target {
                name: "WireMock 3.13",
                start: Box::new(move |port| {
                    group(
                        Command::new("java")
                            .arg("-jar")
                            .arg(&wiremock)
                            .args([
                                "--bind-address",
                                "127.0.0.1",
                                "--port",
                                &port.to_string(),
                                "--root-dir",
                            ])
                            .arg(&root)
                            .arg("--disable-banner"),
                    )
                }),
                paths: vec!["/v2/pets/7"],
                warm_up: 5,
                logged: false,
            });
        }
    }
    let mockserver =
        peers_dir().join("mockserver/mockserver-netty-7.6.0-jar-with-dependencies.jar");
    match peer_missing("mockserver", &mockserver) {
        Some(reason) => println!("SKIP MockServer: {reason}"),
        None => {
            let init = scratch.join("mockserver-init.json");
            let _ = std::fs::write(
                &init,
                format!(r#"[{{"specUrlOrPayload": "file:{}"}}]"#, spec.display()),
            );
            out.push(Target {
                name: "MockServer 7.6",
                start: Box::new(move |port| {
                    group(
                        Command::new("java")
                            .arg("-Dmockserver.logLevel=WARN")
                            .arg("-Dmockserver.localBoundIP=127.0.0.1")
                            .arg(format!(
                                "-Dmockserver.initializationJsonPath={}",
                                init.display()
                            ))
                            .arg("-jar")
                            .arg(&mockserver)
                            .args(["-serverPort", &port.to_string()]),
                    )
                }),
                paths: vec!["/v2/pets/7", "/pets/7"],
                warm_up: 5,
                logged: false,
            });
        }
    }
    out
}

/// Each server's runs over the rounds.
struct Results {
    runs: Vec<Vec<Run>>,
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(10);
    let rounds: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(3);
    anyhow::ensure!(
        Command::new("wrk").arg("--version").output().is_ok(),
        "wrk is not on the PATH (run ../shared/bench/peers-setup.sh, or apt-get install wrk)"
    );
    let spec = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/openapi30-petstore-expanded.yaml"
    ));
    let out = tempfile::tempdir()?;
    let (dir, _) = generate_project(
        &spec.to_string_lossy(),
        out.path(),
        Some("mock"),
        &RenderOptions::default(),
    )?;
    // The venv is built once, before any timing.
    Venv::for_requirements(&dir.join("requirements_mock.txt"))?;
    let bare = out.path().join("bare");
    std::fs::create_dir_all(&bare)?;
    std::fs::write(bare.join("main.py"), BARE_FASTAPI)?;
    binary::mockloop_mcp()?;
    let targets = targets(&dir, &bare, &spec, out.path());
    println!(
        "wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s --latency, keep-alive; {rounds} rounds; \
         GET one pet of petstore-expanded; request logs on (peers: their defaults)"
    );
    let mut results = Results {
        runs: targets.iter().map(|_| Vec::new()).collect(),
    };
    let mut rows_checked = 0u64;
    for round in 0..rounds {
        for (index, target) in targets.iter().enumerate() {
            let asked = free_port();
            let running = match (target.start)(asked) {
                Ok(running) => running,
                Err(err) => {
                    println!("round {round}: {}: cannot start: {err}", target.name);
                    continue;
                }
            };
            let port = port_of(&running, asked);
            let path = match wait_ready(port, &target.paths, Duration::from_secs(90)) {
                Ok(path) => path,
                Err(err) => {
                    println!("round {round}: {}: {err}", target.name);
                    running.stop();
                    continue;
                }
            };
            let base = format!("http://127.0.0.1:{port}");
            wrk(&base, &path, THREADS, target.warm_up, "warm-up")?;
            let session = format!("bench-native-{round}-{index}");
            let run = wrk(&base, &path, THREADS, seconds, &session)?;
            anyhow::ensure!(
                run.non_2xx == 0,
                "{}: {} non-2xx answers",
                target.name,
                run.non_2xx
            );
            if target.logged {
                let rows = logged_rows(&base, &session)?;
                anyhow::ensure!(
                    rows >= run.requests,
                    "{}: rows lost: {rows} < {}",
                    target.name,
                    run.requests
                );
                rows_checked += rows;
            }
            println!(
                "round {round}: {:<24} {:>9.0} req/s  p99 {:>7.2} ms  ({path})",
                target.name, run.rate, run.p99_ms
            );
            results.runs[index].push(run);
            running.stop();
        }
    }
    report(&targets, &results, rows_checked);
    github()?;
    Ok(())
}

fn best(runs: &[Run]) -> Option<&Run> {
    runs.iter().max_by(|a, b| a.rate.total_cmp(&b.rate))
}

fn report(targets: &[Target], results: &Results, rows_checked: u64) {
    println!("\nbest round of each (req/s, its p99):");
    for (target, runs) in targets.iter().zip(&results.runs) {
        match best(runs) {
            Some(run) => println!(
                "  {:<24} {:>9.0}  p99 {:>7.2} ms",
                target.name, run.rate, run.p99_ms
            ),
            None => println!("  {:<24} no successful run", target.name),
        }
    }
    let rate = |name: &str| {
        targets
            .iter()
            .zip(&results.runs)
            .find(|(t, _)| t.name == name)
            .and_then(|(_, r)| best(r))
            .map(|r| r.rate)
    };
    let Some(native) = rate("native engine") else {
        return;
    };
    let peers = [
        "Prism 5.16",
        "Mockoon CLI 9.9",
        "WireMock 3.13",
        "MockServer 7.6",
    ];
    if let Some((peer, peer_rate)) = peers
        .iter()
        .filter_map(|p| rate(p).map(|r| (*p, r)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
    {
        println!(
            "native engine / best peer ({peer}): {:.1}x",
            native / peer_rate
        );
    }
    if let Some(fastapi) = rate("FastAPI mock") {
        println!("native engine / FastAPI mock: {:.1}x", native / fastapi);
    }
    if let Some(bare) = rate("bare FastAPI") {
        println!("native engine / bare FastAPI: {:.1}x", native / bare);
    }
    let on: Vec<f64> = results.runs[0].iter().map(|r| r.rate).collect();
    let off: Vec<f64> = results.runs[1].iter().map(|r| r.rate).collect();
    let costs: Vec<f64> = on
        .iter()
        .zip(&off)
        .map(|(on, off)| (1.0 - on / off) * 100.0)
        .collect();
    println!(
        "native logging cost (per round {costs:.1?}): median {:.1}%; {rows_checked} rows checked, none lost",
        median(&costs)
    );
}

/// GitHub's spec served from the spec: time to the first 200, memory.
fn github() -> anyhow::Result<()> {
    let spec = shared_specs_dir().join("github/api.github.com.json");
    if !spec.is_file() {
        println!("SKIP GitHub: {} is missing", spec.display());
        return Ok(());
    }
    let binary = binary::mockloop_mcp()?;
    let port = free_port();
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let mut child = Command::new(&binary)
            .arg("serve")
            .arg(&spec)
            .args(["--port", &port.to_string()])
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("http://127.0.0.1:{port}/meta");
        let mut first = None;
        while started.elapsed() < Duration::from_secs(60) {
            if client
                .get(&url)
                .send()
                .is_ok_and(|r| r.status().as_u16() == 200)
            {
                first = Some(started.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let rss = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .map(|l| l.trim_start_matches("VmRSS:").trim().to_owned())
            })
            .unwrap_or_default();
        let _ = wrk(
            &format!("http://127.0.0.1:{port}"),
            "/meta",
            THREADS,
            3,
            "github",
        );
        let rss_after = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .map(|l| l.trim_start_matches("VmRSS:").trim().to_owned())
            })
            .unwrap_or_default();
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", child.id())])
            .status();
        let _ = child.wait();
        match first {
            Some(elapsed) => {
                println!(
                    "GitHub (1,223 operations) from the spec: first 200 on GET /meta after {elapsed:.2?}; RSS {rss} at start, {rss_after} after 3 s of load"
                );
                times.push(elapsed.as_secs_f64());
            }
            None => println!("GitHub: no 200 on GET /meta within 60 s"),
        }
    }
    if !times.is_empty() {
        println!("GitHub first 200: median {:.2} s", median(&times));
    }
    Ok(())
}
