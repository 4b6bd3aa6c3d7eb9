"""Picking the fulfillment-order line items that ship our order lines (a partial fulfilment included).

Shopify fulfils fulfillment orders, not order lines: each order line appears in one or more fulfillment
orders (one per location) with a `remainingQuantity`. We map each (order line gid, quantity) we shipped
onto the open fulfillment-order lines that still have that line to ship.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordercenter.adapters.ports import FulfillmentLine, StoreError
from ordercenter.adapters.shopify.gids import numeric_id, to_gid

# Fulfillment-order statuses that still accept a fulfilment.
FULFILLABLE = frozenset({"OPEN", "IN_PROGRESS"})


def plan_fulfillment(order: Mapping[str, Any], lines: list[FulfillmentLine]) -> list[dict[str, Any]]:
    """`lineItemsByFulfillmentOrder` for `fulfillmentCreate`; an empty `lines` ships all that remains.

    Raises StoreError when a line has less left to ship than asked. Lines at several locations are sent
    as asked: Shopify refuses them in its own words (one location per fulfilment).
    """
    open_lines = _open_lines(order)
    wanted = _wanted(lines, open_lines)
    taken: dict[str, int] = {}  # fulfillment-order line id → quantity
    by_order: dict[str, list[dict[str, Any]]] = {}
    for line_gid, quantity in wanted.items():
        need = quantity
        for fo_id, fo_line_id, remaining in open_lines.get(line_gid, []):
            if need == 0:
                break
            take = min(need, remaining - taken.get(fo_line_id, 0))
            if take <= 0:
                continue
            taken[fo_line_id] = taken.get(fo_line_id, 0) + take
            by_order.setdefault(fo_id, []).append({"id": fo_line_id, "quantity": take})
            need -= take
        if need:
            left = quantity - need
            raise StoreError(f"order line {numeric_id(line_gid)} has {left} left to fulfil, not {quantity}",
                             field="lines")
    if not by_order:
        raise StoreError("nothing is left to fulfil on this order", field="lines")
    return [{"fulfillmentOrderId": fo_id, "fulfillmentOrderLineItems": items} for fo_id, items in by_order.items()]


def _open_lines(order: Mapping[str, Any]) -> dict[str, list[tuple[str, str, int]]]:
    """Order line gid → [(fulfillment order id, fulfillment-order line id, remaining quantity)]."""
    result: dict[str, list[tuple[str, str, int]]] = {}
    for fo in _nodes(order.get("fulfillmentOrders")):
        if fo.get("status") not in FULFILLABLE:
            continue
        for item in _nodes(fo.get("lineItems")):
            remaining = int(item.get("remainingQuantity") or 0)
            line_gid = (item.get("lineItem") or {}).get("id")
            if remaining > 0 and line_gid:
                result.setdefault(str(line_gid), []).append((str(fo["id"]), str(item["id"]), remaining))
    return result


def _wanted(lines: list[FulfillmentLine], open_lines: dict[str, list[tuple[str, str, int]]]) -> dict[str, int]:
    if not lines:
        return {gid: sum(entry[2] for entry in entries) for gid, entries in open_lines.items()}
    wanted: dict[str, int] = {}
    for line in lines:
        if line.quantity <= 0:
            raise StoreError(f"quantity for order line {line.line_gid} must be at least 1", field="lines")
        gid = to_gid("LineItem", line.line_gid)
        wanted[gid] = wanted.get(gid, 0) + line.quantity
    return wanted


def _nodes(connection: Any) -> list[Mapping[str, Any]]:
    if not isinstance(connection, Mapping):
        return []
    return [node for node in connection.get("nodes") or [] if isinstance(node, Mapping)]
