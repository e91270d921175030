"""The rules that answer every GraphQL field from ``mock_data/graphql.json``.

They are the native engine's rules (``graphql/resolve.rs`` in mockloop), so
both engines answer a query with the same data:

* The world holds ``total`` objects of each object type, numbered; object
  ``n`` of type ``T`` has the id ``base64("T:n")`` and the leaf values of
  pool instance ``n % pool_size``. A field asked with an ``id`` argument
  answers the object with that id (a foreign id answers an object chosen by
  its hash, keeping the id).
* An object field of object ``n`` of ``T`` answers the object chosen by
  ``fnv("T:n.field")``; a list answers consecutive objects from there (from
  0 on the query root), as many as ``first``/``limit``/... say, from
  ``offset``/``skip``. Interfaces and unions answer their object types in
  turn. A list named ``...errors`` is empty.
* A Relay connection pages through the same sequence with ``first``,
  ``last``, ``after`` and ``before``.
* ``createX``, ``updateX`` and ``deleteX`` mutations answer their object or
  payload with the input applied; in stateful mode they are stored.
"""

import base64
import binascii
import sqlite3
import sys
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_client_schema,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)

from mockloop_mock import database, overrides, scenarios, settings, storage

DATA: dict[str, Any] = settings.load_json(settings.DATA_DIR / "graphql.json")
LIMITS: dict[str, Any] = DATA["limits"]
TOTAL: int = LIMITS["total"]
DEFAULT_LIST: int = LIMITS["default_list"]
MAX_LIST: int = LIMITS["max_list"]
MAX_VALUES: int = LIMITS["max_values"]
POOL: dict[str, list[dict[str, Any]]] = DATA["pool"]
POOL_SIZE: int = max(1, DATA["pool_size"])
SCHEMA: GraphQLSchema = build_client_schema(DATA["introspection"])

# Arguments that set a list's length, and its start (the generator's lists).
LENGTH_ARGS: tuple[str, ...] = tuple(LIMITS["length_args"])
OFFSET_ARGS: tuple[str, ...] = tuple(LIMITS["offset_args"])
MASK = 0xFFFFFFFFFFFFFFFF


def fnv(text: str) -> int:
    """FNV-1a, 64 bits, over UTF-8: the hash the native engine uses too."""
    value = 0xCBF29CE484222325
    for byte in text.encode():
        value = ((value ^ byte) * 0x100000001B3) & MASK
    return value


def _possible() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, named in SCHEMA.type_map.items():
        if is_abstract_type(named):
            found[name] = sorted(t.name for t in SCHEMA.get_possible_types(named))
    return found


def _connections() -> dict[str, str]:
    """Connection type -> its edge type (``edges { node }`` and ``pageInfo``)."""
    found: dict[str, str] = {}
    for name, named in SCHEMA.type_map.items():
        fields = getattr(named, "fields", None)
        if name.startswith("__") or not isinstance(fields, dict):
            continue
        edges, page_info = fields.get("edges"), fields.get("pageInfo")
        if edges is None or page_info is None:
            continue
        edge_type = edges.type.of_type if is_non_null_type(edges.type) else edges.type
        if not is_list_type(edge_type):
            continue
        edge = get_named_type(edges.type)
        if "node" in (getattr(edge, "fields", None) or {}):
            found[name] = edge.name
    return found


POSSIBLE = _possible()
CONNECTIONS = _connections()
QUERY_ROOT = SCHEMA.query_type.name if SCHEMA.query_type else "Query"
MUTATION_ROOT = SCHEMA.mutation_type.name if SCHEMA.mutation_type else None
SUBSCRIPTION_ROOT = SCHEMA.subscription_type.name if SCHEMA.subscription_type else None


def canonical_id(type_name: str, index: int) -> str:
    return base64.b64encode(f"{type_name}:{index}".encode()).decode()


def _decode(text: str, prefix: str = "") -> str | None:
    try:
        decoded = base64.b64decode(text.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.startswith(prefix) else None


def decode_id(text: str) -> tuple[str, int] | None:
    decoded = _decode(text)
    if decoded is None or ":" not in decoded:
        return None
    type_name, _, index = decoded.rpartition(":")
    return (type_name, int(index)) if index.isdigit() else None


def cursor(position: int) -> str:
    return base64.b64encode(f"cursor:{position}".encode()).decode()


def decode_cursor(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    decoded = _decode(text, "cursor:")
    if decoded is None or not decoded[7:].isdigit():
        return None
    return int(decoded[7:])


class Store:
    """Stateful mode's records in ``stored_items`` (``graphql:<Type>``)."""

    def __init__(self) -> None:
        self.db = database.connect(settings.DB_PATH)

    def close(self) -> None:
        self.db.close()

    def get(self, type_name: str, item_id: str) -> dict[str, Any] | None:
        return storage.load_item(self.db, f"graphql:{type_name}", item_id)

    def all(self, type_name: str) -> list[tuple[str, dict[str, Any]]]:
        return storage.stored_items(self.db, f"graphql:{type_name}")

    def put(self, type_name: str, item_id: str, record: dict[str, Any]) -> None:
        try:
            storage.save_item(self.db, f"graphql:{type_name}", item_id, record)
        except sqlite3.Error as error:
            # The answer stands; only its record is lost.
            print(f"mockloop: cannot store a {type_name}: {error}", file=sys.stderr)


class Context:
    """One execution: the store in stateful mode, the values made, the event
    a subscription answers and what the mutations did."""

    def __init__(
        self, store: Store | None, event: dict[str, Any] | None = None
    ) -> None:
        self.store = store
        self.values = 0
        self.event = event
        self.emitted: list[dict[str, Any]] = []

    def spend(self, values: int) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise GraphQLError(
                f"the response would hold more than {MAX_VALUES} values;"
                " ask for fewer or shorter lists"
            )


class Obj:
    """An object of the response."""

    __slots__ = ("extra", "fixed", "id", "index", "kind", "overlay", "type_name")

    def __init__(
        self,
        type_name: str,
        index: int,
        item_id: str | None = None,
        overlay: dict[str, Any] | None = None,
        kind: str = "plain",
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.type_name = type_name
        self.index = index
        self.id = item_id
        self.overlay = overlay
        self.kind = kind
        self.extra = extra or {}
        # Data an override gave this object (fields it leaves out are generated).
        self.fixed: dict[str, Any] | None = None

    def identity(self) -> str:
        return (
            self.id if self.id is not None else canonical_id(self.type_name, self.index)
        )


def root(type_name: str, index: int = 0) -> Obj:
    """The root object; ``index`` numbers a subscription's events."""
    return Obj(type_name, index)


def resolve_type(value: Obj, _info: GraphQLResolveInfo, _abstract: Any) -> str:
    return value.type_name


def _candidates(named: str) -> list[str]:
    return POSSIBLE.get(named, [named])


def _deleted(record: dict[str, Any]) -> bool:
    return record.get("deleted") is True


def numbered(context: Context, type_name: str, index: int) -> Obj | None:
    """Object ``index`` of ``type_name`` with what the store has for it."""
    overlay = None
    if context.store is not None:
        record = context.store.get(type_name, canonical_id(type_name, index))
        if record is not None:
            if _deleted(record):
                return None
            overlay = record.get("fields")
    return Obj(type_name, index, None, overlay)


def by_id(context: Context, named: str, item_id: str) -> Obj | None:
    candidates = _candidates(named)
    if context.store is not None:
        for type_name in candidates:
            record = context.store.get(type_name, item_id)
            if record is not None:
                if _deleted(record):
                    return None
                index = record.get("index", 0)
                custom = item_id if canonical_id(type_name, index) != item_id else None
                return Obj(type_name, index, custom, record.get("fields"))
    decoded = decode_id(item_id)
    if decoded is not None and decoded[0] in candidates:
        return numbered(context, decoded[0], decoded[1])
    if not candidates:
        return None
    value = fnv(item_id)
    type_name = candidates[(value // TOTAL) % len(candidates)]
    return Obj(type_name, value % TOTAL, item_id)


def _is_query_root(obj: Obj) -> bool:
    return obj.kind == "plain" and obj.type_name == QUERY_ROOT


def sequence(context: Context, obj: Obj, named: str, field: str) -> list[Obj]:
    types = _candidates(named)
    if not types:
        return []
    count = len(types)
    if _is_query_root(obj):
        items = [
            found
            for k in range(TOTAL)
            if (found := numbered(context, types[k % count], k)) is not None
        ]
        if context.store is not None:
            created = []
            for type_name in types:
                for item_id, record in context.store.all(type_name):
                    if record.get("created") is True and not _deleted(record):
                        index = record.get("index", 0)
                        custom = (
                            item_id
                            if canonical_id(type_name, index) != item_id
                            else None
                        )
                        created.append(
                            Obj(type_name, index, custom, record.get("fields"))
                        )
            created.sort(key=lambda o: (o.index, o.type_name))
            items.extend(created)
        return items
    value = fnv(f"{obj.type_name}:{obj.index}.{field}")
    base, turn = value % TOTAL, value // TOTAL
    return [
        found
        for k in range(TOTAL)
        if (found := numbered(context, types[(turn + k) % count], (base + k) % TOTAL))
        is not None
    ]


def id_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def single(
    context: Context, obj: Obj, named: str, field: str, args: dict[str, Any]
) -> Obj | None:
    item_id = id_text(args.get("id"))
    if item_id is not None:
        return by_id(context, named, item_id)
    types = _candidates(named)
    if not types:
        return None
    value = fnv(f"{obj.type_name}:{obj.index}.{field}")
    type_name = types[(value // TOTAL) % len(types)]
    found = numbered(context, type_name, value % TOTAL)
    return found if found is not None else Obj(type_name, value % TOTAL)


def list_length(args: dict[str, Any]) -> int:
    for name in LENGTH_ARGS:
        value = args.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return min(max(value, 0), MAX_LIST)
    return DEFAULT_LIST


def _offset(args: dict[str, Any]) -> int:
    for name in OFFSET_ARGS:
        value = args.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return 0


def _is_errors(field: str) -> bool:
    return field.lower().endswith("errors")


def _leaf(obj: Obj, field: str, return_type: Any) -> Any:
    if obj.overlay is not None and field in obj.overlay:
        return obj.overlay[field]
    nullable = return_type.of_type if is_non_null_type(return_type) else return_type
    if (
        field == "id"
        and get_named_type(return_type).name == "ID"
        and not is_list_type(nullable)
    ):
        return obj.identity()
    if is_list_type(nullable) and _is_errors(field):
        return []
    instances = POOL.get(obj.type_name) or []
    if not instances:
        return None
    return instances[obj.index % POOL_SIZE].get(field)


def _count(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def connection(
    context: Context, obj: Obj, named: str, field: str, args: dict[str, Any]
) -> Obj:
    edge = SCHEMA.type_map.get(CONNECTIONS[named])
    node_field = edge.fields.get("node") if edge is not None else None
    node_type = get_named_type(node_field.type).name if node_field else ""
    items = sequence(context, obj, node_type, field)
    total = len(items)
    after = decode_cursor(args.get("after"))
    before = decode_cursor(args.get("before"))
    start = after + 1 if after is not None else 0
    end = min(before, total) if before is not None else total
    start = min(start, end)
    first, last = _count(args.get("first")), _count(args.get("last"))
    if first is not None:
        end = min(end, start + min(first, MAX_LIST))
    if last is not None:
        start = max(start, max(end - min(last, MAX_LIST), 0))
    if first is None and last is None:
        end = min(end, start + list_length(args))
    return Obj(
        named,
        obj.index,
        kind="connection",
        extra={"items": items[start:end], "start": start, "total": total},
    )


def resolve_plain(
    context: Context, obj: Obj, info: GraphQLResolveInfo, args: dict[str, Any]
) -> Any:
    field, return_type = info.field_name, info.return_type
    named = get_named_type(return_type)
    nullable = return_type.of_type if is_non_null_type(return_type) else return_type
    if is_leaf_type(named):
        return _leaf(obj, field, return_type)
    if is_list_type(nullable) and _is_errors(field):
        return []
    if named.name in CONNECTIONS:
        return connection(context, obj, named.name, field, args)
    if is_list_type(nullable):
        items = sequence(context, obj, named.name, field)
        start = _offset(args)
        items = items[start : start + list_length(args)]
        context.spend(len(items))
        inner = nullable.of_type
        inner = inner.of_type if is_non_null_type(inner) else inner
        if is_list_type(inner):
            return [list(items), list(items)]
        return items
    return single(context, obj, named.name, field, args)


def resolve_connection(
    context: Context, obj: Obj, info: GraphQLResolveInfo, args: dict[str, Any]
) -> Any:
    field, return_type = info.field_name, info.return_type
    items, start, total = obj.extra["items"], obj.extra["start"], obj.extra["total"]
    nullable = return_type.of_type if is_non_null_type(return_type) else return_type
    if field == "edges":
        context.spend(len(items) * 2)
        edge_type = CONNECTIONS.get(obj.type_name, "")
        return [
            Obj(
                edge_type,
                item.index,
                kind="edge",
                extra={"node": item, "cursor": cursor(start + i)},
            )
            for i, item in enumerate(items)
        ]
    if field == "nodes" and is_list_type(nullable):
        context.spend(len(items))
        return list(items)
    if field == "pageInfo":
        return Obj(
            get_named_type(return_type).name,
            0,
            kind="pageinfo",
            extra={"start": start, "end": start + len(items), "total": total},
        )
    if field in ("totalCount", "count", "total") and not is_list_type(nullable):
        return total
    return resolve_plain(context, obj, info, args)


def resolve_page_info(
    context: Context, obj: Obj, info: GraphQLResolveInfo, args: dict[str, Any]
) -> Any:
    start, end, total = obj.extra["start"], obj.extra["end"], obj.extra["total"]
    field = info.field_name
    if field == "hasNextPage":
        return end < total
    if field == "hasPreviousPage":
        return start > 0
    if field == "startCursor":
        return cursor(start) if end > start else None
    if field == "endCursor":
        return cursor(end - 1) if end > start else None
    return resolve_plain(context, obj, info, args)


def resolve_payload(
    context: Context, obj: Obj, info: GraphQLResolveInfo, args: dict[str, Any]
) -> Any:
    entity: Obj = obj.extra["entity"]
    return_type = info.return_type
    named = get_named_type(return_type).name
    nullable = return_type.of_type if is_non_null_type(return_type) else return_type
    if named == entity.type_name or entity.type_name in POSSIBLE.get(named, []):
        return [entity] if is_list_type(nullable) else entity
    if info.field_name == "clientMutationId":
        return obj.extra.get("client_id")
    if (
        info.field_name in ("success", "ok", "deleted", "removed")
        and named == "Boolean"
    ):
        return True
    return resolve_plain(context, obj, info, args)


def from_json(value: Any, return_type: Any) -> Any:
    """The value an override's ``data`` gives a field of ``return_type``."""
    if value is None:
        return None
    nullable = return_type.of_type if is_non_null_type(return_type) else return_type
    if is_list_type(nullable) and isinstance(value, list):
        return [from_json(item, nullable.of_type) for item in value]
    named = get_named_type(return_type)
    if isinstance(value, dict) and not is_leaf_type(named):
        concrete = value.get("__typename")
        if not isinstance(concrete, str):
            possible = POSSIBLE.get(named.name)
            concrete = (
                named.name if possible is None else (possible[0] if possible else "")
            )
        decoded = decode_id(value["id"]) if isinstance(value.get("id"), str) else None
        obj = Obj(concrete, decoded[1] if decoded is not None else 0)
        obj.fixed = value
        return obj
    return value


def configured(coordinate: str) -> dict[str, Any] | None:
    """The override, or else the active scenario's entry, of a coordinate."""
    found = overrides.STORE.behaviour(coordinate)
    return found if found is not None else scenarios.STORE.behaviour(coordinate)
