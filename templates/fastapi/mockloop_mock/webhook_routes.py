"""The webhooks admin API under ``/admin/api/webhooks``."""

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from mockloop_mock import webhooks
from mockloop_mock.admin import PREFIX, json_body
from mockloop_mock.routing import AdminRouter


def create_router() -> APIRouter:
    """Register, list, delete, test and fire webhooks; delivery history."""
    router = AdminRouter(prefix=f"{PREFIX}/webhooks", include_in_schema=False)

    @router.get("")
    async def list_webhooks() -> JSONResponse:
        found = await asyncio.to_thread(webhooks.list_all)
        return JSONResponse({"webhooks": found})

    @router.post("")
    async def register(request: Request) -> JSONResponse:
        raw = await json_body(request)
        created = await asyncio.to_thread(webhooks.register, raw)
        return JSONResponse(created, status_code=201)

    @router.get("/events")
    async def spec_events() -> JSONResponse:
        listed = {
            name: {key: event[key] for key in ("kind", "method", "operation")}
            for name, event in webhooks.EVENTS.items()
        }
        return JSONResponse({"events": listed})

    @router.post("/fire")
    async def fire(request: Request) -> JSONResponse:
        return JSONResponse(await webhooks.fire(await json_body(request)))

    @router.delete("/{webhook_id}")
    async def delete(webhook_id: int) -> Response:
        await asyncio.to_thread(webhooks.delete, webhook_id)
        return Response(status_code=204)

    @router.post("/{webhook_id}/test")
    async def test(webhook_id: int) -> JSONResponse:
        return JSONResponse(await webhooks.send_test(webhook_id))

    @router.get("/{webhook_id}/deliveries")
    async def deliveries(webhook_id: int) -> JSONResponse:
        found = await asyncio.to_thread(webhooks.deliveries, webhook_id)
        return JSONResponse({"deliveries": found})

    return router
