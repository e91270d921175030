//! Analysis of request-log rows: the same figures as the mock's
//! `/admin/api/logs/analyze`, plus status classes, the slowest endpoints,
//! sessions and recommendations.
//!
//! One pass over the rows feeds an [`Accumulator`]; latencies are sorted
//! once per group at the end. [`LogStore::analyze`] streams only the needed
//! columns out of SQLite (the filters run in SQL), so a million rows take
//! well under a second in release builds.
mod insights;
mod report;

use std::collections::{BTreeMap, HashMap};

use rusqlite::params_from_iter;

use crate::error::Result;
use crate::logs::{LogFilter, LogStore, RequestLog};

pub use report::{
    EndpointStats, Latency, Report, SessionStats, SlowEndpoint, TimeRange, TrafficBucket,
};

const TOP_SESSIONS: usize = 10;
const SLOWEST: usize = 5;

/// The `p`-th percentile (0-100) of ascending values, interpolated linearly
/// between the closest ranks: rank `r = p/100·(n−1)`, result
/// `v[⌊r⌋] + (v[⌈r⌉] − v[⌊r⌋])·(r − ⌊r⌋)`; 0 for no values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor(), rank.ceil());
    let value = |i: f64| sorted.get(i as usize).copied().unwrap_or_default();
    value(low) + (value(high) - value(low)) * (rank - low)
}

/// Mean, min, max and percentiles; sorts `values`.
pub fn latency(values: &mut [f64]) -> Latency {
    values.sort_unstable_by(f64::total_cmp);
    // Summed in ascending order, left to right, like Python's sum(sorted(..)).
    let sum: f64 = values.iter().fold(0.0, |acc, v| acc + v);
    Latency {
        mean: if values.is_empty() {
            0.0
        } else {
            sum / values.len() as f64
        },
        min: values.first().copied().unwrap_or_default(),
        max: values.last().copied().unwrap_or_default(),
        p50: percentile(values, 50.0),
        p90: percentile(values, 90.0),
        p95: percentile(values, 95.0),
        p99: percentile(values, 99.0),
    }
}

/// Analyses rows already in memory.
pub fn analyze(rows: &[RequestLog]) -> Report {
    let mut acc = Accumulator::default();
    for row in rows {
        acc.add(&Sample {
            timestamp: &row.timestamp,
            method: &row.method,
            path: &row.path,
            status: row.status_code,
            ms: row.process_time_ms,
            session: row.session_id.as_deref(),
            operation: row.operation_key.as_deref(),
        });
    }
    acc.finish()
}

impl LogStore {
    /// Analyses the rows the filter selects (every matching row unless the
    /// filter has a `limit`), reading only the columns the figures need.
    pub fn analyze(&self, filter: &LogFilter) -> Result<Report> {
        let checked = filter.check()?;
        let sql = format!(
            "SELECT timestamp, method, path, status_code, process_time_ms, session_id, operation_key \
             FROM request_logs{} ORDER BY id DESC",
            checked.where_sql
        );
        let err = self.db_error();
        let mut stmt = self.conn().prepare(&sql).map_err(&err)?;
        let mut rows = stmt
            .query(params_from_iter(checked.args.iter()))
            .map_err(&err)?;
        let mut acc = Accumulator::default();
        let mut skip = checked.offset;
        let mut left = checked.limit.map_or(u64::MAX, u64::from);
        while left > 0
            && let Some(row) = rows.next().map_err(&err)?
        {
            let text = |i: usize| {
                row.get_ref(i)
                    .ok()
                    .and_then(|v| v.as_str_or_null().ok().flatten())
            };
            let path = text(2).unwrap_or_default();
            if !checked.path_matches(path) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            left -= 1;
            acc.add(&Sample {
                timestamp: text(0).unwrap_or_default(),
                method: text(1).unwrap_or_default(),
                path,
                status: row.get::<_, u16>(3).map_err(&err)?,
                ms: row.get::<_, f64>(4).map_err(&err)?,
                session: text(5),
                operation: text(6).filter(|k| !k.is_empty()),
            });
        }
        Ok(acc.finish())
    }
}

/// The columns of one row that the figures use.
struct Sample<'a> {
    timestamp: &'a str,
    method: &'a str,
    path: &'a str,
    status: u16,
    ms: f64,
    session: Option<&'a str>,
    operation: Option<&'a str>,
}

#[derive(Default)]
struct Group {
    count: u64,
    errors: u64,
    statuses: BTreeMap<u16, u64>,
    times: Vec<f64>,
}

struct Session {
    count: u64,
    errors: u64,
    first: String,
    last: String,
}

/// Running totals over rows in any order.
#[derive(Default)]
struct Accumulator {
    total: u64,
    errors: u64,
    first: Option<String>,
    last: Option<String>,
    methods: BTreeMap<String, u64>,
    statuses: BTreeMap<u16, u64>,
    times: Vec<f64>,
    endpoints: HashMap<String, Group>,
    sessions: HashMap<String, Session>,
    minutes: HashMap<String, (u64, u64)>,
    key: String,
}

impl Accumulator {
    fn add(&mut self, s: &Sample<'_>) {
        let error = s.status >= 400;
        self.total += 1;
        self.errors += u64::from(error);
        if self.first.as_deref().is_none_or(|f| s.timestamp < f) {
            self.first = Some(s.timestamp.to_owned());
        }
        if self.last.as_deref().is_none_or(|l| s.timestamp > l) {
            self.last = Some(s.timestamp.to_owned());
        }
        bump(&mut self.methods, s.method, 1);
        *self.statuses.entry(s.status).or_default() += 1;
        self.times.push(s.ms);
        self.key.clear();
        match s.operation {
            Some(key) => self.key.push_str(key),
            None => {
                self.key.push_str(s.method);
                self.key.push(' ');
                self.key.push_str(s.path);
            }
        }
        let group = match self.endpoints.get_mut(self.key.as_str()) {
            Some(group) => group,
            None => self.endpoints.entry(self.key.clone()).or_default(),
        };
        group.count += 1;
        group.errors += u64::from(error);
        *group.statuses.entry(s.status).or_default() += 1;
        group.times.push(s.ms);
        let minute = s.timestamp.get(..16).unwrap_or(s.timestamp);
        let bucket = match self.minutes.get_mut(minute) {
            Some(bucket) => bucket,
            None => self.minutes.entry(minute.to_owned()).or_default(),
        };
        bucket.0 += 1;
        bucket.1 += u64::from(error);
        if let Some(id) = s.session.filter(|id| !id.is_empty()) {
            self.add_session(id, s.timestamp, error);
        }
    }

    fn add_session(&mut self, id: &str, timestamp: &str, error: bool) {
        if let Some(session) = self.sessions.get_mut(id) {
            session.count += 1;
            session.errors += u64::from(error);
            if timestamp < session.first.as_str() {
                session.first = timestamp.to_owned();
            }
            if timestamp > session.last.as_str() {
                session.last = timestamp.to_owned();
            }
        } else {
            let session = Session {
                count: 1,
                errors: u64::from(error),
                first: timestamp.to_owned(),
                last: timestamp.to_owned(),
            };
            self.sessions.insert(id.to_owned(), session);
        }
    }

    fn finish(mut self) -> Report {
        let mut endpoints: Vec<EndpointStats> = self
            .endpoints
            .drain()
            .map(|(endpoint, mut group)| EndpointStats {
                endpoint,
                count: group.count,
                error_count: group.errors,
                error_rate: rate(group.errors, group.count),
                status_codes: codes(&group.statuses),
                latency_ms: latency(&mut group.times),
            })
            .collect();
        endpoints.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.endpoint.cmp(&b.endpoint))
        });
        let mut slowest: Vec<SlowEndpoint> = endpoints
            .iter()
            .map(|e| SlowEndpoint {
                endpoint: e.endpoint.clone(),
                count: e.count,
                p95_ms: e.latency_ms.p95,
                max_ms: e.latency_ms.max,
            })
            .collect();
        // Stable: ties keep the busiest-first order, like Python's max().
        slowest.sort_by(|a, b| b.p95_ms.total_cmp(&a.p95_ms));
        slowest.truncate(SLOWEST);
        let mut traffic: Vec<TrafficBucket> = self
            .minutes
            .drain()
            .map(|(minute, (count, error_count))| TrafficBucket {
                minute,
                count,
                error_count,
            })
            .collect();
        traffic.sort_by(|a, b| a.minute.cmp(&b.minute));
        let session_count = self.sessions.len() as u64;
        let mut top_sessions: Vec<SessionStats> = self
            .sessions
            .drain()
            .map(|(session_id, s)| SessionStats {
                session_id,
                count: s.count,
                error_count: s.errors,
                first: s.first,
                last: s.last,
            })
            .collect();
        top_sessions.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.session_id.cmp(&b.session_id))
        });
        top_sessions.truncate(TOP_SESSIONS);
        let mut classes = BTreeMap::new();
        for (status, count) in &self.statuses {
            *classes.entry(format!("{}xx", status / 100)).or_default() += count;
        }
        let mut report = Report {
            total_requests: self.total,
            time_range: TimeRange {
                first: self.first,
                last: self.last,
            },
            methods: self.methods,
            status_codes: codes(&self.statuses),
            status_classes: classes,
            error_count: self.errors,
            error_rate: rate(self.errors, self.total),
            latency_ms: latency(&mut self.times),
            sessions: session_count,
            top_sessions,
            endpoints,
            slowest_endpoints: slowest,
            traffic,
            insights: Vec::new(),
            recommendations: Vec::new(),
        };
        report.insights = insights::insights(&report);
        report.recommendations = insights::recommendations(&report);
        report
    }
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str, by: u64) {
    match map.get_mut(key) {
        Some(count) => *count += by,
        None => {
            map.insert(key.to_owned(), by);
        }
    }
}

fn codes(statuses: &BTreeMap<u16, u64>) -> BTreeMap<String, u64> {
    statuses
        .iter()
        .map(|(code, n)| (code.to_string(), *n))
        .collect()
}

fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let values = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&values, 50.0), 2.5);
        assert!((percentile(&values, 90.0) - 3.7).abs() < 1e-12);
        assert_eq!(percentile(&values, 0.0), 1.0);
        assert_eq!(percentile(&values, 100.0), 4.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
