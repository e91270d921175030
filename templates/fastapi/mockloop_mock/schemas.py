"""JSON Schema helpers over ``mock_data/validation.json``.

The whole file is one ``referencing`` resource; its references
(``#/components/schemas/X``) are made absolute once at start-up, so any
schema inside it can be validated on its own against the shared registry.
"""

from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mockloop_mock import catalog

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
_VALIDATORS: dict[int, Draft202012Validator] = {}


def validator(schema: Any) -> Draft202012Validator:
    """A (cached) validator for a schema taken from the document."""
    found = _VALIDATORS.get(id(schema))
    if found is None:
        found = Draft202012Validator(schema, registry=REGISTRY)
        _VALIDATORS[id(schema)] = found
    return found


def is_valid(schema: Any, instance: Any) -> bool:
    """Whether ``instance`` is valid against ``schema``."""
    return validator(schema).is_valid(instance)


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
