"""Reading orders: the Orders Center list and one order's whole story."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ordercenter.adapters.db.repositories import OrderFilter, ProtectionFacts
from ordercenter.domain.audit import OrderEvent
from ordercenter.domain.cancellations import CancellationRequest
from ordercenter.domain.customer_refunds import CustomerRefundRequest
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.orders import Order
from ordercenter.domain.policies import ProtectionRules
from ordercenter.domain.protection import Protection, protection
from ordercenter.domain.returns import ReturnRequest
from ordercenter.domain.status import Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.services.customer_refunds import NetResult, net_result
from ordercenter.services.uow import UnitOfWork

MAX_PAGE = 200
# A search counts its matches up to this many, then says "at least" (an exact count would read them all).
COUNT_CAP = 1000


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


# ---------------------------------------------------------------- buyer protection

_UNPROTECTED = frozenset({SupplierOrderStatus.DRAFT, SupplierOrderStatus.CANCELLED})


def _ship_to(order: Order) -> str | None:
    address = order.shipping_address
    return address.country_code if address else None


def protection_of(facts: ProtectionFacts, ship_to_country: str | None, now: datetime,
                  refund: ReturnRequest | None = None) -> Protection | None:
    """A placed supplier order's protection (None when nothing is protected: not placed, or cancelled).
    With a refund issued, its real dates and payer; otherwise a projection for a refund issued today."""
    if facts.status in _UNPROTECTED or facts.placed_at is None:
        return None
    rules = (ProtectionRules() if facts.protection_days is None
             else ProtectionRules(facts.protection_days, facts.days_after_delivery))
    issued = refund is not None and refund.refund_issued_at is not None
    return protection(
        placed_at=facts.placed_at, delivered_at=facts.delivered_at, rules=rules, ship_to_country=ship_to_country,
        seller_type=facts.seller_type,
        payment_method=(refund.payment_method if refund and refund.payment_method else facts.payment_method),
        payer_country=(refund.payer_country if refund and refund.payer_country else ship_to_country),
        now=now, refund_issued_at=refund.refund_issued_at if issued and refund else None)


def soonest_open(protections: Iterable[Protection | None]) -> Protection | None:
    """The open window that closes first, the one the merchant must watch."""
    open_ones = [(p.closes_on, p) for p in protections if p is not None and p.is_open and p.closes_on is not None]
    return min(open_ones, key=lambda pair: pair[0])[1] if open_ones else None


def _latest_refunds(returns: Iterable[ReturnRequest]) -> dict[int, ReturnRequest]:
    found: dict[int, ReturnRequest] = {}
    for request in sorted(returns, key=lambda r: r.id):
        if request.refund_issued_at is not None:
            found[request.supplier_order_id] = request
    return found


# ---------------------------------------------------------------- the list and one order


@dataclass(frozen=True)
class OrdersPage:
    orders: Sequence[Order]
    count: int
    next_cursor: str | None
    # Per order id: the soonest-closing open protection window (absent when none is open or no time was given).
    protection: Mapping[int, Protection] = field(default_factory=dict)
    # False when a search matched more than COUNT_CAP orders: `count` is then a lower bound.
    count_is_exact: bool = True


def list_orders(uow: UnitOfWork, *, shop_id: int, stage: Stage | None = None, search: str | None = None,
                cursor: str | None = None, limit: int = 50, now: datetime | None = None) -> OrdersPage:
    """Orders newest first, filtered by stage and a search over name, customer and e-mail; with `now`,
    each order's soonest-closing protection window (one query for the whole page)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    before_id = decode_cursor(cursor) if cursor else None
    flt = OrderFilter(stage=stage, search=search or None, before_id=before_id, limit=limit + 1)
    with uow:
        rows = list(uow.orders.page(shop_id, flt))
        has_more = len(rows) > limit
        exact = True
        if before_id is None and not has_more:
            count = len(rows)  # the whole result is on this page
        elif search and search.strip():
            count = uow.orders.count(shop_id, OrderFilter(stage=stage, search=search), cap=COUNT_CAP + 1)
            count, exact = min(count, COUNT_CAP), count <= COUNT_CAP
        else:
            per_stage = uow.orders.stage_counts(shop_id)
            count = per_stage.get(stage, 0) if stage is not None else sum(per_stage.values())
        rows = rows[:limit]
        facts = uow.returns.protection_facts(shop_id, [o.id for o in rows]) if now is not None else []
    summaries: dict[int, Protection] = {}
    if now is not None:
        by_order = {o.id: o for o in rows}
        windows: dict[int, list[Protection | None]] = {}
        for fact in facts:
            windows.setdefault(fact.order_id, []).append(protection_of(fact, _ship_to(by_order[fact.order_id]), now))
        summaries = {order_id: soonest for order_id, found in windows.items()
                     if (soonest := soonest_open(found)) is not None}
    return OrdersPage(rows, count, encode_cursor(rows[-1].id) if has_more and rows else None, summaries,
                      count_is_exact=exact)


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    supplier_orders: Sequence[SupplierOrder]
    cancellations: Sequence[CancellationRequest]
    returns: Sequence[ReturnRequest]
    customer_refunds: Sequence[CustomerRefundRequest]
    timeline: Sequence[OrderEvent]
    # Per supplier order id: its buyer protection (only placed, active ones; empty when no time was given).
    protection: Mapping[int, Protection] = field(default_factory=dict)
    # Refunded to the customer on the store against what the supplier gave back.
    net_result: NetResult | None = None
    # The copy made of it after it was fulfilled on the store by mistake, and the original of a copy.
    copy: Order | None = None
    original: Order | None = None

    @property
    def protection_summary(self) -> Protection | None:
        return soonest_open(self.protection.values())


def get_order(uow: UnitOfWork, *, shop_id: int, order_id: int, now: datetime | None = None) -> OrderDetail:
    """One order with its supplier orders, after-sale requests and timeline; with `now`, the buyer
    protection of each supplier order."""
    with uow:
        order = uow.orders.get(shop_id, order_id)
        if order is None:
            raise NotFound(f"no order with id {order_id}", field="order_id")
        returns = uow.returns.for_order(shop_id, order_id)
        protections: dict[int, Protection] = {}
        if now is not None:
            refunds = _latest_refunds(returns)
            for fact in uow.returns.protection_facts(shop_id, [order_id]):
                found = protection_of(fact, _ship_to(order), now, refunds.get(fact.supplier_order_id))
                if found is not None:
                    protections[fact.supplier_order_id] = found
        return OrderDetail(
            order=order,
            supplier_orders=uow.supplier_orders.for_order(shop_id, order_id),
            cancellations=uow.cancellations.for_order(shop_id, order_id),
            returns=returns,
            customer_refunds=uow.customer_refunds.for_order(shop_id, order_id),
            timeline=uow.events.for_order(shop_id, order_id),
            protection=protections,
            net_result=net_result(uow, shop_id=shop_id, order_id=order_id),
            copy=uow.orders.copy_of(shop_id, order_id),
            original=uow.orders.get(shop_id, order.duplicate_of_order_id) if order.duplicate_of_order_id else None,
        )
