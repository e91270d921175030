"""Writing the request log without slowing the event loop down.

Requests hand a raw :class:`~mockloop_mock.logging_db.LogEntry` to
:class:`LogWriter` on the event loop. It collects them into batches and
streams each batch, without blocking, to the log sink process
(:mod:`mockloop_mock.log_sink`), which converts, redacts and inserts it and
acknowledges it. So none of that work takes the GIL from the event loop, and
there is no thread to hand the GIL to either.

Batches stay in memory until acknowledged. If the sink process cannot start
or ends, the unacknowledged batches and everything after go to a
:class:`~mockloop_mock.log_thread.ThreadWriter` instead, so no row is lost.
Stopping the writer writes everything submitted.
"""

import asyncio
import collections
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from mockloop_mock import database, log_sink
from mockloop_mock.log_thread import ThreadWriter
from mockloop_mock.logging_db import BATCH_SIZE, BATCH_WAIT_S, LogEntry
from mockloop_mock.redaction import Redactor

# How long stopping waits for the sink process to write what it was sent.
SINK_EXIT_TIMEOUT_S = 60.0
FLUSH_TIMEOUT_S = 30.0
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def _sink_environment() -> dict[str, str]:
    """The mock's environment, with this package importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PACKAGE_ROOT), env.get("PYTHONPATH")) if part
    )
    return env


class LogWriter:
    """Batches entries on the event loop and streams them to the sink."""

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
        self._pending: list[LogEntry] = []
        self._timer: asyncio.TimerHandle | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._acks: asyncio.Task[None] | None = None
        # Batches sent to the sink and not acknowledged yet, oldest first.
        self._in_flight: collections.deque[list[LogEntry]] = collections.deque()
        self._acknowledged = 0
        # Flushes waiting for the acknowledgement of batch number N.
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._stopping = False
        self._fallback: ThreadWriter | None = None

    async def start(self) -> None:
        """Opens the database (migrating it) and starts the sink process."""
        database.connect(self.path).close()
        if not self.use_process:
            self._fallback = self._thread_writer()
            return
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "mockloop_mock.log_sink",
                str(self.path),
                json.dumps(self.api_key_names),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env=_sink_environment(),
                start_new_session=True,
            )
        except (OSError, ValueError, NotImplementedError) as error:
            self._fall_back(f"cannot start the log sink process: {error}")
            return
        self._acks = asyncio.create_task(self._read_acks(self._process))

    def submit(self, entry: LogEntry) -> None:
        """Queues an entry; returns at once. Called on the event loop."""
        if self._fallback is not None:
            self._fallback.submit((entry,))
            return
        self._pending.append(entry)
        if len(self._pending) >= BATCH_SIZE:
            self._send()
        elif self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(BATCH_WAIT_S, self._send)

    async def flush(self, timeout: float = FLUSH_TIMEOUT_S) -> bool:
        """Waits until everything submitted so far is in the database."""
        self._send()
        if self._fallback is None and self._in_flight:
            # The number of the last batch sent so far.
            target = self._acknowledged + len(self._in_flight)
            future = asyncio.get_running_loop().create_future()
            self._waiters.append((target, future))
            try:
                await asyncio.wait_for(asyncio.shield(future), timeout)
            except TimeoutError:
                return False
        if self._fallback is not None:
            return await asyncio.to_thread(self._fallback.flush, timeout)
        return True

    async def stop(self) -> None:
        """Writes everything submitted, then ends the sink."""
        self._stopping = True
        self._send()
        process = self._process
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
                try:
                    await process.stdin.wait_closed()
                except OSError:
                    pass
            try:
                await asyncio.wait_for(process.wait(), SINK_EXIT_TIMEOUT_S)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._acks is not None:
            await self._acks
        if self._fallback is not None:
            await asyncio.to_thread(self._fallback.stop)

    def _send(self) -> None:
        """Sends the pending entries as one batch."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if not batch:
            return
        stdin = self._process.stdin if self._process is not None else None
        if self._fallback is None and (stdin is None or stdin.is_closing()):
            self._fall_back("the log sink process is not running")
        if self._fallback is not None:
            self._fallback.submit(batch)
            return
        self._in_flight.append(batch)
        stdin.write(log_sink.batch_frame(batch))

    async def _read_acks(self, process: asyncio.subprocess.Process) -> None:
        """Counts the sink's acknowledgements until its output ends."""
        if process.stdout is not None:
            while acks := await process.stdout.read(4096):
                for _ in range(min(len(acks), len(self._in_flight))):
                    self._in_flight.popleft()
                self._acknowledged += len(acks)
                self._wake_flushes()
        if self._in_flight or not self._stopping:
            status = process.returncode
            ended = "ended" if status is None else f"ended with status {status}"
            self._fall_back(f"the log sink process {ended}")

    def _wake_flushes(self) -> None:
        waiting = []
        for target, future in self._waiters:
            if self._fallback is not None or target <= self._acknowledged:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((target, future))
        self._waiters = waiting

    def _fall_back(self, reason: str) -> None:
        """From now on entries go to a thread, starting with the batches the
        sink did not acknowledge."""
        if self._fallback is not None:
            return
        print(
            f"mockloop: {reason}; writing the request log in a thread instead",
            file=sys.stderr,
        )
        self._fallback = self._thread_writer()
        while self._in_flight:
            self._fallback.submit(self._in_flight.popleft())
        self._wake_flushes()

    def _thread_writer(self) -> ThreadWriter:
        return ThreadWriter(self.path, Redactor(self.api_key_names))
