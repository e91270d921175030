"""Searching the request log: the filters shared by search and analyze.

Filters: ``method`` (exact, any case), ``path_pattern`` (a regular
expression searched in the path, with a time budget), ``status_code``,
``time_from`` and ``time_to`` (ISO 8601, inclusive; a time without a zone is
UTC), ``session_id``, ``include_admin`` (default false), ``limit`` and
``offset``. Rows come newest first.
"""

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import regex

from mockloop_mock.behaviour import InputError

MAX_PATTERN = 500
PATTERN_BUDGET_S = 2.0
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
KNOWN = {
    "method",
    "path_pattern",
    "status_code",
    "time_from",
    "time_to",
    "session_id",
    "include_admin",
    "limit",
    "offset",
}


@dataclass
class LogFilter:
    """Parsed, checked filters."""

    method: str | None = None
    path_pattern: Any = None
    status_code: int | None = None
    time_from: str | None = None
    time_to: str | None = None
    session_id: str | None = None
    include_admin: bool = False
    limit: int | None = DEFAULT_LIMIT
    offset: int = 0


def parse_time(name: str, text: str, *, upper: bool) -> str:
    """An ISO 8601 time as the log stores it (UTC, milliseconds); rounded
    inwards to whole milliseconds so inclusive comparisons stay exact."""
    try:
        moment = datetime.fromisoformat(
            text.strip().replace("Z", "+00:00").replace(" ", "T")
        )
    except ValueError:
        raise InputError(f"{name}: {text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    extra = moment.microsecond % 1000
    if extra:
        moment -= timedelta(microseconds=extra)
        if not upper:
            moment += timedelta(milliseconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _int(name: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{name}: expected an integer, got {text!r}") from None
    if not low <= value <= high:
        raise InputError(f"{name}: expected {low}-{high}, got {value}")
    return value


def _bool(name: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise InputError(f"{name}: expected true or false, got {text!r}")


def parse_filter(query: Mapping[str, str], *, default_limit: int | None) -> LogFilter:
    """Reads and checks the filters of a query string."""
    unknown = sorted(set(query) - KNOWN)
    if unknown:
        raise InputError(f"unknown parameters {unknown}; known: {sorted(KNOWN)}")
    found = LogFilter(limit=default_limit)
    if query.get("method"):
        found.method = query["method"].strip().upper()
    if query.get("path_pattern"):
        pattern = query["path_pattern"]
        if len(pattern) > MAX_PATTERN:
            raise InputError(f"path_pattern: longer than {MAX_PATTERN} characters")
        try:
            found.path_pattern = regex.compile(pattern)
        except regex.error as error:
            raise InputError(
                f"path_pattern: not a valid regular expression: {error}"
            ) from None
    if query.get("status_code"):
        found.status_code = _int("status_code", query["status_code"], 100, 599)
    if query.get("time_from"):
        found.time_from = parse_time("time_from", query["time_from"], upper=False)
    if query.get("time_to"):
        found.time_to = parse_time("time_to", query["time_to"], upper=True)
    if query.get("session_id"):
        found.session_id = query["session_id"]
    if "include_admin" in query:
        found.include_admin = _bool("include_admin", query["include_admin"])
    if query.get("limit"):
        found.limit = _int("limit", query["limit"], 1, MAX_LIMIT)
    if query.get("offset"):
        found.offset = _int("offset", query["offset"], 0, 2**62)
    return found


def _where(found: LogFilter) -> tuple[str, list[Any]]:
    clauses, args = [], []
    for clause, value in (
        ("method = ?", found.method),
        ("status_code = ?", found.status_code),
        ("timestamp >= ?", found.time_from),
        ("timestamp <= ?", found.time_to),
        ("session_id = ?", found.session_id),
    ):
        if value is not None:
            clauses.append(clause)
            args.append(value)
    if not found.include_admin:
        clauses.append("is_admin = 0")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def matching_ids(db: sqlite3.Connection, found: LogFilter) -> list[int]:
    """The ids of every matching row, newest first."""
    where, args = _where(found)
    rows = db.execute(
        f"SELECT id, path FROM request_logs{where} ORDER BY id DESC", args
    )
    if found.path_pattern is None:
        return [row[0] for row in rows]
    deadline = time.monotonic() + PATTERN_BUDGET_S
    ids = []
    for row_id, path in rows:
        try:
            remaining = max(0.001, deadline - time.monotonic())
            if found.path_pattern.search(path, timeout=remaining):
                ids.append(row_id)
        except TimeoutError:
            raise InputError(
                "path_pattern: too slow to evaluate; simplify it"
            ) from None
    return ids


def fetch(db: sqlite3.Connection, ids: list[int]) -> list[dict[str, Any]]:
    """Full rows for ``ids``, in that order."""
    rows: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.execute(
            f"SELECT * FROM request_logs WHERE id IN ({marks})", chunk
        ):
            rows[row["id"]] = dict(row)
    return [rows[i] for i in ids if i in rows]


def page(ids: list[int], found: LogFilter) -> list[int]:
    """The ``offset``/``limit`` slice of ``ids``."""
    end = None if found.limit is None else found.offset + found.limit
    return ids[found.offset : end]
