"""GraphQL over HTTP on ``/graphql``, as the native engine serves it.

``POST`` takes ``application/json`` (or ``application/graphql``); ``GET``
takes ``?query=`` for queries, and a browser without a query gets the query
page. The response is ``application/graphql-response+json`` when ``Accept``
allows it, else ``application/json``. A request that is not valid GraphQL
(parse, validation, variables) gets ``{"errors": [...]}`` without ``data``:
400 with the modern media type, 200 with ``application/json``. Queries
nested deeper than the mock's limit are refused before they run.
"""

import asyncio
import functools
import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from mockloop_mock import admin_ui, auth, graphql_data, graphql_resolve, storage

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MAX_QUERY_BYTES = 256 * 1024
MAX_DEPTH: int = graphql_data.LIMITS["max_depth"]
PAGE = (admin_ui.PAGE_PATH.parent / "graphql.html").read_text(encoding="utf-8")
PAGE_HEADERS = {"Content-Security-Policy": admin_ui.content_security_policy(PAGE)}


class RequestProblem(Exception):
    """A request that cannot be read: its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def response_media_type(accept: str | None) -> str | None:
    """The media type ``Accept`` allows, preferring the modern one."""
    if accept is None or not accept.strip():
        return JSON
    json_ok = any_ok = False
    for part in accept.split(","):
        pieces = part.split(";")
        media = pieces[0].strip().lower()
        refused = False
        for piece in pieces[1:]:
            piece = piece.strip()
            if piece.startswith("q="):
                try:
                    refused = refused or float(piece[2:].strip()) <= 0.0
                except ValueError:
                    pass
        if refused:
            continue
        if media == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if media == JSON:
            json_ok = True
        elif media in ("*/*", "application/*"):
            any_ok = True
    return JSON if json_ok or any_ok else None


async def read_params(request: Request) -> dict[str, Any]:
    """``query``, ``operationName`` and ``variables`` of a request."""
    raw: dict[str, Any]
    if request.method == "GET":
        raw = {}
        for name, value in request.query_params.items():
            if name in ("variables", "extensions"):
                try:
                    raw[name] = json.loads(value)
                except ValueError as err:
                    raise RequestProblem(400, f"{name} is not JSON: {err}") from err
            else:
                raw[name] = value
    elif request.method == "POST":
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        body = await request.body()
        if media == "application/json":
            try:
                parsed = json.loads(body)
            except ValueError as err:
                raise RequestProblem(400, f"the body is not JSON: {err}") from err
            if isinstance(parsed, list):
                raise RequestProblem(400, "batched requests are not accepted")
            if not isinstance(parsed, dict):
                raise RequestProblem(400, "the body must be a JSON object")
            raw = parsed
        elif media == "application/graphql":
            try:
                raw = {"query": body.decode()}
            except UnicodeDecodeError as err:
                raise RequestProblem(400, "the body is not UTF-8") from err
        else:
            raise RequestProblem(
                415, "send the request as application/json (or application/graphql)"
            )
    else:
        raise RequestProblem(405, "GraphQL is served to GET and POST")
    query = raw.get("query")
    if query is None or (isinstance(query, str) and not query.strip()):
        raise RequestProblem(400, "the request has no query")
    if not isinstance(query, str):
        raise RequestProblem(400, "query must be a string")
    if len(query.encode()) > MAX_QUERY_BYTES:
        raise RequestProblem(413, f"the query is longer than {MAX_QUERY_BYTES} bytes")
    name = raw.get("operationName")
    if name is not None and not isinstance(name, str):
        raise RequestProblem(400, "operationName must be a string")
    variables = raw.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestProblem(400, "variables must be an object")
    return {"query": query, "name": name or None, "variables": variables or {}}


def selection_depth(
    document: DocumentNode, selection_set: SelectionSetNode | None, level: int
) -> int:
    """The deepest nesting of selection sets, fragments followed."""
    if level > MAX_DEPTH or selection_set is None:
        return level
    fragments = {
        d.name.value: d
        for d in document.definitions
        if not isinstance(d, OperationDefinitionNode)
        and getattr(d, "name", None) is not None
    }
    deepest = level
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if (
                selection.selection_set is None
                or not selection.selection_set.selections
            ):
                depth = level
            else:
                depth = selection_depth(document, selection.selection_set, level + 1)
        elif isinstance(selection, InlineFragmentNode):
            depth = selection_depth(document, selection.selection_set, level)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            depth = (
                selection_depth(document, fragment.selection_set, level)
                if fragment is not None
                else level
            )
        else:
            depth = level
        deepest = max(deepest, depth)
    return deepest


def operation_label(operation: OperationDefinitionNode) -> str:
    """``query GetUser``, ``mutation``: how the log names an operation."""
    kind = operation.operation.value
    return f"{kind} {operation.name.value}" if operation.name else kind


def _reply(
    status: int,
    media_type: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Response:
    return JSONResponse(
        body, status_code=status, media_type=media_type, headers=headers
    )


def _errors(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message}]}


class Prepared:
    """An operation ready to run: its document, operation and variables."""

    def __init__(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        name: str | None,
        variables: dict[str, Any],
    ) -> None:
        self.document = document
        self.operation = operation
        self.name = name
        self.variables = variables
        self.label = operation_label(operation)
        self.kind = operation.operation
        first = next(
            (s for s in operation.selection_set.selections if isinstance(s, FieldNode)),
            None,
        )
        root = graphql_data.SCHEMA.get_root_type(operation.operation)
        self.root_field = None
        if first is not None and root is not None and first.name.value in root.fields:
            self.root_field = (first.name.value, root.fields[first.name.value].type)


class Refused(Exception):
    """Why an operation is not run: the log's label and the errors."""

    def __init__(self, label: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(label)
        self.label = label
        self.errors = errors


@functools.lru_cache(maxsize=512)
def _checked(query: str) -> tuple[DocumentNode | None, tuple[dict[str, Any], ...]]:
    """``query`` parsed and validated (a client sends the same few queries,
    and validation is most of the work): the document, or its errors."""
    try:
        document = parse(query)
    except GraphQLError as err:
        return None, (err.formatted,)
    problems = validate(graphql_data.SCHEMA, document)
    if problems:
        return None, tuple(problem.formatted for problem in problems)
    return document, ()


def prepare(query: str, name: str | None, variables: dict[str, Any]) -> Prepared:
    """Parses and validates ``query``, picks the operation, checks its depth."""
    document, problems = _checked(query)
    if document is None:
        raise Refused("invalid", [dict(problem) for problem in problems])
    operation = get_operation_ast(document, name)
    if operation is None:
        message = (
            f"unknown operation named {json.dumps(name)}"
            if name
            else "the document has several operations; say which in operationName"
        )
        raise Refused("invalid", [{"message": message}])
    label = operation_label(operation)
    depth = selection_depth(document, operation.selection_set, 0)
    if depth > MAX_DEPTH:
        message = (
            f"the query is nested {depth} levels deep;"
            f" the mock answers at most {MAX_DEPTH}"
        )
        raise Refused(label, [{"message": message}])
    return Prepared(document, operation, name, variables)


def execute_prepared(
    prepared: Prepared, root_index: int = 0, event: dict[str, Any] | None = None
) -> tuple[dict[str, Any], bool, list[dict[str, Any]]]:
    """Runs an operation: the body, whether the variables were refused, and
    what the mutations did (for subscriptions)."""
    store = graphql_data.Store() if storage.active() else None
    context = graphql_data.Context(store, event)
    try:
        result = execute(
            graphql_data.SCHEMA,
            prepared.document,
            root_value=graphql_data.root(
                graphql_data.SCHEMA.get_root_type(prepared.kind).name, root_index
            ),
            context_value=context,
            variable_values=prepared.variables,
            operation_name=prepared.name,
            field_resolver=graphql_resolve.resolve,
            type_resolver=graphql_data.resolve_type,
        )
    finally:
        if store is not None:
            store.close()
    if result.data is None and result.errors and not _executed(result.errors):
        return {"errors": [error.formatted for error in result.errors]}, True, []
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return body, False, context.emitted


def _executed(errors: list[GraphQLError]) -> bool:
    """Whether the errors came from running fields (they have a path),
    rather than from coercing the variables."""
    return any(error.path for error in errors)


def run(
    params: dict[str, Any], method: str, media_type: str
) -> tuple[Response, str, list[dict[str, Any]]]:
    """Answers one HTTP request's operation (in a worker thread)."""
    request_status = 400 if media_type == GRAPHQL_RESPONSE else 200
    try:
        prepared = prepare(params["query"], params["name"], params["variables"])
    except Refused as refused:
        body = {"errors": refused.errors}
        return _reply(request_status, media_type, body), refused.label, []
    label = prepared.label
    if prepared.kind == OperationType.SUBSCRIPTION:
        message = (
            "subscriptions are not served over HTTP; use a WebSocket"
            " (graphql-transport-ws)"
        )
        return _reply(request_status, media_type, _errors(message)), label, []
    if method == "GET" and prepared.kind == OperationType.MUTATION:
        reply = _reply(
            405,
            media_type,
            _errors("a mutation must be sent with POST"),
            {"Allow": "POST"},
        )
        return reply, label, []
    body, refused, events = execute_prepared(prepared)
    status = request_status if refused else 200
    return _reply(status, media_type, body), label, events


async def graphql_response(request: Request, key: str) -> Response:
    """Answers a request to the GraphQL endpoint (operation ``key``)."""
    denied = auth.check(request, key)
    if denied is not None:
        return denied
    accept = request.headers.get("accept")
    if (
        request.method == "GET"
        and "query" not in request.query_params
        and accept is not None
        and "text/html" in accept
    ):
        return HTMLResponse(PAGE, headers=PAGE_HEADERS)
    media_type = response_media_type(accept)
    if media_type is None:
        message = (
            f"the response can be {GRAPHQL_RESPONSE} or {JSON}; Accept allows neither"
        )
        return _reply(406, JSON, _errors(message))
    try:
        params = await read_params(request)
    except RequestProblem as problem:
        headers = {"Allow": "GET, POST"} if problem.status == 405 else None
        return _reply(problem.status, media_type, _errors(problem.message), headers)
    response, label, events = await asyncio.to_thread(
        run, params, request.method, media_type
    )
    request.scope["mockloop_operation"] = label
    graphql_resolve.BUS.publish(events)
    return response
