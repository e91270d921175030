//! Load tests: valid requests made from the spec, sent by `concurrency`
//! connections as fast as they are answered (closed model) or at a target
//! rate (open model: latency counts from when each request was due, so a
//! slow server cannot hide it by delaying the sender), for a count or a
//! duration; latency, statuses and errors overall and per operation.
mod stats;
mod wire;

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::api::Api;
use super::invalid;
use super::requests::RequestMaker;
use crate::admin_client::AdminClient;
use crate::error::{Error, Result};
use crate::logs::LogFilter;
pub use stats::{LatencySummary, LoadErrors, OperationLoad};
use stats::{Outcome, Sample, Totals};
use wire::{Answer, Connection, Encoded, WireError};

/// Request variants made per operation (different values, optional
/// parameters in and out), sent in turn.
const VARIANTS: u32 = 8;
/// Most connections.
const MAX_CONCURRENCY: u32 = 10_000;

/// How much traffic, and how.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The server's URL (scheme, host, port; the spec's base path is added).
    pub url: String,
    /// The spec (file or URL) or the mock's folder the requests come from.
    pub spec: String,
    /// Stop after this many requests (default 1,000 when no duration).
    pub requests: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Connections, each with one request in flight.
    pub concurrency: u32,
    /// Requests per second to aim for (open model); `None`: as fast as
    /// the server answers.
    pub rate: Option<f64>,
    /// Operations to include (`METHOD /path` or operationId, `:WEIGHT`
    /// optional); empty: all.
    pub operations: Vec<String>,
    /// Time to reach full concurrency (or rate).
    pub ramp_up: Duration,
    /// Reuse connections (HTTP keep-alive).
    pub keep_alive: bool,
    /// How long one request may take.
    pub timeout: Duration,
    /// Varies the generated values.
    pub seed: u64,
    /// Send the mock's credentials where an operation needs them.
    pub credentials: bool,
    /// Headers sent with every request.
    pub headers: Vec<(String, String)>,
    /// Keep every request's timing (for `timings` in the result).
    pub keep_timings: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            url: String::new(),
            spec: String::new(),
            requests: None,
            duration: None,
            concurrency: 16,
            rate: None,
            operations: Vec::new(),
            ramp_up: Duration::ZERO,
            keep_alive: true,
            timeout: Duration::from_secs(10),
            seed: 0,
            credentials: true,
            headers: Vec::new(),
            keep_timings: false,
        }
    }
}

/// The result of a load test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct LoadReport {
    /// The server driven.
    pub url: String,
    /// `closed` (as fast as answered) or `open` (at a target rate).
    pub model: String,
    /// Connections used.
    pub concurrency: u32,
    /// The target rate, for the open model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_rate: Option<f64>,
    /// Requests sent.
    pub sent: u64,
    /// Answers received (any status).
    pub requests: u64,
    /// Wall time of the test, in seconds.
    pub duration_s: f64,
    /// Answers per second.
    pub throughput_rps: f64,
    /// Response bytes received (heads and bodies).
    pub bytes_received: u64,
    /// Latency of all answers.
    pub latency_ms: LatencySummary,
    /// Statuses received, with counts.
    pub statuses: BTreeMap<String, u64>,
    /// Failures by kind.
    pub errors: LoadErrors,
    /// Per operation.
    pub operations: Vec<OperationLoad>,
    /// For a mockloop mock: the rows its request log gained in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_rows_gained: Option<u64>,
    /// Whether the test was stopped before its end.
    pub cancelled: bool,
    /// Things worth knowing (a failed log count, connect errors).
    pub notes: Vec<String>,
}

/// One request's timing, kept when asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The index of the operation in the report's `operations`.
    pub operation: u32,
    /// The status, or 0 for a request that got no answer.
    pub status: u16,
    /// When it was due (open model) or sent, from the start, in µs.
    pub start_us: u64,
    /// Until its answer (or failure), in µs.
    pub latency_us: u64,
}

/// A progress report while the test runs.
#[derive(Debug, Clone, Copy)]
pub struct LoadProgress {
    /// Answers and failures so far.
    pub done: u64,
    /// The planned count, when the test is bounded by one.
    pub planned: Option<u64>,
    /// Time since the start.
    pub elapsed: Duration,
    /// The planned duration, when bounded by one.
    pub duration: Option<Duration>,
}

/// What the workers share.
struct Plan {
    address: SocketAddr,
    /// Encoded requests and their operation index, in mix order.
    mix: Vec<(u32, Encoded)>,
    limit: Option<u64>,
    deadline: Option<Instant>,
    start: Instant,
    rate: Option<f64>,
    ramp_up: Duration,
    keep_alive: bool,
    timeout: Duration,
    next: AtomicU64,
    done: AtomicU64,
    stop: Arc<AtomicBool>,
    keep_timings: bool,
    /// What the workers measured, handed over in batches.
    totals: std::sync::Mutex<Totals>,
}

/// Samples a worker keeps before handing them to the totals.
const BATCH: usize = 1024;

/// What one worker measured.
struct Measured {
    batch: Vec<Sample>,
    timings: Vec<Timing>,
    sent: u64,
    /// The first failure, in words.
    first_error: Option<String>,
}

/// Runs a load test; `progress` is called about twice a second, and the
/// test stops early (reporting what it did) when `stop` becomes true.
/// Also returns every request's timing when `keep_timings` is set.
pub async fn run_load_test(
    options: &LoadOptions,
    stop: Arc<AtomicBool>,
    progress: impl Fn(LoadProgress) + Send + 'static,
) -> Result<(LoadReport, Vec<Timing>)> {
    check(options)?;
    let api = Api::load(&options.spec)?;
    let picked = api.pick(&options.operations)?;
    if picked.is_empty() {
        return Err(invalid(
            "spec",
            "the spec has no operations to send requests to",
        ));
    }
    let (address, host) = resolve(&options.url)?;
    let mut maker = RequestMaker::for_url(
        &api,
        &options.url,
        options.seed,
        options.credentials,
        options.headers.clone(),
    );
    let mut mix: Vec<(u32, Encoded)> = Vec::new();
    let names: Vec<String> = picked.iter().map(|p| p.operation.key.clone()).collect();
    let mut per_operation: Vec<Vec<Encoded>> = Vec::new();
    for one in &picked {
        let variants = (0..VARIANTS)
            .map(|variant| {
                let request = maker.valid(one.operation, variant);
                wire::encode(&request, &host, options.keep_alive)
            })
            .collect();
        per_operation.push(variants);
    }
    // Weighted round robin, interleaved so no operation comes in bursts.
    let max_weight = picked.iter().map(|p| p.weight).max().unwrap_or(1);
    for variant in 0..VARIANTS as usize {
        for round in 0..max_weight {
            for (index, one) in picked.iter().enumerate() {
                if round < one.weight {
                    let request = per_operation[index]
                        [(variant + round as usize) % VARIANTS as usize]
                        .clone();
                    mix.push((index as u32, request));
                }
            }
        }
    }
    let admin = log_counter(&options.url, api.mock_dir.is_some()).await;
    let rows_before = match &admin {
        Some(client) => count_rows(client).await.ok(),
        None => None,
    };
    let limit = match (options.requests, options.duration) {
        (None, None) => Some(1_000),
        (requests, _) => requests,
    };
    let start = Instant::now();
    let plan = Arc::new(Plan {
        address,
        mix,
        limit,
        deadline: options.duration.map(|d| start + d),
        start,
        rate: options.rate,
        ramp_up: options.ramp_up,
        keep_alive: options.keep_alive,
        timeout: options.timeout,
        next: AtomicU64::new(0),
        done: AtomicU64::new(0),
        stop: stop.clone(),
        keep_timings: options.keep_timings,
        totals: std::sync::Mutex::new(Totals::new(names.len())?),
    });
    let concurrency = match limit {
        Some(limit) => options
            .concurrency
            .min(u32::try_from(limit).unwrap_or(u32::MAX))
            .max(1),
        None => options.concurrency,
    };
    let workers: Vec<_> = (0..concurrency)
        .map(|index| tokio::spawn(worker(plan.clone(), index, concurrency)))
        .collect();
    let watcher = {
        let plan = plan.clone();
        let duration = options.duration;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                progress(LoadProgress {
                    done: plan.done.load(Ordering::Relaxed),
                    planned: plan.limit,
                    elapsed: plan.start.elapsed(),
                    duration,
                });
            }
        })
    };
    let mut timings = Vec::new();
    let mut sent = 0;
    let mut first_error = None;
    for handle in workers {
        let measured = handle.await.map_err(|err| Error::Serve {
            what: "the load test".to_owned(),
            reason: format!("a worker failed: {err}"),
        })?;
        timings.extend(measured.timings);
        sent += measured.sent;
        if first_error.is_none() {
            first_error = measured.first_error;
        }
    }
    watcher.abort();
    let elapsed = start.elapsed();
    let totals = std::mem::replace(
        &mut *plan
            .totals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
        Totals::new(0)?,
    );
    let overall = totals.overall;
    let per_op = totals.operations;
    timings.sort_by_key(|timing| timing.start_us);
    let answers = overall.answers();
    let mut notes = Vec::new();
    let log_rows_gained = match (&admin, rows_before) {
        (Some(client), Some(before)) => rows_gained(client, before, answers).await,
        _ => None,
    };
    if admin.is_some() && log_rows_gained.is_none() {
        notes.push("the mock's request log could not be counted through its admin API".to_owned());
    }
    if overall.errors.connect > 0 {
        notes.push(format!(
            "{} connections were refused or failed: is the server running at {}?",
            overall.errors.connect, options.url
        ));
    }
    if let Some(error) = first_error {
        notes.push(format!("the first failure: {error}"));
    }
    let report = LoadReport {
        url: options.url.clone(),
        model: if options.rate.is_some() {
            "open"
        } else {
            "closed"
        }
        .to_owned(),
        concurrency,
        target_rate: options.rate,
        sent,
        requests: answers,
        duration_s: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        throughput_rps: (answers as f64 / elapsed.as_secs_f64().max(1e-9) * 10.0).round() / 10.0,
        bytes_received: overall.bytes,
        latency_ms: overall.summary(),
        statuses: overall.status_map(),
        errors: overall.errors.clone(),
        operations: names
            .iter()
            .zip(&per_op)
            .map(|(name, tally)| match tally {
                Some(tally) => OperationLoad {
                    operation: name.clone(),
                    requests: tally.answers(),
                    statuses: tally.status_map(),
                    latency_ms: tally.summary(),
                    errors: tally.errors.clone(),
                },
                None => OperationLoad {
                    operation: name.clone(),
                    requests: 0,
                    statuses: BTreeMap::new(),
                    latency_ms: LatencySummary::default(),
                    errors: LoadErrors::default(),
                },
            })
            .collect(),
        log_rows_gained,
        cancelled: stop.load(Ordering::Relaxed),
        notes,
    };
    Ok((report, timings))
}

fn check(options: &LoadOptions) -> Result<()> {
    if options.concurrency == 0 || options.concurrency > MAX_CONCURRENCY {
        return Err(invalid("concurrency", "give 1 to 10000 connections"));
    }
    if let Some(rate) = options.rate
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(invalid(
            "rate",
            "give a positive number of requests per second",
        ));
    }
    if options.requests == Some(0) {
        return Err(invalid("requests", "give at least 1 request"));
    }
    if options.duration.is_some_and(|d| d.is_zero()) {
        return Err(invalid("duration", "give a duration above 0 seconds"));
    }
    if options.timeout.is_zero() {
        return Err(invalid("timeout", "give a timeout above 0 seconds"));
    }
    Ok(())
}

/// The socket address and `Host` value of an `http://` URL.
fn resolve(url: &str) -> Result<(SocketAddr, String)> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|err| invalid("url", format!("{url:?} is not a URL: {err}")))?;
    if parsed.scheme() != "http" {
        return Err(invalid(
            "url",
            format!(
                "{url:?}: load tests speak plain http:// (put a TLS-terminating proxy in front for https)"
            ),
        ));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| invalid("url", format!("{url:?} has no host")))?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let address = (bare, port)
        .to_socket_addrs()
        .map_err(|err| invalid("url", format!("cannot resolve {host}: {err}")))?
        .next()
        .ok_or_else(|| invalid("url", format!("{host} has no address")))?;
    let host_header = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    Ok((address, host_header))
}

/// When request `index` is due, from the start (open model): `rate` per
/// second, reached linearly over `ramp` when there is one.
fn due(index: u64, rate: f64, ramp: Duration) -> Duration {
    let index = index as f64;
    let ramp_s = ramp.as_secs_f64();
    // Requests sent during the ramp: rate * ramp / 2.
    let during_ramp = rate * ramp_s / 2.0;
    let seconds = if ramp_s > 0.0 && index < during_ramp {
        (2.0 * index * ramp_s / rate).sqrt()
    } else {
        ramp_s + (index - during_ramp.min(index)) / rate
    };
    Duration::from_secs_f64(seconds)
}

async fn worker(plan: Arc<Plan>, index: u32, workers: u32) -> Measured {
    let mut measured = Measured {
        batch: Vec::with_capacity(BATCH),
        timings: Vec::new(),
        sent: 0,
        first_error: None,
    };
    if plan.rate.is_none() && !plan.ramp_up.is_zero() {
        let delay = plan.ramp_up.mul_f64(f64::from(index) / f64::from(workers));
        tokio::time::sleep(delay).await;
    }
    let mut connection: Option<Connection> = None;
    let timer = tokio::time::sleep(plan.timeout);
    tokio::pin!(timer);
    loop {
        if plan.stop.load(Ordering::Relaxed) {
            break;
        }
        let number = plan.next.fetch_add(1, Ordering::Relaxed);
        if plan.limit.is_some_and(|limit| number >= limit) {
            break;
        }
        let started = match plan.rate {
            Some(rate) => {
                let at = plan.start + due(number, rate, plan.ramp_up);
                if plan
                    .deadline
                    .is_some_and(|deadline| at >= deadline || Instant::now() >= deadline)
                {
                    break;
                }
                if at > Instant::now() {
                    // Idle until it is due: latency counts from when it is
                    // sent (the timer's millisecond granularity is the
                    // client's delay, not the server's).
                    tokio::time::sleep_until(at.into()).await;
                    Instant::now()
                } else {
                    // Overdue because every connection was busy: latency
                    // counts from when it was due (no coordinated omission).
                    at
                }
            }
            None => {
                let now = Instant::now();
                if plan.deadline.is_some_and(|deadline| now >= deadline) {
                    break;
                }
                now
            }
        };
        let (operation, request) = &plan.mix[(number % plan.mix.len() as u64) as usize];
        measured.sent += 1;
        // One timer per worker, re-armed for each request (cheaper than a
        // new `timeout` future every time).
        timer.as_mut().reset((Instant::now() + plan.timeout).into());
        let outcome = tokio::select! {
            biased;
            answer = send(&plan, &mut connection, request) => Ok(answer),
            () = timer.as_mut() => Err(()),
        };
        let latency = started.elapsed().as_micros() as u64;
        let (status, recorded) = match outcome {
            Ok(Ok(answer)) => {
                if !(answer.reusable && plan.keep_alive) {
                    connection = None;
                }
                (answer.status, Outcome::Answer(answer.status, answer.bytes))
            }
            Ok(Err(error)) => {
                connection = None;
                let kind = match &error {
                    WireError::Connect(_) => Outcome::Connect,
                    WireError::Io(_) | WireError::Protocol(_) => Outcome::Io,
                };
                if measured.first_error.is_none() {
                    measured.first_error = Some(error.to_string());
                }
                if matches!(error, WireError::Connect(_)) {
                    // Do not spin against a server that is not there.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                (0, kind)
            }
            Err(()) => {
                connection = None;
                (0, Outcome::Timeout)
            }
        };
        measured.batch.push(Sample {
            operation: *operation,
            outcome: recorded,
            micros: latency,
        });
        if measured.batch.len() >= BATCH {
            hand_over(&plan, &mut measured.batch);
        }
        plan.done.fetch_add(1, Ordering::Relaxed);
        if plan.keep_timings {
            measured.timings.push(Timing {
                operation: *operation,
                status,
                start_us: started.duration_since(plan.start).as_micros() as u64,
                latency_us: latency,
            });
        }
    }
    hand_over(&plan, &mut measured.batch);
    measured
}

fn hand_over(plan: &Plan, batch: &mut Vec<Sample>) {
    plan.totals
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .add(batch);
    batch.clear();
}

async fn send(
    plan: &Plan,
    connection: &mut Option<Connection>,
    request: &Encoded,
) -> std::result::Result<Answer, WireError> {
    let reused = connection.is_some();
    if connection.is_none() {
        *connection = Some(Connection::open(plan.address).await?);
    }
    let Some(open) = connection.as_mut() else {
        return Err(WireError::Protocol("no connection".to_owned()));
    };
    match open.exchange(request).await {
        // A kept-alive connection the server closed meanwhile: once more on
        // a fresh one (the request was not answered, so not counted).
        Err(WireError::Io(_)) if reused => {
            let fresh = connection.insert(Connection::open(plan.address).await?);
            fresh.exchange(request).await
        }
        other => other,
    }
}

/// An admin client when `url` is a mockloop mock (its `/health` says so).
async fn log_counter(url: &str, is_mock_dir: bool) -> Option<AdminClient> {
    // The admin API is at the origin, whatever base path the URL names.
    let origin = url::Url::parse(url).ok()?.origin().ascii_serialization();
    let client = AdminClient::new(&origin).ok()?;
    match count_rows(&client).await {
        Ok(_) => Some(client),
        Err(_) if is_mock_dir => Some(client),
        Err(_) => None,
    }
}

async fn count_rows(client: &AdminClient) -> Result<u64> {
    let filter = LogFilter {
        limit: Some(1),
        ..LogFilter::default()
    };
    let page = client.search_logs(&filter).await?;
    Ok(page.total_count)
}

/// Rows gained since `before`, once the mock has written out its log (the
/// native engine batches): polled until `expected` more are there or the
/// count stops moving.
async fn rows_gained(client: &AdminClient, before: u64, expected: u64) -> Option<u64> {
    let mut last = None;
    let mut still = 0;
    for _ in 0..50 {
        let now = count_rows(client).await.ok()?;
        let gained = now.saturating_sub(before);
        if gained >= expected {
            return Some(gained);
        }
        if last == Some(gained) {
            still += 1;
            if still >= 5 {
                return Some(gained);
            }
        } else {
            still = 0;
        }
        last = Some(gained);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    last
}
