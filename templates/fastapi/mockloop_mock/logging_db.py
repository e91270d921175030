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

from mockloop_mock.memo import Memo
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
BATCH_WAIT_S = 0.05
# Bodies up to this size are remembered with their logged form.
MEMO_BODY_LIMIT = 4096


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


class RowMaker:
    """Turns entries into rows, remembering the conversions that repeat from
    request to request (the same client's headers, the same response body,
    the same query): each is redacted and encoded once."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._headers: Memo[tuple[str, str | None, str | None]] = Memo()
        self._bodies: Memo[str | None] = Memo()
        self._queries: Memo[str] = Memo()

    def headers(
        self, raw: list[tuple[bytes, bytes]]
    ) -> tuple[str, str | None, str | None]:
        """The headers' JSON, user agent and session id."""

        def convert() -> tuple[str, str | None, str | None]:
            headers = self.redactor.headers(raw)
            return (
                json.dumps(headers, ensure_ascii=False),
                headers.get("user-agent"),
                headers.get("x-session-id"),
            )

        return self._headers.get(tuple(raw), convert)

    def body(self, data: bytes) -> str | None:
        """A body as logged; small ones are remembered."""
        if len(data) > MEMO_BODY_LIMIT:
            return decode_body(data, self.redactor)
        return self._bodies.get(data, lambda: decode_body(data, self.redactor))

    def query(self, raw: bytes) -> str:
        """A query string as logged."""
        return self._queries.get(
            raw, lambda: self.redactor.query(raw.decode("latin-1"))
        )

    def row(self, entry: LogEntry) -> tuple[object, ...]:
        """The ``request_logs`` row of an entry, secrets redacted."""
        headers, user_agent, session_id = self.headers(entry.headers)
        return (
            iso_timestamp(entry.started),
            entry.method,
            entry.path,
            self.query(entry.query),
            entry.status_code,
            entry.process_time_ms,
            entry.client_host,
            headers,
            self.body(entry.request_body),
            self.body(entry.response_body),
            entry.response_size,
            user_agent,
            session_id,
            entry.correlation_id,
            entry.test_scenario,
            int(entry.is_admin),
            entry.operation_key,
        )


def insert(
    connection: sqlite3.Connection, entries: list[LogEntry], rows: RowMaker
) -> None:
    """Inserts the rows of ``entries`` in one transaction. A failure is
    reported on stderr rather than raised: the log must not stop the mock."""
    try:
        made = [rows.row(entry) for entry in entries]
        connection.execute("BEGIN")
        connection.executemany(INSERT, made)
        connection.execute("COMMIT")
    except Exception as error:  # noqa: BLE001 - the log must not kill the mock
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        print(f"mockloop: cannot write the request log: {error}", file=sys.stderr)
