"""What the after-sale pages read besides the services' own answers, and the shop's notification e-mails.

The forms need to know before anything is asked whether the supplier order can be cancelled or
returned, how much can be asked back, until when, and which request is already open; a reply page
shows any template filled in for its request; the order page shows its after-sale money. Each is
a read in one unit of work. The notification settings are the one write here (the shop row only).
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from ordercenter.adapters.aliexpress.assisted import instructions
from ordercenter.adapters.ports import AfterSaleAction, Clock
from ordercenter.domain import cancellation_rules
from ordercenter.domain import return_rules as rules
from ordercenter.domain.access import parse_email
from ordercenter.domain.cancellations import CancellationRequest
from ordercenter.domain.errors import InvalidInput, NotAllowed, NotFound
from ordercenter.domain.message_templates import TEMPLATES
from ordercenter.domain.money import Money
from ordercenter.domain.orders import Order
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.policies import protection_last_day
from ordercenter.domain.reply_templates import render_reply, template_key
from ordercenter.domain.returns import ReturnRequest
from ordercenter.domain.status import ReturnStatus, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.services.customer_refunds import NetResult, ProposedReply, net_result, refundable_of
from ordercenter.services.reply_templates import reply_values, templates_of
from ordercenter.services.returns import label_of, protection_rules
from ordercenter.services.uow import UnitOfWork

MAX_NOTIFICATION_EMAILS = 10


def _supplier_order(uow: UnitOfWork, shop_id: int, supplier_order_id: int) -> tuple[SupplierOrder, Order]:
    so = uow.supplier_orders.get(shop_id, supplier_order_id)
    order = uow.orders.get(shop_id, so.order_id) if so else None
    if so is None or order is None:
        raise NotFound(f"no supplier order with id {supplier_order_id}", field="supplier_order_id")
    return so, order


# ---------------------------------------------------------------- the cancel form


@dataclass(frozen=True)
class CancelForm:
    supplier_order: SupplierOrder
    order: Order
    refusal: str | None  # why it cannot be cancelled now, in words (None: it can)
    shipped: bool  # refused because the parcel has left: a return/refund is the way now
    open_request: CancellationRequest | None  # the pending request, to follow instead of asking again
    requests: list[CancellationRequest]  # every request of this supplier order, newest first


def cancel_form(uow: UnitOfWork, *, shop_id: int, supplier_order_id: int) -> CancelForm:
    """Whether a supplier order can be cancelled now, and its cancellation requests so far."""
    with uow:
        so, order = _supplier_order(uow, shop_id, supplier_order_id)
        requests = list(uow.cancellations.for_supplier_order(shop_id, so.id))
    label = label_of(so)
    shipped = so.status in cancellation_rules.SHIPPED_STATUSES
    refusal = None
    if shipped:
        refusal = (f"Supplier order {label} has already shipped ({so.status.value}), so it can no longer be "
                   "cancelled. Ask the seller for a return/refund instead.")
    elif so.status is SupplierOrderStatus.CANCELLED:
        refusal = f"Supplier order {label} is already cancelled."
    elif so.status not in cancellation_rules.CANCELLABLE_STATUSES or so.supplier_order_id is None:
        refusal = f"Supplier order {label} has not been placed with the supplier yet: there is nothing to cancel."
    pending = next((r for r in requests if r.is_open), None)
    return CancelForm(so, order, refusal, shipped, pending, requests)


# ---------------------------------------------------------------- the return/refund form


@dataclass(frozen=True)
class ReturnForm:
    supplier_order: SupplierOrder
    order: Order
    refusal: str | None  # why no return/refund can be opened for it at all (None: it can)
    cancellable: bool  # not shipped yet: a cancellation is the way
    closes_on: date | None  # the last day of the buyer protection (None: not placed)
    window_closed: str | None  # the protection has ended: on which date and why
    maximum: Money  # what can still be asked back: paid, less what earlier requests recovered
    open_request: ReturnRequest | None  # the request to follow (or escalate) instead of opening another
    requests: list[ReturnRequest]  # oldest first


def return_form(uow: UnitOfWork, *, shop_id: int, supplier_order_id: int, now: datetime) -> ReturnForm:
    """What the return/refund form of a supplier order offers: the largest amount, the protection's last
    day, and why it cannot be opened when it cannot (the service checks all of it again on Submit)."""
    with uow:
        so, order = _supplier_order(uow, shop_id, supplier_order_id)
        account = uow.supplier_accounts.get(shop_id, so.supplier_account_id) if so.supplier_account_id else None
        requests = list(uow.returns.for_supplier_order(shop_id, so.id))
    label = label_of(so)
    refusal = None
    try:
        rules.check_can_open(so.status, label)
    except NotAllowed as refused:
        refusal = refused.message[:1].upper() + refused.message[1:] + "."
    placed_at = so.placed_at or (so.created_at if so.supplier_order_id else None)
    protection = protection_rules(account)
    delivered = so.delivered_at or so.completed_at
    closes_on = protection_last_day(placed_at, protection, delivered) if placed_at else None
    window_closed = None
    if placed_at is not None:
        try:
            rules.check_window_open(now, placed_at, protection, delivered)
        except NotAllowed as closed:
            window_closed = closed.message[:1].upper() + closed.message[1:] + "."
    recovered = [Money(r.amount_refunded, r.currency) for r in requests
                 if r.status is ReturnStatus.REFUNDED and r.amount_refunded is not None and r.currency == so.currency]
    blocking = next((r for r in reversed(requests) if r.is_open or r.status is ReturnStatus.REJECTED), None)
    return ReturnForm(so, order, refusal, so.status in cancellation_rules.CANCELLABLE_STATUSES, closes_on,
                      window_closed, rules.refundable(so.cost, recovered).rounded(), blocking, requests)


def dispute_steps(request: ReturnRequest, supplier_order: SupplierOrder) -> list[str]:
    """The numbered steps of an assisted request (kept on it; made again for one that has none)."""
    if request.steps:
        return [str(step) for step in request.steps]
    return instructions(AfterSaleAction.OPEN_DISPUTE, label_of(supplier_order), request.reason.value.replace("_", " "))


def message_steps(supplier_order: SupplierOrder, template: str | None) -> list[str]:
    """The steps to write an assisted message on the supplier's website."""
    found = TEMPLATES.get(template or "")
    return instructions(AfterSaleAction.MESSAGE_SELLER, label_of(supplier_order),
                        found.title.lower() if found else "your message")


# ---------------------------------------------------------------- customer refunds


def reply_preview(uow: UnitOfWork, clock: Clock, *, shop_id: int, request_id: int, template: str) -> ProposedReply:
    """A reply template, as the shop words it, filled in for one customer refund request."""
    key = template_key(template)
    now = clock.now()
    with uow:
        request = uow.customer_refunds.get(shop_id, request_id)
        order = uow.orders.get(shop_id, request.order_id) if request else None
        if request is None or order is None:
            raise NotFound(f"no customer refund request with id {request_id}", field="request_id")
        shop = uow.shops.get(shop_id)
        # The return that says where to send the goods back: the linked one, else the order's latest open one.
        returns = [r for r in uow.returns.for_order(shop_id, order.id) if r.is_open and r.return_address]
        chosen = [r for r in returns if r.id == request.return_request_id] or returns
        values = reply_values(request=request, order=order, shop_name=shop.name if shop else "", today=now.date(),
                              refundable=refundable_of(uow, order), return_request=chosen[-1] if chosen else None)
        wording = templates_of(uow, shop_id)[key]
    rendered = render_reply(wording.subject, wording.body, values)
    return ProposedReply(key, rendered.subject, rendered.body)


def order_money(uow: UnitOfWork, *, shop_id: int, order_id: int) -> NetResult | None:
    """The order's after-sale money (refunded, recovered, net); None while it has no after-sale request."""
    with uow:
        if not (uow.customer_refunds.for_order(shop_id, order_id) or uow.cancellations.for_order(shop_id, order_id)
                or uow.returns.for_order(shop_id, order_id)):
            return None
        return net_result(uow, shop_id=shop_id, order_id=order_id)


# ---------------------------------------------------------------- notification e-mails


@dataclass(frozen=True)
class NotificationSettings:
    emails: list[str]  # who gets the merchant's e-mails (empty: every person of the shop)
    sender: str | None  # the From of every e-mail (None: the server's default)
    off: frozenset[EmailKind]  # the kinds not sent


def notification_settings(uow: UnitOfWork, *, shop_id: int) -> NotificationSettings:
    """The shop's notification e-mail settings."""
    with uow:
        shop = uow.shops.get(shop_id)
        if shop is None:
            raise NotFound("this shop no longer exists", field="shop")
        known = {k.value: k for k in EmailKind}
        return NotificationSettings([str(a) for a in shop.notification_emails or []], shop.email_sender,
                                    frozenset(known[str(k)] for k in shop.emails_off or [] if str(k) in known))


def _addresses(text: str) -> list[str]:
    parts = [p.strip() for p in text.replace(";", ",").replace("\n", ",").split(",")]
    found: list[str] = []
    for part in (p for p in parts if p):
        address = parse_email(part, field="notification_emails")
        if address not in found:
            found.append(address)
    if len(found) > MAX_NOTIFICATION_EMAILS:
        raise InvalidInput(f"at most {MAX_NOTIFICATION_EMAILS} addresses; {len(found)} were given",
                           field="notification_emails")
    return found


def _sender(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    name, address = email.utils.parseaddr(value)
    if not address or "\n" in value or "\r" in value:
        raise InvalidInput(f"'{value}' is not a sender such as shop@example.com or Shop <shop@example.com>",
                           field="email_sender")
    checked = parse_email(address, field="email_sender")
    return email.utils.formataddr((name, checked)) if name else checked


def _kinds(values: Iterable[str]) -> list[str]:
    known = {k.value for k in EmailKind}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidInput(f"'{unknown[0]}' is not a kind of e-mail; the kinds are {', '.join(sorted(known))}",
                           field="emails_off")
    return [k.value for k in EmailKind if k.value in set(values)]


def save_notification_settings(uow: UnitOfWork, *, shop_id: int, emails: str, sender: str,
                               off: Iterable[str]) -> NotificationSettings:
    """Keep who gets the merchant's e-mails, their sender and the kinds switched off; bad input changes nothing."""
    addresses, from_, kinds = _addresses(emails), _sender(sender), _kinds(off)
    with uow:
        shop = uow.shops.get(shop_id)
        if shop is None:
            raise NotFound("this shop no longer exists", field="shop")
        shop.notification_emails, shop.email_sender, shop.emails_off = addresses, from_, kinds
        uow.commit()
    return notification_settings(uow, shop_id=shop_id)
