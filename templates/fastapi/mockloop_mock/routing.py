"""Routers for the mock's own routes that cost API requests nothing.

FastAPI tries every route of every included router, in order, for each
request. The mock's own routes come first (they win over an API's routes of
the same path), so without a gate each API request would first be tried
against every admin route. :class:`AdminRouter` turns away any path outside
``/admin`` with one string comparison.
"""

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope

ADMIN = "/admin"


class AdminRouter(APIRouter):
    """An ``APIRouter`` whose routes all live under ``/admin``."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not scope.get("path", "").startswith(ADMIN):
            return Match.NONE, {}
        return super().matches(scope)
