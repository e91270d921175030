"""Scenarios: named sets of endpoint behaviours, one of them active.

They live in SQLite, so they survive a restart; the active one is also kept
in memory, so activating a scenario takes effect on the next request, in
every process serving the mock (see ``database.SqliteStore``).
"""

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from mockloop_mock import behaviour, database
from mockloop_mock.behaviour import InputError

ACTIVE_KEY = "active_scenario"
COLUMNS = "(name, description, endpoints, created_at, updated_at, storage)"
MAX_NAME = 200


def now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def validate_scenario(raw: object, name: str | None = None) -> dict[str, Any]:
    """Checks ``{name, description, endpoints, storage}``; returns a clean copy."""
    if not isinstance(raw, dict):
        raise InputError("expected a JSON object {name, description, endpoints}")
    unknown = sorted(set(raw) - {"name", "description", "endpoints", "storage"})
    if unknown:
        raise InputError(f"unknown fields {unknown}")
    name = name if name is not None else raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise InputError(f"name: expected a non-empty string of at most {MAX_NAME}")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise InputError("description: expected a string")
    endpoints = raw.get("endpoints", {})
    if not isinstance(endpoints, dict):
        raise InputError("endpoints: expected an object keyed by 'METHOD /path'")
    clean = dict(
        behaviour.entry(key, value, f"endpoints[{key!r}]")
        for key, value in endpoints.items()
    )
    storage = raw.get("storage", False)
    if not isinstance(storage, bool):
        raise InputError("storage: expected true or false")
    return {
        "name": name,
        "description": description,
        "endpoints": clean,
        "storage": storage,
    }


class ScenarioStore(database.SqliteStore):
    """The scenarios table plus the active scenario, cached."""

    revision_key = "scenarios_revision"

    def __init__(self) -> None:
        super().__init__()
        self.active_name: str | None = None
        self.active_endpoints: dict[str, dict[str, Any]] = {}
        # Whether the active scenario switches stateful mode on.
        self.active_storage = False

    def load(self) -> None:
        row = self.db.execute(
            "SELECT value FROM mock_state WHERE key = ?", (ACTIVE_KEY,)
        ).fetchone()
        self._load_active(row["value"] if row else None)

    def list(self) -> list[dict[str, Any]]:
        """Every scenario, by name."""
        rows = self.db.execute("SELECT * FROM scenarios ORDER BY name").fetchall()
        return [self._scenario(row) for row in rows]

    def get(self, name: str) -> dict[str, Any]:
        """One scenario; 404 if there is none by that name."""
        row = self.db.execute(
            "SELECT * FROM scenarios WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise InputError(f"no scenario named {name!r}", status=404)
        return self._scenario(row)

    def create(self, raw: object) -> dict[str, Any]:
        """Adds a scenario; 409 if the name is taken."""
        scenario = validate_scenario(raw)
        stamp = now()
        try:
            self.db.execute(
                f"INSERT INTO scenarios {COLUMNS} VALUES (?, ?, ?, ?, ?, ?)",
                (
                    scenario["name"],
                    scenario["description"],
                    json.dumps(scenario["endpoints"]),
                    stamp,
                    stamp,
                    int(scenario["storage"]),
                ),
            )
        except sqlite3.IntegrityError:
            raise InputError(
                f"a scenario named {scenario['name']!r} exists; PUT replaces it",
                status=409,
            ) from None
        return self.get(scenario["name"])

    def replace(self, name: str, raw: object) -> dict[str, Any]:
        """Creates or replaces the scenario ``name``."""
        if isinstance(raw, dict) and raw.get("name", name) != name:
            raise InputError("the body's name differs from the one in the path")
        scenario = validate_scenario(raw, name)
        stamp = now()
        self.db.execute(
            f"INSERT INTO scenarios {COLUMNS} VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE"
            " SET description = excluded.description, endpoints = excluded.endpoints,"
            " updated_at = excluded.updated_at, storage = excluded.storage",
            (
                name,
                scenario["description"],
                json.dumps(scenario["endpoints"]),
                stamp,
                stamp,
                int(scenario["storage"]),
            ),
        )
        self.changed()
        if name == self.active_name:
            self._load_active(name)
        return self.get(name)

    def delete(self, name: str) -> None:
        """Deletes a scenario, deactivating it if it was active."""
        self.get(name)
        self.db.execute("DELETE FROM scenarios WHERE name = ?", (name,))
        if name == self.active_name:
            self.deactivate()

    def activate(self, name: str) -> dict[str, Any]:
        """Makes ``name`` the active scenario."""
        scenario = self.get(name)
        self._set_state(name)
        self._load_active(name)
        return scenario

    def deactivate(self) -> str | None:
        """No scenario is active any more; returns the one that was."""
        previous = self.active_name
        self._set_state(None)
        self._load_active(None)
        return previous

    def behaviour(self, key: str) -> dict[str, Any] | None:
        """What the active scenario says about an operation, if anything."""
        return self.active_endpoints.get(key)

    def _set_state(self, name: str | None) -> None:
        self.db.execute(
            "INSERT INTO mock_state VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (ACTIVE_KEY, name),
        )
        self.changed()

    def _load_active(self, name: str | None) -> None:
        row = None
        if name is not None:
            row = self.db.execute(
                "SELECT * FROM scenarios WHERE name = ?", (name,)
            ).fetchone()
        if row is None:
            self.active_name, self.active_endpoints = None, {}
            self.active_storage = False
        else:
            self.active_name = name
            self.active_endpoints = json.loads(row["endpoints"])
            self.active_storage = bool(row["storage"])

    @staticmethod
    def _scenario(row: sqlite3.Row) -> dict[str, Any]:
        return {
            "name": row["name"],
            "description": row["description"],
            "endpoints": json.loads(row["endpoints"]),
            "storage": bool(row["storage"]),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }


STORE = ScenarioStore()
