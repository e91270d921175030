//! Synthetic request logs: a SQLite file with the mock's schema (the
//! migrations both engines share, `mockloop_runtime::migrate_database`),
//! filled with rows that are known in advance.
use std::path::Path;

use rusqlite::{Connection, params};

/// One row to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// ISO 8601 UTC with milliseconds.
    pub timestamp: String,
    /// HTTP method.
    pub method: String,
    /// The concrete path.
    pub path: String,
    /// Response status.
    pub status_code: u16,
    /// Time to answer.
    pub process_time_ms: f64,
    /// `X-Session-Id`, if any.
    pub session_id: Option<String>,
    /// Whether it went to the admin API.
    pub is_admin: bool,
    /// `METHOD /template`, or `None` when no route matched.
    pub operation_key: Option<String>,
}

/// Creates `path` (replacing it) with `rows`, in one transaction.
pub fn write(path: &Path, rows: impl IntoIterator<Item = Row>) -> rusqlite::Result<()> {
    let _ = std::fs::remove_file(path);
    let mut conn = Connection::open(path)?;
    mockloop_runtime::migrate_database(&conn)?;
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO request_logs (timestamp, method, path, status_code, process_time_ms, \
             client_host, headers, response_size, user_agent, session_id, is_admin, operation_key) \
             VALUES (?, ?, ?, ?, ?, '127.0.0.1', '{}', 42, 'bench', ?, ?, ?)",
        )?;
        for row in rows {
            insert.execute(params![
                row.timestamp,
                row.method,
                row.path,
                row.status_code,
                row.process_time_ms,
                row.session_id,
                i64::from(row.is_admin),
                row.operation_key,
            ])?;
        }
    }
    tx.commit()
}

/// `n` deterministic rows over 20 endpoints, ~500 sessions and about a day
/// (one row every ~86 ms), with 2xx/4xx/5xx mixes, unmatched 404 paths,
/// a few admin calls and a long latency tail.
pub fn synthetic(n: usize) -> impl Iterator<Item = Row> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];
    (0..n).map(move |i| {
        let r = next();
        let endpoint = (r % 20) as usize;
        let method = METHODS[endpoint % 4];
        let template = format!("/api/v1/resource{endpoint}/{{id}}");
        let roll = (r >> 8) % 1000;
        let unmatched = roll < 20;
        let status = match roll {
            0..20 => 404,
            20..50 => 422,
            50..60 => 500,
            60..70 => 401,
            _ if method == "POST" => 201,
            _ => 200,
        };
        let base = ((r >> 20) % 10_000) as f64 / 100.0;
        let tail = if (r >> 40) % 100 == 0 {
            ((r >> 44) % 5000) as f64
        } else {
            0.0
        };
        let millis = i as u64 * 86;
        let (secs, ms) = (millis / 1000, millis % 1000);
        let timestamp = format!(
            "2024-05-01T{:02}:{:02}:{:02}.{ms:03}Z",
            (secs / 3600) % 24,
            (secs / 60) % 60,
            secs % 60
        );
        let is_admin = (r >> 50) % 500 == 0;
        Row {
            timestamp,
            method: method.to_owned(),
            path: if unmatched {
                format!("/api/v1/missing{}", (r >> 30) % 7)
            } else {
                format!("/api/v1/resource{endpoint}/{}", (r >> 24) % 1000)
            },
            status_code: status,
            process_time_ms: base + tail,
            session_id: ((r >> 12) % 10 != 0).then(|| format!("session-{}", (r >> 32) % 500)),
            is_admin,
            operation_key: (!unmatched).then(|| format!("{method} {template}")),
        }
    })
}
