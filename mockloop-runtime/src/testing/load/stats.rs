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

/// Counters of one operation (or all), kept by one worker.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    pub(crate) latency: Histogram<u64>,
    pub(crate) statuses: BTreeMap<u16, u64>,
    pub(crate) errors: LoadErrors,
}

impl Tally {
    /// Empty counters whose histogram has `template`'s range.
    pub(crate) fn new(template: &Histogram<u64>) -> Self {
        Self {
            latency: Histogram::new_from(template),
            statuses: BTreeMap::new(),
            errors: LoadErrors::default(),
        }
    }

    /// Records an answer with `status` after `micros`.
    pub(crate) fn answer(&mut self, status: u16, micros: u64) {
        self.latency.saturating_record(micros.clamp(1, HIGHEST));
        *self.statuses.entry(status).or_default() += 1;
        if status / 100 != 2 {
            self.errors.non_2xx += 1;
        }
    }

    /// Adds `other` into this one.
    pub(crate) fn merge(&mut self, other: &Tally) {
        // Both histograms cover the same range, so adding cannot fail.
        let _ = self.latency.add(&other.latency);
        for (status, count) in &other.statuses {
            *self.statuses.entry(*status).or_default() += count;
        }
        self.errors.connect += other.errors.connect;
        self.errors.timeout += other.errors.timeout;
        self.errors.io += other.errors.io;
        self.errors.non_2xx += other.errors.non_2xx;
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

/// An empty histogram from 1 µs to an hour at 3 significant digits.
pub(crate) fn template() -> crate::error::Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, HIGHEST, 3).map_err(|err| crate::error::Error::Serve {
        what: "the load test".to_owned(),
        reason: format!("cannot make a latency histogram: {err}"),
    })
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
