"""What an override or a scenario tells one endpoint to do.

A behaviour is a JSON object with any of ``status_code``, ``body``,
``headers``, ``delay_ms`` and ``error_rate``. Whatever it leaves out comes
from the documented response.
"""

from typing import Any

from mockloop_mock import catalog

FIELDS = {"status_code", "body", "headers", "delay_ms", "error_rate"}
MAX_DELAY_MS = 120_000


class InputError(ValueError):
    """Bad input to the admin API: answered with ``status`` and a JSON error."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def endpoint_key(raw: object) -> str:
    """Checks ``"GET /pets/{petId}"`` names an operation; returns its key."""
    if not isinstance(raw, str) or " " not in raw.strip():
        raise InputError(f"endpoint {raw!r} is not 'METHOD /path/template'")
    method, path = raw.strip().split(" ", 1)
    key = catalog.operation_key(method, path.strip())
    if key is None:
        raise InputError(f"no operation {method.upper()} {path.strip()} in this API")
    return key


def validate(raw: object, where: str) -> dict[str, Any]:
    """Checks a behaviour object; returns a clean copy."""
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected an object")
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise InputError(
            f"{where}: unknown fields {unknown}; allowed: {sorted(FIELDS)}"
        )
    clean: dict[str, Any] = {}
    status = raw.get("status_code")
    if status is not None:
        if not _is_int(status) or not 100 <= status <= 599:
            raise InputError(f"{where}.status_code: expected an integer 100-599")
        clean["status_code"] = status
    if "body" in raw:
        clean["body"] = raw["body"]
    headers = raw.get("headers")
    if headers is not None:
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise InputError(f"{where}.headers: expected an object of strings")
        clean["headers"] = headers
    delay = raw.get("delay_ms")
    if delay is not None:
        if not _is_number(delay) or not 0 <= delay <= MAX_DELAY_MS:
            raise InputError(f"{where}.delay_ms: expected a number 0-{MAX_DELAY_MS}")
        clean["delay_ms"] = delay
    rate = raw.get("error_rate")
    if rate is not None:
        if not _is_number(rate) or not 0 <= rate <= 1:
            raise InputError(f"{where}.error_rate: expected a number 0-1")
        clean["error_rate"] = rate
    return clean


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
