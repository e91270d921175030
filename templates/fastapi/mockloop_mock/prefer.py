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


def _pairs(header: str) -> list[tuple[str, str]]:
    """The ``name=value`` pairs of a header, separated by ``,`` or ``;``; a
    value may be a quoted string with backslash escapes (RFC 9110), so an
    example's name can hold spaces, commas and quotes."""
    pairs: list[tuple[str, str]] = []
    name: list[str] = []
    value: list[str] = []
    in_value = quoted = escaped = False
    for char in header:
        if quoted:
            if escaped:
                value.append(char)
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
            else:
                value.append(char)
        elif char in ",;":
            pairs.append(("".join(name).strip().lower(), "".join(value).strip()))
            name, value, in_value = [], [], False
        elif char == "=" and not in_value:
            in_value = True
        elif char == '"' and in_value and not "".join(value).strip():
            quoted = True
        elif in_value:
            value.append(char)
        else:
            name.append(char)
    pairs.append(("".join(name).strip().lower(), "".join(value).strip()))
    return pairs


def parse(header: str | None) -> Preference | None:
    """The preferences in a ``Prefer`` header; ``None`` when there are none."""
    if not header:
        return None
    values = dict(_pairs(header))
    code = values.get("code", "")
    preference = Preference(
        code=int(code) if code.isdigit() and 100 <= int(code) <= 599 else None,
        example=values.get("example") or None,
        dynamic=values.get("dynamic", "").lower() == "true",
    )
    return preference if preference != Preference() else None
