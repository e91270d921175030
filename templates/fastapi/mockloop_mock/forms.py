"""Reading form bodies (urlencoded and multipart) as JSON values.

A form carries only strings, and OpenAPI leaves room in how a client spells
an array (repeated fields, one comma-separated field, one JSON field) or a
nullable value (``null``). Each field is read every plausible way and the
reading its schema accepts wins. A body described by ``oneOf``/``anyOf`` is
read once per branch, so that ``"0"`` is a string where a branch wants one.

An empty array has no field on the wire: a required array field that is
absent is read as ``[]`` where its schema allows no items.

A nested object has no agreed form encoding. When a field that holds
objects arrives as repeated plain text (an object flattened to its keys, as
common clients do) or not at all (an empty one), and the rest of the body is
valid, the body is reported as not checkable rather than rejected: a valid
request is never refused for the way its client happened to flatten it.
"""

import json
from typing import Any

from mockloop_mock import params, schemas

MAX_BRANCHES = 64


_BRANCHES: dict[int, list[Any]] = {}


def branches(schema: Any) -> list[Any]:
    """The schema and, recursively, the members of its ``oneOf``/``anyOf``
    (also inside ``allOf``): the shapes a value of it may take. Cached:
    the schemas are the document's own, alive as long as the process."""
    found = _BRANCHES.get(id(schema))
    if found is None:
        found = _branches(schema, 0)
        _BRANCHES[id(schema)] = found
    return found


def _branches(schema: Any, depth: int) -> list[Any]:
    out = [schema]
    resolved = schemas.resolve(schema)
    if depth > 4:
        return out
    for keyword in ("oneOf", "anyOf", "allOf"):
        for member in resolved.get(keyword, []):
            found = _branches(member, depth + 1)
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
        # A repeated field is an array, whatever the schema says.
        return [params.coerce_array(values, field)]
    text = values[0]
    if params.shape(field) != "array":
        return [params.coerce(text, field)]
    return [
        # An empty text is one empty item: an empty array has no field.
        params.coerce_array(text.split(","), field),
        params.coerce_array([text], field),
        params.coerce(text, field),
    ]


def field_value(values: list[str], field: Any) -> Any:
    """The reading of a field that its schema accepts, else the likeliest.
    Branches are tried in turn, so the usual case costs one reading."""
    first: list[Any] = []
    for branch in branches(field):
        for option in readings(values, branch):
            if schemas.is_valid(field, option):
                return option
            if not first:
                first.append(option)
    return first[0]


def wants_object(field: Any) -> bool:
    """Whether a field (or its items) may be an object."""
    return any(
        "object" in schemas.types_of(branch)
        or "object" in schemas.types_of(schemas.subschema(branch, "items"))
        for branch in branches(field)
    )


def object_keys(field: Any) -> set[str]:
    """The property names declared by the objects a field holds (itself or
    its items, in every branch): what a flattened object is spelled with."""
    names: set[str] = set()
    for branch in branches(field):
        for part in (branch, schemas.subschema(branch, "items")):
            declared = schemas.resolve(part).get("properties")
            if isinstance(declared, dict):
                names.update(declared)
    return names


def lost_fields(
    grouped: dict[str, list[str]], branch: Any, multipart: bool
) -> set[str]:
    """Fields that hold objects but came as plain text flattened from them
    (repeated, or one value naming a property of the object, as common
    clients send an object's keys) or, in a urlencoded form, not at all
    though required (an empty one, flattened to nothing; a multipart body
    sends an object as a JSON part, ``{}`` included): losses no reading can
    undo."""
    lost = set()
    for key, values in grouped.items():
        field = field_schema(branch, key)
        if not wants_object(field):
            continue
        plain = {text for text in values if not _is_json(text)}
        if plain and (len(values) > 1 or plain & object_keys(field)):
            lost.add(key)
    if multipart:
        return lost
    required = schemas.resolve(branch).get("required", [])
    lost.update(
        key
        for key in required
        if isinstance(key, str)
        and key not in grouped
        and wants_object(field_schema(branch, key))
    )
    return lost


def valid_but_for_losses(
    grouped: dict[str, list[str]],
    candidate: dict[str, Any],
    branch: Any,
    multipart: bool,
) -> bool:
    """Whether ``candidate`` is valid against ``branch`` once the fields a
    client's flattening lost are left out (and not required). Fields the
    branch does not declare are judged by its ``additionalProperties``."""
    lost = lost_fields(grouped, branch, multipart)
    if not lost:
        return False
    resolved = schemas.resolve(branch)
    relaxed = {
        **resolved,
        "required": [k for k in resolved.get("required", []) if k not in lost],
    }
    rest = {key: value for key, value in candidate.items() if key not in lost}
    return schemas.is_valid_uncached(relaxed, rest)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def empty_arrays(grouped: dict[str, list[str]], branch: Any) -> dict[str, list[Any]]:
    """The required array fields a form left out, as ``[]`` where their
    schema allows it: an empty array has no field on the wire."""
    required = schemas.resolve(branch).get("required", [])
    found: dict[str, list[Any]] = {}
    for key in required:
        if not isinstance(key, str) or key in grouped:
            continue
        field = field_schema(branch, key)
        if params.shape(field) == "array" and schemas.is_valid(field, []):
            found[key] = []
    return found


def read(pairs: list[tuple[str, str]], schema: Any, *, multipart: bool = False) -> Any:
    """Form fields (a urlencoded body's, or a multipart body's with
    ``multipart``) as an object valid against ``schema`` if any reading is;
    ``params.MISSING`` when the body cannot be judged; else the likeliest
    reading, for its violations to be reported."""
    grouped: dict[str, list[str]] = {}
    for key, text in pairs:
        grouped.setdefault(key, []).append(text)
    first: dict[str, Any] | None = None
    for branch in branches(schema):
        candidate = {
            key: field_value(values, field_schema(branch, key))
            for key, values in grouped.items()
        }
        candidate.update(empty_arrays(grouped, branch))
        if schemas.is_valid(schema, candidate):
            return candidate
        if valid_but_for_losses(grouped, candidate, branch, multipart):
            return params.MISSING
        if first is None:
            first = candidate
    return first
