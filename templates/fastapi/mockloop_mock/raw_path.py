"""Routing on the raw path, so that ``%2F`` stays inside its parameter.

Servers decode the path before routing, which turns
``/repos/o/r/git/matching-refs/heads%2Ffeature`` into four segments and
the route is not found. Where the raw path holds an encoded slash, the path
the router sees has it as :data:`SLASH` instead (NUL: a path that also
holds ``%00`` is left as it is, so the stand-in is never ambiguous), and
:func:`restore` turns it back in parameter values.
"""

from collections.abc import MutableMapping
from typing import Any
from urllib.parse import unquote

# What an encoded slash is while routing.
SLASH = "\x00"
# Set in the scope of a request whose path was rewritten.
FLAG = "mockloop.encoded_slash"


def keep_encoded_slashes(scope: MutableMapping[str, Any]) -> None:
    """Rewrites ``scope["path"]`` when the raw path has an encoded slash."""
    raw = scope.get("raw_path")
    if not raw or b"%2" not in raw:
        return
    lowered = raw.lower()
    if b"%2f" not in lowered or b"%00" in lowered:
        return
    segments = raw.decode("ascii", errors="replace").split("/")
    scope["path"] = "/".join(unquote(part).replace("/", SLASH) for part in segments)
    scope[FLAG] = True


def restore(scope: MutableMapping[str, Any], value: str) -> str:
    """A path parameter's value as the client sent it (slashes back)."""
    return value.replace(SLASH, "/") if scope.get(FLAG) else value


def last_segment(scope: MutableMapping[str, Any]) -> str:
    """The decoded last segment of the raw path (an item id may hold ``/``)."""
    raw = scope.get("raw_path")
    if raw is None:
        return str(scope["path"]).rstrip("/").rpartition("/")[2]
    text = raw.decode("ascii", errors="replace").rstrip("/")
    return unquote(text.rpartition("/")[2])
