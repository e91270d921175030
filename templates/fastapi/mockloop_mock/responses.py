"""Serving the example responses precomputed by the generator."""

import json
from typing import Any
from xml.sax.saxutils import escape

from fastapi import Request
from fastapi.responses import Response

from mockloop_mock import settings

OPERATIONS: dict[str, Any] = settings.load_json(settings.DATA_DIR / "operations.json")


def mock_response(request: Request, key: str) -> Response:
    """Answers a request for the operation ``key`` (e.g. ``GET /pets/{petId}``)."""
    operation = OPERATIONS[key]
    status = operation["default"]
    if status is None:
        return Response(status_code=200)
    return build_response(operation["responses"][status])


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
