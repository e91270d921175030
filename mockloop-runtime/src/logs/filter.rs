//! The filters of a log query, checked the way the mock's
//! `/admin/api/logs/search` checks them (`mockloop_mock/log_query.py`).
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The longest `path_pattern` accepted.
pub const MAX_PATTERN: usize = 500;
/// The largest page of a search.
pub const MAX_LIMIT: u32 = 10_000;
/// The page size when none is given.
pub const DEFAULT_LIMIT: u32 = 100;

/// Which rows of the request log to read. Every field is optional; the
/// default matches every non-admin request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogFilter {
    /// HTTP method (any case).
    pub method: Option<String>,
    /// A regular expression searched for in the request path.
    pub path_pattern: Option<String>,
    /// An exact status code.
    pub status_code: Option<u16>,
    /// ISO 8601 lower bound, inclusive (no zone means UTC).
    pub time_from: Option<String>,
    /// ISO 8601 upper bound, inclusive (no zone means UTC).
    pub time_to: Option<String>,
    /// Only the requests of this `X-Session-Id`.
    pub session_id: Option<String>,
    /// Include requests to the admin API.
    pub include_admin: bool,
    /// At most this many rows (newest first).
    pub limit: Option<u32>,
    /// Skip this many matching rows first.
    pub offset: u64,
}

/// A [`LogFilter`] after checking: the SQL `WHERE` clause, its arguments
/// and the compiled pattern.
#[derive(Debug)]
pub(crate) struct CheckedFilter {
    pub(crate) where_sql: String,
    pub(crate) args: Vec<rusqlite::types::Value>,
    pub(crate) pattern: Option<Regex>,
    pub(crate) limit: Option<u32>,
    pub(crate) offset: u64,
}

impl CheckedFilter {
    /// Whether a path passes the pattern.
    pub(crate) fn path_matches(&self, path: &str) -> bool {
        self.pattern.as_ref().is_none_or(|re| re.is_match(path))
    }
}

impl LogFilter {
    /// Checks every filter; errors name the filter and what is expected.
    pub(crate) fn check(&self) -> Result<CheckedFilter> {
        use rusqlite::types::Value as Sql;
        let mut clauses: Vec<&str> = Vec::new();
        let mut args = Vec::new();
        if let Some(method) = self
            .method
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            clauses.push("method = ?");
            args.push(Sql::Text(method.to_ascii_uppercase()));
        }
        if let Some(status) = self.status_code {
            if !(100..=599).contains(&status) {
                return Err(invalid(
                    "status_code",
                    format!("expected 100-599, got {status}"),
                ));
            }
            clauses.push("status_code = ?");
            args.push(Sql::Integer(i64::from(status)));
        }
        if let Some(text) = non_empty(&self.time_from) {
            clauses.push("timestamp >= ?");
            args.push(Sql::Text(parse_time("time_from", text, false)?));
        }
        if let Some(text) = non_empty(&self.time_to) {
            clauses.push("timestamp <= ?");
            args.push(Sql::Text(parse_time("time_to", text, true)?));
        }
        if let Some(session) = non_empty(&self.session_id) {
            clauses.push("session_id = ?");
            args.push(Sql::Text(session.to_owned()));
        }
        if !self.include_admin {
            clauses.push("is_admin = 0");
        }
        if let Some(limit) = self.limit
            && !(1..=MAX_LIMIT).contains(&limit)
        {
            return Err(invalid(
                "limit",
                format!("expected 1-{MAX_LIMIT}, got {limit}"),
            ));
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        Ok(CheckedFilter {
            where_sql,
            args,
            pattern: non_empty(&self.path_pattern).map(compile).transpose()?,
            limit: self.limit,
            offset: self.offset,
        })
    }
}

fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref().filter(|t| !t.is_empty())
}

fn invalid(name: &str, reason: String) -> Error {
    Error::InvalidArgument {
        name: name.to_owned(),
        reason,
    }
}

/// Compiles a path pattern with bounded size. Rust's regex engine runs in
/// linear time, so no pattern can take exponential time; look-around and
/// back-references are not supported.
fn compile(pattern: &str) -> Result<Regex> {
    if pattern.chars().count() > MAX_PATTERN {
        return Err(invalid(
            "path_pattern",
            format!("longer than {MAX_PATTERN} characters"),
        ));
    }
    RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 22)
        .build()
        .map_err(|err| {
            invalid(
                "path_pattern",
                format!("not a valid regular expression (look-around and back-references are not supported): {err}"),
            )
        })
}

/// An ISO 8601 time as the log stores it (`2024-05-01T12:00:00.123Z`),
/// rounded inwards to whole milliseconds so inclusive bounds stay exact.
/// A time without a zone is UTC; a date alone is its midnight.
pub fn parse_time(name: &str, text: &str, upper: bool) -> Result<String> {
    let moment = parse_moment(text.trim()).ok_or_else(|| {
        invalid(
            name,
            format!("{text:?} is not an ISO 8601 time (e.g. 2024-05-01T12:00:00Z)"),
        )
    })?;
    let extra = moment.nanosecond() % 1_000_000;
    let mut moment = moment - TimeDelta::nanoseconds(i64::from(extra));
    if extra != 0 && !upper {
        moment += TimeDelta::milliseconds(1);
    }
    Ok(moment.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

fn parse_moment(text: &str) -> Option<DateTime<Utc>> {
    let text = text.replacen(' ', "T", 1);
    if let Ok(moment) = DateTime::parse_from_rfc3339(&text.replace('z', "Z")) {
        return Some(moment.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(moment) = DateTime::parse_from_str(&text.replace('Z', "+00:00"), format) {
            return Some(moment.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&text, format) {
            return Some(naive.and_utc());
        }
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_normalised_to_utc_milliseconds() {
        let cases = [
            ("2024-05-01T12:00:00Z", false, "2024-05-01T12:00:00.000Z"),
            ("2024-05-01 12:00:00", false, "2024-05-01T12:00:00.000Z"),
            (
                "2024-05-01T14:00:00+02:00",
                false,
                "2024-05-01T12:00:00.000Z",
            ),
            (
                "2024-05-01T12:00:00.1234Z",
                false,
                "2024-05-01T12:00:00.124Z",
            ),
            (
                "2024-05-01T12:00:00.1234Z",
                true,
                "2024-05-01T12:00:00.123Z",
            ),
            ("2024-05-01T12:00", true, "2024-05-01T12:00:00.000Z"),
            ("2024-05-01", false, "2024-05-01T00:00:00.000Z"),
        ];
        for (text, upper, want) in cases {
            assert_eq!(parse_time("t", text, upper).unwrap(), want, "{text}");
        }
        assert!(parse_time("t", "yesterday", false).is_err());
    }

    #[test]
    fn bad_filters_are_named() {
        let err = LogFilter {
            path_pattern: Some("(".into()),
            ..LogFilter::default()
        }
        .check()
        .unwrap_err();
        assert!(err.to_string().starts_with("path_pattern:"), "{err}");
        let err = LogFilter {
            limit: Some(0),
            ..LogFilter::default()
        }
        .check()
        .unwrap_err();
        assert!(err.to_string().starts_with("limit:"), "{err}");
    }
}
