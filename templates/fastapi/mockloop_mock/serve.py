"""Runs the mock with uvicorn: ``python main.py``.

With an admin port (``MOCKLOOP_ADMIN_PORT`` or the manifest's
``admin_port``) a second server on that port shares the same app; the
app's start-up and shutdown run once, in the main server.
"""

import asyncio

import uvicorn
from fastapi import FastAPI

from mockloop_mock import settings


async def _serve_both(app: FastAPI, admin_port: int) -> None:
    main = uvicorn.Server(uvicorn.Config(app, host=settings.HOST, port=settings.PORT))
    admin = uvicorn.Server(
        uvicorn.Config(app, host=settings.HOST, port=admin_port, lifespan="off")
    )
    await asyncio.gather(main.serve(), admin.serve())


def run(app: FastAPI) -> None:
    """Serves ``app`` on ``PORT`` (and ``ADMIN_PORT`` if set) at ``HOST``."""
    if settings.ADMIN_PORT is None:
        uvicorn.run(app, host=settings.HOST, port=settings.PORT)
    else:
        asyncio.run(_serve_both(app, settings.ADMIN_PORT))
