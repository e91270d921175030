"""Reading parameters off a request as the spec serialises them.

Raw strings are split per the parameter's ``style`` and ``explode`` and then
coerced to the types the schema allows, so that validation sees the values
the client meant: ``?ids=1,2`` with ``style: form, explode: false`` becomes
``[1, 2]``. A value that could be read several ways (``"1"`` as a string or
a number) is read the way that passes its schema, if any does.
"""

import json
import re
from typing import Any

from fastapi import Request

from mockloop_mock import catalog, raw_path, schemas

INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
MISSING = object()


def candidates(text: str, schema: Any) -> list[Any]:
    """The plausible readings of one string, most specific first."""
    types = schemas.types_of(schema)
    anything = not types
    out: list[Any] = []
    integer = INTEGER.fullmatch(text) is not None
    if (anything or types & {"integer", "number"}) and integer:
        out.append(int(text))
    elif (anything or types & {"integer", "number"}) and NUMBER.fullmatch(text):
        out.append(float(text))
    if (anything or "boolean" in types) and text in ("true", "false"):
        out.append(text == "true")
    if (anything or "null" in types) and text == "null":
        out.append(None)
    if (anything or types & {"object", "array"}) and text[:1] in ("{", "["):
        try:
            out.append(json.loads(text))
        except ValueError:
            pass
    out.append(text)
    # Last resort: the text as JSON (a form field "null" for a nullable
    # object, say), so that no valid value is ever rejected.
    try:
        out.append(json.loads(text))
    except ValueError:
        pass
    return out


def coerce(text: str, schema: Any) -> Any:
    """The reading of ``text`` that is valid against ``schema``, else the
    reading of the schema's declared type (for a helpful error)."""
    options = candidates(text, schema)
    for option in options:
        if schemas.is_valid(schema, option):
            return option
    return options[0]


def coerce_object(pairs: list[tuple[str, str]], schema: Any) -> dict[str, Any]:
    """Key-value pairs as an object, each value read per its property."""
    return {
        key: coerce(value, schemas.subschema(schema, "properties", key))
        for key, value in pairs
    }


def coerce_array(items: list[str], schema: Any) -> list[Any]:
    """Strings as an array, each read per ``items`` (a repeated string is
    read once: forms can repeat one value thousands of times)."""
    item_schema = schemas.subschema(schema, "items")
    seen: dict[str, Any] = {}
    out = []
    for item in items:
        if item not in seen:
            seen[item] = coerce(item, item_schema)
        out.append(seen[item])
    return out


def shape(schema: Any) -> str:
    """``array``, ``object`` or ``scalar``: how a parameter is serialised."""
    types = schemas.types_of(schema)
    if types == {"array"} or types == {"array", "null"}:
        return "array"
    if types == {"object"} or types == {"object", "null"}:
        return "object"
    return "scalar"


def has_no_wire_form(param: dict[str, Any]) -> bool:
    """Whether OpenAPI gives a parameter no serialisation: an array of
    objects or of arrays (clients send such values in forms of their own,
    taken as they are)."""
    schema = param["schema"]
    return (
        shape(schema) == "array"
        and shape(schemas.subschema(schema, "items")) != "scalar"
    )


def _pairs(parts: list[str], explode: bool) -> list[tuple[str, str]]:
    if explode:
        return [(key, value) for key, _, value in (p.partition("=") for p in parts)]
    return list(zip(parts[::2], parts[1::2], strict=False))


def from_text(text: str, param: dict[str, Any], separator: str = ",") -> Any:
    """A simple/form-serialised value (path, header, cookie, unexploded query)."""
    schema = param["schema"]
    kind = shape(schema)
    style = param["style"]
    explode = param["explode"]
    if style == "label":
        text = text.removeprefix(".")
        separator = "." if explode else ","
    elif style == "matrix":
        text = text.removeprefix(";")
        prefix = param["name"] + "="
        if kind != "object" or not explode:
            text = ",".join(p.removeprefix(prefix) for p in text.split(";"))
        else:
            text = text.replace(";", ",")
    if kind == "array":
        # Empty text is an empty array here: joined items of none (clients
        # send ``ids=`` for ``[]`` unexploded).
        return coerce_array(text.split(separator) if text else [], schema)
    if kind == "object":
        return coerce_object(_pairs(text.split(separator), explode), schema)
    return coerce(text, schema)


def query_value(request: Request, param: dict[str, Any]) -> Any:
    """The value of a query parameter, or ``MISSING``."""
    name, schema, style = param["name"], param["schema"], param["style"]
    query = request.query_params
    kind = shape(schema)
    if style == "deepObject":
        prefix = name + "["
        pairs = [
            (key[len(prefix) : -1], value)
            for key, value in query.multi_items()
            if key.startswith(prefix) and key.endswith("]")
        ]
        return coerce_object(pairs, schema) if pairs else MISSING
    if kind == "object" and param["explode"]:
        properties = schemas.resolve(schema).get("properties", {})
        pairs = [(k, v) for k, v in query.multi_items() if k in properties]
        return coerce_object(pairs, schema) if pairs else MISSING
    sent = query.getlist(name)
    if not sent:
        return MISSING
    if kind == "array" and style == "form" and param["explode"]:
        return coerce_array(sent, schema)
    if len(sent) > 1:
        # Only an exploded array is sent as several values: the array a
        # branch of the schema allows (Discord's ``oneOf`` a snowflake or a
        # list of them), else the texts as sent, which the schema refuses.
        branch = array_branch(schema)
        if style == "form" and param["explode"] and branch is not None:
            return coerce_array(sent, branch)
        return sent
    if kind == "array":
        separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
        return from_text(sent[0], {**param, "style": "form"}, separator)
    return from_text(sent[0], param)


def array_branch(schema: Any) -> Any:
    """The branch of a ``oneOf``/``anyOf`` schema that is an array, if any."""
    resolved = schemas.resolve(schema)
    for keyword in ("oneOf", "anyOf"):
        for branch in resolved.get(keyword, []):
            if shape(branch) == "array":
                return branch
    return None


def value(request: Request, param: dict[str, Any]) -> Any:
    """A parameter's value read off the request, or ``MISSING``."""
    where = param["in"]
    if where == "query":
        return query_value(request, param)
    if where == "path":
        raw = request.path_params.get(
            param["ident"], request.path_params.get(param["name"])
        )
        if raw is None:
            return MISSING
        return from_text(raw_path.restore(request.scope, str(raw)), param)
    if where == "header":
        values = request.headers.getlist(param["name"])
        return from_text(", ".join(values), param) if values else MISSING
    if where == "cookie":
        raw = request.cookies.get(param["name"])
        return MISSING if raw is None else from_text(raw, param)
    return MISSING


def parameters(request: Request, key: str) -> dict[str, Any]:
    """The parameters of operation ``key`` (``"GET /pets/{petId}"``) read off
    the request as the API description serialises them, by the Python name
    its handler's docstring gives; absent ones are left out. For handlers
    given custom behaviour: ``limit = parameters(request, KEY).get("limit")``.
    """
    found = {}
    for param in catalog.OPERATIONS[key]["params"]:
        read = value(request, param)
        if read is not MISSING:
            found[param["ident"]] = read
    return found
