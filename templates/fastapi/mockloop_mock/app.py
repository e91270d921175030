"""The FastAPI application and the mock's own endpoints."""

import html
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from mockloop_mock import (
    admin,
    admin_ui,
    catalog,
    database,
    features,
    hardening,
    settings,
    validation,
)
from mockloop_mock.behaviour import InputError
from mockloop_mock.log_writer import LogWriter
from mockloop_mock.middleware import RequestLogMiddleware
from mockloop_mock.routing import MockRoute

OPENAPI_PATH = settings.DATA_DIR / "openapi.json"


def health_payload() -> dict[str, Any]:
    """What ``/health`` answers: status plus what identifies this mock."""
    manifest = settings.MANIFEST
    return {
        "status": "ok",
        "engine": "fastapi",
        "mockloop": {
            "generator_version": manifest["generator_version"],
            "api_title": manifest["api"]["title"],
            "api_version": manifest["api"]["version"],
            "operation_count": manifest["operation_count"],
        },
    }


def create_app() -> FastAPI:
    """Creates the app with ``/health``, ``/openapi.json``, ``/docs``, the
    admin API and the request log.

    ``/openapi.json`` serves the original API description, so ``/docs``
    documents the mocked API rather than the mock's internals.
    """
    manifest = settings.MANIFEST
    writer = (
        LogWriter(
            settings.DB_PATH,
            catalog.api_key_names(),
            use_process=settings.LOG_SINK_PROCESS,
        )
        if settings.REQUEST_LOG
        else None
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        database.open_stores(settings.DB_PATH)
        if writer is not None:
            await writer.start()
        try:
            yield
        finally:
            if writer is not None:
                await writer.stop()
            database.close_stores()

    app = FastAPI(
        title=manifest["api"]["title"],
        version=manifest["api"]["version"],
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    # The API's routes (added by main.py) choose among operations that
    # share a path.
    app.router.route_class = MockRoute
    app.add_middleware(RequestLogMiddleware, writer=writer)
    # GraphQL's WebSocket logs the operations it runs (the middleware sees HTTP).
    app.state.log_writer = writer
    hardening.install(app)
    app.add_exception_handler(
        RequestValidationError, validation.invalid_request_handler
    )
    app.add_exception_handler(InputError, admin.input_error_handler)
    app.include_router(admin.create_router(writer, time.monotonic()))
    # The admin UI, unless the API itself has ``GET /admin``.
    if settings.ADMIN_UI and ("GET", "/admin") not in catalog.ROUTE_KEYS:
        app.include_router(admin_ui.create_router())
    reserved = set(manifest.get("reserved_routes", []))
    openapi_document = settings.load_json(OPENAPI_PATH)

    if "GET /health" not in reserved:

        @app.get("/health", include_in_schema=False)
        async def health() -> JSONResponse:
            return JSONResponse(health_payload())

    if "GET /openapi.json" not in reserved:

        @app.get("/openapi.json", include_in_schema=False)
        async def openapi() -> JSONResponse:
            return JSONResponse(openapi_document)

    if "GET /docs" not in reserved:

        @app.get("/docs", include_in_schema=False)
        async def docs() -> HTMLResponse:
            return get_swagger_ui_html(
                openapi_url="/openapi.json",
                # The title is spec text: escaped, as the page does not.
                title=html.escape(f"{manifest['api']['title']} (mock)"),
            )

    features.install(app)
    return app
