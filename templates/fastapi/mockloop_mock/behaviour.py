"""What an override or a scenario tells one endpoint to do.

A behaviour is a JSON object with any of ``status_code``, ``body``,
``headers``, ``delay_ms`` and ``error_rate``. Whatever it leaves out comes
from the documented response.
"""

from typing import Any

from mockloop_mock import catalog, settings

FIELDS = {"status_code", "body", "headers", "delay_ms", "error_rate"}
GRAPHQL_FIELDS = {"data", "errors", "delay_ms", "error_rate"}
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


def is_coordinate(raw: str) -> bool:
    """Whether a GraphQL mock's key is a schema coordinate (``Query.user``)."""
    raw = raw.strip()
    return "graphql" in settings.MANIFEST and " " not in raw and "." in raw


def coordinate_key(raw: object) -> str:
    """Checks that ``Type.field`` names a field of the schema; returns it."""
    if not isinstance(raw, str) or not is_coordinate(raw):
        raise InputError(f"coordinate {raw!r} is not 'Type.field'")
    # Imported here: only GraphQL mocks have the schema.
    from mockloop_mock import graphql_data

    text = raw.strip()
    type_name, _, field = text.partition(".")
    fields = getattr(graphql_data.SCHEMA.type_map.get(type_name), "fields", None)
    if (
        type_name.startswith("__")
        or not isinstance(fields, dict)
        or field not in fields
    ):
        raise InputError(f"no field {text} in this schema")
    return text


def validate_graphql(raw: object, where: str) -> dict[str, Any]:
    """Checks a GraphQL behaviour (``data``, ``errors``, ``delay_ms``,
    ``error_rate``); returns a clean copy."""
    raw = _object(raw, where, GRAPHQL_FIELDS)
    clean: dict[str, Any] = {}
    if "data" in raw:
        clean["data"] = raw["data"]
    errors = raw.get("errors")
    if errors is not None:
        if (
            not isinstance(errors, list)
            or not errors
            or not all(_is_error(e) for e in errors)
        ):
            raise InputError(
                f"{where}.errors: expected a list of {{message, extensions}} objects"
            )
        clean["errors"] = errors
    clean.update(_timing(raw, where))
    return clean


def _object(raw: object, where: str, allowed: set[str]) -> dict[str, Any]:
    """``raw`` as an object with only ``allowed`` fields."""
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected an object")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InputError(
            f"{where}: unknown fields {unknown}; allowed: {sorted(allowed)}"
        )
    return raw


def _is_error(error: object) -> bool:
    return (
        isinstance(error, dict)
        and isinstance(error.get("message"), str)
        and isinstance(error.get("extensions", {}), dict | type(None))
        and set(error) <= {"message", "extensions"}
    )


def _timing(raw: dict[str, Any], where: str) -> dict[str, Any]:
    clean: dict[str, Any] = {}
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


def entry(key: str, raw: object, where: str) -> tuple[str, dict[str, Any]]:
    """A scenario entry: an endpoint's behaviour, or a coordinate's."""
    if is_coordinate(key):
        return coordinate_key(key), validate_graphql(raw, where)
    return endpoint_key(key), validate(raw, where)


def validate(raw: object, where: str) -> dict[str, Any]:
    """Checks a behaviour object; returns a clean copy."""
    raw = _object(raw, where, FIELDS)
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
    clean.update(_timing(raw, where))
    return clean


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
