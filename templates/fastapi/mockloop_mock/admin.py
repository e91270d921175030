"""The admin API under ``/admin/api``: the request log, scenarios,
overrides and what the mock is.

Bad input is answered with a 4xx and ``{"error": "..."}``, never a 500.
"""

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from mockloop_mock import analysis, database, log_query, overrides, scenarios, settings
from mockloop_mock.behaviour import InputError
from mockloop_mock.log_writer import LogWriter
from mockloop_mock.routing import AdminRouter

PREFIX = "/admin/api"
MAX_BODY = 1_000_000


async def json_body(request: Request) -> Any:
    """The request's JSON body; 400 if it is not JSON."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InputError("the body is too large", status=413)
    try:
        return json.loads(raw)
    except ValueError as error:
        raise InputError(f"the body is not valid JSON: {error}") from None


async def input_error_handler(_request: Request, error: Exception) -> JSONResponse:
    """``{"error": ...}`` with the error's status."""
    status = error.status if isinstance(error, InputError) else 400
    return JSONResponse({"error": str(error)}, status_code=status)


def _log_rows(query: dict[str, str], default_limit: int | None) -> dict[str, Any]:
    found = log_query.parse_filter(query, default_limit=default_limit)
    db = database.connect(settings.DB_PATH)
    try:
        ids = log_query.matching_ids(db, found)
        rows = log_query.fetch(db, log_query.page(ids, found))
    finally:
        db.close()
    for row in rows:
        row["headers"] = json.loads(row["headers"] or "{}")
        row["is_admin"] = bool(row["is_admin"])
    return {
        "logs": rows,
        "total_count": len(ids),
        "limit": found.limit,
        "offset": found.offset,
    }


def create_router(writer: LogWriter | None, started: float) -> APIRouter:
    """The admin routes; ``writer`` is flushed before the log is read."""
    router = AdminRouter(prefix=PREFIX, include_in_schema=False)

    async def read_logs(request: Request, default_limit: int | None) -> dict[str, Any]:
        query = dict(request.query_params)
        log_query.parse_filter(query, default_limit=default_limit)
        if writer is not None:
            await writer.flush()
        return await asyncio.to_thread(_log_rows, query, default_limit)

    @router.get("/logs/search")
    async def search_logs(request: Request) -> JSONResponse:
        return JSONResponse(await read_logs(request, log_query.DEFAULT_LIMIT))

    @router.get("/logs/analyze")
    async def analyze_logs(request: Request) -> JSONResponse:
        found = await read_logs(request, None)
        report = await asyncio.to_thread(analysis.analyze, found["logs"])
        return JSONResponse(report)

    @router.get("/mock-data/scenarios")
    async def list_scenarios() -> JSONResponse:
        store = scenarios.STORE
        return JSONResponse({"scenarios": store.list(), "active": store.active_name})

    @router.post("/mock-data/scenarios")
    async def create_scenario(request: Request) -> JSONResponse:
        return JSONResponse(
            scenarios.STORE.create(await json_body(request)), status_code=201
        )

    @router.get("/mock-data/scenarios/active")
    async def active_scenario() -> JSONResponse:
        name = scenarios.STORE.active_name
        scenario = scenarios.STORE.get(name) if name else None
        return JSONResponse({"active": name, "scenario": scenario})

    @router.post("/mock-data/scenarios/deactivate")
    async def deactivate_scenario() -> JSONResponse:
        return JSONResponse(
            {"active": None, "deactivated": scenarios.STORE.deactivate()}
        )

    @router.get("/mock-data/scenarios/{name}")
    async def get_scenario(name: str) -> JSONResponse:
        return JSONResponse(scenarios.STORE.get(name))

    @router.put("/mock-data/scenarios/{name}")
    async def replace_scenario(name: str, request: Request) -> JSONResponse:
        return JSONResponse(scenarios.STORE.replace(name, await json_body(request)))

    @router.delete("/mock-data/scenarios/{name}")
    async def delete_scenario(name: str) -> JSONResponse:
        scenarios.STORE.delete(name)
        return JSONResponse({"deleted": name})

    @router.post("/mock-data/scenarios/{name}/activate")
    async def activate_scenario(name: str) -> JSONResponse:
        return JSONResponse(
            {"active": name, "scenario": scenarios.STORE.activate(name)}
        )

    @router.get("/mock-data/responses")
    async def list_overrides() -> JSONResponse:
        return JSONResponse({"overrides": overrides.STORE.list()})

    @router.post("/mock-data/responses")
    async def set_override(request: Request) -> JSONResponse:
        return JSONResponse(
            overrides.STORE.set(await json_body(request)), status_code=201
        )

    @router.delete("/mock-data/responses")
    async def clear_overrides(request: Request) -> JSONResponse:
        query = request.query_params
        cleared = overrides.STORE.clear(
            query.get("method"), query.get("path"), query.get("coordinate")
        )
        return JSONResponse({"cleared": cleared})

    @router.get("/info")
    async def info() -> JSONResponse:
        return JSONResponse(
            {
                "manifest": settings.MANIFEST,
                "features": {
                    **settings.MANIFEST.get("features", {}),
                    "request_log": settings.REQUEST_LOG,
                    "validation": settings.VALIDATION,
                },
                "active_scenario": scenarios.STORE.active_name,
                "overrides": len(overrides.STORE.active),
                "uptime_s": time.monotonic() - started,
                "database": {
                    "path": str(settings.DB_PATH),
                    "schema_version": database.SCHEMA_VERSION,
                },
            }
        )

    return router
