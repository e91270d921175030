"""The API's operations as the generator described them in
``mock_data/validation.json``: routes, parameters, bodies and schemas."""

from collections.abc import MutableMapping
from typing import Any

from mockloop_mock import settings

DOCUMENT: dict[str, Any] = settings.load_json(settings.DATA_DIR / "validation.json")
OPERATIONS: dict[str, dict[str, Any]] = DOCUMENT["operations"]

# The header and cookie parameters each operation reads, by name.
for _operation in OPERATIONS.values():
    _operation["header_names"] = [
        p["name"] for p in _operation["params"] if p["in"] == "header"
    ]
    _operation["cookie_names"] = [
        p["name"] for p in _operation["params"] if p["in"] == "cookie"
    ]

# (method, FastAPI route or alias) -> operation key, e.g.
# ("GET", "/v1/pets/{pet_id}").
ROUTE_KEYS: dict[tuple[str, str], str] = {
    (key.split(" ", 1)[0], route): key
    for key, operation in OPERATIONS.items()
    for route in (operation["route"], *operation["route_aliases"])
}

# (method, path template with or without the base path) -> operation key.
_TEMPLATE_KEYS: dict[tuple[str, str], str] = {}
for _key, _operation in OPERATIONS.items():
    _method, _path = _key.split(" ", 1)
    _TEMPLATE_KEYS[(_method, _path)] = _key
    _TEMPLATE_KEYS.setdefault((_method, _operation["path_template"]), _key)


def api_key_names() -> set[str]:
    """The header, query and cookie names of the spec's API keys."""
    return {name for names in DOCUMENT["api_key_names"].values() for name in names}


def operation_key(method: str, path_template: str) -> str | None:
    """The key of the operation on ``path_template``, e.g. ``GET /pets/{petId}``;
    the base path may be included or left out."""
    return _TEMPLATE_KEYS.get((method.upper(), path_template))


def route_key(scope: MutableMapping[str, Any]) -> str | None:
    """``METHOD path-template`` of the route that served an ASGI request: the
    operation key for the API's routes, the route path for the others."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template is None:
        return None
    # Operations that share a route are named by their keys.
    name = getattr(route, "name", None)
    if name in OPERATIONS:
        return name
    method = scope["method"]
    return ROUTE_KEYS.get((method, template)) or f"{method} {template}"
