"""The request-log middleware: a plain ASGI middleware, so it adds little.

It routes on the raw path where it holds ``%2F`` (``raw_path.py``), gives
every request a correlation id (``X-Correlation-Id`` or
``X-Request-Id`` from the request, or a new one), echoes it as
``X-Correlation-Id``, and when logging is on captures the request and
response (bodies up to ``settings.LOG_BODY_LIMIT`` bytes) and hands them to
the :class:`~mockloop_mock.log_writer.LogWriter` once the response is sent.
"""

import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from mockloop_mock import catalog, database, raw_path, scenarios, settings
from mockloop_mock.log_writer import LogWriter
from mockloop_mock.logging_db import LogEntry

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ADMIN_PREFIX = "/admin/api"
ADMIN_PAGES = {"/admin", "/admin/"}
CORRELATION_HEADERS = (b"x-correlation-id", b"x-request-id")


def correlation_id(headers: list[tuple[bytes, bytes]]) -> bytes:
    """The request's correlation id, or a new one."""
    for wanted in CORRELATION_HEADERS:
        for name, value in headers:
            if name == wanted and value:
                return value[:200]
    return os.urandom(16).hex().encode("ascii")


def is_admin_path(path: str) -> bool:
    """Whether a path belongs to the admin API or is the admin UI's page."""
    if path in ADMIN_PAGES:
        return True
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


class RequestLogMiddleware:
    """Correlation ids and, with a writer, the request log."""

    def __init__(self, app: ASGIApp, writer: LogWriter | None = None) -> None:
        self.app = app
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        database.refresh_stores()
        path = scope["path"]
        raw_path.keep_encoded_slashes(scope)
        request_id = correlation_id(scope["headers"])
        if self.writer is None:

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"x-correlation-id", request_id),
                    ]
                await send(message)

            await self.app(scope, receive, send_with_id)
            return
        await self._logged(scope, receive, send, request_id, path)

    async def _logged(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request_id: bytes,
        path: str,
    ) -> None:
        started = time.time()
        clock = time.perf_counter()
        limit = settings.LOG_BODY_LIMIT
        request_body = bytearray()
        response_body = bytearray()
        status = 500
        size = 0

        async def logging_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(request_body) < limit:
                request_body.extend(
                    message.get("body", b"")[: limit - len(request_body)]
                )
            return message

        async def logging_send(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-correlation-id", request_id),
                ]
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                size += len(chunk)
                if len(response_body) < limit:
                    response_body.extend(chunk[: limit - len(response_body)])
            await send(message)

        try:
            await self.app(scope, logging_receive, logging_send)
        finally:
            client = scope.get("client")
            self.writer.submit(
                LogEntry(
                    started=started,
                    method=scope["method"],
                    path=path,
                    query=scope.get("query_string", b""),
                    status_code=status,
                    process_time_ms=(time.perf_counter() - clock) * 1000.0,
                    client_host=client[0] if client else None,
                    headers=scope["headers"],
                    request_body=bytes(request_body),
                    response_body=bytes(response_body),
                    response_size=size,
                    correlation_id=request_id.decode("latin-1"),
                    test_scenario=scenarios.STORE.active_name,
                    is_admin=is_admin_path(path),
                    operation_key=scope.get("mockloop_operation")
                    or catalog.route_key(scope),
                )
            )
