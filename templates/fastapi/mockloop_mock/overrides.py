"""Single-endpoint overrides: set, list and clear at run time.

An override takes effect on the next request, in every process serving the
mock, and is stored in SQLite, so it survives a restart.
"""

import json
from typing import Any

from mockloop_mock import behaviour, database, settings
from mockloop_mock.behaviour import InputError
from mockloop_mock.scenarios import now

TARGET_FIELDS = {"method", "path"}


def split_request(raw: object) -> tuple[str, dict[str, Any]]:
    """``{method, path, ...behaviour}`` → (operation key, behaviour)."""
    if isinstance(raw, dict) and "coordinate" in raw and "graphql" in settings.MANIFEST:
        key = behaviour.coordinate_key(raw["coordinate"])
        rest = {k: v for k, v in raw.items() if k != "coordinate"}
        return key, behaviour.validate_graphql(rest, key)
    if not isinstance(raw, dict):
        raise InputError("expected a JSON object {method, path, status_code, ...}")
    method, path = raw.get("method"), raw.get("path")
    if not isinstance(method, str) or not isinstance(path, str):
        raise InputError("method and path (the spec's path template) are required")
    key = behaviour.endpoint_key(f"{method} {path}")
    rest = {k: v for k, v in raw.items() if k not in TARGET_FIELDS}
    return key, behaviour.validate(rest, key)


class OverrideStore(database.SqliteStore):
    """The ``response_overrides`` table, cached in memory."""

    revision_key = "overrides_revision"

    def __init__(self) -> None:
        super().__init__()
        self.active: dict[str, dict[str, Any]] = {}

    def load(self) -> None:
        rows = self.db.execute("SELECT endpoint, config FROM response_overrides")
        self.active = {row["endpoint"]: json.loads(row["config"]) for row in rows}

    def list(self) -> list[dict[str, Any]]:
        """Every override, by endpoint."""
        return [self._describe(key) for key in sorted(self.active)]

    def set(self, raw: object) -> dict[str, Any]:
        """Adds or replaces the override of one endpoint."""
        key, config = split_request(raw)
        self.db.execute(
            "INSERT INTO response_overrides VALUES (?, ?, ?) ON CONFLICT(endpoint)"
            " DO UPDATE SET config = excluded.config, created_at = excluded.created_at",
            (key, json.dumps(config), now()),
        )
        self.changed()
        self.active[key] = config
        return self._describe(key)

    def clear(
        self, method: str | None, path: str | None, coordinate: str | None = None
    ) -> int:
        """Clears one endpoint's (or coordinate's) override, or all of them;
        returns how many."""
        if method is None and path is None and coordinate is not None:
            if "graphql" not in settings.MANIFEST:
                raise InputError("coordinate: this mock is not a GraphQL mock")
            key = behaviour.coordinate_key(coordinate)
            self.db.execute("DELETE FROM response_overrides WHERE endpoint = ?", (key,))
            self.changed()
            return 1 if self.active.pop(key, None) is not None else 0
        if method is None and path is None:
            count = len(self.active)
            self.db.execute("DELETE FROM response_overrides")
            self.changed()
            self.active = {}
            return count
        key = behaviour.endpoint_key(f"{method or ''} {path or ''}")
        self.db.execute("DELETE FROM response_overrides WHERE endpoint = ?", (key,))
        self.changed()
        return 1 if self.active.pop(key, None) is not None else 0

    def behaviour(self, key: str) -> dict[str, Any] | None:
        """The override of an operation, if any."""
        return self.active.get(key)

    def _describe(self, key: str) -> dict[str, Any]:
        if " " not in key:
            # A GraphQL mock's schema coordinate (``Query.user``).
            return {"endpoint": key, "coordinate": key, **self.active[key]}
        method, path = key.split(" ", 1)
        return {"endpoint": key, "method": method, "path": path, **self.active[key]}


STORE = OverrideStore()
