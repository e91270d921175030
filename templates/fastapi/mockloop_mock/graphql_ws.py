"""GraphQL over WebSocket (``graphql-transport-ws``) on ``/graphql``.

As the native engine serves it: the connection is initialised and
acknowledged, then each ``subscribe`` runs its operation. A query or mutation
answers once; a subscription emits an event every interval
(``MOCKLOOP_GRAPHQL_EVENT_INTERVAL_MS``, or the operation's
``extensions.mockloop.interval_ms``; 0 for none) and after every mutation
whose object it follows, until the client completes it (or
``extensions.mockloop.count`` events were sent).
"""

import asyncio
import contextlib
import json
import os
import secrets
import time
from typing import Any

from fastapi import WebSocket
from fastapi.responses import JSONResponse
from graphql import OperationType

from mockloop_mock import auth, graphql_http, graphql_resolve, scenarios, settings
from mockloop_mock.logging_db import LogEntry

PROTOCOL = "graphql-transport-ws"
INIT_TIMEOUT_S = 10.0


def _interval_ms() -> int:
    try:
        return int(os.environ.get("MOCKLOOP_GRAPHQL_EVENT_INTERVAL_MS", "1000"))
    except ValueError:
        return 1000


INTERVAL_MS = _interval_ms()


def log_operation(
    websocket: WebSocket,
    payload: dict[str, Any],
    label: str,
    refused: dict[str, Any] | None = None,
) -> None:
    """Logs an operation started on a socket, as the native engine does:
    the upgrade's ``GET /graphql`` and headers, status 101, the
    ``subscribe`` payload as the request body, the operation (``subscription
    Ticks``) as its key; an operation refused logs its error message."""
    writer = getattr(websocket.app.state, "log_writer", None)
    if writer is None:
        return
    limit = settings.LOG_BODY_LIMIT
    request_body = json.dumps(payload, separators=(",", ":")).encode()
    response_body = (
        json.dumps(refused, separators=(",", ":")).encode() if refused else b""
    )
    client = websocket.client
    writer.submit(
        LogEntry(
            started=time.time(),
            method="GET",
            path="/graphql",
            query=b"",
            status_code=101,
            process_time_ms=0.0,
            client_host=client.host if client else None,
            headers=list(websocket.scope["headers"]),
            request_body=request_body[:limit],
            response_body=response_body[:limit],
            response_size=len(response_body),
            correlation_id=secrets.token_hex(16),
            test_scenario=scenarios.STORE.active_name,
            is_admin=False,
            operation_key=label,
        )
    )


class Closed(Exception):
    """The session ends with a close code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def _refuse(websocket: WebSocket, response: JSONResponse) -> None:
    """Refuses the handshake with an HTTP response where the server can."""
    try:
        await websocket.send_denial_response(response)
    except RuntimeError:
        await websocket.close(code=1008)


async def graphql_socket(websocket: WebSocket) -> None:
    """Serves one GraphQL WebSocket."""
    if PROTOCOL not in websocket.scope.get("subprotocols", []):
        message = f"the WebSocket sub-protocol must be {PROTOCOL}"
        await _refuse(websocket, JSONResponse({"error": message}, status_code=400))
        return
    denied = auth.check(websocket, "GET /graphql")  # type: ignore[arg-type]
    if denied is not None:
        await _refuse(websocket, denied)
        return
    await websocket.accept(subprotocol=PROTOCOL)
    lock = asyncio.Lock()

    async def send(message: dict[str, Any]) -> None:
        async with lock:
            await websocket.send_text(json.dumps(message))

    tasks: dict[str, asyncio.Task[None]] = {}
    try:
        await _session(websocket, send, tasks)
    except Closed as closed:
        with contextlib.suppress(RuntimeError):
            await websocket.close(code=closed.code, reason=closed.reason)
    finally:
        for task in tasks.values():
            task.cancel()


async def _session(
    websocket: WebSocket, send: Any, tasks: dict[str, "asyncio.Task[None]"]
) -> None:
    acked = False
    deadline = time.monotonic() + INIT_TIMEOUT_S
    while True:
        timeout = None if acked else max(deadline - time.monotonic(), 0.0)
        try:
            message = await asyncio.wait_for(websocket.receive(), timeout)
        except TimeoutError as err:
            raise Closed(4408, "Connection initialisation timeout") from err
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            raise Closed(4400, "Binary messages are not accepted")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise Closed(4400, "Invalid message received")
        kind = parsed.get("type")
        item_id = parsed.get("id") if isinstance(parsed.get("id"), str) else None
        if kind == "connection_init":
            if acked:
                raise Closed(4429, "Too many initialisation requests")
            acked = True
            await send({"type": "connection_ack"})
        elif kind == "ping":
            await send({"type": "pong"})
        elif kind == "pong":
            continue
        elif kind == "subscribe":
            if not acked:
                raise Closed(4401, "Unauthorized")
            payload = parsed.get("payload")
            if item_id is None or not isinstance(payload, dict):
                raise Closed(4400, "Invalid message received")
            running = tasks.get(item_id)
            if running is not None and not running.done():
                raise Closed(4409, f"Subscriber for {item_id} already exists")
            tasks[item_id] = asyncio.create_task(
                _operation(websocket, item_id, payload, send)
            )
        elif kind == "complete":
            task = tasks.pop(item_id, None) if item_id is not None else None
            if task is not None:
                task.cancel()
        else:
            raise Closed(4400, "Invalid message received")


def _pacing(payload: dict[str, Any]) -> tuple[float | None, int | None]:
    """The interval (seconds, or none) and the number of events asked for."""
    extensions = payload.get("extensions")
    asked = extensions.get("mockloop") if isinstance(extensions, dict) else None
    if not isinstance(asked, dict):
        asked = {}
    interval_ms = asked.get("interval_ms")
    if (
        not isinstance(interval_ms, int)
        or isinstance(interval_ms, bool)
        or interval_ms < 0
    ):
        interval_ms = INTERVAL_MS
    count = asked.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        count = None
    interval = max(interval_ms, 10) / 1000.0 if interval_ms > 0 else None
    return interval, count


async def _execute(
    prepared: graphql_http.Prepared, index: int, event: dict[str, Any] | None
) -> dict[str, Any]:
    body, _refused, events = await asyncio.to_thread(
        graphql_http.execute_prepared, prepared, index, event
    )
    graphql_resolve.BUS.publish(events)
    return body


async def _operation(
    websocket: WebSocket, item_id: str, payload: dict[str, Any], send: Any
) -> None:
    """Runs one operation of the socket, sending its results."""
    query = payload.get("query") if isinstance(payload.get("query"), str) else ""
    name = payload.get("operationName")
    variables = payload.get("variables")
    try:
        prepared = await asyncio.to_thread(
            graphql_http.prepare,
            query,
            name if isinstance(name, str) and name else None,
            variables if isinstance(variables, dict) else {},
        )
    except graphql_http.Refused as refused:
        message = {"id": item_id, "type": "error", "payload": refused.errors}
        log_operation(websocket, payload, refused.label, message)
        await send(message)
        return
    log_operation(websocket, payload, prepared.label)
    if prepared.kind != OperationType.SUBSCRIPTION:
        body = await _execute(prepared, 0, None)
        await send({"id": item_id, "type": "next", "payload": body})
        await send({"id": item_id, "type": "complete"})
        return
    interval, count = _pacing(payload)
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    graphql_resolve.BUS.queues.add(queue)
    try:
        sent = 0
        next_tick = time.monotonic() + interval if interval is not None else None
        while count is None or sent < count:
            timeout = (
                None if next_tick is None else max(next_tick - time.monotonic(), 0.0)
            )
            try:
                event = await asyncio.wait_for(queue.get(), timeout)
            except TimeoutError:
                event = None
                next_tick = (next_tick or time.monotonic()) + (interval or 0.0)
            if event is not None:
                field = prepared.root_field
                if field is None or not graphql_resolve.wants(
                    field[0], field[1], event
                ):
                    continue
            sent += 1
            body = await _execute(prepared, sent, event)
            await send({"id": item_id, "type": "next", "payload": body})
        await send({"id": item_id, "type": "complete"})
    finally:
        graphql_resolve.BUS.queues.discard(queue)
