"""Money given back on the store, as customer refund requests: a refund or cancellation made directly on
Shopify becomes a request already refunded, and a refund Order Center made is marked done, each once.

Every store refund is recorded under its store id, once: a redelivered webhook, the `orders/*` payload
that lists the same refund and the webhook of a refund Order Center itself made (its note carries the
request's key) all find the row already there. Two deliveries racing for one refund are settled by
writing first and looking after (SQLite starts the write transaction at the first write) under the
order's row lock (PostgreSQL), so the loser sees the winner's row and takes its own back.

Recording never acts on the supplier: the request carries the suggestion of what would recover the
money (domain/recovery.py), and the merchant decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ordercenter.domain import audit
from ordercenter.domain.alerts import AlertKind, request_subject
from ordercenter.domain.customer_refunds import CustomerRefundRequest, CustomerRefundSource
from ordercenter.domain.events import StatusChanged
from ordercenter.domain.money import Money
from ordercenter.domain.orders import Order
from ordercenter.domain.policies import ProtectionRules, protection_last_day
from ordercenter.domain.recovery import RecoverySuggestion, SupplierSide, suggest_recovery
from ordercenter.domain.returns import OPEN_RETURN_STATUSES
from ordercenter.domain.status import ActorKind, CancellationStatus, CustomerRefundStatus, ReturnStatus
from ordercenter.services.alerting import settle_alerts
from ordercenter.services.uow import UnitOfWork

ALERT_SUBJECT = "customer_refund"
ALERT_SUBJECT_PREFIX = request_subject(ALERT_SUBJECT, 0).removesuffix("0")  # "customer_refund:" + the id
_KEY = re.compile(r"\[customer-refund:(\d+)\]")
# Supplier-side requests that recover (or recovered) the money: neither refused nor dropped.
_LIVE_CANCELLATIONS = frozenset({CancellationStatus.PENDING, CancellationStatus.APPROVED})
_LIVE_RETURNS = OPEN_RETURN_STATUSES | {ReturnStatus.REFUNDED}


def refund_key(request_id: int) -> str:
    """The key a refund made for this request carries on the store (in its note)."""
    return f"customer-refund:{request_id}"


def request_id_in(note: str | None) -> int | None:
    """The request a store refund was made for, when Order Center made it."""
    found = _KEY.search(note or "")
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class StoreRefund:
    """A refund as the store reports it: its id, the money that went back, and its note."""

    refund_id: str
    amount: Decimal
    currency: str | None
    note: str


def _decimal(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return amount if amount.is_finite() else Decimal(0)


def refunds_in(payloads: Iterable[Any]) -> list[StoreRefund]:
    """The refunds of Shopify's REST refund payloads (`refunds/create`, or an order's `refunds[]`).

    The money is what the successful REFUND transactions moved; a refund that moved none (lines
    restocked without money) is no refund to a customer and is left out.
    """
    found = []
    for payload in payloads:
        if not isinstance(payload, Mapping) or payload.get("id") in (None, ""):
            continue
        moved = [t for t in payload.get("transactions") or [] if isinstance(t, Mapping)
                 and str(t.get("kind", "")).lower() == "refund" and str(t.get("status", "")).lower() == "success"]
        amount = sum((_decimal(t.get("amount")) for t in moved), Decimal(0))
        if amount <= 0:
            continue
        currencies = {str(t["currency"]).upper() for t in moved if t.get("currency")}
        gid = payload.get("admin_graphql_api_id") or f"gid://shopify/Refund/{payload['id']}"
        found.append(StoreRefund(str(gid), amount, currencies.pop() if len(currencies) == 1 else None,
                                 str(payload.get("note") or "")))
    return found


def refunds_in_order(raw: Mapping[str, Any] | None) -> list[StoreRefund]:
    """The refunds listed in a store order payload: REST `refunds[]`, or a GraphQL order's `refunds`."""
    refunds = (raw or {}).get("refunds")
    if not isinstance(refunds, list):
        return []
    if any(isinstance(r, Mapping) and "totalRefundedSet" in r for r in refunds):
        return _graphql_refunds(refunds)
    return refunds_in(refunds)


def _graphql_refunds(refunds: list[Any]) -> list[StoreRefund]:
    # The money a GraphQL refund moved is its totalRefundedSet, in the customer's (presentment) currency
    # like the REST transactions; a refund that moved none is no refund to a customer.
    found = []
    for refund in refunds:
        if not isinstance(refund, Mapping) or not refund.get("id"):
            continue
        money = (refund.get("totalRefundedSet") or {}).get("presentmentMoney") or {}
        amount = _decimal(money.get("amount"))
        if amount > 0:
            currency = str(money["currencyCode"]).upper() if money.get("currencyCode") else None
            found.append(StoreRefund(str(refund["id"]), amount, currency, str(refund.get("note") or "")))
    return found


# ---------------------------------------------------------------- recording


def record_store_refunds(uow: UnitOfWork, order: Order, refunds: Iterable[StoreRefund], *,
                         at: datetime) -> list[CustomerRefundRequest]:
    """Record each refund not recorded yet (inside the caller's transaction, the order row locked).

    A refund Order Center made completes its own request; any other becomes a request from the store,
    already refunded, with the supplier-side recovery it calls for written on the timeline.
    """
    created = []
    for refund in refunds:
        if uow.customer_refunds.by_store_refund(order.shop_id, refund.refund_id):
            continue  # a redelivery, or the same refund listed by another payload
        own_id = request_id_in(refund.note)
        own = uow.customer_refunds.get(order.shop_id, own_id, for_update=True) if own_id is not None else None
        if own is not None and own.order_id == order.id and own.store_refund_id is None:
            mark_refunded(uow, own, refund.refund_id, at=at, actor=ActorKind.STORE)
            continue
        request = _store_request(uow, order, refund, at)
        if request is not None:
            created.append(request)
    return created


def _store_request(uow: UnitOfWork, order: Order, refund: StoreRefund, at: datetime) -> CustomerRefundRequest | None:
    currency = refund.currency or order.currency
    request = CustomerRefundRequest(
        shop_id=order.shop_id, order_id=order.id, customer_email=order.email, customer_name=order.customer_name,
        message=("Refunded on the store" + (f": {refund.note}" if refund.note else "")
                 + (" (the order was cancelled)" if order.is_cancelled_on_store else "")),
        currency=currency, refund_amount=refund.amount, store_refund_id=refund.refund_id, received_at=at,
        source=CustomerRefundSource.STORE)
    uow.customer_refunds.add(request)
    uow.flush()  # written first: a racing delivery of the same refund now waits for this one, or is seen
    rows = uow.customer_refunds.by_store_refund(order.shop_id, refund.refund_id)
    if rows and rows[0].id != request.id:
        uow.customer_refunds.discard(request)
        return None
    request.transition_to(CustomerRefundStatus.REFUNDED, at=at, reason="refunded directly on the store")
    linked = link_if_obvious(uow, request)
    suggestion = recovery_for(uow, order, at)
    money = Money(refund.amount, currency)
    uow.events.add(audit.order_event(
        order.shop_id, order.id, audit.OrderEventType.CUSTOMER_REFUND_RECEIVED, at,
        f"Refund of {money} made on the store, recorded as customer refund request {request.id}; "
        f"to recover it from the supplier: {suggestion.message}", ActorKind.STORE,
        customer_refund_id=request.id, source=request.source.value, store_refund_id=refund.refund_id,
        amount=str(refund.amount), currency=currency, recovery=suggestion.action.value,
        recovery_supplier_order_id=suggestion.supplier_order_id, linked=linked))
    write_status_events(uow, request, ActorKind.STORE, None)
    return request


def mark_refunded(uow: UnitOfWork, request: CustomerRefundRequest, store_refund_id: str, *, at: datetime,
                  actor: ActorKind, actor_id: str | None = None) -> bool:
    """The store confirmed the refund of this request: id kept, status refunded, timeline; False when the
    request was marked already (the refund's webhook and the caller that asked for it may both get here)."""
    if not uow.customer_refunds.claim_store_refund(request.shop_id, request.id, store_refund_id):
        return False
    request.store_refund_id = store_refund_id
    request.transition_to(CustomerRefundStatus.REFUNDED, at=at, reason="refunded on the store")
    money = Money(request.refund_amount or Decimal(0), request.currency)
    uow.events.add(audit.order_event(
        request.shop_id, request.order_id, audit.OrderEventType.CUSTOMER_REFUNDED, at,
        f"Refunded {money} to the customer on the store (customer refund request {request.id})", actor, actor_id,
        customer_refund_id=request.id, store_refund_id=store_refund_id, amount=str(money.amount),
        currency=money.currency))
    write_status_events(uow, request, actor, actor_id)
    clear_unanswered_alert(uow, request, at)
    return True


def write_status_events(uow: UnitOfWork, request: CustomerRefundRequest, actor: ActorKind,
                        actor_id: str | None) -> None:
    """The request's status changes, on its order's timeline."""
    for change in request.collect_events():
        if isinstance(change, StatusChanged):
            uow.events.add(audit.status_changed(request.shop_id, request.order_id, change, actor, actor_id))


def clear_unanswered_alert(uow: UnitOfWork, request: CustomerRefundRequest, at: datetime) -> None:
    """The customer got an answer (a reply or their money): the 24-hour alert no longer holds."""
    settle_alerts(uow, shop_id=request.shop_id, order_id=request.order_id,
                  subject=request_subject(ALERT_SUBJECT, request.id), holding={},
                  managed={AlertKind.CUSTOMER_UNANSWERED}, now=at, supplier_order_id=None)


# ---------------------------------------------------------------- links and recovery


def link_if_obvious(uow: UnitOfWork, request: CustomerRefundRequest) -> str | None:
    """Link the request to the order's one live supplier-side request, when there is exactly one."""
    if request.cancellation_request_id is not None or request.return_request_id is not None:
        return None
    cancellations = [c for c in uow.cancellations.for_order(request.shop_id, request.order_id)
                     if c.status in _LIVE_CANCELLATIONS]
    returns = [r for r in uow.returns.for_order(request.shop_id, request.order_id) if r.status in _LIVE_RETURNS]
    if len(cancellations) + len(returns) != 1:
        return None
    if cancellations:
        request.cancellation_request_id = cancellations[0].id
        return f"cancellation request {cancellations[0].id}"
    request.return_request_id = returns[0].id
    return f"return request {returns[0].id}"


def recovery_for(uow: UnitOfWork, order: Order, now: datetime) -> RecoverySuggestion:
    """What would recover the money from the supplier for this order, now."""
    cancellations = uow.cancellations.for_order(order.shop_id, order.id)
    returns = uow.returns.for_order(order.shop_id, order.id)
    sides = []
    for so in uow.supplier_orders.for_order(order.shop_id, order.id):
        account = uow.supplier_accounts.get(order.shop_id, so.supplier_account_id) \
            if so.supplier_account_id is not None else None
        rules = ProtectionRules(account.protection_days, account.days_after_delivery) if account else ProtectionRules()
        live = [f"cancellation request {c.id} ({c.status.value})" for c in cancellations
                if c.supplier_order_id == so.id and c.status in _LIVE_CANCELLATIONS]
        live += [f"return request {r.id} ({r.status.value})" for r in returns
                 if r.supplier_order_id == so.id and r.status in _LIVE_RETURNS]
        closes = protection_last_day(so.placed_at, rules, so.delivered_at) if so.placed_at else None
        sides.append(SupplierSide(so.id, so.supplier_order_id, so.seller_name, so.status, closes, tuple(live)))
    return suggest_recovery(sides, now.date())
