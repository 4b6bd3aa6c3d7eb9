"""Customer refund requests: recorded, answered from a template, refunded on the store, linked to recovery.

Money moves once per request (STYLE pattern 3): the refund is *decided* first (amount on the request,
a `refund_decided` line on the timeline, committed), the store is asked second, and the outcome is
recorded third. A second click finds the decision and is refused without asking the store again; a
decision whose outcome never came back (the process died) may be retried after `DECISION_TIMEOUT`,
and the store finds the first refund by the request's key instead of making another.
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from ordercenter.adapters.ports import Clock, StoreError, StorePlatform
from ordercenter.domain import audit
from ordercenter.domain.alerts import AlertKind, request_subject
from ordercenter.domain.customer_refunds import REPLY_ALERT_AFTER, CustomerRefundRequest, CustomerRefundSource
from ordercenter.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from ordercenter.domain.money import Money, parse_amount
from ordercenter.domain.orders import Order
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.recovery import RecoverySuggestion
from ordercenter.domain.reply_templates import (
    RenderedReply,
    ReplySituation,
    TemplateKey,
    proposed_template,
    render_reply,
)
from ordercenter.domain.returns import ReturnRequest
from ordercenter.domain.status import (
    CUSTOMER_REFUND_TRANSITIONS,
    ActorKind,
    CancellationStatus,
    CustomerRefundStatus,
    FinancialStatus,
    ReturnStatus,
    SupplierOrderStatus,
)
from ordercenter.services import store_refunds
from ordercenter.services.alerting import settle_alerts
from ordercenter.services.outbox import queue_email
from ordercenter.services.reply_templates import reply_values, requested_key, templates_of
from ordercenter.services.stage_refresh import refresh_stage
from ordercenter.services.uow import UnitOfWork

# Longer than a store call with its retries: a decision this old without an outcome belongs to an
# attempt that died, and may be tried again (the store recognises the first by its key).
DECISION_TIMEOUT = timedelta(minutes=10)
# The store client says this when a mutation may have gone through.
_OUTCOME_UNKNOWN = "outcome is unknown"
MAX_MESSAGE_LENGTH = 20_000
MAX_LIST = 200
SCAN_BATCH = 500
_PAID = frozenset({FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED, FinancialStatus.PARTIALLY_PAID})


@dataclass(frozen=True)
class RefundRequestInput:
    """What the merchant records: the customer's words (or their pasted e-mail) and what they ask for."""

    message: str = ""
    customer_email: str | None = None
    customer_name: str | None = None
    amount: str | None = None
    source: CustomerRefundSource = CustomerRefundSource.MANUAL
    email_text: str | None = None  # a customer e-mail pasted whole (headers and body), or just its text


@dataclass(frozen=True)
class NetResult:
    """One order's after-sale money: what went back to the customer against what came back from the supplier.

    Amounts in the order's currency; `other_currencies` keeps supplier refunds in another currency, which
    are not added in (no rate is assumed)."""

    refunded_to_customer: Money
    recovered_from_supplier: Money
    net: Money  # recovered minus refunded: negative is what the after-sale cost the shop
    other_currencies: tuple[Money, ...] = ()


@dataclass(frozen=True)
class ProposedReply:
    template: TemplateKey
    subject: str
    body: str


@dataclass(frozen=True)
class CustomerRefundView:
    request: CustomerRefundRequest
    order_name: str
    refundable: Money
    proposed_reply: ProposedReply
    recovery: RecoverySuggestion
    net: NetResult
    replies: int = 0


@dataclass(frozen=True)
class ReplyResult:
    view: CustomerRefundView
    email_id: int | None
    to: str
    repeated: bool = False  # the same reply again (a double click): nothing new was queued


@dataclass(frozen=True)
class _Decision:
    order_gid: str
    money: Money
    note: str
    notify_customer: bool
    reasons: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- recording


def _pasted(text: str) -> tuple[str | None, str | None, str]:
    """(sender address, sender name, message) of a pasted e-mail; a paste with no sender is the message."""
    parsed = email.parser.Parser(policy=email.policy.default).parsestr(text)
    name, address = email.utils.parseaddr(str(parsed.get("From") or ""))
    if "@" not in address:
        return None, None, text.strip()
    body = parsed.get_body(preferencelist=("plain", "html")) if parsed.is_multipart() else parsed
    content = body.get_content() if body is not None else ""
    subject = str(parsed.get("Subject") or "").strip()
    message = str(content).strip()
    return address.strip().lower(), name.strip() or None, (f"{subject}\n\n{message}" if subject else message).strip()


def record_request(uow: UnitOfWork, clock: Clock, *, shop_id: int, order_id: int, data: RefundRequestInput,
                   actor_id: str | None) -> CustomerRefundView:
    """Record what a customer asked for; the order's e-mail and name unless the request says otherwise."""
    if data.source is CustomerRefundSource.STORE:
        raise InvalidInput("refunds made on the store are recorded from the store itself", field="source")
    message, email_address, name, source = data.message.strip(), data.customer_email, data.customer_name, data.source
    if data.email_text is not None and data.email_text.strip():
        sender, sender_name, pasted = _pasted(data.email_text)
        message = message or pasted
        email_address, name = email_address or sender, name or sender_name
        source = CustomerRefundSource.EMAIL
    if not message:
        raise InvalidInput("write what the customer asked for, or paste their e-mail", field="message")
    if len(message) > MAX_MESSAGE_LENGTH:
        raise InvalidInput(f"the message is longer than {MAX_MESSAGE_LENGTH} characters", field="message")
    if email_address is not None and email_address.strip() and "@" not in email_address:
        raise InvalidInput(f"'{email_address}' is not an e-mail address", field="customer_email")
    now = clock.now()
    with uow:
        order = _order(uow, shop_id, order_id, for_update=True)
        amount = None
        if data.amount is not None and str(data.amount).strip():
            amount = _positive(data.amount)
            refundable = refundable_of(uow, order)
            if amount > refundable.amount:
                raise InvalidInput(f"the customer asks for {Money(amount, order.currency)} but the order can "
                                   f"still refund only {refundable}", field="amount")
        request = uow.customer_refunds.add(CustomerRefundRequest(
            shop_id=shop_id, order_id=order.id, customer_email=(email_address or order.email or "").strip(),
            customer_name=(name or order.customer_name or "").strip(), message=message, currency=order.currency,
            amount_requested=amount, received_at=now, source=source))
        uow.flush()
        linked = store_refunds.link_if_obvious(uow, request)
        asked = f" for {Money(amount, order.currency)}" if amount is not None else ""
        who = request.customer_name or request.customer_email or "The customer"
        uow.events.add(audit.order_event(
            shop_id, order.id, audit.OrderEventType.CUSTOMER_REFUND_RECEIVED, now,
            f"{who} asked for a refund{asked} (request {request.id}, {source.value})",
            ActorKind.STAFF, actor_id, customer_refund_id=request.id, source=source.value,
            amount_requested=str(amount) if amount is not None else None, linked=linked))
        refresh_stage(uow, order, at=now)
        view = _view(uow, request, order, now)
        uow.commit()
        return view


# ---------------------------------------------------------------- reading


def get_request(uow: UnitOfWork, clock: Clock, *, shop_id: int, request_id: int) -> CustomerRefundView:
    """One request with the reply Order Center proposes, the recovery it suggests and the order's net result."""
    with uow:
        request = _request(uow, shop_id, request_id)
        return _view(uow, request, _order(uow, shop_id, request.order_id), clock.now())


def list_requests(uow: UnitOfWork, *, shop_id: int, status: CustomerRefundStatus | None = None,
                  order_id: int | None = None, limit: int = 50) -> Sequence[CustomerRefundRequest]:
    """The shop's requests, newest first."""
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}", field="limit")
    with uow:
        return uow.customer_refunds.page(shop_id, status=status, order_id=order_id, limit=limit)


def net_result(uow: UnitOfWork, *, shop_id: int, order_id: int) -> NetResult:
    """Refunded to the customer on the store vs recovered from the supplier, for one order (inside or
    outside a unit of work: it only reads)."""
    order = uow.orders.get(shop_id, order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}", field="order_id")
    currency = order.currency
    refunded = [Money(r.refund_amount, r.currency) for r in uow.customer_refunds.for_order(shop_id, order_id)
                if r.store_refund_id is not None and r.refund_amount is not None]
    recovered = [Money(c.refund_amount, c.currency) for c in uow.cancellations.for_order(shop_id, order_id)
                 if c.status is CancellationStatus.APPROVED and c.refund_amount is not None]
    recovered += [Money(r.amount_refunded, r.currency) for r in uow.returns.for_order(shop_id, order_id)
                  if r.status is ReturnStatus.REFUNDED and r.amount_refunded is not None]
    given = sum((m.amount for m in refunded if m.currency == currency), Decimal(0))
    back = sum((m.amount for m in recovered if m.currency == currency), Decimal(0))
    others = tuple(m for m in refunded + recovered if m.currency != currency)
    return NetResult(Money(given, currency), Money(back, currency), Money(back - given, currency), others)


def refundable_of(uow: UnitOfWork, order: Order) -> Money:
    """What the order can still refund, as far as Order Center knows (the store checks again when refunding):
    its total less the refunds recorded and decided, nothing when it was not paid or is refunded in full."""
    if order.financial_status not in _PAID:
        return Money(Decimal(0), order.currency)
    given = sum((r.refund_amount for r in uow.customer_refunds.for_order(order.shop_id, order.id)
                 if r.refund_amount is not None and r.currency == order.currency), Decimal(0))
    return Money(max(order.total_price - given, Decimal(0)), order.currency)


def _view(uow: UnitOfWork, request: CustomerRefundRequest, order: Order, now: datetime) -> CustomerRefundView:
    refundable = refundable_of(uow, order)
    key = _proposed_key(uow, request, order)
    wording = templates_of(uow, request.shop_id)[key]
    rendered = render_reply(wording.subject, wording.body, _values(uow, request, order, now, refundable))
    return CustomerRefundView(request, order.name, refundable, ProposedReply(key, rendered.subject, rendered.body),
                              store_refunds.recovery_for(uow, order, now), net_result(uow, shop_id=request.shop_id,
                                                                                      order_id=order.id),
                              _replies_sent(uow, request))


def _proposed_key(uow: UnitOfWork, request: CustomerRefundRequest, order: Order) -> TemplateKey:
    supplier_orders = uow.supplier_orders.for_order(order.shop_id, order.id)
    return proposed_template(ReplySituation(
        status=request.status,
        refunded_in_full=request.refund_amount is not None and request.refund_amount >= order.total_price,
        supplier_order_cancellable=any(so.status in (SupplierOrderStatus.PLACED, SupplierOrderStatus.PAID)
                                       for so in supplier_orders),
        return_instructions_known=_return_with_address(uow, request) is not None))


def _return_with_address(uow: UnitOfWork, request: CustomerRefundRequest) -> ReturnRequest | None:
    """The open return/refund request of the order that says where to send the goods (the linked one first)."""
    returns = [r for r in uow.returns.for_order(request.shop_id, request.order_id) if r.is_open and r.return_address]
    linked = [r for r in returns if r.id == request.return_request_id]
    chosen = linked or returns
    return chosen[-1] if chosen else None


def _values(uow: UnitOfWork, request: CustomerRefundRequest, order: Order, now: datetime,
            refundable: Money) -> dict[str, str]:
    shop = uow.shops.get(request.shop_id)
    return reply_values(request=request, order=order, shop_name=shop.name if shop else "", today=now.date(),
                        refundable=refundable, return_request=_return_with_address(uow, request))


def _replies_sent(uow: UnitOfWork, request: CustomerRefundRequest) -> int:
    return sum(1 for e in uow.events.for_order(request.shop_id, request.order_id)
               if e.type is audit.OrderEventType.CUSTOMER_REPLIED
               and e.parameters.get("customer_refund_id") == request.id)


# ---------------------------------------------------------------- replying


def reply_to_customer(uow: UnitOfWork, clock: Clock, *, shop_id: int, request_id: int, template: str | None = None,
                      subject: str | None = None, body: str | None = None, actor_id: str | None) -> ReplyResult:
    """E-mail the customer the reply (a template, or the merchant's edit of it) through the outbox.

    The first reply answers the request (`replied`, its 24-hour alert cleared); replying with
    `refund_declined` also declines it. The same reply twice in a row queues one e-mail.
    """
    key = requested_key(template)
    now = clock.now()
    with uow:
        order, request = _locked(uow, shop_id, request_id)
        to = request.customer_email.strip()
        if not to:
            raise InvalidInput("the request has no customer e-mail address to reply to", field="customer_email")
        if key is None and body is None:
            key = _proposed_key(uow, request, order)
        wording = templates_of(uow, shop_id)[key] if key is not None else None
        subject_text = subject if subject is not None else (wording.subject if wording else
                                                            f"About your refund request for order {order.name}")
        body_text = body if body is not None else (wording.body if wording else "")
        rendered = render_reply(subject_text, body_text, _values(uow, request, order, now, refundable_of(uow, order)))
        if (request.reply, request.reply_subject) == (rendered.body, rendered.subject):
            return ReplyResult(_view(uow, request, order, now), None, to, repeated=True)
        number = _replies_sent(uow, request) + 1
        queued = queue_email(uow, shop_id=shop_id, kind=EmailKind.CUSTOMER_REPLY, to=to, subject=rendered.subject,
                             text=rendered.body, now=now, order_id=order.id,
                             dedupe_key=f"customer_refund:{request.id}:reply:{number}")
        _answered(uow, request, rendered, key, number, now, actor_id)
        refresh_stage(uow, order, at=now)
        uow.flush()
        result = ReplyResult(_view(uow, request, order, now), queued.id, to)
        uow.commit()
        return result


def _answered(uow: UnitOfWork, request: CustomerRefundRequest, rendered: RenderedReply, key: TemplateKey | None,
              number: int, now: datetime, actor_id: str | None) -> None:
    request.reply, request.reply_subject = rendered.body, rendered.subject
    if request.status is CustomerRefundStatus.NEW:
        request.transition_to(CustomerRefundStatus.REPLIED, at=now)
    if key is TemplateKey.REFUND_DECLINED and request.status is CustomerRefundStatus.REPLIED:
        request.transition_to(CustomerRefundStatus.DECLINED, at=now, reason="refund declined in the reply")
    linked = store_refunds.link_if_obvious(uow, request)
    uow.events.add(audit.order_event(
        request.shop_id, request.order_id, audit.OrderEventType.CUSTOMER_REPLIED, now,
        f"Replied to {request.customer_email}: '{rendered.subject}' (request {request.id}, reply {number})",
        ActorKind.STAFF, actor_id, customer_refund_id=request.id, reply_number=number,
        template=key.value if key else None, linked=linked))
    store_refunds.write_status_events(uow, request, ActorKind.STAFF, actor_id)
    store_refunds.clear_unanswered_alert(uow, request, now)


# ---------------------------------------------------------------- refunding on the store


def refund_customer(uow: UnitOfWork, store_for: Callable[[], StorePlatform], clock: Clock, *, shop_id: int,
                    request_id: int, amount: str | None = None, full: bool = False, notify_customer: bool = False,
                    note: str | None = None, actor_id: str | None) -> CustomerRefundView:
    """Refund the customer on the store, in full or in part, once: decided and committed, then executed.

    Refused (422 naming `amount`, nothing changed) above what the order can still refund; refused (409)
    when the request was refunded already or its refund is under way. `store_for` gives the store's
    client once the decision stands.
    """
    decision = _decide(uow, clock, shop_id, request_id, amount=amount, full=full, notify_customer=notify_customer,
                       note=note, actor_id=actor_id)
    try:
        refund_id = store_for().refund_amount(decision.order_gid, decision.money, decision.note,
                                              notify_customer=decision.notify_customer,
                                              key=store_refunds.refund_key(request_id))
    except DomainError as exc:  # the store refused (or cannot be reached): StoreError, NotAllowed
        if _OUTCOME_UNKNOWN not in exc.message:
            _release(uow, clock, shop_id, request_id, exc.message, actor_id)
            if isinstance(exc, StoreError) and exc.field == "amount":
                raise InvalidInput(exc.message, field="amount") from exc
        raise
    now = clock.now()
    with uow:
        order, request = _locked(uow, shop_id, request_id)
        # The refund's own webhook may have marked it first; either way it is marked once.
        store_refunds.mark_refunded(uow, request, refund_id, at=now, actor=ActorKind.STAFF, actor_id=actor_id)
        refresh_stage(uow, order, at=now)
        uow.flush()
        view = _view(uow, request, order, now)
        uow.commit()
        return view


def _decide(uow: UnitOfWork, clock: Clock, shop_id: int, request_id: int, *, amount: str | None, full: bool,
            notify_customer: bool, note: str | None, actor_id: str | None) -> _Decision:
    now = clock.now()
    with uow:
        # The row lock makes a second click wait for the first decision on PostgreSQL; SQLite ignores it, and
        # the conditional write below lets only one decision through there.
        order, request = _locked(uow, shop_id, request_id)
        decided = Money(request.refund_amount or Decimal(0), request.currency)
        if request.store_refund_id is not None:
            raise Conflict(f"request {request.id} was refunded already ({decided} on the store, refund "
                           f"{request.store_refund_id}); record a new request for more", field="request_id")
        CUSTOMER_REFUND_TRANSITIONS.check(request.status, CustomerRefundStatus.REFUNDED)
        pending = _pending_decision(uow, request)
        if pending is not None and now - pending < DECISION_TIMEOUT:
            raise Conflict(f"the refund of {decided} for request "
                           f"{request.id} is being made on the store since {pending:%H:%M:%S} UTC; wait for it",
                           field="request_id")
        if pending is not None:
            money = decided  # the same refund, tried again
        else:
            money = _amount_to_refund(uow, request, order, amount, full)
            # A conditional write, so of two clicks exactly one decides, also where the row lock is ignored.
            if not uow.customer_refunds.claim_refund_decision(shop_id, request.id, money.amount):
                raise Conflict(f"the refund for request {request.id} was just decided by another click; "
                               "it is being made on the store", field="request_id")
            request.refund_amount = money.amount
        uow.events.add(audit.order_event(
            shop_id, order.id, audit.OrderEventType.CUSTOMER_REFUND_STATUS_CHANGED, now,
            f"Refund of {money} to the customer decided (request {request.id}); asking the store",
            ActorKind.STAFF, actor_id, customer_refund_id=request.id, phase="refund_decided", amount=str(money.amount),
            currency=money.currency, retry=pending is not None))
        words = (note or "").strip()
        decision = _Decision(order.platform_gid, money,
                             f"Customer refund request {request.id}" + (f": {words}" if words else ""),
                             notify_customer)
        uow.commit()
        return decision


def _amount_to_refund(uow: UnitOfWork, request: CustomerRefundRequest, order: Order, amount: str | None,
                      full: bool) -> Money:
    refundable = refundable_of(uow, order)
    if full and amount is not None:
        raise InvalidInput("give an amount or ask for the full refund, not both", field="amount")
    if full:
        wanted = refundable.amount
    elif amount is not None:
        wanted = _positive(amount)
    elif request.amount_requested is not None:
        wanted = request.amount_requested
    else:
        raise InvalidInput("say how much to refund: an amount, or the full refund", field="amount")
    if refundable.amount <= 0:
        raise InvalidInput(f"order {order.name} has nothing left to refund", field="amount")
    if wanted > refundable.amount:
        raise InvalidInput(f"the refund of {Money(wanted, order.currency)} is more than the {refundable} order "
                           f"{order.name} can still refund", field="amount")
    return Money(wanted, order.currency)


def _pending_decision(uow: UnitOfWork, request: CustomerRefundRequest) -> datetime | None:
    """When the refund under way was decided, if one is (decided, no outcome recorded yet)."""
    if request.refund_amount is None or request.store_refund_id is not None:
        return None
    decided = [e.created_at for e in uow.events.for_order(request.shop_id, request.order_id)
               if e.parameters.get("customer_refund_id") == request.id
               and e.parameters.get("phase") == "refund_decided"]
    return max(decided) if decided else request.received_at


def _release(uow: UnitOfWork, clock: Clock, shop_id: int, request_id: int, reason: str, actor_id: str | None) -> None:
    """The store refused: the decision is taken back, so the merchant may decide again."""
    now = clock.now()
    with uow:
        _, request = _locked(uow, shop_id, request_id)
        if request.store_refund_id is None:
            request.refund_amount = None
        uow.events.add(audit.order_event(
            shop_id, request.order_id, audit.OrderEventType.CUSTOMER_REFUND_STATUS_CHANGED, now,
            f"The store did not refund request {request.id}: {reason}", ActorKind.STORE, None,
            customer_refund_id=request.id, phase="refund_failed", reason=reason, decided_by=actor_id))
        uow.commit()


# ---------------------------------------------------------------- linking to the supplier side


def link_request(uow: UnitOfWork, clock: Clock, *, shop_id: int, request_id: int, cancellation_id: int | None = None,
                 return_id: int | None = None, actor_id: str | None) -> CustomerRefundView:
    """Link the request to the supplier-side cancellation or return/refund request of the same order."""
    if (cancellation_id is None) == (return_id is None):
        raise InvalidInput("give either cancellation_id or return_id", field="cancellation_id")
    now = clock.now()
    with uow:
        order, request = _locked(uow, shop_id, request_id)
        if cancellation_id is not None:
            cancellation = uow.cancellations.get(shop_id, cancellation_id)
            if cancellation is None or cancellation.order_id != request.order_id:
                raise NotFound(f"order {order.name} has no cancellation request {cancellation_id}",
                               field="cancellation_id")
            request.cancellation_request_id, request.return_request_id = cancellation.id, None
            what = f"cancellation request {cancellation.id}"
        else:
            returned = uow.returns.get(shop_id, return_id or 0)
            if returned is None or returned.order_id != request.order_id:
                raise NotFound(f"order {order.name} has no return request {return_id}", field="return_id")
            request.return_request_id, request.cancellation_request_id = returned.id, None
            what = f"return request {returned.id}"
        uow.events.add(audit.order_event(
            shop_id, order.id, audit.OrderEventType.CUSTOMER_REFUND_STATUS_CHANGED, now,
            f"Customer refund request {request.id} linked to {what}", ActorKind.STAFF, actor_id,
            customer_refund_id=request.id, phase="linked", cancellation_id=request.cancellation_request_id,
            return_id=request.return_request_id))
        uow.flush()
        view = _view(uow, request, order, now)
        uow.commit()
        return view


# ---------------------------------------------------------------- the 24-hour alert


def scan_unanswered(uow: UnitOfWork, clock: Clock) -> int:
    """Raise the alert on customer requests unanswered for 24 hours (every shop); returns how many were raised.

    Answered requests whose alert is still open (answered another way than a reply) get it cleared here.
    """
    now = clock.now()
    with uow:
        late = uow.customer_refunds.new_received_before(now - REPLY_ALERT_AFTER, SCAN_BATCH)
        answered = uow.customer_refunds.answered_with_open_alert(
            store_refunds.ALERT_SUBJECT_PREFIX, AlertKind.CUSTOMER_UNANSWERED, SCAN_BATCH)
    raised = 0
    for shop_id, request_id in late + answered:
        with uow:
            request = uow.customer_refunds.get(shop_id, request_id, for_update=True)
            if request is None:
                continue
            holding = {}
            if request.status is CustomerRefundStatus.NEW and now - request.received_at >= REPLY_ALERT_AFTER:
                hours = int((now - request.received_at).total_seconds() // 3600)
                who = request.customer_name or request.customer_email or "a customer"
                holding[AlertKind.CUSTOMER_UNANSWERED] = (
                    f"{who} asked for a refund {hours} hours ago and has had no answer (request {request.id})")
            new, _ = settle_alerts(uow, shop_id=shop_id, order_id=request.order_id,
                                   subject=request_subject(store_refunds.ALERT_SUBJECT, request.id),
                                   holding=holding, managed={AlertKind.CUSTOMER_UNANSWERED}, now=now,
                                   supplier_order_id=None)
            raised += len(new)
            uow.commit()
    return raised


# ---------------------------------------------------------------- helpers


def _positive(value: str) -> Decimal:
    amount = parse_amount(value, field="amount")
    if amount <= 0:
        raise InvalidInput("the amount must be more than zero", field="amount")
    return amount


def _order(uow: UnitOfWork, shop_id: int, order_id: int, *, for_update: bool = False) -> Order:
    order = uow.orders.get(shop_id, order_id, for_update=for_update)
    if order is None:
        raise NotFound(f"no order with id {order_id}", field="order_id")
    return order


def _locked(uow: UnitOfWork, shop_id: int, request_id: int) -> tuple[Order, CustomerRefundRequest]:
    """The request and its order, both locked, the order first: the order in which the store's webhooks lock
    them too, so the two never wait for each other."""
    order_id = uow.customer_refunds.order_id_of(shop_id, request_id)
    if order_id is None:
        raise NotFound(f"no customer refund request with id {request_id}", field="request_id")
    # The request is loaded only once locked, so what is read of it is what the lock protects.
    return _order(uow, shop_id, order_id, for_update=True), _request(uow, shop_id, request_id, for_update=True)


def _request(uow: UnitOfWork, shop_id: int, request_id: int, *, for_update: bool = False) -> CustomerRefundRequest:
    request = uow.customer_refunds.get(shop_id, request_id, for_update=for_update)
    if request is None:
        raise NotFound(f"no customer refund request with id {request_id}", field="request_id")
    return request
