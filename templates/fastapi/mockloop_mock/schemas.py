"""JSON Schema helpers over ``mock_data/validation.json``.

The whole file is one ``referencing`` resource; its references
(``#/components/schemas/X``) are made absolute once at start-up, so any
schema inside it can be validated on its own against the shared registry.
"""

import functools
import ipaddress
import re
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import regex
from jsonschema import (
    Draft202012Validator,
    FormatChecker,
    FormatError,
    ValidationError,
    validators,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mockloop_mock import catalog, settings

DOCUMENT_URI = "urn:mockloop:validation"


def _absolute_refs(node: Any) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            node["$ref"] = DOCUMENT_URI + ref
        for value in node.values():
            _absolute_refs(value)
    elif isinstance(node, list):
        for value in node:
            _absolute_refs(value)


_absolute_refs(catalog.DOCUMENT)
REGISTRY: Registry = Registry().with_resource(
    DOCUMENT_URI,
    Resource.from_contents(catalog.DOCUMENT, default_specification=DRAFT202012),
)
COMPONENTS: dict[str, Any] = catalog.DOCUMENT["components"]["schemas"]
DATE_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
    r"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)"
)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Formats whose empty string passes on a schema of several types (nullable).
LENIENT_WHEN_EMPTY = frozenset({"date-time", "time"})
# int32/int64 are ranges, which every client honours: always checked.
RANGES = FormatChecker(formats=())
# Every format below, checked on requests unless MOCKLOOP_STRICT_FORMATS=off.
FORMATS = FormatChecker(formats=())


# A scheme, then only the characters RFC 3986 allows (others percent-encoded).
URI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
)
HOSTNAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)
# RFC 3339's duration (appendix A), which JSON Schema's ``duration`` is.
DURATION = re.compile(
    r"P(?:(?:\d+D|\d+M(?:\d+D)?|\d+Y(?:\d+M(?:\d+D)?)?)"
    r"(?:T(?:\d+H(?:\d+M(?:\d+S)?)?|\d+M(?:\d+S)?|\d+S))?"
    r"|T(?:\d+H(?:\d+M(?:\d+S)?)?|\d+M(?:\d+S)?|\d+S)|\d+W)",
    re.ASCII,
)
TIME = re.compile(
    r"([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)?"
)


def _in_range(value: object, bits: int) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    return -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)


@RANGES.checks("int32")
@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return _in_range(value, 32)


@RANGES.checks("int64")
@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return _in_range(value, 64)


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or URI.fullmatch(value) is not None


@FORMATS.checks("duration")
def _duration(value: object) -> bool:
    return not isinstance(value, str) or DURATION.fullmatch(value) is not None


@FORMATS.checks("date")
def _date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    match = DATE_TIME.fullmatch(value)
    return match is not None and _date(match.group(1))


@FORMATS.checks("email")
def _email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    local, at, domain = value.rpartition("@")
    return bool(at and local and domain) and not any(c.isspace() for c in value)


@FORMATS.checks("hostname")
def _hostname(value: object) -> bool:
    return not isinstance(value, str) or HOSTNAME.fullmatch(value) is not None


@FORMATS.checks("time")
def _time(value: object) -> bool:
    return not isinstance(value, str) or TIME.fullmatch(value) is not None


@FORMATS.checks("uuid")
def _uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36 and all(value[i] == "-" for i in (8, 13, 18, 23))


@FORMATS.checks("ipv4")
def _ipv4(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


@FORMATS.checks("ipv6")
def _ipv6(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def _required_unless_read_only(
    validator: Any, required: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """``required``, except that a request need not carry read-only properties."""
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    for name in required:
        if name not in instance and not resolve(properties.get(name, {})).get(
            "readOnly"
        ):
            yield ValidationError(f"{name!r} is a required property")


def _multiple_of_exact(
    validator: Any, step: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """``multipleOf`` in decimal arithmetic, so 9999.98 is a multiple of 0.01
    (binary floating point says it is not)."""
    if not validator.is_type(instance, "number"):
        return
    if isinstance(step, float) or isinstance(instance, float):
        try:
            quotient = Decimal(str(instance)) / Decimal(str(step))
        except (InvalidOperation, ArithmeticError):
            return
        failed = quotient != quotient.to_integral_value()
    else:
        failed = instance % step != 0
    if failed:
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


def _format_asserted(
    validator: Any, fmt: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """``format``, except that an empty string passes as a nullable
    date-time or time: client test tools (schemathesis) send ``""`` there as
    a valid value, while they count any other mismatch as invalid."""
    if validator.format_checker is None:
        return
    if (
        instance == ""
        and fmt in LENIENT_WHEN_EMPTY
        and isinstance(schema.get("type"), list)
    ):
        return
    try:
        validator.format_checker.check(instance, fmt)
    except FormatError as error:
        yield ValidationError(error.message, cause=error.cause)


@functools.lru_cache(maxsize=4096)
def _regex(pattern: str) -> Any:
    """A spec's pattern compiled by ``regex``, which reads the Unicode
    properties (``\\p{L}``, AWS's ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*``) that
    ``re`` refuses (patterns are rewritten for it from ECMA-262 when the
    mock is generated); ``None`` for one it cannot read, which is not
    checked, as the native engine drops it."""
    try:
        return regex.compile(pattern)
    except regex.error:
        return None


def _matches(pattern: str, text: str) -> bool:
    compiled = _regex(pattern)
    return compiled is None or compiled.search(text) is not None


def _pattern(
    validator: Any, pattern: str, instance: Any, _schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any,
    patterns: dict[str, Any],
    instance: Any,
    _schema: dict[str, Any],
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _matches(pattern, key):
                yield from validator.descend(
                    value, subschema, path=key, schema_path=pattern
                )


_ADDITIONAL = Draft202012Validator.VALIDATORS["additionalProperties"]


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """``additionalProperties``, with ``patternProperties`` matched by
    ``regex`` (jsonschema's own matches them with ``re``)."""
    patterns = schema.get("patternProperties")
    if not patterns or not validator.is_type(instance, "object"):
        yield from _ADDITIONAL(validator, additional, instance, schema)
        return
    known = schema.get("properties", {})
    extras = sorted(
        key
        for key in instance
        if key not in known and not any(_matches(pattern, key) for pattern in patterns)
    )
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif additional is False and extras:
        names = ", ".join(repr(extra) for extra in extras)
        regexes = ", ".join(repr(pattern) for pattern in sorted(patterns))
        verb = "does" if len(extras) == 1 else "do"
        yield ValidationError(f"{names} {verb} not match any of the regexes: {regexes}")


# Data is checked with exact decimal multipleOf and patterns read by
# ``regex``; requests also with the formats above (only the int32/int64
# ranges when not strict) and with read-only properties optional.
DataValidator = validators.extend(
    Draft202012Validator,
    {
        "multipleOf": _multiple_of_exact,
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
)
RequestValidator = validators.extend(
    DataValidator,
    {"required": _required_unless_read_only, "format": _format_asserted},
)
_VALIDATORS: dict[tuple[int, bool], Any] = {}


def request_formats() -> FormatChecker:
    """The formats asserted on requests."""
    return FORMATS if settings.STRICT_FORMATS else RANGES


def validator(schema: Any, *, request: bool = True) -> Any:
    """A (cached) validator for a schema taken from the document."""
    key = (id(schema), request)
    found = _VALIDATORS.get(key)
    if found is None:
        if request:
            found = RequestValidator(
                schema,
                registry=REGISTRY,
                format_checker=request_formats(),
            )
        else:
            found = DataValidator(schema, registry=REGISTRY)
        _VALIDATORS[key] = found
    return found


def is_valid(schema: Any, instance: Any, *, request: bool = True) -> bool:
    """Whether ``instance`` is valid against ``schema``."""
    return validator(schema, request=request).is_valid(instance)


def is_valid_uncached(schema: dict[str, Any], instance: Any) -> bool:
    """Whether a request value is valid against a schema built at run time
    (not cached: its id may be reused once it is gone)."""
    found = RequestValidator(
        schema, registry=REGISTRY, format_checker=request_formats()
    )
    return found.is_valid(instance)


def resolve(schema: Any, depth: int = 0) -> dict[str, Any]:
    """The schema with a top-level ``$ref`` followed; ``{}`` for ``true``."""
    while (
        isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and depth < 32
    ):
        ref = schema["$ref"]
        prefix = DOCUMENT_URI + "#/components/schemas/"
        if not ref.startswith(prefix):
            return {}
        name = ref[len(prefix) :].replace("~1", "/").replace("~0", "~")
        schema = COMPONENTS.get(name, {})
        depth += 1
    return schema if isinstance(schema, dict) else {}


def types_of(schema: Any, depth: int = 0) -> set[str]:
    """The JSON types a schema allows, as far as can be told; empty if any."""
    schema = resolve(schema)
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {t for t in declared if isinstance(t, str)}
    if depth > 8:
        return set()
    for keyword in ("allOf", "anyOf", "oneOf"):
        members = schema.get(keyword)
        if isinstance(members, list) and members:
            found = [types_of(member, depth + 1) for member in members]
            if keyword == "allOf":
                known = [types for types in found if types]
                return set.intersection(*known) if known else set()
            if all(found):
                return set.union(*found)
    if "const" in schema:
        return {_json_type(schema["const"])}
    return set()


def subschema(schema: Any, keyword: str, name: str | None = None) -> Any:
    """``items`` (or ``properties[name]``) of a schema, looking into ``allOf``."""
    schema = resolve(schema)
    parts = [schema, *(m for m in schema.get("allOf", []) if isinstance(m, dict))]
    for part in parts:
        part = resolve(part)
        found = part.get(keyword)
        if name is not None and isinstance(found, dict):
            found = found.get(name)
        if found is not None:
            return found
    return True


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
