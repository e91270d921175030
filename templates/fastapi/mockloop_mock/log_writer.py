"""Writing the request log without blocking the event loop.

Requests hand a raw :class:`~mockloop_mock.logging_db.LogEntry` to
:class:`LogWriter`, which queues it. The writer's thread collects entries
into batches and streams them to the log sink process
(:mod:`mockloop_mock.log_sink`), which converts and inserts them, so that
none of that work takes the GIL from the event loop. If that process cannot
start, or ends, the thread writes the batches itself. Stopping the writer
writes everything queued, so no row is lost.
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from mockloop_mock import database, log_sink, logging_db
from mockloop_mock.logging_db import LogEntry
from mockloop_mock.redaction import Redactor

BATCH_SIZE = 500
# The thread waits this long after the first entry of a batch for more, so
# that it wakes up (and takes the GIL) less often under load.
BATCH_WAIT_S = 0.02
# How long stopping waits for the sink process to write what it was sent.
SINK_EXIT_TIMEOUT_S = 60.0
PACKAGE_ROOT = Path(__file__).resolve().parent.parent

_STOP = object()


class SinkError(Exception):
    """The sink process cannot take more entries."""


class Sink(Protocol):
    """Where the writer's batches go."""

    def write(self, entries: list[LogEntry]) -> None:
        """Writes (or passes on) a batch."""

    def sync(self) -> None:
        """Returns once every batch written so far is in the database."""

    def close(self) -> None:
        """Writes what is pending and releases the sink."""


class ThreadSink:
    """Converts and inserts in the writer's own thread."""

    def __init__(self, path: Path, redactor: Redactor) -> None:
        self.connection = database.connect(path)
        self.redactor = redactor

    def write(self, entries: list[LogEntry]) -> None:
        logging_db.insert(self.connection, entries, self.redactor)

    def sync(self) -> None:
        pass

    def close(self) -> None:
        self.connection.close()


class ProcessSink:
    """Streams batches to a ``python -m mockloop_mock.log_sink`` process."""

    def __init__(self, path: Path, api_key_names: list[str]) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            part for part in (str(PACKAGE_ROOT), env.get("PYTHONPATH")) if part
        )
        command = [sys.executable, "-m", "mockloop_mock.log_sink"]
        try:
            self.process = subprocess.Popen(
                [*command, str(path), json.dumps(api_key_names)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                start_new_session=True,
            )
        except (OSError, ValueError) as error:
            raise SinkError(f"cannot start the log sink process: {error}") from error

    def write(self, entries: list[LogEntry]) -> None:
        self._send(log_sink.batch_frame(entries))

    def sync(self) -> None:
        self._send(log_sink.sync_frame())
        stdout = self.process.stdout
        reply = stdout.read(1) if stdout is not None else b""
        if reply != log_sink.SYNC:
            raise SinkError(self._ended())

    def close(self) -> None:
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(SINK_EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def _send(self, frame: bytes) -> None:
        stdin = self.process.stdin
        if stdin is None:
            raise SinkError(self._ended())
        try:
            stdin.write(frame)
            stdin.flush()
        except (OSError, ValueError) as error:
            raise SinkError(f"{self._ended()}: {error}") from error

    def _ended(self) -> str:
        code = self.process.poll()
        status = "is not answering" if code is None else f"ended with status {code}"
        return f"the log sink process {status}"


class LogWriter:
    """A background thread passing queued entries on in batches."""

    def __init__(
        self,
        path: Path,
        api_key_names: Iterable[str] = (),
        *,
        use_process: bool = True,
    ) -> None:
        self.path = path
        self.api_key_names = sorted(set(api_key_names))
        self.use_process = use_process
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

    def stop(self, timeout: float = 2 * SINK_EXIT_TIMEOUT_S) -> None:
        """Writes everything queued, then ends the thread."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        sink = self._open_sink()
        try:
            running = True
            # Entries queued after the stop request are still written.
            while running or not self._queue.empty():
                entries, waiters, running = self._next_batch(running)
                sink = self._deliver(sink, entries, waiters)
        finally:
            sink.close()

    def _open_sink(self) -> Sink:
        if not self.use_process:
            return ThreadSink(self.path, Redactor(self.api_key_names))
        try:
            return ProcessSink(self.path, self.api_key_names)
        except SinkError as error:
            return self._fall_back(None, error)

    def _fall_back(self, failed: Sink | None, error: SinkError) -> Sink:
        print(
            f"mockloop: {error}; writing the request log in a thread instead",
            file=sys.stderr,
        )
        if failed is not None:
            failed.close()
        return ThreadSink(self.path, Redactor(self.api_key_names))

    def _next_batch(
        self, running: bool
    ) -> tuple[list[LogEntry], list[threading.Event], bool]:
        """The next entries and flush requests, and whether to go on."""
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
        return entries, waiters, running

    def _deliver(
        self, sink: Sink, entries: list[LogEntry], waiters: list[threading.Event]
    ) -> Sink:
        """Writes a batch and answers flush requests; the sink to go on with."""
        if entries:
            try:
                sink.write(entries)
            except SinkError as error:
                # The frame was not taken whole, so the sink wrote none of it.
                sink = self._fall_back(sink, error)
                sink.write(entries)
        if waiters:
            try:
                sink.sync()
            except SinkError as error:
                sink = self._fall_back(sink, error)
            for waiter in waiters:
                waiter.set()
        return sink
