"""Mutations and their events, and the resolver of every field.

The rules are the native engine's (``graphql/resolve/mutation.rs`` in
mockloop): ``createX``/``addX``, ``updateX`` and ``deleteX`` answer their
object or payload with the input applied, kept in stateful mode, and each
tells the open subscriptions what it did; a subscription's root field
answers the events of its type.
"""

import json
import random
import time
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    get_named_type,
    get_nullable_type,
    is_enum_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)

from mockloop_mock.graphql_data import (
    MUTATION_ROOT,
    POSSIBLE,
    SCHEMA,
    SUBSCRIPTION_ROOT,
    TOTAL,
    Context,
    Obj,
    by_id,
    canonical_id,
    configured,
    fnv,
    from_json,
    id_text,
    resolve_connection,
    resolve_page_info,
    resolve_payload,
    resolve_plain,
)

VERBS = (
    (("create", "add", "insert", "new", "register"), "create"),
    (
        ("update", "edit", "modify", "patch", "set", "change", "save", "upsert"),
        "update",
    ),
    (("delete", "remove", "destroy", "archive"), "delete"),
)


class EventBus:
    """What mutations did, for the open subscriptions (in the event loop)."""

    def __init__(self) -> None:
        self.queues: set[Any] = set()

    def publish(self, events: list[dict[str, Any]]) -> None:
        for queue in list(self.queues):
            for event in events:
                queue.put_nowait(event)


BUS = EventBus()


def field_verb(field: str) -> str | None:
    """The verb a subscription field's name says (``bookAdded``), if any."""
    lower = field.lower()
    if any(p in lower for p in ("creat", "add", "new", "insert")):
        return "create"
    if any(p in lower for p in ("updat", "chang", "edit", "modif")):
        return "update"
    if any(p in lower for p in ("delet", "remov", "destroy")):
        return "delete"
    return None


def payload_field(payload: str, type_name: str) -> str | None:
    """The field of payload type ``payload`` that holds a ``type_name``."""
    found = SCHEMA.type_map.get(payload)
    if not is_object_type(found):
        return None
    for name, field in found.fields.items():
        nullable = field.type.of_type if is_non_null_type(field.type) else field.type
        if not is_list_type(nullable) and get_named_type(field.type).name == type_name:
            return name
    return None


def wants(field: str, return_type: Any, event: dict[str, Any]) -> bool:
    """Whether a subscription's root field answers a mutation's event."""
    verb = field_verb(field)
    if verb is not None and verb != event["verb"]:
        return False
    named = get_named_type(return_type).name
    return (
        named == event["type"]
        or event["type"] in POSSIBLE.get(named, [])
        or payload_field(named, event["type"]) is not None
    )


def event_value(return_type: Any, event: dict[str, Any]) -> Any:
    entity = Obj(event["type"], event["index"], event["id"], event["overlay"])
    named = get_named_type(return_type).name
    if named == event["type"] or event["type"] in POSSIBLE.get(named, []):
        value = entity
    else:
        value = Obj(
            named,
            event["index"],
            kind="payload",
            extra={"entity": entity, "client_id": None},
        )
    nullable = return_type.of_type if is_non_null_type(return_type) else return_type
    return [value] if is_list_type(nullable) else value


def _has_id(named: str) -> bool:
    found = SCHEMA.type_map.get(named)
    if not is_object_type(found):
        return False
    id_field = found.fields.get("id")
    if id_field is None:
        return False
    nullable = (
        id_field.type.of_type if is_non_null_type(id_field.type) else id_field.type
    )
    return not is_list_type(nullable)


def mutation_plan(field: str, return_type: Any) -> dict[str, Any] | None:
    """What a mutation does: verb, entity, payload field, whether identified."""
    lower = field.lower()
    verb, noun = None, ""
    for prefixes, name in VERBS:
        prefix = next((p for p in prefixes if lower.startswith(p)), None)
        if prefix is not None:
            verb, noun = name, lower[len(prefix) :]
            break
    if verb is None:
        return None
    named = get_named_type(return_type).name
    if _has_id(named):
        return {"verb": verb, "entity": named, "payload": None, "identified": True}
    payload = SCHEMA.type_map.get(named)
    if is_object_type(payload):
        candidates = []
        for name, payload_field in payload.fields.items():
            ftype = payload_field.type
            nullable = ftype.of_type if is_non_null_type(ftype) else ftype
            if not is_list_type(nullable) and _has_id(get_named_type(ftype).name):
                candidates.append((name, get_named_type(ftype).name))
        chosen = next((c for c in candidates if c[0].lower() in noun), None)
        if chosen is None and candidates:
            chosen = candidates[0]
        if chosen is not None:
            return {
                "verb": verb,
                "entity": chosen[1],
                "payload": chosen[0],
                "identified": True,
            }
        if verb == "delete":
            return None
        return {"verb": verb, "entity": named, "payload": None, "identified": False}
    for name, found in SCHEMA.type_map.items():
        if is_object_type(found) and name.lower() == noun and _has_id(name):
            return {"verb": verb, "entity": name, "payload": None, "identified": True}
    return None


def _field_type(type_name: str, field: str) -> Any:
    found = SCHEMA.type_map.get(type_name)
    fields = getattr(found, "fields", None) or {}
    entry = fields.get(field)
    return entry.type if entry is not None else None


def fits(field_type: Any, value: Any) -> bool:
    """Whether ``value`` can be the value of a leaf field of ``field_type``."""
    if value is None:
        return not is_non_null_type(field_type)
    nullable = get_nullable_type(field_type)
    if is_list_type(nullable):
        return isinstance(value, list) and all(
            fits(nullable.of_type, item) for item in value
        )
    if isinstance(value, list):
        return False
    if is_enum_type(nullable):
        return isinstance(value, str) and value in nullable.values
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    checks = {
        "Int": lambda: number and isinstance(value, int) and -(2**31) <= value < 2**31,
        "Float": lambda: number,
        "String": lambda: isinstance(value, str),
        "Boolean": lambda: isinstance(value, bool),
        "ID": lambda: isinstance(value, str) or (number and isinstance(value, int)),
    }
    check = checks.get(nullable.name)
    return check() if check is not None else True


def input_fields(entity: str, args: dict[str, Any]) -> dict[str, Any]:
    """The entity's leaf fields the arguments set (not ``id``), where the
    value fits the field (an input's ``null`` does not clear a non-null
    field, an ``Int`` does not fill a ``String``)."""
    found: dict[str, Any] = {}

    def take(name: str, value: Any) -> None:
        if name in ("id", "clientMutationId") or isinstance(value, dict):
            return
        field_type = _field_type(entity, name)
        if (
            field_type is not None
            and is_leaf_type(get_named_type(field_type))
            and fits(field_type, value)
        ):
            found[name] = value

    for name, value in args.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                take(inner, inner_value)
        else:
            take(name, value)
    return found


def find_id(args: dict[str, Any]) -> str | None:
    item_id = id_text(args.get("id"))
    if item_id is not None:
        return item_id
    for value in args.values():
        if isinstance(value, dict):
            inner = id_text(value.get("id"))
            if inner is not None:
                return inner
    for name, value in args.items():
        if name.endswith(("Id", "ID")):
            text = id_text(value)
            if text is not None:
                return text
    return None


def resolve_mutation(
    context: Context, obj: Obj, info: GraphQLResolveInfo, args: dict[str, Any]
) -> Any:
    field, return_type = info.field_name, info.return_type
    plan = mutation_plan(field, return_type)
    if plan is None:
        return resolve_plain(context, obj, info, args)
    entity_type = plan["entity"]
    fields = input_fields(entity_type, args)
    store = context.store
    if plan["verb"] == "create":
        if store is not None and plan["identified"]:
            created = sum(
                1
                for _, record in store.all(entity_type)
                if record.get("created") is True
            )
            index = TOTAL + created
            store.put(
                entity_type,
                canonical_id(entity_type, index),
                {"index": index, "fields": fields, "created": True},
            )
        else:
            index = fnv(field) % TOTAL
        entity = Obj(entity_type, index, None, fields)
    elif not plan["identified"] or find_id(args) is None:
        # Nothing says which object: one chosen by the field, with the input
        # applied, and nothing stored.
        entity = Obj(entity_type, fnv(field) % TOTAL, None, fields)
    else:
        item_id = find_id(args) or ""
        found = by_id(context, entity_type, item_id)
        if found is None:
            raise GraphQLError(f"no {entity_type} has the id {json.dumps(item_id)}")
        merged = dict(found.overlay or {})
        if plan["verb"] == "update":
            merged.update(fields)
        if store is not None:
            record = store.get(found.type_name, item_id) or {}
            store.put(
                found.type_name,
                item_id,
                {
                    "index": found.index,
                    "fields": merged,
                    "created": record.get("created") is True,
                    "deleted": plan["verb"] == "delete",
                },
            )
        found.overlay = merged
        entity = found
    context.emitted.append(
        {
            "type": entity.type_name,
            "index": entity.index,
            "id": entity.id,
            "overlay": entity.overlay,
            "verb": plan["verb"],
        }
    )
    named = get_named_type(return_type).name
    if named == "Boolean":
        return True
    if named in ("ID", "String"):
        return entity.identity()
    if named == entity_type or plan["payload"] is None:
        return entity
    client_id = args.get("clientMutationId")
    if client_id is None and isinstance(args.get("input"), dict):
        client_id = args["input"].get("clientMutationId")
    return Obj(
        named,
        entity.index,
        kind="payload",
        extra={"entity": entity, "client_id": client_id},
    )


def resolve(obj: Obj, info: GraphQLResolveInfo, **args: Any) -> Any:
    """The field resolver for every field of the schema."""
    context: Context = info.context
    context.spend(1)
    config = configured(f"{obj.type_name}.{info.field_name}")
    if config is not None:
        delay = config.get("delay_ms")
        if delay is not None:
            time.sleep(delay / 1000.0)
        rate = config.get("error_rate")
        if rate is not None and random.random() < rate:
            raise GraphQLError("error injected by mockloop (error_rate)")
        errors = config.get("errors")
        if errors:
            extensions = errors[0].get("extensions")
            raise GraphQLError(
                errors[0]["message"],
                extensions=extensions if isinstance(extensions, dict) else None,
            )
        if "data" in config:
            return from_json(config["data"], info.return_type)
    if obj.fixed is not None and info.field_name in obj.fixed:
        return from_json(obj.fixed[info.field_name], info.return_type)
    if obj.kind == "plain":
        if obj.type_name == MUTATION_ROOT:
            return resolve_mutation(context, obj, info, args)
        event = context.event
        if (
            obj.type_name == SUBSCRIPTION_ROOT
            and event is not None
            and wants(info.field_name, info.return_type, event)
        ):
            return event_value(info.return_type, event)
        return resolve_plain(context, obj, info, args)
    if obj.kind == "connection":
        return resolve_connection(context, obj, info, args)
    if obj.kind == "edge":
        if info.field_name == "node":
            return obj.extra["node"]
        if info.field_name == "cursor":
            return obj.extra["cursor"]
        return resolve_plain(context, obj, info, args)
    if obj.kind == "pageinfo":
        return resolve_page_info(context, obj, info, args)
    return resolve_payload(context, obj, info, args)
