//! Reading a mock's request log (`<mock_dir>/db/request_logs.db`, table
//! `request_logs`, written by `mockloop_mock/logging_db.py`) with rusqlite.
mod filter;
mod schema;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, Row, params_from_iter};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub(crate) use filter::CheckedFilter;
pub use filter::{DEFAULT_LIMIT, LogFilter, MAX_LIMIT};
pub use schema::{database_migrations, database_schema_version, migrate_database};

/// Where a generated mock keeps its log, relative to its folder.
pub const LOG_DB_RELATIVE: &str = "db/request_logs.db";

const COLUMNS: &str = "id, timestamp, method, path, query_params, status_code, process_time_ms, \
     client_host, headers, request_body, response_body, response_size, user_agent, session_id, \
     correlation_id, test_scenario, is_admin, operation_key";

/// One logged request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::ToolInput)]
pub struct RequestLog {
    /// Row id; later requests have larger ids.
    pub id: i64,
    /// When the request arrived: ISO 8601, UTC, milliseconds.
    pub timestamp: String,
    /// HTTP method.
    pub method: String,
    /// Request path as sent.
    pub path: String,
    /// The raw query string.
    #[serde(default)]
    pub query_params: String,
    /// Response status.
    pub status_code: u16,
    /// Time to answer, in milliseconds.
    pub process_time_ms: f64,
    /// The client's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_host: Option<String>,
    /// Request headers (secrets redacted).
    #[serde(default)]
    pub headers: serde_json::Value,
    /// Request body, capped and redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    /// Response body, capped and redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    /// Response size in bytes.
    #[serde(default)]
    pub response_size: i64,
    /// The `User-Agent` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The `X-Session-Id` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The correlation id echoed in `X-Correlation-Id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The scenario active when the request was served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_scenario: Option<String>,
    /// Whether the request went to the admin API.
    #[serde(default)]
    pub is_admin: bool,
    /// `METHOD /path/template` of the operation that served it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_key: Option<String>,
}

/// A page of matching requests, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogPage {
    /// The rows of this page.
    pub logs: Vec<RequestLog>,
    /// How many rows match, over all pages.
    pub total_count: u64,
    /// The page size used (`None`: no limit).
    pub limit: Option<u32>,
    /// Rows skipped before this page.
    pub offset: u64,
}

/// A read-only connection to a request log.
#[derive(Debug)]
pub struct LogStore {
    conn: Connection,
    path: PathBuf,
}

impl LogStore {
    /// Opens the log of a mock folder (its `db/request_logs.db`) or a
    /// database file, read-only.
    pub fn open(path: &Path) -> Result<Self> {
        let path = if path.is_dir() {
            path.join(LOG_DB_RELATIVE)
        } else {
            path.to_path_buf()
        };
        if !path.is_file() {
            return Err(Error::LogMissing { path });
        }
        let db_err = |source| Error::LogDb {
            path: path.clone(),
            source,
        };
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db_err)?;
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'request_logs'",
            [],
            |row| row.get::<_, i64>(0),
        )
        .map_err(db_err)
        .and_then(|found| {
            if found == 1 {
                Ok(())
            } else {
                Err(Error::InvalidArgument {
                    name: "mock_dir".to_owned(),
                    reason: format!(
                        "{} has no request_logs table; it is not a mockloop request log",
                        path.display()
                    ),
                })
            }
        })?;
        Ok(Self { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn db_error(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        |source| Error::LogDb {
            path: self.path.clone(),
            source,
        }
    }

    /// The matching rows, newest first: `offset`, then at most `limit`
    /// (default [`DEFAULT_LIMIT`]), like the mock's `/admin/api/logs/search`.
    pub fn search(&self, filter: &LogFilter) -> Result<LogPage> {
        let mut filter = filter.clone();
        filter.limit = filter.limit.or(Some(DEFAULT_LIMIT));
        let checked = filter.check()?;
        let ids = self.matching_ids(&checked)?;
        let total_count = ids.len() as u64;
        let start = usize::try_from(checked.offset)
            .unwrap_or(usize::MAX)
            .min(ids.len());
        let end = match checked.limit {
            Some(limit) => start.saturating_add(limit as usize).min(ids.len()),
            None => ids.len(),
        };
        let logs = self.fetch(&ids[start..end])?;
        Ok(LogPage {
            logs,
            total_count,
            limit: checked.limit,
            offset: checked.offset,
        })
    }

    /// Every row the filter selects, newest first, with `offset`/`limit`
    /// applied if given (no default limit).
    pub fn rows(&self, filter: &LogFilter) -> Result<Vec<RequestLog>> {
        let checked = filter.check()?;
        let ids = self.matching_ids(&checked)?;
        let skip = usize::try_from(checked.offset).unwrap_or(usize::MAX);
        let take = checked.limit.map_or(usize::MAX, |l| l as usize);
        let ids: Vec<i64> = ids.into_iter().skip(skip).take(take).collect();
        self.fetch(&ids)
    }

    fn matching_ids(&self, checked: &CheckedFilter) -> Result<Vec<i64>> {
        let sql = format!(
            "SELECT id, path FROM request_logs{} ORDER BY id DESC",
            checked.where_sql
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.db_error())?;
        let mut rows = stmt
            .query(params_from_iter(checked.args.iter()))
            .map_err(self.db_error())?;
        let mut ids = Vec::new();
        while let Some(row) = rows.next().map_err(self.db_error())? {
            let path = row.get_ref(1).map_err(self.db_error())?;
            let path = path.as_str().unwrap_or_default();
            if checked.path_matches(path) {
                ids.push(row.get(0).map_err(self.db_error())?);
            }
        }
        Ok(ids)
    }

    fn fetch(&self, ids: &[i64]) -> Result<Vec<RequestLog>> {
        let mut found = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let sql = format!("SELECT {COLUMNS} FROM request_logs WHERE id IN ({marks})");
            let mut stmt = self.conn.prepare(&sql).map_err(self.db_error())?;
            let rows = stmt
                .query_map(params_from_iter(chunk.iter()), request_log)
                .map_err(self.db_error())?;
            for row in rows {
                let row = row.map_err(self.db_error())?;
                found.insert(row.id, row);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}

fn request_log(row: &Row<'_>) -> rusqlite::Result<RequestLog> {
    let headers: Option<String> = row.get(8)?;
    let headers = headers
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new()));
    Ok(RequestLog {
        id: row.get(0)?,
        timestamp: row.get(1)?,
        method: row.get(2)?,
        path: row.get(3)?,
        query_params: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
        status_code: row.get(5)?,
        process_time_ms: row.get(6)?,
        client_host: row.get(7)?,
        headers,
        request_body: row.get(9)?,
        response_body: row.get(10)?,
        response_size: row.get::<_, Option<i64>>(11)?.unwrap_or_default(),
        user_agent: row.get(12)?,
        session_id: row.get(13)?,
        correlation_id: row.get(14)?,
        test_scenario: row.get(15)?,
        is_admin: row.get::<_, Option<i64>>(16)?.unwrap_or_default() != 0,
        operation_key: row.get(17)?,
    })
}
