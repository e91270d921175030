"""Validating requests against the spec: parameters and bodies.

An invalid request is answered ``422 application/problem+json`` listing every
violation with where it was (``query.limit``, ``path.petId``,
``header.X-Trace``, ``cookie.session``, ``body.items[2].price``).
"""

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from jsonschema import ValidationError
from starlette.exceptions import HTTPException

from mockloop_mock import catalog, forms, params, raw_path, schemas
from mockloop_mock.memo import Memo

PROBLEM_TYPE = "urn:mockloop:problem:invalid-request"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
MAX_VIOLATIONS = 100
# Starlette refuses forms of over 1,000 fields by default; a spec may allow more.
MAX_FORM_PARTS = 100_000


def violation(location: str, message: str) -> dict[str, str]:
    """One problem with a request."""
    return {"location": location, "message": message}


def location(prefix: str, path: Any) -> str:
    """``body`` + ``["items", 2, "price"]`` → ``body.items[2].price``."""
    out = prefix
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def schema_violations(schema: Any, instance: Any, prefix: str) -> list[dict[str, str]]:
    """Every way ``instance`` breaks ``schema``, located under ``prefix``."""
    found = []
    errors = sorted(schemas.validator(schema).iter_errors(instance), key=_error_order)
    for error in errors[:MAX_VIOLATIONS]:
        where = location(prefix, error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [p for p in error.validator_value if p not in error.instance]
            found.extend(
                violation(location(where, [name]), "is required")
                for name in missing
                if violation(location(where, [name]), "is required") not in found
            )
        else:
            found.append(violation(where, error.message))
    return found


def _error_order(error: ValidationError) -> tuple[str, str]:
    return ("/".join(map(str, error.absolute_path)), error.message)


def param_violations(
    request: Request, operation: dict[str, Any]
) -> list[dict[str, str]]:
    """Problems with the path, query, header and cookie parameters."""
    found = []
    for param in operation["params"]:
        name = param["name"]
        prefix = f"{param['in']}.{name}"
        value = params.value(request, param)
        if value is params.MISSING:
            if param["required"]:
                found.append(violation(prefix, "is required"))
            continue
        if params.has_no_wire_form(param):
            continue
        if param.get("allow_empty") and request.query_params.getlist(name) == [""]:
            continue
        if is_library_accept_encoding(request, param):
            continue
        found.extend(schema_violations(param["schema"], value, prefix))
    return found


# Content codings HTTP libraries ask for on their own.
CODINGS = frozenset(
    {
        "gzip",
        "x-gzip",
        "deflate",
        "br",
        "zstd",
        "compress",
        "x-compress",
        "identity",
        "*",
    }
)
Q_VALUE = re.compile(r"q=[0-9.]+")


def is_library_accept_encoding(request: Request, param: dict[str, Any]) -> bool:
    """Whether a declared ``Accept-Encoding`` holds only registered content
    codings (with q-values): what a client's HTTP library sends by itself
    (``gzip, deflate``), which passes whatever the spec's schema says
    (Conjur's ``base64``). Anything else is checked."""
    if param["in"] != "header" or param["name"].lower() != "accept-encoding":
        return False
    values = request.headers.getlist(param["name"])
    if not values:
        return False
    for item in ",".join(values).split(","):
        coding, *rest = item.split(";")
        if coding.strip().lower() not in CODINGS:
            return False
        if not all(Q_VALUE.fullmatch(part.strip()) for part in rest):
            return False
    return True


def media_match(content_type: str | None, documented: list[str]) -> str | None:
    """The documented media type a request's ``Content-Type`` matches."""
    if not content_type:
        return documented[0] if len(documented) == 1 else None
    base = content_type.split(";", 1)[0].strip().lower()
    lowered = {media.split(";", 1)[0].strip().lower(): media for media in documented}
    if base in lowered:
        return lowered[base]
    major = base.split("/", 1)[0]
    for pattern in (f"{major}/*", "*/*"):
        if pattern in lowered:
            return lowered[pattern]
    if base.endswith("+json") and "application/json" in lowered:
        return lowered["application/json"]
    if base == "application/json":
        return next((m for b, m in lowered.items() if b.endswith("+json")), None)
    return None


def is_json(media: str) -> bool:
    """Whether a media type carries JSON (``text/json`` too, not ``*/json``)."""
    base = media.split(";", 1)[0].strip().lower()
    if base.startswith("*"):
        return False
    return base == "application/json" or base.endswith(("+json", "/json"))


# Documented media types that stand for several.
WILDCARDS = ("*/*", "application/*")


# Keywords that say nothing about a value: a schema of only these accepts any.
ANNOTATIONS = frozenset(
    {"title", "description", "example", "examples", "default", "deprecated", "$comment"}
)


def accepts_anything(schema: Any) -> bool:
    """Whether a body schema is absent (``true``) or says nothing (``{}``)."""
    if schema is True:
        return True
    return isinstance(schema, dict) and set(schema) <= ANNOTATIONS


def opaque(media: str, schema: Any, sent: str) -> bool:
    """Whether a documented body is taken as any bytes, unparsed: no schema
    or ``{}``, media types mockloop does not read (binary), and under a
    wildcard (``*/*``) anything but structured data sent (``sent``, the
    request's media type) as JSON."""
    base = media.split(";", 1)[0].strip().lower()
    if accepts_anything(schema):
        return True
    if base in WILDCARDS:
        types = schemas.types_of(schema)
        return not is_json(sent) or not types or types <= {"string"}
    if base in (FORM, MULTIPART) or is_json(base):
        return False
    return not (base.startswith("text/") and schemas.types_of(schema) <= {"string"})


async def body_instance(request: Request, media: str, schema: Any, raw: bytes) -> Any:
    """The body as a JSON value; ``MISSING`` when it cannot be checked."""
    base = media.split(";", 1)[0].strip().lower()
    sent = request.headers.get("content-type", "")
    if opaque(base, schema, sent):
        return params.MISSING
    types = schemas.types_of(schema)
    if base in (FORM, MULTIPART) and types and "object" not in types:
        # Only objects have a form encoding (Adafruit documents an array of
        # records as urlencoded): anything else is any bytes.
        return params.MISSING
    if base == FORM:
        pairs = parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
        return forms.read(pairs, schema)
    if base == MULTIPART:
        try:
            form = await request.form(
                max_files=MAX_FORM_PARTS, max_fields=MAX_FORM_PARTS
            )
        except HTTPException as error:
            raise ValueError(error.detail) from None
        pairs = [
            (key, item if isinstance(item, str) else (item.filename or ""))
            for key, item in form.multi_items()
        ]
        return forms.read(pairs, schema, multipart=True)
    if base in WILDCARDS:
        # JSON that does not parse is just bytes, which a wildcard takes.
        try:
            return json.loads(raw)
        except ValueError:
            return params.MISSING
    if is_json(base):
        return json.loads(raw)
    return raw.decode("utf-8", errors="replace")


def empty_body_instance(media: str, schema: Any, sent: str) -> Any:
    """What a zero-byte body sent (as ``sent``) for ``media`` is: a form
    with no fields (``{}`` for multipart), ``""`` for text, ``MISSING`` (any
    bytes, unchecked) for a binary or untyped body, ``None`` when it is no
    body of that type (JSON)."""
    base = media.split(";", 1)[0].strip().lower()
    if base == FORM and "object" in schemas.types_of(schema):
        # A form with no fields, read as any form is (a required array
        # with no items has no field).
        return forms.read([], schema)
    if base in (FORM, MULTIPART):
        return {} if "object" in schemas.types_of(schema) else params.MISSING
    if opaque(base, schema, sent):
        return params.MISSING
    if is_json(base) or base in WILDCARDS:
        return None
    return ""


async def body_violations(
    request: Request, operation: dict[str, Any]
) -> list[dict[str, str]]:
    """Problems with the request body."""
    spec = operation["body"]
    if spec is None:
        return []
    raw = await request.body()
    content = spec["content"]
    content_type = request.headers.get("content-type")
    media = media_match(content_type, list(content))
    if not raw:
        # Zero bytes sent with a documented Content-Type are a body of that
        # type (an empty form, an empty file); without one, no body at all.
        instance = (
            empty_body_instance(media, content[media], content_type)
            if media is not None and content_type
            else None
        )
        if instance is params.MISSING:
            return []
        if instance is not None:
            return schema_violations(content[media], instance, "body")
        return (
            [violation("body", "a request body is required")]
            if spec["required"]
            else []
        )
    if media is None:
        # An undocumented media type is refused, unless the spec declares a
        # Content-Type header of its own, whose value clients send as given.
        declared = any(
            param["in"] == "header" and param["name"].lower() == "content-type"
            for param in operation["params"]
        )
        if not content_type or not content or declared:
            return []
        documented = ", ".join(content)
        message = f"{content_type} is none of the body's media types ({documented})"
        return [violation("header.Content-Type", message)]
    try:
        instance = await body_instance(request, media, content[media], raw)
    except ValueError as error:
        return [violation("body", f"cannot be parsed as {media}: {error}")]
    if instance is params.MISSING:
        return []
    return schema_violations(content[media], instance, "body")


PARAMS: Memo[list[dict[str, str]]] = Memo()
BODIES: Memo[list[dict[str, str]]] = Memo()
# Bodies up to this size are remembered with their violations.
MEMO_BODY_LIMIT = 16_384


def param_key(request: Request, key: str, operation: dict[str, Any]) -> tuple:
    """Everything the parameters of ``operation`` are read from."""
    headers = request.headers
    return (
        key,
        request.scope.get("query_string", b""),
        tuple(request.path_params.items()),
        request.scope.get(raw_path.FLAG, False),
        tuple(tuple(headers.getlist(name)) for name in operation["header_names"]),
        tuple(request.cookies.get(name) for name in operation["cookie_names"]),
    )


async def request_violations(request: Request, key: str) -> list[dict[str, str]]:
    """Every problem with a request for operation ``key`` (remembered for
    requests that carry the same parameters and body)."""
    operation = catalog.OPERATIONS.get(key)
    if operation is None:
        return []
    found = PARAMS.get(
        param_key(request, key, operation),
        lambda: param_violations(request, operation),
    )
    if operation["body"] is None:
        return found
    raw = await request.body()
    if len(raw) > MEMO_BODY_LIMIT:
        return found + await body_violations(request, operation)
    body_key = (key, request.headers.get("content-type"), raw)
    known = BODIES.find(body_key)
    if known is None:
        known = BODIES.put(body_key, await body_violations(request, operation))
    return found + known


def problem_response(violations: list[dict[str, str]]) -> JSONResponse:
    """The ``422 application/problem+json`` answer."""
    count = len(violations)
    return JSONResponse(
        {
            "type": PROBLEM_TYPE,
            "title": "The request does not match the API description",
            "status": 422,
            "detail": f"{count} violation{'s' if count != 1 else ''}",
            "errors": violations,
        },
        status_code=422,
        media_type="application/problem+json",
    )


def fastapi_violations(
    error: RequestValidationError, key: str | None
) -> list[dict[str, str]]:
    """FastAPI's own parameter errors in the same form."""
    idents = {}
    if key in catalog.OPERATIONS:
        idents = {p["ident"]: p["name"] for p in catalog.OPERATIONS[key]["params"]}
    found = []
    for item in error.errors():
        loc = list(item.get("loc", ()))
        if len(loc) >= 2 and loc[0] == "path":
            loc[1] = idents.get(loc[1], loc[1])
        prefix = str(loc[0]) if loc else "request"
        found.append(
            violation(location(prefix, loc[1:]), str(item.get("msg", "invalid")))
        )
    return found


async def invalid_request_handler(request: Request, error: Exception) -> JSONResponse:
    """Answers FastAPI's parameter errors like the mock's own validation,
    adding every other violation of the request."""
    key = catalog.route_key(request.scope)
    ours = await request_violations(request, key) if key else []
    theirs = (
        fastapi_violations(error, key)
        if isinstance(error, RequestValidationError)
        else []
    )
    covered = {v["location"].split("[", 1)[0] for v in ours}
    merged = ours + [v for v in theirs if v["location"].split("[", 1)[0] not in covered]
    return problem_response(merged or theirs)
