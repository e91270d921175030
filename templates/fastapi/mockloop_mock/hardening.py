"""Secure defaults: CORS only for the origins configured, and an optional
token that guards every ``/admin`` route.

``MOCKLOOP_CORS_ORIGINS`` is a comma-separated list of origins; unset, the
mock sends no CORS headers at all. Credentials are allowed only for
explicit origins, never together with ``*``.

``MOCKLOOP_ADMIN_TOKEN``, when set, must be sent as
``Authorization: Bearer <token>`` or ``X-Admin-Token: <token>`` with every
``/admin/...`` request; anything else gets ``401 {"error": ...}``. The admin
UI's page shell at ``/admin`` holds no data and stays public, so a browser
can load it and ask for the token.

With an admin port (``MOCKLOOP_ADMIN_PORT``), ``/admin`` is served only
there, and that port serves nothing else but ``/health``.
"""

import hmac

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from mockloop_mock import settings

ADMIN_PREFIX = "/admin"
# The UI's page shell: static HTML, no data.
PUBLIC_ADMIN_PATHS = {"/admin", "/admin/"}


def presented_token(headers: Headers) -> str:
    """The token a request carries, or ``""``."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get("x-admin-token", "").strip()


def token_matches(presented: str, expected: str) -> bool:
    """Compares in constant time."""
    return hmac.compare_digest(presented.encode(), expected.encode())


def is_admin(path: str) -> bool:
    """Whether a path is the admin UI's or the admin API's."""
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def is_guarded(path: str) -> bool:
    """Whether a path needs the admin token."""
    return is_admin(path) and path not in PUBLIC_ADMIN_PATHS


class AdminTokenMiddleware:
    """Answers 401 to ``/admin`` requests without the right token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_guarded(scope["path"]):
            presented = presented_token(Headers(scope=scope))
            if not token_matches(presented, self.token):
                response = JSONResponse(
                    {"error": "the admin API needs the admin token"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class AdminPortMiddleware:
    """Keeps ``/admin`` on the admin port and everything else off it."""

    def __init__(self, app: ASGIApp, admin_port: int) -> None:
        self.app = app
        self.admin_port = admin_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            server = scope.get("server") or ("", None)
            on_admin_port = server[1] == self.admin_port
            path = scope["path"]
            admin = is_admin(path)
            if on_admin_port != admin and not (on_admin_port and path == "/health"):
                response = JSONResponse({"error": "not found"}, status_code=404)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Adds the admin port split and the admin token check (if set), then
    CORS (if origins are set) outside them, so preflights come first."""
    if settings.ADMIN_PORT is not None:
        app.add_middleware(AdminPortMiddleware, admin_port=settings.ADMIN_PORT)
    if settings.ADMIN_TOKEN:
        app.add_middleware(AdminTokenMiddleware, token=settings.ADMIN_TOKEN)
    origins = settings.CORS_ORIGINS
    if not origins:
        return
    wildcard = "*" in origins
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"] if wildcard else origins,
        allow_credentials=not wildcard,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Correlation-Id"],
    )
