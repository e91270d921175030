"""Fresh, schema-valid data for ``Prefer: dynamic=true``.

A compact generator over the response schemas: types, ``enum``, ``const``,
common formats, bounds, lengths, ``items``, ``required``, ``allOf``,
``oneOf``/``anyOf`` and references, with recursion cut off at ``MAX_DEPTH``.
Every value is checked with jsonschema; if none of a few attempts is valid,
the caller serves the precomputed example instead.
"""

import random
import string
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from mockloop_mock import schemas

MAX_DEPTH = 6
ATTEMPTS = 5
NOTHING = object()
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")


def synthesise(schema: Any, seed: int) -> Any:
    """A value valid against ``schema``, or ``NOTHING``."""
    rng = random.Random(seed)
    for _ in range(ATTEMPTS):
        value = generate(schema, rng, 0)
        if value is not NOTHING and schemas.is_valid(schema, value, request=False):
            return value
    return NOTHING


def generate(schema: Any, rng: random.Random, depth: int) -> Any:
    """One candidate value (not yet checked)."""
    if schema is False:
        return NOTHING
    schema = schemas.resolve(schema)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return rng.choice(schema["enum"])
    if isinstance(schema.get("allOf"), list):
        return generate(merge_all_of(schema), rng, depth)
    for keyword in ("oneOf", "anyOf"):
        members = schema.get(keyword)
        if isinstance(members, list) and members:
            return generate(rng.choice(members), rng, depth + 1)
    types = sorted(schemas.types_of(schema)) or ["string"]
    if depth >= MAX_DEPTH and "null" in types:
        return None
    kind = rng.choice([t for t in types if t != "null"] or ["null"])
    maker = MAKERS.get(kind)
    return maker(schema, rng, depth) if maker else NOTHING


def merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """``allOf`` members folded into one schema (properties and required joined)."""
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for member in schema["allOf"]:
        member = schemas.resolve(member)
        if "allOf" in member:
            member = merge_all_of(member)
        for key, value in member.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def make_object(schema: dict[str, Any], rng: random.Random, depth: int) -> Any:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    out = {}
    for name, sub in properties.items():
        if name in required or (depth < MAX_DEPTH - 2 and rng.random() < 0.6):
            value = generate(sub, rng, depth + 1)
            if value is NOTHING:
                if name in required:
                    return NOTHING
                continue
            out[name] = value
    return out


def make_array(schema: dict[str, Any], rng: random.Random, depth: int) -> Any:
    low = schema.get("minItems", 0)
    high = schema.get("maxItems", low + 3)
    if depth >= MAX_DEPTH:
        high = low
    items = []
    for _ in range(rng.randint(max(low, min(1, high)), max(low, min(high, low + 3)))):
        value = generate(schema.get("items", True), rng, depth + 1)
        if value is NOTHING:
            return NOTHING
        if not schema.get("uniqueItems") or value not in items:
            items.append(value)
    return items


FORMATS = {
    "date-time": lambda rng: (
        (datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10**8)))
        .isoformat()
        .replace("+00:00", "Z")
    ),
    "date": lambda rng: (
        (datetime(2024, 1, 1) + timedelta(days=rng.randint(0, 900))).date().isoformat()
    ),
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "email": lambda rng: f"{rng.choice(WORDS)}{rng.randint(1, 999)}@example.com",
    "uri": lambda rng: f"https://example.com/{rng.choice(WORDS)}",
    "ipv4": lambda rng: ".".join(str(rng.randint(1, 254)) for _ in range(4)),
}


def make_string(schema: dict[str, Any], rng: random.Random, _depth: int) -> Any:
    low = schema.get("minLength", 0)
    high = schema.get("maxLength", max(low, 12))
    maker = FORMATS.get(schema.get("format", ""))
    if maker is not None:
        text = maker(rng)
        if low <= len(text) <= high:
            return text
    if "pattern" in schema:
        return NOTHING
    text = rng.choice(WORDS)
    while len(text) < low:
        text += rng.choice(string.ascii_lowercase)
    return text[: max(low, min(high, len(text)))]


def make_number(schema: dict[str, Any], rng: random.Random, _depth: int) -> Any:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", schema.get("exclusiveMaximum", low + 1000))
    value = rng.uniform(low, high)
    step = schema.get("multipleOf")
    return round(value / step) * step if step else round(value, 2)


def make_integer(schema: dict[str, Any], rng: random.Random, _depth: int) -> Any:
    low = schema.get("minimum")
    if low is None and "exclusiveMinimum" in schema:
        low = int(schema["exclusiveMinimum"]) + 1
    high = schema.get("maximum")
    if high is None and "exclusiveMaximum" in schema:
        high = int(schema["exclusiveMaximum"]) - 1
    low = int(low) if low is not None else (0 if high is None else int(high) - 1000)
    high = int(high) if high is not None else low + 1000
    value = rng.randint(low, max(low, high))
    step = schema.get("multipleOf")
    if isinstance(step, int) and step > 0:
        value = (value // step) * step
    return value


MAKERS = {
    "object": make_object,
    "array": make_array,
    "string": make_string,
    "number": make_number,
    "integer": make_integer,
    "boolean": lambda _s, rng, _d: rng.random() < 0.5,
    "null": lambda _s, _rng, _d: None,
}
