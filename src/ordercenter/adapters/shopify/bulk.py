"""Shopify bulk queries (the `StoreBulkExport` port): start one, look it up, stream its JSONL result.

The result is one JSON object a line. A nested connection's nodes are lines of their own carrying the
`__parentId` of their parent; with `groupObjects` they come right after it, so the reader holds one
order at a time, whatever the size of the file. The file lives on Shopify's storage behind a signed,
expiring URL: it is fetched without the access token.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx

from ordercenter.adapters.ports import BulkOperation, StoreError
from ordercenter.adapters.shopify import queries
from ordercenter.adapters.shopify.graphql import AdminGraphQL
from ordercenter.adapters.shopify.normalize import PayloadError, normalize_graphql_order
from ordercenter.domain.bulk_operations import parse_bulk_status
from ordercenter.domain.snapshots import OrderSnapshot

PARENT_KEY = "__parentId"
DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class BulkOperations:
    """The bulk side of one store's Admin API (see `ShopifyClient.bulk`)."""

    def __init__(self, api: AdminGraphQL, *, transport: httpx.BaseTransport | None = None) -> None:
        self._api = api
        self._transport = transport

    def granted_scopes(self) -> frozenset[str]:
        """The access scopes the shop granted the app (read_orders, read_all_orders…)."""
        installation = self._api.query(queries.APP_SCOPES).get("currentAppInstallation") or {}
        return frozenset(str(scope["handle"]) for scope in installation.get("accessScopes") or []
                         if isinstance(scope, Mapping) and scope.get("handle"))

    def start_orders_export(self, *, created_since: datetime | None) -> BulkOperation:
        """Start the bulk query of every order with its lines; Shopify's refusal (e.g. five running) raises."""
        result = self._api.mutate(queries.BULK_OPERATION_RUN_QUERY,
                                  {"query": queries.orders_bulk_query(created_since)}, "bulkOperationRunQuery")
        return read_operation(result.get("bulkOperation"))

    def operation(self, operation_id: str) -> BulkOperation:
        """The operation as it stands now."""
        node = self._api.query(queries.BULK_OPERATION, {"id": operation_id}).get("bulkOperation")
        if node is None:
            raise StoreError(f"Shopify has no bulk operation {operation_id}", field="bulk_operation")
        return read_operation(node)

    def iter_orders(self, url: str) -> Iterator[OrderSnapshot]:
        """The orders of the result file, each joined with its lines, read as the file streams in."""
        with httpx.Client(transport=self._transport, timeout=DOWNLOAD_TIMEOUT) as http:
            try:
                with http.stream("GET", url) as response:
                    if response.status_code in (400, 401, 403, 404, 410):
                        raise StoreError(f"the bulk result file is gone or its address expired (HTTP "
                                         f"{response.status_code}); run the backfill again", field="url")
                    if response.status_code >= 300:
                        raise StoreError(f"the bulk result file could not be read (HTTP {response.status_code})",
                                         field="url")
                    yield from join_orders(json_lines(response.iter_lines()))
            except httpx.TransportError as exc:
                raise StoreError(f"reading the bulk result file failed ({exc}); run the backfill again, the "
                                 "orders imported so far are kept", field="url") from exc


def json_lines(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Each non-empty line as a JSON object."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise StoreError(f"line {number} of the bulk result is not JSON", field="url") from None
        if not isinstance(record, dict):
            raise StoreError(f"line {number} of the bulk result is not a JSON object", field="url")
        yield record


def join_orders(records: Iterable[dict[str, Any]]) -> Iterator[OrderSnapshot]:
    """Order lines, each followed by its line-item lines, as snapshots; one order in memory at a time."""
    order: dict[str, Any] | None = None
    lines: list[dict[str, Any]] = []
    for record in records:
        parent = record.pop(PARENT_KEY, None)
        if parent is None:
            if order is not None:
                yield _snapshot(order, lines)
            order, lines = record, []
        elif order is not None and parent == order.get("id"):
            lines.append(record)
        else:
            raise StoreError(f"a line of {parent} comes after another order in the bulk result: the result is "
                             "not grouped by order (the query must run with groupObjects)", field="url")
    if order is not None:
        yield _snapshot(order, lines)


def _snapshot(order: dict[str, Any], lines: list[dict[str, Any]]) -> OrderSnapshot:
    try:
        return normalize_graphql_order({**order, "lineItems": {"nodes": lines}})
    except PayloadError as exc:
        raise StoreError(f"order {order.get('id')} of the bulk result is unreadable: {exc.message}",
                         field=exc.field) from exc


def read_operation(node: Any) -> BulkOperation:
    """Our DTO of a BulkOperation object."""
    if not isinstance(node, Mapping) or not node.get("id"):
        raise StoreError("Shopify returned no bulk operation")
    status = parse_bulk_status(node.get("status"))
    if status is None:
        raise StoreError(f"Shopify reports the bulk operation in an unknown status '{node.get('status')}'")
    return BulkOperation(
        id=str(node["id"]), status=status, created_at=_moment(node.get("createdAt"), "createdAt"),
        completed_at=_moment(node["completedAt"], "completedAt") if node.get("completedAt") else None,
        error_code=str(node["errorCode"]) if node.get("errorCode") else None,
        object_count=int(node.get("objectCount") or 0), root_object_count=int(node.get("rootObjectCount") or 0),
        url=str(node["url"]) if node.get("url") else None,
        partial_data_url=str(node["partialDataUrl"]) if node.get("partialDataUrl") else None,
    )


def _moment(value: Any, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise StoreError(f"Shopify's bulk operation {field} '{value}' is not a date-time", field=field) from None
    if moment.tzinfo is None:
        raise StoreError(f"Shopify's bulk operation {field} '{value}' has no time zone", field=field)
    return moment
