"""What the merchant does to move a return/refund request along: record the supplier's decision (assisted
suppliers, or what an operator saw), send the goods back, escalate a refusal, close, and the refund.

Where the supplier takes these by API (the sandbox), the supplier is asked first, outside any
transaction; nothing changes here when it refuses. Every status the request takes is checked by
`domain/return_rules` (which action each status allows) and the transition table.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Protocol, runtime_checkable
from urllib.parse import urlparse

from ordercenter.adapters.ports import Clock
from ordercenter.adapters.supplier_after_sale import DisputeTicket
from ordercenter.domain import return_rules as rules
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.money import Money, parse_amount
from ordercenter.domain.orders import Order
from ordercenter.domain.return_rules import ReturnAction
from ordercenter.domain.returns import ReturnKind, ReturnRequest
from ordercenter.domain.status import ActorKind, ReturnStatus
from ordercenter.services.placement_planning import SupplierResolver
from ordercenter.services.returns import label_of, move_request, note_event
from ordercenter.services.uow import UnitOfWork

RS = ReturnStatus
_TRACKING = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{3,63}$")
MAX_ADDRESS = 500
MAX_NOTE = 2000


@runtime_checkable
class DisputeFollowUp(Protocol):
    """A supplier that also takes a dispute's escalation and the return parcel's tracking by API (the sandbox)."""

    def escalate_dispute(self, dispute_id: str) -> DisputeTicket: ...

    def confirm_return_shipped(self, dispute_id: str, tracking_number: str) -> DisputeTicket: ...


def _actor(actor_id: str | None) -> ActorKind:
    return ActorKind.STAFF if actor_id else ActorKind.SYSTEM


def _load(uow: UnitOfWork, shop_id: int, return_id: int) -> tuple[ReturnRequest, Order, str]:
    """The request, its order and its supplier order's label, locked (inside the caller's `with uow`)."""
    request = uow.returns.get(shop_id, return_id, for_update=True)
    if request is None:
        raise NotFound(f"no return/refund request with id {return_id}", field="return_id")
    so = uow.supplier_orders.get(shop_id, request.supplier_order_id)
    order = uow.orders.get(shop_id, request.order_id, for_update=True)
    if so is None or order is None:
        raise NotFound(f"no return/refund request with id {return_id}", field="return_id")
    return request, order, label_of(so)


def _peek(uow: UnitOfWork, shop_id: int, return_id: int, action: ReturnAction) -> ReturnRequest:
    """The request, checked for `action`, read without a lock (before asking the supplier)."""
    with uow:
        request = uow.returns.get(shop_id, return_id)
    if request is None:
        raise NotFound(f"no return/refund request with id {return_id}", field="return_id")
    rules.check_action(request.status, action, escalated=request.escalated_at is not None)
    return request


def _note(value: str | None, field: str = "note") -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"the note is {len(text)} characters; at most {MAX_NOTE}", field=field)
    return text or None


def _refund_amount(value: object | None, request: ReturnRequest) -> Money | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    amount = Money(parse_amount(value, field="refund_amount"), request.currency)
    if amount.amount <= 0 or request.requested < amount:
        raise InvalidInput(f"the refund must be more than zero and at most the {request.requested.rounded()} asked for",
                           field="refund_amount")
    return amount


def record_dispute_opened(uow: UnitOfWork, clock: Clock, *, shop_id: int, return_id: int, dispute_id: str,
                          actor_id: str | None = None) -> ReturnRequest:
    """An assisted request was opened on the supplier's site: keep its dispute number; now under review."""
    number = dispute_id.strip()
    if not number or len(number) > 64:
        raise InvalidInput("give the dispute number the supplier's site shows (at most 64 characters)",
                           field="dispute_id")
    now = clock.now()
    with uow:
        request, order, label = _load(uow, shop_id, return_id)
        rules.check_action(request.status, ReturnAction.RECORD_DISPUTE)
        request.supplier_dispute_id = number
        move_request(uow, request, order, [RS.UNDER_REVIEW], now=now, label=label, actor=_actor(actor_id),
                     actor_id=actor_id)
        uow.commit()
        return request


def _instructions(request: ReturnRequest, address: str | None, ship_by: date | None, label_url: str | None,
                  today: date) -> None:
    text = (address or "").strip() or request.return_address
    if not text:
        raise InvalidInput("a return needs the address the supplier gave to send the goods back to",
                           field="return_address")
    if len(text) > MAX_ADDRESS:
        raise InvalidInput(f"the return address is {len(text)} characters; at most {MAX_ADDRESS}",
                           field="return_address")
    if ship_by is not None and ship_by < today:
        raise InvalidInput(f"the ship-by date {ship_by.isoformat()} has passed already", field="return_ship_by")
    if label_url:
        parsed = urlparse(label_url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InvalidInput("the return label must be an http(s) link", field="return_label_url")
    request.return_address = text
    request.return_ship_by = ship_by or request.return_ship_by
    request.return_label_url = label_url.strip() if label_url else request.return_label_url
    parts = [f"Send the goods back to {text}"]
    if request.return_ship_by:
        parts.append(f"by {request.return_ship_by.isoformat()}")
    request.return_instructions = " ".join(parts) + (f". Label: {request.return_label_url}"
                                                     if request.return_label_url else ".")


def record_decision(uow: UnitOfWork, clock: Clock, *, shop_id: int, return_id: int, decision: str,
                    note: str | None = None, return_address: str | None = None, return_ship_by: date | None = None,
                    return_label_url: str | None = None, refund_amount: object | None = None,
                    actor_id: str | None = None) -> ReturnRequest:
    """Record what the supplier decided (any supplier: an operator can always record what they saw).

    Approved: a return and refund waits for the goods (with the address, ship-by date and label); a
    refund only is taken as issued now, as the supplier refunds when it accepts. Rejected: the merchant
    may escalate or close.
    """
    if decision not in ("approved", "rejected"):
        raise InvalidInput(f"'{decision}' is not a decision; say approved or rejected", field="decision")
    words = _note(note)
    now = clock.now()
    with uow:
        request, order, label = _load(uow, shop_id, return_id)
        rules.check_action(request.status, ReturnAction.DECIDE)
        by = "platform" if request.escalated_at else "seller"
        if decision == "rejected":
            steps = rules.route_to(request.kind, request.status, RS.REJECTED)
        else:
            refund = _refund_amount(refund_amount, request)
            if refund is not None:
                request.amount_refunded = refund.amount
            if request.kind is ReturnKind.RETURN_AND_REFUND:
                _instructions(request, return_address, return_ship_by, return_label_url, now.date())
                steps = rules.route_to(request.kind, request.status, RS.AWAITING_RETURN)
            else:
                steps = rules.route_to(request.kind, request.status, RS.REFUND_PENDING)
        request.decision_note = words or request.decision_note
        move_request(uow, request, order, steps, now=now, label=label, actor=_actor(actor_id), actor_id=actor_id,
                     by=by, note=words)
        uow.commit()
        return request


def record_return_shipment(uow: UnitOfWork, resolve: SupplierResolver, clock: Clock, *, shop_id: int,
                           return_id: int, tracking_number: str, actor_id: str | None = None) -> ReturnRequest:
    """The goods went back with this tracking number (told to the supplier first where it takes it by API)."""
    number = tracking_number.strip()
    if not _TRACKING.match(number):
        raise InvalidInput("a tracking number is 4 to 64 letters, digits, spaces or dashes", field="tracking_number")
    request = _peek(uow, shop_id, return_id, ReturnAction.SHIP_RETURN)
    ticket = None
    if request.supplier_dispute_id and not request.assisted:
        with uow:
            so = uow.supplier_orders.get(shop_id, request.supplier_order_id)
        _, supplier = resolve(so.supplier_account_id if so else None)
        if isinstance(supplier, DisputeFollowUp):
            ticket = supplier.confirm_return_shipped(request.supplier_dispute_id, number)
    now = clock.now()
    with uow:
        request, order, label = _load(uow, shop_id, return_id)
        rules.check_action(request.status, ReturnAction.SHIP_RETURN)
        request.return_tracking_number = number
        if ticket is not None:
            request.supplier_status = ticket.status
        move_request(uow, request, order, rules.route_to(request.kind, request.status, RS.RETURN_SHIPPED), now=now,
                     label=label, actor=_actor(actor_id), actor_id=actor_id)
        uow.commit()
        return request


def escalate_return(uow: UnitOfWork, resolve: SupplierResolver, clock: Clock, *, shop_id: int, return_id: int,
                    actor_id: str | None = None) -> ReturnRequest:
    """Ask the platform to decide a dispute the seller refused (or leaves unanswered); once only."""
    request = _peek(uow, shop_id, return_id, ReturnAction.ESCALATE)
    ticket = None
    if request.supplier_dispute_id and not request.assisted:
        with uow:
            so = uow.supplier_orders.get(shop_id, request.supplier_order_id)
        _, supplier = resolve(so.supplier_account_id if so else None)
        if isinstance(supplier, DisputeFollowUp):
            ticket = supplier.escalate_dispute(request.supplier_dispute_id)
    now = clock.now()
    with uow:
        request, order, label = _load(uow, shop_id, return_id)
        rules.check_action(request.status, ReturnAction.ESCALATE, escalated=request.escalated_at is not None)
        request.escalated_at = now
        if ticket is not None:
            request.supplier_status = ticket.status
        where = "" if ticket is not None else " (on the supplier's site: the order page, 'Escalate')"
        if request.status is RS.UNDER_REVIEW:  # no status change to show it: say it on the timeline
            note_event(uow, request, now, f"Return/refund request {request.id} escalated to the platform{where}",
                       actor=_actor(actor_id), actor_id=actor_id, escalated=True)
        move_request(uow, request, order, rules.route_to(request.kind, request.status, RS.UNDER_REVIEW), now=now,
                     label=label, actor=_actor(actor_id), actor_id=actor_id)
        uow.commit()
        return request


def close_return(uow: UnitOfWork, clock: Clock, *, shop_id: int, return_id: int, note: str | None = None,
                 actor_id: str | None = None) -> ReturnRequest:
    """Close a refused request, or drop an open one (withdrawn); a refund on its way cannot be dropped."""
    words = _note(note)
    now = clock.now()
    with uow:
        request, order, label = _load(uow, shop_id, return_id)
        rules.check_action(request.status, ReturnAction.CLOSE)
        move_request(uow, request, order, [rules.close_status(request.status)], now=now, label=label,
                     actor=_actor(actor_id), actor_id=actor_id, note=words, notify=False)
        uow.commit()
        return request


def record_refund_issued(uow: UnitOfWork, clock: Clock, *, shop_id: int, return_id: int,
                         amount: object | None = None, actor_id: str | None = None) -> ReturnRequest:
    """The supplier issued the refund (seen on its site): from today, its expected arrival is counted."""
    now = clock.now()
    with uow:
        request, order, label = _load(uow, shop_id, return_id)
        rules.check_action(request.status, ReturnAction.REFUND_ISSUED)
        refund = _refund_amount(amount, request)
        if refund is not None:
            request.amount_refunded = refund.amount
        move_request(uow, request, order, rules.route_to(request.kind, request.status, RS.REFUND_PENDING), now=now,
                     label=label, actor=_actor(actor_id), actor_id=actor_id, notify=False)
        uow.commit()
        return request


def confirm_refund_arrived(uow: UnitOfWork, clock: Clock, *, shop_id: int, return_id: int,
                           actor_id: str | None = None) -> ReturnRequest:
    """The money reached the payer: the request is refunded and an overdue alert clears."""
    now = clock.now()
    with uow:
        request, order, label = _load(uow, shop_id, return_id)
        rules.check_action(request.status, ReturnAction.REFUND_ARRIVED)
        move_request(uow, request, order, [RS.REFUNDED], now=now, label=label, actor=_actor(actor_id),
                     actor_id=actor_id, notify=False)
        uow.commit()
        return request
