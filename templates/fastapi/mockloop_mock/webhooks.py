"""Webhooks (feature ``webhooks``): registered receivers, signed deliveries
with retries, and the delivery history, all in SQLite.

Every delivery is a JSON ``POST`` with ``X-Mockloop-Event``,
``X-Mockloop-Timestamp`` (Unix seconds) and, when the webhook has a secret,
``X-Mockloop-Signature: sha256=<hex HMAC-SHA256 of the raw body>``. A
failed attempt (no answer, or a status outside 2xx) is retried with
exponential backoff. Only http(s) URLs are accepted, redirects are not
followed, and nothing else stops the mock from calling hosts on its network:
see the README's SSRF note.
"""

import asyncio
import hashlib
import hmac
import json
import os
import secrets
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request

from mockloop_mock import database, raw_path, scenarios, settings
from mockloop_mock.behaviour import InputError

ENABLED: bool = bool(settings.MANIFEST["features"].get("webhooks"))
EVENTS: dict[str, Any] = settings.load_json(settings.DATA_DIR / "events.json")
REQUEST_COMPLETED = "request.completed"
TEST_EVENT = "webhook.test"
ATTEMPTS = int(os.environ.get("MOCKLOOP_WEBHOOK_ATTEMPTS", "3"))
BACKOFF_SECONDS = float(os.environ.get("MOCKLOOP_WEBHOOK_BACKOFF", "0.5"))
TIMEOUT_SECONDS = 5.0

_subscribers: list[dict[str, Any]] | None = None
_tasks: set[asyncio.Task[Any]] = set()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def check_url(url: object) -> str:
    """The URL if it is an absolute http(s) URL, else a 400."""
    if not isinstance(url, str) or len(url) > 2000:
        raise InputError("url: expected an http(s) URL")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InputError("url: only absolute http:// and https:// URLs are allowed")
    return url


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of body>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _row(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "events": json.loads(row["events"]),
        "created_at": row["created_at"],
    }


def _query(sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    db = database.connect(settings.DB_PATH)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def register(raw: object) -> dict[str, Any]:
    """Stores ``{url, events?, secret?}``; the answer shows the secret once."""
    if not isinstance(raw, dict):
        raise InputError("expected a JSON object {url, events, secret}")
    unknown = sorted(set(raw) - {"url", "events", "secret"})
    if unknown:
        raise InputError(f"unknown fields {unknown}")
    url = check_url(raw.get("url"))
    events = raw.get("events", [REQUEST_COMPLETED])
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise InputError("events: expected a list of event names")
    secret = raw.get("secret") or secrets.token_hex(16)
    if not isinstance(secret, str):
        raise InputError("secret: expected a string")
    created = scenarios.now()
    db = database.connect(settings.DB_PATH)
    try:
        cursor = db.execute(
            "INSERT INTO webhooks (url, events, secret, created_at) VALUES (?, ?, ?, ?)",
            (url, json.dumps(events), secret, created),
        )
        webhook_id = cursor.lastrowid
    finally:
        db.close()
    _forget_subscribers()
    return {
        "id": webhook_id,
        "url": url,
        "events": events,
        "secret": secret,
        "created_at": created,
    }


def list_all() -> list[dict[str, Any]]:
    """Every webhook, oldest first, without secrets."""
    return [_row(row) for row in _query("SELECT * FROM webhooks ORDER BY id")]


def get(webhook_id: int) -> dict[str, Any]:
    """One webhook with its secret, or a 404."""
    rows = _query("SELECT * FROM webhooks WHERE id = ?", (webhook_id,))
    if not rows:
        raise InputError(f"no webhook {webhook_id}", status=404)
    return {**_row(rows[0]), "secret": rows[0]["secret"]}


def delete(webhook_id: int) -> None:
    """Removes a webhook (its history stays), or a 404."""
    get(webhook_id)
    _query("DELETE FROM webhooks WHERE id = ?", (webhook_id,))
    _forget_subscribers()


def deliveries(webhook_id: int) -> list[dict[str, Any]]:
    """The delivery attempts of a webhook, newest first."""
    get(webhook_id)
    rows = _query(
        "SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC",
        (webhook_id,),
    )
    return [{**dict(row), "success": bool(row["success"])} for row in rows]


def _forget_subscribers() -> None:
    global _subscribers
    _subscribers = None


def _post(url: str, method: str, body: bytes, headers: dict[str, str]) -> Any:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, str(error)


def _record(
    webhook_id: int | None,
    event: str,
    url: str,
    attempt: int,
    status: int | None,
    error: str | None,
    body: bytes,
) -> None:
    success = status is not None and 200 <= status < 300
    _query(
        "INSERT INTO webhook_deliveries (webhook_id, event, url, attempt,"
        " status_code, error, success, payload, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            webhook_id,
            event,
            url,
            attempt,
            status,
            error,
            int(success),
            body.decode("utf-8", "replace")[:65536],
            scenarios.now(),
        ),
    )


async def deliver(
    url: str,
    event: str,
    payload: Any,
    *,
    secret: str | None = None,
    webhook_id: int | None = None,
    method: str = "POST",
    media_type: str = "application/json",
) -> dict[str, Any]:
    """Sends one event, retrying with backoff; records every attempt."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    status: int | None = None
    error: str | None = None
    for attempt in range(1, ATTEMPTS + 1):
        headers = {
            "Content-Type": media_type,
            "User-Agent": "mockloop-webhooks",
            "X-Mockloop-Event": event,
            "X-Mockloop-Timestamp": str(int(time.time())),
        }
        if secret:
            headers["X-Mockloop-Signature"] = sign(secret, body)
        status, error = await asyncio.to_thread(_post, url, method, body, headers)
        await asyncio.to_thread(
            _record, webhook_id, event, url, attempt, status, error, body
        )
        if status is not None and 200 <= status < 300:
            return {"delivered": True, "attempts": attempt, "status_code": status}
        if attempt < ATTEMPTS:
            await asyncio.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
    return {
        "delivered": False,
        "attempts": ATTEMPTS,
        "status_code": status,
        "error": error,
    }


async def send_test(webhook_id: int) -> dict[str, Any]:
    """Delivers a ``webhook.test`` event to a registered webhook."""
    webhook = await asyncio.to_thread(get, webhook_id)
    payload = {
        "event": TEST_EVENT,
        "webhook_id": webhook_id,
        "sent_at": scenarios.now(),
    }
    return await deliver(
        webhook["url"],
        TEST_EVENT,
        payload,
        secret=webhook["secret"],
        webhook_id=webhook_id,
    )


async def fire(raw: object) -> dict[str, Any]:
    """Sends a spec webhook or callback ``{name, url, secret?}`` with its
    precomputed example payload."""
    if not isinstance(raw, dict):
        raise InputError("expected a JSON object {name, url, secret}")
    name = raw.get("name")
    if not isinstance(name, str) or name not in EVENTS:
        raise InputError(f"name: expected one of {sorted(EVENTS)}", status=404)
    url = check_url(raw.get("url"))
    secret = raw.get("secret")
    if secret is not None and not isinstance(secret, str):
        raise InputError("secret: expected a string")
    event = EVENTS[name]
    result = await deliver(
        url,
        name,
        event["payload"],
        secret=secret,
        method=event["method"],
        media_type=event["media_type"] or "application/json",
    )
    return {"name": name, **result}


def _load_subscribers() -> list[dict[str, Any]]:
    global _subscribers
    if _subscribers is None:
        rows = _query("SELECT * FROM webhooks ORDER BY id")
        _subscribers = [
            {**_row(row), "secret": row["secret"]}
            for row in rows
            if REQUEST_COMPLETED in json.loads(row["events"])
        ]
    return _subscribers


def request_completed(request: Request, key: str, status: int) -> None:
    """Schedules ``request.completed`` for the webhooks that want it."""
    if not ENABLED:
        return
    subscribers = _load_subscribers()
    if not subscribers:
        return
    payload = {
        "event": REQUEST_COMPLETED,
        "operation": key,
        "method": request.method,
        "path": raw_path.restore(request.scope, request.url.path),
        "status_code": status,
        "timestamp": scenarios.now(),
    }
    for webhook in subscribers:
        task = asyncio.create_task(
            deliver(
                webhook["url"],
                REQUEST_COMPLETED,
                payload,
                secret=webhook["secret"],
                webhook_id=webhook["id"],
            )
        )
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)
