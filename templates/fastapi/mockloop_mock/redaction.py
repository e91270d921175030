"""Keeping secrets out of the request log."""

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from mockloop_mock import catalog

REDACTED = "[REDACTED]"
ALWAYS_SECRET = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
SECRET_WORDS = ("token", "secret", "password", "api-key", "api_key", "apikey")


API_KEY_NAMES = {
    name.lower()
    for names in catalog.DOCUMENT["api_key_names"].values()
    for name in names
}


_SECRET_NAMES: dict[str, bool] = {}


def is_secret(name: str) -> bool:
    """Whether a header, query parameter or field with this name is secret."""
    found = _SECRET_NAMES.get(name)
    if found is None:
        lowered = name.lower()
        found = (
            lowered in ALWAYS_SECRET
            or lowered in API_KEY_NAMES
            or any(word in lowered for word in SECRET_WORDS)
        )
        if len(_SECRET_NAMES) < 10_000:
            _SECRET_NAMES[name] = found
    return found


def may_hold_secrets(text: str) -> bool:
    """A quick test: whether a secret name could occur in ``text`` at all."""
    lowered = text.lower()
    return any(word in lowered for word in SECRET_WORDS) or any(
        name in lowered for name in API_KEY_NAMES
    )


def headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Request headers as a JSON-ready dict, secret values redacted."""
    out: dict[str, str] = {}
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1")
        value = REDACTED if is_secret(name) else raw_value.decode("latin-1")
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def query(text: str) -> str:
    """A query string with the values of secret parameters redacted."""
    if not text or not may_hold_secrets(text):
        return text
    pairs = parse_qsl(text, keep_blank_values=True)
    if not any(is_secret(name) for name, _ in pairs):
        return text
    return urlencode([(n, REDACTED if is_secret(n) else v) for n, v in pairs])


def body(text: str | None) -> str | None:
    """A logged body with secret fields of JSON objects redacted."""
    if not text or text[0] not in "[{" or not may_hold_secrets(text):
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text
    cleaned, changed = _redact_value(value)
    return json.dumps(cleaned, ensure_ascii=False) if changed else text


def _redact_value(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            if is_secret(str(key)) and isinstance(item, str | int | float):
                out[key] = REDACTED
                changed = True
            else:
                out[key], item_changed = _redact_value(item)
                changed = changed or item_changed
        return out, changed
    if isinstance(value, list):
        pairs = [_redact_value(item) for item in value]
        return [item for item, _ in pairs], any(changed for _, changed in pairs)
    return value, False
