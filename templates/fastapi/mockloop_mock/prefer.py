"""The ``Prefer`` request header, as Prism reads it.

``Prefer: code=404`` asks for the documented 404 response,
``Prefer: example=cat`` for the named example ``cat``, and
``Prefer: dynamic=true`` for fresh data generated from the response schema.
They combine: ``Prefer: code=200, example=cat``.
"""

from typing import NamedTuple


class Preference(NamedTuple):
    """What a client asked for."""

    code: int | None = None
    example: str | None = None
    dynamic: bool = False


def parse(header: str | None) -> Preference | None:
    """The preferences in a ``Prefer`` header; ``None`` when there are none."""
    if not header:
        return None
    values: dict[str, str] = {}
    for part in header.replace(";", ",").split(","):
        name, _, value = part.partition("=")
        values[name.strip().lower()] = value.strip().strip('"')
    code = values.get("code", "")
    preference = Preference(
        code=int(code) if code.isdigit() and 100 <= int(code) <= 599 else None,
        example=values.get("example") or None,
        dynamic=values.get("dynamic", "").lower() == "true",
    )
    return preference if preference != Preference() else None
