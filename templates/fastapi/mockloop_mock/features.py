"""The optional features' routes: ``/token`` (auth), the webhooks and
storage admin APIs. Each is added only when its feature flag is on."""

from fastapi import FastAPI

from mockloop_mock import auth, catalog, storage, tokens, webhook_routes, webhooks


def install(app: FastAPI) -> None:
    """Adds the routes of the features switched on in ``mockloop.json``."""
    if auth.ENABLED and ("POST", "/token") not in catalog.ROUTE_KEYS:
        app.add_api_route(
            "/token", tokens.token_endpoint, methods=["POST"], include_in_schema=False
        )
    if webhooks.ENABLED:
        app.include_router(webhook_routes.create_router())
    if storage.ENABLED:
        app.include_router(storage.create_router())
