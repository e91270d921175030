//! Writing the request log off the request path: requests hand raw entries
//! to a bounded channel; one writer thread converts (redacts) them and
//! inserts them in batches, one transaction each, into the same
//! `request_logs` table the FastAPI mock writes.
//!
//! A full channel makes the request that finds it full wait for room (it
//! never blocks a thread, and no entry is dropped); such waits are counted
//! and shown in `/admin/api/info`, so back-pressure is measured.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::redaction::Redactor;
use super::state::connect;
use crate::error::Result;

/// Entries the channel holds before requests wait for the writer.
const CAPACITY: usize = 16_384;
/// Most entries in one transaction.
const BATCH_SIZE: usize = 5_000;
/// How long the writer collects a small batch before writing it.
const BATCH_WAIT: Duration = Duration::from_millis(100);

/// The `request_logs` columns each entry fills.
const COLUMNS: usize = 17;
/// Rows inserted by one statement (fewer statements, less overhead).
const ROWS_PER_STATEMENT: usize = 50;

/// `INSERT INTO request_logs (...) VALUES (...), (...)` for `rows` rows.
fn insert_sql(rows: usize) -> String {
    let one = format!("({})", vec!["?"; COLUMNS].join(", "));
    format!(
        "INSERT INTO request_logs (timestamp, method, path, query_params, status_code, \
         process_time_ms, client_host, headers, request_body, response_body, response_size, \
         user_agent, session_id, correlation_id, test_scenario, is_admin, operation_key) \
         VALUES {}",
        vec![one; rows].join(", ")
    )
}

/// One request as the server saw it, before any conversion.
#[derive(Debug)]
pub(crate) struct LogEntry {
    pub(crate) started: SystemTime,
    pub(crate) method: hyper::Method,
    /// The path as sent (decoded when written).
    pub(crate) raw_path: String,
    pub(crate) query: String,
    pub(crate) status_code: u16,
    pub(crate) process_time_ms: f64,
    pub(crate) client_host: Option<String>,
    /// The request's headers, as received.
    pub(crate) headers: hyper::HeaderMap,
    pub(crate) request_body: bytes::Bytes,
    pub(crate) response_body: bytes::Bytes,
    pub(crate) response_size: usize,
    pub(crate) correlation_id: String,
    pub(crate) test_scenario: Option<String>,
    pub(crate) is_admin: bool,
    pub(crate) operation_key: Option<std::sync::Arc<str>>,
}

enum Message {
    Entry(Box<LogEntry>),
    Flush(oneshot::Sender<()>),
    /// Write what is pending and stop.
    Close,
}

/// Counters of the writer, for `/admin/api/info`.
#[derive(Debug, Default)]
pub(crate) struct LogStats {
    pub(crate) written: AtomicU64,
    pub(crate) waits: AtomicU64,
    pub(crate) failures: AtomicU64,
}

/// The requests' end of the log.
#[derive(Clone)]
pub(crate) struct LogWriter {
    sender: mpsc::Sender<Message>,
    pub(crate) stats: Arc<LogStats>,
    /// Bodies are captured up to this many bytes.
    pub(crate) body_limit: usize,
}

/// The writer thread, joined at shutdown.
pub(crate) struct LogThread {
    handle: std::thread::JoinHandle<()>,
}

impl LogThread {
    /// Waits until everything submitted before the last sender was dropped
    /// is written.
    pub(crate) fn join(self) {
        if self.handle.join().is_err() {
            tracing::error!("the request log's writer thread panicked");
        }
    }
}

impl LogWriter {
    /// Opens the log at `path` and starts its writer thread.
    pub(crate) fn start(
        path: &Path,
        redactor: Redactor,
        body_limit: usize,
    ) -> Result<(Self, LogThread)> {
        let connection = connect(path)?;
        // Fewer, larger checkpoints: each copies a page once however often
        // the batches since the last one rewrote it.
        let _ = connection.pragma_update(None, "wal_autocheckpoint", 10_000);
        let (sender, receiver) = mpsc::channel(CAPACITY);
        let stats = Arc::new(LogStats::default());
        let thread_stats = Arc::clone(&stats);
        let db_path = path.to_path_buf();
        let handle = std::thread::Builder::new()
            .name("mockloop-log".to_owned())
            .spawn(move || run(connection, receiver, redactor, &thread_stats, &db_path))
            .map_err(|err| crate::error::Error::Serve {
                what: path.display().to_string(),
                reason: format!("cannot start the log writer: {err}"),
            })?;
        Ok((
            Self {
                sender,
                stats,
                body_limit,
            },
            LogThread { handle },
        ))
    }

    /// Hands an entry to the writer; waits for room if the channel is full.
    pub(crate) async fn submit(&self, entry: LogEntry) {
        match self.sender.try_send(Message::Entry(Box::new(entry))) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(message)) => {
                self.stats.waits.fetch_add(1, Ordering::Relaxed);
                let _ = self.sender.send(message).await;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Asks the writer to write what it has and stop.
    pub(crate) async fn close(&self) {
        let _ = self.sender.send(Message::Close).await;
    }

    /// Waits until every entry submitted so far is written.
    pub(crate) async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

fn run(
    mut connection: Connection,
    mut receiver: mpsc::Receiver<Message>,
    redactor: Redactor,
    stats: &LogStats,
    path: &Path,
) {
    let mut batch: Vec<LogEntry> = Vec::with_capacity(BATCH_SIZE);
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    let mut closing = false;
    let mut rows = RowMaker::new(redactor);
    while let Some(first) = receiver.blocking_recv() {
        let started = Instant::now();
        let mut message = Some(first);
        loop {
            match message.take() {
                Some(Message::Entry(entry)) => batch.push(*entry),
                Some(Message::Flush(done)) => {
                    waiting.push(done);
                    break;
                }
                Some(Message::Close) => {
                    closing = true;
                    break;
                }
                None => {}
            }
            if batch.len() >= BATCH_SIZE {
                break;
            }
            match receiver.try_recv() {
                Ok(next) => message = Some(next),
                Err(mpsc::error::TryRecvError::Empty) if started.elapsed() < BATCH_WAIT => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(_) => break,
            }
        }
        insert(&mut connection, &mut batch, &mut rows, stats, path);
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
        if closing {
            break;
        }
    }
}

/// Bodies up to this size are remembered with their logged form.
const MEMO_BODY_LIMIT: usize = 4096;
/// Entries a memo keeps before it starts over.
const MEMO_ENTRIES: usize = 4096;

/// Converted headers: their JSON, the user agent and the session id.
type HeaderRow = (String, Option<String>, Option<String>);

/// Turns entries into rows, remembering the conversions that repeat from
/// request to request (the same client's headers, the same bodies and
/// queries): each is redacted and encoded once.
struct RowMaker {
    redactor: Redactor,
    /// By a hash of the headers; the headers kept to confirm a match.
    headers: HashMap<
        u64,
        (
            Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
            HeaderRow,
        ),
    >,
    bodies: HashMap<bytes::Bytes, Option<String>>,
    queries: HashMap<String, String>,
    /// The whole second last formatted, and its text up to the dot.
    second: (u64, String),
}

fn remember<K: std::hash::Hash + Eq, V: Clone>(
    memo: &mut HashMap<K, V>,
    key: K,
    make: impl FnOnce() -> V,
) -> V {
    if let Some(found) = memo.get(&key) {
        return found.clone();
    }
    if memo.len() >= MEMO_ENTRIES {
        memo.clear();
    }
    let value = make();
    memo.insert(key, value.clone());
    value
}

impl RowMaker {
    fn new(redactor: Redactor) -> Self {
        Self {
            redactor,
            headers: HashMap::new(),
            bodies: HashMap::new(),
            queries: HashMap::new(),
            second: (u64::MAX, String::new()),
        }
    }

    /// `2024-05-01T12:00:00.123Z`: UTC, with milliseconds (the part up to
    /// the second formatted once per second).
    fn timestamp(&mut self, moment: SystemTime) -> String {
        let since = moment
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let whole = since.as_secs();
        if self.second.0 != whole {
            let text = chrono::DateTime::<chrono::Utc>::from(moment)
                .format("%Y-%m-%dT%H:%M:%S.")
                .to_string();
            self.second = (whole, text);
        }
        format!("{}{:03}Z", self.second.1, since.subsec_millis())
    }

    fn headers(&mut self, headers: &hyper::HeaderMap) -> HeaderRow {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for (name, value) in headers {
            name.as_str().hash(&mut hasher);
            value.as_bytes().hash(&mut hasher);
        }
        let key = hasher.finish();
        if let Some((known, row)) = self.headers.get(&key)
            && known.len() == headers.len()
            && known
                .iter()
                .zip(headers.iter())
                .all(|((n, v), (name, value))| n == name && v == value)
        {
            return row.clone();
        }
        let pairs: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    value.as_bytes().iter().map(|&b| char::from(b)).collect(),
                )
            })
            .collect();
        let row = self.redactor.headers(&pairs);
        if self.headers.len() >= MEMO_ENTRIES {
            self.headers.clear();
        }
        let known = headers
            .iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        self.headers.insert(key, (known, row.clone()));
        row
    }

    fn body(&mut self, data: &bytes::Bytes) -> Option<String> {
        if data.len() > MEMO_BODY_LIMIT {
            return body(data, &self.redactor);
        }
        let redactor = &self.redactor;
        remember(&mut self.bodies, data.clone(), || body(data, redactor))
    }

    fn query(&mut self, text: &str) -> String {
        if text.is_empty() {
            return String::new();
        }
        let redactor = &self.redactor;
        remember(&mut self.queries, text.to_owned(), || redactor.query(text))
    }
}

fn insert(
    connection: &mut Connection,
    batch: &mut Vec<LogEntry>,
    rows: &mut RowMaker,
    stats: &LogStats,
    path: &Path,
) {
    if batch.is_empty() {
        return;
    }
    let count = batch.len() as u64;
    let outcome = (|| -> rusqlite::Result<()> {
        use rusqlite::types::Value as Sql;
        let text = |value: Option<String>| value.map_or(Sql::Null, Sql::Text);
        let mut values: Vec<Sql> = Vec::with_capacity(batch.len() * COLUMNS);
        for entry in batch.drain(..) {
            let (headers, user_agent, session_id) = rows.headers(&entry.headers);
            values.extend([
                Sql::Text(rows.timestamp(entry.started)),
                Sql::Text(entry.method.as_str().to_owned()),
                Sql::Text(super::request::percent_decode(&entry.raw_path)),
                Sql::Text(rows.query(&entry.query)),
                Sql::Integer(i64::from(entry.status_code)),
                Sql::Real(entry.process_time_ms),
                text(entry.client_host),
                Sql::Text(headers),
                text(rows.body(&entry.request_body)),
                text(rows.body(&entry.response_body)),
                Sql::Integer(i64::try_from(entry.response_size).unwrap_or(i64::MAX)),
                text(user_agent),
                text(session_id),
                Sql::Text(entry.correlation_id),
                text(entry.test_scenario),
                Sql::Integer(i64::from(entry.is_admin)),
                text(entry.operation_key.as_deref().map(str::to_owned)),
            ]);
        }
        let transaction = connection.transaction()?;
        for chunk in values.chunks(ROWS_PER_STATEMENT * COLUMNS) {
            let sql = insert_sql(chunk.len() / COLUMNS);
            let mut statement = transaction.prepare_cached(&sql)?;
            statement.execute(rusqlite::params_from_iter(chunk.iter()))?;
        }
        transaction.commit()
    })();
    match outcome {
        Ok(()) => {
            stats.written.fetch_add(count, Ordering::Relaxed);
        }
        Err(err) => {
            stats.failures.fetch_add(1, Ordering::Relaxed);
            tracing::error!("cannot write the request log {}: {err}", path.display());
        }
    }
}

fn body(data: &[u8], redactor: &Redactor) -> Option<String> {
    if data.is_empty() {
        return None;
    }
    Some(redactor.body(String::from_utf8_lossy(data).into_owned()))
}
