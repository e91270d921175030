//! What a load test measured: latency histograms (HdrHistogram, 3
//! significant digits, in microseconds), statuses and errors, per worker
//! while it runs and merged for the report.
use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Latencies above this (an hour, in µs) are recorded as this.
const HIGHEST: u64 = 3_600_000_000;

/// Latency figures in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct LatencySummary {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

/// Requests that got no usable answer, by kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct LoadErrors {
    /// The connection could not be opened.
    pub connect: u64,
    /// No complete answer within the timeout.
    pub timeout: u64,
    /// The connection broke, or the answer was not valid HTTP.
    pub io: u64,
    /// Answers with a status outside 2xx (counted in `requests` too).
    pub non_2xx: u64,
}

/// One operation's share of a load test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct OperationLoad {
    /// `METHOD /path`.
    pub operation: String,
    /// Answers received.
    pub requests: u64,
    /// Statuses received, with counts.
    pub statuses: BTreeMap<String, u64>,
    /// Latency of its answers.
    pub latency_ms: LatencySummary,
    /// Its failures.
    pub errors: LoadErrors,
}

/// How one request ended.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    /// An answer with this status and this many bytes.
    Answer(u16, u64),
    /// The connection could not be opened.
    Connect,
    /// The connection broke or the answer was not HTTP.
    Io,
    /// No answer in time.
    Timeout,
}

/// One request's outcome, as a worker hands it over.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) operation: u32,
    pub(crate) outcome: Outcome,
    pub(crate) micros: u64,
}

/// Counters of one operation, or of all.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    pub(crate) latency: Histogram<u64>,
    /// Response bytes read (heads and bodies).
    pub(crate) bytes: u64,
    pub(crate) statuses: BTreeMap<u16, u64>,
    pub(crate) errors: LoadErrors,
}

impl Tally {
    fn new(digits: u8) -> crate::error::Result<Self> {
        let latency = Histogram::new_with_bounds(1, HIGHEST, digits).map_err(|err| {
            crate::error::Error::Serve {
                what: "the load test".to_owned(),
                reason: format!("cannot make a latency histogram: {err}"),
            }
        })?;
        Ok(Self {
            latency,
            bytes: 0,
            statuses: BTreeMap::new(),
            errors: LoadErrors::default(),
        })
    }

    fn record(&mut self, outcome: Outcome, micros: u64) {
        match outcome {
            Outcome::Answer(status, bytes) => {
                self.latency.saturating_record(micros.clamp(1, HIGHEST));
                self.bytes += bytes;
                *self.statuses.entry(status).or_default() += 1;
                if status / 100 != 2 {
                    self.errors.non_2xx += 1;
                }
            }
            Outcome::Connect => self.errors.connect += 1,
            Outcome::Io => self.errors.io += 1,
            Outcome::Timeout => self.errors.timeout += 1,
        }
    }

    /// Answers received.
    pub(crate) fn answers(&self) -> u64 {
        self.latency.len()
    }

    pub(crate) fn summary(&self) -> LatencySummary {
        if self.latency.is_empty() {
            return LatencySummary::default();
        }
        let ms = |micros: u64| round3(micros as f64 / 1000.0);
        LatencySummary {
            mean: round3(self.latency.mean() / 1000.0),
            p50: ms(self.latency.value_at_quantile(0.50)),
            p90: ms(self.latency.value_at_quantile(0.90)),
            p95: ms(self.latency.value_at_quantile(0.95)),
            p99: ms(self.latency.value_at_quantile(0.99)),
            max: ms(self.latency.max()),
        }
    }

    pub(crate) fn status_map(&self) -> BTreeMap<String, u64> {
        self.statuses
            .iter()
            .map(|(status, count)| (status.to_string(), *count))
            .collect()
    }
}

/// Everything measured, shared by the workers, which hand over their
/// samples in batches. The overall histogram has 3 significant digits; an
/// operation's (made when it first answers) 2, so a spec of a thousand
/// operations costs megabytes, not gigabytes.
#[derive(Debug)]
pub(crate) struct Totals {
    pub(crate) overall: Tally,
    pub(crate) operations: Vec<Option<Tally>>,
}

impl Totals {
    pub(crate) fn new(operations: usize) -> crate::error::Result<Self> {
        Ok(Self {
            overall: Tally::new(3)?,
            operations: vec![None; operations],
        })
    }

    /// Adds a batch of samples.
    pub(crate) fn add(&mut self, samples: &[Sample]) {
        for sample in samples {
            self.overall.record(sample.outcome, sample.micros);
            let Some(slot) = self.operations.get_mut(sample.operation as usize) else {
                continue;
            };
            if slot.is_none() {
                *slot = Tally::new(2).ok();
            }
            if let Some(tally) = slot {
                tally.record(sample.outcome, sample.micros);
            }
        }
    }
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
