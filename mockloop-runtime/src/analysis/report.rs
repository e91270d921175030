//! The figures of an analysis, as they appear in JSON.
//!
//! The fields shared with the mock's `/admin/api/logs/analyze`
//! (`mockloop_mock/analysis.py`) have the same names and values; the others
//! are added by the Rust analysis.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An analysis of request-log rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct Report {
    /// How many requests were analysed.
    pub total_requests: u64,
    /// The first and last timestamps.
    pub time_range: TimeRange,
    /// Requests per HTTP method.
    pub methods: BTreeMap<String, u64>,
    /// Requests per status code.
    pub status_codes: BTreeMap<String, u64>,
    /// Requests per status class (`2xx`, `4xx`...).
    pub status_classes: BTreeMap<String, u64>,
    /// Requests answered with status 400 or more.
    pub error_count: u64,
    /// `error_count / total_requests` (0 when there are none).
    pub error_rate: f64,
    /// Response times over all requests.
    pub latency_ms: Latency,
    /// How many distinct `X-Session-Id`s were seen.
    pub sessions: u64,
    /// The busiest sessions (at most 10).
    pub top_sessions: Vec<SessionStats>,
    /// Per endpoint (`operation_key`, or `METHOD path` when no route
    /// matched), busiest first.
    pub endpoints: Vec<EndpointStats>,
    /// The endpoints with the highest p95 latency (at most 5), slowest first.
    pub slowest_endpoints: Vec<SlowEndpoint>,
    /// Requests and errors per minute (UTC), in time order.
    pub traffic: Vec<TrafficBucket>,
    /// Observations in plain words.
    pub insights: Vec<String>,
    /// What to do about them.
    pub recommendations: Vec<String>,
}

/// The first and last timestamps of a set of rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct TimeRange {
    /// The earliest timestamp (absent when there are no rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    /// The latest timestamp (absent when there are no rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

/// Latency figures in milliseconds; percentiles interpolate linearly
/// between closest ranks (rank = p/100·(n−1), numpy's default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct Latency {
    /// Arithmetic mean.
    pub mean: f64,
    /// Fastest.
    pub min: f64,
    /// Slowest.
    pub max: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// The figures of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct EndpointStats {
    /// `METHOD /path/template`.
    pub endpoint: String,
    /// Requests.
    pub count: u64,
    /// Requests with status 400 or more.
    pub error_count: u64,
    /// `error_count / count`.
    pub error_rate: f64,
    /// Requests per status code.
    pub status_codes: BTreeMap<String, u64>,
    /// Response times.
    pub latency_ms: Latency,
}

/// An endpoint among the slowest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct SlowEndpoint {
    /// `METHOD /path/template`.
    pub endpoint: String,
    /// Requests.
    pub count: u64,
    /// 95th percentile latency (ms).
    pub p95_ms: f64,
    /// Slowest request (ms).
    pub max_ms: f64,
}

/// The figures of one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct SessionStats {
    /// The `X-Session-Id`.
    pub session_id: String,
    /// Requests.
    pub count: u64,
    /// Requests with status 400 or more.
    pub error_count: u64,
    /// Its first request.
    pub first: String,
    /// Its last request.
    pub last: String,
}

/// One minute of traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct TrafficBucket {
    /// `2024-05-01T12:34` (UTC).
    pub minute: String,
    /// Requests.
    pub count: u64,
    /// Requests with status 400 or more.
    pub error_count: u64,
}
