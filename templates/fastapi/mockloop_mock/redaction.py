"""Keeping secrets out of the request log."""

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

REDACTED = "[REDACTED]"
ALWAYS_SECRET = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie"}
)
SECRET_WORDS = ("token", "secret", "password", "api-key", "api_key", "apikey")
# How many names' verdicts a redactor remembers.
NAME_CACHE_SIZE = 10_000


class Redactor:
    """Redacts secret headers, query parameters and JSON fields: the
    always-secret headers, the API-key names the spec declares, and any name
    holding one of :data:`SECRET_WORDS`."""

    def __init__(self, api_key_names: Iterable[str] = ()) -> None:
        self.api_key_names = frozenset(name.lower() for name in api_key_names)
        self._verdicts: dict[str, bool] = {}

    def is_secret(self, name: str) -> bool:
        """Whether a header, query parameter or field with this name is secret."""
        found = self._verdicts.get(name)
        if found is None:
            lowered = name.lower()
            found = (
                lowered in ALWAYS_SECRET
                or lowered in self.api_key_names
                or any(word in lowered for word in SECRET_WORDS)
            )
            if len(self._verdicts) < NAME_CACHE_SIZE:
                self._verdicts[name] = found
        return found

    def may_hold_secrets(self, text: str) -> bool:
        """A quick test: whether a secret name could occur in ``text`` at all."""
        lowered = text.lower()
        return any(word in lowered for word in SECRET_WORDS) or any(
            name in lowered for name in self.api_key_names
        )

    def headers(self, raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
        """Request headers as a JSON-ready dict, secret values redacted."""
        out: dict[str, str] = {}
        for raw_name, raw_value in raw:
            name = raw_name.decode("latin-1")
            value = REDACTED if self.is_secret(name) else raw_value.decode("latin-1")
            out[name] = f"{out[name]}, {value}" if name in out else value
        return out

    def query(self, text: str) -> str:
        """A query string with the values of secret parameters redacted."""
        if not text or not self.may_hold_secrets(text):
            return text
        pairs = parse_qsl(text, keep_blank_values=True)
        if not any(self.is_secret(name) for name, _ in pairs):
            return text
        return urlencode(
            [(name, REDACTED if self.is_secret(name) else v) for name, v in pairs]
        )

    def body(self, text: str | None) -> str | None:
        """A logged body with secret fields of JSON objects redacted."""
        if not text or text[0] not in "[{" or not self.may_hold_secrets(text):
            return text
        try:
            value = json.loads(text)
        except ValueError:
            return text
        cleaned, changed = self._redact_value(value)
        return json.dumps(cleaned, ensure_ascii=False) if changed else text

    def _redact_value(self, value: Any) -> tuple[Any, bool]:
        if isinstance(value, dict):
            changed = False
            out = {}
            for key, item in value.items():
                if self.is_secret(str(key)) and isinstance(item, str | int | float):
                    out[key] = REDACTED
                    changed = True
                else:
                    out[key], item_changed = self._redact_value(item)
                    changed = changed or item_changed
            return out, changed
        if isinstance(value, list):
            pairs = [self._redact_value(item) for item in value]
            return [item for item, _ in pairs], any(changed for _, changed in pairs)
        return value, False
