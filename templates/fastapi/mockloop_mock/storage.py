"""Stateful mode (feature ``storage``): collections kept in SQLite.

When on (``MOCKLOOP_STORAGE=on``, ``POST /admin/api/storage/enable``, or
an active scenario with ``"storage": true``),
a collection route ``/x`` and its item route ``/x/{id}`` act as a store:
``POST /x`` keeps the item (filling a missing id: the next integer, or a
UUID when the spec's example id is a string), ``GET /x`` lists the items,
``GET``/``PUT``/``PATCH``/``DELETE /x/{id}`` read, replace, merge and
remove one, and an unknown id is a 404. Other routes answer as usual.
"""

import asyncio
import json
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from mockloop_mock import catalog, database, raw_path, scenarios, settings
from mockloop_mock.admin import PREFIX
from mockloop_mock.routing import AdminRouter

ENABLED: bool = bool(settings.MANIFEST["features"].get("storage"))
ENV_ON: bool = settings.env_flag("MOCKLOOP_STORAGE", default=False)
STATE_KEY = "storage_enabled"
NO_BODY = object()

_PATHS = {key.split(" ", 1)[1] for key in catalog.OPERATIONS}
# Item path → its collection path, e.g. "/pets/{petId}" → "/pets".
ITEMS: dict[str, str] = {}
for _path in _PATHS:
    _parent, _, _last = _path.rpartition("/")
    if _last.startswith("{") and _last.endswith("}") and _parent in _PATHS:
        ITEMS[_path] = _parent
COLLECTIONS: set[str] = set(ITEMS.values())


@dataclass
class Outcome:
    """What the store answers: a status and a JSON body (or ``NO_BODY``)."""

    status: int
    body: Any = NO_BODY


def _execute(sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    db = database.connect(settings.DB_PATH)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


class StorageSwitch(database.SqliteStore):
    """Whether the admin API switched storage on, kept in ``mock_state``."""

    revision_key = "storage_revision"

    def __init__(self) -> None:
        super().__init__()
        self.on = False

    def load(self) -> None:
        row = self.db.execute(
            "SELECT value FROM mock_state WHERE key = ?", (STATE_KEY,)
        ).fetchone()
        self.on = row is not None and row["value"] == "on"

    def switch(self, on: bool) -> None:
        """Switches storage on or off for this mock, across restarts."""
        self.db.execute(
            "INSERT INTO mock_state VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (STATE_KEY, "on" if on else "off"),
        )
        self.changed()
        self.on = on


SWITCH = StorageSwitch()


def active() -> bool:
    """Whether requests go to the store."""
    return ENABLED and (ENV_ON or SWITCH.on or scenarios.STORE.active_storage)


def _operation(key: str) -> dict[str, Any] | None:
    # Imported here: responses imports this module.
    from mockloop_mock import responses

    return responses.OPERATIONS.get(key)


def _default(key: str) -> tuple[int, Any, bool]:
    """The documented default status, example body and whether it has one."""
    operation = _operation(key) or {}
    status = operation.get("default")
    if status is None:
        return 200, None, False
    entry = operation["responses"][status]
    return entry["status_code"], entry["body"], entry["media_type"] is not None


def _id_field(item_path: str, body: dict[str, Any]) -> str:
    parameter = item_path.rpartition("/")[2][1:-1]
    if "id" not in body and parameter in body:
        return parameter
    return "id"


def _new_id(collection: str, example: Any, field: str) -> Any:
    if isinstance(example, dict) and isinstance(example.get(field), str):
        return str(uuid.uuid4())
    rows = _execute(
        "SELECT item_id FROM stored_items WHERE collection = ?", (collection,)
    )
    numbers = [int(row["item_id"]) for row in rows if row["item_id"].isdigit()]
    return max(numbers, default=0) + 1


def load_item(db: sqlite3.Connection, collection: str, item_id: str) -> Any:
    """The item stored under ``item_id`` in ``collection``, or ``None``."""
    row = db.execute(
        "SELECT body FROM stored_items WHERE collection = ? AND item_id = ?",
        (collection, item_id),
    ).fetchone()
    return json.loads(row["body"]) if row else None


def save_item(db: sqlite3.Connection, collection: str, item_id: str, item: Any) -> None:
    """Stores ``item`` under ``item_id`` in ``collection`` (insert or replace)."""
    now = scenarios.now()
    db.execute(
        "INSERT INTO stored_items VALUES (?, ?, ?, ?, ?) ON CONFLICT"
        " (collection, item_id) DO UPDATE SET body = excluded.body,"
        " updated_at = excluded.updated_at",
        (collection, item_id, json.dumps(item), now, now),
    )


def stored_items(db: sqlite3.Connection, collection: str) -> list[tuple[str, Any]]:
    """The ids and items of ``collection``, oldest first."""
    rows = db.execute(
        "SELECT item_id, body FROM stored_items WHERE collection = ? ORDER BY rowid",
        (collection,),
    ).fetchall()
    return [(row["item_id"], json.loads(row["body"])) for row in rows]


def _with_db(work: Callable[[sqlite3.Connection], Any]) -> Any:
    db = database.connect(settings.DB_PATH)
    try:
        return work(db)
    finally:
        db.close()


def _load(collection: str, item_id: str) -> Any:
    return _with_db(lambda db: load_item(db, collection, item_id))


def _save(collection: str, item_id: str, item: Any) -> None:
    _with_db(lambda db: save_item(db, collection, item_id, item))


def _items(collection: str) -> list[Any]:
    return [item for _, item in _with_db(lambda db: stored_items(db, collection))]


def _create(key: str, collection: str, body: Any) -> Outcome | None:
    if not isinstance(body, dict):
        return None
    item_path = next(path for path, parent in ITEMS.items() if parent == collection)
    status, example, _ = _default(key)
    field = _id_field(item_path, body)
    item = dict(body)
    if item.get(field) is None:
        item[field] = _new_id(collection, example, field)
    _save(collection, str(item[field]), item)
    return Outcome(status if 200 <= status < 300 else 201, item)


def _list(key: str, collection: str) -> Outcome | None:
    status, example, _ = _default(key)
    items = _items(collection)
    if example is None or isinstance(example, list):
        return Outcome(status, items)
    if isinstance(example, dict):
        for name, value in example.items():
            if isinstance(value, list):
                return Outcome(status, {**example, name: items})
    return None


def _item(method: str, key: str, collection: str, item_id: str, body: Any) -> Outcome:
    stored = _load(collection, item_id)
    if stored is None:
        return Outcome(404)
    status, _, has_body = _default(key)
    if method == "DELETE":
        _execute(
            "DELETE FROM stored_items WHERE collection = ? AND item_id = ?",
            (collection, item_id),
        )
        return Outcome(status)
    if method in {"PUT", "PATCH"} and isinstance(body, dict):
        item = {**stored, **body} if method == "PATCH" else dict(body)
        field = _id_field(next(p for p, c in ITEMS.items() if c == collection), stored)
        item[field] = stored.get(field, item.get(field))
        _save(collection, item_id, item)
        stored = item
    return Outcome(status, stored if has_body or method == "GET" else NO_BODY)


def _handle(
    method: str, key: str, path: str, last_segment: str, body: Any
) -> Outcome | None:
    if path in COLLECTIONS and method == "POST":
        return _create(key, path, body)
    if path in COLLECTIONS and method == "GET":
        return _list(key, path)
    if path in ITEMS and method in {"GET", "PUT", "PATCH", "DELETE"}:
        return _item(method, key, ITEMS[path], last_segment, body)
    return None


async def handle(request: Request, key: str) -> Outcome | None:
    """The store's answer for a request, or ``None`` to answer as usual."""
    method, path = key.split(" ", 1)
    if path not in COLLECTIONS and path not in ITEMS:
        return None
    body = None
    if method in {"POST", "PUT", "PATCH"}:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            return None
    item_id = raw_path.last_segment(request.scope)
    return await asyncio.to_thread(_handle, method, key, path, item_id, body)


def create_router() -> APIRouter:
    """``/admin/api/storage``: status, enable, disable, clear."""
    router = AdminRouter(prefix=f"{PREFIX}/storage", include_in_schema=False)

    def status() -> dict[str, Any]:
        counts = {
            row["collection"]: row["count"]
            for row in _execute(
                "SELECT collection, COUNT(*) AS count FROM stored_items"
                " GROUP BY collection"
            )
        }
        return {
            "active": active(),
            "env": ENV_ON,
            "switched_on": SWITCH.on,
            "collections": {name: counts.get(name, 0) for name in sorted(COLLECTIONS)},
        }

    @router.get("")
    async def show() -> JSONResponse:
        return JSONResponse(await asyncio.to_thread(status))

    @router.post("/enable")
    async def enable() -> JSONResponse:
        SWITCH.switch(True)
        return JSONResponse(await asyncio.to_thread(status))

    @router.post("/disable")
    async def disable() -> JSONResponse:
        SWITCH.switch(False)
        return JSONResponse(await asyncio.to_thread(status))

    @router.delete("")
    async def clear() -> JSONResponse:
        await asyncio.to_thread(_execute, "DELETE FROM stored_items")
        return JSONResponse(await asyncio.to_thread(status))

    return router
