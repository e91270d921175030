"""HS256 JSON Web Tokens for the mock's ``/token`` endpoint, stdlib only.

The signing key is the mock secret ``auth.jwt_secret`` of ``mockloop.json``.
"""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from mockloop_mock import settings

AUTH: dict[str, Any] = settings.MANIFEST.get("auth") or {}
LIFETIME_SECONDS = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(message: bytes) -> bytes:
    key = str(AUTH.get("jwt_secret", "")).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).digest()


def issue(subject: str, now: float | None = None) -> str:
    """A signed token for ``subject``, valid for an hour."""
    issued = int(time.time() if now is None else now)
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode("utf-8"))
    claims = {"sub": subject, "iat": issued, "exp": issued + LIFETIME_SECONDS}
    payload = _b64(json.dumps(claims).encode("utf-8"))
    signing_input = f"{header}.{payload}".encode("ascii")
    return f"{header}.{payload}.{_b64(_sign(signing_input))}"


def verify(token: str) -> dict[str, Any] | None:
    """The claims of a token this mock issued and that has not expired."""
    parts = token.split(".")
    if len(parts) != 3 or not AUTH.get("jwt_secret"):
        return None
    try:
        signature = _unb64(parts[2])
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    expected = _sign(f"{parts[0]}.{parts[1]}".encode("ascii"))
    if not hmac.compare_digest(signature, expected):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        return None
    return claims if claims["exp"] > time.time() else None


def check_user(username: object, password: object) -> bool:
    """Whether the pair is one of the manifest's mock users."""
    if not isinstance(username, str) or not isinstance(password, str):
        return False
    return any(
        hmac.compare_digest(username, str(user.get("username", "")))
        and hmac.compare_digest(password, str(user.get("password", "")))
        for user in AUTH.get("users", [])
    )


async def token_endpoint(request: Request) -> JSONResponse:
    """OAuth2 password grant (form-encoded, or JSON): a JWT for a mock user."""
    content_type = request.headers.get("content-type", "")
    fields: dict[str, Any] = {}
    try:
        if "json" in content_type:
            body = await request.json()
            fields = body if isinstance(body, dict) else {}
        else:
            fields = dict(await request.form())
    except ValueError:
        fields = {}
    grant = fields.get("grant_type", "password")
    if grant != "password":
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    if not check_user(fields.get("username"), fields.get("password")):
        return JSONResponse(
            {"error": "invalid_grant", "error_description": "unknown mock user"},
            status_code=400,
        )
    return JSONResponse(
        {
            "access_token": issue(str(fields["username"])),
            "token_type": "bearer",
            "expires_in": LIFETIME_SECONDS,
        },
        headers={"Cache-Control": "no-store"},
    )
