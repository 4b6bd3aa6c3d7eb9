"""Cancelling a supplier order: reason, submit, the supplier's decision, then reorder or cancel on the store.

The request row is committed before the supplier is asked, so a crash never loses the fact that we
asked (and asking again is safe: the supplier answers with the request it already holds). A supplier
without a cancel API (real AliExpress) gets an assisted request: the steps and the order page, its
outcome read from the order status by the poller (`follow_supplier_status`) or recorded by hand.
A decision changes the supplier order, the stage, the timeline, the undecided alert and queues one
e-mail in one transaction; cancelling the store order (Shopify `orderCancel`) runs after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ordercenter.adapters.aliexpress.assisted import instructions, order_page_url
from ordercenter.adapters.ports import (
    AfterSaleAction,
    Clock,
    StorePlatform,
    SupplierError,
    SupplierErrorKind,
    SupplierPlatform,
)
from ordercenter.adapters.supplier_after_sale import CancellationOutcome, CancellationTicket, SupplierAfterSale
from ordercenter.domain import audit
from ordercenter.domain import cancellation_rules as rules
from ordercenter.domain.alerts import AlertKind, request_subject
from ordercenter.domain.cancellations import (
    DECISION_ALERT_AFTER,
    CancellationFollowUp,
    CancellationReason,
    CancellationRequest,
)
from ordercenter.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from ordercenter.domain.orders import Order
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.protection import payment_method_of
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import ActorKind, CancellationStatus, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.services.alerting import settle_alerts
from ordercenter.services.outbox import notify_merchant
from ordercenter.services.stage_refresh import refresh_stage
from ordercenter.services.supplier_order_changes import settle_changes
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

SupplierFor = Callable[[SupplierOrder], SupplierPlatform]
StoreFor = Callable[[Shop], StorePlatform]

_UNDECIDED = frozenset({AlertKind.CANCELLATION_UNDECIDED})
# Refusals after which asking again cannot help: the supplier's answer is the decision.
_DEFINITE_REFUSALS = frozenset({SupplierErrorKind.REJECTED, SupplierErrorKind.ORDER_NOT_FOUND})
_IN_CANCEL = "IN_CANCEL"
_AT_SUPPLIER = "at_supplier"  # the timeline mark of an assisted request the supplier shows as IN_CANCEL
SCAN_LIMIT = 500


def _subject(request: CancellationRequest) -> str:
    return request_subject("cancellation", request.id)


def _load(uow: UnitOfWork, shop_id: int, cancellation_id: int) -> CancellationRequest:
    with uow:
        request = uow.cancellations.get(shop_id, cancellation_id)
    if request is None:
        raise NotFound(f"no cancellation request with id {cancellation_id}", field="cancellation_id")
    return request


def get_cancellation(uow: UnitOfWork, *, shop_id: int, cancellation_id: int) -> CancellationRequest:
    """One cancellation request of the shop."""
    return _load(uow, shop_id, cancellation_id)


def list_cancellations(uow: UnitOfWork, *, shop_id: int, status: CancellationStatus | None = None,
                       limit: int = 50) -> Sequence[CancellationRequest]:
    """The shop's cancellation requests, newest first."""
    if not 1 <= limit <= SCAN_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {SCAN_LIMIT}", field="limit")
    with uow:
        return uow.cancellations.page(shop_id, status=status, limit=limit)


# ---------------------------------------------------------------- asking


def _unacknowledged(uow: UnitOfWork, so: SupplierOrder, by_api: bool | None) -> CancellationRequest | None:
    """Refuse a second open request; an open one the supplier never confirmed (sent by API, no answer
    kept) is returned instead, to be sent again."""
    rules.check_cancellable(so.id, so.status, placed=so.supplier_order_id is not None)
    open_requests = uow.cancellations.for_supplier_order(so.shop_id, so.id, pending_only=True)
    if not open_requests:
        return None
    current = open_requests[0]
    if by_api is not False and not current.assisted and current.supplier_request_id is None:
        return current
    raise Conflict(f"supplier order {so.id} already has an open cancellation request ({current.id}, asked "
                   f"{current.requested_at:%Y-%m-%d %H:%M} UTC); wait for its decision or record it",
                   field="supplier_order_id")


def _requested_event(request: CancellationRequest, at: datetime, actor_id: str | None) -> audit.OrderEvent:
    what = rules.supplier_reason_text(request.reason, request.note)
    how = " (assisted: to be done on the supplier's website)" if request.assisted else ""
    return audit.order_event(request.shop_id, request.order_id, audit.OrderEventType.CANCELLATION_REQUESTED, at,
                             f"Cancellation asked of the supplier{how}: {what}; then {request.follow_up.value}",
                             ActorKind.STAFF, actor_id, cancellation_id=request.id,
                             supplier_order_id=request.supplier_order_id, reason=request.reason.value,
                             follow_up=request.follow_up.value, assisted=request.assisted)


def request_cancellation(uow: UnitOfWork, supplier_for: SupplierFor, store_for: StoreFor, clock: Clock, *,
                         shop_id: int, supplier_order_id: int, reason: str, note: str = "",
                         follow_up: str = CancellationFollowUp.REORDER, store_refund: bool = True,
                         store_restock: bool = True, notify_customer: bool = True,
                         actor_id: str | None = None) -> CancellationRequest:
    """Ask the supplier to cancel a supplier order not shipped yet; returns the request as it stands
    (pending, or already decided when the supplier answers at once). Bad input changes nothing."""
    reason_ = rules.parse_reason(reason)
    note_ = rules.checked_note(reason_, note)
    follow_up_ = rules.parse_follow_up(follow_up)
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        if so is None:
            raise NotFound(f"no supplier order with id {supplier_order_id}", field="supplier_order_id")
        _unacknowledged(uow, so, None)
    supplier = supplier_for(so)
    by_api = isinstance(supplier, SupplierAfterSale) and AfterSaleAction.CANCEL_ORDER in supplier.capabilities
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id, for_update=True)
        order = uow.orders.get(shop_id, so.order_id, for_update=True) if so else None
        if so is None or order is None or so.supplier_order_id is None:
            raise NotFound(f"no supplier order with id {supplier_order_id}", field="supplier_order_id")
        platform_id = so.supplier_order_id
        request = _unacknowledged(uow, so, by_api)
        if request is None:
            now = clock.now()
            request = CancellationRequest(
                shop_id=shop_id, order_id=order.id, supplier_order_id=so.id, reason=reason_, note=note_,
                requested_at=now, follow_up=follow_up_, store_refund=store_refund, store_restock=store_restock,
                notify_customer=notify_customer, currency=so.currency, assisted=not by_api, steps=[], link=None)
            if not by_api:
                request.steps = instructions(AfterSaleAction.CANCEL_ORDER, platform_id,
                                             rules.supplier_reason_text(reason_, note_))
                request.link = order_page_url(platform_id)
            uow.cancellations.add(request)
            uow.flush()
            uow.events.add(_requested_event(request, now, actor_id))
            refresh_stage(uow, order, at=now)
            uow.commit()
        request_id, text = request.id, rules.supplier_reason_text(request.reason, request.note)
    if not by_api:
        return _load(uow, shop_id, request_id)
    assert isinstance(supplier, SupplierAfterSale)
    try:
        ticket = supplier.request_cancellation(platform_id, text)
    except SupplierError as error:
        _record_refusal(uow, store_for, clock, shop_id=shop_id, cancellation_id=request_id, error=error)
        if error.kind not in _DEFINITE_REFUSALS:
            raise
        return _load(uow, shop_id, request_id)
    _apply_ticket(uow, store_for, clock, shop_id=shop_id, cancellation_id=request_id, ticket=ticket)
    return _load(uow, shop_id, request_id)


def _record_refusal(uow: UnitOfWork, store_for: StoreFor, clock: Clock, *, shop_id: int, cancellation_id: int,
                    error: SupplierError) -> None:
    """A definite refusal decides the request; anything else leaves it pending, to be sent again."""
    words = error.supplier_message or error.message
    with uow:
        request = uow.cancellations.get(shop_id, cancellation_id, for_update=True)
        if request is None or not request.is_open:
            return
        now = clock.now()
        if error.kind in _DEFINITE_REFUSALS:
            so = uow.supplier_orders.get(shop_id, request.supplier_order_id, for_update=True)
            order = uow.orders.get(shop_id, request.order_id, for_update=True)
            if so is None or order is None:
                return
            _record_decision(uow, request, so, order, CancellationStatus.REJECTED, note=words,
                             decided_by=ActorKind.SUPPLIER, actor_id=None, now=now)
        else:
            uow.events.add(audit.order_event(
                shop_id, request.order_id, audit.OrderEventType.CANCELLATION_REQUESTED, now,
                f"The supplier did not take the cancellation request: {words}; send it again",
                cancellation_id=request.id, failed=True))
        uow.commit()


def _apply_ticket(uow: UnitOfWork, store_for: StoreFor, clock: Clock, *, shop_id: int, cancellation_id: int,
                  ticket: CancellationTicket) -> None:
    with uow:
        request = uow.cancellations.get(shop_id, cancellation_id, for_update=True)
        if request is None:
            return
        so = uow.supplier_orders.get(shop_id, request.supplier_order_id, for_update=True)
        order = uow.orders.get(shop_id, request.order_id, for_update=True)
        if so is None or order is None:
            return
        request.supplier_request_id = ticket.cancellation_id
        decided = _decide_by_ticket(uow, request, so, order, ticket, clock.now())
        uow.commit()
    if decided:
        run_follow_up(uow, store_for, clock, shop_id=shop_id, cancellation_id=cancellation_id)


def _decide_by_ticket(uow: UnitOfWork, request: CancellationRequest, so: SupplierOrder, order: Order,
                      ticket: CancellationTicket, now: datetime) -> bool:
    if not request.is_open or ticket.outcome is CancellationOutcome.PENDING:
        return False
    status = CancellationStatus.APPROVED if ticket.outcome is CancellationOutcome.APPROVED \
        else CancellationStatus.REJECTED
    return _record_decision(uow, request, so, order, status, note=ticket.note or None,
                            decided_by=ActorKind.SUPPLIER, actor_id=None, now=now)


# ---------------------------------------------------------------- deciding


def _record_decision(uow: UnitOfWork, request: CancellationRequest, so: SupplierOrder, order: Order,
                     status: CancellationStatus, *, note: str | None, decided_by: ActorKind, actor_id: str | None,
                     now: datetime) -> bool:
    """Apply a decision inside the caller's transaction; False when it was already so (same decision)."""
    if request.status is status:
        return False
    request.decide(status, at=now, note=note)  # a contradicting second decision raises InvalidTransition
    request.collect_events()  # the decision gets its own, fuller timeline row below
    request.decided_by = decided_by
    actor = ActorKind.STAFF if actor_id is not None else decided_by
    if status is CancellationStatus.APPROVED:
        # Cancelled at the merchant's request: the stage sends the order back to `to_order`.
        so.cancelled_by = ActorKind.STAFF
        if so.status is not SupplierOrderStatus.CANCELLED:
            so.transition_to(SupplierOrderStatus.CANCELLED, at=now, reason=f"cancellation {request.id} approved")
        address = order.shipping_address
        refund = rules.expected_refund(paid=so.paid_at is not None, amount=so.cost.amount, currency=so.currency,
                                       method=payment_method_of(so.payment_method),
                                       payer_country=address.country_code if address else None, decided_at=now)
        if refund is not None:
            request.refund_amount, request.currency = refund.amount, refund.currency
            request.refund_expected_from, request.refund_expected_by = refund.expected_from, refund.expected_by
        if request.follow_up is CancellationFollowUp.REORDER:
            request.follow_up_done_at = now  # nothing to run: the stage shows the order to place again
    verb = "approved" if status is CancellationStatus.APPROVED else "refused"
    words = f": {note}" if note else ""
    uow.events.add(audit.order_event(
        request.shop_id, request.order_id, audit.OrderEventType.CANCELLATION_DECIDED, now,
        f"The supplier {verb} the cancellation of supplier order {so.supplier_order_id}{words}", actor, actor_id,
        cancellation_id=request.id, entity_id=request.id, old=CancellationStatus.PENDING.value, new=status.value,
        reason=note, decided_by=decided_by.value,
        refund_amount=str(request.refund_amount) if request.refund_amount is not None else None,
        refund_expected_by=request.refund_expected_by.isoformat() if request.refund_expected_by else None))
    settle_changes(uow, so, order, at=now, actor=actor, actor_id=actor_id)
    settle_alerts(uow, shop_id=request.shop_id, order_id=request.order_id, subject=_subject(request), holding={},
                  managed=_UNDECIDED, now=now, supplier_order_id=so.id)
    subject, text = rules.decision_email(request, so, order)
    notify_merchant(uow, shop_id=request.shop_id, kind=EmailKind.DECISION, subject=subject, text=text, now=now,
                    order_id=order.id, dedupe_key=f"cancellation:{request.id}:{status.value}")
    return True


def decide_cancellation(uow: UnitOfWork, store_for: StoreFor, clock: Clock, *, shop_id: int, cancellation_id: int,
                        decision: str, note: str = "", actor_id: str | None = None) -> CancellationRequest:
    """Record what the supplier decided (seen on its website, or told by the seller), for any supplier.

    The same decision twice changes nothing; the opposite one is refused (InvalidTransition).
    """
    status = rules.checked_decision(decision)
    note_ = (note or "").strip()
    if len(note_) > rules.NOTE_MAX_LENGTH:
        raise InvalidInput(f"the note is {len(note_)} characters long; at most {rules.NOTE_MAX_LENGTH} are allowed",
                           field="note")
    with uow:
        request = uow.cancellations.get(shop_id, cancellation_id, for_update=True)
        if request is None:
            raise NotFound(f"no cancellation request with id {cancellation_id}", field="cancellation_id")
        so = uow.supplier_orders.get(shop_id, request.supplier_order_id, for_update=True)
        order = uow.orders.get(shop_id, request.order_id, for_update=True)
        if so is None or order is None:
            raise NotFound(f"no supplier order with id {request.supplier_order_id}", field="supplier_order_id")
        decided = _record_decision(uow, request, so, order, status, note=note_ or None, decided_by=ActorKind.STAFF,
                                   actor_id=actor_id, now=clock.now())
        uow.commit()
    if decided:
        run_follow_up(uow, store_for, clock, shop_id=shop_id, cancellation_id=cancellation_id)
    return _load(uow, shop_id, cancellation_id)


def apply_tickets(uow: UnitOfWork, store: StorePlatform, clock: Clock, *, shop_id: int, supplier_order_id: int,
                  tickets: Sequence[CancellationTicket]) -> None:
    """Apply what the supplier says of this supplier order's cancellation requests."""
    if not tickets:
        return
    decided: list[int] = []
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id, for_update=True)
        order = uow.orders.get(shop_id, so.order_id, for_update=True) if so else None
        if so is None or order is None:
            return
        requests = list(uow.cancellations.for_supplier_order(shop_id, supplier_order_id))  # newest first
        by_ref = {r.supplier_request_id: r for r in requests if r.supplier_request_id}
        for ticket in sorted(tickets, key=lambda t: t.requested_at):
            request = by_ref.get(ticket.cancellation_id)
            if request is None:
                # Asked but its answer was lost (a crash or a timeout): the newest pending one is it.
                request = next((r for r in requests if r.is_open and r.supplier_request_id is None), None)
                if request is None:
                    continue  # not ours (made on the supplier's site): the status poll tells its effect
                request.supplier_request_id = ticket.cancellation_id
                by_ref[ticket.cancellation_id] = request
            if _decide_by_ticket(uow, request, so, order, ticket, clock.now()):
                decided.append(request.id)
        uow.commit()
    for cancellation_id in decided:
        run_follow_up(uow, lambda _shop: store, clock, shop_id=shop_id, cancellation_id=cancellation_id)


def _seen_at_supplier(uow: UnitOfWork, request: CancellationRequest) -> bool:
    return any(e.type is audit.OrderEventType.CANCELLATION_REQUESTED and e.parameters.get("phase") == _AT_SUPPLIER
               and e.parameters.get("cancellation_id") == request.id
               for e in uow.events.for_order(request.shop_id, request.order_id))


def follow_supplier_status(uow: UnitOfWork, so: SupplierOrder, order: Order, *, supplier_status: str,
                           now: datetime) -> list[int]:
    """The poller's reading decides assisted requests (inside its transaction): IN_CANCEL is the request
    at the supplier; then closed before shipping is approved, and back to normal progress (or shipped) is
    refused. Returns the ids approved, whose store follow-up runs after commit (`run_follow_ups`)."""
    approved = []
    for request in uow.cancellations.for_supplier_order(so.shop_id, so.id, pending_only=True):
        if not request.assisted:
            continue  # asked by API: the supplier's own answer decides it (apply_tickets)
        seen = _seen_at_supplier(uow, request)
        if so.status is SupplierOrderStatus.CANCELLED:
            _record_decision(uow, request, so, order, CancellationStatus.APPROVED,
                             note=so.failure_message or "the supplier closed the order before shipping",
                             decided_by=ActorKind.SUPPLIER, actor_id=None, now=now)
            approved.append(request.id)
        elif so.status in rules.SHIPPED_STATUSES:
            _record_decision(uow, request, so, order, CancellationStatus.REJECTED,
                             note="the supplier shipped the order instead of cancelling it",
                             decided_by=ActorKind.SUPPLIER, actor_id=None, now=now)
        elif supplier_status == _IN_CANCEL and not seen:
            uow.events.add(audit.order_event(
                so.shop_id, so.order_id, audit.OrderEventType.CANCELLATION_REQUESTED, now,
                "The supplier shows the cancellation request (IN_CANCEL): waiting for the seller's decision",
                ActorKind.SUPPLIER, cancellation_id=request.id, phase=_AT_SUPPLIER))
        elif supplier_status != _IN_CANCEL and seen:
            _record_decision(uow, request, so, order, CancellationStatus.REJECTED,
                             note=f"the seller refused the cancellation: the order is back to {supplier_status}",
                             decided_by=ActorKind.SUPPLIER, actor_id=None, now=now)
    return approved


def run_follow_ups(uow: UnitOfWork, store: StorePlatform, clock: Clock, *, shop_id: int,
                   cancellation_ids: Sequence[int]) -> None:
    """After the poller's commit: the store side of the cancellations it approved."""
    for cancellation_id in cancellation_ids:
        run_follow_up(uow, lambda _shop: store, clock, shop_id=shop_id, cancellation_id=cancellation_id)


# ---------------------------------------------------------------- the store follow-up


@dataclass(frozen=True)
class _StoreCancel:
    shop: Shop
    order_gid: str
    reason: CancellationReason
    refund: bool
    restock: bool
    notify_customer: bool
    note: str


def run_follow_up(uow: UnitOfWork, store_for: StoreFor, clock: Clock, *, shop_id: int,
                  cancellation_id: int) -> None:
    """Cancel the store order of an approved request whose merchant chose so (once; a failure is kept)."""
    with uow:
        request = uow.cancellations.get(shop_id, cancellation_id, for_update=True)
        order = uow.orders.get(shop_id, request.order_id, for_update=True) if request else None
        shop = uow.shops.get(shop_id)
        if request is None or order is None or shop is None or request.status is not CancellationStatus.APPROVED \
                or request.follow_up is not CancellationFollowUp.CANCEL_ON_STORE \
                or request.follow_up_done_at is not None:
            return
        if order.is_cancelled_on_store:
            _store_cancelled(uow, request, order, clock.now(), already=True)
            uow.commit()
            return
        job = _StoreCancel(shop, order.platform_gid, request.reason, request.store_refund, request.store_restock,
                           request.notify_customer,
                           f"Supplier order cancelled in Order Center (cancellation {request.id}): "
                           f"{rules.supplier_reason_text(request.reason, request.note)}")
    try:
        store_for(job.shop).cancel_order(job.order_gid, reason=rules.store_cancel_reason(job.reason),
                                         refund=job.refund, restock=job.restock,
                                         notify_customer=job.notify_customer, staff_note=job.note)
    except Exception as error:  # noqa: BLE001  (the approval stands; the failure is kept and shown)
        message = error.message if isinstance(error, DomainError) else f"{error.__class__.__name__}: {error}"
        log.warning("cancelling the store order of cancellation %s failed: %s", cancellation_id, message)
        _store_cancel_failed(uow, clock, shop_id=shop_id, cancellation_id=cancellation_id, message=message)
        return
    with uow:
        request = uow.cancellations.get(shop_id, cancellation_id, for_update=True)
        order = uow.orders.get(shop_id, request.order_id, for_update=True) if request else None
        if request is None or order is None:
            return
        _store_cancelled(uow, request, order, clock.now(), already=False)
        uow.commit()


def _store_cancelled(uow: UnitOfWork, request: CancellationRequest, order: Order, now: datetime, *,
                     already: bool) -> None:
    request.follow_up_done_at, request.follow_up_error = now, None
    if order.cancelled_at is None:
        # What the store just confirmed; its webhook brings the store's own stamp and refund later.
        order.cancelled_at = now
    message = "The order was already cancelled on the store" if already else (
        f"Cancelled on the store (refund: {_yes(request.store_refund)}, restock: {_yes(request.store_restock)}, "
        f"customer notified: {_yes(request.notify_customer)})")
    uow.events.add(audit.order_event(request.shop_id, order.id, audit.OrderEventType.ORDER_CANCELLED_ON_STORE, now,
                                     message, cancellation_id=request.id, refund=request.store_refund,
                                     restock=request.store_restock, notify_customer=request.notify_customer))
    refresh_stage(uow, order, at=now)


def _store_cancel_failed(uow: UnitOfWork, clock: Clock, *, shop_id: int, cancellation_id: int, message: str) -> None:
    with uow:
        request = uow.cancellations.get(shop_id, cancellation_id, for_update=True)
        order = uow.orders.get(shop_id, request.order_id) if request else None
        if request is None or order is None:
            return
        now = clock.now()
        request.follow_up_error = message
        uow.events.add(audit.order_event(shop_id, order.id, audit.OrderEventType.ORDER_CANCELLED_ON_STORE, now,
                                         f"Not cancelled on the store: {message}", cancellation_id=request.id,
                                         failed=True, error=message))
        subject, text = rules.follow_up_failed_email(request, order, message)
        notify_merchant(uow, shop_id=shop_id, kind=EmailKind.ALERT, subject=subject, text=text, now=now,
                        order_id=order.id, dedupe_key=f"cancellation:{request.id}:store_cancel_failed")
        uow.commit()


def _yes(value: bool) -> str:
    return "yes" if value else "no"


# ---------------------------------------------------------------- the 48-hour alert


def scan_undecided(uow: UnitOfWork, clock: Clock) -> int:
    """Raise the alert on cancellations pending 48 hours (every shop); returns how many were raised."""
    now = clock.now()
    raised = 0
    with uow:
        for request in uow.cancellations.pending_requested_before(now - DECISION_ALERT_AFTER, SCAN_LIMIT):
            if not rules.undecided_too_long(request.requested_at, now):
                continue
            new, _ = settle_alerts(uow, shop_id=request.shop_id, order_id=request.order_id,
                                   subject=_subject(request),
                                   holding={AlertKind.CANCELLATION_UNDECIDED:
                                            rules.undecided_message(request.requested_at, now)},
                                   managed=_UNDECIDED, now=now, supplier_order_id=request.supplier_order_id)
            raised += len(new)
        uow.commit()
    return raised
