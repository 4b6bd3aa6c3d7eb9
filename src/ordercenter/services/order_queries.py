"""Reading orders: the Orders Center list and one order's whole story."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from ordercenter.adapters.db.repositories import OrderFilter
from ordercenter.domain.audit import OrderEvent
from ordercenter.domain.cancellations import CancellationRequest
from ordercenter.domain.customer_refunds import CustomerRefundRequest
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.orders import Order
from ordercenter.domain.returns import ReturnRequest
from ordercenter.domain.status import Stage
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.services.uow import UnitOfWork

MAX_PAGE = 200


def encode_cursor(order_id: int) -> str:
    return base64.urlsafe_b64encode(f"o:{order_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "o":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the cursor is not one this API gave out", field="cursor") from None


@dataclass(frozen=True)
class OrdersPage:
    orders: Sequence[Order]
    count: int
    next_cursor: str | None


def list_orders(uow: UnitOfWork, *, shop_id: int, stage: Stage | None = None, search: str | None = None,
                cursor: str | None = None, limit: int = 50) -> OrdersPage:
    """Orders newest first, filtered by stage and a search over name, customer and e-mail."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    before_id = decode_cursor(cursor) if cursor else None
    flt = OrderFilter(stage=stage, search=search or None, before_id=before_id, limit=limit + 1)
    with uow:
        rows = list(uow.orders.page(shop_id, flt))
        count = uow.orders.count(shop_id, OrderFilter(stage=stage, search=search or None))
    has_more = len(rows) > limit
    rows = rows[:limit]
    return OrdersPage(rows, count, encode_cursor(rows[-1].id) if has_more and rows else None)


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    supplier_orders: Sequence[SupplierOrder]
    cancellations: Sequence[CancellationRequest]
    returns: Sequence[ReturnRequest]
    customer_refunds: Sequence[CustomerRefundRequest]
    timeline: Sequence[OrderEvent]


def get_order(uow: UnitOfWork, *, shop_id: int, order_id: int) -> OrderDetail:
    """One order with its supplier orders, after-sale requests and timeline."""
    with uow:
        order = uow.orders.get(shop_id, order_id)
        if order is None:
            raise NotFound(f"no order with id {order_id}", field="order_id")
        return OrderDetail(
            order=order,
            supplier_orders=uow.supplier_orders.for_order(shop_id, order_id),
            cancellations=uow.cancellations.for_order(shop_id, order_id),
            returns=uow.returns.for_order(shop_id, order_id),
            customer_refunds=uow.customer_refunds.for_order(shop_id, order_id),
            timeline=uow.events.for_order(shop_id, order_id),
        )
