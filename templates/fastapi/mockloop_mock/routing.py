"""Routing: the API's routes, and routers for the mock's own routes that
cost API requests nothing.

:class:`MockRoute` is the class of the API's routes: it chooses among
operations that share a path.

FastAPI tries every route of every included router, in order, for each
request. The mock's own routes come first (they win over an API's routes of
the same path), so without a gate each API request would first be tried
against every admin route. :class:`AdminRouter` turns away any path outside
``/admin`` with one string comparison.
"""

from typing import Any
from urllib.parse import unquote, unquote_plus

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from starlette.datastructures import Headers, QueryParams
from starlette.routing import Match
from starlette.types import Scope

from mockloop_mock import catalog, params, validation

ADMIN = "/admin"


class AdminRouter(APIRouter):
    """An ``APIRouter`` whose routes all live under ``/admin``."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not scope.get("path", "").startswith(ADMIN):
            return Match.NONE, {}
        return super().matches(scope)


class MockRoute(APIRoute):
    """An API route that may share its path with other operations.

    A spec can put several operations on one path: told apart by a header
    or query parameter its path key names (``/#X-Amz-Target=Svc.Op``,
    ``/current?city={city}``), or by their parameters alone
    (``/orders/{OrderID}`` and ``/orders/{OrderNumber}``). Such a route is
    named by its operation key; of the operations of its group, a request
    goes to the first whose conditions it meets and whose path parameters
    are valid, else to the first whose conditions it meets. Other routes
    match as Starlette matches them.
    """

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        operation = catalog.OPERATIONS.get(self.name)
        self.grouped = operation is not None and bool(operation.get("route_group"))
        if self.grouped:
            GROUPED[self.name] = self
        else:
            # A route alone on its paths matches as Starlette's do, with no
            # call in between (routing tries every route in turn).
            self.matches = super().matches  # type: ignore[method-assign]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Only grouped routes get here: the others match with Starlette's
        # own method (see __init__).
        match, child = super().matches(scope)
        if match is Match.NONE:
            return match, child
        if match is Match.PARTIAL:
            held = _conditions_held(self.name, scope)
            return (match, child) if held is not None else (Match.NONE, {})
        chosen = _choice(self.name, scope)
        if chosen is None or chosen[0] != self.name:
            return Match.NONE, {}
        return match, {**child, "path_params": chosen[1]}


# Routes of grouped operations, by operation key.
GROUPED: dict[str, MockRoute] = {}
# Where a request's choice is kept, in its scope.
CHOICES = "mockloop.route_choices"


def _conditions_held(key: str, scope: Scope) -> dict[str, str] | None:
    """The path parameters the operation's conditions bind, or ``None`` when
    the request does not meet them."""
    bound: dict[str, str] = {}
    conditions = catalog.OPERATIONS[key].get("conditions", ())
    if not conditions:
        return bound
    headers = Headers(scope=scope)
    for condition in conditions:
        where, name = condition["in"], condition["name"]
        found = headers.get(name) if where in ("header", "any") else None
        if found is None and where in ("query", "any"):
            found = _last_query_value(scope, name, as_path="param" in condition)
        if found is None or condition.get("value", found) != found:
            return None
        if "param" in condition:
            bound[condition["param"]] = found
    return bound


def _last_query_value(scope: Scope, name: str, as_path: bool) -> str | None:
    """The last value of query parameter ``name``. A value bound to a path
    parameter is decoded as a path segment is (``%XX`` only): clients put it
    in the URL as the path template says, so a ``+`` in it is a plus."""
    raw = scope.get("query_string", b"").decode("latin-1")
    if not as_path:
        return QueryParams(raw).get(name)
    for pair in reversed(raw.split("&")):
        key, _, value = pair.partition("=")
        if unquote_plus(key) == name:
            return unquote(value)
    return None


def _path_valid(key: str, scope: Scope, path_params: dict[str, Any]) -> bool:
    """Whether the path parameters fit operation ``key``'s schemas."""
    request = Request({**scope, "path_params": path_params})
    for param in catalog.OPERATIONS[key]["params"]:
        if param["in"] != "path":
            continue
        value = params.value(request, param)
        if value is params.MISSING or validation.schema_violations(
            param["schema"], value, "path"
        ):
            return False
    return True


def _choice(key: str, scope: Scope) -> tuple[str, dict[str, Any]] | None:
    """The operation of ``key``'s group that a request goes to, with its
    path parameters (kept in the scope: each route of the group asks)."""
    group = catalog.OPERATIONS[key]["route_group"]
    choices = scope.setdefault(CHOICES, {})
    marker = group[0]
    if marker in choices:
        return choices[marker]
    first = None
    chosen = None
    for member in group:
        route = GROUPED.get(member)
        if route is None:
            continue
        match, child = APIRoute.matches(route, scope)
        if match is not Match.FULL:
            continue
        bound = _conditions_held(member, scope)
        if bound is None:
            continue
        found = (member, {**child.get("path_params", {}), **bound})
        if first is None:
            first = found
        if _path_valid(member, scope, found[1]):
            chosen = found
            break
    choices[marker] = chosen or first
    return choices[marker]
