"""Reading form bodies (urlencoded and multipart) as JSON values.

A form carries only strings, and OpenAPI leaves room in how a client spells
an array (repeated fields, one comma-separated field, one JSON field) or a
nullable value (``null``). Each field is read every plausible way and the
reading its schema accepts wins. A body described by ``oneOf``/``anyOf`` is
read once per branch, so that ``"0"`` is a string where a branch wants one.

A nested object has no agreed form encoding. When a field that holds
objects arrives as plain text (an object flattened to its keys, as common
clients do) or not at all (an empty one) and no reading of the body is valid,
the body is reported as not checkable rather than rejected: a valid request
is never refused for the way its client happened to flatten it.
"""

import json
from typing import Any

from mockloop_mock import params, schemas

MAX_BRANCHES = 64


def branches(schema: Any, depth: int = 0) -> list[Any]:
    """The schema and, recursively, the members of its ``oneOf``/``anyOf``
    (also inside ``allOf``): the shapes a value of it may take."""
    out = [schema]
    resolved = schemas.resolve(schema)
    if depth > 4:
        return out
    for keyword in ("oneOf", "anyOf", "allOf"):
        for member in resolved.get(keyword, []):
            found = branches(member, depth + 1)
            out.extend(found if keyword != "allOf" else found[1:])
    return out[:MAX_BRANCHES]


def field_schema(branch: Any, key: str) -> Any:
    """The schema of one field: its property, else ``additionalProperties``."""
    found = schemas.subschema(branch, "properties", key)
    if found is True:
        extra = schemas.subschema(branch, "additionalProperties")
        if isinstance(extra, dict):
            return extra
    return found


def readings(values: list[str], field: Any) -> list[Any]:
    """The plausible readings of one field's values, most likely first."""
    if len(values) > 1:
        return [
            params.coerce_array(values, field),
            params.coerce(values[-1], field),
        ]
    text = values[0]
    if params.shape(field) != "array":
        return [params.coerce(text, field)]
    return [
        params.coerce_array(text.split(",") if text else [], field),
        params.coerce_array([text], field),
        params.coerce(text, field),
    ]


def field_value(values: list[str], field: Any) -> Any:
    """The reading of a field that its schema accepts, else the likeliest."""
    options = [
        option for branch in branches(field) for option in readings(values, branch)
    ]
    for option in options:
        if schemas.is_valid(field, option):
            return option
    return options[0]


def wants_object(field: Any) -> bool:
    """Whether a field (or its items) may be an object."""
    return any(
        "object" in schemas.types_of(branch)
        or "object" in schemas.types_of(schemas.subschema(branch, "items"))
        for branch in branches(field)
    )


def is_opaque(grouped: dict[str, list[str]], branch: Any) -> bool:
    """Whether a field that holds objects came as plain text (an object
    flattened to its keys, say) or vanished (an empty one, flattened to
    nothing): losses no reading can undo."""
    for key, values in grouped.items():
        field = field_schema(branch, key)
        if wants_object(field) and any(not _is_json(text) for text in values):
            return True
    required = schemas.resolve(branch).get("required", [])
    return any(
        key not in grouped and wants_object(field_schema(branch, key))
        for key in required
        if isinstance(key, str)
    )


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def read(pairs: list[tuple[str, str]], schema: Any) -> Any:
    """Form fields as an object valid against ``schema`` if any reading is;
    ``params.MISSING`` when the body cannot be judged; else the likeliest
    reading, for its violations to be reported."""
    grouped: dict[str, list[str]] = {}
    for key, text in pairs:
        grouped.setdefault(key, []).append(text)
    first: dict[str, Any] | None = None
    opaque = False
    for branch in branches(schema):
        fields = {key: field_schema(branch, key) for key in grouped}
        candidate = {
            key: field_value(values, fields[key]) for key, values in grouped.items()
        }
        if schemas.is_valid(schema, candidate):
            return candidate
        opaque = opaque or is_opaque(grouped, branch)
        if first is None:
            first = candidate
    return params.MISSING if opaque else first
