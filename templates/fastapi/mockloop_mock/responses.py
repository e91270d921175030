"""Choosing and serving a response.

The first of these that applies decides the response:

0. in stateful mode (``storage.py``), the store, for collection routes;
1. the ``Prefer`` header (``code=``, ``example=``, ``dynamic=true``);
2. the endpoint's override (``/admin/api/mock-data/responses``);
3. the active scenario's entry for the endpoint;
4. the documented default response (the first 2xx).

A request without the credentials the operation needs is answered 401
(``auth.py``), an invalid request 422, before any of them is looked at.
"""

import asyncio
import json
import random
from typing import Any
from xml.sax.saxutils import escape

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from mockloop_mock import (
    auth,
    catalog,
    dynamic,
    overrides,
    prefer,
    scenarios,
    settings,
    storage,
    validation,
    webhooks,
)

OPERATIONS: dict[str, Any] = settings.load_json(settings.DATA_DIR / "operations.json")
FAULT_BODY = {"error": "fault injected by mockloop", "status": 500}


async def mock_response(request: Request, key: str) -> Response:
    """Answers a request for the operation ``key`` (e.g. ``GET /pets/{petId}``)
    and tells the webhooks that want ``request.completed``."""
    response = await answer(request, key)
    webhooks.request_completed(request, key, response.status_code)
    return response


async def answer(request: Request, key: str) -> Response:
    """The response for a request to the operation ``key``."""
    denied = auth.check(request, key)
    if denied is not None:
        return denied
    if settings.VALIDATION:
        violations = await validation.request_violations(request, key)
        if violations:
            return validation.problem_response(violations)
    operation = OPERATIONS[key]
    if storage.active():
        outcome = await storage.handle(request, key)
        if outcome is not None:
            return stored_response(operation, outcome)
    preference = prefer.parse(request.headers.get("prefer"))
    if preference is not None:
        return preferred_response(key, operation, preference)
    configured = overrides.STORE.behaviour(key) or scenarios.STORE.behaviour(key)
    if configured is not None:
        return await configured_response(operation, configured)
    status = operation["default"]
    if status is None:
        return Response(status_code=200)
    return documented_response(operation["responses"][status])


def stored_response(operation: dict[str, Any], outcome: storage.Outcome) -> Response:
    """The store's answer; an unknown id gets the documented 404, if any."""
    if outcome.status == 404:
        found = documented(operation, 404)
        if found is not None and found[0] != "default":
            return documented_response(found[1])
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Not Found",
                "status": 404,
                "detail": "no stored item with this id",
            },
            status_code=404,
            media_type="application/problem+json",
        )
    if outcome.body is storage.NO_BODY:
        return Response(status_code=outcome.status)
    return JSONResponse(outcome.body, status_code=outcome.status)


def documented(
    operation: dict[str, Any], code: int
) -> tuple[str, dict[str, Any]] | None:
    """The documented response for a status code: exact, range (``4XX``),
    then ``default``."""
    responses = operation["responses"]
    for status in (str(code), f"{str(code)[0]}XX", "default"):
        if status in responses:
            return status, responses[status]
    return None


def with_example(
    operation: dict[str, Any], name: str | None
) -> tuple[str, dict[str, Any]] | None:
    """The documented response that has the example ``name``: the default
    one first, then the others in spec order."""
    if name is None:
        return None
    responses = operation["responses"]
    default = operation["default"]
    order = [default, *responses] if default is not None else list(responses)
    for status in order:
        if name in responses[status]["examples"]:
            return status, responses[status]
    return None


def preferred_response(
    key: str, operation: dict[str, Any], preference: prefer.Preference
) -> Response:
    """The response a ``Prefer`` header asks for."""
    if preference.code is not None:
        found = documented(operation, preference.code)
        if found is None:
            return Response(status_code=preference.code)
        status, entry = found
        entry = {**entry, "status_code": preference.code}
    elif (named := with_example(operation, preference.example)) is not None:
        status, entry = named
    elif operation["default"] is not None:
        status = operation["default"]
        entry = operation["responses"][status]
    else:
        return Response(status_code=200)
    if preference.example is not None and preference.example in entry["examples"]:
        entry = {**entry, "body": entry["examples"][preference.example]}
    elif preference.dynamic and entry["media_type"] is not None:
        schema = catalog.OPERATIONS[key]["responses"].get(status)
        body = dynamic.synthesise(schema, random.getrandbits(64))
        if schema is not None and body is not dynamic.NOTHING:
            entry = {**entry, "body": body}
    return build_response(entry)


async def configured_response(
    operation: dict[str, Any], config: dict[str, Any]
) -> Response:
    """The response an override or a scenario describes."""
    delay = config.get("delay_ms")
    if delay:
        await asyncio.sleep(delay / 1000)
    rate = config.get("error_rate")
    if rate and random.random() < rate:
        return fault_response(operation)
    code = config.get("status_code")
    found = None
    if code is not None:
        found = documented(operation, code)
    elif operation["default"] is not None:
        found = (operation["default"], operation["responses"][operation["default"]])
    entry: dict[str, Any] = {
        "status_code": code or 200,
        "media_type": None,
        "body": None,
        "headers": {},
    }
    if found is not None:
        entry = {**found[1], "status_code": code or found[1]["status_code"]}
    if "body" in config:
        entry["body"] = config["body"]
        entry["media_type"] = entry["media_type"] or "application/json"
    entry["headers"] = {**entry["headers"], **config.get("headers", {})}
    return build_response(entry)


def fault_response(operation: dict[str, Any]) -> Response:
    """An injected fault: the first documented 5xx response, else a plain 500."""
    for entry in operation["responses"].values():
        if entry["status_code"] >= 500:
            return documented_response(entry)
    return JSONResponse(FAULT_BODY, status_code=500)


class PrebuiltResponse(Response):
    """A response whose status, headers and body were made once, at first
    use: the documented responses never change, so each is serialised once."""

    def __init__(self, template: Response) -> None:
        self.status_code = template.status_code
        self.background = None
        self.body = template.body
        # A copy: middleware may add headers to the list it is given.
        self.raw_headers = list(template.raw_headers)


# Documented response entry (by id; they live as long as OPERATIONS) ->
# the response made from it.
_TEMPLATES: dict[int, Response] = {}


def documented_response(entry: dict[str, Any]) -> Response:
    """The response for an entry of ``OPERATIONS``, serialised once."""
    template = _TEMPLATES.get(id(entry))
    if template is None:
        template = _TEMPLATES[id(entry)] = build_response(entry)
    return PrebuiltResponse(template)


def build_response(response: dict[str, Any]) -> Response:
    """Builds the HTTP response for one documented response entry."""
    media_type = response["media_type"]
    headers = dict(response["headers"])
    if media_type is None:
        return Response(status_code=response["status_code"], headers=headers)
    return Response(
        content=encode_body(response["body"], media_type),
        status_code=response["status_code"],
        headers=headers,
        media_type=media_type,
    )


def is_json(media_type: str) -> bool:
    """Whether a media type carries JSON."""
    base = media_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith(("+json", "/json"))


def encode_body(body: Any, media_type: str) -> bytes:
    """Serialises an example body for its media type."""
    if is_json(media_type):
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    if isinstance(body, str):
        return body.encode("utf-8")
    if "xml" in media_type.lower():
        return to_xml("response", body).encode("utf-8")
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def to_xml(tag: str, value: Any) -> str:
    """A plain XML rendering of a JSON value."""
    if isinstance(value, dict):
        inner = "".join(to_xml(str(key), item) for key, item in value.items())
    elif isinstance(value, list):
        inner = "".join(to_xml("item", item) for item in value)
    elif value is None:
        inner = ""
    else:
        inner = escape(value if isinstance(value, str) else json.dumps(value))
    safe_tag = "".join(c if c.isalnum() or c in "-_." else "_" for c in tag) or "item"
    if not (safe_tag[0].isalpha() or safe_tag[0] == "_"):
        safe_tag = f"_{safe_tag}"
    return f"<{safe_tag}>{inner}</{safe_tag}>"
