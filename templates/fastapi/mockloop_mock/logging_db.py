"""Writing the request log without blocking the event loop.

Requests hand a raw :class:`LogEntry` to :class:`LogWriter`, which queues it;
a background thread with its own SQLite connection turns entries into rows
(decoding, redacting) and inserts them in batches, one transaction each.
Stopping the writer flushes everything queued, so no row is lost.
"""

import json
import queue
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

from mockloop_mock import database, redaction

BATCH_SIZE = 500
# The writer waits this long after the first entry of a batch for more, so
# that it wakes up (and takes the GIL) less often under load.
BATCH_WAIT_S = 0.02
COLUMNS = (
    "timestamp, method, path, query_params, status_code, process_time_ms,"
    " client_host, headers, request_body, response_body, response_size,"
    " user_agent, session_id, correlation_id, test_scenario, is_admin,"
    " operation_key"
)
INSERT = f"INSERT INTO request_logs ({COLUMNS}) VALUES ({', '.join('?' * 17)})"


class LogEntry(NamedTuple):
    """One request as the middleware saw it, before any conversion."""

    started: float
    method: str
    path: str
    query: bytes
    status_code: int
    process_time_ms: float
    client_host: str | None
    headers: list[tuple[bytes, bytes]]
    request_body: bytes
    response_body: bytes
    response_size: int
    correlation_id: str
    test_scenario: str | None
    is_admin: bool
    operation_key: str | None


_SECOND: list[object] = [None, ""]


def iso_timestamp(seconds: float) -> str:
    """``2024-05-01T12:00:00.123Z``: UTC, with milliseconds."""
    whole = int(seconds)
    if _SECOND[0] != whole:
        _SECOND[:] = [whole, time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(whole))]
    millis = int((seconds - whole) * 1000)
    return f"{_SECOND[1]}{millis:03d}Z"


def decode_body(data: bytes) -> str | None:
    """A captured body as text (already capped by the middleware)."""
    if not data:
        return None
    return redaction.body(data.decode("utf-8", errors="replace"))


def to_row(entry: LogEntry) -> tuple[object, ...]:
    """The ``request_logs`` row of an entry."""
    headers = redaction.headers(entry.headers)
    return (
        iso_timestamp(entry.started),
        entry.method,
        entry.path,
        redaction.query(entry.query.decode("latin-1")),
        entry.status_code,
        entry.process_time_ms,
        entry.client_host,
        json.dumps(headers, ensure_ascii=False),
        decode_body(entry.request_body),
        decode_body(entry.response_body),
        entry.response_size,
        headers.get("user-agent"),
        headers.get("x-session-id"),
        entry.correlation_id,
        entry.test_scenario,
        int(entry.is_admin),
        entry.operation_key,
    )


_STOP = object()


class LogWriter:
    """A background thread inserting queued entries in batches."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Opens the database (migrating it) and starts the thread."""
        if self._thread is not None:
            return
        database.connect(self.path).close()
        self._thread = threading.Thread(
            target=self._run, name="mockloop-log-writer", daemon=True
        )
        self._thread.start()

    def submit(self, entry: LogEntry) -> None:
        """Queues an entry; returns at once."""
        self._queue.put(entry)

    def flush(self, timeout: float = 30.0) -> bool:
        """Waits until everything queued so far is in the database."""
        if self._thread is None or not self._thread.is_alive():
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def stop(self, timeout: float = 60.0) -> None:
        """Writes everything queued, then ends the thread."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        connection = database.connect(self.path)
        try:
            while self._write_batch(connection):
                pass
            # Entries queued after the stop request are still written.
            while not self._queue.empty():
                self._write_batch(connection)
        finally:
            connection.close()

    def _write_batch(self, connection: sqlite3.Connection) -> bool:
        """Writes the next batch; False once asked to stop."""
        entries: list[LogEntry] = []
        waiters: list[threading.Event] = []
        running = True
        item = self._queue.get()
        if isinstance(item, LogEntry):
            time.sleep(BATCH_WAIT_S)
        while True:
            if item is _STOP:
                running = False
            elif isinstance(item, threading.Event):
                waiters.append(item)
            elif isinstance(item, LogEntry):
                entries.append(item)
            if len(entries) >= BATCH_SIZE:
                break
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
        if entries:
            self._insert(connection, entries)
        for waiter in waiters:
            waiter.set()
        return running

    @staticmethod
    def _insert(connection: sqlite3.Connection, entries: list[LogEntry]) -> None:
        try:
            rows = [to_row(entry) for entry in entries]
            connection.execute("BEGIN")
            connection.executemany(INSERT, rows)
            connection.execute("COMMIT")
        except Exception as error:  # noqa: BLE001 - the log must not kill the mock
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            print(f"mockloop: cannot write the request log: {error}", file=sys.stderr)
