//! Writing the request log off the request path: requests hand raw entries
//! to a bounded channel; one writer thread converts (redacts) them and
//! inserts them in batches, one transaction each, into the same
//! `request_logs` table the FastAPI mock writes.
//!
//! A full channel makes the request that finds it full wait for room (it
//! never blocks a thread, and no entry is dropped); such waits are counted
//! and shown in `/admin/api/info`, so back-pressure is measured.
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::log_entry::LogEntry;
use super::log_rows::{COLUMNS, Row, RowMaker};
use super::redaction::Redactor;
use super::state::connect;
use crate::error::Result;

/// Entries the channel holds before requests wait for the writer.
const CAPACITY: usize = 16_384;
/// Most entries in one transaction.
const BATCH_SIZE: usize = 5_000;
/// How long the writer collects a small batch before writing it.
const BATCH_WAIT: Duration = Duration::from_millis(100);

/// How long the writer sleeps between looks at a channel it emptied
/// while it collects a batch (the channel holds far more than arrives
/// meanwhile).
const POLL: Duration = Duration::from_millis(10);

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

enum Message {
    Entry(LogEntry),
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
        match self.sender.try_send(Message::Entry(entry)) {
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
    let full_sql = insert_sql(ROWS_PER_STATEMENT);
    while let Some(first) = receiver.blocking_recv() {
        let started = Instant::now();
        let mut message = Some(first);
        loop {
            match message.take() {
                Some(Message::Entry(entry)) => batch.push(entry),
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
                    std::thread::sleep(POLL);
                }
                Err(_) => break,
            }
        }
        insert(
            &mut connection,
            &full_sql,
            &mut batch,
            &mut rows,
            stats,
            path,
        );
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
        if closing {
            break;
        }
    }
}

fn insert(
    connection: &mut Connection,
    full_sql: &str,
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
        let made: Vec<Row<'_>> = batch.iter().map(|entry| rows.row(entry.view())).collect();
        let transaction = connection.transaction()?;
        {
            // One statement for every full chunk (preparing, or even looking
            // up a cached statement by its text, is not free).
            let mut full = transaction.prepare_cached(full_sql)?;
            for chunk in made.chunks(ROWS_PER_STATEMENT) {
                let mut rest;
                let statement = if chunk.len() == ROWS_PER_STATEMENT {
                    &mut full
                } else {
                    rest = transaction.prepare(&insert_sql(chunk.len()))?;
                    &mut rest
                };
                for (index, row) in chunk.iter().enumerate() {
                    row.bind(statement, index * COLUMNS)?;
                }
                statement.raw_execute()?;
            }
        }
        transaction.commit()
    })();
    batch.clear();
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
