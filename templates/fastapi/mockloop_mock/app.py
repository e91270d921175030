"""The FastAPI application and the mock's own endpoints."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from mockloop_mock import settings

OPENAPI_PATH = settings.DATA_DIR / "openapi.json"


def health_payload() -> dict[str, Any]:
    """What ``/health`` answers: status plus what identifies this mock."""
    manifest = settings.MANIFEST
    return {
        "status": "ok",
        "mockloop": {
            "generator_version": manifest["generator_version"],
            "api_title": manifest["api"]["title"],
            "api_version": manifest["api"]["version"],
            "operation_count": manifest["operation_count"],
        },
    }


def create_app() -> FastAPI:
    """Creates the app with ``/health``, ``/openapi.json`` and ``/docs``.

    ``/openapi.json`` serves the original API description, so ``/docs``
    documents the mocked API rather than the mock's internals.
    """
    manifest = settings.MANIFEST
    app = FastAPI(
        title=manifest["api"]["title"],
        version=manifest["api"]["version"],
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
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
                title=f"{manifest['api']['title']} (mock)",
            )

    return app
