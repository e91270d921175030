"""The admin UI: one self-contained page at ``/admin`` (inline script and
style, nothing fetched from elsewhere) that drives the admin API.

The page is served with a Content-Security-Policy that allows only its
own inline script (by hash) and requests to this server, as a second line
of defence: the page builds every element with ``textContent``.
"""

import base64
import hashlib
import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from mockloop_mock.routing import AdminRouter

PAGE_PATH = Path(__file__).resolve().parent / "static" / "admin.html"
SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def content_security_policy(page: str) -> str:
    """Only this page's inline scripts run; only this server is reached."""
    hashes = " ".join(
        "'sha256-"
        + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        + "'"
        for body in SCRIPT.findall(page)
    )
    return (
        "default-src 'none'; "
        f"script-src {hashes}; "
        "style-src 'unsafe-inline'; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def create_router() -> APIRouter:
    """``GET /admin`` (and ``/admin/``): the page."""
    page = PAGE_PATH.read_text(encoding="utf-8")
    headers = {
        "Content-Security-Policy": content_security_policy(page),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    router = AdminRouter(include_in_schema=False)

    @router.get("/admin")
    @router.get("/admin/")
    async def admin_page() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    return router
