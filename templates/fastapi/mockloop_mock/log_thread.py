"""Writing the request log from a thread of the mock itself.

The fallback of :class:`~mockloop_mock.log_writer.LogWriter` when the log
sink process cannot run (and what ``MOCKLOOP_LOG_SINK=thread`` chooses): a
background thread with its own SQLite connection converts queued entries and
inserts them in batches. It costs the event loop more than the sink process,
since the conversion takes the GIL. Stopping it writes everything queued.
"""

import queue
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from mockloop_mock import database, logging_db
from mockloop_mock.logging_db import BATCH_SIZE, BATCH_WAIT_S, LogEntry
from mockloop_mock.redaction import Redactor

_STOP = object()


class ThreadWriter:
    """A background thread inserting queued entries in batches."""

    def __init__(self, path: Path, redactor: Redactor) -> None:
        self.path = path
        self.rows = logging_db.RowMaker(redactor)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._run, name="mockloop-log-writer", daemon=True
        )
        self._thread.start()

    def submit(self, entries: Iterable[LogEntry]) -> None:
        """Queues entries; returns at once."""
        for entry in entries:
            self._queue.put(entry)

    def flush(self, timeout: float = 30.0) -> bool:
        """Waits until everything queued so far is in the database."""
        if not self._thread.is_alive():
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def stop(self, timeout: float = 60.0) -> None:
        """Writes everything queued, then ends the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        connection = database.connect(self.path)
        try:
            running = True
            # Entries queued after the stop request are still written.
            while running or not self._queue.empty():
                running = self._write_batch(connection, running)
        finally:
            connection.close()

    def _write_batch(self, connection: sqlite3.Connection, running: bool) -> bool:
        """Writes the next batch; False once asked to stop."""
        entries: list[LogEntry] = []
        waiters: list[threading.Event] = []
        item = self._queue.get()
        if running and isinstance(item, LogEntry):
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
            logging_db.insert(connection, entries, self.rows)
        for waiter in waiters:
            waiter.set()
        return running
