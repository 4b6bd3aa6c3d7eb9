"""The message thread with the seller of a supplier order: by API where offered, assisted otherwise.

Sending by API commits our message first, asks the supplier outside any transaction, then records
the supplier's id of it. A refusal removes our row again (nothing was sent); a crash after the
supplier took it leaves a row without that id, which `apply_messages` matches with the supplier's
copy at the next look, so a message is never lost nor shown twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ordercenter.adapters.aliexpress import assisted
from ordercenter.adapters.ports import AfterSaleAction, Clock, SupplierError
from ordercenter.adapters.supplier_after_sale import SellerMessage, SupplierAfterSale
from ordercenter.domain import audit
from ordercenter.domain.alerts import AlertKind, request_subject
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.deadlines import REPLY_EXPECTED_WITHIN, Silence, WaitingMessage, silence_of
from ordercenter.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from ordercenter.domain.message_templates import (
    FREE_MESSAGE,
    TEMPLATES,
    MessageFacts,
    compose,
    placeholder_values,
    render,
)
from ordercenter.domain.messages import MessageDirection, SupplierMessage
from ordercenter.domain.orders import Order
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.policies import ProtectionRules
from ordercenter.domain.protection import protection
from ordercenter.domain.status import ActorKind
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.services.alerting import settle_alerts
from ordercenter.services.outbox import notify_merchant
from ordercenter.services.placement_planning import SupplierResolver
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

SCAN_LIMIT = 200
_SILENT = {AlertKind.SUPPLIER_SILENT}


def thread_subject(supplier_order_id: int) -> str:
    """The subject of the silent-seller alert of one thread."""
    return request_subject("supplier_thread", supplier_order_id)


def _fmt(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _short(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _placed(uow: UnitOfWork, shop_id: int, supplier_order_id: int) -> tuple[SupplierOrder, Order]:
    so = uow.supplier_orders.get(shop_id, supplier_order_id)
    order = uow.orders.get(shop_id, so.order_id) if so else None
    if so is None or order is None:
        raise NotFound(f"no supplier order {supplier_order_id}", field="supplier_order_id")
    if so.supplier_order_id is None:
        raise Conflict(f"supplier order {supplier_order_id} was never placed with the supplier, so it has no "
                       "seller to write to", field="supplier_order_id")
    return so, order


def _facts(so: SupplierOrder, order: Order, waiting: Sequence[SupplierMessage]) -> MessageFacts:
    return MessageFacts(
        number=so.supplier_order_id or str(so.id), seller=so.seller_name, order_name=order.name,
        tracking_numbers=tuple(s.tracking_number for s in sorted(so.shipments, key=lambda s: s.id)),
        placed_at=so.placed_at, paid_at=so.paid_at, shipped_at=so.shipped_at,
        delivered_at=so.delivered_at or so.completed_at, amount=str(so.cost), packaging_note=so.packaging_note,
        waiting_since=waiting[0].sent_at if waiting else None)


def _settle_silent_alert_cleared(uow: UnitOfWork, so: SupplierOrder, now: datetime) -> None:
    settle_alerts(uow, shop_id=so.shop_id, order_id=so.order_id, subject=thread_subject(so.id), holding={},
                  managed=_SILENT, now=now, supplier_order_id=so.id)


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class SentMessage:
    """Our message; when assisted, the text to paste with the steps and the supplier's order page."""

    message: SupplierMessage
    assisted: bool
    text: str
    steps: list[str] = field(default_factory=list)
    link: str | None = None


def _sent_event(message: SupplierMessage, now: datetime, actor_id: str | None) -> audit.OrderEvent:
    how = " (to paste on the supplier's website)" if message.assisted else ""
    return audit.order_event(message.shop_id, message.order_id, OrderEventType.SUPPLIER_MESSAGE_SENT, now,
                             f"Message to the seller{how}: {_short(message.body)}",
                             ActorKind.STAFF if actor_id else ActorKind.SYSTEM, actor_id,
                             supplier_order_id=message.supplier_order_id, message_id=message.id,
                             template=message.template, assisted=message.assisted)


def send_message(uow: UnitOfWork, resolve: SupplierResolver, clock: Clock, *, shop_id: int, supplier_order_id: int,
                 text: str | None = None, template: str | None = None,
                 actor_id: str | None = None) -> SentMessage:
    """Write to the seller of a supplier order, from a template or in the merchant's words: by API where
    the supplier allows it, otherwise as the text to paste on its website with the steps and the link."""
    with uow:
        so, order = _placed(uow, shop_id, supplier_order_id)
        body = compose(text=text, template_key=template,
                       facts=_facts(so, order, uow.messages.waiting(shop_id, so.id)))
        account_id, number, order_id = so.supplier_account_id, so.supplier_order_id, so.order_id
    assert number is not None  # _placed checked it
    key = template.strip() if template and template.strip() != FREE_MESSAGE else None
    _, supplier = resolve(account_id)
    by_api = AfterSaleAction.MESSAGE_SELLER in supplier.capabilities and isinstance(supplier, SupplierAfterSale)
    now = clock.now()
    with uow:
        message = uow.messages.add(SupplierMessage(
            shop_id=shop_id, order_id=order_id, supplier_order_id=supplier_order_id,
            direction=MessageDirection.TO_SUPPLIER, body=body, sent_at=now, answer_due_at=now + REPLY_EXPECTED_WITHIN,
            template=key, assisted=not by_api))
        uow.flush()
        if not by_api:
            uow.events.add(_sent_event(message, now, actor_id))
        uow.commit()
    if not by_api:
        reason = TEMPLATES[key].title.lower() if key else "your message"
        return SentMessage(message, True, body, assisted.instructions(AfterSaleAction.MESSAGE_SELLER, number, reason),
                           assisted.order_page_url(number))
    assert isinstance(supplier, SupplierAfterSale)
    try:
        sent = supplier.send_message(number, body)
    except SupplierError:
        # Not sent (or not known to be): our row goes. If the supplier did take it, its copy comes back
        # with the next look at the thread and is recorded then.
        with uow:
            row = uow.messages.get(shop_id, message.id)
            if row is not None and row.supplier_message_id is None:
                uow.messages.delete(row)
                uow.commit()
        raise
    with uow:
        row = uow.messages.get(shop_id, message.id)
        if row is None:
            raise NotFound(f"message {message.id} disappeared while it was sent", field="message")
        row.supplier_message_id = sent.message_id
        uow.events.add(_sent_event(row, now, actor_id))
        uow.commit()
        return SentMessage(row, False, body)


# ---------------------------------------------------------------- the seller's answers


def _answer(waiting: Sequence[SupplierMessage], at: datetime, now: datetime) -> datetime:
    """When an answer counts as written: the supplier's time, but never in our future nor before the
    message it answers (the supplier's clock may differ from ours)."""
    latest = max((m.sent_at for m in waiting), default=None)
    moment = min(at, now)
    return max(moment, latest) if latest is not None else moment


def apply_messages(uow: UnitOfWork, clock: Clock, *, shop_id: int, supplier_order_id: int,
                   messages: Sequence[SellerMessage]) -> None:
    """Record the seller's messages of this supplier order that we do not have yet."""
    now = clock.now()
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        if so is None:
            return
        thread = list(uow.messages.thread(shop_id, supplier_order_id))
        by_supplier_id = {m.supplier_message_id: m for m in thread if m.supplier_message_id}
        unconfirmed = [m for m in thread if m.direction is MessageDirection.TO_SUPPLIER
                       and m.supplier_message_id is None and not m.assisted]
        assisted_waiting = [m for m in thread if m.direction is MessageDirection.TO_SUPPLIER and m.assisted]
        ours_so_far: list[SupplierMessage] = []  # ours, in the supplier's order of the thread
        received = 0
        for incoming in sorted(messages, key=lambda m: m.at):
            known = by_supplier_id.get(incoming.message_id)
            if known is not None:
                if known.direction is MessageDirection.TO_SUPPLIER:
                    ours_so_far.append(known)
                continue
            if not incoming.from_seller:
                mine = next((m for m in unconfirmed if m.body.strip() == incoming.text.strip()), None)
                if mine is not None:  # sent, but we crashed before recording the supplier's id
                    unconfirmed.remove(mine)
                else:  # written on the supplier's website
                    at = min(incoming.at, now)
                    mine = uow.messages.add(SupplierMessage(
                        shop_id=shop_id, order_id=so.order_id, supplier_order_id=so.id,
                        direction=MessageDirection.TO_SUPPLIER, body=incoming.text, sent_at=at,
                        answer_due_at=at + REPLY_EXPECTED_WITHIN))
                    uow.flush()
                    uow.events.add(audit.order_event(
                        shop_id, so.order_id, OrderEventType.SUPPLIER_MESSAGE_SENT, now,
                        f"Message to the seller (written at the supplier): {_short(incoming.text)}",
                        ActorKind.SUPPLIER, supplier_order_id=so.id, message_id=mine.id))
                mine.supplier_message_id = incoming.message_id
                by_supplier_id[incoming.message_id] = mine
                ours_so_far.append(mine)
                continue
            answered = [m for m in [*ours_so_far, *assisted_waiting] if m.answered_at is None]
            at = _answer(answered, incoming.at, now)
            reply = uow.messages.add(SupplierMessage(
                shop_id=shop_id, order_id=so.order_id, supplier_order_id=so.id,
                direction=MessageDirection.FROM_SUPPLIER, body=incoming.text, sent_at=at,
                supplier_message_id=incoming.message_id))
            by_supplier_id[incoming.message_id] = reply
            for message in answered:
                message.answered_at = at
            uow.flush()
            uow.events.add(audit.order_event(
                shop_id, so.order_id, OrderEventType.SUPPLIER_MESSAGE_RECEIVED, now,
                f"The seller answered: {_short(incoming.text)}", ActorKind.SUPPLIER, supplier_order_id=so.id,
                message_id=reply.id, answered=len(answered)))
            received += 1
        if received:
            _settle_silent_alert_cleared(uow, so, now)
        uow.commit()


def record_reply(uow: UnitOfWork, clock: Clock, *, shop_id: int, supplier_order_id: int, text: str,
                 actor_id: str | None = None) -> SupplierMessage:
    """Record the seller's answer as the merchant read it on the supplier's website (assisted threads)."""
    body = (text or "").strip()
    if not body:
        raise InvalidInput("the seller's answer is empty: paste what the seller wrote", field="text")
    now = clock.now()
    with uow:
        so, _ = _placed(uow, shop_id, supplier_order_id)
        waiting = uow.messages.waiting(shop_id, so.id, for_update=True)
        reply = uow.messages.add(SupplierMessage(
            shop_id=shop_id, order_id=so.order_id, supplier_order_id=so.id, direction=MessageDirection.FROM_SUPPLIER,
            body=body, sent_at=now, assisted=True))
        for message in waiting:
            message.answered_at = now
        uow.flush()
        uow.events.add(audit.order_event(
            shop_id, so.order_id, OrderEventType.SUPPLIER_MESSAGE_RECEIVED, now,
            f"The seller's answer, recorded by hand: {_short(body)}", ActorKind.STAFF if actor_id else ActorKind.SYSTEM,
            actor_id, supplier_order_id=so.id, message_id=reply.id, answered=len(waiting)))
        _settle_silent_alert_cleared(uow, so, now)
        uow.commit()
        return reply


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class TemplateProposal:
    key: str
    title: str
    text: str  # filled in for this supplier order


@dataclass(frozen=True)
class Thread:
    supplier_order_id: int
    order_id: int
    number: str | None  # the supplier's order number
    messages: list[SupplierMessage]
    awaiting_reply_since: datetime | None  # the oldest of our messages unanswered since the seller last wrote
    answer_due_at: datetime | None  # when the seller counts as silent
    link: str | None  # the supplier's order page (where assisted messages are written)
    templates: list[TemplateProposal]


def get_thread(uow: UnitOfWork, *, shop_id: int, supplier_order_id: int) -> Thread:
    """The thread of one supplier order, oldest first, with "awaiting reply since" and the templates filled in."""
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        order = uow.orders.get(shop_id, so.order_id) if so else None
        if so is None or order is None:
            raise NotFound(f"no supplier order {supplier_order_id}", field="supplier_order_id")
        messages = list(uow.messages.thread(shop_id, so.id))
        waiting = [m for m in messages if m.direction is MessageDirection.TO_SUPPLIER and m.answered_at is None]
        values = placeholder_values(_facts(so, order, waiting))
        since = waiting[0].sent_at if waiting else None
        return Thread(so.id, so.order_id, so.supplier_order_id, messages, since,
                      since + REPLY_EXPECTED_WITHIN if since else None,
                      assisted.order_page_url(so.supplier_order_id) if so.supplier_order_id else None,
                      [TemplateProposal(t.key, t.title, render(t.body, values)) for t in TEMPLATES.values()])


# ---------------------------------------------------------------- silence


def _reminder_text(silence: Silence, facts: MessageFacts, now: datetime) -> str:
    proposal = _short(render(TEMPLATES["follow_up"].body, placeholder_values(facts)), 400)
    return (f"the seller of supplier order {facts.number} has not answered for {silence.hours(now)} hours (your "
            f"message of {_fmt(silence.since)}); send a follow-up (template follow_up): \"{proposal}\"")


def _escalation_text(uow: UnitOfWork, so: SupplierOrder, order: Order, silence: Silence, now: datetime) -> str:
    silent = (f"the seller of supplier order {so.supplier_order_id} has still not answered after "
              f"{silence.hours(now)} hours")
    open_return = next((r for r in uow.returns.for_order(so.shop_id, so.order_id)
                        if r.supplier_order_id == so.id and r.is_open), None)
    if open_return is not None:
        return f"{silent}; return/refund request {open_return.id} is open on it: follow it up there"
    account = uow.supplier_accounts.get(so.shop_id, so.supplier_account_id) if so.supplier_account_id else None
    rules = ProtectionRules(account.protection_days, account.days_after_delivery) if account else ProtectionRules()
    address = order.shipping_address
    view = protection(placed_at=so.placed_at, delivered_at=so.delivered_at or so.completed_at, rules=rules,
                      ship_to_country=address.country_code if address else None, seller_type=so.seller_type,
                      payment_method=so.payment_method, payer_country=None, now=now)
    if view.closes_on is None:
        return f"{silent}; the order was never placed, so there is no buyer protection to claim"
    if view.is_open:
        left = "today is the last day" if view.days_left == 0 else f"{view.days_left} days left"
        return (f"{silent}; open a return/refund request while buyer protection is open: it closes on "
                f"{view.closes_on} ({left})")
    return (f"{silent}; buyer protection closed on {view.closes_on}, so a return/refund request can no longer be "
            "opened: contact AliExpress support")


def _settle_silence(uow: UnitOfWork, now: datetime, shop_id: int, supplier_order_id: int) -> bool:
    with uow:
        waiting = uow.messages.waiting(shop_id, supplier_order_id, for_update=True)
        silence = silence_of(WaitingMessage(m.sent_at, m.reminded_at, m.escalation_suggested_at) for m in waiting)
        if silence is None or not (silence.reminder_due(now) or silence.escalation_due(now)):
            return False
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        order = uow.orders.get(shop_id, so.order_id) if so else None
        if so is None or order is None:
            return False
        first = waiting[0]
        escalate = silence.escalation_due(now)
        text = (_escalation_text(uow, so, order, silence, now) if escalate
                else _reminder_text(silence, _facts(so, order, waiting), now))
        raised, _ = settle_alerts(uow, shop_id=shop_id, order_id=so.order_id, subject=thread_subject(so.id),
                                  holding={AlertKind.SUPPLIER_SILENT: text}, managed=_SILENT, now=now,
                                  supplier_order_id=so.id)
        first.reminded_at = first.reminded_at or now
        if escalate:
            first.escalation_suggested_at = now
            if not raised:  # a newly raised alert already e-mailed this text
                uow.events.add(audit.alert_raised(shop_id, so.order_id, now, supplier_order_id=so.id,
                                                  kind=AlertKind.SUPPLIER_SILENT.value, message=text))
                notify_merchant(uow, shop_id=shop_id, kind=EmailKind.ALERT, order_id=so.order_id, now=now,
                                subject=f"Order {order.name}: the seller is silent, open a return/refund request",
                                text=(f"Order {order.name} needs you: {text}.\n\nOpen the order in Order Center "
                                      f"(/orders/{order.id}) to act on it."),
                                dedupe_key=f"supplier_thread:{so.id}:escalation:{first.id}")
        uow.commit()
        return True


def scan_silent_suppliers(uow: UnitOfWork, clock: Clock) -> int:
    """Follow-up reminders after 48 hours of silence, then the suggestion to open a return/refund request."""
    now = clock.now()
    with uow:
        threads = uow.messages.silent_threads(now - REPLY_EXPECTED_WITHIN, SCAN_LIMIT)
    settled = 0
    for shop_id, supplier_order_id in threads:
        try:
            settled += _settle_silence(uow, now, shop_id, supplier_order_id)
        except Exception as error:  # noqa: BLE001  (one thread's failure must not stop the others)
            message = error.message if isinstance(error, DomainError) else f"{error.__class__.__name__}: {error}"
            log.warning("silence check of supplier order %s failed: %s", supplier_order_id, message)
    return settled
