"""Bulk queries in the sandbox store, with Shopify's shapes and limits.

`bulkOperationRunQuery` checks the query the way Shopify does (one top-level connection, at most five
connections, nested two deep, a parent of a nested connection selecting its `id`) and refuses a query
beyond the running limit: five bulk queries at once per shop from API version 2026-01, one before. A
background thread then writes the JSONL result: one line per node, a nested connection's nodes as
lines of their own with the `__parentId` of their parent, right after it with `groupObjects` (and in
separate runs after their parents without). `objectCount` grows as it writes. The operation goes
CREATED → RUNNING → COMPLETED (or FAILED, CANCELED), then `bulk_operations/finish` is sent. The file is
served under the sandbox at an address that expires 7 days after the operation finished; an operation
still running after 10 days fails with TIMEOUT. The sandbox runs bulk queries on `orders`.

Test knobs (`bulk_operations(store).set_options`): `hold` keeps finished writing operations RUNNING until
released, `fail_with` makes the next operation fail after its first part with that error code.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
    value_from_ast_untyped,
)
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ordercenter.sandbox.shopify.connections import MAX_PAGE_SIZE
from ordercenter.sandbox.shopify.context import request_context
from ordercenter.sandbox.shopify.payloads import iso
from ordercenter.sandbox.shopify.queries import order_sort_key, visible_orders
from ordercenter.sandbox.shopify.records import Shop, gid, parse_gid
from ordercenter.sandbox.shopify.search import parse_order_query
from ordercenter.sandbox.shopify.state import SandboxStore
from ordercenter.sandbox.shopify.user_errors import UserError, UserErrorsRaised
from ordercenter.sandbox.shopify.views import order_view

MAX_CONNECTIONS = 5
MAX_CONNECTION_DEPTH = 2
URL_LIFETIME = timedelta(days=7)
MAX_RUN_TIME = timedelta(days=10)
FIVE_AT_ONCE_FROM = "2026-01"
RUNNING = frozenset({"CREATED", "RUNNING", "CANCELING"})
_CHUNK = 200  # orders written per hold of the store lock
_IDS_START = 3_000_000_001

log = logging.getLogger(__name__)


@dataclass
class BulkRecord:
    id: int
    shop_domain: str
    query: str
    group_objects: bool
    created_at: datetime
    status: str = "CREATED"
    completed_at: datetime | None = None
    finished_at: datetime | None = None  # also set when it failed or was cancelled (the file expiry counts from it)
    error_code: str | None = None
    object_count: int = 0
    root_object_count: int = 0
    file_size: int | None = None
    fail_with: str | None = None
    cancel_requested: bool = False
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    path: Path | None = None


@dataclass
class BulkOptions:
    #: Operations stay RUNNING once their file is written, until the option is switched off.
    hold: bool = False
    #: The next operation fails after its first part with this BulkOperationErrorCode (e.g. TIMEOUT).
    fail_with: str = ""


class SandboxBulkOperations:
    """The bulk operations of one sandbox store (every shop), their worker threads and result files."""

    def __init__(self, store: SandboxStore) -> None:
        self._store = store
        self._cond = threading.Condition()
        self._records: dict[int, BulkRecord] = {}
        self._next_id = _IDS_START
        self._options = BulkOptions()
        self._files = TemporaryDirectory(prefix="sandbox-shopify-bulk-")
        weakref.finalize(self, self._files.cleanup)

    # -- knobs -----------------------------------------------------------------------------

    def set_options(self, **changes: Any) -> BulkOptions:
        names = {f.name for f in fields(BulkOptions)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown bulk option(s): {', '.join(sorted(unknown))}")
        with self._cond:
            self._options = replace(self._options, **changes)
            self._cond.notify_all()
            return replace(self._options)

    def records(self, domain: str | None = None) -> list[BulkRecord]:
        with self._cond:
            return [replace(r) for r in self._records.values() if domain is None or r.shop_domain == domain]

    def wait_finished(self, timeout: float = 10.0) -> bool:
        """Wait until no operation is running (tests); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not any(r.status in RUNNING for r in self._records.values()),
                                       timeout)

    # -- the API ---------------------------------------------------------------------------

    def run_query(self, schema: GraphQLSchema, shop: Shop, api_version: str, query: str,
                  group_objects: bool) -> BulkRecord:
        document = check_bulk_query(schema, query)
        with self._cond:
            running = [r for r in self._records.values() if r.shop_domain == shop.domain and r.status in RUNNING]
            if api_version >= FIVE_AT_ONCE_FROM and len(running) >= MAX_CONNECTIONS:
                raise UserErrorsRaised([UserError(None, "Bulk operations limit reached. Please try again later. "
                                                  f"{len(running)} bulk query operations are running for this app "
                                                  "and shop (at most 5 at once).", "LIMIT_REACHED")])
            if api_version < FIVE_AT_ONCE_FROM and running:
                raise UserErrorsRaised([UserError(None, "A bulk query operation for this app and shop is already "
                                                  f"in progress: {gid('BulkOperation', running[0].id)}.",
                                                  "OPERATION_IN_PROGRESS")])
            record = BulkRecord(id=self._next_id, shop_domain=shop.domain, query=query, group_objects=group_objects,
                                created_at=self._store.now(), fail_with=self._options.fail_with or None)
            self._next_id += 1
            self._options = replace(self._options, fail_with="")
            self._records[record.id] = record
        thread = threading.Thread(target=self._run, args=(record, schema, document), daemon=True,
                                  name=f"sandbox-bulk-{record.id}")
        thread.start()
        return record

    def find(self, shop: Shop, operation_id: int | None) -> BulkRecord | None:
        with self._cond:
            record = self._records.get(operation_id) if operation_id is not None else None
            return record if record is not None and record.shop_domain == shop.domain else None

    def current(self, shop: Shop) -> BulkRecord | None:
        with self._cond:
            mine = [r for r in self._records.values() if r.shop_domain == shop.domain]
            return max(mine, key=lambda r: r.id) if mine else None

    def cancel(self, record: BulkRecord) -> None:
        with self._cond:
            if record.status in ("CREATED", "RUNNING"):
                record.status, record.cancel_requested = "CANCELING", True
                self._cond.notify_all()

    def view(self, record: BulkRecord, base_url: str) -> dict[str, Any]:
        """The BulkOperation object as the API shows it now (expiry and the 10-day limit applied)."""
        with self._cond:
            self._age(record)
            address = f"{base_url}/_files/bulk/{record.token}.jsonl"
            return {
                "id": gid("BulkOperation", record.id), "status": record.status, "type": "QUERY",
                "errorCode": record.error_code, "createdAt": iso(record.created_at),
                "completedAt": iso(record.completed_at), "objectCount": str(record.object_count),
                "rootObjectCount": str(record.root_object_count),
                "fileSize": str(record.file_size) if record.file_size is not None else None, "query": record.query,
                "url": address if record.status == "COMPLETED" and record.object_count else None,
                "partialDataUrl": address if record.status == "FAILED" and record.object_count else None,
            }

    def file(self, token: str) -> tuple[BulkRecord, Path] | None:
        """The record and result file an address names, while the address is valid."""
        with self._cond:
            record = next((r for r in self._records.values() if r.token == token), None)
            if record is None or record.path is None:
                return None
            self._age(record)
            if record.status not in ("COMPLETED", "FAILED"):
                return None
            return record, record.path

    # -- the worker ------------------------------------------------------------------------

    def _age(self, record: BulkRecord) -> None:
        now = self._store.now()
        if record.status in RUNNING and now - record.created_at > MAX_RUN_TIME:
            record.status, record.error_code, record.finished_at = "FAILED", "TIMEOUT", now
            self._cond.notify_all()
        if record.status in ("COMPLETED", "FAILED") and record.finished_at is not None \
                and now - record.finished_at > URL_LIFETIME:
            record.status = "EXPIRED"

    def _run(self, record: BulkRecord, schema: GraphQLSchema, document: DocumentNode) -> None:
        with self._cond:
            if record.status != "CREATED":
                return
            record.status = "RUNNING"
        record.path = Path(self._files.name) / f"{record.id}.jsonl"
        outcome = "COMPLETED"
        try:
            with record.path.open("w", encoding="utf-8") as out:
                for written, lines in enumerate(self._results(record, schema, document)):
                    out.writelines(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"
                                   for line in lines)
                    with self._cond:
                        record.root_object_count += sum(1 for line in lines if "__parentId" not in line)
                        record.object_count += len(lines)
                        if record.cancel_requested:
                            outcome = "CANCELED"
                            break
                    if record.fail_with is not None and written == 0:
                        outcome = "FAILED"
                        break
            record.file_size = record.path.stat().st_size
        except Exception:  # noqa: BLE001  (the API reports it as Shopify does: failed, internal error)
            log.exception("sandbox bulk operation %s failed", record.id)
            outcome, record.fail_with = "FAILED", "INTERNAL_SERVER_ERROR"
        with self._cond:
            while self._options.hold and outcome == "COMPLETED" and not record.cancel_requested \
                    and record.status == "RUNNING":
                self._cond.wait(0.05)
                self._age(record)
            if record.status == "FAILED":  # the 10-day limit passed while it was held
                outcome = "FAILED"
            if record.cancel_requested:
                outcome = "CANCELED"
            now = self._store.now()
            record.status, record.finished_at = outcome, now
            if outcome == "COMPLETED":
                record.completed_at = now
            elif outcome == "FAILED":
                record.error_code = record.error_code or record.fail_with
            self._cond.notify_all()
        self._announce(record)

    def _results(self, record: BulkRecord, schema: GraphQLSchema,
                 document: DocumentNode) -> Iterator[list[dict[str, Any]]]:
        """The result lines, a chunk of root nodes at a time (each node first, then its nested nodes)."""
        projector = _Projector(schema, document)
        root = projector.root_field()
        args = projector.arguments(root)
        shop = self._store.shop(record.shop_domain)
        with self._store.lock:
            orders = sorted(visible_orders(self._store, shop, parse_order_query(args.get("query"))),
                            key=order_sort_key(args.get("sortKey")), reverse=bool(args.get("reverse")))
        node_selection, node_type = projector.connection_nodes(root, projector.query_type)
        for start in range(0, len(orders), _CHUNK):
            parents: list[dict[str, Any]] = []
            children: list[dict[str, Any]] = []
            with self._store.lock:
                for order in orders[start:start + _CHUNK]:
                    node, nested = projector.node(order_view(order), node_selection, node_type, None)
                    if record.group_objects:
                        parents += [node, *nested]
                    else:  # ungrouped: the nested nodes come after a whole run of parents
                        parents.append(node)
                        children += nested
            yield parents + children

    def _announce(self, record: BulkRecord) -> None:
        payload = {"admin_graphql_api_id": gid("BulkOperation", record.id), "completed_at": iso(record.completed_at),
                   "created_at": iso(record.created_at),
                   "error_code": record.error_code.lower() if record.error_code else None,
                   "status": record.status.lower(), "type": "query"}
        with self._store.lock:
            shop = self._store.shop(record.shop_domain)
            self._store._emit(shop, "BULK_OPERATIONS_FINISH", payload)  # the store's own webhook path


_REGISTRIES: weakref.WeakKeyDictionary[SandboxStore, SandboxBulkOperations] = weakref.WeakKeyDictionary()
_REGISTRIES_LOCK = threading.Lock()


def bulk_operations(store: SandboxStore) -> SandboxBulkOperations:
    """The bulk operations of this sandbox store (made on first use)."""
    with _REGISTRIES_LOCK:
        if store not in _REGISTRIES:
            _REGISTRIES[store] = SandboxBulkOperations(store)
        return _REGISTRIES[store]


# ---------------------------------------------------------------- checking a bulk query


def _invalid(message: str) -> UserErrorsRaised:
    return UserErrorsRaised([UserError(["query"], message, "INVALID")])


def check_bulk_query(schema: GraphQLSchema, query: str) -> DocumentNode:
    """The parsed query, or Shopify's userErrors for a query that bulk operations refuse."""
    try:
        document = parse(query)
    except GraphQLError as error:
        raise _invalid(f"Invalid bulk query: {error.message}") from None
    errors = validate(schema, document)
    if errors:
        raise _invalid("Invalid bulk query: " + "; ".join(error.message for error in errors))
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        raise _invalid("Invalid bulk query: the document must hold one query operation.")
    projector = _Projector(schema, document)
    assert schema.query_type is not None
    tops = list(projector.fields(operations[0].selection_set, schema.query_type))
    if len(tops) != 1:
        raise _invalid("Bulk queries must contain exactly one top-level field.")
    top = tops[0]
    if top.name.value in ("node", "nodes"):
        raise _invalid("The top-level node and nodes fields can't be used in bulk queries.")
    definition = schema.query_type.fields[top.name.value]
    if not get_named_type(definition.type).name.endswith("Connection"):
        raise _invalid("Bulk queries must contain at least one connection.")
    if top.name.value != "orders":
        raise _invalid("The sandbox runs bulk queries on orders only.")
    counts = projector.connections(top, schema.query_type, depth=1)
    if counts.total > MAX_CONNECTIONS:
        raise _invalid(f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections.")
    if counts.deepest > MAX_CONNECTION_DEPTH:
        raise _invalid(f"Bulk queries cannot contain connections with a nesting depth greater than "
                       f"{MAX_CONNECTION_DEPTH}.")
    if counts.without_id:
        raise _invalid("The parent 'node' field for a nested connection must select the 'id' field. "
                       f"Connection fields without 'id': {', '.join(counts.without_id)}.")
    return document


@dataclass
class _Connections:
    total: int = 0
    deepest: int = 0
    without_id: list[str] = field(default_factory=list)


class _Projector:
    """Reads a bulk query's selections over the sandbox's view dicts (the GraphQL execution, for bulk)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self._schema = schema
        self._fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self._operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))

    @property
    def query_type(self) -> GraphQLObjectType:
        assert self._schema.query_type is not None
        return self._schema.query_type

    def root_field(self) -> FieldNode:
        return next(self.fields(self._operation.selection_set, self.query_type))

    def arguments(self, node: FieldNode) -> dict[str, Any]:
        return {arg.name.value: value_from_ast_untyped(arg.value, {}) for arg in node.arguments or ()}

    def fields(self, selection_set: SelectionSetNode | None, owner: GraphQLNamedType) -> Iterator[FieldNode]:
        """The fields selected on `owner`, fragments (that apply to it) expanded."""
        for selection in selection_set.selections if selection_set is not None else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                if condition is None or self._applies(condition, owner):
                    yield from self.fields(selection.selection_set, owner)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                if fragment is not None and self._applies(fragment.type_condition.name.value, owner):
                    yield from self.fields(fragment.selection_set, owner)

    def _applies(self, condition: str, owner: GraphQLNamedType) -> bool:
        if condition == owner.name:
            return True
        return isinstance(owner, GraphQLObjectType) and condition in {i.name for i in owner.interfaces}

    def connection_nodes(self, connection_field: FieldNode,
                         owner: GraphQLNamedType) -> tuple[SelectionSetNode | None, GraphQLObjectType]:
        """The selection on one node of a connection field (under `edges { node }` or `nodes`), and its type."""
        assert isinstance(owner, GraphQLObjectType | GraphQLInterfaceType)
        connection = get_named_type(owner.fields[connection_field.name.value].type)
        assert isinstance(connection, GraphQLObjectType)
        node_type = get_named_type(connection.fields["nodes"].type)
        assert isinstance(node_type, GraphQLObjectType)
        for sub in self.fields(connection_field.selection_set, connection):
            if sub.name.value == "nodes":
                return sub.selection_set, node_type
            if sub.name.value == "edges":
                edge = get_named_type(connection.fields["edges"].type)
                for inner in self.fields(sub.selection_set, edge):
                    if inner.name.value == "node":
                        return inner.selection_set, node_type
        return None, node_type

    def connections(self, connection_field: FieldNode, owner: GraphQLNamedType, *, depth: int) -> _Connections:
        """How many connections a connection field holds (itself included) and how deep they nest."""
        found = _Connections(total=1, deepest=depth)
        selection, node_type = self.connection_nodes(connection_field, owner)
        self._nested(selection, node_type, depth, found)
        return found

    def _nested(self, selection: SelectionSetNode | None, owner: GraphQLNamedType, depth: int,
                found: _Connections) -> None:
        if not isinstance(owner, GraphQLObjectType | GraphQLInterfaceType):
            return
        selected = list(self.fields(selection, owner))
        has_id = any(f.name.value == "id" for f in selected)
        for sub in selected:
            definition = owner.fields.get(sub.name.value)
            if definition is None:
                continue
            named = get_named_type(definition.type)
            if named.name.endswith("Connection"):
                if not has_id:
                    found.without_id.append(sub.name.value)
                inner = self.connections(sub, owner, depth=depth + 1)
                found.total += inner.total
                found.deepest = max(found.deepest, inner.deepest)
                found.without_id += inner.without_id
            elif not is_leaf_type(named):
                self._nested(sub.selection_set, _concrete(self._schema, named, None), depth, found)

    def node(self, view: Mapping[str, Any], selection: SelectionSetNode | None, owner: GraphQLObjectType,
             parent_id: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One node's line, and the lines of what its nested connections hold (each after its parent)."""
        nested: list[dict[str, Any]] = []
        line = self._object(view, selection, owner, nested)
        if parent_id is not None:
            line["__parentId"] = parent_id
        return line, nested

    def _object(self, view: Mapping[str, Any], selection: SelectionSetNode | None, owner: GraphQLNamedType,
                nested: list[dict[str, Any]]) -> dict[str, Any]:
        assert isinstance(owner, GraphQLObjectType | GraphQLInterfaceType)
        out: dict[str, Any] = {}
        for sub in self.fields(selection, owner):
            name = sub.name.value
            key = sub.alias.value if sub.alias else name
            if name == "__typename":
                out[key] = owner.name
                continue
            named = get_named_type(owner.fields[name].type)
            raw = view.get(name)
            args = self.arguments(sub)
            if named.name.endswith("Connection"):
                node_selection, node_type = self.connection_nodes(sub, owner)
                for item in _all_items(raw, args):
                    child, grandchildren = self.node(item, node_selection, node_type, str(view.get("id")))
                    nested += [child, *grandchildren]
                continue
            value = raw(None, **args) if callable(raw) else raw
            out[key] = self._value(value, sub.selection_set, named, nested)
        return out

    def _value(self, value: Any, selection: SelectionSetNode | None, named: GraphQLNamedType,
               nested: list[dict[str, Any]]) -> Any:
        if value is None or is_leaf_type(named):
            return value
        if isinstance(value, list):
            return [self._value(item, selection, named, nested) for item in value]
        return self._object(value, selection, _concrete(self._schema, named, value), nested)


def _concrete(schema: GraphQLSchema, named: GraphQLNamedType, value: Mapping[str, Any] | None) -> GraphQLNamedType:
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        typename = (value or {}).get("__typename")
        if typename:
            concrete: GraphQLNamedType | None = schema.get_type(str(typename))
            return concrete or named
        if isinstance(named, GraphQLUnionType):
            first: GraphQLNamedType = named.types[0]
            return first
    return named


def _all_items(resolver: Any, args: dict[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every node of a view's connection field, page after page (a bulk query has no page size)."""
    if not callable(resolver):
        return
    paging = {k: v for k, v in args.items() if k not in ("first", "last", "after", "before")}
    after = None
    while True:
        page = resolver(None, **paging, first=MAX_PAGE_SIZE, after=after)
        yield from page["nodes"]
        info = page["pageInfo"]
        if not info["hasNextPage"]:
            return
        after = info["endCursor"]


# ---------------------------------------------------------------- resolvers and the file route


def _operation_view(info: GraphQLResolveInfo[Any], record: BulkRecord | None) -> dict[str, Any] | None:
    context = request_context(info)
    return bulk_operations(context.store).view(record, context.base_url) if record is not None else None


def resolve_bulk_operation(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any] | None:
    context = request_context(info)
    record = bulk_operations(context.store).find(context.shop, parse_gid(str(args["id"]), "BulkOperation"))
    return _operation_view(info, record)


def resolve_current_bulk_operation(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any] | None:
    context = request_context(info)
    if (args.get("type") or "QUERY") != "QUERY":
        return None  # the sandbox runs no bulk mutations
    return _operation_view(info, bulk_operations(context.store).current(context.shop))


def bulk_operation_run_query(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    context = request_context(info)
    try:
        record = bulk_operations(context.store).run_query(info.schema, context.shop, context.api_version,
                                                          str(args["query"]), bool(args.get("groupObjects")))
    except UserErrorsRaised as raised:
        return {"bulkOperation": None, "userErrors": [error.to_graphql() for error in raised.errors]}
    return {"bulkOperation": _operation_view(info, record), "userErrors": []}


def bulk_operation_cancel(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    context = request_context(info)
    registry = bulk_operations(context.store)
    record = registry.find(context.shop, parse_gid(str(args["id"]), "BulkOperation"))
    if record is None:
        return {"bulkOperation": None, "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}]}
    if record.status not in ("CREATED", "RUNNING"):
        return {"bulkOperation": _operation_view(info, record), "userErrors": [
            {"field": None, "message": f"A bulk operation cannot be canceled when it is {record.status.lower()}"}]}
    registry.cancel(record)
    return {"bulkOperation": _operation_view(info, record), "userErrors": []}


BULK_RESOLVERS = {
    "bulkOperation": resolve_bulk_operation,
    "currentBulkOperation": resolve_current_bulk_operation,
    "bulkOperationRunQuery": bulk_operation_run_query,
    "bulkOperationCancel": bulk_operation_cancel,
}

_EXPIRED = ("<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code>"
            "<Message>The provided token has expired.</Message></Error>")


def bulk_file_endpoint(store: SandboxStore) -> Any:
    """GET …/_files/bulk/{token}.jsonl: the result file, streamed, while its address is valid."""

    async def serve(request: Request) -> Response:
        found = bulk_operations(store).file(request.path_params["token"])
        if found is None:
            return Response(_EXPIRED, status_code=403, media_type="application/xml")
        return FileResponse(found[1], media_type="application/jsonl")

    return serve
