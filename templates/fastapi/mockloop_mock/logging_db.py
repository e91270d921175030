"""Request-log entries and how they become ``request_logs`` rows.

The middleware builds a raw :class:`LogEntry` per request and hands it to the
:class:`~mockloop_mock.log_writer.LogWriter`. The decoding, redaction and
inserting here happen away from the event loop: in the log sink process
(:mod:`mockloop_mock.log_sink`), or in the writer's thread if that process
cannot run.
"""

import json
import sqlite3
import sys
import time
from typing import NamedTuple

from mockloop_mock.redaction import Redactor

COLUMNS = (
    "timestamp, method, path, query_params, status_code, process_time_ms,"
    " client_host, headers, request_body, response_body, response_size,"
    " user_agent, session_id, correlation_id, test_scenario, is_admin,"
    " operation_key"
)
INSERT = f"INSERT INTO request_logs ({COLUMNS}) VALUES ({', '.join('?' * 17)})"
# A batch holds at most this many entries, and is written this long after
# its first entry: the writer wakes up less often under load.
BATCH_SIZE = 500
BATCH_WAIT_S = 0.02


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


def decode_body(data: bytes, redactor: Redactor) -> str | None:
    """A captured body as text (already capped by the middleware)."""
    if not data:
        return None
    return redactor.body(data.decode("utf-8", errors="replace"))


def to_row(entry: LogEntry, redactor: Redactor) -> tuple[object, ...]:
    """The ``request_logs`` row of an entry, secrets redacted."""
    headers = redactor.headers(entry.headers)
    return (
        iso_timestamp(entry.started),
        entry.method,
        entry.path,
        redactor.query(entry.query.decode("latin-1")),
        entry.status_code,
        entry.process_time_ms,
        entry.client_host,
        json.dumps(headers, ensure_ascii=False),
        decode_body(entry.request_body, redactor),
        decode_body(entry.response_body, redactor),
        entry.response_size,
        headers.get("user-agent"),
        headers.get("x-session-id"),
        entry.correlation_id,
        entry.test_scenario,
        int(entry.is_admin),
        entry.operation_key,
    )


def insert(
    connection: sqlite3.Connection, entries: list[LogEntry], redactor: Redactor
) -> None:
    """Inserts the rows of ``entries`` in one transaction. A failure is
    reported on stderr rather than raised: the log must not stop the mock."""
    try:
        rows = [to_row(entry, redactor) for entry in entries]
        connection.execute("BEGIN")
        connection.executemany(INSERT, rows)
        connection.execute("COMMIT")
    except Exception as error:  # noqa: BLE001 - the log must not kill the mock
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        print(f"mockloop: cannot write the request log: {error}", file=sys.stderr)
