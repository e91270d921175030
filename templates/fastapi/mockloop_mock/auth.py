"""Enforcing the spec's security requirements (feature ``auth``).

``mock_data/security.json`` lists each secured operation's alternatives
(any one of them, with all its schemes, lets a request in); the mock
secrets come from the ``auth`` section of ``mockloop.json``. Issued JWTs
(``/token``) are accepted wherever a bearer token is.
``MOCKLOOP_AUTH=off`` turns checking off at run time.
"""

import base64
import binascii
import hmac
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from mockloop_mock import settings, tokens

SECURITY: dict[str, Any] = settings.load_json(settings.DATA_DIR / "security.json")
SCHEMES: dict[str, dict[str, str]] = SECURITY["schemes"]
REQUIREMENTS: dict[str, list[list[str]]] = SECURITY["operations"]
SECRETS: dict[str, Any] = settings.MANIFEST.get("auth") or {}
ENABLED: bool = bool(settings.MANIFEST["features"].get("auth")) and settings.env_flag(
    "MOCKLOOP_AUTH", default=True
)


def _same(given: str, expected: object) -> bool:
    return isinstance(expected, str) and hmac.compare_digest(
        given.encode("utf-8"), expected.encode("utf-8")
    )


def bearer_ok(token: str) -> bool:
    """A configured bearer token or a JWT issued by ``/token``."""
    fixed = any(_same(token, known) for known in SECRETS.get("bearer_tokens", []))
    return fixed or tokens.verify(token) is not None


def basic_ok(credential: str) -> bool:
    """``user:password`` (base64) of the basic user or of a mock user."""
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    username, _, password = decoded.partition(":")
    basic = SECRETS.get("basic") or {}
    if _same(username, basic.get("username")) and _same(
        password, basic.get("password")
    ):
        return True
    return tokens.check_user(username, password)


def satisfied(request: Request, name: str) -> bool:
    """Whether the request carries a valid credential for scheme ``name``."""
    scheme = SCHEMES.get(name)
    if scheme is None:
        return False
    if scheme["type"] == "apiKey":
        where, key = scheme["in"], scheme["name"]
        if where == "query":
            value = request.query_params.get(key)
        elif where == "cookie":
            value = request.cookies.get(key)
        else:
            value = request.headers.get(key)
        if scheme.get("recorded"):
            return bool(value)
        expected = SECRETS.get("api_keys", {}).get(name)
        return value is not None and _same(value, expected)
    kind, _, credential = request.headers.get("authorization", "").partition(" ")
    kind, credential = kind.lower(), credential.strip()
    wanted = scheme.get("scheme") or "bearer"
    if scheme.get("recorded"):
        # Made from a recording: any credential of the scheme's kind.
        return kind == wanted and bool(credential)
    if wanted == "basic":
        return kind == "basic" and basic_ok(credential)
    return kind == wanted and bearer_ok(credential)


def challenges(alternatives: list[list[str]]) -> str:
    """The ``WWW-Authenticate`` value for the http-style schemes asked for."""
    seen: list[str] = []
    for names in alternatives:
        for name in names:
            scheme = SCHEMES.get(name, {})
            if scheme.get("type") == "apiKey":
                continue
            kind = (scheme.get("scheme") or "bearer").capitalize()
            challenge = f'{kind} realm="mockloop"'
            if challenge not in seen:
                seen.append(challenge)
    return ", ".join(seen)


def check(request: Request, key: str) -> JSONResponse | None:
    """``None`` if the operation ``key`` lets the request in, else a 401."""
    alternatives = REQUIREMENTS.get(key)
    if not ENABLED or not alternatives:
        return None
    for names in alternatives:
        if all(satisfied(request, name) for name in names):
            return None
    wanted = " or ".join(" + ".join(names) for names in alternatives)
    headers = {}
    challenge = challenges(alternatives)
    if challenge:
        headers["WWW-Authenticate"] = challenge
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": f"missing or invalid credentials; this operation needs {wanted}",
        },
        status_code=401,
        headers=headers,
        media_type="application/problem+json",
    )
